//! How many notifications people receive and open (and who receives the most), and the
//! searches that find nothing.

use async_graphql::{ComplexObject, ID, SimpleObject};
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{TOP, ratio};
use crate::analytics::activity::ActivityKind;
use crate::analytics::model;
use crate::analytics::period::Period;
use crate::error::ApiResult;
use crate::graphql::date::Date;
use crate::graphql::ids;

/// One bucket of the notifications series.
#[derive(Debug, Clone, SimpleObject)]
pub struct NotificationsPoint {
    /// The bucket's first day.
    pub date: Date,
    /// Notifications delivered in the bucket.
    pub received: i64,
    /// Notifications opened in the bucket.
    pub opened: i64,
    /// Notifications received per account per week in the bucket.
    pub per_user_per_week: f64,
}

/// How many notifications people received and opened, and who received the most.
#[derive(Debug, Clone, SimpleObject)]
pub struct NotificationsReport {
    /// One point per bucket of the range's granularity, oldest first.
    pub series: Vec<NotificationsPoint>,
    /// Notifications delivered in the range.
    pub received: i64,
    /// Notifications opened in the range.
    pub opened: i64,
    /// `opened ÷ received`.
    pub open_rate: f64,
    /// Notifications received per account per week over the range.
    pub per_user_per_week: f64,
    /// The people who received the most ("too many notifications?"), most first (up to 10).
    pub busiest_recipients: Vec<RecipientVolume>,
}

/// How many notifications one person received over the range.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct RecipientVolume {
    #[graphql(skip)]
    pub user_id: Uuid,
    /// The person's display name.
    pub display_name: String,
    /// Notifications delivered to them in the range.
    pub received: i64,
    /// Of those, the ones they opened.
    pub opened: i64,
    /// `received` per week of the range.
    pub per_week: f64,
}

impl From<model::RecipientRow> for RecipientVolume {
    fn from(row: model::RecipientRow) -> Self {
        Self {
            user_id: row.user_id,
            display_name: row.display_name,
            received: row.received,
            opened: row.opened,
            per_week: row.per_week,
        }
    }
}

#[ComplexObject]
impl RecipientVolume {
    /// The person's ID.
    async fn user_id(&self) -> ID {
        ids::encode(crate::users::TYPE_NAME, self.user_id)
    }
}

const BUSIEST_RECIPIENTS: i64 = 10;

/// `accounts`: who could receive them (see `accounts`).
pub async fn notifications(
    conn: &mut AsyncPgConnection,
    period: &Period,
    accounts: i64,
) -> ApiResult<NotificationsReport> {
    let rows =
        model::feature_days(conn, period, ActivityKind::NotificationReceived.feature()).await?;
    let count = |action: &str, bucket: Option<NaiveDate>| -> i64 {
        rows.iter()
            .filter(|row| row.action == action)
            .filter(|row| bucket.is_none_or(|b| period.granularity.bucket_of(row.day) == b))
            .map(|row| row.events)
            .sum()
    };
    let received = ActivityKind::NotificationReceived.action();
    let opened = ActivityKind::NotificationOpened.action();
    let per_week = |events: i64, days: i64| ratio(events as f64 * 7.0, (accounts * days) as f64);
    let series = period
        .buckets()
        .into_iter()
        .map(|(start, days)| NotificationsPoint {
            date: Date(start),
            received: count(received, Some(start)),
            opened: count(opened, Some(start)),
            per_user_per_week: per_week(count(received, Some(start)), days),
        })
        .collect();
    let total_received = count(received, None);
    let total_opened = count(opened, None);
    Ok(NotificationsReport {
        series,
        received: total_received,
        opened: total_opened,
        open_rate: ratio(total_opened as f64, total_received as f64),
        per_user_per_week: per_week(total_received, period.days()),
        busiest_recipients: model::busiest_recipients(conn, period, BUSIEST_RECIPIENTS)
            .await?
            .into_iter()
            .map(RecipientVolume::from)
            .collect(),
    })
}

/// A search query that found nothing.
#[derive(Debug, Clone, SimpleObject)]
pub struct MissedSearch {
    /// Folded to lower-case ASCII (accents removed).
    pub query: String,
    /// How many times it found nothing in the range.
    pub searches: i64,
}

/// How many searches people made, and which found nothing.
#[derive(Debug, Clone, SimpleObject)]
pub struct SearchReport {
    /// Searches made in the range.
    pub searches: i64,
    /// Of those, the ones that found nothing.
    pub without_results: i64,
    /// `withoutResults ÷ searches`.
    pub share_without_results: f64,
    /// The queries that most often found nothing (up to 10), most often first.
    pub top_without_results: Vec<MissedSearch>,
}

pub async fn searches(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<SearchReport> {
    let rows = model::feature_days(conn, period, ActivityKind::Searched.feature()).await?;
    let searches: i64 = rows.iter().map(|row| row.events).sum();
    let without_results: i64 = rows
        .iter()
        .filter(|row| row.action == ActivityKind::SearchedInVain.action())
        .map(|row| row.events)
        .sum();
    let missed = model::missed_searches(conn, period, TOP as i64).await?;
    Ok(SearchReport {
        searches,
        without_results,
        share_without_results: ratio(without_results as f64, searches as f64),
        top_without_results: missed
            .into_iter()
            .map(|row| MissedSearch {
                query: row.query,
                searches: row.searches,
            })
            .collect(),
    })
}
