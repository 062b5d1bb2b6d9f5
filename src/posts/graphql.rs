//! GraphQL types, queries and mutations of the news feed. Every resolver asks `policy::can`.

use std::collections::HashMap;

use async_graphql::{
    Context, ID, InputObject, Name, Object, SelectionField, SimpleObject, Subscription, Value,
};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use futures::Stream;
use uuid::Uuid;

use super::loaders::{AcknowledgementCountLoader, PollLoader, VersionLoader};
use super::model::{
    self, Comment, FeedFilter, Post, PostChanges, PostVersion, ReactionCount, SubjectKind,
    ViewerMarks,
};
use super::polls::{self, ResultsVisibility};
use super::service::{self, Author, Publication};
use crate::analytics::{Activity, ActivityKind};
use crate::attachments::graphql as attachments;
use crate::attachments::model::{Attachment, Subject};
use crate::audit::{Audit, Change};
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, reauthorized};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{
    self, AudienceLoader, ChildPages, CommentSummaryLoader, PageLoader, PinLoader, ReactionLoader,
    ViewerMarksLoader,
};
use crate::groups::GroupAccess;
use crate::notifications::triggers::{self, Trigger};
use crate::pagination::{Page, PageRequest};
use crate::policy::{self, Action, Decision, Resource};
use crate::users::model::DirectoryCursor;
use crate::users::visibility;
use crate::users::{OrgRole, User};
use crate::validation;

pub const TYPE_NAME: &str = "Post";
pub const COMMENT_TYPE: &str = "Comment";
/// The largest post or comment body, in bytes of UTF-8.
pub const BODY_MAX_BYTES: usize = 64 * 1024;
pub const TITLE_MAX_LENGTH: usize = 200;
/// Groups one post may be published in.
pub const MAX_AUDIENCES: usize = 20;

fn internal_loader_error(error: std::sync::Arc<ApiError>) -> ApiError {
    (*error).clone()
}

/// The audiences of a post as the viewer stands towards each (groups they cannot see left out).
async fn audiences(ctx: &Context<'_>, post: Uuid) -> ApiResult<Vec<GroupAccess>> {
    let groups = ctx
        .loader::<AudienceLoader>()?
        .load_one(post)
        .await
        .map_err(internal_loader_error)?
        .unwrap_or_default();
    let loaded = ctx
        .group_loader()?
        .load_many(groups)
        .await
        .map_err(internal_loader_error)?;
    Ok(loaded.into_values().collect())
}

async fn decide(ctx: &Context<'_>, post: &Post, action: Action) -> ApiResult<Decision> {
    let audiences = audiences(ctx, post.id).await?;
    Ok(policy::can(
        ctx.viewer()?,
        action,
        Resource::Post {
            post,
            audiences: &audiences,
        },
    ))
}

