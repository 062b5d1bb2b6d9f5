//! Real JavaScript clients against a real server: the graphql-http audit suite (GraphQL over HTTP
//! spec), the graphql-ws client library (GraphQL over WebSocket), Apollo Client (persisted
//! queries, relay-style pagination, uploads), urql and GraphQL Code Generator.

mod common;

use std::time::Duration;

use common::TestApp;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test(flavor = "multi_thread")]
async fn the_graphql_over_http_audit_passes() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    run_node("audit.mjs", &[&app.url("/graphql"), &user.token]).await;
}

/// A `graphql-ws` client (the npm library) subscribed with `query` on `url`: its lines of output,
/// once it said it is connected.
async fn graphql_ws_client(
    url: String,
    token: &str,
    query: &str,
    variables: serde_json::Value,
) -> (
    tokio::process::Child,
    tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
) {
    let dir = tokio::task::spawn_blocking(common::js::js_dir)
        .await
        .unwrap();
    let mut node = Command::new("node")
        .arg("graphql-ws-client.mjs")
        .args([
            url,
            token.to_owned(),
            query.to_owned(),
            variables.to_string(),
        ])
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();
    assert_eq!(
        lines.next_line().await.unwrap().as_deref(),
        Some("connected")
    );
    (node, lines)
}

/// Runs `act` until the client prints an event, and returns it.
async fn first_event<F, Fut>(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    mut act: F,
) -> serde_json::Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..50 {
        act().await;
        if let Ok(line) = tokio::time::timeout(Duration::from_millis(200), lines.next_line()).await
        {
            return serde_json::from_str(&line.unwrap().expect("an event line")).unwrap();
        }
    }
    panic!("graphql-ws never received an event");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_graphql_ws_client_receives_subscription_events() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let query = "subscription($id: ID!) { userUpdated(id: $id) { id title } }";
    let (_node, mut lines) =
        graphql_ws_client(app.ws_url(), &user.token, query, json!({ "id": user.id })).await;
    let event = first_event(&mut lines, || async {
        app.graphql(
            Some(&user),
            "mutation { updateProfile(input: { title: \"Lead\" }) { user { id } } }",
            json!({}),
        )
        .await;
    })
    .await;
    assert_eq!(
        event,
        json!({ "data": { "userUpdated": { "id": user.id, "title": "Lead" } } })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_graphql_ws_client_receives_chat_messages_sent_on_another_instance() {
    let instance_a = TestApp::spawn().await;
    let instance_b = instance_a.spawn_sibling().await;
    let alice = instance_a.member("alice").await;
    let bob = instance_a.member("bob").await;
    let opened = instance_a
        .graphql(
            Some(&alice),
            "mutation($u: ID!) { openDirectConversation(input: { userId: $u }) { conversation { id } } }",
            json!({ "u": bob.id }),
        )
        .await;
    let conversation = opened["data"]["openDirectConversation"]["conversation"]["id"].clone();
    let query =
        "subscription($c: ID!) { messageAdded(conversationId: $c) { body author { username } } }";
    let (_node, mut lines) = graphql_ws_client(
        instance_b.ws_url(),
        &bob.token,
        query,
        json!({ "c": conversation }),
    )
    .await;
    let event = first_event(&mut lines, || async {
        instance_a
            .graphql(
                Some(&alice),
                "mutation($c: ID!) { sendMessage(input: { conversationId: $c, body: \"Salut Bob\" }) { message { id } } }",
                json!({ "c": conversation }),
            )
            .await;
    })
    .await;
    assert_eq!(
        event,
        json!({ "data": { "messageAdded": { "body": "Salut Bob", "author": { "username": "alice" } } } })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apollo_clients_persisted_query_link_registers_a_document_once_for_every_instance() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let user = app.member("ada").await;
    let report = run_js(
        "apollo-persisted-queries.mjs",
        &[&app.url("/graphql"), &sibling.url("/graphql"), &user.token],
    )
    .await;
    let viewer = json!({ "viewer": { "__typename": "User", "id": user.id } });
    assert_eq!(report["first"], viewer, "{report}");
    assert_eq!(report["again"], viewer);
    assert_eq!(report["elsewhere"], viewer);
    let documents_sent: Vec<bool> = report["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| request["document"].as_bool().unwrap())
        .collect();
    // Hash alone (unknown), then with the document; then the hash alone, twice.
    assert_eq!(documents_sent, [false, true, false, false], "{report}");
}

/// Runs `script` of tests/js with `args`; it must succeed. Returns what it printed.
async fn run_node(script: &str, args: &[&str]) -> Vec<u8> {
    let dir = tokio::task::spawn_blocking(common::js::js_dir)
        .await
        .unwrap();
    let output = Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{script}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Runs `script` of tests/js with `args` and reads the JSON line it prints.
async fn run_js(script: &str, args: &[&str]) -> serde_json::Value {
    let printed = run_node(script, args).await;
    serde_json::from_slice(&printed)
        .unwrap_or_else(|_| panic!("{script} printed {}", String::from_utf8_lossy(&printed)))
}

#[tokio::test(flavor = "multi_thread")]
async fn apollo_client_pages_with_relay_style_pagination_and_uploads_with_apollo_upload_client() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    for name in ["bea", "cyd", "dan"] {
        app.member(name).await;
    }
    let report = run_js("apollo-client.mjs", &[&app.url("/graphql"), &ada.token]).await;
    assert_eq!(report["firstPage"], json!(["ada", "bea"]), "{report}");
    assert_eq!(report["secondPage"], json!(["cyd", "dan"]));
    assert_eq!(report["cached"], json!(["ada", "bea", "cyd", "dan"]));
    assert_eq!(report["totalCount"], 4);
    assert_eq!(report["uploaded"]["name"], "note.txt");
    assert_eq!(report["uploaded"]["sizeBytes"], "Bonjour à tous".len());
}

#[tokio::test(flavor = "multi_thread")]
async fn urql_queries_mutates_and_keeps_the_data_around_a_missing_node() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let missing = parvis::graphql::ids::encode("Post", uuid::Uuid::new_v4()).0;
    let report = run_js(
        "urql-client.mjs",
        &[&app.url("/graphql"), &ada.token, &missing],
    )
    .await;
    assert_eq!(report["viewer"]["id"], ada.id.as_str(), "{report}");
    assert_eq!(report["title"], "Chargée de communication");
    assert_eq!(
        report["missing"]["data"],
        json!({ "node": null, "viewer": { "__typename": "User", "id": ada.id } })
    );
    assert_eq!(report["missing"]["codes"], json!(["NOT_FOUND"]));
    assert_eq!(report["missing"]["paths"], json!([["node"]]));
}

#[tokio::test(flavor = "multi_thread")]
async fn graphql_codegen_types_every_example_operation_with_strict_scalars() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let operations = format!(
        "{}/examples/operations/*.graphql",
        env!("CARGO_MANIFEST_DIR")
    );
    let output = std::env::temp_dir().join(format!("parvis-{}.ts", uuid::Uuid::new_v4()));
    run_node(
        "codegen.mjs",
        &[
            &app.url("/graphql"),
            &ada.token,
            &operations,
            output.to_str().unwrap(),
        ],
    )
    .await;
    let types = std::fs::read_to_string(&output).unwrap();
    std::fs::remove_file(&output).ok();
    assert!(types.contains("export type ViewerQuery"), "{types}");
    assert!(!types.contains("input: any"), "a scalar fell back to any");
}
