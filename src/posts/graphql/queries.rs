//! The feed, the home screen, drafts and `post(id:)`.

use super::*;

/// Those of `posts` the policy lets the viewer do `action` on (their audiences already loaded).
pub(crate) async fn allowed<'p>(
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

/// A field's arguments as given in the query, variables resolved.
type Arguments = Vec<(Name, Value)>;

/// The page a connection field asks for, as its resolver will parse it (`None` when it cannot:
/// the resolver then reports the error).
pub(super) fn requested_page<K: serde::de::DeserializeOwned>(
    field: &SelectionField<'_>,
) -> Option<(PageRequest<K>, Arguments)> {
    let arguments = field.arguments().ok()?;
    let count = |name| match argument(&arguments, name) {
        Some(Value::Number(n)) => Some(i32::try_from(n.as_i64()?).ok()),
        None | Some(Value::Null) => Some(None),
        Some(_) => None,
    };
    let cursor = |name| match argument(&arguments, name) {
        Some(Value::String(cursor)) => Some(Some(cursor.as_str())),
        None | Some(Value::Null) => Some(None),
        Some(_) => None,
    };
    let page = PageRequest::parse(
        count("first")?,
        cursor("after")?,
        count("last")?,
        cursor("before")?,
    )
    .ok()?;
    Some((page, arguments))
}

pub(super) fn argument<'a>(arguments: &'a [(Name, Value)], name: &str) -> Option<&'a Value> {
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
    /// Posts with a poll.
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

/// Narrows the feed; the conditions given all apply.
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
    /// The group.
    pub group: GroupAccess,
    /// Its published posts the viewer has not opened yet (their own left out).
    pub unread_post_count: i64,
}

pub struct Home;

/// Everything a home screen shows, in one round trip.
#[Object]
impl Home {
    /// The next occurrences of events in the viewer's groups, organization-wide ones and those
    /// they answered, over the next 60 days.
    async fn upcoming_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 5,
            validator(minimum = 1, maximum = 20),
            desc = "How many occurrences to return (1 to 20; default 5)."
        )]
        first: i32,
    ) -> ApiResult<Vec<crate::events_calendar::graphql::EventOccurrence>> {
        crate::events_calendar::loading::upcoming(ctx, first as usize).await
    }
    /// Open surveys asking the viewer that they have not answered yet, newest first.
    async fn pending_surveys(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 5,
            validator(minimum = 1, maximum = 20),
            desc = "How many surveys to return (1 to 20; default 5)."
        )]
        first: i32,
    ) -> ApiResult<Vec<crate::surveys::access::SurveyView>> {
        crate::surveys::loading::pending(ctx, first as usize).await
    }
    /// The posts pinned on the organization's home that the viewer may read, in pin order, with
    /// the announcements the viewer still has to acknowledge first.
    async fn pinned_posts(&self, ctx: &Context<'_>) -> ApiResult<Vec<Post>> {
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        let pinned = model::pinned_posts(&mut conn, None).await?;
        let pinned = service::readable_among(&mut conn, viewer, pinned).await?;
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

    /// The groups the viewer is a member of, by name, with their unread posts.
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
    /// Posts the viewer may read, newest first: their groups' posts and organization-wide ones
    /// (with `groupId`, any group whose content they may read). `totalCount` costs a count of
    /// every readable post: ask for it only when shown.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn feed(
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
        #[graphql(desc = "Narrows the feed to a group, an author or a kind of post.")]
        filter: Option<FeedFilterInput>,
    ) -> ApiResult<PageConnection<Post>> {
        let viewer = ctx.viewer()?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let filter = filter.unwrap_or_default();
        let group = match &filter.group_id {
            Some(id) => Some(readable_group(ctx, id, "filter.groupId").await?),
            None => None,
        };
        let author = filter
            .author_id
            .as_ref()
            .map(|id| ids::decode_as(id, crate::users::TYPE_NAME, "filter.authorId"))
            .transpose()?;
        let feed = FeedFilter {
            viewer: viewer.id(),
            guest: viewer.user.org_role == OrgRole::Guest,
            group,
            author,
            kind: filter.kind.map(PostKind::as_db),
        };
        let with_total = ctx.look_ahead().field("totalCount").exists();
        let (posts, audiences) =
            model::feed_page(&mut *ctx.conn().await?, &feed, &page, with_total).await?;
        super::prefetch::remember_audiences(ctx, audiences).await?;
        super::prefetch::prefetch(ctx, &posts.items).await?;
        Ok(connection(
            posts,
            |p| (p.published_at.unwrap_or(p.created_at), p.id),
            |p| p,
        ))
    }

    /// The home screen: pinned posts, the viewer's groups with unread counts, upcoming events and
    /// surveys to answer (use `feed` in the same query for the first page of posts).
    async fn home(&self, ctx: &Context<'_>) -> ApiResult<Home> {
        ctx.viewer()?;
        Ok(Home)
    }

    /// The viewer's drafts and scheduled posts, newest first.
    async fn drafts(
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
    ) -> ApiResult<PageConnection<Post>> {
        let viewer = ctx.viewer()?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let posts = model::unpublished_page(&mut *ctx.conn().await?, viewer.id(), &page).await?;
        Ok(connection(posts, |p| (p.created_at, p.id), |p| p))
    }

    /// The post with this ID; null with a NOT_FOUND error when it does not exist or the viewer
    /// may not read it. Opening it marks it seen for the viewer (`viewerHasSeen`, unread counts).
    async fn post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post's global ID.")] id: ID,
    ) -> ApiResult<Option<Post>> {
        open(ctx, ids::decode_as(&id, TYPE_NAME, "id")?)
            .await
            .map(Some)
    }
}