/// A post the viewer may read; anything else is NOT_FOUND. Reading records nothing: mutations and
/// subscriptions load their post with this; only `open` counts a view.
pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<Post> {
    service::readable(&mut *ctx.conn().await?, ctx.viewer()?, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

/// Opens a post the viewer may read (`post(id:)`, `node(id:)`): the first time counts as a view.
pub async fn open(ctx: &Context<'_>, id: Uuid) -> ApiResult<Post> {
    let post = load_visible(ctx, id).await?;
    record_reading(ctx, &post).await?;
    Ok(post)
}

/// Records that the viewer read a live post (opened it, or commented on it): the first time
/// counts as a view (`viewerHasSeen`, unread counts, reach).
async fn record_reading(ctx: &Context<'_>, post: &Post) -> ApiResult<()> {
    if post.is_live() {
        model::record_view(&mut *ctx.conn().await?, post.id, ctx.viewer()?.id()).await?;
        record_on_post(ctx, post, ActivityKind::PostViewed).await?;
    }
    Ok(())
}

/// Records what the viewer did with `post`, counted in its first audience group.
async fn record_on_post(ctx: &Context<'_>, post: &Post, kind: ActivityKind) -> ApiResult<()> {
    let group = if post.organisation_wide {
        None
    } else {
        audiences(ctx, post.id)
            .await?
            .first()
            .map(|access| access.group.id)
    };
    let activity = Activity::by(ctx.viewer()?.id(), kind)
        .in_group(group)
        .about(post.id);
    ctx.record_activity(activity);
    Ok(())
}

async fn pins(ctx: &Context<'_>, post: Uuid) -> ApiResult<Vec<Option<Uuid>>> {
    Ok(ctx
        .loader::<PinLoader>()?
        .load_one(post)
        .await
        .map_err(internal_loader_error)?
        .unwrap_or_default())
}

async fn viewer_marks(ctx: &Context<'_>, post: Uuid) -> ApiResult<ViewerMarks> {
    Ok(ctx
        .loader::<ViewerMarksLoader>()?
        .load_one(post)
        .await
        .map_err(internal_loader_error)?
        .unwrap_or_default())
}

/// How an announcement is acknowledged.
#[derive(SimpleObject)]
pub struct AcknowledgementStats {
    /// People who confirmed.
    pub acknowledged: i64,
    /// People it is addressed to.
    pub audience: i64,
    /// `acknowledged / audience`, from 0 to 1 (0 for an empty audience).
    pub rate: f64,
}

async fn reactions(ctx: &Context<'_>, subject: Uuid) -> ApiResult<Vec<ReactionCount>> {
    Ok(ctx
        .loader::<ReactionLoader>()?
        .load_one(subject)
        .await
        .map_err(internal_loader_error)?
        .unwrap_or_default())
}

/// An earlier text of an edited post.
#[Object(name = "PostVersion")]
impl PostVersion {
    async fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    async fn body(&self) -> &str {
        &self.body
    }
    async fn body_html(&self) -> String {
        crate::markdown::to_safe_html(&self.body)
    }
    /// When the edit replaced this text.
    async fn replaced_at(&self) -> DateTime<Utc> {
        self.replaced_at
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum PostStatus {
    /// Seen only by its author until published.
    Draft,
    /// Published at a future time; seen only by its author until then.
    Scheduled,
    Published,
}

/// How many people reacted with one emoji.
#[Object(name = "ReactionCount")]
impl ReactionCount {
    async fn emoji(&self) -> &str {
        &self.emoji
    }
    async fn count(&self) -> i64 {
        self.count
    }
    async fn viewer_reacted(&self) -> bool {
        self.viewer_reacted
    }
}

/// A post in the news feed.
#[Object(name = "Post")]
impl Post {
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    async fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// Markdown, as written.
    async fn body(&self) -> &str {
        &self.body
    }
    /// Sanitised HTML: no scripts, event handlers or unsafe links.
    async fn body_html(&self) -> &str {
        &self.body_html
    }
    /// Null for posts by integrations, or an author the viewer may not see.
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::graphql::visible_person(ctx, self.author_id).await
    }
    /// For posts published by an integration (a group webhook): its name.
    async fn integration_name(&self) -> Option<&str> {
        self.integration_name.as_deref()
    }
    /// Published to the whole organisation (besides any groups).
    async fn organisation_wide(&self) -> bool {
        self.organisation_wide
    }
    /// The groups it was published in that the viewer may see.
    async fn groups(&self, ctx: &Context<'_>) -> ApiResult<Vec<GroupAccess>> {
        let viewer = ctx.viewer()?;
        let mut groups = audiences(ctx, self.id).await?;
        groups.retain(|group| {
            policy::can(viewer, Action::View, Resource::Group(group)) != Decision::Hide
        });
        groups.sort_by(|a, b| a.group.name.cmp(&b.group.name));
        Ok(groups)
    }
    /// When it appears (or appeared); null for a draft.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.published_at
    }
    async fn status(&self) -> PostStatus {
        match self.published_at {
            None => PostStatus::Draft,
            Some(at) if at > Utc::now() => PostStatus::Scheduled,
            Some(_) => PostStatus::Published,
        }
    }
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.edited_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(decide(ctx, self, Action::Edit).await?.allowed())
    }
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(decide(ctx, self, Action::Delete).await?.allowed())
    }
    /// Reactions by emoji, most used first.
    async fn reactions(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReactionCount>> {
        reactions(ctx, self.id).await
    }
    /// The emoji the viewer reacted with.
    async fn viewer_reactions(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        Ok(reactions(ctx, self.id)
            .await?
            .into_iter()
            .filter(|reaction| reaction.viewer_reacted)
            .map(|reaction| reaction.emoji)
            .collect())
    }
    /// What the post said before each edit, the latest replaced first (its author, its groups'
    /// managers and org admins; empty for anyone else).
    async fn previous_versions(&self, ctx: &Context<'_>) -> ApiResult<Vec<PostVersion>> {
        // Those who may delete a post are those who moderate it.
        if self.edited_at.is_none() || !decide(ctx, self, Action::Delete).await?.allowed() {
            return Ok(Vec::new());
        }
        Ok(ctx
            .loader::<VersionLoader>()?
            .load_one(self.id)
            .await
            .map_err(internal_loader_error)?
            .unwrap_or_default())
    }
    /// Files attached to the post, in order (seen by whoever reads the post).
    async fn attachments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Attachment>> {
        attachments::of(ctx, Subject::post(self.id)).await
    }
    /// The poll attached to the post, if any.
    async fn poll(&self, ctx: &Context<'_>) -> ApiResult<Option<PollView>> {
        Ok(ctx
            .loader::<PollLoader>()?
            .load_one(self.id)
            .await
            .map_err(internal_loader_error)?
            .flatten())
    }
    /// Pinned on the organisation's home.
    async fn pinned_on_home(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(pins(ctx, self.id).await?.contains(&None))
    }
    /// The groups (that the viewer may see) where this post is pinned.
    async fn pinned_in_groups(&self, ctx: &Context<'_>) -> ApiResult<Vec<GroupAccess>> {
        let viewer = ctx.viewer()?;
        let groups: Vec<Uuid> = pins(ctx, self.id).await?.into_iter().flatten().collect();
        let mut loaded: Vec<GroupAccess> = ctx
            .group_loader()?
            .load_many(groups)
            .await
            .map_err(internal_loader_error)?
            .into_values()
            .filter(|group| {
                policy::can(viewer, Action::View, Resource::Group(group)) != Decision::Hide
            })
            .collect();
        loaded.sort_by(|a, b| a.group.name.cmp(&b.group.name));
        Ok(loaded)
    }
    /// The viewer has opened this post before.
    async fn viewer_has_seen(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(viewer_marks(ctx, self.id).await?.seen)
    }
    /// An announcement readers confirm with `acknowledgePost`.
    async fn requires_acknowledgement(&self) -> bool {
        self.requires_acknowledgement
    }
    async fn viewer_has_acknowledged(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(viewer_marks(ctx, self.id).await?.acknowledged)
    }
    /// How many of its audience (the people it is addressed to, its author aside) acknowledged it
    /// (for the author and org admins).
    async fn acknowledgement_stats(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<AcknowledgementStats>> {
        if !self.requires_acknowledgement {
            return Ok(None);
        }
        require_stats_access(ctx, self).await?;
        let model::AcknowledgementCounts {
            acknowledged,
            audience,
        } = ctx
            .loader::<AcknowledgementCountLoader>()?
            .load_one(self.id)
            .await
            .map_err(internal_loader_error)?
            .unwrap_or_default();
        let rate = if audience == 0 {
            0.0
        } else {
            acknowledged as f64 / audience as f64
        };
        Ok(Some(AcknowledgementStats {
            acknowledged,
            audience,
            rate,
        }))
    }
    /// Who in its audience has (`acknowledged: true`) or has not acknowledged it, by name (the
    /// author and org admins), among the people the viewer may see in the directory.
    async fn acknowledgements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = true)] acknowledged: bool,
    ) -> ApiResult<PageConnection<User>> {
        require_stats_access(ctx, self).await?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let audience = model::Acknowledgers {
            acknowledged,
            limited_to_groups_of: visibility::directory_limit(ctx.viewer()?),
        };
        let people = loaders::page_of::<AcknowledgerPages>(ctx, self.id, (page, audience)).await?;
        Ok(connection(
            people,
            |u| (u.display_name.clone(), u.id),
            |u| u,
        ))
    }
    async fn comment_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(comment_summary(ctx, self.id).await?.0)
    }
    /// The two latest comments, oldest first (what a feed shows under a post).
    async fn latest_comments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Comment>> {
        Ok(comment_summary(ctx, self.id).await?.1)
    }
    /// All comments, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<PageConnection<Comment>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let comments = loaders::page_of::<CommentPages>(ctx, self.id, page).await?;
        Ok(connection(comments, |c| (c.created_at, c.id), |c| c))
    }
}

/// The comments of posts, oldest first.
pub struct CommentPages;

impl ChildPages for CommentPages {
    type Args = PageRequest<model::CommentCursor>;
    type Item = Comment;

    fn pages(
        conn: &mut diesel_async::AsyncPgConnection,
        posts: &[Uuid],
        page: &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Page<Comment>>>> + Send {
        model::comment_pages(conn, posts, page)
    }
}

/// The people of posts' audiences who did or did not acknowledge them, in directory order.
pub struct AcknowledgerPages;

impl ChildPages for AcknowledgerPages {
    type Args = (PageRequest<DirectoryCursor>, model::Acknowledgers);
    type Item = User;

