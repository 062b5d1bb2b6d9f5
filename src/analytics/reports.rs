//! The reports, shaped from the rows `model` reads (the daily rollups and, for content, the
//! per-post tables the posts feature keeps: unique viewers, reactions, comments,
//! acknowledgements). Each report is a few statements whatever the range; the GraphQL API, the
//! CSV export and the dashboard share them.

use std::cmp::Ordering;
use std::collections::HashMap;

use async_graphql::{ComplexObject, ID, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::activity::ActivityKind;
use super::model::{self, ActiveDayRow, PostRow};
use super::period::{Period, Scope};
use crate::error::ApiResult;
use crate::graphql::date::Date;
use crate::graphql::ids;

/// Rows of a ranking (most active groups, top posts, missed searches).
const TOP: usize = 10;

fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

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
    pub average_dau: f64,
    pub average_mau: f64,
    pub stickiness: f64,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct ActiveUsersReport {
    pub series: Vec<ActiveUsersPoint>,
    /// People active at least once in the range.
    pub active_users: i64,
    pub average_dau: f64,
    pub average_mau: f64,
    /// Average DAU ÷ average MAU over the range.
    pub stickiness: f64,
    pub by_department: Vec<ActiveUsersBreakdown>,
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

#[derive(Debug, Clone, SimpleObject)]
pub struct AdoptionReport {
    /// Active accounts (the group's members, for a group).
    pub accounts: i64,
    /// Of those, the ones active at least once in the range.
    pub active_accounts: i64,
    /// `activeAccounts ÷ accounts`.
    pub active_share: f64,
    /// Accounts made by an admin whose activation code was never used (organisation only).
    pub never_activated: Option<i64>,
    /// Invitations by email not accepted yet, still valid (organisation only).
    pub open_invitations: Option<i64>,
}

/// The active accounts of the period's scope: everyone's, or the group's members'.
pub async fn accounts(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<i64> {
    model::accounts(conn, period).await
}

pub async fn adoption(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<AdoptionReport> {
    let row = model::adoption(conn, period).await?;
    let organisation = period.scope == Scope::Organisation;
    Ok(AdoptionReport {
        accounts: row.accounts,
        active_accounts: row.active_accounts,
        active_share: ratio(row.active_accounts as f64, row.accounts as f64),
        never_activated: organisation.then_some(row.never_activated),
        open_invitations: organisation.then_some(row.open_invitations),
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

// ----- Groups -----------------------------------------------------------------------------

/// A group's activity is what its members did in it (its posts, comments, reactions, files and
/// events); people from outside who read a public group are its reach, counted apart. Members
/// are the group's current ones.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct GroupActivity {
    #[graphql(skip)]
    pub group_id: Uuid,
    pub name: String,
    pub members: i64,
    /// Things its members did in the group in the range.
    pub events: i64,
    /// Members active in the group at least once in the range.
    pub active_members: i64,
    /// People not members who were active in the group in the range (reading its posts, mostly):
    /// its reach beyond its members.
    pub outside_readers: i64,
    /// Members who joined in the range.
    pub joined: i64,
    /// `joined ÷ members before the range`; null when it had none before the range (a new
    /// group: every member joined in the range).
    pub growth: Option<f64>,
}

#[ComplexObject]
impl GroupActivity {
    async fn group_id(&self) -> ID {
        ids::encode(crate::groups::TYPE_NAME, self.group_id)
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct GroupsReport {
    /// The groups whose members did the most in them.
    pub most_active: Vec<GroupActivity>,
    /// The groups that grew the most: new ones (null `growth`) first, by members who joined.
    pub fastest_growing: Vec<GroupActivity>,
    /// Groups with members who did nothing in them in the range, largest first.
    pub silent: Vec<GroupActivity>,
    pub silent_count: i64,
}

pub async fn groups(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<GroupsReport> {
    let rows = model::group_activity(conn, period).await?;
    let mut groups: Vec<GroupActivity> = rows
        .into_iter()
        .map(|row| {
            let before = row.members - row.joined;
            GroupActivity {
                group_id: row.id,
                growth: (before > 0).then(|| row.joined as f64 / before as f64),
                name: row.name,
                members: row.members,
                events: row.events,
                active_members: row.active_members,
                outside_readers: row.outside_readers,
                joined: row.joined,
            }
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let top = |listed: fn(&GroupActivity) -> bool,
               first: fn(&GroupActivity, &GroupActivity) -> Ordering|
     -> Vec<GroupActivity> {
        let mut ranked: Vec<GroupActivity> = groups
            .iter()
            .filter(|group| listed(group))
            .cloned()
            .collect();
        ranked.sort_by(first);
        ranked.truncate(TOP);
        ranked
    };
    let most_active = top(|group| group.events > 0, |a, b| b.events.cmp(&a.events));
    let fastest_growing = top(
        |group| group.joined > 0,
        |a, b| {
            // A new group (no growth rate) grew the most of all.
            let growth = |group: &GroupActivity| group.growth.unwrap_or(f64::INFINITY);
            growth(b)
                .total_cmp(&growth(a))
                .then(b.joined.cmp(&a.joined))
        },
    );
    let mut silent: Vec<GroupActivity> = groups
        .iter()
        .filter(|group| group.events == 0 && group.members > 0)
        .cloned()
        .collect();
    silent.sort_by_key(|group| std::cmp::Reverse(group.members));
    let silent_count = silent.len() as i64;
    silent.truncate(TOP);
    Ok(GroupsReport {
        most_active,
        fastest_growing,
        silent,
        silent_count,
    })
}

// ----- Content ----------------------------------------------------------------------------

#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct PostReach {
    #[graphql(skip)]
    pub post_id: Uuid,
    pub title: Option<String>,
    /// The title; for a post without one, the start of its text as plain text (its first 80
    /// characters, then `…`).
    pub headline: String,
    pub published_at: DateTime<Utc>,
    /// Everyone who opened it, in its audience or not (`reached + outsideViewers`).
    pub viewers: i64,
    /// The people it was published to: its groups' members, or every active account for an
    /// organisation-wide post.
    pub audience: i64,
    /// The people of its audience who opened it.
    pub reached: i64,
    /// `reached ÷ audience`: the share of the people it was published to who opened it. Viewers
    /// outside the audience do not count (see `outsideViewers`).
    pub reach: f64,
    /// People who opened it without being (or while no longer being) in its audience: readers
    /// of a public group who are not its members, mostly.
    pub outside_viewers: i64,
    pub reactions: i64,
    pub comments: i64,
    /// `(reactions + comments) ÷ viewers`.
    pub engagement: f64,
    /// Announcements only.
    pub acknowledgements: Option<i64>,
    /// `acknowledgements ÷ audience` (announcements only).
    pub acknowledgement_rate: Option<f64>,
}

#[ComplexObject]
impl PostReach {
    async fn post_id(&self) -> ID {
        ids::encode(crate::posts::TYPE_NAME, self.post_id)
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct ContentReport {
    /// Posts published in the range.
    pub posts: i64,
    /// Average of the posts' reach.
    pub average_reach: f64,
    /// `(reactions + comments) ÷ viewers` over all the posts.
    pub engagement_rate: f64,
    pub announcements: i64,
    /// `acknowledgements ÷ audience` over the announcements (none without any).
    pub acknowledgement_rate: Option<f64>,
    /// The most viewed posts.
    pub top_posts: Vec<PostReach>,
}

/// The posts published in the range, most viewed first.
pub async fn posts_reach(
    conn: &mut AsyncPgConnection,
    period: &Period,
) -> ApiResult<Vec<PostReach>> {
    let rows = model::published_posts(conn, period).await?;
    let mut posts: Vec<PostReach> = rows.into_iter().map(post_reach).collect();
    posts.sort_by(|a, b| {
        b.viewers
            .cmp(&a.viewers)
            .then(b.published_at.cmp(&a.published_at))
    });
    Ok(posts)
}

pub async fn content(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<ContentReport> {
    let mut posts = posts_reach(conn, period).await?;
    let viewers: i64 = posts.iter().map(|post| post.viewers).sum();
    let engaged: i64 = posts
        .iter()
        .map(|post| post.reactions + post.comments)
        .sum();
    let announcements: Vec<&PostReach> = posts
        .iter()
        .filter(|post| post.acknowledgements.is_some())
        .collect();
    let acknowledged: i64 = announcements
        .iter()
        .filter_map(|post| post.acknowledgements)
        .sum();
    let announced_to: i64 = announcements.iter().map(|post| post.audience).sum();
    let report = ContentReport {
        posts: posts.len() as i64,
        average_reach: ratio(
            posts.iter().map(|post| post.reach).sum(),
            posts.len() as f64,
        ),
        engagement_rate: ratio(engaged as f64, viewers as f64),
        announcements: announcements.len() as i64,
        acknowledgement_rate: (!announcements.is_empty())
            .then(|| ratio(acknowledged as f64, announced_to as f64)),
        top_posts: Vec::new(),
    };
    posts.truncate(TOP);
    Ok(ContentReport {
        top_posts: posts,
        ..report
    })
}

/// A post without a title is headed by the start of its text, this long at most.
const HEADLINE_CHARS: usize = 80;

fn post_reach(row: PostRow) -> PostReach {
    let announcement = row.requires_acknowledgement;
    // Viewers since deactivated are no longer in the audience: never count more than it.
    let reached = row.in_audience.unwrap_or(row.viewers).min(row.audience);
    PostReach {
        post_id: row.id,
        headline: match &row.title {
            Some(title) if !title.trim().is_empty() => title.clone(),
            _ => crate::markdown::excerpt(&row.body, HEADLINE_CHARS),
        },
        title: row.title,
        published_at: row.published_at,
        viewers: row.viewers,
        audience: row.audience,
        reached,
        reach: ratio(reached as f64, row.audience as f64),
        outside_viewers: row.viewers - reached,
        reactions: row.reactions,
        comments: row.comments,
        engagement: ratio((row.reactions + row.comments) as f64, row.viewers as f64),
        acknowledgements: announcement.then_some(row.acknowledgements),
        acknowledgement_rate: announcement
            .then(|| ratio(row.acknowledgements as f64, row.audience as f64)),
    }
}

// ----- Notifications and searches ---------------------------------------------------------

#[derive(Debug, Clone, SimpleObject)]
pub struct NotificationsPoint {
    pub date: Date,
    pub received: i64,
    pub opened: i64,
    /// Notifications received per account per week in the bucket.
    pub per_user_per_week: f64,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct NotificationsReport {
    pub series: Vec<NotificationsPoint>,
    pub received: i64,
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
    pub display_name: String,
    pub received: i64,
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

#[derive(Debug, Clone, SimpleObject)]
pub struct MissedSearch {
    /// Folded to lower-case ASCII (accents removed).
    pub query: String,
    pub searches: i64,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct SearchReport {
    pub searches: i64,
    pub without_results: i64,
    /// `withoutResults ÷ searches`.
    pub share_without_results: f64,
    /// The queries that most often found nothing.
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
