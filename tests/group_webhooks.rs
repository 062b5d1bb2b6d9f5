//! Incoming webhooks: a manager adds an integration, which publishes posts into the group by its
//! secret URL.

mod common;

use common::{TestApp, error_code};
use parvis::groups::{GroupRole, Visibility};
use serde_json::{Value, json};

const CREATE: &str = "mutation($g: ID!, $n: String!) { createGroupWebhook(input: { groupId: $g, name: $n }) { webhook { id name } url } }";

async fn post_json(app: &TestApp, url: &str, body: &str) -> (u16, Value) {
    let response = app
        .http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_integration_posts_into_its_group() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Ops", Visibility::Private).await;
    let created = app
        .graphql(
            Some(&owner),
            CREATE,
            json!({ "g": group.id, "n": "Jenkins" }),
        )
        .await;
    let url = created["data"]["createGroupWebhook"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with(&app.url("/hooks/pvh_")), "{url}");

    let (status, body) = post_json(
        &app,
        &url,
        r#"{"title": "Déploiement", "text": "La version 2.3 est en production."}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let feed = app
        .graphql(Some(&owner), "{ feed { edges { node { id title body integrationName author { id } groups { name } } } } }", json!({}))
        .await;
    assert_eq!(
        feed["data"]["feed"]["edges"][0]["node"],
        json!({ "id": body["id"], "title": "Déploiement", "body": "La version 2.3 est en production.", "integrationName": "Jenkins", "author": null, "groups": [{ "name": "Ops" }] })
    );
    let webhooks = app
        .graphql(
            Some(&owner),
            "query($g: ID!) { group(id: $g) { webhooks { name lastUsedAt } } }",
            json!({ "g": group.id }),
        )
        .await;
    assert!(webhooks["data"]["group"]["webhooks"][0]["lastUsedAt"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_webhook_bodies_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Ops", Visibility::Private).await;
    let created = app
        .graphql(Some(&owner), CREATE, json!({ "g": group.id, "n": "Bot" }))
        .await;
    let url = created["data"]["createGroupWebhook"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let long = format!(r#"{{"text": "{}"}}"#, "x".repeat(10_001));
    for (body, status) in [
        ("not json", 400),
        (r#"{"title": "no text"}"#, 400),
        (r#"{"text": "   "}"#, 400),
        (long.as_str(), 400),
    ] {
        assert_eq!(post_json(&app, &url, body).await.0, status, "{body}");
    }
    let plain = app
        .http
        .post(&url)
        .body(r#"{"text": "hi"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status().as_u16(), 415);
    let count = app
        .graphql(
            Some(&owner),
            "query($g: ID!) { feed(filter: { groupId: $g }) { totalCount } }",
            json!({ "g": group.id }),
        )
        .await;
    assert_eq!(count["data"]["feed"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_webhook_url_stops_working() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Ops", Visibility::Public).await;
    let created = app
        .graphql(Some(&owner), CREATE, json!({ "g": group.id, "n": "Bot" }))
        .await;
    let url = created["data"]["createGroupWebhook"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = created["data"]["createGroupWebhook"]["webhook"]["id"].clone();
    let revoked = app
        .graphql(Some(&owner), "mutation($id: ID!) { revokeGroupWebhook(input: { webhookId: $id }) { webhook { revokedAt } } }", json!({ "id": id }))
        .await;
    assert!(revoked["data"]["revokeGroupWebhook"]["webhook"]["revokedAt"].is_string());
    assert_eq!(post_json(&app, &url, r#"{"text": "hi"}"#).await.0, 404);
    assert_eq!(
        post_json(&app, &app.url("/hooks/pvh_made_up"), r#"{"text": "hi"}"#)
            .await
            .0,
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_managers_handle_webhooks_and_archived_groups_refuse_them() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let member = app.member("member").await;
    let group = app.create_group(&owner, "Ops", Visibility::Public).await;
    app.add_member(&group, &member, GroupRole::Member).await;
    let refused = app
        .graphql(Some(&member), CREATE, json!({ "g": group.id, "n": "Mine" }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let hidden = app
        .graphql(
            Some(&member),
            "query($g: ID!) { group(id: $g) { webhooks { name } } }",
            json!({ "g": group.id }),
        )
        .await;
    assert_eq!(error_code(&hidden), "FORBIDDEN");

    let created = app
        .graphql(Some(&owner), CREATE, json!({ "g": group.id, "n": "Bot" }))
        .await;
    let url = created["data"]["createGroupWebhook"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let webhook_id = created["data"]["createGroupWebhook"]["webhook"]["id"].clone();
    let node = app
        .graphql(
            Some(&member),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": webhook_id }),
        )
        .await;
    assert_eq!(error_code(&node), "NOT_FOUND");
    app.graphql(
        Some(&owner),
        "mutation($id: ID!) { archiveGroup(input: { groupId: $id }) { group { id } } }",
        json!({ "id": group.id }),
    )
    .await;
    assert_eq!(post_json(&app, &url, r#"{"text": "hi"}"#).await.0, 409);
}