    fn pages(
        conn: &mut diesel_async::AsyncPgConnection,
        posts: &[Uuid],
        (page, wanted): &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Page<User>>>> + Send {
        model::acknowledger_pages(conn, posts, wanted, page)
    }
}

async fn require_stats_access(ctx: &Context<'_>, post: &Post) -> ApiResult<()> {
    require_on_post(
        ctx,
        post,
        Action::Manage,
        "Only the author and org admins see who acknowledged a post.",
    )
    .await
}

async fn comment_summary(ctx: &Context<'_>, post: Uuid) -> ApiResult<(i64, Vec<Comment>)> {
    Ok(ctx
        .loader::<CommentSummaryLoader>()?
        .load_one(post)
        .await
        .map_err(internal_loader_error)?
        .unwrap_or_default())
}

/// A comment on a post, or a reply to one.
#[Object(name = "Comment")]
impl Comment {
    pub async fn id(&self) -> ID {
        ids::encode(COMMENT_TYPE, self.id)
    }
    /// The comment this one answers (one level of replies).
    async fn reply_to_id(&self) -> Option<ID> {
        self.parent_id.map(|id| ids::encode(COMMENT_TYPE, id))
    }
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::graphql::visible_person(ctx, self.author_id).await
    }
    async fn body(&self) -> &str {
        &self.body
    }
    async fn body_html(&self) -> &str {
        &self.body_html
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.edited_at
    }
    async fn reactions(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReactionCount>> {
        reactions(ctx, self.id).await
    }
    /// Files attached to the comment, in order.
    async fn attachments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Attachment>> {
        attachments::of(ctx, Subject::comment(self.id)).await
    }
}

/// Loads, one statement per kind and in a fixed order, what the selected fields of a page of
/// posts will ask the DataLoaders for; the resolvers then find it in the request's cache. So a feed
/// page costs the same few statements whatever its size, independent of timing.
async fn prefetch(ctx: &Context<'_>, posts: &[Post]) -> ApiResult<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    let ids: Vec<Uuid> = posts.iter().map(|post| post.id).collect();
    let mut users: Vec<Uuid> = Vec::new();
    let decided = [
        "groups",
        "previousVersions",
        "acknowledgementStats",
        "acknowledgements",
    ];
    if decided.iter().any(|field| node.field(field).exists()) {
        let audiences = ctx
            .loader::<AudienceLoader>()?
            .load_many(ids.clone())
            .await
            .map_err(internal_loader_error)?;
        let groups: Vec<Uuid> = audiences.into_values().flatten().collect();
        ctx.group_loader()?
            .load_many(groups)
            .await
            .map_err(internal_loader_error)?;
    }
    if node.field("pinnedOnHome").exists() || node.field("pinnedInGroups").exists() {
        ctx.loader::<PinLoader>()?
            .load_many(ids.clone())
            .await
            .map_err(internal_loader_error)?;
    }
    if node.field("viewerHasSeen").exists() || node.field("viewerHasAcknowledged").exists() {
        ctx.loader::<ViewerMarksLoader>()?
            .load_many(ids.clone())
            .await
            .map_err(internal_loader_error)?;
    }
    if node.field("reactions").exists() || node.field("viewerReactions").exists() {
        ctx.loader::<ReactionLoader>()?
            .load_many(ids.clone())
            .await
            .map_err(internal_loader_error)?;
    }
    if node.field("author").exists() {
        users.extend(posts.iter().filter_map(|post| post.author_id));
    }
    if node.field("poll").exists() {
        ctx.loader::<PollLoader>()?
            .load_many(ids.clone())
            .await
            .map_err(internal_loader_error)?;
    }
    if node.field("previousVersions").exists() {
        let edited = posts.iter().filter(|post| post.edited_at.is_some());
        ctx.loader::<VersionLoader>()?
            .load_many(allowed(ctx, edited, Action::Delete).await?)
            .await
            .map_err(internal_loader_error)?;
    }
    let announcements = || posts.iter().filter(|post| post.requires_acknowledgement);
    if node.field("acknowledgementStats").exists() {
        ctx.loader::<AcknowledgementCountLoader>()?
            .load_many(allowed(ctx, announcements(), Action::Manage).await?)
            .await
            .map_err(internal_loader_error)?;
    }
    for field in node.field("comments").selection_fields() {
        if let Some((page, _)) = requested_page(&field) {
            let keys = ids.iter().map(|post| (*post, page.clone()));
            ctx.loader::<PageLoader<CommentPages>>()?
                .load_many(keys)
                .await
                .map_err(internal_loader_error)?;
        }
    }
    for field in node.field("acknowledgements").selection_fields() {
        if let Some((page, arguments)) = requested_page(&field) {
            let wanted = model::Acknowledgers {
                acknowledged: !matches!(
                    argument(&arguments, "acknowledged"),
                    Some(Value::Boolean(false))
                ),
                limited_to_groups_of: visibility::directory_limit(ctx.viewer()?),
            };
            let managed = allowed(ctx, posts.iter(), Action::Manage).await?;
            let keys = managed
                .into_iter()
                .map(|post| (post, (page.clone(), wanted.clone())));
            ctx.loader::<PageLoader<AcknowledgerPages>>()?
                .load_many(keys)
                .await
                .map_err(internal_loader_error)?;
        }
    }
    if node.field("attachments").exists() {
        attachments::prefetch(ctx, ids.iter().copied().map(Subject::post).collect()).await?;
    }
    if node.field("commentCount").exists() || node.field("latestComments").exists() {
        let summaries = ctx
            .loader::<CommentSummaryLoader>()?
            .load_many(ids)
            .await
            .map_err(internal_loader_error)?;
        if node.field("latestComments").field("attachments").exists() {
            let comments = summaries
                .values()
                .flat_map(|(_, latest)| latest.iter().map(|c| Subject::comment(c.id)));
            attachments::prefetch(ctx, comments.collect()).await?;
        }
        if node.field("latestComments").field("author").exists() {
            users.extend(
                summaries
                    .values()
                    .flat_map(|(_, latest)| latest.iter().filter_map(|c| c.author_id)),
            );
        }
    }
    if !users.is_empty() {
        ctx.user_loader()
            .load_many(users)
            .await
            .map_err(|error| (*error).clone())?;
    }
    Ok(())
}

/// Those of `posts` the policy lets the viewer do `action` on (their audiences already loaded).
async fn allowed<'p>(
    ctx: &Context<'_>,
    posts: impl Iterator<Item = &'p Post>,
    action: Action,
) -> ApiResult<Vec<Uuid>> {
    let mut ids = Vec::new();
    for post in posts {
        if decide(ctx, post, action).await?.allowed() {
            ids.push(post.id);
        }
    }
    Ok(ids)
}

/// The page a connection field asks for, as its resolver will parse it (`None` when it cannot:
/// the resolver then reports the error).
fn requested_page<K: serde::de::DeserializeOwned>(
    field: &SelectionField<'_>,
) -> Option<(PageRequest<K>, Vec<(Name, Value)>)> {
    let arguments = field.arguments().ok()?;
    let first = match argument(&arguments, "first") {
        Some(Value::Number(n)) => Some(i32::try_from(n.as_i64()?).ok()?),
        None | Some(Value::Null) => None,
        Some(_) => return None,
    };
    let after = match argument(&arguments, "after") {
        Some(Value::String(cursor)) => Some(cursor.as_str()),
        None | Some(Value::Null) => None,
        Some(_) => return None,
    };
    let page = PageRequest::parse(first, after).ok()?;
    Some((page, arguments))
}

fn argument<'a>(arguments: &'a [(Name, Value)], name: &str) -> Option<&'a Value> {
    arguments
        .iter()
        .find(|(given, _)| given.as_str() == name)
        .map(|(_, value)| value)
}

/// Kinds of posts a feed can be narrowed to.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum PostKind {
    /// Posts asking readers to acknowledge them.
    Announcement,
    Poll,
    /// Posts published by integrations (group webhooks).
    Integration,
}

impl PostKind {
    fn as_db(self) -> &'static str {
        match self {
            Self::Announcement => "announcement",
            Self::Poll => "poll",
            Self::Integration => "integration",
        }
    }
}

#[derive(InputObject, Default)]
pub struct FeedFilterInput {
    /// Only posts in this group.
    pub group_id: Option<ID>,
    /// Only posts by this person.
    pub author_id: Option<ID>,
    /// Only announcements, polls or integration posts.
    #[graphql(name = "type")]
    pub kind: Option<PostKind>,
}

