//! Membership rules: a group follows the directory. A rule (everyone in a department and/or at a
//! site, compared without case or accents) brings in the active members of the organization who match
//! it (never guests) when an org admin adds it, and again whenever someone's department or site
//! changes (a profile edit, an SSO sign-in). Someone who stops matching leaves the groups rules
//! brought them into, as long as they are plain members there; people who joined otherwise, or
//! were given a role since, stay. Removing a rule keeps its members as ordinary members. Archived
//! groups take no one in and let no one go until they are unarchived. Each change is a set-based
//! statement, whatever the number of people or groups it touches.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::graphql::load_visible;
use crate::db::schema::group_membership_rules;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{self, ChildrenOf};
use crate::pagination::lists_by_parent;
use crate::policy::{self, Action, Resource};
use crate::users::User;

pub const TYPE_NAME: &str = "GroupMembershipRule";
/// Rules one group may have, at most.
pub const MAX_RULES_PER_GROUP: i64 = 20;

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = group_membership_rules, check_for_backend(diesel::pg::Pg))]
pub struct MembershipRule {
    pub id: Uuid,
    pub group_id: Uuid,
    pub department: Option<String>,
    pub site: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Whether person `u` matches rule `r` (SQL, for the statements below).
const MATCHES: &str =
    "(r.department IS NULL OR parvis_fold(r.department) = parvis_fold(u.department))
    AND (r.site IS NULL OR parvis_fold(r.site) = parvis_fold(u.site))
    AND u.status = 'active' AND u.org_role <> 'guest'";

/// Adds a rule; CONFLICT when the group has the same one already.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    department: Option<&str>,
    site: Option<&str>,
    created_by: Uuid,
) -> ApiResult<MembershipRule> {
    diesel::insert_into(group_membership_rules::table)
        .values((
            group_membership_rules::id.eq(Uuid::now_v7()),
            group_membership_rules::group_id.eq(group),
            group_membership_rules::department.eq(department),
            group_membership_rules::site.eq(site),
            group_membership_rules::created_by.eq(Some(created_by)),
        ))
        .returning(MembershipRule::as_returning())
        .get_result(conn)
        .await
        .map_err(|error| match error {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => ApiError::Conflict("The group already has this rule.".into()),
            other => other.into(),
        })
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<MembershipRule>> {
    Ok(group_membership_rules::table
        .find(id)
        .select(MembershipRule::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A group's rules, oldest first.
/// The rules of each group, oldest first.
pub async fn lists(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<MembershipRule>>> {
    let rules: Vec<MembershipRule> = group_membership_rules::table
        .filter(group_membership_rules::group_id.eq_any(groups))
        .order((
            group_membership_rules::created_at.asc(),
            group_membership_rules::id.asc(),
        ))
        .select(MembershipRule::as_select())
        .load(conn)
        .await?;
    Ok(lists_by_parent(groups, rules, |rule| rule.group_id))
}

/// The rules of groups, oldest first.
pub struct RuleLists;

impl ChildrenOf for RuleLists {
    type Args = ();
    type Value = Vec<MembershipRule>;

    fn load(
        conn: &mut AsyncPgConnection,
        groups: &[Uuid],
        _: &(),
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Self::Value>>> + Send {
        lists(conn, groups)
    }
}

pub async fn count(conn: &mut AsyncPgConnection, group: Uuid) -> ApiResult<i64> {
    Ok(group_membership_rules::table
        .filter(group_membership_rules::group_id.eq(group))
        .count()
        .get_result(conn)
        .await?)
}

/// Removes a rule; the people it brought in who match no other rule of the group become ordinary
/// members (a later move does not take them out).
pub async fn delete(conn: &mut AsyncPgConnection, rule: &MembershipRule) -> ApiResult<()> {
    diesel::delete(group_membership_rules::table.find(rule.id))
        .execute(conn)
        .await?;
    diesel::sql_query(format!(
        "UPDATE group_memberships m SET added_by_rule = false
         FROM users u
         WHERE m.group_id = $1 AND m.added_by_rule AND u.id = m.user_id
           AND NOT EXISTS (SELECT 1 FROM group_membership_rules r
                           WHERE r.group_id = m.group_id AND {MATCHES})"
    ))
    .bind::<SqlUuid, _>(rule.group_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Brings `user` into the groups whose rules they match now and takes them out of those rules
/// brought them into and whose rules they no longer match (plain members only); archived groups
/// are left as they are. Two statements, however many groups have rules.
pub async fn follow_directory(conn: &mut AsyncPgConnection, user: Uuid) -> ApiResult<()> {
    diesel::sql_query(format!(
        "INSERT INTO group_memberships (group_id, user_id, role, added_by_rule)
         SELECT DISTINCT r.group_id, u.id, 'member', true
         FROM users u
         JOIN group_membership_rules r ON {MATCHES}
         JOIN groups g ON g.id = r.group_id AND g.archived_at IS NULL
         WHERE u.id = $1
         ON CONFLICT DO NOTHING"
    ))
    .bind::<SqlUuid, _>(user)
    .execute(conn)
    .await?;
    diesel::sql_query(format!(
        "DELETE FROM group_memberships m
         USING groups g, users u
         WHERE m.user_id = $1 AND m.added_by_rule AND m.role = 'member'
           AND g.id = m.group_id AND g.archived_at IS NULL AND u.id = m.user_id
           AND NOT EXISTS (SELECT 1 FROM group_membership_rules r
                           WHERE r.group_id = m.group_id AND {MATCHES})"
    ))
    .bind::<SqlUuid, _>(user)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `before` and `after` (one person) differ in what rules look at.
pub fn moved(before: &User, after: &User) -> bool {
    let differs = |a: &Option<String>, b: &Option<String>| {
        a.as_deref().map(crate::validation::ascii_fold)
            != b.as_deref().map(crate::validation::ascii_fold)
    };
    differs(&before.department, &after.department) || differs(&before.site, &after.site)
}

/// A standing rule of a group: everyone matching it is a member, now and as the directory
/// changes.
#[Object(name = "GroupMembershipRule")]
impl MembershipRule {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// People in this department (case and accents aside); null for any.
    async fn department(&self) -> Option<&str> {
        self.department.as_deref()
    }
    /// People at this site (case and accents aside); null for any.
    async fn site(&self) -> Option<&str> {
        self.site.as_deref()
    }
    /// The group whose membership the rule keeps.
    async fn group(&self, ctx: &Context<'_>) -> ApiResult<super::GroupAccess> {
        load_visible(ctx, self.group_id).await
    }
    /// The admin who added it (null when they are gone or hidden from the viewer).
    async fn created_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::visible_person(ctx, self.created_by).await
    }
    /// When the rule was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
}

/// The rules of a group, for whoever sees inside it.
pub async fn group_rules(
    ctx: &Context<'_>,
    group: &super::GroupAccess,
) -> ApiResult<Vec<MembershipRule>> {
    policy::require(
        ctx.viewer()?,
        Action::ViewContent,
        Resource::Group(group),
        super::graphql::TYPE_NAME,
        "Only members see how this group is made up.",
    )?;
    Ok(loaders::children_of::<RuleLists>(ctx, group.group.id, ())
        .await?
        .unwrap_or_default())
}

/// A rule of a group whose content the viewer sees; anything else is NOT_FOUND.
pub async fn load_visible_rule(ctx: &Context<'_>, id: Uuid) -> ApiResult<MembershipRule> {
    let viewer = ctx.viewer()?;
    let rule = find(&mut *ctx.conn().await?, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))?;
    let group = load_visible(ctx, rule.group_id)
        .await
        .map_err(|_| ApiError::NotFound(TYPE_NAME))?;
    super::service::require_inside(viewer, Action::ViewContent, &group, TYPE_NAME)?;
    Ok(rule)
}
