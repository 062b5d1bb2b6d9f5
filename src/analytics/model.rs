//! The reports' SQL: rows read from the daily rollups and, for content, from the per-post
//! tables the posts feature keeps. `reports` shapes them; each report is a few statements
//! whatever the range.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{
    BigInt, Bool, Date as SqlDate, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::activity::{ActivityKind, actions_only};
use super::period::Period;
use crate::error::ApiResult;

#[derive(diesel::QueryableByName)]
pub struct ActiveDayRow {
    #[diesel(sql_type = Text)]
    pub dimension: String,
    #[diesel(sql_type = SqlDate)]
    pub day: NaiveDate,
    #[diesel(sql_type = Text)]
    pub value: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub dau: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub wau: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub mau: i32,
}

#[derive(diesel::QueryableByName)]
pub struct DistinctRow {
    /// `all`, `department` or `site`.
    #[diesel(sql_type = Text)]
    pub dimension: String,
    #[diesel(sql_type = Text)]
    pub value: String,
    #[diesel(sql_type = BigInt)]
    pub users: i64,
}

#[derive(diesel::QueryableByName)]
pub struct AdoptionRow {
    #[diesel(sql_type = BigInt)]
    pub accounts: i64,
    #[diesel(sql_type = BigInt)]
    pub active_accounts: i64,
    #[diesel(sql_type = BigInt)]
    pub never_activated: i64,
    #[diesel(sql_type = BigInt)]
    pub open_invitations: i64,
}

#[derive(diesel::QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
pub struct FeatureRow {
    #[diesel(sql_type = Text)]
    pub feature: String,
    #[diesel(sql_type = BigInt)]
    pub events: i64,
    #[diesel(sql_type = BigInt)]
    pub user_days: i64,
}

#[derive(diesel::QueryableByName)]
pub struct GroupRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub members: i64,
    #[diesel(sql_type = BigInt)]
    pub events: i64,
    #[diesel(sql_type = BigInt)]
    pub active_members: i64,
    #[diesel(sql_type = BigInt)]
    pub outside_readers: i64,
    #[diesel(sql_type = BigInt)]
    pub joined: i64,
}

#[derive(diesel::QueryableByName)]
pub struct PostRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Timestamptz)]
    pub published_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub requires_acknowledgement: bool,
    #[diesel(sql_type = BigInt)]
    pub viewers: i64,
    #[diesel(sql_type = BigInt)]
    pub audience: i64,
    /// Viewers in a group post's audience (none for organization-wide posts).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub in_audience: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub reactions: i64,
    #[diesel(sql_type = BigInt)]
    pub comments: i64,
    #[diesel(sql_type = BigInt)]
    pub acknowledgements: i64,
}

#[derive(diesel::QueryableByName)]
pub struct ActionDayRow {
    #[diesel(sql_type = SqlDate)]
    pub day: NaiveDate,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = BigInt)]
    pub events: i64,
}

#[derive(diesel::QueryableByName)]
pub struct MissedRow {
    #[diesel(sql_type = Text)]
    pub query: String,
    #[diesel(sql_type = BigInt)]
    pub searches: i64,
}

/// `sql` with the period bound: `$1` its scope (the nil id for the organization), `$2` and `$3`
/// its first and last days.
fn in_period<'a>(sql: impl Into<String>, period: &Period) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(period.scope.id())
        .bind::<SqlDate, _>(period.from)
        .bind::<SqlDate, _>(period.to)
}

/// Like `in_period`, with `$4` the organization's time zone, for timestamps cut into its days.
fn in_local_period<'a>(
    sql: impl Into<String>,
    period: &'a Period,
) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    in_period(sql, period).bind::<Text, _>(&period.time_zone)
}

/// The active accounts a scope reaches: everyone's, or the group's members'.
const AUDIENCE: &str = "audience AS (
     SELECT p.id FROM users p
     WHERE p.status = 'active'
       AND ($1 = '00000000-0000-0000-0000-000000000000'::uuid
            OR EXISTS (SELECT 1 FROM group_memberships m WHERE m.group_id = $1 AND m.user_id = p.id)))";

/// How many notifications one person received over the range.
#[derive(diesel::QueryableByName)]
pub struct RecipientRow {
    #[diesel(sql_type = SqlUuid)]
    pub user_id: Uuid,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = BigInt)]
    pub received: i64,
    #[diesel(sql_type = BigInt)]
    pub opened: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub per_week: f64,
}

/// The active-user counts of each day and dimension (all, department, site) in the period.
pub async fn active_days(
    conn: &mut AsyncPgConnection,
    period: &Period,
) -> ApiResult<Vec<ActiveDayRow>> {
    Ok(in_period(
        "SELECT dimension, day, value, dau, wau, mau FROM activity_active_days
     WHERE scope = $1 AND day BETWEEN $2 AND $3",
        period,
    )
    .load(conn)
    .await?)
}

