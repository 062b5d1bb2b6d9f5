//! Shared test helpers: a real server on a random port backed by its own PostgreSQL schema,
//! test users with tokens, and GraphQL / WebSocket call helpers.
#![allow(dead_code)]

pub mod binary;
pub mod groups;
pub mod ical;
pub mod js;
pub mod oidc;
pub mod otlp;
pub mod relay;
pub mod s3;
pub mod smtp;
pub mod statements;
pub mod uploads;
pub mod venv;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parvis::App;
use parvis::config::AppConfig;
use parvis::db::DbSettings;
use parvis::db::embedded::{Durability, EmbeddedCluster};
use parvis::users::{NewUser, OrgRole, model as users};
use serde_json::{Value, json};
use tokio::sync::{OnceCell, oneshot};

static SERVER_URL: OnceCell<String> = OnceCell::const_new();

/// The PostgreSQL server tests use: `DATABASE_URL` when set, else an embedded cluster kept
/// running across runs under this build's target directory (`target/tmp/parvis-test-cluster`, so
/// each checkout and user has its own; the README says how to stop it), without fsync: its data
/// is thrown away.
pub async fn server_url() -> String {
    SERVER_URL
        .get_or_init(|| async {
            let url = match std::env::var("DATABASE_URL") {
                Ok(url) => url,
                Err(_) => {
                    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                        .join("parvis-test-cluster");
                    EmbeddedCluster::start(&root, Durability::Disposable)
                        .await
                        .expect("start the embedded test cluster")
                        .database_url()
                }
            };
            prepare_server(&url).await;
            url
        })
        .await
        .clone()
}

/// Once per test process: extensions in `public`, and schemas left by earlier runs dropped.
/// Each stale schema is dropped in a transaction of its own: dropping many at once takes a lock
/// per table and index in all of them, which overflows the server's lock table.
async fn prepare_server(url: &str) {
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    #[derive(diesel::QueryableByName)]
    struct Schema {
        #[diesel(sql_type = diesel::sql_types::Text)]
        nspname: String,
    }
    let mut conn = DbSettings::new(url)
        .connect()
        .await
        .expect("connect to PostgreSQL");
    let stale_before = unix_seconds() - 3600;
    conn.batch_execute(
        "SELECT pg_advisory_lock(4242);
         CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
         CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
         CREATE EXTENSION IF NOT EXISTS fuzzystrmatch WITH SCHEMA public;",
    )
    .await
    .expect("prepare the test database server");
    let stale: Vec<Schema> = diesel::sql_query(format!(
        "SELECT nspname::text FROM pg_namespace WHERE nspname ~ '^test_[0-9]+_'
           AND split_part(nspname, '_', 2)::bigint < {stale_before}"
    ))
    .load(&mut conn)
    .await
    .expect("list stale test schemas");
    for schema in stale {
        conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", schema.nspname))
            .await
            .expect("drop a stale test schema");
    }
    conn.batch_execute("SELECT pg_advisory_unlock(4242)")
        .await
        .expect("release the preparation lock");
    drop_stale_databases(&mut conn, stale_before).await;
}

/// Databases made by `create_database` in runs more than an hour ago.
async fn drop_stale_databases(conn: &mut diesel_async::AsyncPgConnection, stale_before: u64) {
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    #[derive(diesel::QueryableByName)]
    struct Database {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let databases: Vec<Database> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname ~ '^parvis_test_[0-9]+_'")
            .load(conn)
            .await
            .unwrap_or_default();
    for database in databases {
        let created: u64 = database
            .datname
            .split('_')
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(u64::MAX);
        if created < stale_before {
            let _ = conn
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    database.datname
                ))
                .await;
        }
    }
}

