//! The GraphQL types of the news feed: posts, comments, reactions, polls, payloads.

use super::*;

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
    /// Its title then; null when it had none.
    async fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// Its Markdown source then.
    async fn body(&self) -> &str {
        &self.body
    }
    /// That text as sanitized HTML: no scripts, event handlers or unsafe links.
    async fn body_html(&self) -> String {
        crate::markdown::to_safe_html(&self.body)
    }
    /// When the edit replaced this text.
    async fn replaced_at(&self) -> DateTime<Utc> {
        self.replaced_at
    }
}

/// Where a post stands: a draft, scheduled, or out.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum PostStatus {
    /// Seen only by its author until published.
    Draft,
    /// Published at a future time; seen only by its author until then.
    Scheduled,
    /// Out: its audience reads it.
    Published,
}

/// How many people reacted with one emoji.
#[Object(name = "ReactionCount")]
impl ReactionCount {
    /// The emoji, e.g. "👍".
    async fn emoji(&self) -> &str {
        &self.emoji
    }
    /// How many people reacted with it.
    async fn count(&self) -> i64 {
        self.count
    }
    /// Whether the viewer is one of them.
    async fn viewer_reacted(&self) -> bool {
        self.viewer_reacted
    }
}

/// A post in the news feed.
#[Object(name = "Post")]
impl Post {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// Up to 200 characters; null when it has none.
    async fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// Markdown source, as written.
    async fn body(&self) -> &str {
        &self.body
    }
    /// `body` as sanitized HTML: no scripts, event handlers or unsafe links.
    async fn body_html(&self) -> &str {
        &self.body_html
    }
    /// Null for posts by integrations, an author the viewer may not see, or a deleted account.
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::visible_person(ctx, self.author_id).await
    }
    /// For posts published by an integration (a group webhook): its name.
    async fn integration_name(&self) -> Option<&str> {
        self.integration_name.as_deref()
    }
    /// Published to the whole organization (besides any groups).
    async fn organization_wide(&self) -> bool {
        self.organization_wide
    }
    /// The old spelling of `organizationWide`.
    #[graphql(name = "organisationWide", deprecation = "Use `organizationWide`.")]
    async fn deprecated_organization_wide(&self) -> bool {
        self.organization_wide
    }
    /// The groups it was published in that the viewer may see, by name.
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
    /// Draft, scheduled or published (from `publishedAt`).
    async fn status(&self) -> PostStatus {
        match self.published_at {
            None => PostStatus::Draft,
            Some(at) if at > Utc::now() => PostStatus::Scheduled,
            Some(_) => PostStatus::Published,
        }
    }
    /// When its author last edited it; null if never.
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.edited_at
    }
    /// When it was written (a scheduled post appears later, at `publishedAt`).
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// Whether the viewer may edit it (`updatePost`) and publish it (`publishPost`): its author
    /// alone.
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(decide(ctx, self, Action::Edit).await?.allowed())
    }
    /// Whether the viewer may delete it (`deletePost`) and anyone's comments on it: its author, the
    /// managers of its groups and org admins.
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(decide(ctx, self, Action::Delete).await?.allowed())
    }
    /// Reactions by emoji, most used first (the earliest used first on a tie).
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
        attachments::loading::of(ctx, Subject::post(self.id)).await
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
    /// Pinned on the organization's home.
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
    /// Whether the viewer confirmed reading it with `acknowledgePost` (false for posts that do not
    /// ask for it).
    async fn viewer_has_acknowledged(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(viewer_marks(ctx, self.id).await?.acknowledged)
    }
    /// How many of its audience (the people it is addressed to, its author aside) acknowledged it
    /// (the author and org admins; FORBIDDEN for anyone else); null for posts that do not ask
    /// for acknowledgement.
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
    /// author and org admins; FORBIDDEN for anyone else), among the people the viewer may see in
    /// the directory.
    async fn acknowledgements(
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
        #[graphql(
            default = true,
            desc = "True (the default) lists who acknowledged it; false, who has not yet."
        )]
        acknowledged: bool,
    ) -> ApiResult<PageConnection<User>> {
        require_stats_access(ctx, self).await?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
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
    /// How many comments it has, replies included (deleted ones left out).
    async fn comment_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(comment_summary(ctx, self.id).await?.0)
    }
    /// The two latest comments, oldest first (what a feed shows under a post).
    async fn latest_comments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Comment>> {
        Ok(comment_summary(ctx, self.id).await?.1)
    }
    /// All comments, replies included (`replyToId`), oldest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn comments(
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
    ) -> ApiResult<PageConnection<Comment>> {
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
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
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(COMMENT_TYPE, self.id)
    }
    /// The post it is on.
    async fn post(&self, ctx: &Context<'_>) -> ApiResult<Post> {
        super::load_visible(ctx, self.post_id).await
    }
    /// The comment this one answers (one level of replies).
    async fn reply_to_id(&self) -> Option<ID> {
        self.parent_id.map(|id| ids::encode(COMMENT_TYPE, id))
    }
    /// Null for an author the viewer may not see, or a deleted account.
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::visible_person(ctx, self.author_id).await
    }
    /// Markdown source, as written.
    async fn body(&self) -> &str {
        &self.body
    }
    /// `body` as sanitized HTML: no scripts, event handlers or unsafe links.
    async fn body_html(&self) -> &str {
        &self.body_html
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When its author last edited it; null if never.
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.edited_at
    }
    /// Reactions by emoji, most used first (the earliest used first on a tie).
    async fn reactions(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReactionCount>> {
        reactions(ctx, self.id).await
    }
    /// Files attached to the comment, in order.
    async fn attachments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Attachment>> {
        attachments::loading::of(ctx, Subject::comment(self.id)).await
    }
}

