//! `GET /admin/analytics/{report}.csv?from=&to=&granularity=`: each report as CSV, for org
//! admins. The range defaults to the 90 days ending today (the organization's days).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use super::period::{Granularity, Period, Scope, today_in};
use super::reports;
use crate::auth::{SignedIn, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::events_calendar::feeds::csv_safe;
use crate::files::download::{internal, status};
use crate::policy::{self, Action, Resource};
use crate::services::Services;

/// The range the dashboard and the exports show unless asked otherwise.
pub const DEFAULT_DAYS: i64 = 90;

/// The organization's analytics reports, each downloadable as CSV (`Analytics.csvUrl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "AnalyticsReport")]
pub enum Report {
    /// Daily, weekly and monthly active people per bucket.
    ActiveUsers,
    /// Active people per department.
    ActiveUsersByDepartment,
    /// Active people per site.
    ActiveUsersBySite,
    /// Accounts active in the range, and accounts never activated.
    Adoption,
    /// Each feature and what people did with it.
    FeatureUsage,
    /// The most active, fastest growing and silent groups.
    Groups,
    /// Reach, engagement and acknowledgements of each post published in the range.
    Posts,
    /// Notifications received per person per week.
    Notifications,
    /// Searches, and the queries that found nothing.
    Searches,
}

impl Report {
    pub const ALL: [Self; 9] = [
        Self::ActiveUsers,
        Self::ActiveUsersByDepartment,
        Self::ActiveUsersBySite,
        Self::Adoption,
        Self::FeatureUsage,
        Self::Groups,
        Self::Posts,
        Self::Notifications,
        Self::Searches,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::ActiveUsers => "active-users",
            Self::ActiveUsersByDepartment => "active-users-by-department",
            Self::ActiveUsersBySite => "active-users-by-site",
            Self::Adoption => "adoption",
            Self::FeatureUsage => "feature-usage",
            Self::Groups => "groups",
            Self::Posts => "posts",
            Self::Notifications => "notifications",
            Self::Searches => "searches",
        }
    }

    fn from_file(file: &str) -> Option<Self> {
        let slug = file.strip_suffix(".csv")?;
        Self::ALL.into_iter().find(|report| report.slug() == slug)
    }
}