/// One of the viewer's groups on the home screen.
#[derive(SimpleObject)]
pub struct HomeGroup {
    pub group: GroupAccess,
    /// Posts the viewer has not opened yet.
    pub unread_post_count: i64,
}

/// Everything a home screen shows, in one round trip.
pub struct Home;

#[Object]
impl Home {
    /// The next occurrences of events in the viewer's groups, organisation-wide ones and those
    /// they answered, over the next 60 days.
    async fn upcoming_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5, validator(minimum = 1, maximum = 20))] first: i32,
    ) -> ApiResult<Vec<crate::events_calendar::graphql::EventOccurrence>> {
        crate::events_calendar::graphql::upcoming(ctx, first as usize).await
    }
    /// Open surveys asking the viewer that they have not answered yet, newest first.
    async fn pending_surveys(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5, validator(minimum = 1, maximum = 20))] first: i32,
    ) -> ApiResult<Vec<crate::surveys::access::SurveyView>> {
        crate::surveys::graphql::pending(ctx, first as usize).await
    }
    /// Announcements pinned on the organisation's home, those the viewer still has to
    /// acknowledge first.
    async fn pinned_posts(&self, ctx: &Context<'_>) -> ApiResult<Vec<Post>> {
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        let pinned: Vec<Post> = model::pinned_posts(&mut conn, None)
            .await?
            .into_iter()
            .filter(|post| {
                policy::can(
                    viewer,
                    Action::View,
                    Resource::Post {
                        post,
                        audiences: &[],
                    },
                )
                .allowed()
            })
            .collect();
        let ids: Vec<Uuid> = pinned.iter().map(|post| post.id).collect();
        let marks = model::viewer_marks(&mut conn, &ids, viewer.id()).await?;
        let mut ordered: Vec<(usize, Post)> = pinned.into_iter().enumerate().collect();
        ordered.sort_by_key(|(order, post)| {
            let pending = post.requires_acknowledgement
                && !marks.get(&post.id).is_some_and(|m| m.acknowledged);
            (!pending, *order)
        });
        Ok(ordered.into_iter().map(|(_, post)| post).collect())
    }

    /// The viewer's groups by name, with their unread posts.
    async fn groups(&self, ctx: &Context<'_>) -> ApiResult<Vec<HomeGroup>> {
        let viewer = ctx.viewer()?;
        let counts = model::unread_counts(&mut *ctx.conn().await?, viewer.id()).await?;
        let ids: Vec<Uuid> = counts.iter().map(|(group, _)| *group).collect();
        let mut groups = ctx
            .group_loader()?
            .load_many(ids)
            .await
            .map_err(internal_loader_error)?;
        Ok(counts
            .into_iter()
            .filter_map(|(id, unread)| {
                groups.remove(&id).map(|group| HomeGroup {
                    group,
                    unread_post_count: unread,
                })
            })
            .collect())
    }
}

#[derive(Default)]
pub struct PostQuery;

#[Object]
impl PostQuery {
    /// Posts the viewer may read, newest first: their groups' posts and organisation-wide ones
    /// (with `groupId`, any group whose content they may read). `totalCount` costs a count of
    /// every readable post: ask for it only when shown.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn feed(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<FeedFilterInput>,
    ) -> ApiResult<PageConnection<Post>> {
        let viewer = ctx.viewer()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let group = match &filter.group_id {
            Some(id) => {
                let group = crate::groups::graphql::load_visible(
                    ctx,
                    ids::decode_as(id, crate::groups::graphql::TYPE_NAME, "filter.groupId")?,
                )
                .await?;
                policy::require(
                    viewer,
                    Action::ViewContent,
                    Resource::Group(&group),
                    crate::groups::graphql::TYPE_NAME,
                    "Only members read this group's posts.",
                )?;
                Some(group.group.id)
            }
            None => None,
        };
        let author = filter
            .author_id
            .as_ref()
            .map(|id| ids::decode_as(id, crate::users::graphql::TYPE_NAME, "filter.authorId"))
            .transpose()?;
        let feed = FeedFilter {
            viewer: viewer.id(),
            guest: viewer.user.org_role == OrgRole::Guest,
            group,
            author,
            kind: filter.kind.map(PostKind::as_db),
        };
        let with_total = ctx.look_ahead().field("totalCount").exists();
        let posts = model::feed_page(&mut *ctx.conn().await?, &feed, &page, with_total).await?;
        prefetch(ctx, &posts.items).await?;
        Ok(connection(
            posts,
            |p| (p.published_at.unwrap_or(p.created_at), p.id),
            |p| p,
        ))
    }

    /// The home screen: pinned announcements, the viewer's groups with unread counts (use `feed`
    /// in the same query for the first page of posts).
    async fn home(&self, ctx: &Context<'_>) -> ApiResult<Home> {
        ctx.viewer()?;
        Ok(Home)
    }

    /// The viewer's drafts and scheduled posts, newest first.
    async fn drafts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<PageConnection<Post>> {
        let viewer = ctx.viewer()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let posts = model::unpublished_page(&mut *ctx.conn().await?, viewer.id(), &page).await?;
        Ok(connection(posts, |p| (p.created_at, p.id), |p| p))
    }

    async fn post(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Post> {
        open(ctx, ids::decode_as(&id, TYPE_NAME, "id")?).await
    }
}

