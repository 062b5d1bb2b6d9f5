//! GraphQL types, queries and mutations of groups. Every resolver asks `policy::can`.

mod enums;
mod pages;

pub use enums::*;
pub use pages::*;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{
    self, GroupFilter, GroupScope, Invitation, InvitationStatus, InvitationsOf, JoinRequest,
    Member, RequestStatus,
};
use super::{GroupAccess, GroupRole, JoinPolicy, PostingPolicy, Visibility};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders;
use crate::pagination::PageRequest;
use crate::policy::{self, Action, Decision, Resource};
use crate::users::User;
use crate::validation::{self, Limit};

pub use super::TYPE_NAME;
pub use super::loading::load_visible;
pub const JOIN_REQUEST_TYPE: &str = "GroupJoinRequest";
pub const INVITATION_TYPE: &str = "GroupInvitation";
/// People invited at once, at most.
pub const MAX_INVITEES: usize = 100;

fn allows(viewer: &Viewer, action: Action, access: &GroupAccess) -> bool {
    policy::can(viewer, action, Resource::Group(access)).allowed()
}

/// A community: members with roles, who may post, who may join.
#[Object(name = "Group")]
impl GroupAccess {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.group.id)
    }
    /// The group's name (1 to 100 characters).
    async fn name(&self) -> &str {
        &self.group.name
    }
    /// Unique, URL-safe; `groupBySlug` finds the group by it.
    async fn slug(&self) -> &str {
        &self.group.slug
    }
    /// Markdown source, as written (up to 5,000 characters; empty when there is none).
    async fn description(&self) -> &str {
        &self.group.description
    }
    /// The group's picture (a preview of the uploaded image); null when it has none.
    async fn avatar_url(&self, ctx: &Context<'_>) -> Option<String> {
        self.group
            .avatar_attachment_id
            .map(|id| crate::attachments::urls::image(ctx.services(), id))
    }
    /// The banner shown on the group's page; null when it has none.
    async fn cover_url(&self, ctx: &Context<'_>) -> Option<String> {
        self.group
            .cover_attachment_id
            .map(|id| crate::attachments::urls::image(ctx.services(), id))
    }
    /// The description rendered to sanitized HTML (no scripts, event handlers or unsafe links).
    async fn description_html(&self) -> String {
        crate::markdown::to_safe_html(&self.group.description)
    }
    /// Who sees the group and what is inside it.
    async fn visibility(&self) -> VisibilityGql {
        self.group.visibility.into()
    }
    /// How people become members.
    async fn join_policy(&self) -> JoinPolicyGql {
        self.group.join_policy.into()
    }
    /// Who may post in the group.
    async fn posting_policy(&self) -> PostingPolicyGql {
        self.group.posting_policy.into()
    }
    /// Who may create the group's events.
    async fn event_policy(&self) -> PostingPolicyGql {
        self.group.event_policy.into()
    }
    /// Who may add and change files in the group's drive.
    async fn drive_policy(&self) -> PostingPolicyGql {
        self.group.drive_policy.into()
    }
    /// The group's drive (null for those who may not see inside the group).
    async fn drive(&self, ctx: &Context<'_>) -> ApiResult<Option<crate::files::access::DriveView>> {
        crate::files::loading::group_drive(ctx, self).await
    }
    /// The group's chat rooms, by name, archived ones last (empty for those who may not see
    /// inside the group).
    async fn chat_rooms(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<crate::chat::ConversationAccess>> {
        crate::chat::loading::rooms_of(ctx, self).await
    }
    /// Archived groups are read-only until a manager unarchives them: nobody joins or posts.
    async fn archived(&self) -> bool {
        self.group.archived_at.is_some()
    }
    /// When the group was archived; null when it is not.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.group.archived_at
    }
    /// How many members the group has, all roles counted.
    async fn member_count(&self) -> i32 {
        self.group.member_count
    }
    /// When the group was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.group.created_at
    }
    /// When the group last changed: its settings, its archiving or its member count.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.group.updated_at
    }
    /// The viewer's role; null when not a member.
    async fn viewer_role(&self) -> Option<GroupRoleGql> {
        self.viewer_role.map(Into::into)
    }
    /// Whether the viewer may post in the group now (never while it is archived).
    async fn viewer_can_post(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(allows(ctx.viewer()?, Action::Post, self))
    }
    /// Edit settings, invite and remove members, decide join requests, change roles, webhooks.
    async fn viewer_can_manage(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(allows(ctx.viewer()?, Action::Manage, self))
    }
    /// `joinGroup` would succeed.
    async fn viewer_can_join(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(allows(ctx.viewer()?, Action::Join, self))
    }
    /// `requestToJoinGroup` would succeed.
    async fn viewer_can_request_to_join(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(allows(ctx.viewer()?, Action::RequestToJoin, self))
    }
    /// The viewer has a pending request to join this group.
    async fn viewer_has_requested_to_join(&self) -> bool {
        self.viewer_requested
    }
    /// The viewer has a pending invitation to this group.
    async fn viewer_is_invited(&self) -> bool {
        self.viewer_invited
    }
    /// `deleteGroup` would be allowed (owners and org admins).
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(allows(ctx.viewer()?, Action::Delete, self))
    }
    /// What the viewer hears from this group (`setGroupNotificationLevel` changes it).
    async fn viewer_notification_level(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<crate::notifications::graphql::GroupNotificationLevel> {
        crate::notifications::loading::viewer_group_level(ctx, self.group.id).await
    }
    /// Members by name; FORBIDDEN for people who may see the group but not its content.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
        #[graphql(desc = "Only the members with this role; members of every role when omitted.")]
        role: Option<GroupRoleGql>,
    ) -> ApiResult<PageConnection<Member>> {
        require(
            ctx,
            Action::ViewContent,
            self,
            "Only members see who is in this group.",
        )?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let members =
            loaders::page_of::<MemberPages>(ctx, self.group.id, (page, role.map(Into::into)))
                .await?;
        Ok(connection(
            members,
            |m| (m.user.display_name.clone(), m.user.id),
            |m| m,
        ))
    }
    /// Pending requests to join, oldest first; FORBIDDEN for anyone but the group's managers and
    /// org admins.
    async fn join_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<JoinRequest>> {
        require(
            ctx,
            Action::Manage,
            self,
            "Only the group's managers see join requests.",
        )?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let requests = loaders::page_of::<JoinRequestPages>(ctx, self.group.id, page).await?;
        Ok(connection(requests, |r| (r.created_at, r.id), |r| r))
    }
    /// The rules that keep the group's membership in step with the directory (see
    /// `addGroupMembershipRule`), oldest first; FORBIDDEN for people who may see the group but
    /// not its content.
    async fn membership_rules(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<super::rules::MembershipRule>> {
        super::rules::group_rules(ctx, self).await
    }
    /// `addGroupMembershipRule` and `removeGroupMembershipRule` would be allowed (org admins).
    async fn viewer_can_manage_membership_rules(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(allows(ctx.viewer()?, Action::Administer, self))
    }
    /// Integrations that post into the group, oldest first, revoked ones included; FORBIDDEN for
    /// anyone but the group's managers and org admins.
    async fn webhooks(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::webhooks::Webhook>> {
        super::webhooks::graphql::group_webhooks(ctx, self).await
    }
    /// Posts pinned in the group, in their pinned order; FORBIDDEN for people who may see the
    /// group but not its content.
    async fn pinned_posts(&self, ctx: &Context<'_>) -> ApiResult<Vec<crate::posts::Post>> {
        require(
            ctx,
            Action::ViewContent,
            self,
            "Only members see this group's content.",
        )?;
        Ok(loaders::children_of::<PinnedPosts>(ctx, self.group.id, ())
            .await?
            .unwrap_or_default())
    }
    /// Pending invitations, oldest first; FORBIDDEN for anyone but the group's managers and org
    /// admins.
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<Invitation>> {
        require(
            ctx,
            Action::Manage,
            self,
            "Only the group's managers see invitations.",
        )?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let invitations = loaders::page_of::<InvitationPages>(ctx, self.group.id, page).await?;
        Ok(connection(invitations, |i| (i.created_at, i.id), |i| i))
    }
}

fn require(ctx: &Context<'_>, action: Action, access: &GroupAccess, why: &str) -> ApiResult<()> {
    policy::require(
        ctx.viewer()?,
        action,
        Resource::Group(access),
        TYPE_NAME,
        why,
    )
}

/// A member of a group and their role.
#[Object(name = "GroupMember")]
impl Member {
    /// The member.
    async fn user(&self) -> &User {
        &self.user
    }
    /// Their role in the group.
    async fn role(&self) -> GroupRoleGql {
        self.role.into()
    }
    /// When they became a member.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.joined_at
    }
}

