//! Joining, join requests, invitations, leaving, members' roles and ownership.

use std::collections::HashSet;

use async_graphql::{Context, ID, Object};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::super::GroupAccess;
use super::super::GroupRole;
use super::super::graphql::{JOIN_REQUEST_TYPE, MAX_INVITEES, load_visible_join_request};
use super::super::model::{self, InvitationStatus, RequestStatus};
use super::super::service::{
    MemberSnapshot, already_answered, already_decided, decided, group_change, member_change,
    member_role, open_to_new_members, remove_keeping_an_owner, require, require_owner_rights,
};
use super::{
    AcceptGroupInvitationInput, AcceptGroupInvitationPayload, ApproveJoinRequestInput,
    ApproveJoinRequestPayload, CancelJoinRequestInput, CancelJoinRequestPayload, DECIDE_REQUESTS,
    DeclineGroupInvitationInput, DeclineGroupInvitationPayload, DeclineJoinRequestInput,
    DeclineJoinRequestPayload, InviteToGroupInput, InviteToGroupPayload, JoinGroupInput,
    JoinGroupPayload, LeaveGroupInput, LeaveGroupPayload, RemoveGroupMemberInput,
    RemoveGroupMemberPayload, RequestToJoinGroupInput, RequestToJoinGroupPayload,
    SetGroupMemberRoleInput, SetGroupMemberRolePayload, TransferGroupOwnershipInput,
    TransferGroupOwnershipPayload, change_allowed, change_allowed_if, close_request, group_id,
    join_request_id, locked_change, member_of, own_invitation, user_id,
};
use crate::analytics::{Activity, ActivityKind};
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::notifications::triggers::{self, Trigger};
use crate::policy::{self, Action};
use crate::validation::{self, Limit};

#[derive(Default)]
pub struct GroupMembershipMutation;

