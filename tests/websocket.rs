//! GraphQL over WebSocket: both subprotocols, the graphql-transport-ws close codes, and events
//! delivered across server instances.

mod common;

use std::time::Duration;

use common::ws::{Received, WsClient};
use common::{TestApp, run_sql};
use parvis::groups::Visibility;
use serde_json::json;

const USER_UPDATED: &str = "subscription($id: ID!) { userUpdated(id: $id) { id title } }";

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_message_closes_with_4400() {
    let app = TestApp::spawn().await;
    let mut client = WsClient::connect(&app.ws_url(), "graphql-transport-ws").await;
    client.send_text("this is not JSON").await;
    assert_eq!(client.close_code().await, 4400);
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribing_before_the_ack_closes_with_4401() {
    let app = TestApp::spawn().await;
    let mut client = WsClient::connect(&app.ws_url(), "graphql-transport-ws").await;
    client.subscribe("1", "{ __typename }", json!({})).await;
    assert_eq!(client.close_code().await, 4401);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_connection_init_in_time_closes_with_4408() {
    let app =
        TestApp::spawn_configured(|config| config.ws_init_timeout = Duration::from_millis(300))
            .await;
    let mut client = WsClient::connect(&app.ws_url(), "graphql-transport-ws").await;
    assert_eq!(client.close_code().await, 4408);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_subscription_id_closes_with_4409() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    client
        .subscribe("same", USER_UPDATED, json!({ "id": user.id }))
        .await;
    client
        .subscribe("same", USER_UPDATED, json!({ "id": user.id }))
        .await;
    assert_eq!(client.close_code().await, 4409);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_connection_init_closes_with_4429() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    client.send(json!({ "type": "connection_init" })).await;
    assert_eq!(client.close_code().await, 4429);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_credentials_close_with_4403() {
    let app = TestApp::spawn().await;
    let mut client = WsClient::connect(&app.ws_url(), "graphql-transport-ws").await;
    client
        .send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer pvt_wrong" } }))
        .await;
    assert_eq!(client.close_code().await, 4403);
}

#[tokio::test(flavor = "multi_thread")]
async fn ping_is_answered_with_pong() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.next_message().await["type"], "pong");
}

#[tokio::test(flavor = "multi_thread")]
async fn queries_run_over_the_socket_and_complete() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    client
        .subscribe("q", "{ viewer { username } }", json!({}))
        .await;
    let next = client.next_message().await;
    assert_eq!(
        next,
        json!({ "type": "next", "id": "q", "payload": { "data": { "viewer": { "username": "ada" } } } })
    );
    assert_eq!(
        client.next_message().await,
        json!({ "type": "complete", "id": "q" })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn validation_errors_answer_an_error_message() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    client
        .subscribe("bad", "subscription { noSuchField }", json!({}))
        .await;
    let error = client.next_message().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["id"], "bad");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_to_someone_invisible_is_not_found() {
    let app = TestApp::spawn().await;
    let guest = app
        .create_user("guest", parvis::users::OrgRole::Guest)
        .await;
    let member = app.member("member").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &guest.token).await;
    client
        .subscribe("s", USER_UPDATED, json!({ "id": member.id }))
        .await;
    let message = client.next_message().await;
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{message}"
    );
}

/// Changes the user's title through `app` until `client` sees an event (the subscription is
/// registered asynchronously, so the first change may precede it).
async fn change_title_until_delivered(
    app: &TestApp,
    user: &common::TestUser,
    client: &mut WsClient,
) -> serde_json::Value {
    for attempt in 0..50 {
        let title = format!("Title {attempt}");
        let response = app
            .graphql(
                Some(user),
                "mutation($t: String) { updateProfile(input: { title: $t }) { user { id } } }",
                json!({ "t": title }),
            )
            .await;
        assert!(response["errors"].is_null(), "{response}");
        if let Some(Received::Message(message)) =
            client.receive_within(Duration::from_millis(200)).await
        {
            return message;
        }
    }
    panic!("no event delivered after 50 changes");
}

