//! The post tables and the queries on them: posts and their audiences here, the rest by theme
//! (the feed, comments, mentions, reactions, pins, views and acknowledgements, earlier versions).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{post_audiences, posts};
use crate::error::ApiResult;

mod comments;
mod feed;
mod marks;
mod mentions;
mod pins;
mod reactions;
mod versions;

pub use comments::*;
pub use feed::*;
pub use marks::*;
pub use mentions::*;
pub use pins::*;
pub use reactions::*;
pub use versions::*;

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
    pub organization_wide: bool,
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
    pub organization_wide: bool,
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

/// The posts among `ids` that exist, in no particular order.
pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<Vec<Post>> {
    Ok(posts::table
        .filter(posts::id.eq_any(ids))
        .select(Post::as_select())
        .load(conn)
        .await?)
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

/// The audience (group ids) of one post: none for an organization-wide post.
pub async fn audience_of(conn: &mut AsyncPgConnection, post: Uuid) -> ApiResult<Vec<Uuid>> {
    Ok(audiences(conn, &[post])
        .await?
        .remove(&post)
        .unwrap_or_default())
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