/// A poll as the viewer sees it: counts only when its results are visible to them.
#[derive(SimpleObject, Clone)]
pub struct PollView {
    /// Whether voters may choose several options (else exactly one).
    pub multiple_choice: bool,
    /// Whether who voted for what stays hidden (`voters` is then always empty).
    pub anonymous: bool,
    /// When it stops taking votes; null when it stays open.
    pub closes_at: Option<DateTime<Utc>>,
    /// Whether it no longer takes votes (`closesAt` has passed).
    pub closed: bool,
    /// Whether the counts are shown to the viewer now.
    pub results_visible: bool,
    /// People who voted; null while results are hidden.
    pub voter_count: Option<i64>,
    /// Its options, in the order they were given.
    pub options: Vec<PollOptionView>,
    /// The options the viewer chose.
    pub viewer_votes: Vec<ID>,
}

/// One option of a poll, with its votes when the results are visible to the viewer.
#[derive(SimpleObject, Clone)]
#[graphql(name = "PollOption", complex)]
pub struct PollOptionView {
    #[graphql(skip)]
    pub option_id: Uuid,
    /// The option's text.
    pub label: String,
    /// Null while results are hidden.
    pub vote_count: Option<i64>,
    /// Who chose it, among the people the viewer may see in the directory: empty for anonymous
    /// polls and while results are hidden.
    pub voters: Vec<User>,
}

pub const POLL_OPTION_TYPE: &str = "PollOption";

#[ComplexObject]
impl PollOptionView {
    /// The option's ID, for `castVote`'s `optionIds`.
    pub async fn id(&self) -> ID {
        ids::encode(POLL_OPTION_TYPE, self.option_id)
    }
}

/// The result of `deleteComment`.
#[derive(SimpleObject)]
pub struct DeleteCommentPayload {
    /// The ID of the deleted comment.
    pub deleted_comment_id: ID,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The post as it is now.
    pub post: Post,
}
    /// The result of `createPost`: the post, published, scheduled or a draft.
    CreatePostPayload;
    /// The result of `updatePost`: the post with its new text.
    UpdatePostPayload;
    /// The result of `pinPost`: the post, now pinned.
    PinPostPayload;
    /// The result of `unpinPost`: the post, no longer pinned there.
    UnpinPostPayload;
    /// The result of `publishPost`: the post, published or scheduled.
    PublishPostPayload;
    /// The result of `castVote`: the post with its poll as the viewer now sees it.
    CastVotePayload;
    /// The result of `acknowledgePost`: the post, acknowledged by the viewer.
    AcknowledgePostPayload;
}

/// The result of `deletePost`.
#[derive(SimpleObject)]
pub struct DeletePostPayload {
    /// The ID of the deleted post.
    pub deleted_post_id: ID,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The comment as it is now.
    pub comment: Comment,
}
    /// The result of `addComment`: the new comment.
    AddCommentPayload;
    /// The result of `updateComment`: the comment with its new text.
    UpdateCommentPayload;
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The post or comment (the ID given).
    pub subject_id: ID,
    /// Its reactions by emoji, most used first (the earliest used first on a tie).
    pub reactions: Vec<ReactionCount>,
}
    /// The reactions of a post or comment after a change (the `reactionsChanged` subscription).
    ReactionPayload;
    /// The result of `addReaction`: the reactions after it.
    AddReactionPayload;
    /// The result of `removeReaction`: the reactions after it.
    RemoveReactionPayload;
}