#[tokio::test(flavor = "multi_thread")]
async fn user_updated_is_delivered_to_subscribers() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    client
        .subscribe("s", USER_UPDATED, json!({ "id": user.id }))
        .await;
    let event = change_title_until_delivered(&app, &user, &mut client).await;
    assert_eq!(event["type"], "next");
    assert_eq!(event["payload"]["data"]["userUpdated"]["id"], user.id);
    assert!(
        event["payload"]["data"]["userUpdated"]["title"]
            .as_str()
            .unwrap()
            .starts_with("Title")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_on_one_database_deliver_every_event() {
    let instance_a = TestApp::spawn().await;
    let instance_b = instance_a.spawn_sibling().await;
    let user = instance_a.member("ada").await;
    let mut client = WsClient::connect_authenticated(&instance_b.ws_url(), &user.token).await;
    client
        .subscribe("s", USER_UPDATED, json!({ "id": user.id }))
        .await;
    let event = change_title_until_delivered(&instance_a, &user, &mut client).await;
    assert_eq!(event["payload"]["data"]["userUpdated"]["id"], user.id);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_legacy_graphql_ws_protocol_works() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect(&app.ws_url(), "graphql-ws").await;
    client
        .send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", user.token) } }))
        .await;
    assert_eq!(client.next_message().await["type"], "connection_ack");
    client
        .send(json!({ "type": "start", "id": "1", "payload": { "query": "{ viewer { username } }" } }))
        .await;
    let mut data = client.next_message().await;
    while data["type"] == "ka" {
        data = client.next_message().await;
    }
    assert_eq!(
        data,
        json!({ "type": "data", "id": "1", "payload": { "data": { "viewer": { "username": "ada" } } } })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_closes_sockets_with_going_away() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    app.shutdown().await;
    assert_eq!(client.close_code().await, 1001);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deactivated_subscriber_stops_receiving_events() {
    let app = TestApp::spawn().await;
    let watcher = app.member("watcher").await;
    let watched = app.member("watched").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &watcher.token).await;
    client
        .subscribe("s", USER_UPDATED, json!({ "id": watched.id }))
        .await;
    change_title_until_delivered(&app, &watched, &mut client).await;
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = app.db().connect().await.unwrap();
        conn.batch_execute(&format!(
            "UPDATE users SET status = 'deactivated' WHERE id = '{}'",
            watcher.uuid
        ))
        .await
        .unwrap();
    }
    let refused = change_title_until_delivered(&app, &watched, &mut client).await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );
    assert_eq!(
        client.next_message().await,
        json!({ "type": "complete", "id": "s" })
    );
}

