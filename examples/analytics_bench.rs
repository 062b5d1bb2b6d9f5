//! Analytics at scale: generates a year of activity for an organization of 3,000 people in 150
//! groups (10,000,000 activity rows by default, with the posts, views, reactions, comments and
//! acknowledgements the view events imply), rolls every day up, then
//!
//! - times every report for the 90 days ending today, for the organization and for one group,
//!   called directly and as one `analytics` GraphQL query over HTTP (target: p95 under 200 ms);
//! - measures what capturing activity adds to request latency: a steady, open-loop 500
//!   requests/s of `post(id:)` (which records a view) against a server with capture on and one
//!   with capture off (`AppConfig::activity_capture`), in alternating rounds.
//!
//! ```sh
//! createdb -h 127.0.0.1 -U postgres parvis_analytics_bench
//! DATABASE_URL=postgres://postgres@127.0.0.1/parvis_analytics_bench \
//!     cargo run --release --example analytics_bench
//! # a quick run: --rows 20000 --iterations 3 --load-seconds 2
//! ```
//! The data is generated once: a later run with no more `--rows` reuses it (`--rollup` rolls
//! every day up again).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use clap::Parser;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use parvis::App;
use parvis::analytics::period::{Granularity, Period, Scope};
use parvis::analytics::{reports, rollup};
use parvis::config::AppConfig;
use parvis::db::DbSettings;
use serde_json::{Value, json};
use uuid::Uuid;

/// The target of every report.
const REPORT_P95: Duration = Duration::from_millis(200);
/// The most capture may add to request latency.
const CAPTURE_OVERHEAD: f64 = 0.01;
/// Days of history (the default retention).
const HISTORY_DAYS: i64 = 395;
const REPORT_DAYS: i64 = 90;
const PEOPLE: i64 = 3_000;
const GROUPS: i64 = 150;
/// Groups past this one have members but no posts and no activity (the silent ones).
const ACTIVE_GROUPS: i64 = 140;
const POSTS: i64 = 4_000;

#[derive(Debug, Parser)]
#[command(about = "Analytics benchmark: generate, roll up, time the reports and the capture")]
struct Options {
    /// Activity rows to generate.
    #[arg(long, env = "BENCH_ROWS", default_value_t = 10_000_000)]
    rows: i64,
    /// Timed calls of each report.
    #[arg(long, env = "BENCH_ITERATIONS", default_value_t = 50)]
    iterations: usize,
    /// Seconds of load per capture setting.
    #[arg(long, env = "BENCH_LOAD_SECONDS", default_value_t = 20)]
    load_seconds: u64,
    /// Requests per second of the capture measurement.
    #[arg(long, env = "BENCH_RATE", default_value_t = 500)]
    rate: u64,
    /// Roll every day up again even when the data is reused.
    #[arg(long)]
    rollup: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    let url = std::env::var("DATABASE_URL")
        .context("set DATABASE_URL to a PostgreSQL database for the benchmark")?;
    let mut settings = DbSettings::new(&url);
    settings.pool_size = 32;
    settings.statement_timeout = Duration::from_secs(3600);
    parvis::db::run_migrations(settings.connect().await?).await?;
    let mut conn = settings.connect().await?;

    let generated = generate(&mut conn, options.rows).await?;
    if generated || options.rollup || !rolled_up(&mut conn).await? {
        roll_up_everything(&mut conn).await?;
    }
    let bench = prepare_viewer(&mut conn).await?;
    let organization = Scope::Organization;
    let group = Scope::Group(bench.group);

    println!(
        "\nReports, {REPORT_DAYS} days ending today, {} calls each (p95 target {REPORT_P95:?}):",
        options.iterations
    );
    let mut failures = 0;
    for (label, scope) in [("organization", organization), ("group", group)] {
        failures += time_reports(&mut conn, label, scope, options.iterations).await?;
    }
    let server = Server::start(&settings, true).await?;
    for (label, group) in [("organization", None), ("group", Some(bench.group))] {
        let samples = time_graphql(&server, &bench.token, group, options.iterations).await?;
        failures += print_report_line(&format!("GraphQL analytics, {label}"), samples);
    }

