//! The rules group operations share: who may act on a group as it is under its row lock, how a
//! group's join policy fits its visibility, audit entries, and the membership changes that must
//! keep an owner.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::graphql::TYPE_NAME;
use super::model::{self, GroupChanges};
use super::rules::{self, MembershipRule};
use super::slugs::{self, WantedSlug};
use super::{GroupAccess, GroupRole, JoinPolicy, Visibility};
use crate::audit::Change;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::notifications::triggers::{self, Trigger};
use crate::policy::{self, Action, Decision, Resource};
use crate::validation::{self, Limit};

pub(super) fn require(
    viewer: &Viewer,
    action: Action,
    access: &GroupAccess,
    why: &str,
) -> ApiResult<()> {
    policy::require(viewer, action, Resource::Group(access), TYPE_NAME, why)
}

/// Something inside a group (a membership rule, a webhook) exists for the viewer only when they
/// may `action` on the group: NOT_FOUND naming `what` otherwise, never a hint which.
pub(super) fn require_inside(
    viewer: &Viewer,
    action: Action,
    group: &GroupAccess,
    what: &'static str,
) -> ApiResult<()> {
    if policy::can(viewer, action, Resource::Group(group)).allowed() {
        Ok(())
    } else {
        Err(ApiError::NotFound(what))
    }
}

