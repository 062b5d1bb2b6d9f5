//! The daily rollups every report reads, kept up to date incrementally: appending activity marks
//! its days dirty (in the same transaction), and the rollup job recomputes just those days from
//! the raw events, then the active-user counts of the 30 days each one is part of. Recomputing a
//! whole day (rather than adding to counters) makes the job idempotent and safe to run on any
//! number of instances: days are claimed with `FOR UPDATE SKIP LOCKED`.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Array, Date, Integer, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::activity::actions_only;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{Job, enqueue_once};
use crate::services::Services;

/// Days recomputed per run (a run re-enqueues itself while dirty days remain).
const DAYS_PER_RUN: i64 = 31;
/// The rollup runs at most once per this many seconds (activity waits that long, at most, to
/// show in the reports).
pub const ROLLUP_EVERY_SECONDS: i64 = 300;
/// Monthly active users count the 30 days ending on a day.
const MONTH_DAYS: i64 = 30;

/// Marks the organization-time-zone days of `times` for recomputing.
pub async fn mark_dirty(conn: &mut AsyncPgConnection, times: &[DateTime<Utc>]) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO activity_dirty_days (day)
         SELECT DISTINCT (t AT TIME ZONE o.time_zone)::date FROM unnest($1) t, organization o
         ON CONFLICT DO NOTHING",
    )
    .bind::<Array<Timestamptz>, _>(times)
    .execute(conn)
    .await?;
    Ok(())
}

/// Schedules a rollup run at the next `ROLLUP_EVERY_SECONDS` boundary (once per boundary).
pub async fn schedule(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> ApiResult<()> {
    let (slot, run_at) = crate::jobs::next_boundary(now, ROLLUP_EVERY_SECONDS);
    enqueue_once(
        conn,
        &Job::RollUpActivity,
        run_at,
        &format!("activity-rollup:{slot}"),
    )
    .await
}

/// Marks every day that still has raw activity for recomputing: the organization's days moved
/// (a new time zone). Older days keep the rollups they have.
pub async fn rebuild(conn: &mut AsyncPgConnection) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO activity_dirty_days (day)
         SELECT generate_series(
             ((now() - make_interval(days => o.activity_retention_days + 1)) AT TIME ZONE o.time_zone)::date,
             (now() AT TIME ZONE o.time_zone)::date,
             interval '1 day')::date
         FROM organization o
         ON CONFLICT DO NOTHING",
    )
    .execute(conn)
    .await?;
    schedule(conn, Utc::now()).await
}

/// Deletes raw activity older than the retention setting (the rollups stay).
pub async fn delete_expired(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    Ok(diesel::sql_query(
        "DELETE FROM activity_events
         WHERE occurred_at < now() - make_interval(days => (SELECT activity_retention_days FROM organization))",
    )
    .execute(conn)
    .await?)
}

/// One run of the rollup job: recomputes a batch of dirty days; returns how many.
pub async fn run(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let days = claim_dirty_days(conn).await?;
    if days.is_empty() {
        return Ok(0);
    }
    let time_zone = crate::organization::model::get(conn).await?.time_zone;
    recompute_days(conn, &days, &time_zone).await?;
    let today = super::period::today_in(&time_zone);
    recompute_active_users(conn, &affected_days(&days, today)).await?;
    if days.len() as i64 == DAYS_PER_RUN {
        schedule(conn, Utc::now()).await?;
    }
    Ok(days.len())
}

/// Writes what is queued and rolls up every dirty day now (the demo, the benchmark, tests).
pub async fn roll_up_now(services: &Services) -> ApiResult<usize> {
    services.activity.flush().await;
    let mut conn = services.pool.get().await?;
    let mut total = 0;
    loop {
        let done = conn
            .transaction::<_, ApiError, _>(async |conn| run(conn).await)
            .await?;
        if done == 0 {
            return Ok(total);
        }
        total += done;
    }
}

#[derive(diesel::QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
}

async fn claim_dirty_days(conn: &mut AsyncPgConnection) -> ApiResult<Vec<NaiveDate>> {
    let rows: Vec<DayRow> = diesel::sql_query(
        "DELETE FROM activity_dirty_days WHERE day IN (
             SELECT day FROM activity_dirty_days ORDER BY day LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING day",
    )
    .bind::<diesel::sql_types::BigInt, _>(DAYS_PER_RUN)
    .load(conn)
    .await?;
    let mut days: Vec<NaiveDate> = rows.into_iter().map(|row| row.day).collect();
    days.sort_unstable();
    Ok(days)
}

/// The days whose 1-, 7- and 30-day windows contain one of `days`, up to today.
fn affected_days(days: &[NaiveDate], today: NaiveDate) -> Vec<NaiveDate> {
    let mut affected: Vec<NaiveDate> = days
        .iter()
        .flat_map(|day| (0..MONTH_DAYS).map(move |k| *day + chrono::Duration::days(k)))
        .filter(|day| *day <= today)
        .collect();
    affected.sort_unstable();
    affected.dedup();
    affected
}

/// The events of a day: from its local midnight to the next, in the organization's zone.
const DAY_EVENTS: &str = "unnest($1::date[]) d(day)
     JOIN activity_events e
       ON e.occurred_at >= (d.day::timestamp AT TIME ZONE $2)
      AND e.occurred_at < ((d.day + 1)::timestamp AT TIME ZONE $2)";

/// Each row counts once for the organization (the nil scope) and once for its group.
const SCOPE: &str = "CASE WHEN GROUPING(e.group_id) = 1 THEN '00000000-0000-0000-0000-000000000000'::uuid ELSE e.group_id END";

