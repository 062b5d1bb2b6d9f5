//! Earlier texts of edited posts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::post_versions;
use crate::error::ApiResult;

use super::Post;

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