/// Someone asking to join a group.
#[Object(name = "GroupJoinRequest")]
impl JoinRequest {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(JOIN_REQUEST_TYPE, self.id)
    }
    /// The group the person asks to join.
    async fn group(&self, ctx: &Context<'_>) -> ApiResult<GroupAccess> {
        load_visible(ctx, self.group_id).await
    }
    /// The person who asks.
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<User> {
        crate::users::loading::load_visible(ctx, self.user_id).await
    }
    /// Their word for the managers, as typed (plain text); null when they wrote none.
    async fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// Where the request stands.
    async fn status(&self) -> RequestStatusGql {
        self.status.into()
    }
    /// When the person asked.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
}

/// An invitation to join a group.
#[Object(name = "GroupInvitation")]
impl Invitation {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(INVITATION_TYPE, self.id)
    }
    /// The group the person is invited to.
    async fn group(&self, ctx: &Context<'_>) -> ApiResult<GroupAccess> {
        load_visible(ctx, self.group_id).await
    }
    /// The invited person.
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<User> {
        crate::users::loading::load_visible(ctx, self.user_id).await
    }
    /// The manager who invited them; null when unknown or hidden from the viewer.
    async fn invited_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        match self.invited_by {
            Some(id) => Ok(crate::users::loading::load_visible(ctx, id).await.ok()),
            None => Ok(None),
        }
    }
    /// Where the invitation stands.
    async fn status(&self) -> InvitationStatusGql {
        self.status.into()
    }
    /// When the person was invited.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
}