    println!(
        "\nCapture overhead: post(id:) at {}/s, open loop, {} s per setting:",
        options.rate, options.load_seconds
    );
    let without = Server::start(&settings, false).await?;
    let overhead = capture_overhead(&server, &without, &bench, &options).await?;
    if overhead >= CAPTURE_OVERHEAD {
        failures += 1;
    }
    drop(without);
    drop(server);
    if failures > 0 {
        bail!("{failures} target(s) missed");
    }
    Ok(())
}

// ----- Generation -----------------------------------------------------------------------------

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> anyhow::Result<i64> {
    let row: Count = diesel::sql_query(sql).get_result(conn).await?;
    Ok(row.n)
}

/// Generates the organization and its history unless at least `rows` activity rows are there;
/// returns whether it did.
async fn generate(conn: &mut AsyncPgConnection, rows: i64) -> anyhow::Result<bool> {
    let existing = count(conn, "SELECT count(*) AS n FROM activity_events").await?;
    if existing >= rows {
        println!("reusing {existing} activity rows");
        return Ok(false);
    }
    if existing > 0 {
        bail!("the database holds {existing} activity rows, fewer than --rows: use a fresh one");
    }
    let started = Instant::now();
    conn.batch_execute(&organization_sql()).await?;
    println!(
        "generated {PEOPLE} people, {GROUPS} groups with {} memberships, {POSTS} posts in {:.1?}",
        count(conn, "SELECT count(*) AS n FROM group_memberships").await?,
        started.elapsed()
    );
    let started = Instant::now();
    conn.batch_execute(&activity_sql(rows)).await?;
    let inserted = count(conn, "SELECT count(*) AS n FROM activity_events").await?;
    println!(
        "generated {inserted} activity rows over {HISTORY_DAYS} days in {:.1?} ({:.0} rows/s)",
        started.elapsed(),
        inserted as f64 / started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    conn.batch_execute(CONTENT_SQL).await?;
    conn.batch_execute("VACUUM ANALYZE").await?;
    println!(
        "derived {} post views, {} reactions, {} comments, {} acknowledgements in {:.1?}",
        count(conn, "SELECT count(*) AS n FROM post_views").await?,
        count(conn, "SELECT count(*) AS n FROM reactions").await?,
        count(conn, "SELECT count(*) AS n FROM comments").await?,
        count(conn, "SELECT count(*) AS n FROM post_acknowledgements").await?,
        started.elapsed()
    );
    Ok(true)
}

/// People with departments and sites, groups with memberships (joined over the last 13 months),
/// and posts published evenly over the history, one in ten organization-wide, one in 25 an
/// announcement. Temporary tables number them for the activity generator.
fn organization_sql() -> String {
    format!(
        "INSERT INTO users (id, username, display_name, email, department, site, created_at)
         SELECT gen_random_uuid(), 'ab' || i, 'Personne ' || i, 'ab' || i || '@example.com',
                CASE WHEN i % 20 <> 0 THEN (ARRAY['Ventes','Engineering','Finance','RH','Support',
                     'Marketing','Juridique','Production'])[1 + i % 8] END,
                (ARRAY['Paris','Paris','Lyon','Lyon','Nantes','London','Remote'])[1 + (i / 7) % 7],
                now() - interval '420 days'
         FROM generate_series(0, {PEOPLE} - 1) AS i;
         INSERT INTO users (id, username, display_name, email, org_role)
         VALUES (gen_random_uuid(), 'ab-admin', 'Analytics Admin', 'ab-admin@example.com', 'admin');
         INSERT INTO groups (id, name, slug, visibility, join_policy, posting_policy, created_at)
         SELECT gen_random_uuid(), 'Groupe ' || i, 'ab-' || i,
                CASE WHEN i % 3 = 0 THEN 'private' ELSE 'public' END,
                CASE WHEN i % 3 = 0 THEN 'request' ELSE 'open' END, 'members', now() - interval '420 days'
         FROM generate_series(0, {GROUPS} - 1) AS i;
         CREATE TABLE bench_users AS
             SELECT substr(username, 3)::int AS n, id FROM users WHERE username ~ '^ab[0-9]+$';
         CREATE TABLE bench_groups AS
             SELECT substr(slug, 4)::int AS n, id FROM groups WHERE slug ~ '^ab-[0-9]+$';
         -- Person n is in 3 to 8 groups: (7n + 37k) mod {GROUPS}.
         INSERT INTO group_memberships (group_id, user_id, role, created_at)
         SELECT g.id, u.id, CASE WHEN u.n % 40 = k THEN 'manager' ELSE 'member' END,
                now() - (random() * 420) * interval '1 day'
         FROM bench_users u CROSS JOIN LATERAL generate_series(0, 2 + u.n % 6) AS k
         JOIN bench_groups g ON g.n = (u.n * 7 + k * 37) % {GROUPS};
         INSERT INTO group_memberships (group_id, user_id, role)
         SELECT g.id, u.id, 'manager' FROM bench_groups g, users u
         WHERE g.n = 1 AND u.username = 'ab-admin';
         CREATE TABLE bench_members AS
             SELECT g.n, array_agg(m.user_id) AS members, count(*)::int AS size
             FROM bench_groups g JOIN group_memberships m ON m.group_id = g.id GROUP BY g.n;
         CREATE TABLE bench_posts AS
             SELECT i AS n, gen_random_uuid() AS id,
                    CASE WHEN i % 10 <> 0 THEN (i * 13) % {ACTIVE_GROUPS} END AS group_n,
                    i % 25 = 0 AS announcement,
                    (date_trunc('day', now()) - interval '{HISTORY_DAYS} days')
                        + i * (interval '{HISTORY_DAYS} days' / {POSTS}) AS published_at
             FROM generate_series(0, {POSTS} - 1) AS i;
         INSERT INTO posts (id, author_id, title, body, body_html, organization_wide,
                            requires_acknowledgement, published_at, created_at)
         SELECT p.id, u.id, 'Nouvelles ' || p.n, 'Un message numéro ' || p.n,
                '<p>Un message numéro ' || p.n || '</p>', p.group_n IS NULL, p.announcement,
                p.published_at, p.published_at
         FROM bench_posts p JOIN bench_users u ON u.n = (p.n * 17) % {PEOPLE};
         INSERT INTO post_audiences (post_id, group_id, created_at)
         SELECT p.id, g.id, p.published_at FROM bench_posts p JOIN bench_groups g ON g.n = p.group_n;
         ANALYZE;"
    )
}

/// `rows` activity rows in time order over the days before today (weekdays 08:00 to 18:00 UTC,
/// weekends a sixth as busy, growing over the year). A few people do most (90 % of people are
/// active at all); each row's kind comes from a table of 1,000 slots: post views (in a post's
/// audience, mostly of the last two weeks' posts), notifications, searches (some finding
/// nothing, for 30 queries), sign-ins, reactions, comments, files, events, surveys.
fn activity_sql(rows: i64) -> String {
    let active_people = PEOPLE * 9 / 10;
    format!(
        "CREATE TABLE bench_days AS
             SELECT day::date AS day, (day::timestamp AT TIME ZONE o.time_zone) AS starts_at,
                    CASE WHEN extract(isodow FROM day) IN (6, 7) THEN 0.16 ELSE 1 END
                        * (0.8 + 0.4 * (row_number() OVER (ORDER BY day)) / {HISTORY_DAYS}.0) AS weight
             FROM organization o, generate_series((now() AT TIME ZONE o.time_zone)::date - {HISTORY_DAYS},
                                                  (now() AT TIME ZONE o.time_zone)::date - 1, interval '1 day') AS day;
         ALTER TABLE bench_days ADD COLUMN rows int;
         UPDATE bench_days SET rows = round({rows} * weight / (SELECT sum(weight) FROM bench_days));
         CREATE TABLE bench_kinds (slot int PRIMARY KEY, feature text, action text, on_post bool, in_group bool);
         INSERT INTO bench_kinds
         SELECT s, k.feature, k.action, k.on_post, k.in_group
         FROM generate_series(0, 999) s JOIN (VALUES
             (0, 380, 'posts', 'viewed', true, false),
             (380, 420, 'reactions', 'created', true, false),
             (420, 432, 'comments', 'created', true, false),
             (432, 440, 'announcements', 'acknowledged', true, false),
             (440, 445, 'posts', 'voted', true, false),
             (445, 500, 'sign_in', 'signed_in', false, false),
             (500, 580, 'search', 'found', false, false),
             (580, 600, 'search', 'found_nothing', false, false),
             (600, 780, 'notifications', 'received', false, false),
             (780, 850, 'notifications', 'opened', false, false),
             (850, 890, 'files', 'downloaded', false, true),
             (890, 900, 'files', 'uploaded', false, true),
             (900, 930, 'events', 'responded', false, true),
             (930, 935, 'events', 'created', false, true),
             (935, 950, 'surveys', 'answered', false, false),
             (950, 955, 'groups', 'joined', false, true),
             (955, 1000, 'posts', 'viewed', true, false)
         ) AS k (lo, hi, feature, action, on_post, in_group) ON s >= k.lo AND s < k.hi;
         ANALYZE bench_days; ANALYZE bench_kinds;
         INSERT INTO activity_events (occurred_at, user_id, group_id, feature, action, subject_id, detail)
         SELECT e.at,
                CASE WHEN k.on_post AND m.size > 0 THEN m.members[1 + floor(e.w * m.size)::int] ELSE u.id END,
                CASE WHEN k.on_post THEN pg.id WHEN k.in_group THEN ug.id END,
                CASE WHEN k.feature = 'announcements' AND NOT p.announcement THEN 'posts' ELSE k.feature END,
                CASE WHEN k.feature = 'announcements' AND NOT p.announcement THEN 'viewed' ELSE k.action END,
                CASE WHEN k.on_post THEN p.id END,
                CASE WHEN k.action = 'found_nothing' THEN 'requete ' || floor(e.w * e.w * 30)::int END
         FROM bench_days d
         CROSS JOIN LATERAL (
             SELECT d.starts_at + interval '8 hours' + (j::float8 / d.rows) * interval '10 hours' AS at,
                    random() AS r, random() AS who, random() AS which, random() AS w
             FROM generate_series(0, d.rows - 1) AS j) e
         JOIN bench_kinds k ON k.slot = floor(e.r * 1000)::int
         JOIN bench_posts p ON p.n = greatest(0, least({POSTS} - 1,
                 floor(extract(epoch FROM e.at - (SELECT min(published_at) FROM bench_posts))
                       / extract(epoch FROM interval '{HISTORY_DAYS} days' / {POSTS}))::int
                 - floor(e.which * e.which * e.which * 140)::int))
         LEFT JOIN bench_members m ON m.n = p.group_n
         LEFT JOIN bench_groups pg ON pg.n = p.group_n
         JOIN bench_users u ON u.n = floor({active_people} * e.who * e.who * e.who)::int
         LEFT JOIN bench_groups ug ON ug.n = (u.n * 7) % {GROUPS} AND ug.n < {ACTIVE_GROUPS};
         INSERT INTO activity_dirty_days (day) SELECT day FROM bench_days ON CONFLICT DO NOTHING;"
    )
}

/// What the posts feature keeps, consistent with the activity: a view per person and post
/// opened, the reactions, comments and acknowledgements recorded.
const CONTENT_SQL: &str = "
    INSERT INTO post_views (post_id, user_id, created_at)
    SELECT subject_id, user_id, min(occurred_at) FROM activity_events
    WHERE subject_id IS NOT NULL GROUP BY subject_id, user_id;
    INSERT INTO reactions (subject_id, user_id, emoji, subject_kind, created_at)
    SELECT subject_id, user_id, (ARRAY['👍','🎉','❤️','😂'])[1 + abs(hashtext(id::text)) % 4] AS emoji,
           'post', min(occurred_at)
    FROM activity_events WHERE feature = 'reactions' GROUP BY 1, 2, 3;
    INSERT INTO comments (id, post_id, author_id, body, body_html, created_at, updated_at)
    SELECT gen_random_uuid(), subject_id, user_id, 'Merci !', '<p>Merci !</p>', occurred_at, occurred_at
    FROM activity_events WHERE feature = 'comments';
    INSERT INTO post_acknowledgements (post_id, user_id, created_at)
    SELECT subject_id, user_id, min(occurred_at) FROM activity_events
    WHERE feature = 'announcements' GROUP BY 1, 2;
    DROP TABLE bench_days, bench_kinds, bench_members, bench_posts, bench_users, bench_groups;";

// ----- Rollup ---------------------------------------------------------------------------------

async fn rolled_up(conn: &mut AsyncPgConnection) -> anyhow::Result<bool> {
    Ok(count(conn, "SELECT count(*) AS n FROM activity_active_days").await? > 0)
}

/// Runs the rollup job until no day is dirty, as the job worker would, and times it.
async fn roll_up_everything(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    conn.batch_execute(
        "INSERT INTO activity_dirty_days (day)
         SELECT DISTINCT (occurred_at AT TIME ZONE o.time_zone)::date FROM activity_events, organization o
         ON CONFLICT DO NOTHING",
    )
    .await?;
    let started = Instant::now();
    let mut days = 0;
    let mut runs = Vec::new();
    loop {
        let run_started = Instant::now();
        let done = conn
            .transaction::<_, parvis::error::ApiError, _>(async |conn| rollup::run(conn).await)
            .await
            .map_err(|error| anyhow::anyhow!("rollup: {error:?}"))?;
        if done == 0 {
            break;
        }
        days += done;
        runs.push(run_started.elapsed());
    }
    let elapsed = started.elapsed();
    runs.sort();
    println!(
        "rolled up {days} days in {elapsed:.1?} ({} runs of up to 31 days, slowest {:.1?}); \
         activity_user_days {} rows, activity_active_days {}, activity_feature_days {}",
        runs.len(),
        runs.last().copied().unwrap_or_default(),
        count(conn, "SELECT count(*) AS n FROM activity_user_days").await?,
        count(conn, "SELECT count(*) AS n FROM activity_active_days").await?,
        count(conn, "SELECT count(*) AS n FROM activity_feature_days").await?,
    );
    // What autovacuum would have done by the time anyone reads reports.
    conn.batch_execute("VACUUM ANALYZE activity_user_days, activity_active_days, activity_feature_days, activity_missed_search_days")
        .await?;
    let started = Instant::now();
    conn.transaction::<_, parvis::error::ApiError, _>(async |conn| {
        diesel::sql_query("INSERT INTO activity_dirty_days (day) VALUES (current_date - 1) ON CONFLICT DO NOTHING")
            .execute(conn)
            .await?;
        rollup::run(conn).await
    })
    .await
    .map_err(|error| anyhow::anyhow!("rollup: {error:?}"))?;
    println!(
        "one day's incremental rollup (yesterday): {:.1?}",
        started.elapsed()
    );
    Ok(())
}

// ----- Reports --------------------------------------------------------------------------------

struct BenchViewer {
    token: String,
    /// Where group reports look: a group the admin manages.
    group: Uuid,
    /// An organization-wide post, for the load.
    post: Uuid,
}

#[derive(diesel::QueryableByName)]
struct Ids {
    #[diesel(sql_type = SqlUuid)]
    admin: Uuid,
    #[diesel(sql_type = SqlUuid)]
    group_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    post: Uuid,
}

async fn prepare_viewer(conn: &mut AsyncPgConnection) -> anyhow::Result<BenchViewer> {
    let ids: Ids = diesel::sql_query(
        "SELECT (SELECT id FROM users WHERE username = 'ab-admin') AS admin,
                (SELECT id FROM groups WHERE slug = 'ab-1') AS group_id,
                (SELECT id FROM posts WHERE organization_wide ORDER BY published_at DESC LIMIT 1) AS post",
    )
    .get_result(conn)
    .await?;
    diesel::sql_query("DELETE FROM personal_access_tokens WHERE name = 'analytics-bench'")
        .execute(conn)
        .await?;
    let (_, token) = parvis::auth::access_tokens::create(conn, ids.admin, "analytics-bench", None)
        .await
        .map_err(|error| anyhow::anyhow!("token: {error:?}"))?;
    Ok(BenchViewer {
        token,
        group: ids.group_id,
        post: ids.post,
    })
}

async fn period(conn: &mut AsyncPgConnection, scope: Scope) -> anyhow::Result<Period> {
    #[derive(diesel::QueryableByName)]
    struct Zone {
        #[diesel(sql_type = Text)]
        time_zone: String,
    }
    let zone: Zone = diesel::sql_query("SELECT time_zone FROM organization")
        .get_result(conn)
        .await?;
    let tz: chrono_tz::Tz = zone.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let today: NaiveDate = Utc::now().with_timezone(&tz).date_naive();
    Period::new(
        "",
        today - chrono::Duration::days(REPORT_DAYS - 1),
        today,
        Granularity::Day,
        scope,
        zone.time_zone,
    )
    .map_err(|error| anyhow::anyhow!("period: {error:?}"))
}

/// Times `call` `iterations` times after one warm-up call.
async fn sample<F>(iterations: usize, mut call: F) -> anyhow::Result<Vec<Duration>>
where
    F: AsyncFnMut() -> anyhow::Result<()>,
{
    call().await?;
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        call().await?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Prints p50/p95/max and PASS or FAIL; returns 1 on FAIL.
fn print_report_line(label: &str, mut samples: Vec<Duration>) -> usize {
    samples.sort();
    let p95 = percentile(&samples, 0.95);
    let pass = p95 < REPORT_P95;
    println!(
        "  {label:<38} p50 {:>8.1?}  p95 {:>8.1?}  max {:>8.1?}  {}",
        percentile(&samples, 0.50),
        p95,
        samples.last().copied().unwrap_or_default(),
        if pass { "PASS" } else { "FAIL" }
    );
    usize::from(!pass)
}

macro_rules! report {
    ($conn:expr, $period:expr, $iterations:expr, $call:expr) => {
        sample($iterations, async || {
            $call($conn, $period)
                .await
                .map(drop)
                .map_err(|error| anyhow::anyhow!("{error:?}"))
        })
        .await?
    };
}

/// Times each report function of one scope; returns how many missed the target.
async fn time_reports(
    conn: &mut AsyncPgConnection,
    label: &str,
    scope: Scope,
    iterations: usize,
) -> anyhow::Result<usize> {
    let period = &period(conn, scope).await?;
    let accounts = reports::adoption(conn, period)
        .await
        .map_err(|error| anyhow::anyhow!("{error:?}"))?
        .accounts;
    let notifications = async |conn: &mut AsyncPgConnection, period: &Period| {
        reports::notifications(conn, period, accounts).await
    };
    let results = [
        (
            "activeUsers",
            report!(conn, period, iterations, reports::active_users),
        ),
        (
            "adoption",
            report!(conn, period, iterations, reports::adoption),
        ),
        (
            "featureUsage",
            report!(conn, period, iterations, reports::feature_usage),
        ),
        ("groups", report!(conn, period, iterations, reports::groups)),
        (
            "content",
            report!(conn, period, iterations, reports::content),
        ),
        (
            "notifications",
            report!(conn, period, iterations, notifications),
        ),
        (
            "searches",
            report!(conn, period, iterations, reports::searches),
        ),
    ];
    Ok(results
        .into_iter()
        .map(|(name, samples)| print_report_line(&format!("{name}, {label}"), samples))
        .sum())
}

const ANALYTICS: &str = "query($input: AnalyticsInput!) { analytics(input: $input) { from to
  activeUsers { activeUsers averageDau averageMau stickiness series { date dau wau mau stickiness }
    byDepartment { value activeUsers averageDau averageMau stickiness }
    bySite { value activeUsers averageDau averageMau stickiness } }
  adoption { accounts activeAccounts activeShare neverActivated openInvitations }
  featureUsage { feature events userDays share }
  groups { silentCount mostActive { groupId name members events activeMembers joined growth }
    fastestGrowing { groupId name growth } silent { groupId name members } }
  content { posts averageReach engagementRate announcements acknowledgementRate
    topPosts { postId title publishedAt viewers audience reach reactions comments engagement acknowledgements } }
  notifications { received opened openRate perUserPerWeek series { date received opened perUserPerWeek } }
  searches { searches withoutResults shareWithoutResults topWithoutResults { query searches } } } }";

