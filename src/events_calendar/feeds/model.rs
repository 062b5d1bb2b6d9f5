//! Calendar feed rows and their SQL: the secret of a feed is stored hashed and stops working once
//! revoked.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::secrets;
use crate::db::schema::calendar_feeds;
use crate::error::ApiResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calendar_feeds, check_for_backend(diesel::pg::Pg))]
pub struct CalendarFeed {
    pub id: Uuid,
    pub user_id: Uuid,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Adds a feed with a new secret; the secret is returned once and only its hash is kept.
pub(super) async fn create(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> ApiResult<(CalendarFeed, String)> {
    let secret = secrets::generate("pvc_");
    let feed = diesel::insert_into(calendar_feeds::table)
        .values((
            calendar_feeds::id.eq(Uuid::now_v7()),
            calendar_feeds::user_id.eq(user_id),
            calendar_feeds::token_hash.eq(secrets::hash(&secret)),
        ))
        .returning(CalendarFeed::as_returning())
        .get_result(conn)
        .await?;
    Ok((feed, secret))
}

/// A person's feeds, newest first.
pub(super) async fn of_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> ApiResult<Vec<CalendarFeed>> {
    Ok(calendar_feeds::table
        .filter(calendar_feeds::user_id.eq(user_id))
        .order(calendar_feeds::created_at.desc())
        .select(CalendarFeed::as_select())
        .load(conn)
        .await?)
}

/// A feed of a person's by id; `None` when they have no such feed.
pub(super) async fn find_of_user(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    user_id: Uuid,
) -> ApiResult<Option<CalendarFeed>> {
    Ok(calendar_feeds::table
        .filter(calendar_feeds::id.eq(id))
        .filter(calendar_feeds::user_id.eq(user_id))
        .select(CalendarFeed::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Revokes a feed of a person's (now, again if it was already); `None` when they have no such
/// feed.
pub(super) async fn revoke(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    user_id: Uuid,
) -> ApiResult<Option<CalendarFeed>> {
    Ok(diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::id.eq(id))
            .filter(calendar_feeds::user_id.eq(user_id)),
    )
    .set(calendar_feeds::revoked_at.eq(Some(Utc::now())))
    .returning(CalendarFeed::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Revokes every feed URL of a person still working (deactivation).
pub async fn revoke_all_for_user(conn: &mut AsyncPgConnection, user_id: Uuid) -> ApiResult<()> {
    diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::user_id.eq(user_id))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::revoked_at.eq(Some(Utc::now())))
    .execute(conn)
    .await?;
    Ok(())
}

/// The live feed behind a secret, its use recorded.
pub(super) async fn use_secret(
    conn: &mut AsyncPgConnection,
    secret: &str,
) -> ApiResult<Option<CalendarFeed>> {
    Ok(diesel::update(
        calendar_feeds::table
            .filter(calendar_feeds::token_hash.eq(secrets::hash(secret)))
            .filter(calendar_feeds::revoked_at.is_null()),
    )
    .set(calendar_feeds::last_used_at.eq(Some(Utc::now())))
    .returning(CalendarFeed::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}