#[derive(InputObject)]
pub struct CreatePostInput {
    /// The groups to publish in (several at once: org admins).
    #[graphql(default)]
    pub group_ids: Vec<ID>,
    /// Publish to the whole organisation (org admins).
    #[graphql(default)]
    pub organisation_wide: bool,
    /// An announcement readers confirm they have read (`acknowledgePost`).
    #[graphql(default)]
    pub requires_acknowledgement: bool,
    /// Keep it as a draft, seen only by the author until `publishPost`.
    #[graphql(default)]
    pub draft: bool,
    /// Publish later: invisible until then, then announced to subscribers.
    pub publish_at: Option<DateTime<Utc>>,
    /// Attach a poll (the post's body is its question).
    pub poll: Option<PollInput>,
    pub title: Option<String>,
    /// Markdown, up to 64 KiB.
    pub body: String,
    /// Files from `uploadAttachment` (at most 10, in this order); readers of the post see them.
    #[graphql(default)]
    pub attachment_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct UpdatePostInput {
    pub post_id: ID,
    /// An empty title removes it.
    pub title: Option<String>,
    pub body: Option<String>,
    /// Replaces the attachments (those left out are deleted; new ones come from `uploadAttachment`).
    pub attachment_ids: Option<Vec<ID>>,
}

/// When a new post appears: now, later (`publishAt`), or not yet (a draft).
fn publication_time(
    draft: bool,
    publish_at: Option<DateTime<Utc>>,
) -> ApiResult<Option<DateTime<Utc>>> {
    match (draft, publish_at) {
        (true, Some(_)) => Err(ApiError::bad_input(
            "publishAt",
            "a draft has no publication time",
        )),
        (true, None) => Ok(None),
        (false, Some(at)) if at <= Utc::now() => {
            Err(ApiError::bad_input("publishAt", "must be in the future"))
        }
        (false, Some(at)) => Ok(Some(at)),
        (false, None) => Ok(Some(Utc::now())),
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "ResultsVisibility")]
pub enum PollResultsVisibility {
    #[default]
    Always,
    /// Once the viewer has voted (or the poll closed).
    AfterVoting,
    AfterClosing,
}

#[derive(InputObject)]
pub struct PollInput {
    /// 2 to 20 distinct options, up to 200 characters each.
    pub options: Vec<String>,
    #[graphql(default)]
    pub multiple_choice: bool,
    /// Nobody sees who voted for what.
    #[graphql(default)]
    pub anonymous: bool,
    pub closes_at: Option<DateTime<Utc>>,
    #[graphql(default)]
    pub results_visibility: PollResultsVisibility,
}

fn new_poll(input: Option<PollInput>) -> ApiResult<Option<polls::NewPoll>> {
    input
        .map(|poll| {
            if poll.closes_at.is_some_and(|at| at <= Utc::now()) {
                return Err(ApiError::bad_input(
                    "poll.closesAt",
                    "must be in the future",
                ));
            }
            Ok(polls::NewPoll {
                options: polls::check_options(&poll.options)?,
                multiple_choice: poll.multiple_choice,
                anonymous: poll.anonymous,
                closes_at: poll.closes_at,
                results_visibility: poll.results_visibility.into(),
            })
        })
        .transpose()
}

/// A poll as the viewer sees it: counts only when its results are visible to them.
#[derive(SimpleObject, Clone)]
pub struct PollView {
    pub multiple_choice: bool,
    pub anonymous: bool,
    pub closes_at: Option<DateTime<Utc>>,
    pub closed: bool,
    /// Whether the counts are shown to the viewer now.
    pub results_visible: bool,
    /// People who voted; null while results are hidden.
    pub voter_count: Option<i64>,
    pub options: Vec<PollOptionView>,
    /// The options the viewer chose.
    pub viewer_votes: Vec<ID>,
}

#[derive(SimpleObject, Clone)]
pub struct PollOptionView {
    pub id: ID,
    pub label: String,
    /// Null while results are hidden.
    pub vote_count: Option<i64>,
    /// Who chose it, among the people the viewer may see in the directory: empty for anonymous
    /// polls and while results are hidden.
    pub voters: Vec<User>,
}

pub const POLL_OPTION_TYPE: &str = "PollOption";

#[derive(InputObject)]
pub struct VoteInput {
    pub post_id: ID,
    /// One option (several for multiple-choice polls); replaces the viewer's earlier vote.
    pub option_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct PublishPostInput {
    pub post_id: ID,
    /// Later; now when omitted.
    pub publish_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct PinPostInput {
    pub post_id: ID,
    /// The group to pin it in; the organisation's home when omitted.
    pub group_id: Option<ID>,
    /// Lower first.
    #[graphql(default)]
    pub position: i32,
}

#[derive(InputObject)]
pub struct UnpinPostInput {
    pub post_id: ID,
    pub group_id: Option<ID>,
}

/// The post and where to (un)pin it, once the viewer is allowed to.
async fn pin_target(
    ctx: &Context<'_>,
    post_id: &ID,
    group_id: Option<&ID>,
) -> ApiResult<(Post, Option<Uuid>)> {
    let viewer = ctx.viewer()?;
    let post = load_visible(ctx, ids::decode_as(post_id, TYPE_NAME, "postId")?).await?;
    match group_id {
        Some(id) => {
            let group_uuid = ids::decode_as(id, crate::groups::graphql::TYPE_NAME, "groupId")?;
            let group = crate::groups::graphql::load_visible(ctx, group_uuid).await?;
            policy::require(
                viewer,
                Action::Manage,
                Resource::Group(&group),
                crate::groups::graphql::TYPE_NAME,
                "Only the group's managers pin posts.",
            )?;
            let in_group = audiences(ctx, post.id)
                .await?
                .iter()
                .any(|a| a.group.id == group_uuid);
            if !in_group {
                return Err(ApiError::bad_input(
                    "groupId",
                    "the post is not in this group",
                ));
            }
            Ok((post, Some(group_uuid)))
        }
        None => {
            policy::require(
                viewer,
                Action::Manage,
                Resource::Organisation,
                "Organisation",
                "Only org admins pin posts on the home.",
            )?;
            if !post.organisation_wide {
                return Err(ApiError::bad_input(
                    "postId",
                    "only organisation-wide posts go on the home",
                ));
            }
            Ok((post, None))
        }
    }
}

#[derive(InputObject)]
pub struct AcknowledgePostInput {
    pub post_id: ID,
}

#[derive(InputObject)]
pub struct DeletePostInput {
    pub post_id: ID,
}

#[derive(InputObject)]
pub struct AddCommentInput {
    pub post_id: ID,
    /// Answer this top-level comment (one level of replies).
    pub reply_to_id: Option<ID>,
    pub body: String,
    /// Files from `uploadAttachment` (at most 10).
    #[graphql(default)]
    pub attachment_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct UpdateCommentInput {
    pub comment_id: ID,
    pub body: String,
    /// Replaces the attachments (those left out are deleted).
    pub attachment_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct DeleteCommentInput {
    pub comment_id: ID,
}

#[derive(SimpleObject)]
pub struct DeleteCommentPayload {
    pub deleted_comment_id: ID,
}

/// A live comment on a readable post (returned with it) that the viewer wrote (or, with
/// `moderators`, may remove as one who may delete the post).
async fn own_comment(ctx: &Context<'_>, id: &ID, moderators: bool) -> ApiResult<(Comment, Post)> {
    let viewer = ctx.viewer()?;
    let comment = model::find_comment(
        &mut *ctx.conn().await?,
        ids::decode_as(id, COMMENT_TYPE, "commentId")?,
    )
    .await?
    .filter(|c| c.deleted_at.is_none())
    .ok_or(ApiError::NotFound(COMMENT_TYPE))?;
    let post = load_visible(ctx, comment.post_id)
        .await
        .map_err(|_| ApiError::NotFound(COMMENT_TYPE))?;
    let author = comment.author_id == Some(viewer.id());
    let moderator = moderators && decide(ctx, &post, Action::Delete).await?.allowed();
    if !author && !moderator {
        return Err(ApiError::Forbidden(
            "Only its author changes a comment.".into(),
        ));
    }
    Ok((comment, post))
}

/// The audit entry for removing what someone else wrote (`author`), which only the post's groups'
/// managers and org admins may do: `target` in the first of the post's groups the viewer manages.
/// `None` when the viewer removes their own.
async fn moderation(
    ctx: &Context<'_>,
    post: &Post,
    author: Option<Uuid>,
    target: Change,
) -> ApiResult<Option<(Audit, Change)>> {
    let viewer = ctx.viewer()?;
    if author == Some(viewer.id()) {
        return Ok(None);
    }
    let managed = audiences(ctx, post.id)
        .await?
        .into_iter()
        .find(|group| policy::can(viewer, Action::Manage, Resource::Group(group)).allowed());
    let change = target.in_group_if_any(managed.map(|group| group.group.id));
    Ok(Some((Audit::of(ctx)?, change)))
}

/// Where a post is pinned, as audit snapshots show it.
#[derive(serde::Serialize)]
struct PinSnapshot {
    group_id: Option<Uuid>,
    position: i32,
}

/// An audit entry about a post's pin, in the group it is pinned in (none on the home).
fn pin_change(post: Uuid, group: Option<Uuid>) -> Change {
    Change::of(TYPE_NAME, post).in_group_if_any(group)
}

#[derive(InputObject)]
pub struct ReactionInput {
    /// A post or a comment.
    pub subject_id: ID,
    /// One emoji, e.g. "👍" or "🎉".
    pub emoji: String,
}

#[derive(SimpleObject)]
pub struct PostPayload {
    pub post: Post,
}

#[derive(SimpleObject)]
pub struct DeletePostPayload {
    pub deleted_post_id: ID,
}

#[derive(SimpleObject)]
pub struct CommentPayload {
    pub comment: Comment,
}

#[derive(SimpleObject)]
pub struct ReactionPayload {
    pub subject_id: ID,
    pub reactions: Vec<ReactionCount>,
}

fn body(field: &str, text: &str) -> ApiResult<String> {
    if text.trim().is_empty() {
        return Err(ApiError::bad_input(field, "must not be empty"));
    }
    if text.len() > BODY_MAX_BYTES {
        return Err(ApiError::bad_input(
            field,
            format!("must be at most {BODY_MAX_BYTES} bytes (64 KiB)"),
        ));
    }
    validation::max_chars(field, text, BODY_MAX_BYTES)?;
    Ok(text.to_owned())
}

/// A blank title is no title.
fn title(text: Option<String>) -> ApiResult<Option<String>> {
    text.filter(|title| !title.trim().is_empty())
        .map(|title| validation::name("title", &title, TITLE_MAX_LENGTH))
        .transpose()
}

/// A single emoji (with its modifiers), not text.
fn emoji(text: &str) -> ApiResult<String> {
    let text = text.trim();
    let symbolic =
        |c: char| !c.is_alphanumeric() && !c.is_whitespace() && !c.is_ascii_punctuation();
    let pictographic = text.chars().any(|c| c as u32 >= 0x2000);
    if text.is_empty() || text.chars().count() > 8 || !pictographic || !text.chars().all(symbolic) {
        return Err(ApiError::bad_input("emoji", "must be a single emoji"));
    }
    Ok(text.to_owned())
}

/// The policy's answer for `action` on a post the viewer may read (FORBIDDEN with `why`).
async fn require_on_post(
    ctx: &Context<'_>,
    post: &Post,
    action: Action,
    why: &str,
) -> ApiResult<()> {
    let audiences = audiences(ctx, post.id).await?;
    policy::require(
        ctx.viewer()?,
        action,
        Resource::Post {
            post,
            audiences: &audiences,
        },
        TYPE_NAME,
        why,
    )
}

#[derive(Default)]
pub struct PostMutation;

#[Object]
impl PostMutation {
    /// Publishes a post in groups where the viewer may post, or organisation-wide (admins).
    async fn create_post(
        &self,
        ctx: &Context<'_>,
        input: CreatePostInput,
    ) -> ApiResult<PostPayload> {
        let viewer = ctx.viewer()?;
        let body = body("body", &input.body)?;
        let title = title(input.title)?;
        if input.group_ids.is_empty() && !input.organisation_wide {
            return Err(ApiError::bad_input(
                "groupIds",
                "give at least one group, or organisationWide",
            ));
        }
        if input.group_ids.len() > MAX_AUDIENCES {
            return Err(ApiError::bad_input(
                "groupIds",
                format!("at most {MAX_AUDIENCES} groups"),
            ));
        }
        let publication = Publication {
            published_at: publication_time(input.draft, input.publish_at)?,
            poll: new_poll(input.poll)?,
            attachments: attachments::parse_ids(&input.attachment_ids)?,
            groups: input
                .group_ids
                .iter()
                .map(|id| ids::decode_as(id, crate::groups::graphql::TYPE_NAME, "groupIds"))
                .collect::<ApiResult<_>>()?,
            organisation_wide: input.organisation_wide,
            requires_acknowledgement: input.requires_acknowledgement,
            title,
            body,
        };
        let post = service::publish(
            &mut *ctx.conn().await?,
            ctx.services(),
            Author::Person(viewer),
            publication,
        )
        .await?;
        Ok(PostPayload { post })
    }

    /// Changes the viewer's own post; mentions follow the new text.
    async fn update_post(
        &self,
        ctx: &Context<'_>,
        input: UpdatePostInput,
    ) -> ApiResult<PostPayload> {
        let viewer = ctx.viewer()?;
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        require_on_post(ctx, &post, Action::Edit, "Only the author edits a post.").await?;
        let new_body = input
            .body
            .as_deref()
            .map(|text| body("body", text))
            .transpose()?;
        let attachment_ids = input
            .attachment_ids
            .as_deref()
            .map(attachments::parse_ids)
            .transpose()?;
        let changes = PostChanges {
            title: input.title.map(|t| title(Some(t))).transpose()?,
            body_html: new_body.as_deref().map(crate::markdown::to_safe_html),
            body: new_body,
            edited_at: Some(Utc::now()),
        };
        let services = ctx.services().clone();
        let mut conn = ctx.conn().await?;
        let post = conn
            .transaction::<_, ApiError, _>(async |conn| {
                model::save_version(conn, &post).await?;
                let updated = model::update(conn, post.id, &changes).await?;
                if changes.body.is_some() {
                    let newly =
                        service::record_mentions(conn, &updated, Author::Person(viewer)).await?;
                    // A draft's mentions are told when it is published.
                    if updated.is_live() && !newly.is_empty() {
                        let trigger = Trigger::PostMentioned {
                            post_id: updated.id,
                            user_ids: newly,
                        };
                        triggers::enqueue(conn, trigger).await?;
                    }
                }
                if let Some(ids) = &attachment_ids {
                    attachments::set(conn, Subject::post(post.id), ids, viewer.id()).await?;
                }
                services
                    .events
                    .publish(conn, &Event::PostUpdated { id: updated.id })
                    .await?;
                Ok(updated)
            })
            .await?;
        Ok(PostPayload { post })
    }

    /// Removes a post (its author, its groups' managers, org admins).
    async fn delete_post(
        &self,
        ctx: &Context<'_>,
        input: DeletePostInput,
    ) -> ApiResult<DeletePostPayload> {
        let viewer = ctx.viewer()?;
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        require_on_post(
            ctx,
            &post,
            Action::Delete,
            "Only the author or a manager deletes a post.",
        )
        .await?;
        let target = Change::of(TYPE_NAME, post.id).before(&post)?;
        let moderation = moderation(ctx, &post, post.author_id, target).await?;
        let services = ctx.services().clone();
        ctx.conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                model::soft_delete(conn, post.id, viewer.id()).await?;
                if let Some((audit, change)) = moderation {
                    audit.record(conn, change).await?;
                }
                services
                    .events
                    .publish(conn, &Event::PostUpdated { id: post.id })
                    .await
            })
            .await?;
        Ok(DeletePostPayload {
            deleted_post_id: input.post_id,
        })
    }

    /// Pins a post in one of its groups (that group's managers) or, without `groupId`, on the
    /// organisation's home (org admins, organisation-wide posts). Pinning again moves it.
    async fn pin_post(&self, ctx: &Context<'_>, input: PinPostInput) -> ApiResult<PostPayload> {
        let (post, group) = pin_target(ctx, &input.post_id, input.group_id.as_ref()).await?;
        let viewer = ctx.viewer()?;
        let audit = Audit::of(ctx)?;
        ctx.conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                model::pin(conn, post.id, group, input.position, viewer.id()).await?;
                let pin = PinSnapshot {
                    group_id: group,
                    position: input.position,
                };
                audit
                    .record(conn, pin_change(post.id, group).after(&pin)?)
                    .await
            })
            .await?;
        Ok(PostPayload { post })
    }