/// Times the whole `analytics` query over HTTP, checking each answer.
async fn time_graphql(
    server: &Server,
    token: &str,
    group: Option<Uuid>,
    iterations: usize,
) -> anyhow::Result<Vec<Duration>> {
    let today = Utc::now().date_naive();
    let input = json!({
        "from": (today - chrono::Duration::days(REPORT_DAYS - 1)).to_string(),
        "to": today.to_string(),
        "groupId": group.map(|id| parvis::graphql::ids::encode(parvis::groups::graphql::TYPE_NAME, id).0),
    });
    let body = json!({ "query": ANALYTICS, "variables": { "input": input } });
    sample(iterations, async || {
        let response: Value = server
            .http
            .post(&server.endpoint)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        if response.get("errors").is_some() || response["data"]["analytics"].is_null() {
            bail!("bad analytics response: {response}");
        }
        Ok(())
    })
    .await
}

// ----- Capture overhead -----------------------------------------------------------------------

struct Server {
    app: Arc<App>,
    endpoint: String,
    http: reqwest::Client,
}

impl Server {
    async fn start(settings: &DbSettings, capture: bool) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let mut config = AppConfig::for_address(address);
        config.activity_capture = capture;
        let app = App::build(config, settings.clone()).await?;
        tokio::spawn(app.clone().serve(listener, std::future::pending()));
        Ok(Self {
            app,
            endpoint: format!("http://{address}/graphql"),
            http: reqwest::Client::new(),
        })
    }
}