/// A join request the viewer may see: their own, or one to a group they manage.
pub async fn load_visible_join_request(
    ctx: &Context<'_>,
    id: Uuid,
) -> ApiResult<(JoinRequest, GroupAccess)> {
    let viewer = ctx.viewer()?;
    let request = model::find_join_request(&mut *ctx.conn().await?, id)
        .await?
        .ok_or(ApiError::NotFound(JOIN_REQUEST_TYPE))?;
    let group = load_visible(ctx, request.group_id)
        .await
        .map_err(|_| ApiError::NotFound(JOIN_REQUEST_TYPE))?;
    if request.user_id != viewer.id() && !allows(viewer, Action::Manage, &group) {
        return Err(ApiError::NotFound(JOIN_REQUEST_TYPE));
    }
    Ok((request, group))
}

/// An invitation the viewer may see: to them, or to a group they manage.
pub async fn load_visible_invitation(
    ctx: &Context<'_>,
    id: Uuid,
) -> ApiResult<(Invitation, GroupAccess)> {
    let viewer = ctx.viewer()?;
    let invitation = model::find_invitation(&mut *ctx.conn().await?, id)
        .await?
        .ok_or(ApiError::NotFound(INVITATION_TYPE))?;
    let group = load_visible(ctx, invitation.group_id)
        .await
        .map_err(|_| ApiError::NotFound(INVITATION_TYPE))?;
    if invitation.user_id != viewer.id() && !allows(viewer, Action::Manage, &group) {
        return Err(ApiError::NotFound(INVITATION_TYPE));
    }
    Ok((invitation, group))
}

