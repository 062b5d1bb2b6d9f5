//! Lists of posts. The feed is filtered by what the viewer may read in SQL (their groups and
//! organization-wide posts), newest first with keyset pagination; drafts are their author's.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::Prepared;
use crate::db::schema::posts;
use crate::error::{ApiError, ApiResult};
use crate::groups::model::{GroupAccess, access_json_sql};
use crate::pagination::{Order, Page, PageRequest};

use super::Post;

/// Who can read a feed, and what part of it.
#[derive(Debug, Clone)]
pub struct FeedFilter {
    pub viewer: Uuid,
    pub guest: bool,
    /// Only posts in this group (the caller checked the viewer may read it).
    pub group: Option<Uuid>,
    pub author: Option<Uuid>,
    /// `announcement`, `poll` or `integration`; any post when `None`.
    pub kind: Option<&'static str>,
}

pub type FeedCursor = (DateTime<Utc>, Uuid);

/// A statement on the feed's filter: `$1` viewer, `$2` group, `$3` author (bound whether the
/// text uses them or not); the caller's parameters follow from `$4`. Run `Prepared`: the text
/// depends only on which filters are set, never on their values.
fn filtered(sql: String, filter: &FeedFilter) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(filter.viewer)
        .bind::<Nullable<SqlUuid>, _>(filter.group)
        .bind::<Nullable<SqlUuid>, _>(filter.author)
}

/// A post of a feed page with its audience (the groups it was posted in, as the viewer stands
/// towards each: JSON of `GroupAccess`), which deciding what the viewer may do with it needs:
/// read in the same statement.
#[derive(QueryableByName)]
struct FeedRow {
    #[diesel(embed)]
    post: Post,
    #[diesel(sql_type = diesel::sql_types::Text)]
    audience: String,
}

/// One page of the feed, newest first, and the audience of each of its posts with the viewer's
/// access to each group. Counting every readable post is the expensive part of a feed at scale,
/// so it is done only when `with_total` asks for it.
pub async fn feed_page(
    conn: &mut AsyncPgConnection,
    filter: &FeedFilter,
    page: &PageRequest<FeedCursor>,
    with_total: bool,
) -> ApiResult<(Page<Post>, HashMap<Uuid, Vec<GroupAccess>>)> {
    let page_query = page_query(String::new(), filter, page);
    let rows: Vec<FeedRow> = Prepared(page_query).load(conn).await?;
    let mut audiences = HashMap::with_capacity(rows.len());
    let mut posts = Vec::with_capacity(rows.len());
    for row in rows {
        let access: Vec<GroupAccess> =
            serde_json::from_str(&row.audience).map_err(ApiError::internal)?;
        audiences.insert(row.post.id, access);
        posts.push(row.post);
    }
    if !with_total {
        return Ok((page.finish(posts, 0), audiences));
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count_sql = format!(
        "SELECT count(*) AS n FROM posts p
         WHERE p.deleted_at IS NULL AND p.published_at IS NOT NULL AND p.published_at <= now()
           AND {audience} {narrow}",
        audience = audience_sql(filter),
        narrow = narrowing_sql(filter, "p"),
    );
    let total: Count = Prepared(filtered(count_sql, filter))
        .get_result(conn)
        .await?;
    Ok((page.finish(posts, total.n), audiences))
}

/// The statement of a feed page, after `prefix` (`EXPLAIN ...` or nothing), with its parameters
/// (the page's size is part of the text: see `candidates_sql`).
/// The page is chosen from the candidates' keys alone (index-only scans), then only its own posts
/// are read; a post in several of the viewer's groups is a candidate once per group.
fn page_query(
    prefix: String,
    filter: &FeedFilter,
    page: &PageRequest<FeedCursor>,
) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    let (after_at, after_id) = page.cursor.unzip();
    let sql = format!(
        "{prefix}
         SELECT p.id, p.author_id, p.webhook_id, p.integration_name, p.title, p.body, p.body_html,
                p.organization_wide, p.requires_acknowledgement,
                p.published_at, p.edited_at, p.deleted_at, p.created_at,
                {audience} AS audience
         FROM (SELECT DISTINCT candidate.post_id, candidate.listed_at
               FROM ({candidates}) candidate
               ORDER BY {candidate_order}
               LIMIT {limit}) page
         JOIN posts p ON p.id = page.post_id
         WHERE p.deleted_at IS NULL AND p.published_at <= now()
         ORDER BY {order}",
        audience = access_json_sql("p.id"),
        candidates = candidates_sql(filter, page),
        candidate_order = page.order_by_sql(
            &["candidate.listed_at", "candidate.post_id"],
            Order::Descending
        ),
        order = page.order_by_sql(&["p.published_at", "p.id"], Order::Descending),
        limit = page.fetch_limit(),
    );
    filtered(sql, filter)
        .bind::<Nullable<Timestamptz>, _>(after_at)
        .bind::<Nullable<SqlUuid>, _>(after_id)
}

/// PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)` of a feed page's statement, line by line (for
/// benchmarks: the plan the indexes are justified by).
pub async fn explain_feed_page(
    conn: &mut AsyncPgConnection,
    filter: &FeedFilter,
    page: &PageRequest<FeedCursor>,
) -> ApiResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let prefix = "EXPLAIN (ANALYZE, BUFFERS)".to_owned();
    let lines: Vec<Line> = page_query(prefix, filter, page).load(conn).await?;
    Ok(lines.into_iter().map(|line| line.line).collect())
}

