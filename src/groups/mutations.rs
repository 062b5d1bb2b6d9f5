//! Group mutations. Each validates its input, then, in one transaction that first locks the group
//! row, checks the policy against the group as it is under the lock and makes its change (see
//! `locked_change`).

use crate::analytics::{Activity, ActivityKind};
use std::collections::HashSet;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::graphql::{
    GroupRoleGql, INVITATION_TYPE, JOIN_REQUEST_TYPE, JoinPolicyGql, MAX_INVITEES,
    PostingPolicyGql, TYPE_NAME, VisibilityGql, load_visible_invitation, load_visible_join_request,
};
use super::model::{
    self, BulkAdd, GroupChanges, Invitation, InvitationStatus, JoinRequest, Member, NewGroup,
    RequestStatus,
};
use super::rules::{self, MembershipRule};
use super::slugs::{self, WantedSlug};
use super::{GroupAccess, GroupRole, JoinPolicy, PostingPolicy, Visibility};
use crate::attachments::graphql as attachments;
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::db::ConnectionFn;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::notifications::triggers::{self, Trigger};
use crate::policy::{self, Action, Decision, Resource};
use crate::validation::{self, Limit};

fn group_id(id: &ID, field: &str) -> ApiResult<Uuid> {
    ids::decode_as(id, TYPE_NAME, field)
}

fn user_id(id: &ID, field: &str) -> ApiResult<Uuid> {
    ids::decode_as(id, crate::users::graphql::TYPE_NAME, field)
}

fn require(viewer: &Viewer, action: Action, access: &GroupAccess, why: &str) -> ApiResult<()> {
    policy::require(viewer, action, Resource::Group(access), TYPE_NAME, why)
}

