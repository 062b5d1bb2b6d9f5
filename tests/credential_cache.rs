//! Each instance remembers verified credentials for a short while (`auth::cache`): a request
//! then authenticates without the database, and a revocation or any change to the account still
//! takes effect at once, on every instance.

mod common;

use common::{TestApp, TestUser, error_code, wait_until};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const REVOKE_TOKEN: &str = "mutation($id: ID!) {
  revokePersonalAccessToken(input: { personalAccessTokenId: $id }) { personalAccessToken { revokedAt } }
}";

async fn viewer(app: &TestApp, user: &TestUser) -> Value {
    app.graphql(Some(user), "{ viewer { id orgRole } }", json!({}))
        .await
}

/// A new token of `user`'s, as a test user of its own, with its global ID.
async fn new_token(app: &TestApp, user: &TestUser) -> (TestUser, String) {
    let created = app
        .graphql(
            Some(user),
            "mutation { createPersonalAccessToken(input: { name: \"Script\" }) { personalAccessToken { id } secret } }",
            json!({}),
        )
        .await;
    let payload = &created["data"]["createPersonalAccessToken"];
    let holder = TestUser {
        id: user.id.clone(),
        uuid: user.uuid,
        token: payload["secret"].as_str().expect("a secret").to_owned(),
    };
    let id = payload["personalAccessToken"]["id"].as_str().unwrap();
    (holder, id.to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_used_a_moment_ago_authenticates_without_a_statement() {
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;

    let (statements, response) = app
        .statements_of(&ada, "{ viewer { id } }", json!({}))
        .await;

    assert_eq!(response["data"]["viewer"]["id"], json!(ada.id));
    assert_eq!(statements, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_cache_every_request_checks_its_token_in_the_database() {
    let app = TestApp::spawn_configured(|config| {
        config.credential_cache_lifetime = std::time::Duration::ZERO;
    })
    .await;
    let ada = app.member("ada").await;

    let (statements, _) = app
        .statements_of(&ada, "{ viewer { id } }", json!({}))
        .await;

    assert_eq!(statements, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_revoked_on_one_instance_is_refused_by_another_once_the_revocation_answers() {
    let first = TestApp::spawn().await;
    let second = first.spawn_sibling().await;
    let ada = first.member("ada").await;
    // Several tokens, each remembered by the second instance before its revocation.
    for _ in 0..10 {
        let (script, id) = new_token(&first, &ada).await;
        assert!(viewer(&second, &script).await["errors"].is_null());

        let revoked = first
            .graphql(Some(&ada), REVOKE_TOKEN, json!({ "id": id }))
            .await;
        assert!(revoked["errors"].is_null(), "{revoked}");

        assert_eq!(
            error_code(&viewer(&second, &script).await),
            "UNAUTHENTICATED"
        );
        assert_eq!(
            error_code(&viewer(&first, &script).await),
            "UNAUTHENTICATED"
        );
    }
}

/// Every instance's listening connection is named after the bus's channel; one that never
/// answers holds a revocation's acknowledgement until the barrier gives up on it.
#[tokio::test(flavor = "multi_thread")]
async fn a_revocation_is_acknowledged_only_once_every_listening_instance_passed_its_barrier() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let ada = app.member("ada").await;
    let (_, id) = new_token(&app, &ada).await;
    let mut silent = app.db().connect().await.expect("connect");
    silent
        .batch_execute(
            "SELECT set_config('application_name', 'parvis_events_' || current_schema(), false)",
        )
        .await
        .expect("name the connection");

    let started = std::time::Instant::now();
    let revoked = app
        .graphql(Some(&ada), REVOKE_TOKEN, json!({ "id": id }))
        .await;

    assert!(revoked["errors"].is_null(), "{revoked}");
    assert!(started.elapsed() >= parvis::events::BARRIER_TIMEOUT);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_deactivated_on_one_instance_is_refused_by_another_once_the_deactivation_answers()
{
    let first = TestApp::spawn().await;
    let second = first.spawn_sibling().await;
    let admin = first.create_user("admin", OrgRole::Admin).await;
    let ada = first.member("ada").await;
    assert!(viewer(&second, &ada).await["errors"].is_null());

    let deactivated = first
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { user { status } } }",
            json!({ "id": ada.id }),
        )
        .await;
    assert!(deactivated["errors"].is_null(), "{deactivated}");

    assert_eq!(error_code(&viewer(&second, &ada).await), "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_to_the_account_made_in_the_database_reaches_a_remembered_credential() {
    use diesel_async::SimpleAsyncConnection;
    // Remembered for an hour: only the database's announcement of the change can end it.
    let app = TestApp::spawn_configured(|config| {
        config.credential_cache_lifetime = std::time::Duration::from_secs(3600);
    })
    .await;
    let ada = app.member("ada").await;
    assert_eq!(
        viewer(&app, &ada).await["data"]["viewer"]["orgRole"],
        "MEMBER"
    );

    let mut conn = app.db().connect().await.unwrap();
    let promotion = format!(
        "UPDATE users SET org_role = 'admin' WHERE id = '{}'",
        ada.uuid
    );
    conn.batch_execute(&promotion).await.unwrap();

    wait_until(
        || async { viewer(&app, &ada).await["data"]["viewer"]["orgRole"] == "ADMIN" },
        "the new role",
    )
    .await;
}
