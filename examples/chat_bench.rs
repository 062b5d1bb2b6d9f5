//! Chat: what one instance holds and how fast it delivers and reads.
//!
//! 1. **Sockets**: PEOPLE people (10,000 by default) open a WebSocket each and sign in, then
//!    subscribe to `messageAdded` in their room (100 group rooms of PEOPLE / 100 members); the
//!    first 1,000 also subscribe to a room of 1,000 members. Prints the server's memory per
//!    connection, signed in and then subscribed, and per subscription.
//! 2. **One room of 1,000**: 10 messages, one at a time; every member's wait for each.
//! 3. **Many rooms**: RATE messages a second (200) for SECONDS (10), round-robin over the 100
//!    rooms, each from one of the room's members; every member's wait for each, and whether any
//!    message was lost or received twice.
//! 4. **History**: CLIENTS (32) clients page `messages(last: 50)` of a room holding HISTORY
//!    (1,000,000) messages, for READ_SECONDS (10).
//! 5. **Conversation list**: CLIENTS clients read the first page of the conversations (with
//!    unread and mention counts and last messages) of a person in 500 conversations.
//!
//! Waits run from the sending of `sendMessage` (its own time included) to the frame's arrival.
//!
//! ```sh
//! DATABASE_URL=postgres://localhost/parvis_bench cargo run --release --example chat_bench
//! ```
//! Options (environment): BENCH_SUBSCRIBERS (PEOPLE, a multiple of 100, at least 1,000),
//! BENCH_RATE, BENCH_SECONDS, BENCH_HISTORY, BENCH_CLIENTS, BENCH_READ_SECONDS. The data is
//! made once and reused by later runs. The server runs in a process of its own
//! (`bench/server.rs`): each process needs one file descriptor per socket (`ulimit -n`).

mod bench;
#[path = "bench/server.rs"]
mod server;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel_async::SimpleAsyncConnection;
use futures::{StreamExt, TryStreamExt};
use parvis::db::DbSettings;
use serde_json::{Value, json};
use tokio::sync::watch;

use bench::{BoxError, percentile, setting, sorted_latencies};
use server::{Server, Socket, next_json};

/// Rooms of the many-rooms phase, and members of the big room.
const ROOMS: usize = 100;
const BIG_ROOM: usize = 1_000;
/// Conversations of the person whose list is read.
const LISTED: usize = 500;
const BIG_ROOM_MESSAGES: usize = 10;
/// Sockets connecting at once.
const CONNECTING: usize = 32;
/// Subscriptions started a second, as reconnecting clients spread out.
const SUBSCRIBING_PER_SECOND: u32 = 1_000;

const MESSAGE_ADDED: &str = "subscription($c: ID!) { messageAdded(conversationId: $c) {
    id body createdAt author { id displayName } } }";
const SEND: &str = "mutation($c: ID!, $b: String!) {
    sendMessage(input: { conversationId: $c, body: $b }) { message { id } } }";
const HISTORY: &str = "query($c: ID!) { node(id: $c) { ... on Conversation {
    messages(last: 50) { pageInfo { hasPreviousPage startCursor }
      edges { node { id bodyHtml createdAt editedAt replyCount
        author { id displayName avatarUrl } reactions { emoji count } } } } } } }";
const LIST: &str = "{ viewer { unreadConversationCount
    conversations(first: 20) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { id kind name unreadCount mentionCount lastActivityAt
        participants { id displayName }
        lastMessage { body createdAt author { displayName } } } } } } }";

/// The people (by number) and conversations the benchmark uses.
struct Fixture {
    tokens: Vec<String>,
    big_room: String,
    rooms: Vec<String>,
    history: String,
}

