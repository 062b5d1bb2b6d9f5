//! `search`: one query across everything the viewer may see.

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;

use super::model::{Hit, HitCursor, Kind, SearchFilter};
use super::service::{self, Search};
use crate::analytics::Activity;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::node::{Node, load_found};
use crate::pagination::{Direction, PageRequest, encode_cursor};

/// What a search hit is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "SearchType", remote = "Kind")]
pub enum SearchType {
    /// A person (`User`), by name, username, title, department and site.
    Person,
    /// A group, by name and description.
    Group,
    /// A post, by title and text.
    Post,
    /// A comment, by text.
    Comment,
    /// An event, by title, description and place.
    Event,
    /// A file, by name.
    File,
    /// A chat message, by text.
    Message,
}

/// Narrows a search; the conditions given all apply.
#[derive(InputObject, Default)]
pub struct SearchFilterInput {
    /// Only these types (every type when omitted). `countsByType` still counts every type.
    pub types: Option<Vec<SearchType>>,
    /// Only what is in this group: the group itself, its members, and the posts, events,
    /// files and chat rooms' messages in it.
    pub group_id: Option<ID>,
    /// Only what this person wrote, created or uploaded.
    pub author_id: Option<ID>,
    /// Only what happened from this time on (posts: published; events: starting; others: made).
    pub from: Option<DateTime<Utc>>,
    /// Only what happened before this time.
    pub to: Option<DateTime<Utc>>,
}

impl SearchFilterInput {
    fn read(self) -> ApiResult<SearchFilter> {
        Ok(SearchFilter {
            kinds: self
                .types
                .map(|types| types.into_iter().map(Kind::from).collect()),
            group: self
                .group_id
                .map(|id| ids::decode_as(&id, crate::groups::TYPE_NAME, "filter.groupId"))
                .transpose()?,
            author: self
                .author_id
                .map(|id| ids::decode_as(&id, crate::users::TYPE_NAME, "filter.authorId"))
                .transpose()?,
            from: self.from,
            to: self.to,
        })
    }
}

pub struct SearchHit {
    node: Node,
    kind: Kind,
    item_id: uuid::Uuid,
    score: f32,
    highlights: Vec<String>,
}

/// One thing a search found: what it is, how well it matches and where the words are.
#[Object]
impl SearchHit {
    /// What was found.
    async fn node(&self) -> &Node {
        &self.node
    }

    /// Its type (the tab it belongs in).
    #[graphql(name = "type")]
    async fn kind(&self) -> SearchType {
        self.kind.into()
    }

    /// How well it matches: hits come best first.
    async fn score(&self) -> f64 {
        f64::from(self.score)
    }

    /// Short passages of its title and text with the matched words in `<mark>` and everything
    /// else HTML-escaped, ready to show as HTML. Empty when it was found by a name with a typo.
    async fn highlights(&self) -> &[String] {
        &self.highlights
    }
}

/// How many hits one type has.
#[derive(SimpleObject)]
pub struct SearchTypeCount {
    /// The type.
    #[graphql(name = "type")]
    pub kind: SearchType,
    /// Its hits, across all pages.
    pub count: i64,
}

/// The whole result's counts, read once (and only when asked for).
pub struct SearchResults {
    search: Arc<Search>,
    counts: OnceCell<Vec<(Kind, i64)>>,
}

impl SearchResults {
    async fn counts(&self, ctx: &Context<'_>) -> ApiResult<&[(Kind, i64)]> {
        let counts = self
            .counts
            .get_or_try_init(|| async {
                let mut conn = ctx.conn().await?;
                self.search.counts(&mut conn).await
            })
            .await?;
        Ok(counts)
    }
}