    async fn unpin_post(&self, ctx: &Context<'_>, input: UnpinPostInput) -> ApiResult<PostPayload> {
        let (post, group) = pin_target(ctx, &input.post_id, input.group_id.as_ref()).await?;
        let audit = Audit::of(ctx)?;
        ctx.conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                let position = model::unpin(conn, post.id, group).await?.ok_or_else(|| {
                    ApiError::bad_input("postId", "this post is not pinned there")
                })?;
                let pin = PinSnapshot {
                    group_id: group,
                    position,
                };
                audit
                    .record(conn, pin_change(post.id, group).before(&pin)?)
                    .await
            })
            .await?;
        Ok(PostPayload { post })
    }

    /// Publishes the viewer's draft or scheduled post, now or at `publishAt`.
    async fn publish_post(
        &self,
        ctx: &Context<'_>,
        input: PublishPostInput,
    ) -> ApiResult<PostPayload> {
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        require_on_post(
            ctx,
            &post,
            Action::Edit,
            "Only the author publishes a post.",
        )
        .await?;
        if post.is_live() {
            return Err(ApiError::Conflict("This post is already published.".into()));
        }
        let at = publication_time(false, input.publish_at)?.unwrap_or_else(Utc::now);
        let services = ctx.services().clone();
        let post = ctx
            .conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                let post = model::set_published_at(conn, post.id, at).await?;
                service::announce(conn, &services, &post).await?;
                Ok(post)
            })
            .await?;
        Ok(PostPayload { post })
    }

    /// Votes in a post's poll; voting again replaces the earlier vote until the poll closes.
    async fn vote(&self, ctx: &Context<'_>, input: VoteInput) -> ApiResult<PostPayload> {
        let viewer = ctx.viewer()?;
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        let mut conn = ctx.conn().await?;
        let (poll, options) = polls::find(&mut conn, post.id)
            .await?
            .ok_or_else(|| ApiError::bad_input("postId", "this post has no poll"))?;
        if let Some(closed_at) = poll.closed_at() {
            return Err(ApiError::Conflict(format!(
                "This poll closed on {}; it takes no more votes.",
                closed_at.format("%Y-%m-%d at %H:%M UTC")
            )));
        }
        let mut chosen = Vec::with_capacity(input.option_ids.len());
        for id in &input.option_ids {
            let option = ids::decode_as(id, POLL_OPTION_TYPE, "optionIds")?;
            if !options.iter().any(|o| o.id == option) {
                return Err(ApiError::bad_input(
                    "optionIds",
                    "not an option of this poll",
                ));
            }
            if !chosen.contains(&option) {
                chosen.push(option);
            }
        }
        if chosen.is_empty() || (!poll.multiple_choice && chosen.len() > 1) {
            let rule = if poll.multiple_choice {
                "choose at least one option"
            } else {
                "choose exactly one option"
            };
            return Err(ApiError::bad_input("optionIds", rule));
        }
        conn.transaction::<_, ApiError, _>(async |conn| {
            polls::vote(conn, &poll, viewer.id(), &chosen).await
        })
        .await?;
        // Recording loads the post's audience on other connections: hold none meanwhile.
        drop(conn);
        record_on_post(ctx, &post, ActivityKind::Voted).await?;
        Ok(PostPayload { post })
    }

    /// Confirms the viewer read an announcement; twice is once.
    async fn acknowledge_post(
        &self,
        ctx: &Context<'_>,
        input: AcknowledgePostInput,
    ) -> ApiResult<PostPayload> {
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        if !post.requires_acknowledgement {
            return Err(ApiError::bad_input(
                "postId",
                "this post does not ask for acknowledgement",
            ));
        }
        model::acknowledge(&mut *ctx.conn().await?, post.id, ctx.viewer()?.id()).await?;
        record_on_post(ctx, &post, ActivityKind::Acknowledged).await?;
        Ok(PostPayload { post })
    }

    /// Comments on a post the viewer may read.
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        input: AddCommentInput,
    ) -> ApiResult<CommentPayload> {
        let viewer = ctx.viewer()?;
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        // One comments on what one has read.
        record_reading(ctx, &post).await?;
        let body = body("body", &input.body)?;
        let attachment_ids = attachments::parse_ids(&input.attachment_ids)?;
        let mut conn = ctx.conn().await?;
        let parent = match &input.reply_to_id {
            Some(id) => {
                let parent =
                    model::find_comment(&mut conn, ids::decode_as(id, COMMENT_TYPE, "replyToId")?)
                        .await?
                        .filter(|c| c.post_id == post.id && c.deleted_at.is_none())
                        .ok_or(ApiError::NotFound(COMMENT_TYPE))?;
                if parent.parent_id.is_some() {
                    return Err(ApiError::bad_input(
                        "replyToId",
                        "replies go to top-level comments (one level)",
                    ));
                }
                Some(parent.id)
            }
            None => None,
        };
        let services = ctx.services().clone();
        let comment = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let comment =
                    model::insert_comment(conn, post.id, parent, viewer.id(), &body).await?;
                let subject = Subject::comment(comment.id);
                attachments::set(conn, subject, &attachment_ids, viewer.id()).await?;
                let event = Event::CommentAdded {
                    post_id: post.id,
                    comment_id: comment.id,
                };
                services.events.publish(conn, &event).await?;
                let trigger = Trigger::CommentAdded {
                    comment_id: comment.id,
                };
                triggers::enqueue(conn, trigger).await?;
                Ok(comment)
            })
            .await?;
        // Recording loads the post's audience on other connections: hold none meanwhile.
        drop(conn);
        record_on_post(ctx, &post, ActivityKind::Commented).await?;
        Ok(CommentPayload { comment })
    }

    /// Changes the viewer's own comment.
    async fn update_comment(
        &self,
        ctx: &Context<'_>,
        input: UpdateCommentInput,
    ) -> ApiResult<CommentPayload> {
        let viewer = ctx.viewer()?;
        let (comment, _) = own_comment(ctx, &input.comment_id, false).await?;
        let body = body("body", &input.body)?;
        let attachment_ids = input
            .attachment_ids
            .as_deref()
            .map(attachments::parse_ids)
            .transpose()?;
        let comment = ctx
            .conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                if let Some(ids) = &attachment_ids {
                    attachments::set(conn, Subject::comment(comment.id), ids, viewer.id()).await?;
                }
                model::update_comment(conn, comment.id, &body).await
            })
            .await?;
        Ok(CommentPayload { comment })
    }

    /// Removes a comment (its author, or whoever may delete the post).
    async fn delete_comment(
        &self,
        ctx: &Context<'_>,
        input: DeleteCommentInput,
    ) -> ApiResult<DeleteCommentPayload> {
        let (comment, post) = own_comment(ctx, &input.comment_id, true).await?;
        let target = Change::of(COMMENT_TYPE, comment.id).before(&comment)?;
        let moderation = moderation(ctx, &post, comment.author_id, target).await?;
        ctx.conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                model::soft_delete_comment(conn, comment.id).await?;
                if let Some((audit, change)) = moderation {
                    audit.record(conn, change).await?;
                }
                Ok(())
            })
            .await?;
        Ok(DeleteCommentPayload {
            deleted_comment_id: input.comment_id,
        })
    }

    /// Reacts to a post or comment; the same emoji twice changes nothing.
    async fn add_reaction(
        &self,
        ctx: &Context<'_>,
        input: ReactionInput,
    ) -> ApiResult<ReactionPayload> {
        change_reaction(ctx, input, true).await
    }

    async fn remove_reaction(
        &self,
        ctx: &Context<'_>,
        input: ReactionInput,
    ) -> ApiResult<ReactionPayload> {
        change_reaction(ctx, input, false).await
    }
}

