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

/// The group to create.
#[derive(InputObject)]
pub struct CreateGroupInput {
    /// 1 to 100 characters, trimmed.
    pub name: String,
    /// Made from the name when omitted. A secret group's slug ends with a random suffix, so that
    /// nobody finds a secret group by guessing its slug; a slug held by a group the viewer may not
    /// see also gets one, and only a clash with a group they see is CONFLICT.
    pub slug: Option<String>,
    /// Markdown source, up to 5,000 characters.
    pub description: Option<String>,
    /// Who sees the group and what is inside it.
    pub visibility: VisibilityGql,
    /// Defaults: OPEN for public, REQUEST for private, INVITE_ONLY for secret groups. Private
    /// groups cannot be OPEN, and secret groups are INVITE_ONLY (BAD_USER_INPUT otherwise).
    pub join_policy: Option<JoinPolicyGql>,
    /// Defaults to MEMBERS.
    pub posting_policy: Option<PostingPolicyGql>,
}

/// The group to change and its new settings; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateGroupInput {
    /// The group to change.
    pub group_id: ID,
    /// 1 to 100 characters, trimmed.
    pub name: Option<String>,
    /// Given as for `createGroup`: a secret group's new slug ends with a random suffix. A group
    /// made secret keeps its slug, which its members may have shared.
    pub slug: Option<String>,
    /// Markdown source, up to 5,000 characters; an empty string clears it.
    pub description: Option<String>,
    /// Who sees the group and what is inside it; the join policy must still fit it (see
    /// `CreateGroupInput.joinPolicy`).
    pub visibility: Option<VisibilityGql>,
    /// How people become members. Any policy but REQUEST cancels the pending join requests.
    pub join_policy: Option<JoinPolicyGql>,
    /// Who may post in the group.
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

crate::one_type_per_mutation! {
    #[derive(InputObject)]
    struct {
    /// The group's global ID.
    pub group_id: ID,
}
    /// The group `archiveGroup` archives.
    ArchiveGroupInput;
    /// The archived group `unarchiveGroup` brings back.
    UnarchiveGroupInput;
    /// The group `deleteGroup` deletes, with its posts, events and files.
    DeleteGroupInput;
    /// The open group the viewer joins.
    JoinGroupInput;
    /// The group the viewer leaves.
    LeaveGroupInput;
}

/// The group to ask to join.
#[derive(InputObject)]
pub struct RequestToJoinGroupInput {
    /// The group's global ID.
    pub group_id: ID,
    /// A word for the managers, plain text up to 2,000 characters.
    pub message: Option<String>,
}

crate::one_type_per_mutation! {
    #[derive(InputObject)]
    struct {
    /// The join request's global ID.
    pub join_request_id: ID,
}
    /// The pending join request a manager approves.
    ApproveJoinRequestInput;
    /// The pending join request a manager declines.
    DeclineJoinRequestInput;
    /// The viewer's own pending join request to withdraw.
    CancelJoinRequestInput;
}

/// The group and the people to invite to it.
#[derive(InputObject)]
pub struct InviteToGroupInput {
    /// The group's global ID.
    pub group_id: ID,
    /// 1 to 100 people's global IDs, all active; members and people already invited are
    /// skipped.
    pub user_ids: Vec<ID>,
}

crate::one_type_per_mutation! {
    #[derive(InputObject)]
    struct {
    /// The global ID of an invitation addressed to the viewer.
    pub invitation_id: ID,
}
    /// The invitation to a group the viewer accepts.
    AcceptGroupInvitationInput;
    /// The invitation to a group the viewer declines.
    DeclineGroupInvitationInput;
}

crate::one_type_per_mutation! {
    #[derive(InputObject)]
    struct {
    /// The group's global ID.
    pub group_id: ID,
    /// The member's global ID (a `User`).
    pub user_id: ID,
}
    /// The member to remove from the group.
    RemoveGroupMemberInput;
    /// The group and the member who becomes its owner.
    TransferGroupOwnershipInput;
}

/// The member whose role changes, and the new role.
#[derive(InputObject)]
pub struct SetGroupMemberRoleInput {
    /// The group's global ID.
    pub group_id: ID,
    /// The member's global ID (a `User`).
    pub user_id: ID,
    /// The role they get.
    pub role: GroupRoleGql,
}

