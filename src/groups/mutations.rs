//! Group mutations. Each one checks the policy, validates its input, then changes the database in
//! one transaction that first locks the group row, so concurrent membership changes of a group run
//! one after the other and counts and "last owner" rules stay exact.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::graphql::{
    GroupRoleGql, INVITATION_TYPE, JOIN_REQUEST_TYPE, JoinPolicyGql, MAX_INVITEES,
    PostingPolicyGql, TYPE_NAME, VisibilityGql, load_visible, load_visible_invitation,
    load_visible_join_request,
};
use super::model::{
    self, GroupChanges, Invitation, InvitationStatus, JoinRequest, Member, NewGroup, RequestStatus,
};
use super::{GroupAccess, GroupRole, JoinPolicy, PostingPolicy, Visibility};
use crate::auth::Viewer;
use crate::db::ConnectionFn;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::policy::{self, Action, Resource};
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

#[derive(InputObject)]
pub struct CreateGroupInput {
    pub name: String,
    /// Made from the name when omitted.
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
    pub slug: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<VisibilityGql>,
    pub join_policy: Option<JoinPolicyGql>,
    pub posting_policy: Option<PostingPolicyGql>,
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
        let slug = match input.slug {
            Some(slug) => validation::slug("slug", &slug)?,
            None => validation::slug("name", &validation::slugify(&name))?,
        };
        let visibility: Visibility = input.visibility.into();
        let join_policy = input
            .join_policy
            .map(Into::into)
            .unwrap_or_else(|| default_join_policy(visibility));
        check_join_policy(visibility, join_policy)?;
        let group = NewGroup {
            id: Uuid::now_v7(),
            name,
            slug,
            description: description(input.description)?.unwrap_or_default(),
            visibility,
            join_policy,
            posting_policy: input
                .posting_policy
                .map_or(PostingPolicy::Members, Into::into),
            created_by: Some(viewer.id()),
        };
        let mut conn = ctx.conn().await?;
        let access = conn
            .transaction::<_, ApiError, _>(async |conn| {
                model::insert(conn, &group).await?;
                model::add_member(conn, group.id, viewer.id(), GroupRole::Owner).await?;
                reload(conn, viewer, group.id).await
            })
            .await?;
        Ok(GroupPayload { group: access })
    }

    /// Changes a group's settings (managers).
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        input: UpdateGroupInput,
    ) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        require(
            viewer,
            Action::Manage,
            &access,
            "Only the group's managers change its settings.",
        )?;
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
        };
        check_join_policy(
            changes.visibility.unwrap_or(access.group.visibility),
            changes.join_policy.unwrap_or(access.group.join_policy),
        )?;
        let mut conn = ctx.conn().await?;
        let id = access.group.id;
        let access = conn
            .transaction::<_, ApiError, _>(async |conn| {
                model::update(conn, id, &changes).await?;
                reload(conn, viewer, id).await
            })
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
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        require(
            viewer,
            Action::Delete,
            &access,
            "Only the group's owners delete it.",
        )?;
        model::delete(&mut *ctx.conn().await?, access.group.id).await?;
        Ok(DeleteGroupPayload {
            deleted_group_id: input.group_id,
        })
    }

    /// Joins an open public group at once.
    async fn join_group(&self, ctx: &Context<'_>, input: GroupInput) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        require(
            viewer,
            Action::Join,
            &access,
            "This group cannot be joined directly: ask to join or wait for an invitation.",
        )?;
        let id = access.group.id;
        let access = membership_change(ctx, id, async |conn| {
            model::add_member(conn, id, viewer.id(), GroupRole::Member).await?;
            Ok(())
        })
        .await?;
        Ok(GroupPayload { group: access })
    }

    /// Asks the managers of a group to let the viewer in.
    async fn request_to_join_group(
        &self,
        ctx: &Context<'_>,
        input: RequestToJoinGroupInput,
    ) -> ApiResult<JoinRequestPayload> {
        let viewer = ctx.viewer()?;
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        if access.viewer_requested {
            return Err(ApiError::Conflict(
                "You have already asked to join this group.".into(),
            ));
        }
        require(
            viewer,
            Action::RequestToJoin,
            &access,
            "This group does not take join requests.",
        )?;
        if let Some(message) = &input.message {
            validation::max_chars("message", message, Limit::BIO)?;
        }
        let mut conn = ctx.conn().await?;
        let request =
            model::create_join_request(&mut conn, access.group.id, viewer.id(), input.message)
                .await?;
        Ok(JoinRequestPayload {
            join_request: request,
        })
    }

    async fn approve_join_request(
        &self,
        ctx: &Context<'_>,
        input: JoinRequestInput,
    ) -> ApiResult<ApproveJoinRequestPayload> {
        let viewer = ctx.viewer()?;
        let (request, access) = request_to_decide(ctx, &input).await?;
        let group = access.group.id;
        let mut approved = None;
        let access = membership_change(ctx, group, async |conn| {
            let closed = model::close_join_request(
                conn,
                request.id,
                RequestStatus::Approved,
                Some(viewer.id()),
            )
            .await?
            .ok_or_else(|| ApiError::Conflict("This request was already decided.".into()))?;
            model::add_member(conn, group, request.user_id, GroupRole::Member).await?;
            approved = Some(closed);
            Ok(())
        })
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
        let (request, _) = request_to_decide(ctx, &input).await?;
        close_request(ctx, request.id, RequestStatus::Declined, Some(viewer.id())).await
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

    /// Invites several people at once (managers).
    async fn invite_to_group(
        &self,
        ctx: &Context<'_>,
        input: InviteToGroupInput,
    ) -> ApiResult<InviteToGroupPayload> {
        let viewer = ctx.viewer()?;
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        require(
            viewer,
            Action::Manage,
            &access,
            "Only the group's managers invite people.",
        )?;
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
        let mut conn = ctx.conn().await?;
        let found = model::active_user_ids(&mut conn, &invitees).await?;
        if found.len()
            < invitees
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len()
        {
            return Err(ApiError::bad_input(
                "userIds",
                "deactivated people cannot be invited",
            ));
        }
        let invitations = model::invite(&mut conn, access.group.id, &invitees, viewer.id()).await?;
        Ok(InviteToGroupPayload { invitations })
    }

    /// Accepts an invitation addressed to the viewer.
    async fn accept_group_invitation(
        &self,
        ctx: &Context<'_>,
        input: GroupInvitationInput,
    ) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        let (invitation, _) = load_visible_invitation(ctx, invitation_id(&input)?).await?;
        if invitation.user_id != viewer.id() {
            return Err(ApiError::Forbidden(
                "Only the invited person can accept.".into(),
            ));
        }
        let group = invitation.group_id;
        let access = membership_change(ctx, group, async |conn| {
            model::close_invitation(conn, invitation.id, InvitationStatus::Accepted)
                .await?
                .ok_or_else(|| {
                    ApiError::Conflict("This invitation was already answered.".into())
                })?;
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
        let viewer = ctx.viewer()?;
        let (invitation, _) = load_visible_invitation(ctx, invitation_id(&input)?).await?;
        if invitation.user_id != viewer.id() {
            return Err(ApiError::Forbidden(
                "Only the invited person can decline.".into(),
            ));
        }
        let invitation = model::close_invitation(
            &mut *ctx.conn().await?,
            invitation.id,
            InvitationStatus::Declined,
        )
        .await?
        .ok_or_else(|| ApiError::Conflict("This invitation was already answered.".into()))?;
        Ok(GroupInvitationPayload { invitation })
    }

    /// Leaves a group; the last owner must transfer ownership first.
    async fn leave_group(&self, ctx: &Context<'_>, input: GroupInput) -> ApiResult<GroupPayload> {
        let viewer = ctx.viewer()?;
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        require(
            viewer,
            Action::Leave,
            &access,
            "You are not a member of this group.",
        )?;
        let id = access.group.id;
        let access = membership_change(ctx, id, async |conn| {
            remove_keeping_an_owner(
                conn,
                id,
                viewer.id(),
                "You are the last owner: transfer ownership before leaving.",
            )
            .await
        })
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
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        require(
            viewer,
            Action::Manage,
            &access,
            "Only the group's managers remove members.",
        )?;
        let target = user_id(&input.user_id, "userId")?;
        let id = access.group.id;
        let access = membership_change(ctx, id, async |conn| {
            let role = model::member_role(conn, id, target)
                .await?
                .ok_or(ApiError::NotFound("GroupMember"))?;
            if role == GroupRole::Owner {
                require(
                    viewer,
                    Action::TransferOwnership,
                    &access,
                    "Only owners remove owners.",
                )?;
            }
            remove_keeping_an_owner(conn, id, target, "The last owner cannot be removed.").await
        })
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
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        require(
            viewer,
            Action::Manage,
            &access,
            "Only the group's managers change roles.",
        )?;
        let target = user_id(&input.user_id, "userId")?;
        let role: GroupRole = input.role.into();
        let id = access.group.id;
        membership_change(ctx, id, async |conn| {
            let current = model::member_role(conn, id, target)
                .await?
                .ok_or(ApiError::NotFound("GroupMember"))?;
            if current == GroupRole::Owner || role == GroupRole::Owner {
                require(
                    viewer,
                    Action::TransferOwnership,
                    &access,
                    "Only owners grant or take the owner role.",
                )?;
            }
            if current == GroupRole::Owner
                && role != GroupRole::Owner
                && model::owner_count(conn, id).await? <= 1
            {
                return Err(ApiError::Conflict(
                    "The last owner cannot be demoted: make someone else owner first.".into(),
                ));
            }
            model::set_role(conn, id, target, role).await
        })
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
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        require(
            viewer,
            Action::TransferOwnership,
            &access,
            "Only owners transfer ownership.",
        )?;
        let target = user_id(&input.user_id, "userId")?;
        let id = access.group.id;
        let access = membership_change(ctx, id, async |conn| {
            model::member_role(conn, id, target)
                .await?
                .ok_or(ApiError::NotFound("GroupMember"))?;
            model::set_role(conn, id, target, GroupRole::Owner).await?;
            if target != viewer.id()
                && model::member_role(conn, id, viewer.id()).await? == Some(GroupRole::Owner)
            {
                model::set_role(conn, id, viewer.id(), GroupRole::Manager).await?;
            }
            Ok(())
        })
        .await?;
        Ok(GroupPayload { group: access })
    }

    /// Adds everyone matching directory attributes (org admins), e.g. the Sales department.
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
        let access = load_visible(ctx, group_id(&input.group_id, "groupId")?).await?;
        if input.department.is_none() && input.site.is_none() {
            return Err(ApiError::bad_input(
                "department",
                "give a department, a site or both",
            ));
        }
        let id = access.group.id;
        let mut added = 0;
        let access = membership_change(ctx, id, async |conn| {
            added = model::add_members_by_attribute(
                conn,
                id,
                input.department.as_deref(),
                input.site.as_deref(),
            )
            .await?;
            Ok(())
        })
        .await?;
        Ok(AddGroupMembersByAttributePayload {
            group: access,
            added_count: added as i32,
        })
    }
}