impl Fixture {
    /// The room of person `i` in the many-rooms phase.
    fn room_of(&self, i: usize) -> usize {
        i / (self.tokens.len() / ROOMS)
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "set DATABASE_URL to a PostgreSQL database for the benchmark")?;
    let settings = DbSettings::new(&url);
    if server::is_server() {
        return server::serve(settings).await;
    }
    let people = setting("BENCH_SUBSCRIBERS", 10_000) as usize;
    if !people.is_multiple_of(ROOMS) || people < BIG_ROOM.max(LISTED + 1) {
        return Err("BENCH_SUBSCRIBERS must be a multiple of 100, at least 1,000".into());
    }
    let history = setting("BENCH_HISTORY", 1_000_000);
    let clients = setting("BENCH_CLIENTS", 32) as usize;
    let read_for = Duration::from_secs(setting("BENCH_READ_SECONDS", 10));
    parvis::db::run_migrations(settings.connect().await?).await?;
    let started = Instant::now();
    let fixture = prepare(&settings, people, history).await?;
    println!("data ready in {:?}", started.elapsed());
    let server = Server::start()?;
    // The sockets stay open (idle) while the reads are measured, as people stay connected.
    let _sockets = fan_out(&server, &fixture).await?;
    let conversation = json!({ "c": fixture.history });
    let tokens = &fixture.tokens[..clients];
    let latencies = read_load(&server, tokens, HISTORY, &conversation, read_for).await?;
    report(
        &format!("messages(last: 50) of {history} messages, {clients} clients"),
        &latencies,
        read_for,
    );
    // Person 0 is in the 500 direct conversations (and three rooms).
    let tokens = vec![fixture.tokens[0].clone(); clients];
    let latencies = read_load(&server, &tokens, LIST, &json!({}), read_for).await?;
    report(
        &format!("the conversation list of a person in {LISTED}+ conversations, {clients} clients"),
        &latencies,
        read_for,
    );
    Ok(())
}

/// Phases 1 to 3; returns the sockets.
async fn fan_out(server: &Server, fixture: &Fixture) -> Result<Vec<Socket>, BoxError> {
    let rate = setting("BENCH_RATE", 200);
    let seconds = setting("BENCH_SECONDS", 10);
    let idle_rss = server.rss_kib()?;
    let started = Instant::now();
    let (stop, stopped) = watch::channel(false);
    let frames = Arc::new(AtomicUsize::new(0));
    let url = server.ws_url();
    let sockets: Vec<Socket> = futures::stream::iter(&fixture.tokens)
        .map(|token| server::connect(&url, token))
        .buffered(CONNECTING)
        .try_collect()
        .await?;
    let connected_rss = server.rss_kib()?;
    // graphql-ws does not acknowledge a subscription: without a pace, 11,000 would start at
    // once and wait for the database longer than its pool lets them (SERVICE_UNAVAILABLE).
    let mut pace = tokio::time::interval(Duration::from_secs(1) / SUBSCRIBING_PER_SECOND);
    let mut subscribed = Vec::with_capacity(sockets.len());
    for (i, mut socket) in sockets.into_iter().enumerate() {
        pace.tick().await;
        subscribe(&mut socket, "room", &fixture.rooms[fixture.room_of(i)]).await?;
        if i < BIG_ROOM {
            pace.tick().await;
            subscribe(&mut socket, "big", &fixture.big_room).await?;
        }
        subscribed.push(socket);
    }
    let listeners: Vec<_> = subscribed
        .into_iter()
        .map(|socket| tokio::spawn(listen(socket, stopped.clone(), frames.clone())))
        .collect();
    println!(
        "{} sockets connected and subscribed in {:?}",
        listeners.len(),
        started.elapsed()
    );
    // The last subscriptions register as their first frames are read.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let subscribed_rss = server.rss_kib()?;
    let kib_each = |kib: u64, count: usize| kib as f64 / count as f64;
    let subscriptions = listeners.len() + BIG_ROOM;
    println!(
        "server memory: {:.1} KiB per connection (idle, subscribed): {:.1} KiB per signed-in \
         connection, {:.1} KiB per subscription ({subscriptions})",
        kib_each(subscribed_rss.saturating_sub(idle_rss), listeners.len()),
        kib_each(connected_rss.saturating_sub(idle_rss), listeners.len()),
        kib_each(subscribed_rss.saturating_sub(connected_rss), subscriptions),
    );

    let client = reqwest::Client::new();
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    for n in 0..BIG_ROOM_MESSAGES {
        let body = format!("big {n}");
        sent.lock()
            .expect("sent")
            .insert(body.clone(), Instant::now());
        send(
            &client,
            server,
            &fixture.tokens[0],
            &fixture.big_room,
            &body,
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let total = (rate * seconds) as usize;
    let sending = Instant::now();
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate as u32);
    let mut sends = Vec::with_capacity(total);
    for n in 0..total {
        ticks.tick().await;
        let room = n % ROOMS;
        let body = format!("room {n}");
        sent.lock()
            .expect("sent")
            .insert(body.clone(), Instant::now());
        let (client, token) = (
            client.clone(),
            fixture.tokens[room * (fixture.tokens.len() / ROOMS)].clone(),
        );
        let (endpoint, conversation) = (server.graphql_url(), fixture.rooms[room].clone());
        sends.push(tokio::spawn(async move {
            post(
                &client,
                &endpoint,
                &token,
                SEND,
                json!({ "c": conversation, "b": body }),
            )
            .await
        }));
    }
    for send in sends {
        send.await??;
    }
    println!("{total} messages sent in {:?}", sending.elapsed());
    // Whatever is still on its way: until every delivery arrived, or none for five seconds.
    let expected = BIG_ROOM * BIG_ROOM_MESSAGES + total * (fixture.tokens.len() / ROOMS);
    let mut last = (0, Instant::now());
    while last.0 < expected && last.1.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = frames.load(Ordering::Relaxed);
        if now > last.0 {
            last = (now, Instant::now());
        }
    }
    stop.send(true)?;
    let mut received = Vec::with_capacity(listeners.len());
    let mut sockets = Vec::with_capacity(listeners.len());
    for listener in listeners {
        let (socket, frames) = listener.await??;
        sockets.push(socket);
        received.push(frames);
    }
    let sent = sent.lock().expect("sent").clone();
    check_deliveries(fixture, &received, &sent, total)?;
    Ok(sockets)
}

