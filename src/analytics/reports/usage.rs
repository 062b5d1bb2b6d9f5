//! Who uses the intranet and what for: active users (daily, weekly, monthly, by department
//! and site), adoption of the accounts, and each feature's use.

use std::collections::HashMap;

use async_graphql::SimpleObject;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;

use super::ratio;
use crate::analytics::activity::ActivityKind;
use crate::analytics::model::{self, ActiveDayRow};
use crate::analytics::period::{Period, Scope};
use crate::error::ApiResult;
use crate::graphql::date::Date;

// ----- Active users -----------------------------------------------------------------------

/// One bucket of the active-user series.
#[derive(Debug, Clone, SimpleObject)]
pub struct ActiveUsersPoint {
    /// The bucket's first day.
    pub date: Date,
    /// Daily active users, averaged over the bucket's days.
    pub dau: f64,
    /// Weekly active users (the 7 days ending on the bucket's last day in range).
    pub wau: i64,
    /// Monthly active users (the 30 days ending on the bucket's last day in range).
    pub mau: i64,
    /// Average DAU ÷ average MAU over the bucket.
    pub stickiness: f64,
}

/// Active users of one department or site (listed busiest first: by average DAU).
#[derive(Debug, Clone, SimpleObject)]
pub struct ActiveUsersBreakdown {
    /// The department or site; empty for people without one.
    pub value: String,
    /// People active at least once in the range.
    pub active_users: i64,
    /// Its daily active users, averaged over the range's days.
    pub average_dau: f64,
    /// Its monthly active users (30-day window), averaged over the range's days.
    pub average_mau: f64,
    /// `averageDau ÷ averageMau` (0 without any).
    pub stickiness: f64,
}

/// Who was active in the range: daily, weekly and monthly active users, and their stickiness.
#[derive(Debug, Clone, SimpleObject)]
pub struct ActiveUsersReport {
    /// One point per bucket of the range's granularity, oldest first.
    pub series: Vec<ActiveUsersPoint>,
    /// People active at least once in the range.
    pub active_users: i64,
    /// Daily active users, averaged over the range's days.
    pub average_dau: f64,
    /// Monthly active users (30-day window), averaged over the range's days.
    pub average_mau: f64,
    /// Average DAU ÷ average MAU over the range.
    pub stickiness: f64,
    /// Per department, busiest first.
    pub by_department: Vec<ActiveUsersBreakdown>,
    /// Per site, busiest first.
    pub by_site: Vec<ActiveUsersBreakdown>,
}

pub async fn active_users(
    conn: &mut AsyncPgConnection,
    period: &Period,
) -> ApiResult<ActiveUsersReport> {
    let rows = model::active_days(conn, period).await?;
    let distinct = model::distinct_active(conn, period).await?;
    let overall: HashMap<NaiveDate, (i32, i32, i32)> = rows
        .iter()
        .filter(|row| row.dimension == "all")
        .map(|row| (row.day, (row.dau, row.wau, row.mau)))
        .collect();
    let at = |day: NaiveDate| overall.get(&day).copied().unwrap_or_default();
    let series = period
        .buckets()
        .into_iter()
        .map(|(start, days)| {
            let first = start.max(period.from);
            let in_bucket: Vec<(i32, i32, i32)> = (0..days)
                .map(|k| at(first + chrono::Duration::days(k)))
                .collect();
            let dau = in_bucket.iter().map(|d| f64::from(d.0)).sum::<f64>() / days as f64;
            let mau_average = in_bucket.iter().map(|d| f64::from(d.2)).sum::<f64>() / days as f64;
            let last = in_bucket.last().copied().unwrap_or_default();
            ActiveUsersPoint {
                date: Date(start),
                dau,
                wau: last.1.into(),
                mau: last.2.into(),
                stickiness: ratio(dau, mau_average),
            }
        })
        .collect();
    let days = period.days() as f64;
    let sum = |dimension: &str, value: &str, pick: fn(&ActiveDayRow) -> i32| -> f64 {
        rows.iter()
            .filter(|row| row.dimension == dimension && row.value == value)
            .map(|row| f64::from(pick(row)))
            .sum::<f64>()
            / days
    };
    let distinct_of = |dimension: &str, value: &str| -> i64 {
        distinct
            .iter()
            .find(|row| row.dimension == dimension && row.value == value)
            .map_or(0, |row| row.users)
    };
    let breakdown = |dimension: &str| -> Vec<ActiveUsersBreakdown> {
        let mut values: Vec<&str> = distinct
            .iter()
            .filter(|row| row.dimension == dimension)
            .map(|row| row.value.as_str())
            .collect();
        values.sort_unstable();
        let mut rows: Vec<ActiveUsersBreakdown> = values
            .into_iter()
            .map(|value| {
                let average_dau = sum(dimension, value, |row| row.dau);
                let average_mau = sum(dimension, value, |row| row.mau);
                ActiveUsersBreakdown {
                    value: value.to_owned(),
                    active_users: distinct_of(dimension, value),
                    average_dau,
                    average_mau,
                    stickiness: ratio(average_dau, average_mau),
                }
            })
            .collect();
        rows.sort_by(|a, b| b.average_dau.total_cmp(&a.average_dau));
        rows
    };
    let average_dau = sum("all", "", |row| row.dau);
    let average_mau = sum("all", "", |row| row.mau);
    Ok(ActiveUsersReport {
        series,
        active_users: distinct_of("all", ""),
        average_dau,
        average_mau,
        stickiness: ratio(average_dau, average_mau),
        by_department: breakdown("department"),
        by_site: breakdown("site"),
    })
}