#[Object]
impl GroupMembershipMutation {
    /// Joins an open public group at once (org admins join any group that is not archived).
    async fn join_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to join.")] input: JoinGroupInput,
    ) -> ApiResult<JoinGroupPayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        let audit = Audit::of(ctx)?;
        let access = change_allowed(
            ctx,
            id,
            Action::Join,
            "This group cannot be joined directly: ask to join or wait for an invitation.",
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
        Ok(JoinGroupPayload { group: access })
    }

    /// Asks the managers of a group with the REQUEST join policy to let the viewer in, and
    /// notifies them. CONFLICT when the viewer already has a pending request.
    async fn request_to_join_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to ask to join, with an optional message.")]
        input: RequestToJoinGroupInput,
    ) -> ApiResult<RequestToJoinGroupPayload> {
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
        Ok(RequestToJoinGroupPayload { join_request })
    }

    /// Lets the person who asked into the group (managers and org admins); they are notified.
    /// CONFLICT when the request was already decided or withdrawn, or the group is archived.
    async fn approve_join_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pending join request to approve.")] input: ApproveJoinRequestInput,
    ) -> ApiResult<ApproveJoinRequestPayload> {
        let viewer = ctx.viewer()?;
        let (request, _) =
            load_visible_join_request(ctx, join_request_id(&input.join_request_id)?).await?;
        let group = request.group_id;
        let audit = Audit::of(ctx)?;
        let mut approved = None;
        let access = change_allowed_if(
            ctx,
            group,
            Action::Manage,
            DECIDE_REQUESTS,
            open_to_new_members,
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

    /// Turns a request down (managers and org admins); the person is notified. CONFLICT when
    /// the request was already decided or withdrawn.
    async fn decline_join_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pending join request to decline.")] input: DeclineJoinRequestInput,
    ) -> ApiResult<DeclineJoinRequestPayload> {
        let viewer = ctx.viewer()?;
        let (request, access) =
            load_visible_join_request(ctx, join_request_id(&input.join_request_id)?).await?;
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
        Ok(DeclineJoinRequestPayload { join_request })
    }

    /// Withdraws the viewer's own request; CONFLICT once it was decided.
    async fn cancel_join_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The viewer's pending join request.")] input: CancelJoinRequestInput,
    ) -> ApiResult<CancelJoinRequestPayload> {
        let viewer = ctx.viewer()?;
        let (request, _) =
            load_visible_join_request(ctx, join_request_id(&input.join_request_id)?).await?;
        if request.user_id != viewer.id() {
            return Err(ApiError::Forbidden(
                "Only the person who asked can cancel a request.".into(),
            ));
        }
        close_request(ctx, request.id, RequestStatus::Cancelled, None)
            .await
            .map(Into::into)
    }

    /// Invites several people at once (managers and org admins); each is notified. Members and
    /// people already invited are skipped; CONFLICT while the group is archived.
    async fn invite_to_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group and the people to invite.")] input: InviteToGroupInput,
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
            crate::users::loading::load_visible(ctx, *invitee).await?;
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
        change_allowed_if(
            ctx,
            id,
            Action::Manage,
            "Only the group's managers invite people.",
            open_to_new_members,
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

    /// Accepts an invitation addressed to the viewer: they join the group as a member.
    /// CONFLICT when it was already answered or the group is archived.
    async fn accept_group_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation to accept.")] input: AcceptGroupInvitationInput,
    ) -> ApiResult<AcceptGroupInvitationPayload> {
        let viewer = ctx.viewer()?;
        let (invitation, _) = own_invitation(ctx, &input.invitation_id).await?;
        let group = invitation.group_id;
        let access = locked_change(ctx, group, open_to_new_members, async |conn| {
            model::close_invitation(conn, invitation.id, InvitationStatus::Accepted)
                .await?
                .ok_or_else(already_answered)?;
            model::add_member(conn, group, viewer.id(), GroupRole::Member).await?;
            Ok(())
        })
        .await?;
        Ok(AcceptGroupInvitationPayload { group: access })
    }

    /// Declines an invitation addressed to the viewer; CONFLICT when it was already answered.
    async fn decline_group_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation to decline.")] input: DeclineGroupInvitationInput,
    ) -> ApiResult<DeclineGroupInvitationPayload> {
        let (invitation, _) = own_invitation(ctx, &input.invitation_id).await?;
        let invitation = model::close_invitation(
            &mut *ctx.conn().await?,
            invitation.id,
            InvitationStatus::Declined,
        )
        .await?
        .ok_or_else(already_answered)?;
        Ok(DeclineGroupInvitationPayload { invitation })
    }

    /// Leaves a group; the last owner must transfer ownership first (CONFLICT).
    async fn leave_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to leave.")] input: LeaveGroupInput,
    ) -> ApiResult<LeaveGroupPayload> {
        let viewer = ctx.viewer()?;
        let id = group_id(&input.group_id, "groupId")?;
        let access = change_allowed(
            ctx,
            id,
            Action::Leave,
            "You are not a member of this group.",
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
        Ok(LeaveGroupPayload { group: access })
    }

    /// Removes a member (managers; only owners and org admins remove owners, and the last owner
    /// stays: CONFLICT).
    async fn remove_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group and the member to remove.")] input: RemoveGroupMemberInput,
    ) -> ApiResult<RemoveGroupMemberPayload> {
        OneMember::of(ctx, &input.group_id, &input.user_id)?
            .remove()
            .await
            .map(Into::into)
    }

    /// Promotes or demotes a member. Managers change members and managers; only owners and
    /// admins grant or take the owner role, and a group always keeps an owner.
    async fn set_group_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, the member and their new role.")]
        input: SetGroupMemberRoleInput,
    ) -> ApiResult<SetGroupMemberRolePayload> {
        OneMember::of(ctx, &input.group_id, &input.user_id)?
            .set_role(input.role.into())
            .await
    }

    /// Makes a member an owner (owners and org admins); an owner handing over becomes a
    /// manager.
    async fn transfer_group_ownership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group and the member who becomes its owner.")]
        input: TransferGroupOwnershipInput,
    ) -> ApiResult<TransferGroupOwnershipPayload> {
        OneMember::of(ctx, &input.group_id, &input.user_id)?
            .make_owner()
            .await
            .map(Into::into)
    }
}