/// The group as the viewer sees it after a change (not the request's cached copy).
pub(super) async fn reload(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<GroupAccess> {
    model::find_access(conn, viewer.id(), &[id])
        .await?
        .pop()
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

/// The group if `viewer` may see it: a hidden group is NOT_FOUND, like a missing one.
pub fn visible(viewer: &Viewer, access: Option<GroupAccess>) -> ApiResult<GroupAccess> {
    match access {
        Some(access)
            if policy::can(viewer, Action::View, Resource::Group(&access)) != Decision::Hide =>
        {
            Ok(access)
        }
        _ => Err(ApiError::NotFound(TYPE_NAME)),
    }
}

/// The viewer's relation to each of these groups, by group id (visibility is the policy's call):
/// what lists of things in groups (events, surveys, drives) judge each item with.
pub async fn access_by_id(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
    ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, GroupAccess>> {
    Ok(model::find_access(conn, viewer, ids)
        .await?
        .into_iter()
        .map(|access| (access.group.id, access))
        .collect())
}

pub(super) fn default_join_policy(visibility: Visibility) -> JoinPolicy {
    match visibility {
        Visibility::Public => JoinPolicy::Open,
        Visibility::Private => JoinPolicy::Request,
        Visibility::Secret => JoinPolicy::InviteOnly,
    }
}

pub(super) fn check_join_policy(visibility: Visibility, join_policy: JoinPolicy) -> ApiResult<()> {
    match (visibility, join_policy) {
        (Visibility::Private, JoinPolicy::Open) => Err(ApiError::bad_input(
            "joinPolicy",
            "private groups are joined by request or invitation",
        )),
        (Visibility::Secret, JoinPolicy::Open | JoinPolicy::Request) => Err(ApiError::bad_input(
            "joinPolicy",
            "secret groups are joined by invitation only",
        )),
        _ => Ok(()),
    }
}

pub(super) fn description(text: Option<String>) -> ApiResult<Option<String>> {
    text.map(|text| {
        validation::max_chars("description", &text, Limit::DESCRIPTION)?;
        Ok(text)
    })
    .transpose()
}

/// The department and site a bulk add or a rule asks for, trimmed: at least one of them.
pub(super) fn directory_attributes(
    department: Option<String>,
    site: Option<String>,
) -> ApiResult<(Option<String>, Option<String>)> {
    let attribute = |field: &str, value: Option<String>| -> ApiResult<Option<String>> {
        value
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
            .map(|value| {
                validation::max_chars(field, &value, Limit::SHORT_TEXT)?;
                Ok(value)
            })
            .transpose()
    };
    let department = attribute("department", department)?;
    let site = attribute("site", site)?;
    if department.is_none() && site.is_none() {
        return Err(ApiError::bad_input(
            "department",
            "give a department, a site or both",
        ));
    }
    Ok((department, site))
}

/// An audit entry about a membership rule, in its group.
pub(super) fn rule_change(rule: &MembershipRule) -> Change {
    Change::of(rules::TYPE_NAME, rule.id).in_group(rule.group_id)
}

/// An audit entry about the group itself.
pub(super) fn group_change(id: Uuid) -> Change {
    Change::of(TYPE_NAME, id).in_group(id)
}

/// An audit entry about one member of a group (the target is the person).
pub(super) fn member_change(group: Uuid, user: Uuid) -> Change {
    Change::of(crate::users::TYPE_NAME, user).in_group(group)
}

/// A membership as audit snapshots show it.
#[derive(serde::Serialize)]
pub(super) struct MemberSnapshot {
    pub(super) role: GroupRole,
}

/// Tells the person who asked how their request was decided.
pub(super) async fn decided(
    conn: &mut AsyncPgConnection,
    request_id: Uuid,
    approved: bool,
    by: Uuid,
) -> ApiResult<()> {
    let trigger = Trigger::JoinRequestDecided {
        request_id,
        approved,
        by,
    };
    triggers::enqueue(conn, trigger).await
}

pub(super) fn already_decided() -> ApiError {
    ApiError::Conflict("This request was already decided.".into())
}

pub(super) fn already_answered() -> ApiError {
    ApiError::Conflict("This invitation was already answered.".into())
}

/// Archived groups take no new members (CONFLICT).
pub(super) fn open_to_new_members(current: &GroupAccess) -> ApiResult<()> {
    match current.group.archived_at {
        Some(_) => Err(ApiError::Conflict(
            "The group is archived: unarchive it first.".into(),
        )),
        None => Ok(()),
    }
}

/// The slug `changes` ask for, as `slugs::available` grants it; none when it is the group's
/// own already (a form sent back unchanged keeps a secret group's suffix).
pub(super) async fn new_slug(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    group: &model::Group,
    changes: &GroupChanges,
) -> ApiResult<Option<String>> {
    let Some(slug) = changes
        .slug
        .as_ref()
        .filter(|slug| !slug.eq_ignore_ascii_case(&group.slug))
    else {
        return Ok(None);
    };
    let wanted = WantedSlug {
        slug: slug.clone(),
        chosen: true,
        visibility: changes.visibility.unwrap_or(group.visibility),
        group: Some(group.id),
    };
    Ok(Some(slugs::available(conn, viewer, &wanted).await?))
}

/// Locks the group row and reads the group as the viewer stands towards it now.
pub(super) async fn lock_for(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    group: Uuid,
) -> ApiResult<GroupAccess> {
    model::lock(conn, group).await?;
    let current = reload(conn, viewer, group).await?;
    if policy::can(viewer, Action::View, Resource::Group(&current)) == Decision::Hide {
        return Err(ApiError::NotFound(TYPE_NAME));
    }
    Ok(current)
}

/// Only owners (and admins) grant, take or remove the owner role: judged on the group as the
/// viewer stands towards it now, under the lock.
pub(super) async fn require_owner_rights(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    group: Uuid,
    why: &str,
) -> ApiResult<()> {
    let current = reload(conn, viewer, group).await?;
    require(viewer, Action::TransferOwnership, &current, why)
}

pub(super) async fn member_role(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
) -> ApiResult<GroupRole> {
    model::member_role(conn, group, user)
        .await?
        .ok_or(ApiError::NotFound("GroupMember"))
}

/// Removes a member unless they are the group's last owner.
pub(super) async fn remove_keeping_an_owner(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
    last_owner_message: &str,
) -> ApiResult<()> {
    let role = member_role(conn, group, user).await?;
    if role == GroupRole::Owner && model::owner_count(conn, group).await? <= 1 {
        return Err(ApiError::Conflict(last_owner_message.to_owned()));
    }
    model::remove_member(conn, group, user).await?;
    Ok(())
}