fn join_request_id(input: &JoinRequestInput) -> ApiResult<Uuid> {
    ids::decode_as(&input.join_request_id, JOIN_REQUEST_TYPE, "joinRequestId")
}

/// A join request the viewer may approve or decline: one to a group they manage.
async fn request_to_decide(
    ctx: &Context<'_>,
    input: &JoinRequestInput,
) -> ApiResult<(JoinRequest, GroupAccess)> {
    let (request, access) = load_visible_join_request(ctx, join_request_id(input)?).await?;
    require(
        ctx.viewer()?,
        Action::Manage,
        &access,
        "Only the group's managers decide join requests.",
    )?;
    Ok((request, access))
}

fn invitation_id(input: &GroupInvitationInput) -> ApiResult<Uuid> {
    ids::decode_as(&input.invitation_id, INVITATION_TYPE, "invitationId")
}

/// Runs `change` in a transaction holding the group's row lock; returns the group afterwards.
async fn membership_change<F>(ctx: &Context<'_>, group: Uuid, change: F) -> ApiResult<GroupAccess>
where
    F: for<'c> ConnectionFn<'c, ApiResult<()>> + Send,
{
    let viewer = ctx.viewer()?;
    let mut conn = ctx.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        model::lock(conn, group).await?;
        change(conn).await?;
        reload(conn, viewer, group).await
    })
    .await
}