/// The group as the viewer sees it after a change (not the request's cached copy).
async fn reload(conn: &mut AsyncPgConnection, viewer: &Viewer, id: Uuid) -> ApiResult<GroupAccess> {
    model::find_access(conn, viewer.id(), &[id])
        .await?
        .pop()
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

fn default_join_policy(visibility: Visibility) -> JoinPolicy {
    match visibility {
        Visibility::Public => JoinPolicy::Open,
        Visibility::Private => JoinPolicy::Request,
        Visibility::Secret => JoinPolicy::InviteOnly,
    }
}

fn check_join_policy(visibility: Visibility, join_policy: JoinPolicy) -> ApiResult<()> {
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

fn description(text: Option<String>) -> ApiResult<Option<String>> {
    text.map(|text| {
        validation::max_chars("description", &text, Limit::DESCRIPTION)?;
        Ok(text)
    })
    .transpose()
}

const AVATAR_FIELD: &str = "avatarAttachmentId";
const COVER_FIELD: &str = "coverAttachmentId";

#[derive(InputObject)]
pub struct CreateGroupInput {
    pub name: String,
    /// Made from the name when omitted. A secret group's slug ends with a random suffix, so that
    /// nobody finds a secret group by guessing its slug; a slug held by a group the viewer may not
    /// see also gets one, and only a clash with a group they see is CONFLICT.
    pub slug: Option<String>,
    /// Markdown.
    pub description: Option<String>,
    pub visibility: VisibilityGql,
    /// Defaults: OPEN for public, REQUEST for private, INVITE_ONLY for secret groups.
    pub join_policy: Option<JoinPolicyGql>,
    /// Defaults to MEMBERS.
    pub posting_policy: Option<PostingPolicyGql>,
}

#[derive(InputObject)]
pub struct UpdateGroupInput {
    pub group_id: ID,
    pub name: Option<String>,
    /// Given as for `createGroup`: a secret group's new slug ends with a random suffix. A group
    /// made secret keeps its slug, which its members may have shared.
    pub slug: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<VisibilityGql>,
    pub join_policy: Option<JoinPolicyGql>,
    pub posting_policy: Option<PostingPolicyGql>,
    /// Who may create the group's events.
    pub event_policy: Option<PostingPolicyGql>,
    /// Who may add and change files in the group's drive.
    pub drive_policy: Option<PostingPolicyGql>,
    /// An image from `uploadAttachment` as the group's avatar; null removes it.
    pub avatar_attachment_id: async_graphql::MaybeUndefined<ID>,
    /// An image from `uploadAttachment` as the group's cover; null removes it.
    pub cover_attachment_id: async_graphql::MaybeUndefined<ID>,
}

#[derive(InputObject)]
pub struct GroupInput {
    pub group_id: ID,
}

#[derive(InputObject)]
pub struct RequestToJoinGroupInput {
    pub group_id: ID,
    /// A word for the managers.
    pub message: Option<String>,
}

#[derive(InputObject)]
pub struct JoinRequestInput {
    pub join_request_id: ID,
}

#[derive(InputObject)]
pub struct InviteToGroupInput {
    pub group_id: ID,
    /// Up to 100 people; members and people already invited are skipped.
    pub user_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct GroupInvitationInput {
    pub invitation_id: ID,
}

#[derive(InputObject)]
pub struct GroupMemberInput {
    pub group_id: ID,
    pub user_id: ID,
}

#[derive(InputObject)]
pub struct SetGroupMemberRoleInput {
    pub group_id: ID,
    pub user_id: ID,
    pub role: GroupRoleGql,
}

#[derive(InputObject)]
pub struct AddGroupMembersByAttributeInput {
    pub group_id: ID,
    /// Everyone in this department (case-insensitive)...
    pub department: Option<String>,
    /// ...and/or at this site.
    pub site: Option<String>,
}

#[derive(SimpleObject)]
pub struct GroupPayload {
    pub group: GroupAccess,
}

#[derive(SimpleObject)]
pub struct DeleteGroupPayload {
    pub deleted_group_id: ID,
}

#[derive(SimpleObject)]
pub struct JoinRequestPayload {
    pub join_request: JoinRequest,
}

#[derive(SimpleObject)]
pub struct ApproveJoinRequestPayload {
    pub join_request: JoinRequest,
    pub group: GroupAccess,
}

#[derive(SimpleObject)]
pub struct InviteToGroupPayload {
    /// The invitations created (members and people already invited are skipped).
    pub invitations: Vec<Invitation>,
}

#[derive(SimpleObject)]
pub struct GroupInvitationPayload {
    pub invitation: Invitation,
}

#[derive(SimpleObject)]
pub struct GroupMemberPayload {
    pub member: Member,
}

#[derive(SimpleObject)]
pub struct AddGroupMembersByAttributePayload {
    pub group: GroupAccess,
    pub added_count: i32,
}

#[derive(InputObject)]
pub struct AddGroupMembershipRuleInput {
    pub group_id: ID,
    /// Everyone in this department (case-insensitive), now and whoever moves there later...
    pub department: Option<String>,
    /// ...and/or at this site.
    pub site: Option<String>,
}

#[derive(SimpleObject)]
pub struct AddGroupMembershipRulePayload {
    pub rule: MembershipRule,
    pub group: GroupAccess,
    /// How many people matching the rule joined now.
    pub added_count: i32,
}

#[derive(InputObject)]
pub struct RemoveGroupMembershipRuleInput {
    pub rule_id: ID,
}

#[derive(SimpleObject)]
pub struct RemoveGroupMembershipRulePayload {
    pub removed_rule_id: ID,
    pub group: GroupAccess,
}

#[derive(Default)]
pub struct GroupMutation;

#[Object]
impl GroupMutation {
    /// Creates a group; the viewer becomes its owner. Members and admins, not guests.
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        input: CreateGroupInput,
    ) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        policy::require(
            viewer,
            Action::Post,
            Resource::Organisation,
            "Organisation",
            "Guests cannot create groups.",
        )?;
        let name = validation::display_name("name", &input.name)?;
        let (slug, chosen) = match input.slug {
            Some(slug) => (validation::slug("slug", &slug)?, true),
            None => (
                validation::slug("name", &validation::slugify(&name))?,
                false,
            ),
        };
        let visibility: Visibility = input.visibility.into();
        let join_policy = input
            .join_policy
            .map(Into::into)
            .unwrap_or_else(|| default_join_policy(visibility));
        check_join_policy(visibility, join_policy)?;
        let description = description(input.description)?.unwrap_or_default();
        let mut conn = ctx.conn().await?;
        let wanted = WantedSlug {
            slug,
            chosen,
            visibility,
            group: None,
        };
        let group = NewGroup {
            id: Uuid::now_v7(),
            name,
            slug: slugs::available(&mut conn, viewer, &wanted).await?,
            description,
            visibility,
            join_policy,
            posting_policy: input
                .posting_policy
                .map_or(PostingPolicy::Members, Into::into),
            created_by: Some(viewer.id()),
        };
        let access = conn
            .transaction::<_, ApiError, _>(async |conn| {
                model::insert(conn, &group).await?;
                model::add_member(conn, group.id, viewer.id(), GroupRole::Owner).await?;
                reload(conn, viewer, group.id).await
            })
            .await?;
        Ok(GroupPayload { group: access })
    }

    /// Changes a group's settings (managers). Moving to invitation only closes pending requests.
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        input: UpdateGroupInput,
    ) -> ApiResult<GroupPayload> {
        let id = group_id(&input.group_id, "groupId")?;
        let changes = GroupChanges {
            name: input
                .name
                .map(|name| validation::display_name("name", &name))
                .transpose()?,
            slug: input
                .slug
                .map(|slug| validation::slug("slug", &slug))
                .transpose()?,
            description: description(input.description)?,
            visibility: input.visibility.map(Into::into),
            join_policy: input.join_policy.map(Into::into),
            posting_policy: input.posting_policy.map(Into::into),
            event_policy: input.event_policy.map(Into::into),
            drive_policy: input.drive_policy.map(Into::into),
            avatar_attachment_id: None,
            cover_attachment_id: None,
        };
        let avatar = attachments::parse_image_id(&input.avatar_attachment_id, AVATAR_FIELD)?;
        let cover = attachments::parse_image_id(&input.cover_attachment_id, COVER_FIELD)?;
        let viewer = ctx.viewer()?;
        let audit = Audit::of(ctx)?;
        let access = locked_change(
            ctx,
            id,
            |current| {
                require(
                    viewer,
                    Action::Manage,
                    current,
                    "Only the group's managers change its settings.",
                )?;
                check_join_policy(
                    changes.visibility.unwrap_or(current.group.visibility),
                    changes.join_policy.unwrap_or(current.group.join_policy),
                )
            },
            async |conn| {
                let before = model::lock(conn, id).await?;
                let (old_avatar, old_cover) = model::images(conn, id).await?;
                let changes = GroupChanges {
                    slug: new_slug(conn, viewer, &before, &changes).await?,
                    avatar_attachment_id: attachments::claim_new_image(
                        conn,
                        old_avatar,
                        avatar,
                        viewer.id(),
                        AVATAR_FIELD,
                    )
                    .await?,
                    cover_attachment_id: attachments::claim_new_image(
                        conn,
                        old_cover,
                        cover,
                        viewer.id(),
                        COVER_FIELD,
                    )
                    .await?,
                    ..changes.clone()
                };
                if changes.is_empty() {
                    return Ok(());
                }
                let group = model::update(conn, id, &changes).await?;
                let change = group_change(id).before(&before)?.after(&group)?;
                audit.record(conn, change).await?;
                if group.join_policy != JoinPolicy::Request {
                    model::cancel_pending_join_requests(conn, id).await?;
                }
                if changes.avatar_attachment_id.is_some() {
                    attachments::drop_if_unused(conn, old_avatar).await?;
                }
                if changes.cover_attachment_id.is_some() {
                    attachments::drop_if_unused(conn, old_cover).await?;
                }
                Ok(())
            },
        )
        .await?;
        Ok(GroupPayload { group: access })
    }

    /// Makes a group read-only (managers).
    async fn archive_group(&self, ctx: &Context<'_>, input: GroupInput) -> ApiResult<GroupPayload> {
        set_archived(ctx, &input.group_id, true).await
    }

    async fn unarchive_group(
        &self,
        ctx: &Context<'_>,
        input: GroupInput,
    ) -> ApiResult<GroupPayload> {
        set_archived(ctx, &input.group_id, false).await
    }

    /// Deletes a group and everything in it (owners and admins).
    async fn delete_group(
        &self,
        ctx: &Context<'_>,
        input: GroupInput,
    ) -> ApiResult<DeleteGroupPayload> {
        let viewer = ctx.viewer()?;
        let audit = Audit::of(ctx)?;
        let id = group_id(&input.group_id, "groupId")?;
        let mut conn = ctx.conn().await?;
        conn.transaction::<_, ApiError, _>(async |conn| {
            let current = lock_for(conn, viewer, id).await?;
            require(
                viewer,
                Action::Delete,
                &current,
                "Only the group's owners delete it.",
            )?;
            audit
                .record(conn, group_change(id).before(&current.group)?)
                .await?;
            model::delete(conn, id).await
        })
        .await?;
        Ok(DeleteGroupPayload {
            deleted_group_id: input.group_id,
        })
    }

    /// Joins an open public group at once.
    async fn join_group(&self, ctx: &Context<'_>, input: GroupInput) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        let audit = Audit::of(ctx)?;
        let access = locked_change(
            ctx,
            id,
            |current| {
                require(
                    viewer,
                    Action::Join,
                    current,
                    "This group cannot be joined directly: ask to join or wait for an invitation.",
                )
            },
            async |conn| {
                model::add_member(conn, id, viewer.id(), GroupRole::Member).await?;
                // Only org admins join groups that are not open to all: an admin action.
                let group = model::lock(conn, id).await?;
                if !policy::open_to_join(viewer, &group) {
                    let change = member_change(id, viewer.id()).after(&MemberSnapshot {
                        role: GroupRole::Member,
                    })?;
                    audit.record(conn, change).await?;
                }
                Ok(())
            },
        )
        .await?;
        ctx.record_activity(
            Activity::by(viewer.id(), ActivityKind::GroupJoined)
                .in_group(Some(id))
                .about(id),
        );
        Ok(GroupPayload { group: access })
    }

    /// Asks the managers of a group to let the viewer in.
    async fn request_to_join_group(
        &self,
        ctx: &Context<'_>,
        input: RequestToJoinGroupInput,
    ) -> ApiResult<JoinRequestPayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        if let Some(message) = &input.message {
            validation::max_chars("message", message, Limit::BIO)?;
        }
        let mut created = None;
        locked_change(
            ctx,
            id,
            |current| {
                if current.viewer_requested {
                    return Err(ApiError::Conflict(
                        "You have already asked to join this group.".into(),
                    ));
                }
                require(
                    viewer,
                    Action::RequestToJoin,
                    current,
                    "This group does not take join requests.",
                )
            },
            async |conn| {
                let request =
                    model::create_join_request(conn, id, viewer.id(), input.message.clone())
                        .await?;
                let trigger = Trigger::JoinRequested {
                    request_id: request.id,
                };
                triggers::enqueue(conn, trigger).await?;
                created = Some(request);
                Ok(())
            },
        )
        .await?;
        let join_request = created.ok_or(ApiError::NotFound(JOIN_REQUEST_TYPE))?;
        Ok(JoinRequestPayload { join_request })
    }

    async fn approve_join_request(
        &self,
        ctx: &Context<'_>,
        input: JoinRequestInput,
    ) -> ApiResult<ApproveJoinRequestPayload> {
        let viewer = ctx.viewer()?;
        let (request, _) = load_visible_join_request(ctx, join_request_id(&input)?).await?;
        let group = request.group_id;
        let audit = Audit::of(ctx)?;
        let mut approved = None;
        let access = locked_change(
            ctx,
            group,
            |current| {
                require(viewer, Action::Manage, current, DECIDE_REQUESTS)?;
                open_to_new_members(current)
            },
            async |conn| {
                let closed = model::close_join_request(
                    conn,
                    request.id,
                    RequestStatus::Approved,
                    Some(viewer.id()),
                )
                .await?
                .ok_or_else(already_decided)?;
                model::add_member(conn, group, request.user_id, GroupRole::Member).await?;
                let change = Change::of(JOIN_REQUEST_TYPE, request.id)
                    .in_group(group)
                    .before(&request)?
                    .after(&closed)?;
                audit.record(conn, change).await?;
                decided(conn, request.id, true, viewer.id()).await?;
                approved = Some(closed);
                Ok(())
            },
        )
        .await?;
        let join_request = approved.ok_or(ApiError::NotFound(JOIN_REQUEST_TYPE))?;
        Ok(ApproveJoinRequestPayload {
            join_request,
            group: access,
        })
    }

    async fn decline_join_request(
        &self,
        ctx: &Context<'_>,
        input: JoinRequestInput,
    ) -> ApiResult<JoinRequestPayload> {
        let viewer = ctx.viewer()?;
        let (request, access) = load_visible_join_request(ctx, join_request_id(&input)?).await?;
        require(viewer, Action::Manage, &access, DECIDE_REQUESTS)?;
        let audit = Audit::of(ctx)?;
        let mut conn = ctx.conn().await?;
        let join_request = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let closed = model::close_join_request(
                    conn,
                    request.id,
                    RequestStatus::Declined,
                    Some(viewer.id()),
                )
                .await?
                .ok_or_else(already_decided)?;
                let change = Change::of(JOIN_REQUEST_TYPE, request.id)
                    .in_group(request.group_id)
                    .before(&request)?
                    .after(&closed)?;
                audit.record(conn, change).await?;
                decided(conn, request.id, false, viewer.id()).await?;
                Ok(closed)
            })
            .await?;
        Ok(JoinRequestPayload { join_request })
    }

    /// Withdraws the viewer's own request.
    async fn cancel_join_request(
        &self,
        ctx: &Context<'_>,
        input: JoinRequestInput,
    ) -> ApiResult<JoinRequestPayload> {
        let viewer = ctx.viewer()?;
        let (request, _) = load_visible_join_request(ctx, join_request_id(&input)?).await?;
        if request.user_id != viewer.id() {
            return Err(ApiError::Forbidden(
                "Only the person who asked can cancel a request.".into(),
            ));
        }
        close_request(ctx, request.id, RequestStatus::Cancelled, None).await
    }

    /// Invites several people at once (managers); members and people already invited are skipped.
    async fn invite_to_group(
        &self,
        ctx: &Context<'_>,
        input: InviteToGroupInput,
    ) -> ApiResult<InviteToGroupPayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        if input.user_ids.is_empty() || input.user_ids.len() > MAX_INVITEES {
            return Err(ApiError::bad_input(
                "userIds",
                format!("give 1 to {MAX_INVITEES} people"),
            ));
        }
        let invitees = input
            .user_ids
            .iter()
            .map(|id| user_id(id, "userIds"))
            .collect::<ApiResult<Vec<_>>>()?;
        for invitee in &invitees {
            crate::users::graphql::load_visible(ctx, *invitee).await?;
        }
        let distinct: HashSet<_> = invitees.iter().collect();
        let active = model::active_user_ids(&mut *ctx.conn().await?, &invitees).await?;
        if active.len() < distinct.len() {
            return Err(ApiError::bad_input(
                "userIds",
                "deactivated people cannot be invited",
            ));
        }
        let audit = Audit::of(ctx)?;
        let mut invitations = Vec::new();
        locked_change(
            ctx,
            id,
            |current| {
                require(
                    viewer,
                    Action::Manage,
                    current,
                    "Only the group's managers invite people.",
                )?;
                open_to_new_members(current)
            },
            async |conn| {
                invitations = model::invite(conn, id, &invitees, viewer.id()).await?;
                for invitation in &invitations {
                    let trigger = Trigger::GroupInvitation {
                        invitation_id: invitation.id,
                    };
                    triggers::enqueue(conn, trigger).await?;
                }
                let change = group_change(id).after(&invitations)?;
                audit.record(conn, change).await
            },
        )
        .await?;
        Ok(InviteToGroupPayload { invitations })
    }

    /// Accepts an invitation addressed to the viewer.
    async fn accept_group_invitation(
        &self,
        ctx: &Context<'_>,
        input: GroupInvitationInput,
    ) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        let (invitation, _) = own_invitation(ctx, &input).await?;
        let group = invitation.group_id;
        let access = locked_change(ctx, group, open_to_new_members, async |conn| {
            model::close_invitation(conn, invitation.id, InvitationStatus::Accepted)
                .await?
                .ok_or_else(already_answered)?;
            model::add_member(conn, group, viewer.id(), GroupRole::Member).await?;
            Ok(())
        })
        .await?;
        Ok(GroupPayload { group: access })
    }

    async fn decline_group_invitation(
        &self,
        ctx: &Context<'_>,
        input: GroupInvitationInput,
    ) -> ApiResult<GroupInvitationPayload> {
        let (invitation, _) = own_invitation(ctx, &input).await?;
        let invitation = model::close_invitation(
            &mut *ctx.conn().await?,
            invitation.id,
            InvitationStatus::Declined,
        )
        .await?
        .ok_or_else(already_answered)?;
        Ok(GroupInvitationPayload { invitation })
    }

    /// Leaves a group; the last owner must transfer ownership first.
    async fn leave_group(&self, ctx: &Context<'_>, input: GroupInput) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        let access = locked_change(
            ctx,
            id,
            |current| {
                require(
                    viewer,
                    Action::Leave,
                    current,
                    "You are not a member of this group.",
                )
            },
            async |conn| {
                remove_keeping_an_owner(
                    conn,
                    id,
                    viewer.id(),
                    "You are the last owner: transfer ownership before leaving.",
                )
                .await
            },
        )
        .await?;
        Ok(GroupPayload { group: access })
    }

    /// Removes a member (managers; only owners and admins remove owners).
    async fn remove_group_member(
        &self,
        ctx: &Context<'_>,
        input: GroupMemberInput,
    ) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        let target = user_id(&input.user_id, "userId")?;
        let audit = Audit::of(ctx)?;
        let access = locked_change(
            ctx,
            id,
            |current| {
                require(
                    viewer,
                    Action::Manage,
                    current,
                    "Only the group's managers remove members.",
                )
            },
            async |conn| {
                let role = member_role(conn, id, target).await?;
                let change = member_change(id, target).before(&MemberSnapshot { role })?;
                audit.record(conn, change).await?;
                if role == GroupRole::Owner {
                    let current = reload(conn, viewer, id).await?;
                    require(
                        viewer,
                        Action::TransferOwnership,
                        &current,
                        "Only owners remove owners.",
                    )?;
                }
                remove_keeping_an_owner(conn, id, target, "The last owner cannot be removed.").await
            },
        )
        .await?;
        Ok(GroupPayload { group: access })
    }

    /// Promotes or demotes a member. Managers change members and managers; only owners and
    /// admins grant or take the owner role, and a group always keeps an owner.
    async fn set_group_member_role(
        &self,
        ctx: &Context<'_>,
        input: SetGroupMemberRoleInput,
    ) -> ApiResult<GroupMemberPayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        let target = user_id(&input.user_id, "userId")?;
        let role: GroupRole = input.role.into();
        let audit = Audit::of(ctx)?;
        locked_change(
            ctx,
            id,
            |current| {
                require(
                    viewer,
                    Action::Manage,
                    current,
                    "Only the group's managers change roles.",
                )
            },
            async |conn| {
                let previous = member_role(conn, id, target).await?;
                if previous == GroupRole::Owner || role == GroupRole::Owner {
                    let current = reload(conn, viewer, id).await?;
                    require(
                        viewer,
                        Action::TransferOwnership,
                        &current,
                        "Only owners grant or take the owner role.",
                    )?;
                }
                if previous == GroupRole::Owner
                    && role != GroupRole::Owner
                    && model::owner_count(conn, id).await? <= 1
                {
                    return Err(ApiError::Conflict(
                        "The last owner cannot be demoted: make someone else owner first.".into(),
                    ));
                }
                let change = member_change(id, target)
                    .before(&MemberSnapshot { role: previous })?
                    .after(&MemberSnapshot { role })?;
                audit.record(conn, change).await?;
                model::set_role(conn, id, target, role).await
            },
        )
        .await?;
        let member = member_of(ctx, id, target).await?;
        Ok(GroupMemberPayload { member })
    }

    /// Makes a member the owner; an owner handing over becomes a manager.
    async fn transfer_group_ownership(
        &self,
        ctx: &Context<'_>,
        input: GroupMemberInput,
    ) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        let target = user_id(&input.user_id, "userId")?;
        let audit = Audit::of(ctx)?;
        let access = locked_change(
            ctx,
            id,
            |current| {
                require(
                    viewer,
                    Action::TransferOwnership,
                    current,
                    "Only owners transfer ownership.",
                )
            },
            async |conn| {
                let previous = member_role(conn, id, target).await?;
                let change = member_change(id, target)
                    .before(&MemberSnapshot { role: previous })?
                    .after(&MemberSnapshot {
                        role: GroupRole::Owner,
                    })?;
                audit.record(conn, change).await?;
                model::set_role(conn, id, target, GroupRole::Owner).await?;
                let viewer_is_owner =
                    model::member_role(conn, id, viewer.id()).await? == Some(GroupRole::Owner);
                if target != viewer.id() && viewer_is_owner {
                    model::set_role(conn, id, viewer.id(), GroupRole::Manager).await?;
                }
                Ok(())
            },
        )
        .await?;
        Ok(GroupPayload { group: access })
    }

    /// Adds everyone matching directory attributes (org admins), e.g. the Sales department.
    /// Guests are never added in bulk.
    async fn add_group_members_by_attribute(
        &self,
        ctx: &Context<'_>,
        input: AddGroupMembersByAttributeInput,
    ) -> ApiResult<AddGroupMembersByAttributePayload> {
        let viewer = ctx.viewer()?;
        policy::require(
            viewer,
            Action::Manage,
            Resource::Organisation,
            "Organisation",
            "Only org admins add members by directory attribute.",
        )?;
        let id = group_id(&input.group_id, "groupId")?;
        let (department, site) = directory_attributes(input.department, input.site)?;
        let audit = Audit::of(ctx)?;
        let mut added = 0;
        let access = locked_change(ctx, id, open_to_new_members, async |conn| {
            added = model::add_members_by_attribute(
                conn,
                id,
                department.as_deref(),
                site.as_deref(),
                BulkAdd::Once,
            )
            .await?;
            let after = serde_json::json!({
                "department": department,
                "site": site,
                "addedCount": added,
            });
            audit.record(conn, group_change(id).after(&after)?).await
        })
        .await?;
        Ok(AddGroupMembersByAttributePayload {
            group: access,
            added_count: added as i32,
        })
    }

    /// Makes the group follow the directory (org admins): everyone matching the rule joins now,
    /// and whoever moves into the department or site later joins then; people who move away
    /// leave the groups rules brought them into (see `Group.membershipRules`). Guests are never
    /// added. At most 20 rules per group.
    async fn add_group_membership_rule(
        &self,
        ctx: &Context<'_>,
        input: AddGroupMembershipRuleInput,
    ) -> ApiResult<AddGroupMembershipRulePayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        let (department, site) = directory_attributes(input.department, input.site)?;
        let audit = Audit::of(ctx)?;
        let mut created = None;
        let access = locked_change(
            ctx,
            id,
            |current| {
                require(
                    viewer,
                    Action::Administer,
                    current,
                    "Only org admins make membership rules.",
                )?;
                open_to_new_members(current)
            },
            async |conn| {
                if rules::count(conn, id).await? >= rules::MAX_RULES_PER_GROUP {
                    return Err(ApiError::bad_input(
                        "groupId",
                        format!(
                            "a group has at most {} membership rules",
                            rules::MAX_RULES_PER_GROUP
                        ),
                    ));
                }
                let rule = rules::insert(
                    conn,
                    id,
                    department.as_deref(),
                    site.as_deref(),
                    viewer.id(),
                )
                .await?;
                let added = model::add_members_by_attribute(
                    conn,
                    id,
                    department.as_deref(),
                    site.as_deref(),
                    BulkAdd::ByRule,
                )
                .await?;
                let after = serde_json::json!({ "rule": rule, "addedCount": added });
                audit
                    .record(conn, rule_change(&rule).after(&after)?)
                    .await?;
                created = Some((rule, added));
                Ok(())
            },
        )
        .await?;
        let (rule, added) = created.ok_or(ApiError::NotFound(rules::TYPE_NAME))?;
        Ok(AddGroupMembershipRulePayload {
            rule,
            group: access,
            added_count: added as i32,
        })
    }

    /// Stops a membership rule (org admins). The people it brought in stay, as ordinary members.
    async fn remove_group_membership_rule(
        &self,
        ctx: &Context<'_>,
        input: RemoveGroupMembershipRuleInput,
    ) -> ApiResult<RemoveGroupMembershipRulePayload> {
        let viewer = ctx.viewer()?;
        let id = ids::decode_as(&input.rule_id, rules::TYPE_NAME, "ruleId")?;
        let rule = rules::load_visible_rule(ctx, id).await?;
        let audit = Audit::of(ctx)?;
        let access = locked_change(
            ctx,
            rule.group_id,
            |current| {
                require(
                    viewer,
                    Action::Administer,
                    current,
                    "Only org admins remove membership rules.",
                )
            },
            async |conn| {
                let current = rules::find(conn, rule.id)
                    .await?
                    .ok_or(ApiError::NotFound(rules::TYPE_NAME))?;
                rules::delete(conn, &current).await?;
                audit
                    .record(conn, rule_change(&current).before(&current)?)
                    .await
            },
        )
        .await?;
        Ok(RemoveGroupMembershipRulePayload {
            removed_rule_id: input.rule_id,
            group: access,
        })
    }
}

