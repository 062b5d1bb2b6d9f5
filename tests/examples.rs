//! The examples for frontend teams keep working: the operations parse, and the Rust client runs.

mod common;

#[allow(dead_code)]
#[path = "../examples/client.rs"]
mod client;

use std::time::Duration;

use common::TestApp;
use serde_json::json;

#[test]
fn every_example_operation_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/operations");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        async_graphql::parser::parse_query(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        count += 1;
    }
    assert!(count >= 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rust_client_prints_the_viewer_and_profile_events() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let base_url = app.url("");
    let token = user.token.clone();
    let client = tokio::spawn(async move {
        let mut out = Vec::new();
        client::run(&base_url, &token, Some(1), &mut out)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(String::from_utf8(out).unwrap())
    });
    let mut attempt = 0;
    while !client.is_finished() {
        attempt += 1;
        assert!(attempt < 50, "the client never saw an event");
        app.graphql(
            Some(&user),
            "mutation($t: String) { updateProfile(input: { title: $t }) { user { id } } }",
            json!({ "t": "Engineer" }),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let output = client.await.unwrap().unwrap();
    assert!(output.contains("Signed in as Test ada (ada)\n"), "{output}");
    assert!(
        output.contains("Profile changed: Test ada / Engineer\n"),
        "{output}"
    );
}

fn operation(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("examples/operations/{name}.graphql"));
    std::fs::read_to_string(path).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_operations_run_against_the_api() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let reader = app.member("reader").await;
    let group = app
        .create_group(&owner, "Club", parvis::groups::Visibility::Public)
        .await;
    let run = |user, name: &str, variables: serde_json::Value| {
        let app = &app;
        let query = operation(name);
        async move {
            let response = app.graphql(Some(user), &query, variables).await;
            assert!(response["errors"].is_null(), "{response}");
            response["data"].clone()
        }
    };
    let groups = run(&reader, "Groups", json!({ "query": "club" })).await;
    assert_eq!(groups["groups"]["totalCount"], 1);
    run(&reader, "JoinGroup", json!({ "groupId": group.id })).await;
    let post = run(
        &owner,
        "CreatePost",
        json!({ "groupId": group.id, "title": "Bienvenue", "body": "**Salut** !" }),
    )
    .await;
    let post_id = post["createPost"]["post"]["id"].clone();
    run(
        &reader,
        "AddComment",
        json!({ "postId": post_id, "body": "Merci" }),
    )
    .await;
    run(
        &reader,
        "AddReaction",
        json!({ "subjectId": post_id, "emoji": "🎉" }),
    )
    .await;
    let feed = run(&reader, "Feed", json!({})).await;
    let card = &feed["feed"]["edges"][0]["node"];
    assert_eq!(card["title"], "Bienvenue");
    assert_eq!(card["commentCount"], 1);
    assert_eq!(
        card["reactions"],
        json!([{ "emoji": "🎉", "count": 1, "viewerReacted": true }])
    );
    let home = run(&reader, "Home", json!({})).await;
    // Commenting on the post opened it.
    assert_eq!(home["home"]["groups"][0]["unreadPostCount"], 0);
    run(&reader, "Viewer", json!({})).await;
    run(&reader, "Directory", json!({ "query": "owner" })).await;
    let search = run(&reader, "Search", json!({ "query": "bienvenu" })).await;
    assert_eq!(search["search"]["edges"][0]["node"]["type"], "POST");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chat_client_flow_runs_against_the_api() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let run = |user, name: &str, variables: serde_json::Value| {
        let app = &app;
        let query = operation(name);
        async move {
            let response = app.graphql(Some(user), &query, variables).await;
            assert!(response["errors"].is_null(), "{response}");
            response["data"].clone()
        }
    };
    let opened = run(
        &alice,
        "OpenDirectConversation",
        json!({ "userId": bob.id }),
    )
    .await;
    let conversation = opened["openDirectConversation"]["conversation"]["id"].clone();
    let sent = run(
        &alice,
        "SendMessage",
        json!({ "conversationId": conversation, "body": "Salut !", "clientId": "c-1" }),
    )
    .await;
    let message = sent["sendMessage"]["message"]["id"].clone();
    let list = run(&bob, "Conversations", json!({})).await;
    assert_eq!(list["viewer"]["unreadConversationCount"], 1);
    let card = &list["viewer"]["conversations"]["edges"][0]["node"];
    assert_eq!(card["unreadCount"], 1);
    assert_eq!(card["lastMessage"]["bodyHtml"], "<p>Salut !</p>\n");
    let history = run(&bob, "Messages", json!({ "conversationId": conversation })).await;
    assert_eq!(
        history["node"]["messages"]["edges"][0]["node"]["id"],
        message
    );
    let read = run(
        &bob,
        "MarkConversationRead",
        json!({ "conversationId": conversation, "messageId": message }),
    )
    .await;
    assert_eq!(
        read["markConversationRead"]["conversation"]["unreadCount"],
        0
    );
}