const POST: &str = "query($id: ID!) { post(id: $id) { id title } }";

/// Sends `rate` requests per second for `duration` whatever the answers take (open loop) and
/// returns each request's latency from its scheduled time.
async fn open_loop(
    server: &Server,
    token: &str,
    post: Uuid,
    rate: u64,
    duration: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let id = parvis::graphql::ids::encode(parvis::posts::graphql::TYPE_NAME, post).0;
    let body = Arc::new(json!({ "query": POST, "variables": { "id": id } }));
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let total = (rate as f64 * duration.as_secs_f64()) as usize;
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..total {
        let scheduled = ticks.tick().await;
        let (http, endpoint, token, body) = (
            server.http.clone(),
            server.endpoint.clone(),
            token.to_owned(),
            body.clone(),
        );
        requests.spawn(async move {
            let response: Value = http
                .post(&endpoint)
                .bearer_auth(&token)
                .json(&*body)
                .send()
                .await?
                .json()
                .await?;
            if response.get("errors").is_some() {
                bail!("bad post response: {response}");
            }
            Ok(scheduled.elapsed())
        });
    }
    let mut latencies = Vec::with_capacity(total);
    while let Some(latency) = requests.join_next().await {
        latencies.push(latency??);
    }
    Ok(latencies)
}

