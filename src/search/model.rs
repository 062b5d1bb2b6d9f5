//! The search statements over `search_entries` (kept by the triggers of the search migration):
//! a page of hits, best first, with their highlights; and how many hits each type has. Both
//! filter by the policy's keys in SQL (`policy::search`), so nothing hidden is counted or ranked.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{
    Array, BigInt, Bool, Float4, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::query::ParsedQuery;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Order, Page, PageRequest};
use crate::policy::search::{Sight, VIEWER_KEYS_SQL, visible_sql};

crate::text_enum! {
    /// What a search hit is.
    pub enum Kind {
        Person => "person",
        Group => "group",
        Post => "post",
        Comment => "comment",
        Event => "event",
        File => "file",
        Message => "message",
    }
}

/// What a search is narrowed to, besides its words.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Only these types (every type when `None`).
    pub kinds: Option<Vec<Kind>>,
    /// Only what is in this group (the group itself, its members, its posts, events, files and
    /// rooms' messages).
    pub group: Option<Uuid>,
    /// Only what this person wrote, created or uploaded.
    pub author: Option<Uuid>,
    /// Only what happened (was published, created, starts) from this time ...
    pub from: Option<DateTime<Utc>>,
    /// ... and before this one.
    pub to: Option<DateTime<Utc>>,
}

/// One thing found.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub item_id: Uuid,
    pub score: f32,
    /// Its title with the matched words marked, when they are in it.
    pub title_highlight: Option<String>,
    /// Passages of its text around the matched words.
    pub body_highlights: Vec<String>,
}

/// The cursor of a search: score, then id.
pub type HitCursor = (f32, Uuid);

/// Marks around matched words in `ts_headline`'s output, and between its passages: characters
/// no indexed text holds (they are taken out before highlighting), so that the text around them
/// can be escaped as HTML and they alone become `<mark>`s.
pub const MARK_START: char = '\u{1}';
pub const MARK_END: char = '\u{2}';
pub const PASSAGE_BREAK: char = '\u{3}';

/// The statement's parameters: `$1` to `$3` the viewer's (see `VIEWER_KEYS_SQL`), `$4` the
/// parsed query, `$5` the words for typos (NULL when the query has more than words), `$6` and
/// `$7` the cursor, `$8` on the filters. Every parameter is bound whether the text uses it or
/// not; the text has only the conditions in use, so that PostgreSQL plans each search for what
/// it looks for (a generic plan cannot know how many entries a word matches).
fn matching_sql(query: &ParsedQuery, filter: &SearchFilter, by_kind: bool) -> String {
    let typos = if query.plain_words().is_some() {
        // Names and titles within a few typos: the trigram index finds candidates, the edit
        // distance decides.
        " OR (array_to_string(words.written, ' ') <% d.title_words
              AND parvis_typo_match(d.title_words, words.written))"
    } else {
        ""
    };
    let mut conditions = vec![
        format!("(d.document @@ words.query{typos})"),
        visible_sql("d", "viewer.keys"),
    ];
    let filters = [
        (by_kind && filter.kinds.is_some(), "d.kind = ANY($8)"),
        (filter.group.is_some(), "$9 = ANY(d.group_ids)"),
        (filter.author.is_some(), "d.author_id = $10"),
        (filter.from.is_some(), "d.happened_at >= $11"),
        (filter.to.is_some(), "d.happened_at < $12"),
    ];
    conditions.extend(
        filters
            .into_iter()
            .filter(|(used, _)| *used)
            .map(|(_, condition)| condition.to_owned()),
    );
    format!(
        "WITH viewer AS (SELECT {VIEWER_KEYS_SQL} AS keys),
              words AS (SELECT parvis_search_query($4) AS query,
                               ARRAY(SELECT parvis_fold(w) FROM unnest($5::text[]) w)
                                   AS written)
         SELECT d.kind, d.item_id, d.title, words.query,
                (coalesce(ts_rank(d.document, words.query, 1), 0)
                 + coalesce(word_similarity(array_to_string(words.written, ' '), d.title_words),
                            0) / 10)::real AS score
         FROM search_entries d, viewer, words
         WHERE {}",
        conditions.join("\n           AND ")
    )
}

/// The statement `sql` (on `matching_sql`) with its parameters bound.
fn bound(
    sql: String,
    sight: Sight,
    query: &ParsedQuery,
    filter: &SearchFilter,
    cursor: Option<HitCursor>,
) -> ApiResult<BoxedSqlQuery<'static, Pg, SqlQuery>> {
    let clauses = serde_json::to_value(&query.clauses).map_err(ApiError::internal)?;
    let kinds: Option<Vec<&'static str>> = filter
        .kinds
        .as_ref()
        .map(|kinds| kinds.iter().map(|kind| kind.as_db()).collect());
    let (cursor_score, cursor_id) = cursor.unzip();
    Ok(diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(sight.viewer)
        .bind::<Bool, _>(sight.guest)
        .bind::<Bool, _>(sight.admin)
        .bind::<Jsonb, _>(clauses)
        .bind::<Nullable<Array<Text>>, _>(query.plain_words())
        .bind::<Nullable<Float4>, _>(cursor_score)
        .bind::<Nullable<SqlUuid>, _>(cursor_id)
        .bind::<Nullable<Array<Text>>, _>(kinds)
        .bind::<Nullable<SqlUuid>, _>(filter.group)
        .bind::<Nullable<SqlUuid>, _>(filter.author)
        .bind::<Nullable<Timestamptz>, _>(filter.from)
        .bind::<Nullable<Timestamptz>, _>(filter.to))
}

