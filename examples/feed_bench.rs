//! The feed at scale: generates an organization of 100,000 people in 2,000 groups with 1,000,000
//! posts (once), then measures `feed(first: 20)` (first pages and later pages) under 32 concurrent
//! clients against a real server, checking every response body, and prints the p50/p99 latencies
//! and the feed query's `EXPLAIN ANALYZE`.
//!
//! ```sh
//! DATABASE_URL=postgres://localhost/parvis_bench cargo run --release --example feed_bench
//! ```
//! Options (environment): BENCH_POSTS (1000000), BENCH_USERS (100000), BENCH_GROUPS (2000),
//! BENCH_CLIENTS (32), BENCH_SECONDS (20).

mod bench;

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use parvis::App;
use parvis::config::AppConfig;
use parvis::db::DbSettings;
use serde_json::{Value, json};

use bench::{BoxError, percentile, setting, sorted_latencies};

const FEED: &str = "query($after: String) { feed(first: 20, after: $after) { pageInfo { endCursor hasNextPage }
  edges { node { id title bodyHtml publishedAt author { displayName } groups { name } reactions { emoji count } commentCount } } } }";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "set DATABASE_URL to a PostgreSQL database for the benchmark")?;
    let (posts, users, groups) = (
        setting("BENCH_POSTS", 1_000_000),
        setting("BENCH_USERS", 100_000),
        setting("BENCH_GROUPS", 2_000),
    );
    let (clients, seconds) = (
        setting("BENCH_CLIENTS", 32) as usize,
        setting("BENCH_SECONDS", 20),
    );
    let mut settings = DbSettings::new(&url);
    settings.pool_size = clients + 8;
    settings.statement_timeout = Duration::from_secs(600);
    parvis::db::run_migrations(settings.connect().await?).await?;
    let mut conn = settings.connect().await?;
    generate(&mut conn, posts, users, groups).await?;
    let viewer = "bench1";
    conn.batch_execute("DELETE FROM personal_access_tokens WHERE name = 'bench'")
        .await?;
    let user = parvis::users::model::find_by_identifier(&mut conn, viewer)
        .await
        .map_err(|_| "no bench user")?
        .ok_or("no bench user")?;
    let (_, token) = parvis::auth::access_tokens::create(&mut conn, user.id, "bench", None)
        .await
        .map_err(|_| "token")?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = App::build(AppConfig::for_address(address), settings.clone()).await?;
    tokio::spawn(app.serve(listener, std::future::pending()));
    let endpoint = format!("http://{address}/graphql");
    let http = reqwest::Client::new();

    // Cursors of the first pages, so clients also ask for later pages.
    let mut cursors = vec![Value::Null];
    for _ in 0..10 {
        let page = feed(
            &http,
            &endpoint,
            &token,
            cursors.last().cloned().unwrap_or(Value::Null),
        )
        .await?
        .1;
        cursors.push(page["data"]["feed"]["pageInfo"]["endCursor"].clone());
    }
    let cursors = Arc::new(cursors);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (http, endpoint, token, cursors) = (
                http.clone(),
                endpoint.clone(),
                token.clone(),
                cursors.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut request = client;
                while Instant::now() < deadline {
                    let after = cursors[request % cursors.len()].clone();
                    let (elapsed, body) = feed(&http, &endpoint, &token, after).await?;
                    if body.get("errors").is_some()
                        || body["data"]["feed"]["edges"]
                            .as_array()
                            .is_none_or(|e| e.len() != 20)
                    {
                        return Err::<Vec<Duration>, BoxError>(
                            format!("bad response: {body}").into(),
                        );
                    }
                    latencies.push(elapsed);
                    request += clients;
                }
                Ok(latencies)
            })
        })
        .collect();
    let latencies = sorted_latencies(tasks).await?;
    let percentile = |p: f64| percentile(&latencies, p);
    println!(
        "feed(first: 20), {clients} clients, {seconds} s: {} requests ({:.0}/s), p50 {:?}, p99 {:?}",
        latencies.len(),
        latencies.len() as f64 / seconds as f64,
        percentile(0.50),
        percentile(0.99)
    );
    explain(&mut conn, user.id).await?;
    Ok(())
}

