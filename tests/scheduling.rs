//! Drafts, scheduled publication and the durable job queue behind it.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::ws::{Received, WsClient};
use common::{TestApp, error_code};
use parvis::groups::{GroupRole, Visibility};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) { post { id status publishedAt } } }";

fn quick_jobs(config: &mut parvis::config::AppConfig) {
    config.job_poll_interval = Duration::from_millis(100);
}

async fn feed_total(app: &TestApp, user: &common::TestUser) -> Value {
    app.graphql(Some(user), "{ feed { totalCount } }", json!({}))
        .await["data"]["feed"]["totalCount"]
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn drafts_stay_with_their_author_until_published() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let reader = app.member("reader").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.add_member(&group, &reader, GroupRole::Member).await;
    let draft = app
        .graphql(
            Some(&owner),
            CREATE,
            json!({ "input": { "groupIds": [group.id], "body": "Brouillon", "draft": true } }),
        )
        .await;
    let post = &draft["data"]["createPost"]["post"];
    assert_eq!(post["status"], "DRAFT");
    assert_eq!(feed_total(&app, &reader).await, 0);
    let hidden = app
        .graphql(
            Some(&reader),
            "query($id: ID!) { post(id: $id) { id } }",
            json!({ "id": post["id"] }),
        )
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND");
    let mine = app
        .graphql(
            Some(&owner),
            "{ drafts { totalCount edges { node { body } } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["data"]["drafts"]["totalCount"], 1);

    let publish = "mutation($id: ID!) { publishPost(input: { postId: $id }) { post { status } } }";
    let published = app
        .graphql(Some(&owner), publish, json!({ "id": post["id"] }))
        .await;
    assert_eq!(
        published["data"]["publishPost"]["post"]["status"],
        "PUBLISHED"
    );
    assert_eq!(feed_total(&app, &reader).await, 1);
    assert_eq!(
        error_code(
            &app.graphql(Some(&owner), publish, json!({ "id": post["id"] }))
                .await
        ),
        "CONFLICT"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_publication_times_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    let past = (Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let cases = [
        json!({ "groupIds": [group.id], "body": "x", "publishAt": past }),
        json!({ "groupIds": [group.id], "body": "x", "draft": true, "publishAt": (Utc::now() + chrono::Duration::hours(1)).to_rfc3339() }),
    ];
    for input in cases {
        let response = app
            .graphql(Some(&owner), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{input}");
        assert_eq!(response["errors"][0]["extensions"]["field"], "publishAt");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_post_appears_and_is_announced_at_its_time() {
    let app = TestApp::spawn_configured(quick_jobs).await;
    let owner = app.member("owner").await;
    let reader = app.member("reader").await;
    let group = app.create_group(&owner, "Club", Visibility::Public).await;
    app.add_member(&group, &reader, GroupRole::Member).await;
    let mut client = WsClient::connect_authenticated(&app.ws_url(), &reader.token).await;
    client
        .subscribe("s", "subscription { postPublished { body } }", json!({}))
        .await;
    // Make sure the subscription is live before scheduling.
    for i in 0.. {
        assert!(i < 50, "the subscription never became live");
        app.graphql(
            Some(&owner),
            CREATE,
            json!({ "input": { "groupIds": [group.id], "body": "warm-up" } }),
        )
        .await;
        if let Some(Received::Message(_)) = client.receive_within(Duration::from_millis(200)).await
        {
            break;
        }
    }
    while client
        .receive_within(Duration::from_millis(300))
        .await
        .is_some()
    {}
    let before = feed_total(&app, &reader).await.as_i64().unwrap();

    let at = (Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let scheduled = app
        .graphql(
            Some(&owner),
            CREATE,
            json!({ "input": { "groupIds": [group.id], "body": "Plus tard", "publishAt": at } }),
        )
        .await;
    assert_eq!(
        scheduled["data"]["createPost"]["post"]["status"],
        "SCHEDULED"
    );
    assert_eq!(
        feed_total(&app, &reader).await.as_i64().unwrap(),
        before,
        "invisible until its time"
    );
    let announced = client.next_message().await;
    assert_eq!(
        announced["payload"]["data"]["postPublished"]["body"],
        "Plus tard"
    );
    assert_eq!(
        feed_total(&app, &reader).await.as_i64().unwrap(),
        before + 1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_job_runs_exactly_once_across_instances() {
    let instance_a = TestApp::spawn_configured(quick_jobs).await;
    let instance_b = instance_a.spawn_sibling().await;
    let owner = instance_a.member("owner").await;
    let group = instance_a
        .create_group(&owner, "Club", Visibility::Public)
        .await;
    let mut client = WsClient::connect_authenticated(&instance_b.ws_url(), &owner.token).await;
    client
        .subscribe("s", "subscription { postPublished { id } }", json!({}))
        .await;
    let mut posts = Vec::new();
    for i in 0.. {
        assert!(i < 50, "the subscription never became live");
        let created = instance_a
            .graphql(
                Some(&owner),
                CREATE,
                json!({ "input": { "groupIds": [group.id], "body": "Ping" } }),
            )
            .await;
        posts.push(
            created["data"]["createPost"]["post"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        if let Some(Received::Message(_)) = client.receive_within(Duration::from_millis(200)).await
        {
            break;
        }
    }
    while posts.len() < 20 {
        let created = instance_a
            .graphql(
                Some(&owner),
                CREATE,
                json!({ "input": { "groupIds": [group.id], "body": "Ping" } }),
            )
            .await;
        posts.push(
            created["data"]["createPost"]["post"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    while client
        .receive_within(Duration::from_millis(300))
        .await
        .is_some()
    {}

    // One job per post, due now; both instances' workers compete for them.
    let mut conn = instance_a.db().connect().await.unwrap();
    for post in &posts {
        let (_, uuid) =
            parvis::graphql::ids::decode(&async_graphql::ID(post.clone()), "id").unwrap();
        let job = parvis::jobs::Job::PublishPost { post_id: uuid };
        parvis::jobs::enqueue(&mut conn, &job, Utc::now())
            .await
            .unwrap();
    }
    let mut delivered = Vec::new();
    while let Some(Received::Message(message)) = client.receive_within(Duration::from_secs(2)).await
    {
        delivered.push(
            message["payload"]["data"]["postPublished"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    delivered.sort();
    posts.sort();
    assert_eq!(delivered, posts, "every job ran, and only once");
}
