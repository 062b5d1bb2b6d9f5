//! Fan-out: SUBSCRIBERS people (10,000 by default), each on a WebSocket of their own subscribed
//! to `postPublished`, all members of one group; one post is published in it, and the benchmark
//! measures how long each subscriber waited for it (from the mutation's sending), checking that
//! every one of them received that post and nothing else. Prints p50, p99 and the slowest.
//!
//! ```sh
//! DATABASE_URL=postgres://localhost/parvis_bench cargo run --release --example fanout_bench
//! ```
//! Options (environment): BENCH_SUBSCRIBERS (10000). The server runs in a process of its own
//! (this program started again with FANOUT_BENCH_ROLE=server), so that each process needs one
//! file descriptor per subscriber (`ulimit -n`), and the clients' work is not counted as the
//! server's.

mod bench;

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel_async::SimpleAsyncConnection;
use futures::{SinkExt, StreamExt};
use parvis::App;
use parvis::config::AppConfig;
use parvis::db::DbSettings;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use bench::{BoxError, percentile, setting, sorted_latencies};

const GROUP: &str = "fanout-bench";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "set DATABASE_URL to a PostgreSQL database for the benchmark")?;
    let subscribers = setting("BENCH_SUBSCRIBERS", 10_000) as usize;
    let settings = DbSettings::new(&url);
    if std::env::var("FANOUT_BENCH_ROLE").as_deref() == Ok("server") {
        return serve(settings).await;
    }
    parvis::db::run_migrations(settings.connect().await?).await?;
    let (group_id, tokens) = people(&settings, subscribers).await?;
    let (server, address) = start_server()?;
    let _server = KillOnDrop(server);

    let started = Instant::now();
    let mut sockets = Vec::with_capacity(subscribers);
    for token in &tokens[1..] {
        sockets.push(subscribe(&format!("ws://{address}/graphql/ws"), token).await?);
    }
    println!(
        "{} subscribers connected and subscribed in {:?}",
        sockets.len(),
        started.elapsed()
    );
    // The last subscriptions register as their first frames are read.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let title = format!("Fan-out {}", uuid::Uuid::now_v7());
    let sent = Instant::now();
    let waits: Vec<_> = sockets
        .into_iter()
        .map(|socket| {
            let wait = wait_for(socket, title.clone(), sent);
            tokio::spawn(async move { wait.await.map(|latency| vec![latency]) })
        })
        .collect();
    publish(
        &format!("http://{address}/graphql"),
        &tokens[0],
        &group_id,
        &title,
    )
    .await?;
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

/// Serves the API on a free port, printing its address on the first line of stdout, until
/// stdin closes (the benchmark ended).
async fn serve(settings: DbSettings) -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut config = AppConfig::for_address(address);
    // Connecting ten thousand sockets takes longer than two ping intervals, and the sockets only
    // read once the post is sent: no pings while they wait.
    config.ws_keep_alive = Duration::from_secs(3600);
    let app = App::build(config, settings).await?;
    println!("{address}");
    let stdin_closed = async {
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().lines().count()).await;
    };
    app.serve(listener, stdin_closed).await?;
    Ok(())
}

/// This program again as the server, and the address it listens on.
fn start_server() -> Result<(Child, SocketAddr), BoxError> {
    let mut server = Command::new(std::env::current_exe()?)
        .env("FANOUT_BENCH_ROLE", "server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = server.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let address = line
        .trim()
        .parse()
        .map_err(|_| format!("the server did not start: {line:?}"))?;
    Ok((server, address))
}

/// The server process, stopped when the benchmark ends (however it ends).
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `graphql-transport-ws` connection with `token`, subscribed to `postPublished`.
async fn subscribe(url: &str, token: &str) -> Result<Socket, BoxError> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await?;
    let ack = next_json(&mut socket).await?;
    if ack["type"] != "connection_ack" {
        return Err(format!("no connection_ack: {ack}").into());
    }
    let subscription = json!({ "id": "1", "type": "subscribe",
        "payload": { "query": "subscription { postPublished { title } }" } });
    socket
        .send(Message::Text(subscription.to_string().into()))
        .await?;
    Ok(socket)
}

async fn next_json(socket: &mut Socket) -> Result<Value, BoxError> {
    loop {
        match socket.next().await.ok_or("the socket closed")?? {
            Message::Text(text) => return Ok(serde_json::from_str(&text)?),
            Message::Close(frame) => return Err(format!("closed: {frame:?}").into()),
            _ => {}
        }
    }
}

/// How long after `sent` the post titled `title` arrived (answering the server's pings).
async fn wait_for(mut socket: Socket, title: String, sent: Instant) -> Result<Duration, BoxError> {
    loop {
        let message = next_json(&mut socket).await?;
        match message["type"].as_str() {
            Some("ping") => {
                let pong = json!({ "type": "pong" }).to_string();
                socket.send(Message::Text(pong.into())).await?;
            }
            Some("next") if message["payload"]["data"]["postPublished"]["title"] == title => {
                return Ok(sent.elapsed());
            }
            _ => return Err(format!("unexpected: {message}").into()),
        }
    }
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