/// Alternates rounds with capture on and off (so drift hits both alike), prints both latency
/// distributions and returns the relative difference of the p50s.
async fn capture_overhead(
    with: &Server,
    without: &Server,
    bench: &BenchViewer,
    options: &Options,
) -> anyhow::Result<f64> {
    const ROUNDS: u64 = 4;
    let round = Duration::from_secs_f64(options.load_seconds as f64 / ROUNDS as f64);
    let warm_up = Duration::from_secs(1);
    for server in [with, without] {
        open_loop(server, &bench.token, bench.post, options.rate, warm_up).await?;
    }
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for k in 0..ROUNDS {
        let order = if k % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for capture in order {
            let (server, samples) = if capture {
                (with, &mut on)
            } else {
                (without, &mut off)
            };
            samples.extend(open_loop(server, &bench.token, bench.post, options.rate, round).await?);
        }
    }
    with.app.services.activity.flush().await;
    on.sort();
    off.sort();
    let line = |label: &str, s: &[Duration]| {
        println!(
            "  {label:<12} {} requests  p50 {:>7.2?}  p95 {:>7.2?}  p99 {:>7.2?}  mean {:>7.2?}",
            s.len(),
            percentile(s, 0.50),
            percentile(s, 0.95),
            percentile(s, 0.99),
            s.iter().sum::<Duration>() / s.len().max(1) as u32
        )
    };
    line("capture off", &off);
    line("capture on", &on);
    let relative = |p: f64| {
        let (a, b) = (
            percentile(&on, p).as_secs_f64(),
            percentile(&off, p).as_secs_f64(),
        );
        if b > 0.0 { (a - b) / b } else { 0.0 }
    };
    let overhead = relative(0.50);
    println!(
        "  difference   p50 {:+.2} %  p95 {:+.2} %  p99 {:+.2} %  (target p50 < {:.0} %): {}",
        overhead * 100.0,
        relative(0.95) * 100.0,
        relative(0.99) * 100.0,
        CAPTURE_OVERHEAD * 100.0,
        if overhead < CAPTURE_OVERHEAD {
            "PASS"
        } else {
            "FAIL"
        }
    );
    Ok(overhead)
}
