//! Fan-out: SUBSCRIBERS people (10,000 by default), each on a WebSocket of their own subscribed
//! to `postPublished`, all members of one group; one post is published in it, and the benchmark
//! measures how long each subscriber waited for it (from the mutation's sending), checking that
//! every one of them received that post and nothing else. Prints p50, p99 and the slowest.
//!
//! ```sh
//! DATABASE_URL=postgres://localhost/parvis_bench cargo run --release --example fanout_bench
//! ```
//! Options (environment): BENCH_SUBSCRIBERS (10000). The server runs in a process of its own
//! (`bench/server.rs`): each process needs one file descriptor per subscriber (`ulimit -n`).

mod bench;
#[path = "bench/server.rs"]
mod server;

use std::time::{Duration, Instant};

use diesel_async::SimpleAsyncConnection;
use parvis::db::DbSettings;
use serde_json::{Value, json};

use bench::{BoxError, percentile, setting, sorted_latencies};
use server::{Server, Socket, next_json};

const GROUP: &str = "fanout-bench";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "set DATABASE_URL to a PostgreSQL database for the benchmark")?;
    let subscribers = setting("BENCH_SUBSCRIBERS", 10_000) as usize;
    let settings = DbSettings::new(&url);
    if server::is_server() {
        return server::serve(settings).await;
    }
    parvis::db::run_migrations(settings.connect().await?).await?;
    let (group_id, tokens) = people(&settings, subscribers).await?;
    let server = Server::start()?;
    let idle_rss = server.rss_kib()?;

    let started = Instant::now();
    let mut sockets = Vec::with_capacity(subscribers);
    for token in &tokens[1..] {
        sockets.push(subscribed(&server.ws_url(), token).await?);
    }
    println!(
        "{} subscribers connected and subscribed in {:?}",
        sockets.len(),
        started.elapsed()
    );
    // The last subscriptions register as their first frames are read.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let per_socket = server.rss_kib()?.saturating_sub(idle_rss) as f64 / sockets.len() as f64;
    println!("server memory: {per_socket:.1} KiB per subscriber");
    let title = format!("Fan-out {}", uuid::Uuid::now_v7());
    let sent = Instant::now();
    let waits: Vec<_> = sockets
        .into_iter()
        .map(|socket| {
            let wait = wait_for(socket, title.clone(), sent);
            tokio::spawn(async move { wait.await.map(|latency| vec![latency]) })
        })
        .collect();
    publish(&server.graphql_url(), &tokens[0], &group_id, &title).await?;
    let latencies = sorted_latencies(waits).await?;
    let percentile = |p: f64| percentile(&latencies, p);
    println!(
        "one post to {} subscribers: p50 {:?}, p99 {:?}, slowest {:?}",
        latencies.len(),
        percentile(0.50),
        percentile(0.99),
        latencies[latencies.len() - 1]
    );
    Ok(())
}

/// The group's global ID and a token for each of `count` members plus the publisher (first).
async fn people(settings: &DbSettings, count: usize) -> Result<(String, Vec<String>), BoxError> {
    let mut conn = settings.connect().await?;
    conn.batch_execute(&format!(
        "INSERT INTO users (id, username, display_name, email)
         SELECT gen_random_uuid(), 'fanout' || i, 'Abonné ' || i, 'fanout' || i || '@example.com'
         FROM generate_series(0, {count}) AS i ON CONFLICT DO NOTHING;
         INSERT INTO groups (id, name, slug, visibility, join_policy, posting_policy)
         VALUES (gen_random_uuid(), 'Fan-out', '{GROUP}', 'public', 'open', 'members')
         ON CONFLICT DO NOTHING;
         INSERT INTO group_memberships (group_id, user_id, role)
         SELECT g.id, u.id, 'member' FROM groups g, users u
         WHERE g.slug = '{GROUP}' AND u.username LIKE 'fanout%'
         ON CONFLICT DO NOTHING;
         DELETE FROM personal_access_tokens WHERE name = 'fanout bench';"
    ))
    .await?;
    let mut tokens = Vec::with_capacity(count + 1);
    for i in 0..=count {
        let user = parvis::users::model::find_by_identifier(&mut conn, &format!("fanout{i}"))
            .await
            .map_err(|_| "look up a subscriber")?
            .ok_or("a subscriber is missing")?;
        let (_, token) =
            parvis::auth::access_tokens::create(&mut conn, user.id, "fanout bench", None)
                .await
                .map_err(|_| "create a token")?;
        tokens.push(token);
    }
    let group = parvis::groups::model::find_by_slug(&mut conn, GROUP)
        .await
        .map_err(|_| "look up the group")?
        .ok_or("the group is missing")?;
    Ok((
        parvis::graphql::ids::encode("Group", group.id).to_string(),
        tokens,
    ))
}

/// A connection with `token`, subscribed to `postPublished`.
async fn subscribed(url: &str, token: &str) -> Result<Socket, BoxError> {
    let mut socket = server::connect(url, token).await?;
    let query = "subscription { postPublished { title } }";
    server::send(
        &mut socket,
        &json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    )
    .await?;
    Ok(socket)
}

/// How long after `sent` the post titled `title` arrived (answering the server's pings).
async fn wait_for(mut socket: Socket, title: String, sent: Instant) -> Result<Duration, BoxError> {
    let message = next_json(&mut socket).await?;
    if message["type"] == "next" && message["payload"]["data"]["postPublished"]["title"] == title {
        return Ok(sent.elapsed());
    }
    Err(format!("unexpected: {message}").into())
}

async fn publish(endpoint: &str, token: &str, group: &str, title: &str) -> Result<(), BoxError> {
    let body: Value = reqwest::Client::new()
        .post(endpoint)
        .bearer_auth(token)
        .json(&json!({
            "query": "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id } } }",
            "variables": { "input": { "groupIds": [group], "title": title, "body": "Pour tout le monde." } }
        }))
        .send()
        .await?
        .json()
        .await?;
    if body.get("errors").is_some() {
        return Err(format!("createPost failed: {body}").into());
    }
    Ok(())
}
