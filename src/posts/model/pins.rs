//! Posts pinned in a group or on the organization's home, in order.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::post_pins;
use crate::error::ApiResult;

use super::Post;

/// Pins a post in a group, or on the organization's home (`group` None); pinning again moves it.
pub async fn pin(
    conn: &mut AsyncPgConnection,
    post: Uuid,
    group: Option<Uuid>,
    position: i32,
    by: Uuid,
) -> ApiResult<()> {
    let conflict = if group.is_some() {
        "(group_id, post_id) WHERE group_id IS NOT NULL"
    } else {
        "(post_id) WHERE group_id IS NULL"
    };
    diesel::sql_query(format!(
        "INSERT INTO post_pins (id, post_id, group_id, position, pinned_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT {conflict} DO UPDATE SET position = EXCLUDED.position, pinned_by = EXCLUDED.pinned_by"
    ))
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(post)
    .bind::<Nullable<SqlUuid>, _>(group)
    .bind::<diesel::sql_types::Integer, _>(position)
    .bind::<SqlUuid, _>(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Unpins, returning the position the pin had; `None` when the post was not pinned there.
pub async fn unpin(
    conn: &mut AsyncPgConnection,
    post: Uuid,
    group: Option<Uuid>,
) -> ApiResult<Option<i32>> {
    Ok(diesel::delete(
        post_pins::table
            .filter(post_pins::post_id.eq(post))
            .filter(post_pins::group_id.is_not_distinct_from(group)),
    )
    .returning(post_pins::position)
    .get_result(conn)
    .await
    .optional()?)
}

/// The live posts pinned in a group or on the home, in their order.
pub async fn pinned_posts(
    conn: &mut AsyncPgConnection,
    group: Option<Uuid>,
) -> ApiResult<Vec<Post>> {
    Ok(diesel::sql_query(
        "SELECT p.id, p.author_id, p.webhook_id, p.integration_name, p.title, p.body, p.body_html,
                p.organization_wide, p.requires_acknowledgement, p.published_at, p.edited_at,
                p.deleted_at, p.created_at
         FROM post_pins pin JOIN posts p ON p.id = pin.post_id
         WHERE pin.group_id IS NOT DISTINCT FROM $1
           AND p.deleted_at IS NULL AND p.published_at <= now()
         ORDER BY pin.position, pin.created_at",
    )
    .bind::<Nullable<SqlUuid>, _>(group)
    .load(conn)
    .await?)
}

/// Where each post is pinned: `None` for the home, `Some(group)` for a group.
pub async fn pins(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<Option<Uuid>>>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        post_id: Uuid,
        #[diesel(sql_type = Nullable<SqlUuid>)]
        group_id: Option<Uuid>,
    }
    let rows: Vec<Row> =
        diesel::sql_query("SELECT post_id, group_id FROM post_pins WHERE post_id = ANY($1)")
            .bind::<diesel::sql_types::Array<SqlUuid>, _>(posts)
            .load(conn)
            .await?;
    let mut pins: HashMap<Uuid, Vec<Option<Uuid>>> = HashMap::new();
    for row in rows {
        pins.entry(row.post_id).or_default().push(row.group_id);
    }
    Ok(pins)
}
