//! Sign-in throttling. Each attempt is recorded before it is judged, with the account it tries
//! (or the identifier, when it names none) and the client's address, and is refused once there
//! were too many within the window:
//! - on this account from this address (someone guessing from one machine);
//! - on this account from all addresses together, a looser ceiling (guessing spread over many
//!   machines is still slowed);
//! - from this address on all accounts together (one password tried on everyone).
//!
//! So failures from someone else's machine do not lock a person out of their own, unless a
//! guesser commands enough addresses to reach the account's ceiling. A refused attempt checks no
//! password and is not counted; a successful sign-in clears the count of its account and
//! address. Kept in PostgreSQL so every server instance counts the same attempts, and parallel
//! attempts cannot slip through together.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::login_attempts;
use crate::error::{ApiError, ApiResult};

/// Attempts allowed on one account (or identifier) from one address within the window.
pub const MAX_ATTEMPTS: i64 = 10;
/// Attempts allowed on one account from all addresses together: a guesser needs at least five
/// addresses to lock its owner out.
pub const MAX_ATTEMPTS_PER_ACCOUNT: i64 = 50;
/// Attempts allowed from one address on all accounts together; generous, as an office behind
/// one NAT address shares it.
pub const MAX_ATTEMPTS_PER_ADDRESS: i64 = 100;
pub const WINDOW_MINUTES: i64 = 15;

/// One sign-in attempt: what it is counted against.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The account's id when there is one, else the identifier as typed (lower-cased).
    key: String,
    /// The client's address; IPv6 clients by their /64 network, which one machine usually has
    /// whole.
    source: String,
}

impl Attempt {
    pub fn new(account: Option<Uuid>, identifier: &str, address: Option<IpAddr>) -> Self {
        let key = match account {
            Some(id) => id.to_string(),
            None => identifier.trim().to_lowercase(),
        };
        let source = match address.map(|address| address.to_canonical()) {
            Some(IpAddr::V4(address)) => address.to_string(),
            Some(IpAddr::V6(address)) => {
                let [a, b, c, d, ..] = address.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
            None => "unknown".to_owned(),
        };
        Self { key, source }
    }
}

/// The attempts in the window, counted three ways, with the oldest of each count.
#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = BigInt)]
    from_here: i64,
    #[diesel(sql_type = BigInt)]
    on_account: i64,
    #[diesel(sql_type = BigInt)]
    from_address: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest_from_here: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest_on_account: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest_from_address: Option<DateTime<Utc>>,
}

impl Counts {
    /// The oldest attempt of each count over its ceiling: when it leaves the window, one more
    /// attempt is allowed.
    fn oldest_over(&self) -> impl Iterator<Item = DateTime<Utc>> {
        [
            (self.from_here > MAX_ATTEMPTS, self.oldest_from_here),
            (
                self.on_account > MAX_ATTEMPTS_PER_ACCOUNT,
                self.oldest_on_account,
            ),
            (
                self.from_address > MAX_ATTEMPTS_PER_ADDRESS,
                self.oldest_from_address,
            ),
        ]
        .into_iter()
        .filter_map(|(over, oldest)| oldest.filter(|_| over))
    }

    /// Whole seconds until every count over its ceiling is back under it, if one is over.
    fn retry_after(&self, now: DateTime<Utc>) -> Option<u64> {
        let window = Duration::minutes(WINDOW_MINUTES);
        self.oldest_over()
            .map(|oldest| (oldest + window - now).num_seconds().max(1) as u64)
            .max()
    }
}

/// Records this attempt, then refuses it (RATE_LIMITED) when it is one too many.
pub async fn record_attempt(conn: &mut AsyncPgConnection, attempt: &Attempt) -> ApiResult<()> {
    diesel::delete(
        login_attempts::table.filter(login_attempts::created_at.lt(Utc::now() - Duration::days(1))),
    )
    .execute(conn)
    .await?;
    let id = Uuid::now_v7();
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::id.eq(id),
            login_attempts::throttle_key.eq(&attempt.key),
            login_attempts::client_address.eq(&attempt.source),
        ))
        .execute(conn)
        .await?;
    let counts: Counts = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE throttle_key = $1 AND client_address = $2) AS from_here,
                count(*) FILTER (WHERE throttle_key = $1) AS on_account,
                count(*) FILTER (WHERE client_address = $2) AS from_address,
                min(created_at) FILTER (WHERE throttle_key = $1 AND client_address = $2)
                    AS oldest_from_here,
                min(created_at) FILTER (WHERE throttle_key = $1) AS oldest_on_account,
                min(created_at) FILTER (WHERE client_address = $2) AS oldest_from_address
         FROM login_attempts
         WHERE created_at > $3 AND (throttle_key = $1 OR client_address = $2)",
    )
    .bind::<Text, _>(&attempt.key)
    .bind::<Text, _>(&attempt.source)
    .bind::<Timestamptz, _>(Utc::now() - Duration::minutes(WINDOW_MINUTES))
    .get_result(conn)
    .await?;
    if let Some(retry_after) = counts.retry_after(Utc::now()) {
        // Refused before any password is checked: it must not lengthen the lock, nor count
        // towards the account's ceiling (one address could otherwise reach it alone).
        diesel::delete(login_attempts::table.find(id))
            .execute(conn)
            .await?;
        return Err(ApiError::RateLimited { retry_after });
    }
    Ok(())
}

/// A successful sign-in clears the count of its account from its address.
pub async fn clear(conn: &mut AsyncPgConnection, attempt: &Attempt) -> ApiResult<()> {
    diesel::delete(
        login_attempts::table
            .filter(login_attempts::throttle_key.eq(&attempt.key))
            .filter(login_attempts::client_address.eq(&attempt.source)),
    )
    .execute(conn)
    .await?;
    Ok(())
}
