//! The post tables and the queries on them. The feed is filtered by what the viewer may read in
//! SQL (their groups and organisation-wide posts), newest first with keyset pagination.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{
    comment_mentions, comments, post_acknowledgements, post_audiences, post_group_mentions,
    post_mentions, post_pins, post_versions, post_views, posts, reactions, users,
};
use crate::error::ApiResult;
use crate::pagination::{Page, PageRequest, PerParentRow};
use crate::users::UserStatus;

mod marks;
mod pins;

pub use marks::*;
pub use pins::*;

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = posts, check_for_backend(diesel::pg::Pg))]
pub struct Post {
    pub id: Uuid,
    pub author_id: Option<Uuid>,
    pub webhook_id: Option<Uuid>,
    pub integration_name: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub body_html: String,
    pub organisation_wide: bool,
    pub requires_acknowledgement: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Post {
    /// Published and not in the future.
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none() && self.published_at.is_some_and(|at| at <= Utc::now())
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = posts)]
pub struct NewPost {
    pub id: Uuid,
    pub author_id: Option<Uuid>,
    pub webhook_id: Option<Uuid>,
    pub integration_name: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub body_html: String,
    pub organisation_wide: bool,
    pub requires_acknowledgement: bool,
    pub published_at: Option<DateTime<Utc>>,
}

/// Inserts a post with its audiences and mentions.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    post: &NewPost,
    groups: &[Uuid],
    mentioned: &[Uuid],
) -> ApiResult<Post> {
    let post_row = diesel::insert_into(posts::table)
        .values(post)
        .returning(Post::as_returning())
        .get_result(conn)
        .await?;
    let audiences: Vec<_> = groups
        .iter()
        .map(|group| {
            (
                post_audiences::post_id.eq(post.id),
                post_audiences::group_id.eq(*group),
            )
        })
        .collect();
    diesel::insert_into(post_audiences::table)
        .values(audiences)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    replace_mentions(conn, post.id, mentioned).await?;
    Ok(post_row)
}

