//! Feed subscriptions deliver only what the subscriber may read, from any server instance.

mod common;

use std::time::Duration;

use common::ws::{Received, WsClient};
use common::{TestApp, TestUser, run_sql};
use parvis::groups::{GroupRole, Visibility};
use serde_json::{Value, json};

async fn post(app: &TestApp, author: &TestUser, group: &str, body: &str) -> Value {
    let response = app
        .graphql(Some(author), "mutation($g: ID!, $b: String!) { createPost(input: { groupIds: [$g], body: $b }) { post { id } } }", json!({ "g": group, "b": body }))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["createPost"]["post"]["id"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn new_posts_reach_readers_on_another_instance_and_never_outsiders() {
    let instance_a = TestApp::spawn().await;
    let instance_b = instance_a.spawn_sibling().await;
    let owner = instance_a.member("owner").await;
    let reader = instance_a.member("reader").await;
    let open = instance_a
        .create_group(&owner, "Club", Visibility::Public)
        .await;
    let closed = instance_a
        .create_group(&owner, "Comité", Visibility::Private)
        .await;
    instance_a
        .add_member(&open, &reader, GroupRole::Member)
        .await;
    let mut client = WsClient::connect_authenticated(&instance_b.ws_url(), &reader.token).await;
    client
        .subscribe(
            "s",
            "subscription { postPublished { body groups { name } } }",
            json!({}),
        )
        .await;
    let delivered = client
        .until_delivered(|i| {
            let (app, owner, open, closed) = (&instance_a, &owner, &open.id, &closed.id);
            async move {
                post(app, owner, closed, &format!("Secret {i}")).await;
                post(app, owner, open, &format!("Public {i}")).await;
            }
        })
        .await;
    let body = delivered["payload"]["data"]["postPublished"]["body"]
        .as_str()
        .unwrap();
    assert!(body.starts_with("Public"), "{delivered}");
    // Whatever else arrives is from the readable group only.
    while let Some(Received::Message(message)) =
        client.receive_within(Duration::from_millis(300)).await
    {
        let body = message["payload"]["data"]["postPublished"]["body"]
            .as_str()
            .unwrap_or_default();
        assert!(body.starts_with("Public"), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_subscription_gets_only_that_groups_posts() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let first = app.create_group(&owner, "First", Visibility::Public).await;
    let second = app.create_group(&owner, "Second", Visibility::Public).await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &owner.token).await;
    client
        .subscribe(
            "s",
            "subscription($g: ID) { postPublished(groupId: $g) { body } }",
            json!({ "g": second.id }),
        )
        .await;
    let delivered = client
        .until_delivered(|i| {
            let (app, owner, first, second) = (&app, &owner, &first.id, &second.id);
            async move {
                post(app, owner, first, &format!("first {i}")).await;
                post(app, owner, second, &format!("second {i}")).await;
            }
        })
        .await;
    assert!(
        delivered["payload"]["data"]["postPublished"]["body"]
            .as_str()
            .unwrap()
            .starts_with("second")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_reactions_and_edits_are_pushed() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let post_id = post(&app, &owner, &group.id, "Sujet").await;

    let mut comments = WsClient::connect_authenticated(&app.ws_url(), &owner.token).await;
    comments
        .subscribe(
            "c",
            "subscription($p: ID!) { commentAdded(postId: $p) { body } }",
            json!({ "p": post_id }),
        )
        .await;
    let comment = comments.until_delivered(|i| {
        let (app, owner, post_id) = (&app, &owner, post_id.clone());
        async move {
            app.graphql(Some(owner), "mutation($p: ID!, $b: String!) { addComment(input: { postId: $p, body: $b }) { comment { id } } }", json!({ "p": post_id, "b": format!("Réponse {i}") })).await;
        }
    })
    .await;
    assert!(
        comment["payload"]["data"]["commentAdded"]["body"]
            .as_str()
            .unwrap()
            .starts_with("Réponse")
    );

    let mut reactions = WsClient::connect_authenticated(&app.ws_url(), &owner.token).await;
    reactions.subscribe("r", "subscription($p: ID!) { reactionsChanged(subjectId: $p) { reactions { emoji count } } }", json!({ "p": post_id })).await;
    let changed = reactions.until_delivered(|i| {
        let (app, owner, post_id) = (&app, &owner, post_id.clone());
        let emoji = if i % 2 == 0 { "addReaction" } else { "removeReaction" };
        async move {
            let query = format!("mutation($p: ID!) {{ {emoji}(input: {{ subjectId: $p, emoji: \"👍\" }}) {{ subjectId }} }}");
            app.graphql(Some(owner), &query, json!({ "p": post_id })).await;
        }
    })
    .await;
    assert!(
        changed["payload"]["data"]["reactionsChanged"]["reactions"].is_array(),
        "{changed}"
    );

    let mut edits = WsClient::connect_authenticated(&app.ws_url(), &owner.token).await;
    edits
        .subscribe(
            "e",
            "subscription($p: ID!) { postUpdated(id: $p) { body } }",
            json!({ "p": post_id }),
        )
        .await;
    let edited = edits.until_delivered(|i| {
        let (app, owner, post_id) = (&app, &owner, post_id.clone());
        async move {
            app.graphql(Some(owner), "mutation($p: ID!, $b: String!) { updatePost(input: { postId: $p, body: $b }) { post { id } } }", json!({ "p": post_id, "b": format!("Sujet modifié {i}") })).await;
        }
    })
    .await;
    assert!(
        edited["payload"]["data"]["postUpdated"]["body"]
            .as_str()
            .unwrap()
            .starts_with("Sujet modifié")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribing_to_an_unreadable_post_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let outsider = app.member("outsider").await;
    let group = app
        .create_group(&owner, "Comité", Visibility::Private)
        .await;
    let post_id = post(&app, &owner, &group.id, "Confidentiel").await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &outsider.token).await;
    client
        .subscribe(
            "c",
            "subscription($p: ID!) { commentAdded(postId: $p) { body } }",
            json!({ "p": post_id }),
        )
        .await;
    let message = client.next_message().await;
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{message}"
    );
}

fn published_body(message: &Value) -> &str {
    message["payload"]["data"]["postPublished"]["body"]
        .as_str()
        .unwrap_or_default()
}

async fn drain(client: &mut WsClient) {
    while client
        .receive_within(Duration::from_millis(300))
        .await
        .is_some_and(|received| matches!(received, Received::Message(_)))
    {}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_membership_changed_outside_the_server_changes_what_subscribers_receive_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let reader = app.member("reader").await;
    let known = app.create_group(&owner, "Club", Visibility::Private).await;
    let closed = app
        .create_group(&owner, "Comité", Visibility::Private)
        .await;
    app.add_member(&known, &reader, GroupRole::Member).await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &reader.token).await;
    client
        .subscribe("s", "subscription { postPublished { body } }", json!({}))
        .await;
    client
        .until_delivered(|i| {
            let (app, owner, known) = (&app, &owner, &known.id);
            async move {
                post(app, owner, known, &format!("Known {i}")).await;
            }
        })
        .await;
    drain(&mut client).await;

    let membership = format!(
        "group_id = '{}' AND user_id = '{}'",
        closed.uuid, reader.uuid
    );
    run_sql(
        &app,
        &format!(
            "INSERT INTO group_memberships (group_id, user_id, role) VALUES ('{}', '{}', 'member')",
            closed.uuid, reader.uuid
        ),
    )
    .await;
    post(&app, &owner, &closed.id, "Secret for members").await;
    assert_eq!(
        published_body(&client.next_message().await),
        "Secret for members"
    );

    run_sql(
        &app,
        &format!("DELETE FROM group_memberships WHERE {membership}"),
    )
    .await;
    post(&app, &owner, &closed.id, "Secret again").await;
    post(&app, &owner, &known.id, "Known after").await;
    assert_eq!(published_body(&client.next_message().await), "Known after");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_reaches_every_subscriber_of_an_instance_for_the_statements_of_one() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Private).await;
    let mut clients = Vec::new();
    for i in 0..8 {
        let reader = app.member(&format!("reader{i}")).await;
        app.add_member(&group, &reader, GroupRole::Member).await;
        let mut client = WsClient::connect_authenticated(&app.ws_url(), &reader.token).await;
        client
            .subscribe("s", "subscription { postPublished { body } }", json!({}))
            .await;
        clients.push(client);
    }
    for client in &mut clients {
        client
            .until_delivered(|i| {
                let (app, owner, group) = (&app, &owner, &group.id);
                async move {
                    post(app, owner, group, &format!("Warming {i}")).await;
                }
            })
            .await;
    }
    for client in &mut clients {
        drain(client).await;
    }
    post(&app, &owner, &group.id, "Sujet").await;
    for client in &mut clients {
        drain(client).await;
    }

    app.settle().await;
    let mut deliveries = Vec::new();
    for run in 0..3 {
        let before = app.statements_so_far();
        // The event the server would publish, raised here so that only its delivery is counted.
        run_sql(
            &app,
            &format!(
                "SELECT pg_notify('parvis_events_' || current_schema(), json_build_object(
                     'kind', 'post_published', 'run', {run},
                     'id', (SELECT id FROM posts WHERE body = 'Sujet'))::text)"
            ),
        )
        .await;
        for client in &mut clients {
            assert_eq!(published_body(&client.next_message().await), "Sujet");
        }
        deliveries.push(app.statements_so_far() - before);
    }
    // The post, its audience and its groups, read once for all eight.
    assert_eq!(deliveries.into_iter().min(), Some(3));
}
