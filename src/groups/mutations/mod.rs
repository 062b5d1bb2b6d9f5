//! Group mutations. Each validates its input, then, in one transaction that first locks the group
//! row, checks the policy against the group as it is under the lock and makes its change (see
//! `locked_change`). The rules they share are in `groups::service`.

mod directory;
mod lifecycle;
mod membership;

use async_graphql::{Context, ID, InputObject, MergedObject, SimpleObject};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::GroupAccess;
use super::graphql::{
    GroupRoleGql, INVITATION_TYPE, JOIN_REQUEST_TYPE, JoinPolicyGql, PostingPolicyGql, TYPE_NAME,
    VisibilityGql, load_visible_invitation,
};
use super::model::{self, Invitation, JoinRequest, Member, RequestStatus};
use super::rules::MembershipRule;
use super::service::{already_decided, group_change, lock_for, member_role, reload, require};
use crate::audit::Audit;
use crate::db::ConnectionFn;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::policy::Action;

/// Every group mutation, in the schema's order.
#[derive(MergedObject, Default)]
pub struct GroupMutation(
    lifecycle::GroupLifecycleMutation,
    membership::GroupMembershipMutation,
    directory::GroupDirectoryMutation,
);

fn group_id(id: &ID, field: &str) -> ApiResult<Uuid> {
    ids::decode_as(id, TYPE_NAME, field)
}

fn user_id(id: &ID, field: &str) -> ApiResult<Uuid> {
    ids::decode_as(id, crate::users::TYPE_NAME, field)
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

const DECIDE_REQUESTS: &str = "Only the group's managers decide join requests.";

fn join_request_id(input: &JoinRequestInput) -> ApiResult<Uuid> {
    ids::decode_as(&input.join_request_id, JOIN_REQUEST_TYPE, "joinRequestId")
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

/// `locked_change` of a group by a viewer the policy allows `action` on it (`why` explains a
/// refusal).
async fn change_allowed<F>(
    ctx: &Context<'_>,
    group: Uuid,
    action: Action,
    why: &str,
    change: F,
) -> ApiResult<GroupAccess>
where
    F: for<'c> ConnectionFn<'c, ApiResult<()>> + Send,
{
    change_allowed_if(ctx, group, action, why, |_| Ok(()), change).await
}

/// `change_allowed`, when the group as it is under the lock also passes `check` (asked once the
/// policy allows, so a viewer who may not act is told that first).
async fn change_allowed_if<F>(
    ctx: &Context<'_>,
    group: Uuid,
    action: Action,
    why: &str,
    check: impl FnOnce(&GroupAccess) -> ApiResult<()> + Send,
    change: F,
) -> ApiResult<GroupAccess>
where
    F: for<'c> ConnectionFn<'c, ApiResult<()>> + Send,
{
    let viewer = ctx.viewer()?;
    locked_change(
        ctx,
        group,
        |current| {
            require(viewer, action, current, why)?;
            check(current)
        },
        change,
    )
    .await
}

async fn set_archived(ctx: &Context<'_>, id: &ID, archived: bool) -> ApiResult<GroupPayload> {
    let id = group_id(id, "groupId")?;
    let audit = Audit::of(ctx)?;
    let access = change_allowed(
        ctx,
        id,
        Action::Manage,
        "Only the group's managers archive it.",
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