/// Checks every socket received each message meant for it once, and prints the waits.
fn check_deliveries(
    fixture: &Fixture,
    received: &[Vec<Received>],
    sent: &HashMap<String, Instant>,
    total: usize,
) -> Result<(), BoxError> {
    let mut big = Vec::new();
    let mut rooms = Vec::new();
    let (mut lost, mut doubled, mut strays) = (0_usize, 0_usize, 0_usize);
    for (i, frames) in received.iter().enumerate() {
        let mut expected: HashMap<String, usize> = HashMap::new();
        if i < BIG_ROOM {
            expected.extend((0..BIG_ROOM_MESSAGES).map(|n| (format!("big {n}"), 0)));
        }
        let room = fixture.room_of(i);
        expected.extend(
            (room..total)
                .step_by(ROOMS)
                .map(|n| (format!("room {n}"), 0)),
        );
        for frame in frames {
            let Some(count) = expected.get_mut(&frame.body) else {
                strays += 1;
                continue;
            };
            *count += 1;
            if *count > 1 {
                continue;
            }
            let wait = frame.at.duration_since(sent[&frame.body]);
            if frame.subscription == "big" {
                big.push(wait);
            } else {
                rooms.push(wait);
            }
        }
        lost += expected.values().filter(|count| **count == 0).count();
        doubled += expected.values().filter(|count| **count > 1).count();
    }
    big.sort();
    rooms.sort();
    let waits = |latencies: &[Duration]| {
        format!(
            "{} deliveries, p50 {:?}, p99 {:?}, slowest {:?}",
            latencies.len(),
            percentile(latencies, 0.50),
            percentile(latencies, 0.99),
            latencies[latencies.len() - 1]
        )
    };
    println!(
        "a room of {BIG_ROOM}, {BIG_ROOM_MESSAGES} messages: {}",
        waits(&big)
    );
    println!(
        "{total} messages over {ROOMS} rooms of {} members: {}",
        fixture.tokens.len() / ROOMS,
        waits(&rooms)
    );
    println!("lost {lost}, received twice {doubled}, not meant for the socket {strays}");
    if lost + doubled + strays > 0 {
        return Err("deliveries were lost, doubled or misdirected".into());
    }
    Ok(())
}