/// The same server URL naming another database (`scheme://authority/database?query`).
pub fn with_database(server: &str, database: &str) -> String {
    let (scheme, rest) = server.split_once("://").expect("a postgres:// URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let query = path
        .split_once('?')
        .map(|(_, query)| format!("?{query}"))
        .unwrap_or_default();
    format!("{scheme}://{authority}/{database}{query}")
}

/// A new empty database on the test server, for tests of whole processes (the CLI).
pub async fn create_database() -> String {
    use diesel_async::SimpleAsyncConnection;
    let server = server_url().await;
    let database = format!(
        "parvis_test_{}_{}",
        unix_seconds(),
        uuid::Uuid::new_v4().simple()
    );
    let mut admin = DbSettings::new(&server).connect().await.expect("connect");
    admin
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .await
        .expect("create database");
    with_database(&server, &database)
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A schema of its own for one test, migrated, dropped when the test ends.
pub struct TestSchema {
    pub settings: DbSettings,
    name: String,
}

impl TestSchema {
    pub async fn new() -> Self {
        use diesel_async::SimpleAsyncConnection;
        let url = server_url().await;
        let name = format!("test_{}_{}", unix_seconds(), uuid::Uuid::new_v4().simple());
        let mut admin = DbSettings::new(&url).connect().await.expect("connect");
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .expect("create test schema");
        let mut settings = DbSettings::new(&url);
        settings.pool_size = 4;
        // Three times the server's default: a loaded CI machine can stall a plain INSERT for
        // seconds, and no test measures time through this limit.
        settings.statement_timeout = Duration::from_secs(30);
        settings.search_path = Some(format!("{name}, public"));
        let conn = settings.connect().await.expect("connect to test schema");
        parvis::db::run_migrations(conn)
            .await
            .expect("migrate test schema");
        Self { settings, name }
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let url = self.settings.url.clone();
        let name = self.name.clone();
        // Drop runs outside async code: use a small runtime of its own on another thread.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                use diesel_async::SimpleAsyncConnection;
                let mut conn = DbSettings::new(&url).connect().await.ok()?;
                conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                    .await
                    .ok()
            })
        })
        .join();
        drop(dropped);
    }
}

/// A running Parvis server for one test.
pub struct TestApp {
    pub address: SocketAddr,
    pub app: Arc<App>,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    schema: Arc<TestSchema>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Arc::new(TestSchema::new().await), |_| {}).await
    }

    pub async fn spawn_configured(configure: impl FnOnce(&mut AppConfig)) -> Self {
        Self::spawn_with(Arc::new(TestSchema::new().await), configure).await
    }

    /// A second server instance on the same database, as in a multi-instance deployment.
    pub async fn spawn_sibling(&self) -> Self {
        Self::spawn_with(self.schema.clone(), |_| {}).await
    }

    /// A server whose database connections all pass through a relay the test can cut.
    pub async fn spawn_behind_relay(
        configure: impl FnOnce(&mut AppConfig),
    ) -> (Self, relay::DbRelay) {
        let schema = Arc::new(TestSchema::new().await);
        let relay = relay::DbRelay::start(&schema.settings.url).await;
        let mut settings = schema.settings.clone();
        settings.url = relay.url(&settings.url);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port");
        let app = Self::spawn_with_settings(schema, settings, listener, configure).await;
        (app, relay)
    }

    /// A server on a listener bound beforehand (when something must know its address first,
    /// such as an identity provider's registered redirect URI).
    pub async fn spawn_on(
        listener: tokio::net::TcpListener,
        configure: impl FnOnce(&mut AppConfig),
    ) -> Self {
        Self::spawn_with_listener(Arc::new(TestSchema::new().await), listener, configure).await
    }

    async fn spawn_with(schema: Arc<TestSchema>, configure: impl FnOnce(&mut AppConfig)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port");
        Self::spawn_with_listener(schema, listener, configure).await
    }

    async fn spawn_with_listener(
        schema: Arc<TestSchema>,
        listener: tokio::net::TcpListener,
        configure: impl FnOnce(&mut AppConfig),
    ) -> Self {
        let settings = schema.settings.clone();
        Self::spawn_with_settings(schema, settings, listener, configure).await
    }

    async fn spawn_with_settings(
        schema: Arc<TestSchema>,
        settings: DbSettings,
        listener: tokio::net::TcpListener,
        configure: impl FnOnce(&mut AppConfig),
    ) -> Self {
        let address = listener.local_addr().expect("local address");
        let mut config = AppConfig::for_address(address);
        configure(&mut config);
        let app = App::build(config, settings).await.expect("build the app");
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.clone().serve(listener, async {
            let _ = stopped.await;
        }));
        Self {
            address,
            app,
            http: reqwest::Client::new(),
            stop: Some(stop),
            server: Some(server),
            schema,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql/ws", self.address)
    }

    pub fn db(&self) -> &DbSettings {
        &self.schema.settings
    }

    /// Creates an active person with a personal access token.
    pub async fn create_user(&self, username: &str, role: OrgRole) -> TestUser {
        self.create_user_with(username, role, |_| {}).await
    }

    pub async fn create_user_with(
        &self,
        username: &str,
        role: OrgRole,
        customise: impl FnOnce(&mut NewUser),
    ) -> TestUser {
        let mut conn = self.db().connect().await.expect("connect");
        let mut new_user = NewUser::new(username, format!("Test {username}"));
        new_user.email = Some(format!("{username}@example.com"));
        new_user.org_role = role;
        customise(&mut new_user);
        let user = users::insert(&mut conn, &new_user)
            .await
            .expect("insert user");
        with_token(&mut conn, user.id).await
    }

    /// An account already there (a demo person, say), with a new token.
    pub async fn existing_user(&self, username: &str) -> TestUser {
        let mut conn = self.db().connect().await.expect("connect");
        let user = users::find_by_identifier(&mut conn, username)
            .await
            .expect("look the user up")
            .unwrap_or_else(|| panic!("no user {username}"));
        with_token(&mut conn, user.id).await
    }

    pub async fn member(&self, username: &str) -> TestUser {
        self.create_user(username, OrgRole::Member).await
    }

    /// POSTs a GraphQL request as `user` (or signed out) and returns the JSON body.
    pub async fn graphql(&self, user: Option<&TestUser>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(user) = user {
            request = request.bearer_auth(&user.token);
        }
        request
            .send()
            .await
            .expect("send GraphQL request")
            .json()
            .await
            .expect("JSON response")
    }

    /// Stops the server the way SIGTERM does and waits for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub struct TestUser {
    /// Global ID.
    pub id: String,
    pub uuid: uuid::Uuid,
    /// Personal access token secret.
    pub token: String,
}