/// Which groups `groups` lists.
#[derive(InputObject, Default)]
pub struct GroupsFilter {
    /// Words matched against name, slug and description, accents and case ignored (up to 200
    /// characters); every word must match.
    pub query: Option<String>,
    /// Only the viewer's groups (JOINED), or every group they may see (ALL, the default).
    #[graphql(default)]
    pub membership: GroupMembershipFilter,
    /// Only groups with this visibility; any when omitted.
    pub visibility: Option<VisibilityGql>,
    /// `ALL` (secret groups included) is for org admins (FORBIDDEN for anyone else).
    #[graphql(default)]
    pub scope: GroupListScope,
}

#[derive(Default)]
pub struct GroupQuery;

#[Object]
impl GroupQuery {
    /// Groups the viewer may see, by name.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
        #[graphql(desc = "Which groups to list; every group the viewer may see when omitted.")]
        filter: Option<GroupsFilter>,
    ) -> ApiResult<PageConnection<GroupAccess>> {
        let viewer = ctx.viewer()?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let filter = filter.unwrap_or_default();
        if let Some(query) = &filter.query {
            validation::max_chars("filter.query", query, Limit::SEARCH)?;
        }
        let scope = match filter.scope {
            GroupListScope::Visible => GroupScope::Visible,
            GroupListScope::All => {
                policy::require(
                    viewer,
                    Action::Manage,
                    Resource::Organization,
                    "Organization",
                    "Only org admins list every group.",
                )?;
                GroupScope::All
            }
        };
        let filter = GroupFilter {
            scope,
            query: filter.query,
            joined_only: filter.membership == GroupMembershipFilter::Joined,
            visibility: filter.visibility.map(Into::into),
        };
        let mut conn = ctx.conn().await?;
        let groups = model::page(&mut conn, &viewer.user, &filter, &page).await?;
        Ok(connection(
            groups,
            |g| (g.group.name.clone(), g.group.id),
            |g| g,
        ))
    }

    /// The group with this ID; null with a NOT_FOUND error when it does not exist or is secret to the viewer.
    async fn group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group's global ID.")] id: ID,
    ) -> ApiResult<Option<GroupAccess>> {
        load_visible(ctx, ids::decode_as(&id, TYPE_NAME, "id")?)
            .await
            .map(Some)
    }

    /// The group with this URL slug; null with a NOT_FOUND error when none has it or it is
    /// secret to the viewer.
    async fn group_by_slug(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group's slug, as in its `slug` field.")] slug: String,
    ) -> ApiResult<Option<GroupAccess>> {
        let viewer = ctx.viewer()?;
        validation::max_chars("slug", &slug, Limit::SLUG)?;
        let mut conn = ctx.conn().await?;
        let access = model::find_access_by_slug(&mut conn, viewer.id(), &slug)
            .await?
            .ok_or(ApiError::NotFound(TYPE_NAME))?;
        if policy::can(viewer, Action::View, Resource::Group(&access)) == Decision::Hide {
            return Err(ApiError::NotFound(TYPE_NAME));
        }
        Ok(Some(access))
    }

    /// The viewer's pending invitations to groups, oldest first.
    async fn group_invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<Invitation>> {
        let viewer = ctx.viewer()?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let mut conn = ctx.conn().await?;
        let invitations = model::pending_invitation_pages(
            &mut conn,
            InvitationsOf::Invitee,
            &[viewer.id()],
            &page,
        )
        .await?
        .remove(&viewer.id())
        .unwrap_or_else(|| page.finish(Vec::new(), 0));
        Ok(connection(invitations, |i| (i.created_at, i.id), |i| i))
    }
}