/// One frame a socket received.
struct Received {
    subscription: String,
    body: String,
    at: Instant,
}

async fn subscribe(socket: &mut Socket, id: &str, conversation: &str) -> Result<(), BoxError> {
    let query = json!({ "id": id, "type": "subscribe",
        "payload": { "query": MESSAGE_ADDED, "variables": { "c": conversation } } });
    server::send(socket, &query).await
}

/// Everything a socket receives until `stop`, and the socket.
async fn listen(
    mut socket: Socket,
    mut stop: watch::Receiver<bool>,
    frames: Arc<AtomicUsize>,
) -> Result<(Socket, Vec<Received>), BoxError> {
    let mut received = Vec::new();
    loop {
        tokio::select! {
            _ = stop.changed() => return Ok((socket, received)),
            frame = next_json(&mut socket) => {
                let frame = frame?;
                let at = Instant::now();
                let body = frame["payload"]["data"]["messageAdded"]["body"].as_str();
                let (Some(subscription), Some(body)) = (frame["id"].as_str(), body) else {
                    return Err(format!("unexpected: {frame}").into());
                };
                received.push(Received { subscription: subscription.to_owned(), body: body.to_owned(), at });
                frames.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

async fn send(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    conversation: &str,
    body: &str,
) -> Result<(), BoxError> {
    let variables = json!({ "c": conversation, "b": body });
    post(client, &server.graphql_url(), token, SEND, variables).await
}

/// Posts a GraphQL request; an answer with errors is an error.
async fn post(
    client: &reqwest::Client,
    endpoint: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Result<(), BoxError> {
    let answer: Value = client
        .post(endpoint)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?;
    if answer.get("errors").is_some() || answer["data"].is_null() {
        return Err(format!("the request failed: {answer}").into());
    }
    Ok(())
}

/// One client per token sending `query` back to back for `duration`: every request's latency.
async fn read_load(
    server: &Server,
    tokens: &[String],
    query: &'static str,
    variables: &Value,
    duration: Duration,
) -> Result<Vec<Duration>, BoxError> {
    let client = reqwest::Client::new();
    let endpoint = server.graphql_url();
    // Warm-up: connections, prepared statements, caches.
    for token in tokens {
        post(&client, &endpoint, token, query, variables.clone()).await?;
    }
    let until = Instant::now() + duration;
    let workers = tokens
        .iter()
        .map(|token| {
            let (client, endpoint, token) = (client.clone(), endpoint.clone(), token.clone());
            let variables = variables.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let start = Instant::now();
                    post(&client, &endpoint, &token, query, variables.clone()).await?;
                    latencies.push(start.elapsed());
                }
                Ok::<_, BoxError>(latencies)
            })
        })
        .collect();
    sorted_latencies(workers).await
}

fn report(what: &str, latencies: &[Duration], duration: Duration) {
    println!(
        "{what}: {:.0} req/s, p50 {:?}, p95 {:?}, p99 {:?}",
        latencies.len() as f64 / duration.as_secs_f64(),
        percentile(latencies, 0.50),
        percentile(latencies, 0.95),
        percentile(latencies, 0.99),
    );
}

/// Makes what is missing of the people, groups, rooms, history and direct conversations, and a
/// token for each person.
async fn prepare(settings: &DbSettings, people: usize, history: u64) -> Result<Fixture, BoxError> {
    let mut conn = settings.connect().await?;
    let per_room = people / ROOMS;
    // Writing a million messages takes longer than a request may.
    conn.batch_execute("SET statement_timeout = 0").await?;
    conn.batch_execute(&format!(
        "INSERT INTO users (id, username, display_name, email)
         SELECT gen_random_uuid(), 'chat' || i, 'Collègue ' || i, 'chat' || i || '@example.com'
         FROM generate_series(0, {people} - 1) AS i ON CONFLICT DO NOTHING;
         INSERT INTO groups (id, name, slug, visibility, join_policy, posting_policy)
         SELECT gen_random_uuid(), 'Salon ' || slug, slug, 'private', 'request', 'members'
         FROM (SELECT 'chat-bench-' || k AS slug FROM generate_series(0, {ROOMS} - 1) AS k
               UNION ALL VALUES ('chat-bench-big'), ('chat-bench-history')) AS s
         ON CONFLICT DO NOTHING;
         INSERT INTO conversations (id, kind, group_id, name)
         SELECT gen_random_uuid(), 'group_room', id, 'général' FROM groups
         WHERE slug LIKE 'chat-bench-%' ON CONFLICT DO NOTHING;
         -- Joining a group joins its rooms (a trigger).
         INSERT INTO group_memberships (group_id, user_id, role)
         SELECT g.id, u.id, 'member'
         FROM users u CROSS JOIN LATERAL (SELECT substring(u.username FROM 5)::int AS n) AS p
         JOIN groups g ON g.slug IN ('chat-bench-' || (p.n / {per_room}),
                                     CASE WHEN p.n < {BIG_ROOM} THEN 'chat-bench-big' END,
                                     CASE WHEN p.n < 32 THEN 'chat-bench-history' END)
         WHERE u.username ~ '^chat[0-9]+$' AND p.n < {people}
         ON CONFLICT DO NOTHING;
         DELETE FROM personal_access_tokens WHERE name = 'chat bench';"
    ))
    .await?;
    history_of(&mut conn, history).await?;
    direct_conversations(&mut conn).await?;
    // Vacuumed too: an earlier run's dead rows (a presence row per socket rewritten at every
    // heartbeat, 10,000 tokens) pile up run after run where autovacuum is off (as on the CI's
    // machines), and slowed each run more than the last.
    conn.batch_execute("VACUUM ANALYZE").await?;
    let mut tokens = Vec::with_capacity(people);
    for i in 0..people {
        let user = parvis::users::model::find_by_identifier(&mut conn, &format!("chat{i}"))
            .await
            .map_err(|_| "look up a person")?
            .ok_or("a person is missing")?;
        let (_, token) =
            parvis::auth::access_tokens::create(&mut conn, user.id, "chat bench", None)
                .await
                .map_err(|_| "create a token")?;
        tokens.push(token);
    }
    let rooms = room_ids(&mut conn).await?;
    let room = |slug: &str| rooms.get(slug).cloned().ok_or("a room is missing");
    Ok(Fixture {
        tokens,
        big_room: room("chat-bench-big")?,
        rooms: (0..ROOMS)
            .map(|k| room(&format!("chat-bench-{k}")))
            .collect::<Result<_, _>>()?,
        history: room("chat-bench-history")?,
    })
}

/// The history room's `count` messages (remade when it holds another number), from its 32
/// members in turn, one a second, read but for the last ten.
async fn history_of(
    conn: &mut diesel_async::AsyncPgConnection,
    count: u64,
) -> Result<(), BoxError> {
    conn.batch_execute(&format!(
        "DO $$
         DECLARE room uuid;
         BEGIN
           SELECT c.id INTO room FROM conversations c JOIN groups g ON g.id = c.group_id
           WHERE g.slug = 'chat-bench-history';
           IF (SELECT message_count FROM conversations WHERE id = room) <> {count} THEN
             DELETE FROM messages WHERE conversation_id = room;
             INSERT INTO messages (id, conversation_id, seq, author_id, body, body_html, created_at)
             SELECT gen_random_uuid(), room, i, a.ids[1 + i % 32],
                    'Message n° ' || i || ' : on se retrouve à la cafétéria ?',
                    '<p>Message n° ' || i || ' : on se retrouve à la cafétéria ?</p>',
                    now() - make_interval(secs => {count} - i)
             FROM generate_series(1, {count}) AS i,
                  (SELECT array_agg(id ORDER BY username) AS ids FROM users
                   WHERE username ~ '^chat[0-9]+$' AND substring(username FROM 5)::int < 32) AS a;
             UPDATE conversations SET last_seq = {count}, message_count = {count},
                    last_message_at = now() WHERE id = room;
             UPDATE conversation_members SET read_seq = greatest({count} - 10, 0)
             WHERE conversation_id = room;
           END IF;
         END $$;"
    ))
    .await?;
    Ok(())
}

/// Person 0's direct conversations with persons 1 to 500: three messages each, the last two
/// unread in every other one, and a mention of person 0 in every tenth.
async fn direct_conversations(conn: &mut diesel_async::AsyncPgConnection) -> Result<(), BoxError> {
    conn.batch_execute(&format!(
        "WITH me AS (SELECT id FROM users WHERE username = 'chat0'),
              other AS (SELECT id, substring(username FROM 5)::int AS n FROM users
                        WHERE username ~ '^chat[0-9]+$'
                          AND substring(username FROM 5)::int BETWEEN 1 AND {LISTED})
         INSERT INTO conversations (id, kind, direct_key, created_by, last_seq, message_count,
                                    last_message_at)
         SELECT gen_random_uuid(), 'direct',
                least(me.id, other.id)::text || ':' || greatest(me.id, other.id)::text, me.id,
                3, 3, now() - make_interval(mins => other.n)
         FROM me, other ON CONFLICT DO NOTHING;
         INSERT INTO conversation_members (conversation_id, user_id, read_seq)
         SELECT c.id, u.id, 3 FROM conversations c JOIN users u
           ON c.direct_key LIKE '%' || u.id::text || '%'
         WHERE c.kind = 'direct' AND u.username ~ '^chat[0-9]+$'
         ON CONFLICT DO NOTHING;
         UPDATE conversation_members m SET read_seq = 1
         FROM users me, conversations c, conversation_members o, users other
         WHERE me.username = 'chat0' AND m.user_id = me.id AND c.id = m.conversation_id
           AND c.kind = 'direct' AND o.conversation_id = c.id AND o.user_id = other.id
           AND other.id <> me.id AND substring(other.username FROM 5)::int % 2 = 0;
         INSERT INTO messages (id, conversation_id, seq, author_id, body, body_html, created_at)
         SELECT gen_random_uuid(), c.id, s, m.user_id, 'Bonjour, ' || s || ' !',
                '<p>Bonjour, ' || s || ' !</p>', c.last_message_at - make_interval(secs => 3 - s)
         FROM conversations c
         JOIN LATERAL (SELECT user_id FROM conversation_members WHERE conversation_id = c.id
                       ORDER BY user_id LIMIT 1) AS m ON true,
              generate_series(1, 3) AS s
         WHERE c.kind = 'direct'
           AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = c.id);
         INSERT INTO message_mentions (message_id, user_id, conversation_id, seq)
         SELECT m.id, me.id, m.conversation_id, m.seq
         FROM users me, conversations c, messages m, conversation_members o, users other
         WHERE me.username = 'chat0' AND c.kind = 'direct' AND m.conversation_id = c.id
           AND m.seq = 3 AND o.conversation_id = c.id AND o.user_id = other.id
           AND other.id <> me.id AND substring(other.username FROM 5)::int % 10 = 0
         ON CONFLICT DO NOTHING;"
    ))
    .await?;
    Ok(())
}

/// Each benchmark room's global ID by its group's slug.
async fn room_ids(
    conn: &mut diesel_async::AsyncPgConnection,
) -> Result<HashMap<String, String>, BoxError> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use parvis::db::schema::{conversations, groups};
    let rows: Vec<(String, uuid::Uuid)> = conversations::table
        .inner_join(groups::table)
        .filter(groups::slug.like("chat-bench-%"))
        .select((groups::slug, conversations::id))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, id)| {
            (
                slug,
                parvis::graphql::ids::encode("Conversation", id).to_string(),
            )
        })
        .collect())
}