/// Removes a member unless they are the group's last owner.
async fn remove_keeping_an_owner(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
    last_owner_message: &str,
) -> ApiResult<()> {
    let role = model::member_role(conn, group, user)
        .await?
        .ok_or(ApiError::NotFound("GroupMember"))?;
    if role == GroupRole::Owner && model::owner_count(conn, group).await? <= 1 {
        return Err(ApiError::Conflict(last_owner_message.to_owned()));
    }
    model::remove_member(conn, group, user).await?;
    Ok(())
}

async fn set_archived(ctx: &Context<'_>, id: &ID, archived: bool) -> ApiResult<GroupPayload> {
    let viewer = ctx.viewer()?;
    let access = load_visible(ctx, group_id(id, "groupId")?).await?;
    require(
        viewer,
        Action::Manage,
        &access,
        "Only the group's managers archive it.",
    )?;
    let mut conn = ctx.conn().await?;
    model::set_archived(&mut conn, access.group.id, archived).await?;
    Ok(GroupPayload {
        group: reload(&mut conn, viewer, access.group.id).await?,
    })
}

async fn close_request(
    ctx: &Context<'_>,
    id: Uuid,
    status: RequestStatus,
    decided_by: Option<Uuid>,
) -> ApiResult<JoinRequestPayload> {
    let request = model::close_join_request(&mut *ctx.conn().await?, id, status, decided_by)
        .await?
        .ok_or_else(|| ApiError::Conflict("This request was already decided.".into()))?;
    Ok(JoinRequestPayload {
        join_request: request,
    })
}

async fn member_of(ctx: &Context<'_>, group: Uuid, user: Uuid) -> ApiResult<Member> {
    let mut conn = ctx.conn().await?;
    let role = model::member_role(&mut conn, group, user)
        .await?
        .ok_or(ApiError::NotFound("GroupMember"))?;
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