// ----- Adoption ---------------------------------------------------------------------------

/// How many of the accounts are in use.
#[derive(Debug, Clone, SimpleObject)]
pub struct AdoptionReport {
    /// Active accounts (the group's members, for a group).
    pub accounts: i64,
    /// Of those, the ones active at least once in the range.
    pub active_accounts: i64,
    /// `activeAccounts ÷ accounts`.
    pub active_share: f64,
    /// Accounts made by an admin whose activation code was never used (organization only).
    pub never_activated: Option<i64>,
    /// Invitations by email not accepted yet, still valid (organization only).
    pub open_invitations: Option<i64>,
}

/// The active accounts of the period's scope: everyone's, or the group's members'.
pub async fn accounts(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<i64> {
    model::accounts(conn, period).await
}

pub async fn adoption(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<AdoptionReport> {
    let row = model::adoption(conn, period).await?;
    let organization = period.scope == Scope::Organization;
    Ok(AdoptionReport {
        accounts: row.accounts,
        active_accounts: row.active_accounts,
        active_share: ratio(row.active_accounts as f64, row.accounts as f64),
        never_activated: organization.then_some(row.never_activated),
        open_invitations: organization.then_some(row.open_invitations),
    })
}

// ----- Feature usage ----------------------------------------------------------------------

/// One feature's use: things people did with it. A notification delivered to someone is not
/// something they did (see `notifications` for deliveries); opening one is.
#[derive(Debug, Clone, SimpleObject)]
pub struct FeatureUsage {
    /// `posts`, `comments`, `reactions`, `announcements`, `files`, `events`, `search`,
    /// `notifications`, `surveys`, `groups` or `sign_in`.
    pub feature: String,
    /// Things people did with it.
    pub events: i64,
    /// Sum over the days of the people who used it that day.
    pub user_days: i64,
    /// This feature's part of everything people did.
    pub share: f64,
}

/// Every feature, most used first (unused ones last, with zeros).
pub async fn feature_usage(
    conn: &mut AsyncPgConnection,
    period: &Period,
) -> ApiResult<Vec<FeatureUsage>> {
    let rows = model::feature_events(conn, period).await?;
    let total: i64 = rows.iter().map(|row| row.events).sum();
    let mut usage: Vec<FeatureUsage> = ActivityKind::features()
        .map(|feature| {
            let row = rows.iter().find(|row| row.feature == feature);
            let events = row.map_or(0, |row| row.events);
            FeatureUsage {
                feature: feature.to_owned(),
                events,
                user_days: row.map_or(0, |row| row.user_days),
                share: ratio(events as f64, total as f64),
            }
        })
        .collect();
    usage.sort_by(|a, b| b.events.cmp(&a.events).then(a.feature.cmp(&b.feature)));
    Ok(usage)
}

// ----- Chat -------------------------------------------------------------------------------

/// Chat in the range: the messages sent and the conversations they were sent in.
#[derive(Debug, Clone, SimpleObject)]
pub struct ChatReport {
    /// Messages sent, replies in threads included.
    pub messages_sent: i64,
    /// Conversations at least one message was sent in (for a group's report, its rooms).
    pub active_conversations: i64,
}

pub async fn chat(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<ChatReport> {
    let used = model::subjects_used(conn, period, ActivityKind::MessageSent.feature()).await?;
    Ok(ChatReport {
        messages_sent: used.events,
        active_conversations: used.subjects,
    })
}