/// Makes `mentioned` the post's mentions; returns those who were not mentioned before.
pub async fn replace_mentions(
    conn: &mut AsyncPgConnection,
    post: Uuid,
    mentioned: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    diesel::delete(
        post_mentions::table
            .filter(post_mentions::post_id.eq(post))
            .filter(post_mentions::user_id.ne_all(mentioned)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = mentioned
        .iter()
        .map(|user| {
            (
                post_mentions::post_id.eq(post),
                post_mentions::user_id.eq(*user),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    Ok(diesel::insert_into(post_mentions::table)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(post_mentions::user_id)
        .get_results(conn)
        .await?)
}

/// Who mentions groups as a whole.
#[derive(Debug, Clone, Copy)]
pub enum Mentioner {
    /// A person: the groups they manage, or any group for org admins.
    Person { id: Uuid, admin: bool },
    /// An integration: the group it posts into.
    Integration { group: Uuid },
}

/// Groups named by `@group-slug` in a text that `mentioner` may mention as a whole.
pub async fn mentionable_groups(
    conn: &mut AsyncPgConnection,
    text: &str,
    mentioner: Mentioner,
) -> ApiResult<Vec<Uuid>> {
    let handles = mention_handles(text);
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    let (person, admin, group) = match mentioner {
        Mentioner::Person { id, admin } => (Some(id), admin, None),
        Mentioner::Integration { group } => (None, false, Some(group)),
    };
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT g.id FROM groups g
         WHERE lower(g.slug) = ANY($1)
           AND ($3 OR g.id = $4
                OR EXISTS (SELECT 1 FROM group_memberships m
                           WHERE m.group_id = g.id AND m.user_id = $2 AND m.role IN ('owner', 'manager')))",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&handles)
    .bind::<Nullable<SqlUuid>, _>(person)
    .bind::<Bool, _>(admin)
    .bind::<Nullable<SqlUuid>, _>(group)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

pub async fn replace_group_mentions(
    conn: &mut AsyncPgConnection,
    post: Uuid,
    groups: &[Uuid],
) -> ApiResult<()> {
    diesel::delete(post_group_mentions::table.filter(post_group_mentions::post_id.eq(post)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = groups
        .iter()
        .map(|group| {
            (
                post_group_mentions::post_id.eq(post),
                post_group_mentions::group_id.eq(*group),
            )
        })
        .collect();
    diesel::insert_into(post_group_mentions::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Active people named by `@username` in a text.
pub async fn mentioned_users(conn: &mut AsyncPgConnection, text: &str) -> ApiResult<Vec<Uuid>> {
    let usernames = mention_handles(text);
    if usernames.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .filter(users::username.eq_any(usernames))
        .filter(users::status.eq(UserStatus::Active))
        .select(users::id)
        .load(conn)
        .await?)
}

/// The `@handles` of a text, lower-cased: `@` at a word start (so not in an email address), then
/// username characters.
pub fn mention_handles(text: &str) -> Vec<String> {
    let mut handles = Vec::new();
    let mut previous = ' ';
    for (index, c) in text.char_indices() {
        if c == '@' && !previous.is_alphanumeric() {
            let rest = &text[index + 1..];
            let handle: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            let handle = handle.trim_end_matches(['.', '-', '_']).to_lowercase();
            if handle.len() >= 2 && !handles.contains(&handle) {
                handles.push(handle);
            }
        }
        previous = c;
    }
    handles
}

pub async fn count_all(conn: &mut AsyncPgConnection) -> ApiResult<i64> {
    Ok(posts::table.count().get_result(conn).await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Post>> {
    Ok(posts::table
        .find(id)
        .select(Post::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The audiences (group ids) of each post.
pub async fn audiences(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<Uuid>>> {
    let rows: Vec<(Uuid, Uuid)> = post_audiences::table
        .filter(post_audiences::post_id.eq_any(posts))
        .select((post_audiences::post_id, post_audiences::group_id))
        .load(conn)
        .await?;
    let mut by_post: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (post, group) in rows {
        by_post.entry(post).or_default().push(group);
    }
    Ok(by_post)
}

/// The audience (group ids) of one post: none for an organisation-wide post.
pub async fn audience_of(conn: &mut AsyncPgConnection, post: Uuid) -> ApiResult<Vec<Uuid>> {
    Ok(audiences(conn, &[post])
        .await?
        .remove(&post)
        .unwrap_or_default())
}

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

/// `$1` viewer, `$2` guest, `$3` group, `$4` author, `$5` kind of post.
const FEED_WHERE: &str = "
    WHERE p.deleted_at IS NULL AND p.published_at IS NOT NULL AND p.published_at <= now()
      AND (CASE WHEN $3::uuid IS NULL THEN
             (p.organisation_wide AND NOT $2)
             OR EXISTS (SELECT 1 FROM post_audiences a
                        JOIN group_memberships m ON m.group_id = a.group_id AND m.user_id = $1
                        WHERE a.post_id = p.id)
           ELSE EXISTS (SELECT 1 FROM post_audiences a WHERE a.post_id = p.id AND a.group_id = $3)
           END)
      AND ($4::uuid IS NULL OR p.author_id = $4)
      AND CASE $5::text
            WHEN 'announcement' THEN p.requires_acknowledgement
            WHEN 'poll' THEN EXISTS (SELECT 1 FROM polls q WHERE q.post_id = p.id)
            WHEN 'integration' THEN p.webhook_id IS NOT NULL
            ELSE true
          END";

/// One page of the feed, newest first. Counting every readable post is the expensive part of a
/// feed at scale, so it is done only when `with_total` asks for it.
pub async fn feed_page(
    conn: &mut AsyncPgConnection,
    filter: &FeedFilter,
    page: &PageRequest<FeedCursor>,
    with_total: bool,
) -> ApiResult<Page<Post>> {
    let (after_at, after_id) = page.after.unzip();
    let rows: Vec<Post> = diesel::sql_query(format!(
        "SELECT p.id, p.author_id, p.webhook_id, p.integration_name, p.title, p.body, p.body_html,
                p.organisation_wide, p.requires_acknowledgement,
                p.published_at, p.edited_at, p.deleted_at, p.created_at
         FROM posts p {FEED_WHERE}
           AND ($6::timestamptz IS NULL OR (p.published_at, p.id) < ($6, $7))
         ORDER BY p.published_at DESC, p.id DESC
         LIMIT $8"
    ))
    .bind::<SqlUuid, _>(filter.viewer)
    .bind::<Bool, _>(filter.guest)
    .bind::<Nullable<SqlUuid>, _>(filter.group)
    .bind::<Nullable<SqlUuid>, _>(filter.author)
    .bind::<Nullable<diesel::sql_types::Text>, _>(filter.kind)
    .bind::<Nullable<Timestamptz>, _>(after_at)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .bind::<diesel::sql_types::BigInt, _>(page.fetch_limit())
    .load(conn)
    .await?;
    if !with_total {
        return Ok(page.finish(rows, 0));
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let total: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM posts p {FEED_WHERE}"))
        .bind::<SqlUuid, _>(filter.viewer)
        .bind::<Bool, _>(filter.guest)
        .bind::<Nullable<SqlUuid>, _>(filter.group)
        .bind::<Nullable<SqlUuid>, _>(filter.author)
        .bind::<Nullable<diesel::sql_types::Text>, _>(filter.kind)
        .get_result(conn)
        .await?;
    Ok(page.finish(rows, total.n))
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = posts)]
pub struct PostChanges {
    pub title: Option<Option<String>>,
    pub body: Option<String>,
    pub body_html: Option<String>,
    pub edited_at: Option<DateTime<Utc>>,
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &PostChanges,
) -> ApiResult<Post> {
    Ok(diesel::update(posts::table.find(id))
        .set(changes)
        .returning(Post::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid, by: Uuid) -> ApiResult<()> {
    diesel::update(posts::table.find(id).filter(posts::deleted_at.is_null()))
        .set((
            posts::deleted_at.eq(Some(Utc::now())),
            posts::deleted_by.eq(Some(by)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = comments, check_for_backend(diesel::pg::Pg))]
pub struct Comment {
    pub id: Uuid,
    pub post_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub body: String,
    pub body_html: String,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_comment(
    conn: &mut AsyncPgConnection,
    post: Uuid,
    parent: Option<Uuid>,
    author: Uuid,
    body: &str,
) -> ApiResult<Comment> {
    let comment = diesel::insert_into(comments::table)
        .values((
            comments::id.eq(Uuid::now_v7()),
            comments::post_id.eq(post),
            comments::parent_id.eq(parent),
            comments::author_id.eq(Some(author)),
            comments::body.eq(body),
            comments::body_html.eq(crate::markdown::to_safe_html(body)),
        ))
        .returning(Comment::as_returning())
        .get_result(conn)
        .await?;
    replace_comment_mentions(conn, &comment).await?;
    Ok(comment)
}

/// Replaces the people a comment mentions.
pub async fn replace_comment_mentions(
    conn: &mut AsyncPgConnection,
    comment: &Comment,
) -> ApiResult<()> {
    diesel::delete(comment_mentions::table.filter(comment_mentions::comment_id.eq(comment.id)))
        .execute(conn)
        .await?;
    let mentioned = mentioned_users(conn, &comment.body).await?;
    let rows: Vec<_> = mentioned
        .iter()
        .map(|user| {
            (
                comment_mentions::comment_id.eq(comment.id),
                comment_mentions::user_id.eq(*user),
            )
        })
        .collect();
    diesel::insert_into(comment_mentions::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_comment(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    body: &str,
) -> ApiResult<Comment> {
    Ok(diesel::update(comments::table.find(id))
        .set((
            comments::body.eq(body),
            comments::body_html.eq(crate::markdown::to_safe_html(body)),
            comments::edited_at.eq(Some(Utc::now())),
        ))
        .returning(Comment::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn soft_delete_comment(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    diesel::update(comments::table.find(id))
        .set(comments::deleted_at.eq(Some(Utc::now())))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_comment(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Comment>> {
    Ok(comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub type CommentCursor = (DateTime<Utc>, Uuid);

/// A page of each post's comments, oldest first.
pub async fn comment_pages(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
    page: &PageRequest<CommentCursor>,
) -> ApiResult<HashMap<Uuid, Page<Comment>>> {
    let (after_at, after_id) = page.after.unzip();
    let rows: Vec<PerParentRow<Comment>> = diesel::sql_query(page.per_parent_sql(
        "SELECT c.id, c.post_id, c.parent_id, c.author_id, c.body, c.body_html, c.edited_at,
                c.deleted_at, c.created_at, c.post_id AS page_parent,
                ($2::timestamptz IS NULL OR (c.created_at, c.id) > ($2, $3)) AS page_after
         FROM comments c WHERE c.post_id = ANY($1) AND c.deleted_at IS NULL",
        "created_at, id",
    ))
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(posts)
    .bind::<Nullable<Timestamptz>, _>(after_at)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .load(conn)
    .await?;
    Ok(page.finish_each(posts, rows))
}

/// For each post: how many comments it has and its latest `latest` ones (oldest of them first).
pub async fn comment_summaries(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
    latest: i64,
) -> ApiResult<HashMap<Uuid, (i64, Vec<Comment>)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        comment: Comment,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rank: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT * FROM (
           SELECT c.id, c.post_id, c.parent_id, c.author_id, c.body, c.body_html, c.edited_at,
                  c.deleted_at, c.created_at,
                  count(*) OVER (PARTITION BY c.post_id) AS total,
                  row_number() OVER (PARTITION BY c.post_id ORDER BY c.created_at DESC, c.id DESC) AS rank
           FROM comments c WHERE c.post_id = ANY($1) AND c.deleted_at IS NULL) ranked
         ORDER BY created_at, id",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(posts)
    .load(conn)
    .await?;
    let mut summaries: HashMap<Uuid, (i64, Vec<Comment>)> = HashMap::new();
    for row in rows {
        let entry = summaries
            .entry(row.comment.post_id)
            .or_insert((row.total, Vec::new()));
        if row.rank <= latest {
            entry.1.push(row.comment);
        }
    }
    Ok(summaries)
}

/// A reaction's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Post,
    Comment,
}

impl SubjectKind {
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Comment => "comment",
        }
    }
}

/// Adds a reaction; reacting twice with the same emoji changes nothing (and returns false).
pub async fn react(
    conn: &mut AsyncPgConnection,
    subject: Uuid,
    kind: SubjectKind,
    user: Uuid,
    emoji: &str,
) -> ApiResult<bool> {
    let added = diesel::insert_into(reactions::table)
        .values((
            reactions::subject_id.eq(subject),
            reactions::subject_kind.eq(kind.as_db()),
            reactions::user_id.eq(user),
            reactions::emoji.eq(emoji),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(added > 0)
}

pub async fn unreact(
    conn: &mut AsyncPgConnection,
    subject: Uuid,
    user: Uuid,
    emoji: &str,
) -> ApiResult<()> {
    diesel::delete(
        reactions::table
            .filter(reactions::subject_id.eq(subject))
            .filter(reactions::user_id.eq(user))
            .filter(reactions::emoji.eq(emoji)),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// For each subject: its reactions by emoji with counts, and whether the viewer used each.
pub async fn reaction_summaries(
    conn: &mut AsyncPgConnection,
    subjects: &[Uuid],
    viewer: Uuid,
) -> ApiResult<HashMap<Uuid, Vec<ReactionCount>>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        subject_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        emoji: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
        #[diesel(sql_type = Bool)]
        mine: bool,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT subject_id, emoji, count(*) AS count, bool_or(user_id = $2) AS mine
         FROM reactions WHERE subject_id = ANY($1)
         GROUP BY subject_id, emoji
         ORDER BY subject_id, count(*) DESC, min(created_at)",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(subjects)
    .bind::<SqlUuid, _>(viewer)
    .load(conn)
    .await?;
    let mut summaries: HashMap<Uuid, Vec<ReactionCount>> = HashMap::new();
    for row in rows {
        summaries
            .entry(row.subject_id)
            .or_default()
            .push(ReactionCount {
                emoji: row.emoji,
                count: row.count,
                viewer_reacted: row.mine,
            });
    }
    Ok(summaries)
}

#[cfg(test)]
mod tests {
    use super::mention_handles;

    #[test]
    fn mentions_are_handles_at_word_starts() {
        assert_eq!(
            mention_handles("Merci @Ada, @jean.dupont. et contact@example.com (@x) @helene-d"),
            ["ada", "jean.dupont", "helene-d"]
        );
    }
}

#[derive(Debug, Clone)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: i64,
    pub viewer_reacted: bool,
}

/// For each of the viewer's groups, the live posts they have not opened (their own excluded).
pub async fn unread_counts(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
) -> ApiResult<Vec<(Uuid, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        group_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unread: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT m.group_id, count(p.id) AS unread
         FROM group_memberships m
         JOIN groups g ON g.id = m.group_id
         LEFT JOIN post_audiences a ON a.group_id = m.group_id
         LEFT JOIN posts p ON p.id = a.post_id AND p.deleted_at IS NULL AND p.published_at <= now()
              AND p.author_id IS DISTINCT FROM $1
              AND NOT EXISTS (SELECT 1 FROM post_views v WHERE v.post_id = p.id AND v.user_id = $1)
         WHERE m.user_id = $1
         GROUP BY m.group_id, g.name
         ORDER BY g.name",
    )
    .bind::<SqlUuid, _>(viewer)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.group_id, row.unread))
        .collect())
}

/// Sets when a draft or scheduled post appears (now or later).
pub async fn set_published_at(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    at: DateTime<Utc>,
) -> ApiResult<Post> {
    Ok(diesel::update(posts::table.find(id))
        .set(posts::published_at.eq(Some(at)))
        .returning(Post::as_returning())
        .get_result(conn)
        .await?)
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
        .order((posts::created_at.desc(), posts::id.desc()))
        .limit(page.fetch_limit());
    if let Some((at, id)) = page.after {
        query = query.filter(
            posts::created_at
                .lt(at)
                .or(posts::created_at.eq(at).and(posts::id.lt(id))),
        );
    }
    let rows = query.load(conn).await?;
    let total = base().count().get_result(conn).await?;
    Ok(page.finish(rows, total))
}

/// What a post said before an edit.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = post_versions, check_for_backend(diesel::pg::Pg))]
pub struct PostVersion {
    pub id: Uuid,
    pub post_id: Uuid,
    pub title: Option<String>,
    pub body: String,
    pub replaced_at: DateTime<Utc>,
}

/// Keeps the current text of a post before it is edited.
pub async fn save_version(conn: &mut AsyncPgConnection, post: &Post) -> ApiResult<()> {
    diesel::insert_into(post_versions::table)
        .values((
            post_versions::id.eq(Uuid::now_v7()),
            post_versions::post_id.eq(post.id),
            post_versions::title.eq(&post.title),
            post_versions::body.eq(&post.body),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Earlier texts of each of `posts`, the latest replaced first (empty for a post never edited).
pub async fn versions_of(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<PostVersion>>> {
    let rows: Vec<PostVersion> = post_versions::table
        .filter(post_versions::post_id.eq_any(posts))
        .order((
            post_versions::post_id,
            post_versions::replaced_at.desc(),
            post_versions::id.desc(),
        ))
        .select(PostVersion::as_select())
        .load(conn)
        .await?;
    let mut versions: HashMap<Uuid, Vec<PostVersion>> =
        posts.iter().map(|post| (*post, Vec::new())).collect();
    for version in rows {
        versions.entry(version.post_id).or_default().push(version);
    }
    Ok(versions)
}