async fn recompute_days(
    conn: &mut AsyncPgConnection,
    days: &[NaiveDate],
    time_zone: &str,
) -> ApiResult<()> {
    for table in [
        "activity_user_days",
        "activity_feature_days",
        "activity_missed_search_days",
        "activity_subject_days",
    ] {
        diesel::sql_query(format!("DELETE FROM {table} WHERE day = ANY($1)"))
            .bind::<Array<Date>, _>(days)
            .execute(conn)
            .await?;
    }
    let statements = [
        // Active people count what they did only; feature use keeps every kind (the
        // notifications report reads deliveries from it).
        format!(
            "INSERT INTO activity_user_days (scope, day, user_id, events)
             SELECT {SCOPE}, d.day, e.user_id, count(*) FROM {DAY_EVENTS}
             WHERE {}
             GROUP BY GROUPING SETS ((d.day, e.user_id), (d.day, e.group_id, e.user_id))
             HAVING GROUPING(e.group_id) = 1 OR e.group_id IS NOT NULL",
            actions_only("e")
        ),
        format!(
            "INSERT INTO activity_feature_days (scope, day, feature, action, events, users)
             SELECT {SCOPE}, d.day, e.feature, e.action, count(*), count(DISTINCT e.user_id)
             FROM {DAY_EVENTS}
             GROUP BY GROUPING SETS ((d.day, e.feature, e.action), (d.day, e.group_id, e.feature, e.action))
             HAVING GROUPING(e.group_id) = 1 OR e.group_id IS NOT NULL"
        ),
        format!(
            "INSERT INTO activity_missed_search_days (scope, day, query, searches)
             SELECT {SCOPE}, d.day, e.detail, count(*) FROM {DAY_EVENTS}
             WHERE e.action = 'found_nothing' AND e.detail IS NOT NULL
             GROUP BY GROUPING SETS ((d.day, e.detail), (d.day, e.group_id, e.detail))
             HAVING GROUPING(e.group_id) = 1 OR e.group_id IS NOT NULL"
        ),
        format!(
            "INSERT INTO activity_subject_days (scope, day, feature, subject_id, events)
             SELECT {SCOPE}, d.day, e.feature, e.subject_id, count(*) FROM {DAY_EVENTS}
             WHERE e.subject_id IS NOT NULL AND {}
             GROUP BY GROUPING SETS ((d.day, e.feature, e.subject_id),
                                     (d.day, e.group_id, e.feature, e.subject_id))
             HAVING GROUPING(e.group_id) = 1 OR e.group_id IS NOT NULL",
            actions_only("e")
        ),
    ];
    for statement in statements {
        diesel::sql_query(statement)
            .bind::<Array<Date>, _>(days)
            .bind::<Text, _>(time_zone)
            .execute(conn)
            .await?;
    }
    // Activity counted anonymously (`activity::count_anonymously`), for the organization only:
    // each one counts as one person, since nobody is known.
    diesel::sql_query(
        "INSERT INTO activity_feature_days (scope, day, feature, action, events, users)
         SELECT '00000000-0000-0000-0000-000000000000'::uuid, day, feature, action, events, events
         FROM activity_anonymous_days WHERE day = ANY($1)
         ON CONFLICT (scope, day, feature, action) DO UPDATE
         SET events = activity_feature_days.events + excluded.events,
             users = activity_feature_days.users + excluded.users",
    )
    .bind::<Array<Date>, _>(days)
    .execute(conn)
    .await?;
    Ok(())
}

async fn recompute_active_users(conn: &mut AsyncPgConnection, days: &[NaiveDate]) -> ApiResult<()> {
    if days.is_empty() {
        return Ok(());
    }
    diesel::sql_query("DELETE FROM activity_active_days WHERE day = ANY($1)")
        .bind::<Array<Date>, _>(days)
        .execute(conn)
        .await?;
    diesel::sql_query(
        "INSERT INTO activity_active_days (scope, dimension, day, value, dau, wau, mau)
         WITH people AS (
             -- Each person once per window: hashing these beats counting distinct per group.
             SELECT a.day, u.scope, u.user_id,
                    bool_or(u.day = a.day) AS daily, bool_or(u.day > a.day - 7) AS weekly
             FROM unnest($1::date[]) a(day)
             JOIN activity_user_days u ON u.day > a.day - $2 AND u.day <= a.day
             GROUP BY a.day, u.scope, u.user_id
         )
         SELECT w.scope, dim.dimension, w.day, dim.value,
                count(*) FILTER (WHERE w.daily), count(*) FILTER (WHERE w.weekly), count(*)
         FROM people w
         JOIN users p ON p.id = w.user_id
         CROSS JOIN LATERAL (VALUES ('all', ''),
                                    ('department', coalesce(p.department, '')),
                                    ('site', coalesce(p.site, ''))) dim (dimension, value)
         GROUP BY w.scope, dim.dimension, w.day, dim.value",
    )
    .bind::<Array<Date>, _>(days)
    .bind::<Integer, _>(MONTH_DAYS as i32)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_day_affects_the_thirty_days_it_is_part_of_up_to_today() {
        let affected = affected_days(&[day("2026-11-01")], day("2026-11-10"));
        assert_eq!(affected.len(), 10);
        assert_eq!(affected[0], day("2026-11-01"));
        assert_eq!(affected[9], day("2026-11-10"));
        let month = affected_days(&[day("2026-10-01")], day("2026-12-01"));
        assert_eq!(month.len(), 30);
        assert_eq!(month[29], day("2026-10-30"));
    }
}
