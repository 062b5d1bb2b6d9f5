//! Sign-in throttling: each attempt is recorded before it is judged, and once an account (or an
//! unknown identifier) has had too many attempts within the window, further ones are refused until
//! the window passes. A successful sign-in clears the count. Kept in PostgreSQL so every server
//! instance counts the same attempts, and parallel attempts cannot slip through together.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::login_attempts;
use crate::error::{ApiError, ApiResult};

/// Attempts allowed per account or identifier within the window.
pub const MAX_ATTEMPTS: i64 = 10;
pub const WINDOW_MINUTES: i64 = 15;

/// What attempts are counted against: the account when there is one, else the identifier.
pub fn throttle_key(account: Option<Uuid>, identifier: &str) -> String {
    match account {
        Some(id) => id.to_string(),
        None => identifier.trim().to_lowercase(),
    }
}

/// Records this attempt, then refuses it (RATE_LIMITED) when it is one too many.
pub async fn record_attempt(conn: &mut AsyncPgConnection, key: &str) -> ApiResult<()> {
    diesel::delete(
        login_attempts::table.filter(login_attempts::created_at.lt(Utc::now() - Duration::days(1))),
    )
    .execute(conn)
    .await?;
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::id.eq(Uuid::now_v7()),
            login_attempts::throttle_key.eq(key),
        ))
        .execute(conn)
        .await?;
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let attempts: i64 = login_attempts::table
        .filter(login_attempts::throttle_key.eq(key))
        .filter(login_attempts::created_at.gt(since))
        .count()
        .get_result(conn)
        .await?;
    if attempts > MAX_ATTEMPTS {
        return Err(ApiError::RateLimited);
    }
    Ok(())
}

/// A successful sign-in clears the count.
pub async fn clear(conn: &mut AsyncPgConnection, key: &str) -> ApiResult<()> {
    diesel::delete(login_attempts::table.filter(login_attempts::throttle_key.eq(key)))
        .execute(conn)
        .await?;
    Ok(())
}