/// Checks the subject is a post or comment the viewer may read, then adds or removes the reaction.
async fn change_reaction(
    ctx: &Context<'_>,
    input: ReactionInput,
    add: bool,
) -> ApiResult<ReactionPayload> {
    let viewer = ctx.viewer()?;
    let emoji = emoji(&input.emoji)?;
    let (subject, post) = subject_post(ctx, &input.subject_id).await?;
    let kind = if subject == post.id {
        SubjectKind::Post
    } else {
        SubjectKind::Comment
    };
    let services = ctx.services().clone();
    let reactions = {
        let mut conn = ctx.conn().await?;
        conn.transaction::<_, ApiError, _>(async |conn| {
            if add {
                if model::react(conn, subject, kind, viewer.id(), &emoji).await? {
                    let trigger = Trigger::Reacted {
                        subject_id: subject,
                        user_id: viewer.id(),
                    };
                    triggers::enqueue(conn, trigger).await?;
                }
            } else {
                model::unreact(conn, subject, viewer.id(), &emoji).await?;
            }
            services
                .events
                .publish(
                    conn,
                    &Event::ReactionsChanged {
                        subject_id: subject,
                    },
                )
                .await
        })
        .await?;
        model::reaction_summaries(&mut conn, &[subject], viewer.id())
            .await?
            .remove(&subject)
            .unwrap_or_default()
    };
    // Recording loads the post's audience on other connections: none is held here.
    if add {
        record_on_post(ctx, &post, ActivityKind::Reacted).await?;
    }
    Ok(ReactionPayload {
        subject_id: input.subject_id,
        reactions,
    })
}