#[Object]
impl SearchResults {
    /// How many hits of the types asked for there are, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.search.total(self.counts(ctx).await?))
    }

    /// How many hits each type has, every type listed (with 0 when none), whatever
    /// `filter.types` asked for: a search page's tabs ("Posts (12) · Files (3)") in one request.
    async fn counts_by_type(&self, ctx: &Context<'_>) -> ApiResult<Vec<SearchTypeCount>> {
        Ok(self
            .counts(ctx)
            .await?
            .iter()
            .map(|(kind, count)| SearchTypeCount {
                kind: (*kind).into(),
                count: *count,
            })
            .collect())
    }
}

pub type SearchConnection = Connection<String, SearchHit, SearchResults>;

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Everything the viewer may see that matches `query`, best first: people, groups, posts,
    /// comments, events, files and chat messages. Words must all be found (in French or
    /// English forms, accents and case aside; the last one may be unfinished); "quoted phrases"
    /// as written; `-word` excludes; `a OR b` takes either. Names and titles are found with a
    /// typo or two. BAD_USER_INPUT for a query with no word to look for or longer than 200
    /// characters.
    // Each argument is one of the field's GraphQL arguments: the query, Relay's four, the filter.
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for (at most 200 characters).")] query: String,
        #[graphql(
            desc = "How many hits to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the hits after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many hits to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the hits before it, paging backwards."
        )]
        before: Option<String>,
        #[graphql(desc = "Narrows the search.")] filter: Option<SearchFilterInput>,
    ) -> ApiResult<SearchConnection> {
        let viewer = ctx.viewer()?;
        let page =
            PageRequest::<HitCursor>::parse(first, after.as_deref(), last, before.as_deref())?;
        let filter = filter.unwrap_or_default().read()?;
        let search = Arc::new(Search::new(viewer, &query, filter)?);
        let hits = {
            let mut conn = ctx.conn().await?;
            search.hits(&mut conn, &page).await?
        };
        if page.cursor.is_none() && page.direction == Direction::Forward {
            // A search counts once, on its first page; one that found nothing keeps its query.
            ctx.record_activity(Activity::search(viewer.id(), &query, hits.items.len()));
        }
        let mut connection = Connection::with_additional_fields(
            hits.has_previous_page,
            hits.has_next_page,
            SearchResults {
                search,
                counts: OnceCell::new(),
            },
        );
        for hit in found(ctx, hits.items).await? {
            let cursor = encode_cursor(&(hit.score, hit.item_id));
            connection.edges.push(Edge::new(cursor, hit));
        }
        Ok(connection)
    }

    /// A quick mixed list for a search box as the viewer types: people and groups first, then
    /// the best of the rest. The same query syntax and rules as `search`.
    async fn search_suggestions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What has been typed so far (at most 200 characters).")] query: String,
        #[graphql(
            desc = "How many suggestions (at most 10; default 5).",
            default = 5,
            validator(minimum = 1, maximum = 10)
        )]
        first: i32,
    ) -> ApiResult<Vec<SearchHit>> {
        let search = Search::new(ctx.viewer()?, &query, SearchFilter::default())?;
        let hits = {
            let mut conn = ctx.conn().await?;
            search.suggestions(&mut conn, first as usize).await?
        };
        found(ctx, hits).await
    }
}

/// The hits as GraphQL shows them, each through its own type's look-up (and the policy), all
/// at once so that the DataLoaders batch them. One gone since it was found is left out.
async fn found(ctx: &Context<'_>, hits: Vec<Hit>) -> ApiResult<Vec<SearchHit>> {
    let nodes = futures::future::join_all(
        hits.iter()
            .map(|hit| load_found(ctx, hit.kind, hit.item_id)),
    )
    .await;
    let mut found = Vec::with_capacity(hits.len());
    for (hit, node) in hits.into_iter().zip(nodes) {
        let node = match node {
            Ok(node) => node,
            Err(ApiError::NotFound(_)) => continue,
            Err(error) => return Err(error),
        };
        found.push(SearchHit {
            highlights: service::highlights(&hit),
            node,
            kind: hit.kind,
            item_id: hit.item_id,
            score: hit.score,
        });
    }
    Ok(found)
}