async fn feed(
    http: &reqwest::Client,
    endpoint: &str,
    token: &str,
    after: Value,
) -> Result<(Duration, Value), BoxError> {
    let started = Instant::now();
    let body: Value = http
        .post(endpoint)
        .bearer_auth(token)
        .json(&json!({ "query": FEED, "variables": { "after": after } }))
        .send()
        .await?
        .json()
        .await?;
    Ok((started.elapsed(), body))
}

/// Generates the organization unless it is already there.
async fn generate(
    conn: &mut diesel_async::AsyncPgConnection,
    posts: u64,
    users: u64,
    groups: u64,
) -> Result<(), BoxError> {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let existing: Count = diesel::sql_query("SELECT count(*) AS n FROM posts")
        .get_result(conn)
        .await?;
    if existing.n as u64 >= posts {
        println!("reusing {} posts", existing.n);
        return Ok(());
    }
    let started = Instant::now();
    conn.batch_execute(&format!(
        "INSERT INTO users (id, username, display_name, email, department, site)
         SELECT gen_random_uuid(), 'bench' || i, 'Personne ' || i, 'bench' || i || '@example.com',
                (ARRAY['Ventes','Engineering','Finance','RH'])[1 + i % 4], (ARRAY['Paris','Lyon','London'])[1 + i % 3]
         FROM generate_series(1, {users}) AS i ON CONFLICT DO NOTHING;
         INSERT INTO groups (id, name, slug, visibility, join_policy, posting_policy)
         SELECT gen_random_uuid(), 'Groupe ' || i, 'bench-' || i, CASE WHEN i % 3 = 0 THEN 'private' ELSE 'public' END,
                CASE WHEN i % 3 = 0 THEN 'request' ELSE 'open' END, 'members'
         FROM generate_series(1, {groups}) AS i ON CONFLICT DO NOTHING;
         CREATE TEMP TABLE bench_groups AS SELECT id, row_number() OVER (ORDER BY slug) - 1 AS n FROM groups WHERE slug LIKE 'bench-%';
         CREATE TEMP TABLE bench_users AS SELECT id, row_number() OVER (ORDER BY username) - 1 AS n FROM users WHERE username LIKE 'bench%';
         INSERT INTO group_memberships (group_id, user_id, role)
         SELECT g.id, u.id, 'member' FROM bench_users u CROSS JOIN generate_series(0, 4) AS k
         JOIN bench_groups g ON g.n = (u.n * 7 + k * 401) % {groups}
         ON CONFLICT DO NOTHING;
         CREATE TEMP TABLE bench_posts AS
         SELECT gen_random_uuid() AS id, i FROM generate_series(1, {posts}) AS i;
         INSERT INTO posts (id, author_id, title, body, body_html, published_at)
         SELECT p.id, u.id, CASE WHEN p.i % 5 = 0 THEN 'Nouvelles ' || p.i END,
                'Un message du fil numéro ' || p.i || ', with **Markdown**.',
                '<p>Un message du fil numéro ' || p.i || ', with <strong>Markdown</strong>.</p>',
                now() - (p.i % 525600) * interval '1 minute'
         FROM bench_posts p JOIN bench_users u ON u.n = p.i % {users};
         INSERT INTO post_audiences (post_id, group_id)
         SELECT p.id, g.id FROM bench_posts p JOIN bench_groups g ON g.n = p.i % {groups};
         ANALYZE;"
    ))
    .await?;
    println!(
        "generated {users} people, {groups} groups, {posts} posts in {:?}",
        started.elapsed()
    );
    Ok(())
}

async fn explain(
    conn: &mut diesel_async::AsyncPgConnection,
    viewer: uuid::Uuid,
) -> Result<(), BoxError> {
    use parvis::pagination::PageRequest;
    use parvis::posts::model::{FeedFilter, explain_feed_page};
    let filter = FeedFilter {
        viewer,
        guest: false,
        group: None,
        author: None,
        kind: None,
    };
    let plan = explain_feed_page(conn, &filter, &PageRequest::first(20))
        .await
        .map_err(|_| "EXPLAIN the feed's page")?;
    println!("EXPLAIN ANALYZE of the feed's first page:");
    for line in plan {
        println!("  {line}");
    }
    Ok(())
}
