//! The `parvis` binary as a newcomer uses it: migrate, create an admin, serve, query, stop.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use common::binary::{parvis, serve, stop};

use serde_json::{Value, json};

async fn viewer_role(port: u16, token: &str) -> Value {
    reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": "{ viewer { username orgRole } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[test]
fn schema_prints_the_sdl() {
    let output = parvis().arg("schema").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        parvis::graphql::sdl()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_created_admin_can_query_the_server_with_the_printed_token() {
    let url = common::create_database().await;
    let migrate = parvis()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );

    let mut create = parvis()
        .args([
            "user",
            "create",
            "--email",
            "Admin@Example.com",
            "--name",
            "Adèle Admin",
            "--admin",
            "--password-stdin",
        ])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let created = create.wait_with_output().unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("pvt_"), "{token}");

    let (server, port, banner) = serve(|command| {
        command.env("DATABASE_URL", &url);
    });
    assert!(banner.contains("/graphiql"), "{banner}");
    let viewer = viewer_role(port, &token).await;
    assert_eq!(
        viewer["data"]["viewer"],
        json!({ "username": "admin", "orgRole": "ADMIN" })
    );
    stop(server);
}

#[test]
fn user_create_refuses_a_short_password() {
    let mut create = parvis()
        .args([
            "user",
            "create",
            "--username",
            "short",
            "--name",
            "Short",
            "--password-stdin",
        ])
        .env("DATABASE_URL", "postgres://unused.invalid/none")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    create.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let output = create.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 10 characters"));
}

/// `parvis <args>` on `database`, with `stdin` as its standard input.
fn run_on(database: &str, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = parvis()
        .args(args)
        .env("DATABASE_URL", database)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "parvis {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test(flavor = "multi_thread")]
async fn user_create_on_a_new_database_applies_the_migrations_first() {
    let url = common::create_database().await;

    let created = run_on(
        &url,
        &["user", "create", "--username", "zoe", "--name", "Zoé"],
        b"",
    );

    let token = String::from_utf8(created.stdout).unwrap();
    assert!(token.trim().starts_with("pvt_"), "{token}");
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_demo_on_a_new_database_applies_the_migrations_first() {
    let url = common::create_database().await;
    let data_dir =
        std::env::temp_dir().join(format!("parvis-cli-{}", uuid::Uuid::new_v4().simple()));

    let seeded = run_on(
        &url,
        &["seed-demo", "--data-dir", data_dir.to_str().unwrap()],
        b"",
    );

    let _ = std::fs::remove_dir_all(&data_dir);
    let summary = String::from_utf8(seeded.stdout).unwrap();
    assert!(summary.contains("50 people"), "{summary}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_summary_counts_one_survey_in_the_singular() {
    let url = common::create_database().await;
    let data_dir =
        std::env::temp_dir().join(format!("parvis-cli-{}", uuid::Uuid::new_v4().simple()));
    run_on(&url, &["migrate"], b"");

    let seeded = run_on(
        &url,
        &["seed-demo", "--data-dir", data_dir.to_str().unwrap()],
        b"",
    );

    let _ = std::fs::remove_dir_all(&data_dir);
    let summary = String::from_utf8(seeded.stdout).unwrap();
    assert!(summary.contains(" 1 survey and "), "{summary}");
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_counts_what_it_applied_in_words() {
    let url = common::create_database().await;

    let first = String::from_utf8(run_on(&url, &["migrate"], b"").stdout).unwrap();
    let again = String::from_utf8(run_on(&url, &["migrate"], b"").stdout).unwrap();

    assert!(first.trim().ends_with(" migrations applied."), "{first}");
    assert!(!first.contains("(s)"), "{first}");
    assert_eq!(again.trim(), "No pending migrations.");
}

#[test]
fn serve_with_an_smtp_server_but_no_public_url_stops_with_a_clear_error() {
    let output = parvis()
        .args(["serve", "--smtp-host", "mail.example.com"])
        .env_remove("PARVIS_PUBLIC_URL")
        .env("DATABASE_URL", "postgres://unused.invalid/none")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();

    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("--public-url"), "{error}");
    assert!(error.contains("--smtp-host"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_without_database_url_runs_an_embedded_cluster_with_the_demo() {
    let data_dir =
        std::env::temp_dir().join(format!("parvis-cli-{}", uuid::Uuid::new_v4().simple()));
    let (server, port, _) = serve(|command| {
        command.arg("--demo").arg("--data-dir").arg(&data_dir);
    });
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&json!({ "query": "mutation { signIn(input: { identifier: \"helene.dubois\", password: \"parvis-demo-2026\" }) { user { displayName } } }" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        login["data"]["signIn"]["user"]["displayName"],
        "Hélène Dubois"
    );
    let counts = client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&json!({ "query": "{ groups(filter: { scope: ALL }) { totalCount } users { totalCount } feed { totalCount } home { pinnedPosts { requiresAcknowledgement } upcomingEvents(first: 10) { event { title capacity waitlistedCount recurrence onlineProvider } } } files(first: 50) { edges { node { contentType } } } }" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(counts["data"]["groups"]["totalCount"], 11);
    assert_eq!(counts["data"]["users"]["totalCount"], 50);
    let types: Vec<&str> = counts["data"]["files"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["contentType"].as_str().unwrap())
        .collect();
    for expected in ["application/pdf", "image/png", "text/plain; charset=utf-8"] {
        assert!(types.contains(&expected), "demo documents: {counts}");
    }
    let upcoming = counts["data"]["home"]["upcomingEvents"].as_array().unwrap();
    assert!(
        upcoming.iter().any(|o| o["event"]["recurrence"]
            .as_str()
            .is_some_and(|rule| rule.starts_with("FREQ=WEEKLY"))),
        "a recurring team meeting: {counts}"
    );
    assert!(
        upcoming
            .iter()
            .any(|o| o["event"]["onlineProvider"] == "Zoom"),
        "a webinar: {counts}"
    );
    assert!(
        upcoming
            .iter()
            .any(|o| o["event"]["capacity"] == 8 && o["event"]["waitlistedCount"] == 4),
        "an on-site event with a waitlist: {counts}"
    );
    assert!(
        counts["data"]["feed"]["totalCount"].as_i64().unwrap() > 50,
        "{counts}"
    );
    let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    stop(server);
    // The cluster it started is stopped with it.
    assert!(!data_dir.join("postgres/postmaster.pid").exists());
    tokio::time::sleep(Duration::from_millis(10)).await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_logs_written_to_a_pipe_have_no_terminal_colours() {
    let url = common::create_database().await;
    let (mut server, port, _) = serve(|command| {
        command.env("DATABASE_URL", &url).env("RUST_LOG", "info");
    });
    let health = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert!(health.status().is_success());
    let (status, logs) = server.terminate();
    assert!(status.success(), "{logs}");
    assert!(logs.contains("finished processing request"), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "terminal escape codes in piped logs: {logs:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_carry_the_request_id_of_each_request() {
    let url = common::create_database().await;
    let (server, port, _) = serve(|command| {
        command
            .env("DATABASE_URL", &url)
            .env("PARVIS_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped());
    });
    let response = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut server = server;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let mut logs = String::new();
    std::io::Read::read_to_string(server.0.stderr.as_mut().unwrap(), &mut logs).unwrap();
    assert!(server.0.wait().unwrap().success());
    let request_line = logs
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}"))
        })
        .find(|line| line["span"]["request_id"] == request_id.as_str());
    assert!(
        request_line.is_some(),
        "no log line with request id {request_id}:\n{logs}"
    );
}
