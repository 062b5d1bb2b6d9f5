//! Ninety days of the demo organization's activity, so the dashboard shows shapes: a quiet pilot,
//! a launch spike sixty days ago, busy weekdays and empty weekends, and one department (Finance)
//! that never took to it (only its pilot member still comes by, rarely). People read the posts
//! of their own groups mostly, and now and then one of a public group they are not in.
//! Deterministic, and written once.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::activity::{self, Activity, ActivityKind};
use crate::demo::Lcg;
use crate::error::ApiResult;

const DAYS: i64 = 90;
/// The day (counted back from today) everyone was invited; before it, only the pilot group.
const LAUNCH: i64 = 60;
const PILOT: usize = 10;
const INACTIVE_DEPARTMENT: &str = "Finance";
const SEARCHES_IN_VAIN: &[&str] = &[
    "congés payés",
    "mutuelle",
    "parking lyon",
    "note de frais",
    "expense policy",
    "wifi password",
];
const SEARCHES: &[&str] = &["planning", "onboarding", "Hélène", "budget 2027"];

#[derive(diesel::QueryableByName)]
struct Person {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    department: Option<String>,
}

#[derive(diesel::QueryableByName)]
struct Subject {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    group_id: Option<Uuid>,
    /// Anyone may read it: organization-wide, or in a public group.
    #[diesel(sql_type = Bool)]
    open: bool,
    /// Its groups' members (none for an organization-wide post).
    #[diesel(sql_type = diesel::sql_types::Array<SqlUuid>)]
    audience: Vec<Uuid>,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Writes the history unless some activity is already there; returns how many rows it wrote.
pub async fn seed(conn: &mut AsyncPgConnection, people: &[Uuid]) -> ApiResult<usize> {
    let existing: Count = diesel::sql_query("SELECT count(*) AS n FROM activity_events")
        .get_result(conn)
        .await?;
    if existing.n > 0 || people.is_empty() {
        return Ok(0);
    }
    let persons: Vec<Person> =
        diesel::sql_query("SELECT id, department FROM users WHERE id = ANY($1)")
            .bind::<diesel::sql_types::Array<SqlUuid>, _>(people)
            .load(conn)
            .await?;
    let posts: Vec<Subject> = diesel::sql_query(
        "SELECT p.id,
                (SELECT a.group_id FROM post_audiences a WHERE a.post_id = p.id LIMIT 1) AS group_id,
                p.organization_wide OR EXISTS (
                    SELECT 1 FROM post_audiences a JOIN groups g ON g.id = a.group_id
                    WHERE a.post_id = p.id AND g.visibility = 'public') AS open,
                ARRAY(SELECT DISTINCT m.user_id FROM post_audiences a
                      JOIN group_memberships m ON m.group_id = a.group_id
                      WHERE a.post_id = p.id) AS audience
         FROM posts p WHERE p.published_at <= now() AND p.deleted_at IS NULL ORDER BY p.id",
    )
    .load(conn)
    .await?;
    let history = history(people, &persons, &posts);
    for batch in history.chunks(activity::BATCH) {
        activity::append_in(conn, batch).await?;
    }
    record_views(conn, &history).await?;
    while super::rollup::run(conn).await? > 0 {}
    Ok(history.len())
}

/// The chance that someone is active on a day, by the day and who they are.
fn chance(days_ago: i64, weekday: Weekday, index: usize, department: Option<&str>) -> u64 {
    let weekend = matches!(weekday, Weekday::Sat | Weekday::Sun);
    let base = if days_ago > LAUNCH {
        if index < PILOT { 35 } else { 0 }
    } else if days_ago > LAUNCH - 7 {
        90
    } else {
        // Settling after the launch: from 70 % down to 55 % of people on a weekday.
        55 + (days_ago * 15 / LAUNCH) as u64
    };
    let base = if weekend { base / 8 } else { base };
    let finance_after_launch = department == Some(INACTIVE_DEPARTMENT) && days_ago <= LAUNCH;
    match (finance_after_launch, index < PILOT) {
        (false, _) => base,
        // Only its pilot member still comes by, rarely.
        (true, true) => base / 12,
        (true, false) => 0,
    }
}

fn history(order: &[Uuid], persons: &[Person], posts: &[Subject]) -> Vec<Activity> {
    let mut random = Lcg(2026);
    let mut history = Vec::new();
    let today = Utc::now().date_naive();
    let open: Vec<&Subject> = posts.iter().filter(|post| post.open).collect();
    for days_ago in (0..DAYS).rev() {
        let day = today - Duration::days(days_ago);
        for (index, id) in order.iter().enumerate() {
            let department = persons
                .iter()
                .find(|person| person.id == *id)
                .and_then(|person| person.department.as_deref());
            if random.next() % 100 >= chance(days_ago, day.weekday(), index, department) {
                continue;
            }
            let hour = 8 + random.next() % 10;
            let minute = random.next() % 60;
            let Some(start) = day
                .and_hms_opt(hour as u32, minute as u32, 0)
                .map(|time| Utc.from_utc_datetime(&time))
            else {
                continue;
            };
            let readable: Vec<&Subject> = posts
                .iter()
                .filter(|post| post.group_id.is_none() || post.audience.contains(id))
                .collect();
            person_day(&mut random, &mut history, *id, start, [&readable, &open]);
        }
    }
    history
}

/// What one person does in a day they come by; `[readable, open]`: the posts of their audiences
/// (and the organization-wide ones), and those anyone may read.
fn person_day(
    random: &mut Lcg,
    history: &mut Vec<Activity>,
    user: Uuid,
    start: DateTime<Utc>,
    [readable, open]: [&[&Subject]; 2],
) {
    let mut minute = 0;
    let mut at = |random: &mut Lcg| {
        minute += 1 + random.next() % 20;
        start + Duration::minutes(minute as i64)
    };
    history.push(Activity::at(at(random), user, ActivityKind::SignedIn));
    for _ in 0..2 + random.next() % 3 {
        history.push(Activity::at(
            at(random),
            user,
            ActivityKind::NotificationReceived,
        ));
    }
    if random.next().is_multiple_of(2) {
        history.push(Activity::at(
            at(random),
            user,
            ActivityKind::NotificationOpened,
        ));
    }
    for _ in 0..1 + random.next() % 4 {
        // One read in five is of a public group's post, the reader a member or not.
        let posts = if random.next().is_multiple_of(5) {
            open
        } else {
            readable
        };
        let Some(post) = random.pick(posts) else {
            break;
        };
        let on_post = |kind| {
            Activity::at(start, user, kind)
                .in_group(post.group_id)
                .about(post.id)
        };
        history.push(on_post(ActivityKind::PostViewed));
        match random.next() % 10 {
            0..=2 => history.push(on_post(ActivityKind::Reacted)),
            3 => history.push(on_post(ActivityKind::Commented)),
            _ => {}
        }
    }
    let roll = random.next() % 20;
    let extra = match roll {
        0..=3 => Some(Activity::at(at(random), user, ActivityKind::FileDownloaded)),
        4 => Some(Activity::at(at(random), user, ActivityKind::FileUploaded)),
        5 | 6 => Some(Activity::at(at(random), user, ActivityKind::Responded)),
        7 => random
            .pick(SEARCHES_IN_VAIN)
            .map(|query| Activity::search(user, query, 0)),
        8 | 9 => random
            .pick(SEARCHES)
            .map(|query| Activity::search(user, query, 3)),
        10 => Some(Activity::at(at(random), user, ActivityKind::PostCreated)),
        _ => None,
    };
    if let Some(extra) = extra {
        let when = at(random);
        history.push(extra.happened_at(when));
    }
}

/// The posts' unique viewers follow the history (content reach reads them).
async fn record_views(conn: &mut AsyncPgConnection, history: &[Activity]) -> ApiResult<()> {
    let views: HashSet<(Uuid, Uuid)> = history.iter().filter_map(Activity::post_view).collect();
    let (posts, users): (Vec<Uuid>, Vec<Uuid>) = views.into_iter().unzip();
    diesel::sql_query(
        "INSERT INTO post_views (post_id, user_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(&posts)
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(&users)
    .execute(conn)
    .await?;
    // Seven in ten of the people who opened an announcement acknowledged it.
    diesel::sql_query(
        "INSERT INTO post_acknowledgements (post_id, user_id)
         SELECT v.post_id, v.user_id FROM post_views v JOIN posts p ON p.id = v.post_id
         WHERE p.requires_acknowledgement AND abs(hashtext(v.user_id::text)) % 10 < 7
         ON CONFLICT DO NOTHING",
    )
    .execute(conn)
    .await?;
    Ok(())
}