/// Where `report` over `period` downloads as CSV (`Analytics.csvUrl`).
pub fn csv_url(services: &Services, report: Report, period: &Period) -> String {
    format!(
        "{}/admin/analytics/{}.csv?from={}&to={}&granularity={}",
        services.config.public_url,
        report.slug(),
        period.from,
        period.to,
        period.granularity.as_str()
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct RangeQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub granularity: Option<String>,
}

/// The organization-wide period a query string asks for (defaults: the last 90 days, by day).
pub async fn period_of(conn: &mut AsyncPgConnection, query: &RangeQuery) -> ApiResult<Period> {
    let time_zone = crate::organization::model::get(conn).await?.time_zone;
    let to = query.to.unwrap_or_else(|| today_in(&time_zone));
    let from = query
        .from
        .unwrap_or(to - chrono::Duration::days(DEFAULT_DAYS - 1));
    let granularity = match query.granularity.as_deref() {
        None => Granularity::Day,
        Some(text) => Granularity::parse(text)
            .ok_or_else(|| ApiError::bad_input("granularity", "must be day, week or month"))?,
    };
    Period::new("", from, to, granularity, Scope::Organization, time_zone)
}

/// An org admin, or why not: UNAUTHENTICATED without a viewer, FORBIDDEN for anyone else.
pub fn admin_of(signed_in: Result<SignedIn, ApiError>) -> ApiResult<Viewer> {
    let SignedIn(viewer) = signed_in?;
    match policy::can(&viewer, Action::ViewAnalytics, Resource::Organization).allowed() {
        true => Ok(viewer),
        false => Err(ApiError::Forbidden("Only admins see analytics.".into())),
    }
}

pub async fn report_csv(
    State(services): State<Arc<Services>>,
    Path(file): Path<String>,
    Query(query): Query<RangeQuery>,
    signed_in: Result<SignedIn, ApiError>,
) -> Response {
    let Some(report) = Report::from_file(&file) else {
        return status(StatusCode::NOT_FOUND, "Not found");
    };
    if let Err(refusal) = admin_of(signed_in) {
        return refusal.into_response();
    }
    let result = async {
        let mut conn = services.pool.get().await?;
        let period = period_of(&mut conn, &query).await?;
        let body = render(&mut conn, report, &period).await?;
        Ok::<_, ApiError>((period, body))
    }
    .await;
    match result {
        Ok((period, body)) => {
            let name = format!(
                "attachment; filename=\"{}-{}-{}.csv\"",
                report.slug(),
                period.from,
                period.to
            );
            (
                [
                    (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (CONTENT_DISPOSITION, name),
                    (CACHE_CONTROL, "private, no-store".to_owned()),
                ],
                body,
            )
                .into_response()
        }
        Err(error @ ApiError::BadUserInput { .. }) => {
            (StatusCode::BAD_REQUEST, error.message()).into_response()
        }
        Err(error) => internal(error),
    }
}

/// The rows of one report, a header first.
async fn rows(
    conn: &mut AsyncPgConnection,
    report: Report,
    period: &Period,
) -> ApiResult<Vec<Vec<String>>> {
    fn line<const N: usize>(cells: [String; N]) -> Vec<String> {
        cells.into()
    }
    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }
    let mut rows = Vec::new();
    match report {
        Report::ActiveUsers => {
            rows.push(header(&["date", "dau", "wau", "mau", "stickiness"]));
            for point in reports::active_users(conn, period).await?.series {
                rows.push(line([
                    point.date.0.to_string(),
                    format!("{:.2}", point.dau),
                    point.wau.to_string(),
                    point.mau.to_string(),
                    format!("{:.4}", point.stickiness),
                ]));
            }
        }
        Report::ActiveUsersByDepartment | Report::ActiveUsersBySite => {
            let report_data = reports::active_users(conn, period).await?;
            let (name, breakdown) = if report == Report::ActiveUsersByDepartment {
                ("department", report_data.by_department)
            } else {
                ("site", report_data.by_site)
            };
            rows.push(header(&[
                name,
                "active_users",
                "average_dau",
                "average_mau",
                "stickiness",
            ]));
            for row in breakdown {
                rows.push(line([
                    row.value,
                    row.active_users.to_string(),
                    format!("{:.2}", row.average_dau),
                    format!("{:.2}", row.average_mau),
                    format!("{:.4}", row.stickiness),
                ]));
            }
        }
        Report::Adoption => {
            let adoption = reports::adoption(conn, period).await?;
            rows.push(header(&[
                "accounts",
                "active_accounts",
                "active_share",
                "never_activated",
                "open_invitations",
            ]));
            rows.push(line([
                adoption.accounts.to_string(),
                adoption.active_accounts.to_string(),
                format!("{:.4}", adoption.active_share),
                adoption.never_activated.unwrap_or_default().to_string(),
                adoption.open_invitations.unwrap_or_default().to_string(),
            ]));
        }
        Report::FeatureUsage => {
            rows.push(header(&["feature", "events", "user_days", "share"]));
            for usage in reports::feature_usage(conn, period).await? {
                rows.push(line([
                    usage.feature,
                    usage.events.to_string(),
                    usage.user_days.to_string(),
                    format!("{:.4}", usage.share),
                ]));
            }
        }
        Report::Groups => {
            let groups = reports::groups(conn, period).await?;
            rows.push(header(&[
                "list",
                "group",
                "members",
                "events",
                "active_members",
                "outside_readers",
                "joined",
                "growth",
            ]));
            for (list, entries) in [
                ("most_active", groups.most_active),
                ("fastest_growing", groups.fastest_growing),
                ("silent", groups.silent),
            ] {
                for group in entries {
                    rows.push(line([
                        list.to_owned(),
                        group.name,
                        group.members.to_string(),
                        group.events.to_string(),
                        group.active_members.to_string(),
                        group.outside_readers.to_string(),
                        group.joined.to_string(),
                        group
                            .growth
                            .map(|growth| format!("{growth:.4}"))
                            .unwrap_or_default(),
                    ]));
                }
            }
        }
        Report::Posts => {
            rows.push(header(&[
                "published_at",
                "headline",
                "viewers",
                "audience",
                "reached",
                "reach",
                "outside_viewers",
                "reactions",
                "comments",
                "engagement",
                "acknowledgements",
                "acknowledgement_rate",
            ]));
            for post in reports::posts_reach(conn, period).await? {
                rows.push(line([
                    post.published_at.to_rfc3339(),
                    post.headline,
                    post.viewers.to_string(),
                    post.audience.to_string(),
                    post.reached.to_string(),
                    format!("{:.4}", post.reach),
                    post.outside_viewers.to_string(),
                    post.reactions.to_string(),
                    post.comments.to_string(),
                    format!("{:.4}", post.engagement),
                    post.acknowledgements
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    post.acknowledgement_rate
                        .map(|rate| format!("{rate:.4}"))
                        .unwrap_or_default(),
                ]));
            }
        }
        Report::Notifications => {
            let accounts = reports::accounts(conn, period).await?;
            rows.push(header(&["date", "received", "opened", "per_user_per_week"]));
            for point in reports::notifications(conn, period, accounts).await?.series {
                rows.push(line([
                    point.date.0.to_string(),
                    point.received.to_string(),
                    point.opened.to_string(),
                    format!("{:.2}", point.per_user_per_week),
                ]));
            }
        }
        Report::Searches => {
            rows.push(header(&["query_without_results", "searches"]));
            for missed in reports::searches(conn, period).await?.top_without_results {
                rows.push(line([missed.query, missed.searches.to_string()]));
            }
        }
    }
    Ok(rows)
}

async fn render(
    conn: &mut AsyncPgConnection,
    report: Report,
    period: &Period,
) -> ApiResult<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows(conn, report, period).await? {
        let cells: Vec<String> = row.iter().map(|cell| csv_safe(cell)).collect();
        writer.write_record(&cells).map_err(ApiError::internal)?;
    }
    let bytes = writer.into_inner().map_err(ApiError::internal)?;
    String::from_utf8(bytes).map_err(ApiError::internal)
}