/// Whether the viewer may read the post `p` in this feed: in the group asked for, else in one of
/// their groups or (except for guests) organization-wide.
fn audience_sql(filter: &FeedFilter) -> &'static str {
    match (filter.group, filter.guest) {
        (Some(_), _) => {
            "EXISTS (SELECT 1 FROM post_audiences a WHERE a.post_id = p.id AND a.group_id = $2)"
        }
        (None, true) => {
            "EXISTS (SELECT 1 FROM post_audiences a
                     JOIN group_memberships m ON m.group_id = a.group_id AND m.user_id = $1
                     WHERE a.post_id = p.id)"
        }
        (None, false) => {
            "(p.organization_wide
              OR EXISTS (SELECT 1 FROM post_audiences a
                         JOIN group_memberships m ON m.group_id = a.group_id AND m.user_id = $1
                         WHERE a.post_id = p.id))"
        }
    }
}

/// The keys (`post_id`, `listed_at`) a feed page is taken from: at most a page from each
/// source, in feed order past the cursor (`$4`, `$5`). The sources are each audience group (the
/// one asked for, or each of the viewer's), read in `post_audiences_feed_order`, and
/// organization-wide posts, read in `posts_organization_wide_order`. The page is the first
/// of them all, so it misses nothing, and it reads a few rows per group whatever the groups'
/// history. One text per filter combination and page size (written in the text, never bound: a
/// bound limit is unknown to a generic plan, which PostgreSQL then estimates so badly that it
/// plans the statement again on every call), so that each gets a generic plan of its own.
fn candidates_sql(filter: &FeedFilter, page: &PageRequest<FeedCursor>) -> String {
    let beyond = |key: &str| match page.cursor {
        Some(_) => format!(
            "AND ({key}) {} ($4, $5)",
            page.beyond_operator(Order::Descending)
        ),
        None => String::new(),
    };
    let groups = match filter.group {
        Some(_) => "SELECT $2::uuid AS group_id",
        None => "SELECT m.group_id FROM group_memberships m WHERE m.user_id = $1",
    };
    let narrowed = filter.author.is_some() || filter.kind.is_some();
    let in_groups = format!(
        "SELECT listed.post_id, listed.listed_at FROM ({groups}) audience
         CROSS JOIN LATERAL (
             SELECT a.post_id, a.listed_at FROM post_audiences a {posts}
             WHERE a.group_id = audience.group_id AND a.listed_at IS NOT NULL
               AND a.listed_at <= now()
               {beyond} {narrow}
             ORDER BY {order}
             LIMIT {limit}) listed",
        posts = if narrowed {
            "JOIN posts q ON q.id = a.post_id"
        } else {
            ""
        },
        beyond = beyond("a.listed_at, a.post_id"),
        narrow = narrowing_sql(filter, "q"),
        order = page.order_by_sql(&["a.listed_at", "a.post_id"], Order::Descending),
        limit = page.fetch_limit(),
    );
    if filter.group.is_some() || filter.guest {
        return in_groups;
    }
    format!(
        "{in_groups}
         UNION ALL
         (SELECT o.id, o.published_at FROM posts o
          WHERE o.organization_wide AND o.deleted_at IS NULL AND o.published_at IS NOT NULL
            AND o.published_at <= now()
            {beyond} {narrow}
          ORDER BY {order}
          LIMIT {limit})",
        beyond = beyond("o.published_at, o.id"),
        narrow = narrowing_sql(filter, "o"),
        order = page.order_by_sql(&["o.published_at", "o.id"], Order::Descending),
        limit = page.fetch_limit(),
    )
}

/// The author and kind conditions of `filter` on the posts aliased `post` (empty without them).
fn narrowing_sql(filter: &FeedFilter, post: &str) -> String {
    let mut sql = String::new();
    if filter.author.is_some() {
        sql.push_str(&format!(" AND {post}.author_id = $3"));
    }
    match filter.kind {
        Some("announcement") => sql.push_str(&format!(" AND {post}.requires_acknowledgement")),
        Some("poll") => sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM polls x WHERE x.post_id = {post}.id)"
        )),
        Some("integration") => sql.push_str(&format!(" AND {post}.webhook_id IS NOT NULL")),
        _ => {}
    }
    sql
}

/// The author's drafts and scheduled posts, newest first.
pub async fn unpublished_page(
    conn: &mut AsyncPgConnection,
    author: Uuid,
    page: &PageRequest<(DateTime<Utc>, Uuid)>,
) -> ApiResult<Page<Post>> {
    let base = || {
        posts::table
            .filter(posts::author_id.eq(author))
            .filter(posts::deleted_at.is_null())
            .filter(
                posts::published_at
                    .is_null()
                    .or(posts::published_at.gt(Utc::now())),
            )
            .into_boxed()
    };
    let mut query = base()
        .select(Post::as_select())
        .order(page.order_by(&["posts.created_at", "posts.id"], Order::Descending))
        .limit(page.fetch_limit());
    if let Some(beyond) = page.beyond_cursor("posts.created_at, posts.id", Order::Descending) {
        query = query.filter(beyond);
    }
    let rows = query.load(conn).await?;
    let total = base().count().get_result(conn).await?;
    Ok(page.finish(rows, total))
}