/// One member of a group, as a mutation about them names them, with who asks: each change of
/// their membership reads their role under the group's lock and is audited with it.
struct OneMember<'a, 'c> {
    ctx: &'a Context<'c>,
    viewer: &'a Viewer,
    group: Uuid,
    member: Uuid,
    audit: Audit,
}

impl<'a, 'c> OneMember<'a, 'c> {
    fn of(ctx: &'a Context<'c>, group: &ID, member: &ID) -> ApiResult<Self> {
        Ok(Self {
            viewer: ctx.viewer()?,
            group: group_id(group, "groupId")?,
            member: user_id(member, "userId")?,
            audit: Audit::of(ctx)?,
            ctx,
        })
    }

    /// Records the member's role before the change and, unless they leave, after it.
    async fn record(
        &self,
        conn: &mut AsyncPgConnection,
        before: GroupRole,
        after: Option<GroupRole>,
    ) -> ApiResult<()> {
        let mut change =
            member_change(self.group, self.member).before(&MemberSnapshot { role: before })?;
        if let Some(role) = after {
            change = change.after(&MemberSnapshot { role })?;
        }
        self.audit.record(conn, change).await
    }

    async fn remove(&self) -> ApiResult<GroupAccess> {
        let access = change_allowed(
            self.ctx,
            self.group,
            Action::Manage,
            "Only the group's managers remove members.",
            async |conn| {
                let role = member_role(conn, self.group, self.member).await?;
                self.record(conn, role, None).await?;
                if role == GroupRole::Owner {
                    require_owner_rights(
                        conn,
                        self.viewer,
                        self.group,
                        "Only owners remove owners.",
                    )
                    .await?;
                }
                remove_keeping_an_owner(
                    conn,
                    self.group,
                    self.member,
                    "The last owner cannot be removed.",
                )
                .await
            },
        )
        .await?;
        Ok(access)
    }

    async fn set_role(&self, role: GroupRole) -> ApiResult<SetGroupMemberRolePayload> {
        change_allowed(
            self.ctx,
            self.group,
            Action::Manage,
            "Only the group's managers change roles.",
            async |conn| {
                let previous = member_role(conn, self.group, self.member).await?;
                if previous == GroupRole::Owner || role == GroupRole::Owner {
                    require_owner_rights(
                        conn,
                        self.viewer,
                        self.group,
                        "Only owners grant or take the owner role.",
                    )
                    .await?;
                }
                if previous == GroupRole::Owner
                    && role != GroupRole::Owner
                    && model::owner_count(conn, self.group).await? <= 1
                {
                    return Err(ApiError::Conflict(
                        "The last owner cannot be demoted: make someone else owner first.".into(),
                    ));
                }
                self.record(conn, previous, Some(role)).await?;
                model::set_role(conn, self.group, self.member, role).await
            },
        )
        .await?;
        let member = member_of(self.ctx, self.group, self.member).await?;
        Ok(SetGroupMemberRolePayload { member })
    }

    async fn make_owner(&self) -> ApiResult<GroupAccess> {
        let access = change_allowed(
            self.ctx,
            self.group,
            Action::TransferOwnership,
            "Only owners transfer ownership.",
            async |conn| {
                let previous = member_role(conn, self.group, self.member).await?;
                self.record(conn, previous, Some(GroupRole::Owner)).await?;
                model::set_role(conn, self.group, self.member, GroupRole::Owner).await?;
                let viewer = self.viewer.id();
                let viewer_is_owner =
                    model::member_role(conn, self.group, viewer).await? == Some(GroupRole::Owner);
                if self.member != viewer && viewer_is_owner {
                    model::set_role(conn, self.group, viewer, GroupRole::Manager).await?;
                }
                Ok(())
            },
        )
        .await?;
        Ok(access)
    }
}
