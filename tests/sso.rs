//! Single sign-on against a real OpenID provider (`oidc-provider`, run by the tests): the browser
//! flow, what it refuses (each refusal leaves nothing behind), accounts and group sync from claims,
//! the provider's access tokens as bearer tokens, sessions and sign-out.

mod common;

use common::oidc::{self, Browser, OidcProvider, param, with_param};
use common::ws::WsClient;
use common::{TestApp, error_code};
use parvis::groups::{GroupRole, Visibility};
use parvis::sso::{GroupSyncRule, ProviderConfig, RoleSyncRule};
use parvis::users::OrgRole;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

fn accounts() -> Value {
    json!({
        "alice": {
            "email": "alice@example.com", "email_verified": true, "name": "Alice Martin",
            "picture": "https://images.example.com/alice.png", "locale": "fr-FR",
            "groups": ["eng", "intranet-admins"],
            "department": "Engineering", "job_title": "Developer", "site": "Lyon"
        },
        "bob": { "email": "bob@example.com", "email_verified": true, "name": "Bob Durand" },
        "eve": { "email": "eve@elsewhere.test", "email_verified": true, "name": "Eve" }
    })
}

struct Sso {
    app: TestApp,
    idp: OidcProvider,
}

async fn start() -> Sso {
    start_with(|_| {}).await
}

async fn start_with(customise: impl FnOnce(&mut ProviderConfig)) -> Sso {
    let (listener, url) = oidc::bind().await;
    let idp = OidcProvider::start(&url, accounts()).await;
    let app = oidc::spawn_app(listener, &idp.issuer, customise).await;
    Sso { app, idp }
}

/// How many people, identities and sessions exist: refusals must leave these unchanged.
async fn footprint(app: &TestApp) -> (i64, i64, i64) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use parvis::db::schema::{sessions, user_identities, users};
    let mut conn = app.db().connect().await.expect("connect");
    (
        users::table.count().get_result(&mut conn).await.unwrap(),
        user_identities::table
            .count()
            .get_result(&mut conn)
            .await
            .unwrap(),
        sessions::table.count().get_result(&mut conn).await.unwrap(),
    )
}

async fn sql(app: &TestApp, statement: &str) {
    use diesel_async::SimpleAsyncConnection;
    let mut conn = app.db().connect().await.expect("connect");
    conn.batch_execute(statement).await.expect("SQL");
}

/// The refusal page: its status and the code it shows.
async fn refusal(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let page = response.text().await.expect("page");
    (
        status,
        oidc::refusal_code(&page).expect("an error code on the page"),
    )
}

/// The sign-in was refused with `code` and created no account, identity or session.
async fn assert_refused(
    app: &TestApp,
    response: reqwest::Response,
    status: StatusCode,
    code: &str,
) {
    assert_eq!(refusal(response).await, (status, code.to_owned()));
    assert_eq!(footprint(app).await, (0, 0, 0));
}

fn location(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get(LOCATION)
        .and_then(|location| location.to_str().ok())
        .expect("a redirect")
}