/// The group and the directory attributes of the people to add to it: a department, a site or
/// both.
#[derive(InputObject)]
pub struct AddGroupMembersByAttributeInput {
    /// The group's global ID.
    pub group_id: ID,
    /// Everyone in this department (case and accents aside: "Montreal" is "Montréal")...
    pub department: Option<String>,
    /// ...and/or at this site.
    pub site: Option<String>,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The group after the change.
    pub group: GroupAccess,
}
    /// The result of `createGroup`: the new group, owned by the viewer.
    CreateGroupPayload;
    /// The result of `updateGroup`: the group with its new settings.
    UpdateGroupPayload;
    /// The result of `archiveGroup`: the group, now archived (read-only).
    ArchiveGroupPayload;
    /// The result of `unarchiveGroup`: the group, active again.
    UnarchiveGroupPayload;
    /// The result of `joinGroup`: the group, with the viewer now a member.
    JoinGroupPayload;
    /// The result of `leaveGroup`: the group as the viewer now sees it, no longer a member.
    LeaveGroupPayload;
    /// The result of `acceptGroupInvitation`: the group the viewer joined.
    AcceptGroupInvitationPayload;
    /// The result of `removeGroupMember`: the group, without that member.
    RemoveGroupMemberPayload;
    /// The result of `transferGroupOwnership`: the group with its new owner.
    TransferGroupOwnershipPayload;
}

/// What `deleteGroup` removed.
#[derive(SimpleObject)]
pub struct DeleteGroupPayload {
    /// The global ID the deleted group had.
    pub deleted_group_id: ID,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The join request, with its new status.
    pub join_request: JoinRequest,
}
    /// The result of `requestToJoinGroup`: the pending request.
    RequestToJoinGroupPayload;
    /// The result of `declineJoinRequest`: the request, now DECLINED.
    DeclineJoinRequestPayload;
    /// The result of `cancelJoinRequest`: the request, now CANCELLED.
    CancelJoinRequestPayload;
}

/// The approved request and the group the person joined.
#[derive(SimpleObject)]
pub struct ApproveJoinRequestPayload {
    /// The request, now APPROVED.
    pub join_request: JoinRequest,
    /// The group, with the new member counted.
    pub group: GroupAccess,
}

/// The invitations `inviteToGroup` sent.
#[derive(SimpleObject)]
pub struct InviteToGroupPayload {
    /// The invitations created (members and people already invited are skipped).
    pub invitations: Vec<Invitation>,
}

/// The invitation after the viewer's answer.
#[derive(SimpleObject)]
pub struct DeclineGroupInvitationPayload {
    /// The invitation, with its new status.
    pub invitation: Invitation,
}

/// The member after the change.
#[derive(SimpleObject)]
pub struct SetGroupMemberRolePayload {
    /// The member, with their new role.
    pub member: Member,
}

/// The group after a bulk add, and how many people it gained.
#[derive(SimpleObject)]
pub struct AddGroupMembersByAttributePayload {
    /// The group, with its new members counted.
    pub group: GroupAccess,
    /// How many people joined (those who were members already are not counted).
    pub added_count: i32,
}

/// The group and the rule to add to it: a department, a site or both.
#[derive(InputObject)]
pub struct AddGroupMembershipRuleInput {
    /// The group's global ID.
    pub group_id: ID,
    /// Everyone in this department (case and accents aside), now and whoever moves there later...
    pub department: Option<String>,
    /// ...and/or at this site.
    pub site: Option<String>,
}

/// The new rule and the group it now shapes.
#[derive(SimpleObject)]
pub struct AddGroupMembershipRulePayload {
    /// The rule added.
    pub rule: MembershipRule,
    /// The group, with the people the rule brought in counted.
    pub group: GroupAccess,
    /// How many people matching the rule joined now.
    pub added_count: i32,
}

/// The membership rule to remove.
#[derive(InputObject)]
pub struct RemoveGroupMembershipRuleInput {
    /// The rule's global ID.
    pub rule_id: ID,
}

/// What `removeGroupMembershipRule` removed, and the group it belonged to.
#[derive(SimpleObject)]
pub struct RemoveGroupMembershipRulePayload {
    /// The global ID the removed rule had.
    pub removed_rule_id: ID,
    /// The group; the people the rule brought in stay members.
    pub group: GroupAccess,
}

const DECIDE_REQUESTS: &str = "Only the group's managers decide join requests.";

fn join_request_id(id: &ID) -> ApiResult<Uuid> {
    ids::decode_as(id, JOIN_REQUEST_TYPE, "joinRequestId")
}

/// An invitation addressed to the viewer (one they may only see as a manager is not theirs).
async fn own_invitation(ctx: &Context<'_>, id: &ID) -> ApiResult<(Invitation, GroupAccess)> {
    let id = ids::decode_as(id, INVITATION_TYPE, "invitationId")?;
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

async fn set_archived(ctx: &Context<'_>, id: &ID, archived: bool) -> ApiResult<GroupAccess> {
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
    Ok(access)
}

async fn close_request(
    ctx: &Context<'_>,
    id: Uuid,
    status: RequestStatus,
    decided_by: Option<Uuid>,
) -> ApiResult<JoinRequest> {
    let request = model::close_join_request(&mut *ctx.conn().await?, id, status, decided_by)
        .await?
        .ok_or_else(already_decided)?;
    Ok(request)
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
