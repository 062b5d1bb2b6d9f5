//! Presence: online from signed-in WebSockets open on any instance, away when one says so,
//! offline once every connection closed or its instance stopped answering for a minute.

mod common;

use std::time::Duration;

use common::ws::{Received, WsClient};
use common::{TestApp, TestUser, run_sql, texts_of, wait_until};
use serde_json::json;

async fn presence(app: &TestApp, viewer: &TestUser, person: &TestUser) -> String {
    let response = app
        .graphql(
            Some(viewer),
            "query($u: ID!) { user(id: $u) { presence } }",
            json!({ "u": person.id }),
        )
        .await;
    response["data"]["user"]["presence"]
        .as_str()
        .unwrap_or_else(|| panic!("{response}"))
        .to_owned()
}

/// `viewer`'s socket, subscribed to `person`'s presence changes.
async fn watching_presence(app: &TestApp, viewer: &TestUser, person: &TestUser) -> WsClient {
    let mut watcher = WsClient::connect_authenticated(&app.ws_url(), &viewer.token).await;
    watcher
        .subscribe(
            "p",
            "subscription($u: [ID!]!) { presenceChanged(userIds: $u) { username presence } }",
            json!({ "u": [person.id] }),
        )
        .await;
    watcher
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_connected_to_one_instance_is_online_on_another_until_they_close() {
    let instance_a = TestApp::spawn().await;
    let instance_b = instance_a.spawn_sibling().await;
    let alice = instance_a.member("alice").await;
    let bob = instance_a.member("bob").await;
    assert_eq!(presence(&instance_a, &alice, &bob).await, "OFFLINE");
    let mut client = WsClient::connect_authenticated(&instance_b.ws_url(), &bob.token).await;
    wait_until(
        || async { presence(&instance_a, &alice, &bob).await == "ONLINE" },
        "bob online",
    )
    .await;
    client.close(1000).await;
    wait_until(
        || async { presence(&instance_a, &alice, &bob).await == "OFFLINE" },
        "bob offline",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connected_person_who_says_they_are_away_is_away() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let _client = WsClient::connect_authenticated(&app.ws_url(), &bob.token).await;
    wait_until(
        || async { presence(&app, &alice, &bob).await == "ONLINE" },
        "bob online",
    )
    .await;
    let away = app
        .graphql(
            Some(&bob),
            "mutation { setPresence(input: { status: AWAY }) { user { presence } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        away["data"]["setPresence"]["user"]["presence"], "AWAY",
        "{away}"
    );
    assert_eq!(presence(&app, &alice, &bob).await, "AWAY");
    let refused = app
        .graphql(
            Some(&bob),
            "mutation { setPresence(input: { status: OFFLINE }) { user { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(common::error_code(&refused), "BAD_USER_INPUT", "{refused}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_that_stopped_answering_leaves_nobody_online_after_a_minute() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    run_sql(
        &app,
        &format!(
            "INSERT INTO presence_connections (user_id, instance_id, seen_at)
             VALUES ('{}', gen_random_uuid(), now() - interval '61 seconds')",
            bob.uuid
        ),
    )
    .await;
    assert_eq!(presence(&app, &alice, &bob).await, "OFFLINE");
    parvis::chat::presence::beat(&app.app.services)
        .await
        .unwrap();
    let left = texts_of(
        &app,
        "SELECT user_id::text AS text FROM presence_connections",
    )
    .await;
    assert!(
        left.is_empty(),
        "the dead instance's row was swept: {left:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn presence_changes_reach_subscribers() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let mut watcher = watching_presence(&app, &alice, &bob).await;
    let mut delivered = None;
    for _ in 0..50 {
        let mut client = WsClient::connect_authenticated(&app.ws_url(), &bob.token).await;
        if let Some(Received::Message(message)) =
            watcher.receive_within(Duration::from_millis(300)).await
        {
            delivered = Some(message);
            break;
        }
        client.close(1000).await;
    }
    let message = delivered.expect("a presence change delivered");
    assert_eq!(
        message["payload"]["data"]["presenceChanged"]["username"], "bob",
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn following_someone_a_guest_may_not_see_is_not_found() {
    let app = TestApp::spawn().await;
    let guest = app
        .create_user("guest", parvis::users::OrgRole::Guest)
        .await;
    let stranger = app.member("stranger").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &guest.token).await;
    client
        .subscribe(
            "p",
            "subscription($u: [ID!]!) { presenceChanged(userIds: $u) { presence } }",
            json!({ "u": [stranger.id] }),
        )
        .await;
    let frame = client.next_message().await;
    assert_eq!(
        frame["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{frame}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offline_write_that_failed_is_made_and_announced_at_the_next_heartbeat() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let mut watcher = watching_presence(&app, &alice, &bob).await;
    // Bob's row on this instance, which holds no connection of his: what a disconnection whose
    // write failed leaves behind.
    let left_behind = format!(
        "INSERT INTO presence_connections (user_id, instance_id)
         SELECT '{}', instance_id FROM presence_connections WHERE user_id = '{}'",
        bob.uuid, alice.uuid
    );
    let mut delivered = None;
    for _ in 0..50 {
        run_sql(&app, &left_behind).await;
        assert_eq!(presence(&app, &alice, &bob).await, "ONLINE");
        parvis::chat::presence::beat(&app.app.services)
            .await
            .unwrap();
        if let Some(Received::Message(message)) =
            watcher.receive_within(Duration::from_millis(300)).await
        {
            delivered = Some(message);
            break;
        }
    }
    let message = delivered.expect("bob's going offline announced");
    assert_eq!(
        message["payload"]["data"]["presenceChanged"]["presence"], "OFFLINE",
        "{message}"
    );
    assert_eq!(presence(&app, &alice, &bob).await, "OFFLINE");
}