/// The account `user` as a test user, with a new personal access token.
async fn with_token(conn: &mut diesel_async::AsyncPgConnection, user: uuid::Uuid) -> TestUser {
    let (_, token) = parvis::auth::access_tokens::create(conn, user, "test", None)
        .await
        .expect("create token");
    TestUser {
        id: parvis::graphql::ids::encode("User", user).0,
        uuid: user,
        token,
    }
}

/// The `extensions.code` of the first error of a GraphQL response.
pub fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error, got {response}"))
}

/// The `text` column of every row `sql` selects, in its order: for checking what a test wrote
/// where the API does not show it.
pub async fn texts_of(app: &TestApp, sql: &str) -> Vec<String> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let mut conn = app.db().connect().await.expect("connect");
    let rows: Vec<Row> = diesel::sql_query(sql)
        .load(&mut conn)
        .await
        .expect("select texts");
    rows.into_iter().map(|row| row.text).collect()
}

/// Runs `sql` on the test's database as an administrator would, outside the server.
pub async fn run_sql(app: &TestApp, sql: &str) {
    use diesel_async::SimpleAsyncConnection;
    let mut conn = app.db().connect().await.expect("connect");
    conn.batch_execute(sql).await.expect("run SQL");
}

/// How many jobs of `kind` wait, and how many of those failed at least once.
pub async fn jobs_of_kind(app: &TestApp, kind: &str) -> (i64, i64) {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        waiting: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        failed: i64,
    }
    let mut conn = app.db().connect().await.expect("connect");
    let counts: Counts = diesel::sql_query(
        "SELECT count(*) AS waiting, count(*) FILTER (WHERE attempts > 0) AS failed
         FROM jobs WHERE kind = $1",
    )
    .bind::<diesel::sql_types::Text, _>(kind)
    .get_result(&mut conn)
    .await
    .expect("count jobs");
    (counts.waiting, counts.failed)
}

/// Waits (up to 30 s) until a job of `kind` has failed at least once.
pub async fn wait_for_failed_job(app: &TestApp, kind: &str) {
    wait_until(
        || async { jobs_of_kind(app, kind).await.1 > 0 },
        "a failed job",
    )
    .await;
}

/// Waits (up to 30 s) until no job of `kind` is left.
pub async fn wait_for_no_job(app: &TestApp, kind: &str) {
    wait_until(
        || async { jobs_of_kind(app, kind).await.0 == 0 },
        "no job left",
    )
    .await;
}

/// Polls `done` every 100 ms for up to 30 s.
/// Asserts that `node(id:)` answers NOT_FOUND for `hidden` (of type `type_name`, which `viewer`
/// may not see) and for an ID of that type that does not exist in the same time: the medians of
/// 60 interleaved lookups each differ by less than 0.7 ms (a DataLoader round alone is 1 ms).
pub async fn assert_missing_and_hidden_look_alike(
    app: &TestApp,
    viewer: &TestUser,
    type_name: &str,
    hidden: &str,
) {
    let missing = parvis::graphql::ids::encode(type_name, uuid::Uuid::new_v4()).to_string();
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..60 {
        // Interleaved, so drifts of the machine's load touch both alike.
        for (index, id) in [hidden, missing.as_str()].iter().enumerate() {
            let started = std::time::Instant::now();
            let response = app
                .graphql(
                    Some(viewer),
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({ "id": id }),
                )
                .await;
            times[index].push(started.elapsed());
            assert_eq!(error_code(&response), "NOT_FOUND", "{response}");
        }
    }
    let [hidden, missing] = times.map(|mut list| {
        list.sort();
        list[list.len() / 2]
    });
    let gap = hidden.abs_diff(missing);
    assert!(
        gap < Duration::from_micros(700),
        "hidden {hidden:?} and missing {missing:?} differ by {gap:?}"
    );
}

pub async fn wait_until<F, Fut>(done: F, what: &str)
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
