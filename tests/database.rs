//! The database layer: per-connection settings, reversible migrations, readiness, opaque errors.

mod common;

use common::{TestApp, TestSchema, error_code};
use diesel_async::{AsyncMigrationHarness, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use serde_json::json;

/// A setting of the pool's connections.
async fn pooled_setting(app: &TestApp, name: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let mut conn = app.app.services.pool.get().await.unwrap();
    let setting: Setting = diesel::sql_query("SELECT current_setting($1) AS value")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(&mut conn)
        .await
        .unwrap();
    setting.value
}

#[tokio::test(flavor = "multi_thread")]
async fn every_pooled_connection_has_a_statement_timeout() {
    let app = TestApp::spawn().await;
    let configured = app.db().statement_timeout.as_secs();
    assert_eq!(
        pooled_setting(&app, "statement_timeout").await,
        format!("{configured}s")
    );
}

/// A statement whose estimate passes `jit_above_cost` (the conversation list's) would otherwise
/// spend ~40 ms compiling, each time.
#[tokio::test(flavor = "multi_thread")]
async fn pooled_connections_never_compile_statements_just_in_time() {
    let app = TestApp::spawn().await;
    assert_eq!(pooled_setting(&app, "jit").await, "off");
}

/// How many times the connection ran a prepared statement whose text holds `text` with a
/// generic plan (one planned once for every call).
async fn generic_plans(conn: &mut diesel_async::AsyncPgConnection, text: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Plans {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let plans: Plans = diesel::sql_query(
        "SELECT coalesce(sum(generic_plans), 0)::bigint AS n FROM pg_prepared_statements
         WHERE strpos(statement, $1) > 0",
    )
    .bind::<diesel::sql_types::Text, _>(text)
    .get_result(conn)
    .await
    .unwrap();
    plans.n
}

#[tokio::test(flavor = "multi_thread")]
async fn looking_one_group_up_again_is_not_planned_again() {
    let app = TestApp::spawn().await;
    let ana = app.member("ana").await;
    let group = app
        .create_group(&ana, "Équipe", parvis::groups::Visibility::Public)
        .await;
    let mut conn = app.app.services.pool.get().await.unwrap();
    // PostgreSQL weighs a generic plan after five custom ones.
    for _ in 0..6 {
        parvis::groups::model::find_access(&mut conn, ana.uuid, &[group.uuid])
            .await
            .unwrap();
    }
    assert!(generic_plans(&mut conn, "FROM groups g").await > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn looking_one_person_up_again_is_not_planned_again() {
    let app = TestApp::spawn().await;
    let ana = app.member("ana").await;
    let mut conn = app.app.services.pool.get().await.unwrap();
    for _ in 0..6 {
        parvis::users::model::find_many(&mut conn, &[ana.uuid])
            .await
            .unwrap();
    }
    assert!(generic_plans(&mut conn, "FROM \"users\"").await > 0);
}

fn migrations() -> FileBasedMigrations {
    FileBasedMigrations::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_migration_reverts_cleanly() {
    let schema = TestSchema::new().await;
    let conn = schema.settings.connect().await.unwrap();
    let (reverted, conn) = tokio::task::block_in_place(|| {
        let mut harness = AsyncMigrationHarness::new(conn);
        let reverted = harness.revert_all_migrations(migrations()).unwrap();
        (reverted.len(), harness.into_inner())
    });
    assert!(reverted > 0);
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = conn;
    let left: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relname NOT LIKE '\\_\\_diesel%'
           AND c.relkind IN ('r', 'v', 'S', 'i')",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(left.n, 0, "down.sql left relations behind");
    assert!(
        parvis::db::run_migrations(conn).await.unwrap() > 0,
        "and they apply again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_are_not_cut_short_by_the_requests_statement_timeout() {
    let mut schema = TestSchema::new().await;
    let conn = schema.settings.connect().await.unwrap();
    tokio::task::block_in_place(|| {
        AsyncMigrationHarness::new(conn)
            .revert_all_migrations(migrations())
            .unwrap();
    });
    schema.settings.statement_timeout = std::time::Duration::from_millis(1);
    let mut conn = schema.settings.connect().await.unwrap();
    conn.batch_execute("SELECT pg_sleep(0.01)")
        .await
        .expect_err("a 1 ms statement timeout cuts a 10 ms statement short");

    let applied = parvis::db::run_migrations(conn).await;

    assert!(applied.expect("the migrations apply") > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_fails_while_migrations_are_pending() {
    let app = TestApp::spawn().await;
    let conn = app.db().connect().await.unwrap();
    tokio::task::block_in_place(|| {
        AsyncMigrationHarness::new(conn)
            .revert_last_migration(migrations())
            .unwrap();
    });
    let response = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.text().await.unwrap(), "migrations pending\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn internal_errors_show_only_a_code_and_the_request_id() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut conn = app.db().connect().await.unwrap();
    conn.batch_execute("ALTER TABLE users RENAME COLUMN title TO job_title")
        .await
        .unwrap();
    let response = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&user.token)
        .json(&json!({ "query": "mutation { updateProfile(input: { bio: \"x\" }) { user { id } } }" }))
        .send()
        .await
        .unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "INTERNAL_SERVER_ERROR", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["requestId"], request_id);
    assert_eq!(body["errors"][0]["message"], "Internal server error.");
    assert!(!body.to_string().contains("title"), "{body}");
}

async fn post_query(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.http
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_answers_503_with_retry_after_then_recovers() {
    let (app, relay) = TestApp::spawn_behind_relay(|_| {}).await;
    let user = app.member("ada").await;
    let query = "{ users(first: 1) { totalCount } }";
    assert_eq!(post_query(&app, &user.token, query).await.status(), 200);
    relay.cut();
    let response = post_query(&app, &user.token, query).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    relay.restore();
    let response = post_query(&app, &user.token, query).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn downloads_during_a_database_outage_answer_503() {
    let (app, relay) = TestApp::spawn_behind_relay(|_| {}).await;
    let user = app.member("ada").await;
    relay.cut();
    let response = app
        .http
        .get(app.url("/calendar/events/00000000-0000-0000-0000-000000000000.ics"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
}

#[tokio::test(flavor = "multi_thread")]
async fn open_subscriptions_are_told_to_refetch_after_an_outage() {
    let (app, relay) = TestApp::spawn_behind_relay(|_| {}).await;
    let user = app.member("ada").await;
    let mut client = common::ws::WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    client
        .subscribe(
            "1",
            "subscription($id: ID!) { userUpdated(id: $id) { id } }",
            json!({ "id": user.id }),
        )
        .await;
    // Let the subscription reach the event stream before the outage.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    relay.cut();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    relay.restore();
    let frame = client.next_message().await;
    assert_eq!(frame["type"], "next", "{frame}");
    assert_eq!(frame["id"], "1");
    assert_eq!(
        frame["payload"]["errors"][0]["extensions"]["code"], "EVENTS_MISSED",
        "{frame}"
    );
}