/// The department and site a bulk add or a rule asks for, trimmed: at least one of them.
fn directory_attributes(
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
fn rule_change(rule: &MembershipRule) -> Change {
    Change::of(rules::TYPE_NAME, rule.id).in_group(rule.group_id)
}

/// An audit entry about the group itself.
fn group_change(id: Uuid) -> Change {
    Change::of(TYPE_NAME, id).in_group(id)
}

/// An audit entry about one member of a group (the target is the person).
fn member_change(group: Uuid, user: Uuid) -> Change {
    Change::of(crate::users::graphql::TYPE_NAME, user).in_group(group)
}

/// A membership as audit snapshots show it.
#[derive(serde::Serialize)]
struct MemberSnapshot {
    role: GroupRole,
}

const DECIDE_REQUESTS: &str = "Only the group's managers decide join requests.";

/// Tells the person who asked how their request was decided.
async fn decided(
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

fn join_request_id(input: &JoinRequestInput) -> ApiResult<Uuid> {
    ids::decode_as(&input.join_request_id, JOIN_REQUEST_TYPE, "joinRequestId")
}

fn already_decided() -> ApiError {
    ApiError::Conflict("This request was already decided.".into())
}

fn already_answered() -> ApiError {
    ApiError::Conflict("This invitation was already answered.".into())
}

/// An invitation addressed to the viewer (one they may only see as a manager is not theirs).
async fn own_invitation(
    ctx: &Context<'_>,
    input: &GroupInvitationInput,
) -> ApiResult<(Invitation, GroupAccess)> {
    let id = ids::decode_as(&input.invitation_id, INVITATION_TYPE, "invitationId")?;
    let (invitation, access) = load_visible_invitation(ctx, id).await?;
    if invitation.user_id != ctx.viewer()?.id() {
        return Err(ApiError::Forbidden(
            "Only the invited person can answer an invitation.".into(),
        ));
    }
    Ok((invitation, access))
}

/// Archived groups take no new members (CONFLICT).
fn open_to_new_members(current: &GroupAccess) -> ApiResult<()> {
    match current.group.archived_at {
        Some(_) => Err(ApiError::Conflict(
            "The group is archived: unarchive it first.".into(),
        )),
        None => Ok(()),
    }
}

/// The slug `changes` ask for, as `slugs::available` grants it; none when it is the group's
/// own already (a form sent back unchanged keeps a secret group's suffix).
async fn new_slug(
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
async fn lock_for(
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

/// One transaction holding the group's row lock: `authorize` judges the group and the viewer's
/// role as they are under the lock (a role taken away a moment ago no longer counts), `change`
/// writes, and the group is returned as the viewer now sees it. Concurrent changes of one group
/// run one after the other, so counts and "last owner" rules stay exact.
async fn locked_change<F>(
    ctx: &Context<'_>,
    group: Uuid,
    authorize: impl FnOnce(&GroupAccess) -> ApiResult<()> + Send,
    change: F,
) -> ApiResult<GroupAccess>
where
    F: for<'c> ConnectionFn<'c, ApiResult<()>> + Send,
{
    let viewer = ctx.viewer()?;
    let mut conn = ctx.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current = lock_for(conn, viewer, group).await?;
        authorize(&current)?;
        change(conn).await?;
        reload(conn, viewer, group).await
    })
    .await
}

async fn member_role(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
) -> ApiResult<GroupRole> {
    model::member_role(conn, group, user)
        .await?
        .ok_or(ApiError::NotFound("GroupMember"))
}

/// Removes a member unless they are the group's last owner.
async fn remove_keeping_an_owner(
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

async fn set_archived(ctx: &Context<'_>, id: &ID, archived: bool) -> ApiResult<GroupPayload> {
    let viewer = ctx.viewer()?;
    let id = group_id(id, "groupId")?;
    let audit = Audit::of(ctx)?;
    let access = locked_change(
        ctx,
        id,
        |current| {
            require(
                viewer,
                Action::Manage,
                current,
                "Only the group's managers archive it.",
            )
        },
        async |conn| {
            let before = model::lock(conn, id).await?;
            let after = model::set_archived(conn, id, archived).await?;
            let change = group_change(id).before(&before)?.after(&after)?;
            audit.record(conn, change).await
        },
    )
    .await?;
    Ok(GroupPayload { group: access })
}

async fn close_request(
    ctx: &Context<'_>,
    id: Uuid,
    status: RequestStatus,
    decided_by: Option<Uuid>,
) -> ApiResult<JoinRequestPayload> {
    let request = model::close_join_request(&mut *ctx.conn().await?, id, status, decided_by)
        .await?
        .ok_or_else(already_decided)?;
    Ok(JoinRequestPayload {
        join_request: request,
    })
}

async fn member_of(ctx: &Context<'_>, group: Uuid, user: Uuid) -> ApiResult<Member> {
    let mut conn = ctx.conn().await?;
    let role = member_role(&mut conn, group, user).await?;
    let user = crate::users::model::find(&mut conn, user)
        .await?
        .ok_or(ApiError::NotFound("User"))?;
    let joined_at = model::joined_at(&mut conn, group, user.id).await?;
    Ok(Member {
        user,
        role,
        joined_at,
    })
}