const PROFILE: &str =
    "{ viewer { username displayName email title department site locale avatarUrl orgRole
    sessions { userAgent signedInWith current } } }";

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_through_the_provider_creates_the_account_from_its_claims() {
    let Sso { app, idp: _idp } = start().await;
    let browser = Browser::new();

    let callback = browser.sign_in(&app, "alice").await;

    assert_eq!(callback.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&callback), "/login");
    let viewer = &browser.graphql(&app, PROFILE).await["data"]["viewer"];
    assert_eq!(viewer["username"], "alice");
    assert_eq!(viewer["displayName"], "Alice Martin");
    assert_eq!(viewer["email"], "alice@example.com");
    assert_eq!(viewer["title"], "Developer");
    assert_eq!(viewer["department"], "Engineering");
    assert_eq!(viewer["site"], "Lyon");
    assert_eq!(viewer["locale"], "fr-FR");
    assert_eq!(viewer["avatarUrl"], "https://images.example.com/alice.png");
    assert_eq!(
        viewer["sessions"],
        json!([{ "userAgent": "Parvis-Test-Browser/1.0", "signedInWith": "Corp SSO", "current": true }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn after_signing_in_the_browser_returns_to_the_requested_page() {
    let Sso { app, idp: _idp } = start().await;
    let browser = Browser::new();
    let start = app.url("/auth/corp/login?redirect=%2Fgraphiql%3Fquery%3D%257B%257D");

    let callback = browser.callback_url_from(&start, "bob").await;
    let response = browser.get(&callback).await;

    assert_eq!(location(&response), "/graphiql?query=%7B%7D");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_later_sign_in_reuses_the_account_and_refreshes_its_profile() {
    let Sso { app, idp: _idp } = start().await;
    Browser::new().sign_in(&app, "alice").await;
    sql(
        &app,
        "UPDATE users SET department = 'Old', display_name = 'Old Name'",
    )
    .await;

    let browser = Browser::new();
    browser.sign_in(&app, "alice").await;

    let viewer = &browser.graphql(&app, PROFILE).await["data"]["viewer"];
    assert_eq!(viewer["department"], "Engineering");
    assert_eq!(viewer["displayName"], "Alice Martin");
    assert_eq!(footprint(&app).await, (1, 1, 2));
}

#[tokio::test(flavor = "multi_thread")]
async fn group_sync_puts_people_in_the_mapped_groups_with_the_mapped_roles() {
    let Sso { app, idp: _idp } = start_with(|provider| {
        provider.group_sync = vec![
            GroupSyncRule {
                claim_value: "eng".into(),
                group: "engineering".into(),
                role: GroupRole::Manager,
            },
            GroupSyncRule {
                claim_value: "sales-team".into(),
                group: "sales".into(),
                role: GroupRole::Member,
            },
        ];
        provider.role_sync = vec![RoleSyncRule {
            claim_value: "intranet-admins".into(),
            org_role: OrgRole::Admin,
        }];
    })
    .await;
    let owner = app.member("owner").await;
    let engineering = app
        .create_group(&owner, "Engineering", Visibility::Private)
        .await;
    let sales = app.create_group(&owner, "Sales", Visibility::Public).await;
    let browser = Browser::new();

    let callback = browser.sign_in(&app, "alice").await;
    assert_eq!(location(&callback), "/graphiql", "admins land in GraphiQL");
    let alice = footprint_user(&app, "alice").await;
    // Someone added her to a synced group by hand; the next sign-in follows the claim again.
    {
        let mut conn = app.db().connect().await.expect("connect");
        parvis::groups::model::add_member(&mut conn, sales.uuid, alice, GroupRole::Member)
            .await
            .expect("add member");
    }
    Browser::new().sign_in(&app, "alice").await;

    let response = browser
        .graphql(
            &app,
            "{ viewer { orgRole } groups(first: 10, filter: { membership: JOINED }) { edges { node { slug viewerRole } } } }",
        )
        .await;
    assert_eq!(response["data"]["viewer"]["orgRole"], "ADMIN", "{response}");
    assert_eq!(
        response["data"]["groups"]["edges"],
        json!([{ "node": { "slug": engineering.slug, "viewerRole": "MANAGER" } }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_from_a_new_department_follows_the_groups_membership_rules() {
    let Sso { app, idp: _idp } = start().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let engineering = app
        .create_group(&admin, "Ingénierie", Visibility::Private)
        .await;
    let paris = app
        .create_group(&admin, "Site de Paris", Visibility::Public)
        .await;
    for (group, attribute) in [
        (&engineering, "department: \"engineering\""),
        (&paris, "site: \"Paris\""),
    ] {
        let added = app
            .graphql(
                Some(&admin),
                &format!("mutation($g: ID!) {{ addGroupMembershipRule(input: {{ groupId: $g, {attribute} }}) {{ rule {{ id }} }} }}"),
                json!({ "g": group.id }),
            )
            .await;
        assert!(added["errors"].is_null(), "{added}");
    }

    Browser::new().sign_in(&app, "alice").await;

    let alice = footprint_user(&app, "alice").await;
    let mut conn = app.db().connect().await.expect("connect");
    let in_engineering = parvis::groups::model::member_role(&mut conn, engineering.uuid, alice)
        .await
        .expect("role");
    let in_paris = parvis::groups::model::member_role(&mut conn, paris.uuid, alice)
        .await
        .expect("role");
    assert_eq!(in_engineering, Some(GroupRole::Member));
    assert_eq!(in_paris, None, "alice works in Lyon");
}

async fn footprint_user(app: &TestApp, username: &str) -> uuid::Uuid {
    let mut conn = app.db().connect().await.expect("connect");
    parvis::users::model::find_by_identifier(&mut conn, username)
        .await
        .expect("query")
        .expect("the user")
        .id
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_state_is_refused_and_creates_nothing() {
    let Sso { app, idp: _idp } = start().await;
    let browser = Browser::new();
    let callback = browser.callback_url(&app, "alice").await;

    let response = browser
        .get(&with_param(&callback, "state", Some("forged-state")))
        .await;

    assert_refused(&app, response, StatusCode::BAD_REQUEST, "INVALID_STATE").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_state_is_refused() {
    let Sso { app, idp: _idp } = start().await;
    let browser = Browser::new();
    let callback = browser.callback_url(&app, "alice").await;
    assert_eq!(browser.get(&callback).await.status(), StatusCode::SEE_OTHER);

    let replay = browser.get(&callback).await;

    assert_eq!(
        refusal(replay).await,
        (StatusCode::BAD_REQUEST, "INVALID_STATE".into())
    );
    assert_eq!(footprint(&app).await, (1, 1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_callback_in_another_browser_is_refused() {
    let Sso { app, idp: _idp } = start().await;
    let callback = Browser::new().callback_url(&app, "alice").await;

    let response = Browser::new().get(&callback).await;

    assert_refused(&app, response, StatusCode::BAD_REQUEST, "BROWSER_MISMATCH").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_code_is_refused() {
    let Sso { app, idp: _idp } = start().await;
    let browser = Browser::new();
    let first = browser.callback_url(&app, "alice").await;
    browser.get(&first).await;
    let second = browser.callback_url(&app, "alice").await;

    let used_code = param(&first, "code");
    let response = browser
        .get(&with_param(&second, "code", used_code.as_deref()))
        .await;

    assert_eq!(
        refusal(response).await,
        (StatusCode::BAD_REQUEST, "CODE_REJECTED".into())
    );
    assert_eq!(footprint(&app).await, (1, 1, 1));
}

/// Runs a sign-in whose stored PKCE verifier or nonce was changed before the callback.
async fn refusal_after_tampering(column: &str, value: &str) -> (StatusCode, String) {
    let Sso { app, idp: _idp } = start().await;
    let browser = Browser::new();
    let callback = browser.callback_url(&app, "alice").await;
    sql(
        &app,
        &format!("UPDATE sso_login_attempts SET {column} = '{value}'"),
    )
    .await;

    let response = browser.get(&callback).await;

    assert_eq!(footprint(&app).await, (0, 0, 0));
    refusal(response).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_pkce_verifier_is_refused() {
    let verifier = "x".repeat(64);
    assert_eq!(
        refusal_after_tampering("pkce_verifier", &verifier).await,
        (StatusCode::BAD_REQUEST, "CODE_REJECTED".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_pkce_verifier_is_refused() {
    assert_eq!(
        refusal_after_tampering("pkce_verifier", "").await,
        (StatusCode::BAD_REQUEST, "CODE_REJECTED".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_with_another_nonce_is_refused() {
    assert_eq!(
        refusal_after_tampering("nonce", "another-nonce").await,
        (StatusCode::BAD_REQUEST, "INVALID_ID_TOKEN".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authorization_response_from_another_issuer_is_refused() {
    let Sso { app, idp: _idp } = start().await;
    let browser = Browser::new();
    let callback = browser.callback_url(&app, "alice").await;

    let response = browser
        .get(&with_param(&callback, "iss", Some("https://evil.test")))
        .await;

    assert_refused(&app, response, StatusCode::BAD_REQUEST, "ISSUER_MISMATCH").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authorization_response_without_the_promised_issuer_is_refused() {
    let Sso { app, idp: _idp } = start().await;
    let browser = Browser::new();
    let callback = browser.callback_url(&app, "alice").await;

    let response = browser.get(&with_param(&callback, "iss", None)).await;

    assert_refused(&app, response, StatusCode::BAD_REQUEST, "ISSUER_MISMATCH").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_the_provider_refuses_is_explained() {
    let Sso { app, idp: _idp } = start().await;

    let response = Browser::new().sign_in(&app, "nobody").await;

    assert_refused(&app, response, StatusCode::BAD_REQUEST, "PROVIDER_REFUSED").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_provider_is_not_found() {
    let Sso { app, idp: _idp } = start().await;

    let response = Browser::new().get(&app.url("/auth/nope/login")).await;

    assert_eq!(
        refusal(response).await,
        (StatusCode::NOT_FOUND, "UNKNOWN_PROVIDER".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn people_outside_the_allowed_email_domains_are_refused() {
    let Sso { app, idp: _idp } = start_with(|provider| {
        provider.allowed_email_domains = vec!["example.com".into(), "example.org".into()];
    })
    .await;

    let response = Browser::new().sign_in(&app, "eve").await;

    assert_refused(
        &app,
        response,
        StatusCode::FORBIDDEN,
        "EMAIL_DOMAIN_NOT_ALLOWED",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_another_site_is_refused() {
    let Sso { app, idp: _idp } = start().await;
    for target in ["https://evil.test/", "//evil.test/", "/\\evil.test"] {
        let url = with_param(&app.url("/auth/corp/login"), "redirect", Some(target));

        let response = Browser::new().get(&url).await;

        assert_eq!(
            refusal(response).await,
            (StatusCode::BAD_REQUEST, "INVALID_REDIRECT".into()),
            "{target}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_account_with_the_same_email_is_not_taken_over() {
    let Sso { app, idp: _idp } = start().await;
    app.member("alice").await;

    let response = Browser::new().sign_in(&app, "alice").await;

    assert_eq!(
        refusal(response).await,
        (StatusCode::FORBIDDEN, "ACCOUNT_EXISTS".into())
    );
    assert_eq!(footprint(&app).await, (1, 0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_setting_links_a_verified_email_to_the_local_account() {
    let Sso { app, idp: _idp } =
        start_with(|provider| provider.link_existing_accounts = true).await;
    let local = app.member("alice").await;
    let browser = Browser::new();

    browser.sign_in(&app, "alice").await;

    let viewer = browser.graphql(&app, "{ viewer { id } }").await;
    assert_eq!(viewer["data"]["viewer"]["id"], local.id.as_str());
    assert_eq!(footprint(&app).await, (1, 1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_just_in_time_accounts_newcomers_are_refused() {
    let Sso { app, idp: _idp } = start_with(|provider| provider.jit_provisioning = false).await;

    let response = Browser::new().sign_in(&app, "bob").await;

    assert_refused(&app, response, StatusCode::FORBIDDEN, "NO_ACCOUNT").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deactivated_person_cannot_sign_in_again() {
    let Sso { app, idp: _idp } = start().await;
    Browser::new().sign_in(&app, "bob").await;
    sql(&app, "UPDATE users SET status = 'deactivated'").await;

    let response = Browser::new().sign_in(&app, "bob").await;

    assert_eq!(
        refusal(response).await,
        (StatusCode::FORBIDDEN, "DEACTIVATED".into())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_ends_the_session_and_at_the_provider() {
    let Sso { app, idp } = start().await;
    let browser = Browser::new();
    browser.sign_in(&app, "bob").await;

    let response = browser
        .http
        .post(app.url("/auth/logout"))
        .send()
        .await
        .expect("sign out");

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let target = location(&response).to_owned();
    assert!(
        target.starts_with(&format!("{}/session/end", idp.issuer)),
        "{target}"
    );
    assert_eq!(
        param(&target, "client_id").as_deref(),
        Some(oidc::CLIENT_ID)
    );
    assert_eq!(
        param(&target, "post_logout_redirect_uri"),
        Some(app.url("/login"))
    );
    let viewer = browser.graphql(&app, "{ viewer { id } }").await;
    assert_eq!(error_code(&viewer), "UNAUTHENTICATED");
    assert_eq!(footprint(&app).await, (1, 1, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_providers_access_token_authenticates_the_same_person() {
    let Sso { app, idp } = start().await;
    let browser = Browser::new();
    browser.sign_in(&app, "alice").await;
    let signed_in = browser.graphql(&app, "{ viewer { id } }").await;
    let token = idp.access_token(json!({ "sub": "alice" })).await;

    let response = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ viewer { id username } }" }))
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("JSON");

    assert_eq!(
        response["data"]["viewer"]["id"],
        signed_in["data"]["viewer"]["id"]
    );
    assert_eq!(footprint(&app).await, (1, 1, 1));
}

async fn bearer_viewer(app: &TestApp, token: &str) -> Value {
    app.http
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": "{ viewer { username email } }" }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_access_token_creates_the_account_just_in_time() {
    let Sso { app, idp } = start().await;
    let token = idp
        .access_token(
            json!({ "sub": "carol", "claims": { "email": "carol@example.com", "name": "Carol" } }),
        )
        .await;

    let response = bearer_viewer(&app, &token).await;

    assert_eq!(
        response["data"]["viewer"],
        json!({ "username": "carol", "email": "carol@example.com" })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn access_tokens_for_another_audience_expired_or_forged_are_refused() {
    let Sso { app, idp } = start().await;
    for request in [
        json!({ "sub": "alice", "aud": "https://another-api.test" }),
        json!({ "sub": "alice", "expires_in": -300 }),
        json!({ "sub": "alice", "unpublished_key": true }),
        json!({ "sub": "alice", "claims": { "iss": "https://evil.test" } }),
    ] {
        let token = idp.access_token(request.clone()).await;

        let response = bearer_viewer(&app, &token).await;

        assert_eq!(error_code(&response), "UNAUTHENTICATED", "{request}");
    }
    assert_eq!(footprint(&app).await, (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_providers_token_issued_before_a_deactivation_stays_refused_after_reactivation() {
    let Sso { app, idp } = start().await;
    let admin = app.create_user("root", OrgRole::Admin).await;
    Browser::new().sign_in(&app, "bob").await;
    let old_token = idp.access_token(json!({ "sub": "bob" })).await;
    let bob = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&old_token)
        .json(&json!({ "query": "{ viewer { id } }" }))
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("JSON")["data"]["viewer"]["id"]
        .clone();
    for change in ["deactivateUser", "reactivateUser"] {
        let changed = app
            .graphql(
                Some(&admin),
                &format!("mutation($id: ID!) {{ {change}(input: {{ userId: $id }}) {{ user {{ status }} }} }}"),
                json!({ "id": bob }),
            )
            .await;
        assert!(changed["errors"].is_null(), "{changed}");
    }

    let refused = bearer_viewer(&app, &old_token).await;
    // Tokens say when they were issued in whole seconds: a new one a second later is newer.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let new_token = idp.access_token(json!({ "sub": "bob" })).await;
    let accepted = bearer_viewer(&app, &new_token).await;

    assert_eq!(error_code(&refused), "UNAUTHENTICATED");
    assert_eq!(accepted["data"]["viewer"]["username"], "bob", "{accepted}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_authenticates_with_the_providers_access_token() {
    let Sso { app, idp } = start().await;
    let token = idp
        .access_token(json!({ "sub": "carol", "claims": { "email": "carol@example.com" } }))
        .await;
    let me = bearer_viewer(&app, &token).await;
    assert_eq!(me["data"]["viewer"]["username"], "carol");
    let id = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ viewer { id } }" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["data"]["viewer"]["id"]
        .clone();
    let mut ws = WsClient::connect_authenticated(&app.ws_url(), &token).await;
    ws.subscribe(
        "1",
        "subscription($id: ID!) { userUpdated(id: $id) { title } }",
        json!({ "id": id }),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    app.http
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "mutation { updateProfile(input: { title: \"Editor\" }) { user { title } } }" }))
        .send()
        .await
        .expect("update");

    let event = ws.next_message().await;
    assert_eq!(event["payload"]["data"]["userUpdated"]["title"], "Editor");
}

#[tokio::test(flavor = "multi_thread")]
async fn revoking_a_session_signs_it_out_and_closes_its_subscriptions() {
    let Sso { app, idp: _idp } = start().await;
    let (browser, cookie) = signed_in_browser(&app, "bob").await;
    let mut ws = WsClient::connect_with_headers(
        &app.ws_url(),
        "graphql-transport-ws",
        &[("Cookie", &cookie)],
    )
    .await;
    ws.send(json!({ "type": "connection_init" })).await;
    assert_eq!(ws.next_message().await["type"], "connection_ack");
    let sessions = browser
        .graphql(&app, "{ viewer { sessions { id } } }")
        .await;
    let session_id = sessions["data"]["viewer"]["sessions"][0]["id"].clone();

    let revoked = browser
        .graphql(
            &app,
            &format!("mutation {{ revokeSession(input: {{ sessionId: {session_id} }}) {{ session {{ id }} }} }}"),
        )
        .await;

    assert_eq!(
        revoked["data"]["revokeSession"]["session"]["id"],
        session_id
    );
    assert_eq!(ws.close_code().await, 4403);
    let viewer = browser.graphql(&app, "{ viewer { id } }").await;
    assert_eq!(error_code(&viewer), "UNAUTHENTICATED");
}

/// A browser signed in through the provider, and its `Cookie` header for other clients.
async fn signed_in_browser(app: &TestApp, login: &str) -> (Browser, String) {
    let browser = Browser::new();
    let response = browser.sign_in(app, login).await;
    let cookie = response
        .cookies()
        .find(|cookie| cookie.name() == "parvis_session")
        .map(|cookie| format!("parvis_session={}", cookie.value()))
        .expect("a session cookie");
    (browser, cookie)
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_of_other_people_are_not_found() {
    let Sso { app, idp: _idp } = start().await;
    let (bob, _) = signed_in_browser(&app, "bob").await;
    let bob_session =
        bob.graphql(&app, "{ viewer { sessions { id } } }").await["data"]["viewer"]["sessions"][0]
            ["id"]
            .clone();
    let (alice, _) = signed_in_browser(&app, "alice").await;

    let node = alice
        .graphql(&app, &format!("{{ node(id: {bob_session}) {{ id }} }}"))
        .await;
    let revoke = alice
        .graphql(
            &app,
            &format!("mutation {{ revokeSession(input: {{ sessionId: {bob_session} }}) {{ session {{ id }} }} }}"),
        )
        .await;

    assert_eq!(error_code(&node), "NOT_FOUND");
    assert_eq!(error_code(&revoke), "NOT_FOUND");
    assert_eq!(footprint(&app).await.2, 2);
}