/// People active at least once in the period: in all, by department and by site.
pub async fn distinct_active(
    conn: &mut AsyncPgConnection,
    period: &Period,
) -> ApiResult<Vec<DistinctRow>> {
    Ok(in_period(
    "SELECT CASE WHEN GROUPING(p.department) = 0 THEN 'department'
                 WHEN GROUPING(p.site) = 0 THEN 'site' ELSE 'all' END AS dimension,
            coalesce(CASE WHEN GROUPING(p.department) = 0 THEN p.department ELSE p.site END, '') AS value,
            count(*) AS users
     FROM (SELECT DISTINCT user_id FROM activity_user_days
           WHERE scope = $1 AND day BETWEEN $2 AND $3) u
     JOIN users p ON p.id = u.user_id
     GROUP BY GROUPING SETS ((), (p.department), (p.site))",
        period,
    )
    .load(conn)
    .await?)
}

/// The active accounts of the period's scope (see `AUDIENCE`).
pub async fn accounts(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<i64> {
    let row: CountRow = diesel::sql_query(format!(
        "WITH {AUDIENCE} SELECT count(*) AS n FROM audience"
    ))
    .bind::<SqlUuid, _>(period.scope.id())
    .get_result(conn)
    .await?;
    Ok(row.n)
}

/// Accounts, active accounts, never-activated accounts and open invitations.
pub async fn adoption(conn: &mut AsyncPgConnection, period: &Period) -> ApiResult<AdoptionRow> {
    Ok(in_period(
        format!(
    "WITH {AUDIENCE}
     SELECT (SELECT count(*) FROM audience) AS accounts,
            (SELECT count(*) FROM (SELECT DISTINCT user_id FROM activity_user_days
                                   WHERE scope = $1 AND day BETWEEN $2 AND $3) u
             JOIN audience a ON a.id = u.user_id) AS active_accounts,
            (SELECT count(*) FROM users WHERE status = 'pending') AS never_activated,
            (SELECT count(*) FROM account_invitations
              WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()) AS open_invitations"
        ),
        period,
    )
    .get_result(conn)
    .await?)
}

/// Things people did, by feature (deliveries left out: see `actions_only`).
pub async fn feature_events(
    conn: &mut AsyncPgConnection,
    period: &Period,
) -> ApiResult<Vec<FeatureRow>> {
    Ok(in_period(
        format!(
            "SELECT f.feature, sum(f.events)::bigint AS events, sum(f.users)::bigint AS user_days
     FROM activity_feature_days f
     WHERE f.scope = $1 AND f.day BETWEEN $2 AND $3 AND {}
     GROUP BY f.feature",
            actions_only("f")
        ),
        period,
    )
    .load(conn)
    .await?)
}

/// Every live group of the scope with its members, their activity in it, outside readers and members who joined in the range.
pub async fn group_activity(
    conn: &mut AsyncPgConnection,
    period: &Period,
) -> ApiResult<Vec<GroupRow>> {
    Ok(in_local_period(
    "WITH live AS (
         SELECT id, name, member_count FROM groups
         WHERE archived_at IS NULL
           AND ($1 = '00000000-0000-0000-0000-000000000000'::uuid OR id = $1)
     ), activity AS (
         SELECT u.scope,
                coalesce(sum(u.events) FILTER (WHERE m.user_id IS NOT NULL), 0)::bigint AS events,
                count(DISTINCT u.user_id) FILTER (WHERE m.user_id IS NOT NULL) AS active_members,
                count(DISTINCT u.user_id) FILTER (WHERE m.user_id IS NULL) AS outside_readers
         FROM activity_user_days u
         LEFT JOIN group_memberships m ON m.group_id = u.scope AND m.user_id = u.user_id
         WHERE u.scope IN (SELECT id FROM live) AND u.day BETWEEN $2 AND $3
         GROUP BY u.scope
     ), joined AS (
         SELECT m.group_id, count(*) AS joined FROM group_memberships m
         WHERE m.created_at >= ($2::timestamp AT TIME ZONE $4) AND m.created_at < (($3 + 1)::timestamp AT TIME ZONE $4)
           AND ($1 = '00000000-0000-0000-0000-000000000000'::uuid OR m.group_id = $1)
         GROUP BY m.group_id
     )
     SELECT g.id, g.name, g.member_count::bigint AS members,
            coalesce(a.events, 0) AS events, coalesce(a.active_members, 0) AS active_members,
            coalesce(a.outside_readers, 0) AS outside_readers, coalesce(j.joined, 0) AS joined
     FROM live g
     LEFT JOIN activity a ON a.scope = g.id
     LEFT JOIN joined j ON j.group_id = g.id",
        period,
    )
    .load(conn)
    .await?)
}