/// Signs in with a password and returns the session cookie header value.
async fn session_cookie(app: &TestApp) -> String {
    let hash = parvis::auth::password::hash("correct horse battery").unwrap();
    app.create_user_with("cookie", parvis::users::OrgRole::Member, |u| {
        u.password_hash = Some(hash)
    })
    .await;
    let response = app
        .http
        .post(app.url("/graphql"))
        .json(&json!({ "query": "mutation { signIn(input: { identifier: \"cookie\", password: \"correct horse battery\" }) { user { id } } }" }))
        .send()
        .await
        .unwrap();
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn connect_with_cookie(app: &TestApp, cookie: &str, origin: &str) -> WsClient {
    WsClient::connect_with_headers(
        &app.ws_url(),
        "graphql-transport-ws",
        &[("Cookie", cookie), ("Origin", origin)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_cookie_authenticates_same_origin_sockets() {
    let app = TestApp::spawn().await;
    let cookie = session_cookie(&app).await;
    let mut client = connect_with_cookie(&app, &cookie, &app.url("")).await;
    client.send(json!({ "type": "connection_init" })).await;
    assert_eq!(client.next_message().await["type"], "connection_ack");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_from_another_site_cannot_use_the_session_cookie() {
    let app = TestApp::spawn().await;
    let cookie = session_cookie(&app).await;
    let mut client = connect_with_cookie(&app, &cookie, "https://evil.example").await;
    client.send(json!({ "type": "connection_init" })).await;
    assert_eq!(client.close_code().await, 4403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_cannot_start_more_operations() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = app.db().connect().await.unwrap();
        conn.batch_execute("UPDATE personal_access_tokens SET revoked_at = now()")
            .await
            .unwrap();
    }
    // A change made in the database takes effect once the instance hears of it.
    common::wait_until(
        || async {
            let response = app
                .graphql(Some(&user), "{ viewer { id } }", json!({}))
                .await;
            response["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        },
        "the instance to hear of the revocation",
    )
    .await;
    client.subscribe("q", "{ viewer { id } }", json!({})).await;
    assert_eq!(client.close_code().await, 4403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_duplicate_id_still_closes_with_4409() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    let id = "x".repeat(300);
    client
        .subscribe(&id, USER_UPDATED, json!({ "id": user.id }))
        .await;
    client
        .subscribe(&id, USER_UPDATED, json!({ "id": user.id }))
        .await;
    assert_eq!(client.close_code().await, 4409);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_is_reusable_once_its_operation_completed() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    for _ in 0..3 {
        client
            .subscribe("again", "{ viewer { username } }", json!({}))
            .await;
        assert_eq!(client.next_message().await["type"], "next");
        assert_eq!(
            client.next_message().await,
            json!({ "type": "complete", "id": "again" })
        );
    }
}

fn assert_refused_as_rate_limited(frame: &serde_json::Value, id: &str) {
    assert_eq!(frame["type"], "error", "{frame}");
    assert_eq!(frame["id"], id, "{frame}");
    assert_eq!(
        frame["payload"][0]["extensions"]["code"], "RATE_LIMITED",
        "{frame}"
    );
    assert!(
        frame["payload"][0]["extensions"]["retryAfter"].as_u64() > Some(0),
        "{frame}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_runs_a_bounded_number_of_operations() {
    let app = TestApp::spawn_configured(|config| config.limits.max_operations_per_socket = 3).await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    for id in ["1", "2", "3", "4"] {
        client
            .subscribe(id, USER_UPDATED, json!({ "id": user.id }))
            .await;
    }
    assert_refused_as_rate_limited(&client.next_message().await, "4");
    client.send(json!({ "type": "complete", "id": "1" })).await;
    client
        .subscribe("5", USER_UPDATED, json!({ "id": user.id }))
        .await;
    assert_eq!(
        client.receive_within(Duration::from_millis(500)).await,
        None,
        "a freed place is usable again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_holds_a_bounded_number_of_subscriptions_over_all_connections() {
    let app =
        TestApp::spawn_configured(|config| config.limits.max_subscriptions_per_person = 2).await;
    let user = app.member("ada").await;
    let other = app.member("grace").await;
    let mut first = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    let mut second = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    first
        .subscribe("1", USER_UPDATED, json!({ "id": user.id }))
        .await;
    second
        .subscribe("1", USER_UPDATED, json!({ "id": user.id }))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    second
        .subscribe("2", USER_UPDATED, json!({ "id": user.id }))
        .await;
    assert_refused_as_rate_limited(&second.next_message().await, "2");
    let mut someone_else = WsClient::connect_authenticated(&app.ws_url(), &other.token).await;
    someone_else
        .subscribe("1", USER_UPDATED, json!({ "id": other.id }))
        .await;
    assert_eq!(
        someone_else
            .receive_within(Duration::from_millis(500))
            .await,
        None,
        "the limit is per person"
    );
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    second
        .subscribe("3", USER_UPDATED, json!({ "id": user.id }))
        .await;
    assert_eq!(
        second.receive_within(Duration::from_millis(500)).await,
        None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_connection_checks_at_most_one_password_whatever_its_operations() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    let login = "mutation { signIn(input: { identifier: \"nobody\", password: \"wrong horse\" }) { user { id } } }";
    client.subscribe("1", login, json!({})).await;
    client.subscribe("2", login, json!({})).await;
    let mut messages = Vec::new();
    while messages.len() < 2 {
        let frame = client.next_message().await;
        if frame["type"] == "next" {
            messages.push(frame["payload"]["errors"][0]["message"].to_string());
        }
    }
    assert!(
        messages
            .iter()
            .any(|m| m.contains("only one password may be checked or set per request")),
        "{messages:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_closing_the_connection_gets_its_close_frame_answered() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    client.close(1000).await;
    assert_eq!(client.close_code().await, 1000);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upgrade_offering_only_unknown_subprotocols_is_refused() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = TestApp::spawn().await;
    let mut request = app.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-sse".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400);
        }
        other => panic!(
            "expected a refused upgrade, got {:?}",
            other.map(|(_, r)| r)
        ),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn revoking_a_personal_access_token_closes_the_connections_opened_with_it() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    let tokens = app
        .graphql(Some(&user), "{ personalAccessTokens { id } }", json!({}))
        .await;
    let token_id = tokens["data"]["personalAccessTokens"][0]["id"].clone();
    let revoked = app
        .graphql(
            Some(&user),
            "mutation($id: ID!) { revokePersonalAccessToken(input: { personalAccessTokenId: $id }) { personalAccessToken { revokedAt } } }",
            json!({ "id": token_id }),
        )
        .await;
    assert!(revoked["errors"].is_null(), "{revoked}");
    assert_eq!(client.close_code().await, 4403);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_pings_and_closes_a_client_that_never_answers() {
    let app = TestApp::spawn_configured(|config| {
        config.ws_keep_alive = Duration::from_millis(200);
    })
    .await;
    let user = app.member("ada").await;
    let mut answering = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    let mut silent = WsClient::connect_authenticated(&app.ws_url(), &user.token).await;
    for _ in 0..5 {
        assert_eq!(answering.next_message().await["type"], "ping");
        answering.send(json!({ "type": "pong" })).await;
    }
    assert_eq!(silent.close_code().await, 4408);
    assert_eq!(answering.next_message().await["type"], "ping");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_is_closed_as_a_slow_consumer_while_others_get_everything() {
    let app = TestApp::spawn_configured(|config| {
        config.ws_write_timeout = Duration::from_secs(1);
    })
    .await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let body = "Une phrase assez longue pour remplir les tampons. ".repeat(400);
    let created = app
        .graphql(
            Some(&owner),
            "mutation($g: ID!, $b: String!) { createPost(input: { groupIds: [$g], body: $b }) { post { id } } }",
            json!({ "g": group.id, "b": body }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let mut slow = WsClient::connect_authenticated(&app.ws_url(), &owner.token).await;
    let mut reader = WsClient::connect_authenticated(&app.ws_url(), &owner.token).await;
    for client in [&mut slow, &mut reader] {
        client
            .subscribe(
                "s",
                "subscription { postPublished { body bodyHtml } }",
                json!({}),
            )
            .await;
    }
    // The post published again and again, each event distinct (identical notifications of one
    // transaction are delivered once).
    let republish = |n: usize| {
        format!(
            "SELECT pg_notify('parvis_events_' || current_schema(), json_build_object(
                 'kind', 'post_published', 'n', {n}, 'id', (SELECT id FROM posts LIMIT 1))::text);"
        )
    };
    // Each subscription is registered once it received an event.
    for client in [&mut slow, &mut reader] {
        let mut attempts = 0;
        while !matches!(
            client.receive_within(Duration::from_millis(200)).await,
            Some(Received::Message(_))
        ) {
            attempts += 1;
            assert!(attempts <= 50, "nothing delivered after 50 attempts");
            run_sql(&app, &republish(0)).await;
        }
    }
    while reader
        .receive_within(Duration::from_millis(300))
        .await
        .is_some()
    {}

    // About 50 MB for each client: more than sockets hold for one that does not read.
    run_sql(&app, &(1..=600).map(republish).collect::<String>()).await;
    for _ in 0..600 {
        let message = reader.next_message().await;
        assert_eq!(message["type"], "next", "{message}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(slow.close_code().await, 1013);
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains("parvis_websocket_slow_consumers_total 1"),
        "{metrics}"
    );
}
