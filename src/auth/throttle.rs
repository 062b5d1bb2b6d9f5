//! Sign-in throttling: after too many failures for one identifier, further attempts are refused
//! for a while. Kept in PostgreSQL so every server instance counts the same failures.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::login_failures;
use crate::error::{ApiError, ApiResult};

/// Failures allowed per identifier within the window before sign-in is refused.
pub const MAX_FAILURES: i64 = 10;
pub const WINDOW_MINUTES: i64 = 15;

fn key(identifier: &str) -> String {
    identifier.trim().to_lowercase()
}

/// RATE_LIMITED when the identifier has failed too often recently.
pub async fn check(conn: &mut AsyncPgConnection, identifier: &str) -> ApiResult<()> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let failures: i64 = login_failures::table
        .filter(login_failures::identifier.eq(key(identifier)))
        .filter(login_failures::created_at.gt(since))
        .count()
        .get_result(conn)
        .await?;
    if failures >= MAX_FAILURES {
        return Err(ApiError::RateLimited);
    }
    Ok(())
}

/// Records a failure, and forgets failures older than a day.
pub async fn record_failure(conn: &mut AsyncPgConnection, identifier: &str) -> ApiResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(Uuid::now_v7()),
            login_failures::identifier.eq(key(identifier)),
        ))
        .execute(conn)
        .await?;
    diesel::delete(
        login_failures::table.filter(login_failures::created_at.lt(Utc::now() - Duration::days(1))),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A successful sign-in clears the identifier's failures.
pub async fn clear(conn: &mut AsyncPgConnection, identifier: &str) -> ApiResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::identifier.eq(key(identifier))))
        .execute(conn)
        .await?;
    Ok(())
}
