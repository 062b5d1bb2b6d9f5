//! Comments on posts, with the people they mention.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::Prepared;
use crate::db::schema::{comment_mentions, comments};
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest, PerParentRow};

use super::mentioned_users;

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
    let (after_at, after_id) = page.cursor.unzip();
    let beyond = page.beyond_operator(Order::Ascending);
    let rows: Vec<PerParentRow<Comment>> = diesel::sql_query(page.per_parent_sql(
        &format!(
            "SELECT c.id, c.post_id, c.parent_id, c.author_id, c.body, c.body_html, c.edited_at,
                    c.deleted_at, c.created_at, c.post_id AS page_parent,
                    ($2::timestamptz IS NULL OR (c.created_at, c.id) {beyond} ($2, $3)) AS page_after
             FROM comments c WHERE c.post_id = ANY($1) AND c.deleted_at IS NULL"
        ),
        &["created_at", "id"],
        Order::Ascending,
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
    let rows: Vec<Row> = Prepared(
    diesel::sql_query(
            "SELECT * FROM (
               SELECT c.id, c.post_id, c.parent_id, c.author_id, c.body, c.body_html, c.edited_at,
                      c.deleted_at, c.created_at,
                      count(*) OVER (PARTITION BY c.post_id) AS total,
                      row_number() OVER (PARTITION BY c.post_id ORDER BY c.created_at DESC, c.id DESC) AS rank
               FROM comments c WHERE c.post_id = ANY($1) AND c.deleted_at IS NULL) ranked
             WHERE rank <= greatest($2, 1)
             ORDER BY created_at, id",
        )
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(posts)
        .bind::<diesel::sql_types::BigInt, _>(latest)
    )
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