/// `ts_headline`'s options: the whole title, or two passages of the body.
const TITLE_MARKS: &str = r"E'HighlightAll=true, StartSel=\x01, StopSel=\x02'";
const BODY_MARKS: &str = r"E'MaxFragments=2, MinWords=8, MaxWords=24, StartSel=\x01, StopSel=\x02, FragmentDelimiter=\x03'";

/// The text of `expression` without the characters that mark highlights.
fn unmarked(expression: &str) -> String {
    format!(r"translate({expression}, E'\x01\x02\x03', '')")
}

/// A hit as the statements of `hits_sql` read it.
#[derive(QueryableByName)]
struct HitRow {
    #[diesel(sql_type = Text)]
    kind: Kind,
    #[diesel(sql_type = SqlUuid)]
    item_id: Uuid,
    #[diesel(sql_type = Float4)]
    score: f32,
    #[diesel(sql_type = Nullable<Text>)]
    title: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    body: Option<String>,
}

impl From<HitRow> for Hit {
    fn from(row: HitRow) -> Self {
        Self {
            kind: row.kind,
            item_id: row.item_id,
            score: row.score,
            title_highlight: row.title.filter(|title| title.contains(MARK_START)),
            body_highlights: row
                .body
                .iter()
                .flat_map(|body| body.split(PASSAGE_BREAK))
                .map(str::trim)
                .filter(|passage| !passage.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// The first `limit` hits of `matching` (past `beyond`) in `order`, with their highlights, made
/// for them alone once they are cut.
fn hits_sql(matching: &str, beyond: &str, order: &str, limit: i64) -> String {
    format!(
        "SELECT hit.kind, hit.item_id, hit.score,
                ts_headline('parvis_french', {title}, hit.query, {TITLE_MARKS}) AS title,
                ts_headline('parvis_french', {body}, hit.query, {BODY_MARKS}) AS body
         FROM (SELECT * FROM ({matching}) hit {beyond}
               ORDER BY {order}
               LIMIT {limit}) hit
         ORDER BY {order}",
        title = unmarked("hit.title"),
        body = unmarked("parvis_search_body(hit.kind, hit.item_id)"),
    )
}

/// The statement of a page of hits (see `hits`).
fn page_sql(query: &ParsedQuery, filter: &SearchFilter, page: &PageRequest<HitCursor>) -> String {
    let beyond = match page.cursor {
        Some(_) => format!(
            "WHERE (hit.score, hit.item_id) {} ($6, $7)",
            page.beyond_operator(Order::Descending)
        ),
        None => String::new(),
    };
    hits_sql(
        &matching_sql(query, filter, true),
        &beyond,
        &page.order_by_sql(&["hit.score", "hit.item_id"], Order::Descending),
        page.fetch_limit(),
    )
}

/// One page of hits, best first, each with its highlights: one statement.
pub async fn hits(
    conn: &mut AsyncPgConnection,
    sight: Sight,
    query: &ParsedQuery,
    filter: &SearchFilter,
    page: &PageRequest<HitCursor>,
) -> ApiResult<Page<Hit>> {
    let sql = page_sql(query, filter, page);
    let rows: Vec<HitRow> = bound(sql, sight, query, filter, page.cursor)?
        .load(conn)
        .await?;
    Ok(page.finish(rows.into_iter().map(Hit::from).collect(), 0))
}

/// PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)` of a page's statement, line by line (for
/// benchmarks: the plan the indexes are justified by).
pub async fn explain_hits(
    conn: &mut AsyncPgConnection,
    sight: Sight,
    query: &ParsedQuery,
    filter: &SearchFilter,
    page: &PageRequest<HitCursor>,
) -> ApiResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let sql = format!(
        "EXPLAIN (ANALYZE, BUFFERS) {}",
        page_sql(query, filter, page)
    );
    let lines: Vec<Line> = bound(sql, sight, query, filter, page.cursor)?
        .load(conn)
        .await?;
    Ok(lines.into_iter().map(|line| line.line).collect())
}

/// The first `limit` hits for a search box: people and groups first, then the best of the
/// rest; one statement.
pub async fn suggestions(
    conn: &mut AsyncPgConnection,
    sight: Sight,
    query: &ParsedQuery,
    limit: i64,
) -> ApiResult<Vec<Hit>> {
    let filter = SearchFilter::default();
    let sql = hits_sql(
        &matching_sql(query, &filter, true),
        "",
        "hit.kind IN ('person', 'group') DESC, hit.score DESC, hit.item_id DESC",
        limit,
    );
    let rows: Vec<HitRow> = bound(sql, sight, query, &filter, None)?.load(conn).await?;
    Ok(rows.into_iter().map(Hit::from).collect())
}

/// How many hits each type has, whatever the types asked for (a search page shows a tab for
/// each): one statement.
pub async fn counts(
    conn: &mut AsyncPgConnection,
    sight: Sight,
    query: &ParsedQuery,
    filter: &SearchFilter,
) -> ApiResult<Vec<(Kind, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        kind: Kind,
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let sql = format!(
        "SELECT hit.kind, count(*) AS count FROM ({}) hit GROUP BY hit.kind ORDER BY hit.kind",
        matching_sql(query, filter, false)
    );
    let rows: Vec<Row> = bound(sql, sight, query, filter, None)?.load(conn).await?;
    Ok(rows.into_iter().map(|row| (row.kind, row.count)).collect())
}