/// The post a reaction subject belongs to: the post itself, or a comment's post.
async fn subject_post(ctx: &Context<'_>, subject: &ID) -> ApiResult<(Uuid, Post)> {
    match ids::decode(subject, "subjectId")? {
        (kind, id) if kind == TYPE_NAME => Ok((id, load_visible(ctx, id).await?)),
        (kind, id) if kind == COMMENT_TYPE => {
            let comment = model::find_comment(&mut *ctx.conn().await?, id)
                .await?
                .filter(|c| c.deleted_at.is_none())
                .ok_or(ApiError::NotFound(COMMENT_TYPE))?;
            let post = load_visible(ctx, comment.post_id)
                .await
                .map_err(|_| ApiError::NotFound(COMMENT_TYPE))?;
            Ok((id, post))
        }
        _ => Err(ApiError::NotFound(TYPE_NAME)),
    }
}

#[derive(Default)]
pub struct PostSubscription;

#[Subscription]
impl PostSubscription {
    /// New posts the viewer may read (only one group's with `groupId`), from any server instance.
    async fn post_published(
        &self,
        ctx: &Context<'_>,
        group_id: Option<ID>,
    ) -> Result<impl Stream<Item = ApiResult<Post>> + use<>, ApiError> {
        let viewer = ctx.viewer()?.clone();
        let group = match &group_id {
            Some(id) => {
                let group = crate::groups::graphql::load_visible(
                    ctx,
                    ids::decode_as(id, crate::groups::graphql::TYPE_NAME, "groupId")?,
                )
                .await?;
                policy::require(
                    &viewer,
                    Action::ViewContent,
                    Resource::Group(&group),
                    crate::groups::graphql::TYPE_NAME,
                    "Only members read this group's posts.",
                )?;
                Some(group.group.id)
            }
            None => None,
        };
        let services = ctx.services().clone();
        let events = services
            .events
            .subscribe_matching(|event| matches!(event, Event::PostPublished { .. }));
        Ok(reauthorized(
            events,
            services,
            viewer,
            move |conn, viewer, event| {
                Box::pin(async move {
                    let Event::PostPublished { id } = event else {
                        return Ok(None);
                    };
                    let Some(post) = service::readable(conn, viewer, *id).await? else {
                        return Ok(None);
                    };
                    if let Some(group) = group
                        && !model::audience_of(conn, post.id).await?.contains(&group)
                    {
                        return Ok(None);
                    }
                    Ok(Some(post))
                })
            },
        ))
    }

    /// The post each time it is edited; NOT_FOUND once it is deleted or no longer readable.
    async fn post_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<impl Stream<Item = ApiResult<Post>> + use<>, ApiError> {
        let post_id = load_visible(ctx, ids::decode_as(&id, TYPE_NAME, "id")?)
            .await?
            .id;
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(
            move |event| matches!(event, Event::PostUpdated { id } if *id == post_id),
        );
        Ok(reauthorized(
            events,
            services,
            ctx.viewer()?.clone(),
            move |conn, viewer, _| {
                Box::pin(async move {
                    service::readable(conn, viewer, post_id)
                        .await?
                        .map(Some)
                        .ok_or(ApiError::NotFound(TYPE_NAME))
                })
            },
        ))
    }

    /// Each new comment on a post.
    async fn comment_added(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<Comment>> + use<>, ApiError> {
        let post_id = load_visible(ctx, ids::decode_as(&post_id, TYPE_NAME, "postId")?)
            .await?
            .id;
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(
            move |event| matches!(event, Event::CommentAdded { post_id: post, .. } if *post == post_id),
        );
        Ok(reauthorized(
            events,
            services,
            ctx.viewer()?.clone(),
            move |conn, viewer, event| {
                Box::pin(async move {
                    let Event::CommentAdded { comment_id, .. } = event else {
                        return Ok(None);
                    };
                    if service::readable(conn, viewer, post_id).await?.is_none() {
                        return Ok(None);
                    }
                    model::find_comment(conn, *comment_id).await
                })
            },
        ))
    }

    /// The reactions of a post or comment each time they change.
    async fn reactions_changed(
        &self,
        ctx: &Context<'_>,
        subject_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<ReactionPayload>> + use<>, ApiError> {
        let (subject, post) = subject_post(ctx, &subject_id).await?;
        let post = post.id;
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(
            move |event| matches!(event, Event::ReactionsChanged { subject_id } if *subject_id == subject),
        );
        Ok(reauthorized(
            events,
            services,
            ctx.viewer()?.clone(),
            move |conn, viewer, _| {
                let subject_id = subject_id.clone();
                Box::pin(async move {
                    if service::readable(conn, viewer, post).await?.is_none() {
                        return Ok(None);
                    }
                    let reactions = model::reaction_summaries(conn, &[subject], viewer.id())
                        .await?
                        .remove(&subject)
                        .unwrap_or_default();
                    Ok(Some(ReactionPayload {
                        subject_id,
                        reactions,
                    }))
                })
            },
        ))
    }
}