/// The posts published in the range with their viewers, audience, reactions, comments and acknowledgements.
pub async fn published_posts(
    conn: &mut AsyncPgConnection,
    period: &Period,
) -> ApiResult<Vec<PostRow>> {
    Ok(in_local_period(
    "WITH published AS (
         SELECT p.id, p.title, p.body, p.published_at, p.requires_acknowledgement, p.organization_wide
         FROM posts p
         WHERE p.deleted_at IS NULL
           AND p.published_at >= ($2::timestamp AT TIME ZONE $4)
           AND p.published_at < (($3 + 1)::timestamp AT TIME ZONE $4)
           AND p.published_at <= now()
           AND ($1 = '00000000-0000-0000-0000-000000000000'::uuid
                OR EXISTS (SELECT 1 FROM post_audiences a WHERE a.post_id = p.id AND a.group_id = $1))
     ), everyone AS (SELECT count(*) AS n FROM users WHERE status = 'active')
     SELECT p.id, p.title, p.body, p.published_at, p.requires_acknowledgement,
            (SELECT count(*) FROM post_views v WHERE v.post_id = p.id) AS viewers,
            CASE WHEN p.organization_wide THEN (SELECT n FROM everyone)
                 ELSE (SELECT count(DISTINCT m.user_id) FROM post_audiences a
                       JOIN group_memberships m ON m.group_id = a.group_id
                       WHERE a.post_id = p.id) END AS audience,
            -- Everyone who opens an organization-wide post is in its audience.
            CASE WHEN NOT p.organization_wide
                 THEN (SELECT count(*) FROM post_views v WHERE v.post_id = p.id AND EXISTS (
                           SELECT 1 FROM post_audiences a JOIN group_memberships m ON m.group_id = a.group_id
                           WHERE a.post_id = p.id AND m.user_id = v.user_id)) END AS in_audience,
            (SELECT count(*) FROM reactions r WHERE r.subject_id = p.id) AS reactions,
            (SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.deleted_at IS NULL) AS comments,
            (SELECT count(*) FROM post_acknowledgements k WHERE k.post_id = p.id) AS acknowledgements
     FROM published p",
        period,
    )
    .load(conn)
    .await?)
}

/// The queries that most often found nothing, most first.
pub async fn missed_searches(
    conn: &mut AsyncPgConnection,
    period: &Period,
    top: i64,
) -> ApiResult<Vec<MissedRow>> {
    Ok(in_period(
        "SELECT query, sum(searches)::bigint AS searches FROM activity_missed_search_days
     WHERE scope = $1 AND day BETWEEN $2 AND $3
     GROUP BY query ORDER BY searches DESC, query LIMIT $4",
        period,
    )
    .bind::<BigInt, _>(top)
    .load(conn)
    .await?)
}

/// The people who received the most notifications over the range (raw activity, so only what
/// is still kept; the rollups have no per-person counts per feature), most first.
pub async fn busiest_recipients(
    conn: &mut AsyncPgConnection,
    period: &Period,
    limit: i64,
) -> ApiResult<Vec<RecipientRow>> {
    Ok(in_local_period(
        "SELECT e.user_id, u.display_name,
                count(*) FILTER (WHERE e.action = $5) AS received,
                count(*) FILTER (WHERE e.action = $6) AS opened,
                count(*) FILTER (WHERE e.action = $5) * 7.0::float8 / $9 AS per_week
         FROM activity_events e JOIN users u ON u.id = e.user_id
         WHERE e.feature = $7
           AND e.occurred_at >= ($2::timestamp AT TIME ZONE $4)
           AND e.occurred_at < (($3 + 1)::timestamp AT TIME ZONE $4)
           AND ($1 = '00000000-0000-0000-0000-000000000000'::uuid OR e.group_id = $1)
         GROUP BY e.user_id, u.display_name
         HAVING count(*) FILTER (WHERE e.action = $5) > 0
         ORDER BY received DESC, u.display_name
         LIMIT $8",
        period,
    )
    .bind::<Text, _>(ActivityKind::NotificationReceived.action())
    .bind::<Text, _>(ActivityKind::NotificationOpened.action())
    .bind::<Text, _>(ActivityKind::NotificationReceived.feature())
    .bind::<BigInt, _>(limit)
    .bind::<diesel::sql_types::Double, _>(period.days().max(1) as f64)
    .load(conn)
    .await?)
}

/// One feature's events per day and action.
pub async fn feature_days(
    conn: &mut AsyncPgConnection,
    period: &Period,
    feature: &str,
) -> ApiResult<Vec<ActionDayRow>> {
    Ok(in_period(
        "SELECT day, action, events::bigint AS events FROM activity_feature_days
         WHERE scope = $1 AND day BETWEEN $2 AND $3 AND feature = $4",
        period,
    )
    .bind::<Text, _>(feature)
    .load(conn)
    .await?)
}

/// How often a feature was used over the range, and on how many distinct things.
#[derive(diesel::QueryableByName)]
pub struct SubjectsRow {
    #[diesel(sql_type = BigInt)]
    pub events: i64,
    #[diesel(sql_type = BigInt)]
    pub subjects: i64,
}

/// One feature's actions over the range with the distinct things they were about.
pub async fn subjects_used(
    conn: &mut AsyncPgConnection,
    period: &Period,
    feature: &str,
) -> ApiResult<SubjectsRow> {
    Ok(in_period(
        "SELECT coalesce(sum(events), 0)::bigint AS events,
                count(DISTINCT subject_id) AS subjects
         FROM activity_subject_days
         WHERE scope = $1 AND feature = $4 AND day BETWEEN $2 AND $3",
        period,
    )
    .bind::<Text, _>(feature)
    .get_result(conn)
    .await?)
}
