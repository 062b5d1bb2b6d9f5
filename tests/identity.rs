//! Identity: sign-in, sessions, tokens, deactivation, the directory, profiles and global IDs.

mod common;

use common::{TestApp, error_code};
use parvis::auth::throttle::{
    MAX_ATTEMPTS, MAX_ATTEMPTS_PER_ACCOUNT, MAX_ATTEMPTS_PER_ADDRESS, WINDOW_MINUTES,
};
use parvis::groups::{GroupRole, Visibility};
use parvis::users::OrgRole;
use serde_json::{Value, json};

const LOGIN: &str = "mutation($identifier: String!, $password: String!) {
  signIn(input: { identifier: $identifier, password: $password }) { user { username } sessionExpiresAt }
}";

async fn app_with_password_user() -> TestApp {
    let app = TestApp::spawn().await;
    let hash = parvis::auth::password::hash("correct horse battery").unwrap();
    app.create_user_with("helene", OrgRole::Member, |user| {
        user.display_name = "Hélène Dubois".into();
        user.email = Some("Helene.Dubois@example.com".into());
        user.password_hash = Some(hash);
    })
    .await;
    app
}

async fn login(
    app: &TestApp,
    client: &reqwest::Client,
    identifier: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/graphql"))
        .json(&json!({ "query": LOGIN, "variables": { "identifier": identifier, "password": password } }))
        .send()
        .await
        .unwrap()
}

/// `{ viewer { id } }` as the browser `client` is signed in (or not).
async fn cookie_viewer(app: &TestApp, client: &reqwest::Client) -> Value {
    client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ viewer { id } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_answers_with_the_person_as_they_see_themselves() {
    let app = app_with_password_user().await;
    let response = app
        .graphql(
            None,
            "mutation { signIn(input: { identifier: \"helene\", password: \"correct horse battery\" }) {
                user { username email } } }",
            json!({}),
        )
        .await;

    assert_eq!(
        response["data"]["signIn"]["user"]["email"], "Helene.Dubois@example.com",
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn login_sets_an_http_only_lax_session_cookie_that_signs_in() {
    let app = app_with_password_user().await;
    let client = cookie_client();
    let response = login(
        &app,
        &client,
        "HELENE.DUBOIS@example.com",
        "correct horse battery",
    )
    .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("parvis_session=pvs_"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http public URL: {cookie}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["signIn"]["user"]["username"], "helene");

    let viewer: Value = client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ viewer { displayName } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(viewer["data"]["viewer"]["displayName"], "Hélène Dubois");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_unknown_identifier_fail_alike() {
    let app = app_with_password_user().await;
    let client = cookie_client();
    let wrong: Value = login(&app, &client, "helene", "not the password")
        .await
        .json()
        .await
        .unwrap();
    let unknown: Value = login(&app, &client, "nobody", "not the password")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    assert_eq!(
        wrong["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_ends_the_session() {
    let app = app_with_password_user().await;
    let client = cookie_client();
    login(&app, &client, "helene", "correct horse battery").await;
    let logout: Value = client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "mutation { signOut { endedSession } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(logout["data"]["signOut"]["endedSession"], true);
    assert_eq!(
        error_code(&cookie_viewer(&app, &client).await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn everything_but_login_requires_a_viewer() {
    let app = TestApp::spawn().await;
    for query in [
        "{ viewer { id } }",
        "{ users { totalCount } }",
        "{ node(id: \"x\") { id } }",
    ] {
        let response = app.graphql(None, query, json!({})).await;
        assert_eq!(error_code(&response), "UNAUTHENTICATED", "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_bearer_token_is_a_401() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth("pvt_not-a-real-token")
        .json(&json!({ "query": "{ viewer { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        error_code(&response.json::<Value>().await.unwrap()),
        "UNAUTHENTICATED"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_deactivated_in_the_database_is_refused_once_the_instance_hears_of_it() {
    let app = TestApp::spawn().await;
    let user = app.member("leaver").await;
    let viewer = || app.graphql(Some(&user), "{ viewer { id } }", json!({}));
    assert!(viewer().await["errors"].is_null());

    deactivate(&app, user.uuid).await;

    // The database announces the change; the API's deactivateUser waits for that itself.
    common::wait_until(
        || async { viewer().await["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" },
        "the deactivation",
    )
    .await;
}

async fn deactivate(app: &TestApp, id: uuid::Uuid) {
    use diesel_async::SimpleAsyncConnection;
    let mut conn = app.db().connect().await.unwrap();
    conn.batch_execute(&format!(
        "UPDATE users SET status = 'deactivated' WHERE id = '{id}'"
    ))
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn personal_access_tokens_are_shown_once_and_revocable() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let created = app
        .graphql(
            Some(&user),
            "mutation { createPersonalAccessToken(input: { name: \"CI\" }) { personalAccessToken { id name } secret } }",
            json!({}),
        )
        .await;
    let payload = &created["data"]["createPersonalAccessToken"];
    let secret = payload["secret"].as_str().unwrap().to_owned();
    let token_id = payload["personalAccessToken"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = app
        .graphql(Some(&user), "{ personalAccessTokens { name } }", json!({}))
        .await;
    assert_eq!(
        listed["data"]["personalAccessTokens"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(!listed.to_string().contains(&secret));

    let second = common::TestUser {
        id: user.id.clone(),
        uuid: user.uuid,
        token: secret,
    };
    assert!(
        app.graphql(Some(&second), "{ viewer { id } }", json!({}))
            .await["errors"]
            .is_null()
    );
    let revoked = app
        .graphql(
            Some(&user),
            "mutation($id: ID!) { revokePersonalAccessToken(input: { personalAccessTokenId: $id }) { personalAccessToken { revokedAt } } }",
            json!({ "id": token_id }),
        )
        .await;
    assert!(
        revoked["data"]["revokePersonalAccessToken"]["personalAccessToken"]["revokedAt"]
            .is_string()
    );
    let refused = app
        .graphql(Some(&second), "{ viewer { id } }", json!({}))
        .await;
    assert_eq!(error_code(&refused), "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_persons_token_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.member("owner").await;
    let other = app.member("other").await;
    let created = app
        .graphql(Some(&owner), "mutation { createPersonalAccessToken(input: { name: \"x\" }) { personalAccessToken { id } } }", json!({}))
        .await;
    let id = created["data"]["createPersonalAccessToken"]["personalAccessToken"]["id"].clone();
    let response = app
        .graphql(
            Some(&other),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&response), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn directory_search_ignores_accents_and_case() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer").await;
    app.create_user_with("helene", OrgRole::Member, |u| {
        u.display_name = "Hélène Dubois".into()
    })
    .await;
    app.create_user_with("francois", OrgRole::Member, |u| {
        u.display_name = "François Moreau".into();
        u.department = Some("Ventes".into());
    })
    .await;
    let search = |query: &'static str| {
        let app = &app;
        let viewer = &viewer;
        async move {
            app.graphql(
                Some(viewer),
                "query($q: String) { users(filter: { query: $q }) { totalCount edges { node { displayName } } } }",
                json!({ "q": query }),
            )
            .await
        }
    };
    let found = search("helene").await;
    assert_eq!(
        found["data"]["users"]["edges"][0]["node"]["displayName"],
        "Hélène Dubois"
    );
    assert_eq!(
        search("FRANÇOIS ventes").await["data"]["users"]["totalCount"],
        1
    );
    assert_eq!(
        search("francois marketing").await["data"]["users"]["totalCount"],
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn directory_filters_by_department_and_site_whatever_the_case_and_accents() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer").await;
    app.create_user_with("anna", OrgRole::Member, |u| {
        u.department = Some("Sales".into());
        u.site = Some("Montréal".into());
    })
    .await;
    app.create_user_with("bob", OrgRole::Member, |u| {
        u.department = Some("Sales".into())
    })
    .await;
    let response = app
        .graphql(
            Some(&viewer),
            "{ users(filter: { department: \"sales\", site: \"MONTREAL\" }) { edges { node { username } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        response["data"]["users"]["edges"],
        json!([{ "node": { "username": "anna" } }])
    );
}

const USERS_BY_STATUS: &str = "query($status: UserStatus) {
  users(filter: { status: $status }) { totalCount edges { node { username status } } } }";

/// An active admin, and one person of each status.
async fn people_of_every_status() -> (TestApp, common::TestUser) {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    app.create_user_with("gone", OrgRole::Member, |u| {
        u.status = parvis::users::UserStatus::Deactivated
    })
    .await;
    app.create_user_with("waiting", OrgRole::Member, |u| {
        u.status = parvis::users::UserStatus::Pending;
        u.activated_at = None;
    })
    .await;
    (app, admin)
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_list_deactivated_and_never_activated_accounts_by_status() {
    let (app, admin) = people_of_every_status().await;

    let listed = |status: Value| {
        let (app, admin) = (&app, &admin);
        async move {
            let response = app
                .graphql(Some(admin), USERS_BY_STATUS, json!({ "status": status }))
                .await;
            response["data"]["users"]["edges"].clone()
        }
    };

    assert_eq!(
        listed(json!("DEACTIVATED")).await,
        json!([{ "node": { "username": "gone", "status": "DEACTIVATED" } }])
    );
    assert_eq!(
        listed(json!("PENDING")).await,
        json!([{ "node": { "username": "waiting", "status": "PENDING" } }])
    );
    assert_eq!(
        listed(Value::Null).await,
        json!([{ "node": { "username": "admin", "status": "ACTIVE" } }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_list_accounts_that_are_not_active() {
    let (app, _) = people_of_every_status().await;
    let member = app.member("member").await;

    let deactivated = app
        .graphql(
            Some(&member),
            USERS_BY_STATUS,
            json!({ "status": "DEACTIVATED" }),
        )
        .await;
    let active = app
        .graphql(
            Some(&member),
            USERS_BY_STATUS,
            json!({ "status": "ACTIVE" }),
        )
        .await;

    assert_eq!(error_code(&deactivated), "FORBIDDEN");
    assert_eq!(active["data"]["users"]["totalCount"], 2, "{active}");
}

#[tokio::test(flavor = "multi_thread")]
async fn directory_pages_in_name_order_with_accents_sorted_naturally() {
    let app = TestApp::spawn().await;
    let viewer = app
        .create_user_with("viewer", OrgRole::Member, |u| {
            u.display_name = "Aaron Viewer".into()
        })
        .await;
    for (username, name) in [
        ("zoe", "Zoé Laurent"),
        ("emile", "Émile Zola"),
        ("eric", "Eric Idle"),
        ("fanny", "Fanny Ardant"),
    ] {
        app.create_user_with(username, OrgRole::Member, |u| u.display_name = name.into())
            .await;
    }
    let query = "query($after: String) { users(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { displayName } } } }";
    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .graphql(Some(&viewer), query, json!({ "after": after }))
            .await;
        let users = &page["data"]["users"];
        assert_eq!(users["totalCount"], 5);
        names.extend(
            users["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["displayName"].as_str().unwrap().to_owned()),
        );
        if users["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = users["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        names,
        [
            "Aaron Viewer",
            "Émile Zola",
            "Eric Idle",
            "Fanny Ardant",
            "Zoé Laurent"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pagination_rejects_bad_cursors_and_large_pages() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer").await;
    let bad_cursor = app
        .graphql(
            Some(&viewer),
            "{ users(after: \"garbage!\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad_cursor), "BAD_USER_INPUT");
    assert_eq!(bad_cursor["errors"][0]["extensions"]["field"], "after");
    let too_many = app
        .graphql(
            Some(&viewer),
            "{ users(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&too_many), "BAD_USER_INPUT");
    assert!(
        too_many["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("100")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn node_fetches_users_and_rejects_invalid_and_foreign_ids() {
    let app = TestApp::spawn().await;
    let viewer = app.member("viewer").await;
    let other = app.member("other").await;
    let found = app
        .graphql(
            Some(&viewer),
            "query($id: ID!) { node(id: $id) { id ... on User { username } } }",
            json!({ "id": other.id }),
        )
        .await;
    assert_eq!(found["data"]["node"]["username"], "other");

    let invalid = app
        .graphql(
            Some(&viewer),
            "{ user(id: \"not-an-id\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&invalid), "BAD_USER_INPUT");
    let foreign = parvis::graphql::ids::encode("PersonalAccessToken", other.uuid).0;
    let response = app
        .graphql(
            Some(&viewer),
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": foreign }),
        )
        .await;
    assert_eq!(error_code(&response), "NOT_FOUND");
    let missing = parvis::graphql::ids::encode("User", uuid::Uuid::now_v7()).0;
    let nodes = app
        .graphql(
            Some(&viewer),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [other.id, missing] }),
        )
        .await;
    assert_eq!(nodes["data"]["nodes"], json!([{ "id": other.id }, null]));
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_see_only_themselves() {
    let app = TestApp::spawn().await;
    let member = app.member("member").await;
    let guest = app.create_user("guest", OrgRole::Guest).await;
    let response = app
        .graphql(
            Some(&guest),
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": member.id }),
        )
        .await;
    assert_eq!(error_code(&response), "NOT_FOUND");
    let directory = app
        .graphql(
            Some(&guest),
            "{ users { totalCount edges { node { username } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        directory["data"]["users"]["edges"],
        json!([{ "node": { "username": "guest" } }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn update_profile_validates_and_saves() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let mutation = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { displayName title timeZone locale } } }";
    let saved = app
        .graphql(Some(&user), mutation, json!({ "input": { "displayName": "  Ada Lovelace ", "title": "Analyste", "timeZone": "Europe/Paris", "locale": "fr-FR" } }))
        .await;
    assert_eq!(
        saved["data"]["updateProfile"]["user"],
        json!({ "displayName": "Ada Lovelace", "title": "Analyste", "timeZone": "Europe/Paris", "locale": "fr-FR" })
    );
    for (input, field) in [
        (json!({ "displayName": "" }), "displayName"),
        (json!({ "timeZone": "Mars/Olympus" }), "timeZone"),
        (json!({ "bio": "x".repeat(2001) }), "bio"),
        (json!({ "locale": "not a locale" }), "locale"),
    ] {
        let response = app
            .graphql(Some(&user), mutation, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{field}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_edit_other_profiles() {
    let app = TestApp::spawn().await;
    let member = app.member("member").await;
    let other = app.member("other").await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    let mutation = "mutation($id: ID!) { updateProfile(input: { userId: $id, title: \"Boss\" }) { user { title viewerCanEdit } } }";
    let refused = app
        .graphql(Some(&member), mutation, json!({ "id": other.id }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let allowed = app
        .graphql(Some(&admin), mutation, json!({ "id": other.id }))
        .await;
    assert_eq!(
        allowed["data"]["updateProfile"]["user"],
        json!({ "title": "Boss", "viewerCanEdit": true })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failed_logins_are_rate_limited() {
    let app = app_with_password_user().await;
    let client = cookie_client();
    for _ in 0..MAX_ATTEMPTS {
        let failed: Value = login(&app, &client, "helene", "wrong password!")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(error_code(&failed), "BAD_USER_INPUT");
    }
    let limited: Value = login(&app, &client, "Helene", "correct horse battery")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&limited), "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_sign_in_says_in_how_many_seconds_to_retry() {
    let app = app_with_password_user().await;
    let client = cookie_client();
    for _ in 0..MAX_ATTEMPTS {
        login(&app, &client, "helene", "wrong password!").await;
    }
    let limited = login(&app, &client, "helene", "correct horse battery").await;
    let header: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = limited.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED");
    let retry_after = body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap();
    assert_eq!(retry_after, header);
    let window = WINDOW_MINUTES as u64 * 60;
    assert!(
        (window - 60..=window).contains(&retry_after),
        "the first attempt leaves the {window} s window in {retry_after} s"
    );
}

/// Signs in from `address`, as told by the reverse proxy the test client stands for (loopback
/// proxies are trusted by default).
async fn login_from(app: &TestApp, address: &str, identifier: &str, password: &str) -> Value {
    app.http
        .post(app.url("/graphql"))
        .header("x-forwarded-for", format!("192.0.2.1, {address}"))
        .json(&json!({ "query": LOGIN, "variables": { "identifier": identifier, "password": password } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `count` failed sign-ins on `identifier` from `address`, in parallel.
async fn fail_logins_from(app: &TestApp, address: &str, identifier: &str, count: i64) {
    let attempts = (0..count).map(|_| login_from(app, address, identifier, "wrong password!"));
    for failed in futures::future::join_all(attempts).await {
        assert_eq!(error_code(&failed), "BAD_USER_INPUT", "{failed}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_from_one_address_do_not_lock_the_owner_out_of_another() {
    let app = app_with_password_user().await;
    fail_logins_from(&app, "203.0.113.7", "helene", MAX_ATTEMPTS).await;

    let owner = login_from(&app, "198.51.100.20", "helene", "correct horse battery").await;
    let guesser = login_from(&app, "203.0.113.7", "helene", "correct horse battery").await;

    assert_eq!(
        owner["data"]["signIn"]["user"]["username"], "helene",
        "{owner}"
    );
    assert_eq!(error_code(&guesser), "RATE_LIMITED");
}

/// Given `count` sign-in attempts in the last minutes on the accounts or identifiers `keys` (SQL
/// giving text) from the addresses `addresses` (likewise): many at once, cheaper than through
/// the API.
async fn given_recent_attempts(app: &TestApp, count: i64, keys: &str, addresses: &str) {
    use diesel_async::SimpleAsyncConnection;
    let mut conn = app.db().connect().await.unwrap();
    conn.batch_execute(&format!(
        "INSERT INTO login_attempts (id, throttle_key, client_address)
         SELECT gen_random_uuid(), {keys}, {addresses} FROM generate_series(1, {count}) AS n"
    ))
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_spread_over_many_addresses_still_lock_the_account() {
    let app = app_with_password_user().await;
    let helene = "(SELECT id::text FROM users WHERE username = 'helene')";
    let guessers = format!(
        "'203.0.113.' || n % {}",
        MAX_ATTEMPTS_PER_ACCOUNT / MAX_ATTEMPTS
    );
    given_recent_attempts(&app, MAX_ATTEMPTS_PER_ACCOUNT, helene, &guessers).await;

    let owner = login_from(&app, "198.51.100.20", "helene", "correct horse battery").await;

    assert_eq!(error_code(&owner), "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_address_trying_many_accounts_is_slowed() {
    let app = app_with_password_user().await;
    let someone_else = "'someone.' || n";
    given_recent_attempts(
        &app,
        MAX_ATTEMPTS_PER_ADDRESS,
        someone_else,
        "'203.0.113.7'",
    )
    .await;

    let sprayer = login_from(&app, "203.0.113.7", "helene", "correct horse battery").await;
    let owner = login_from(&app, "198.51.100.20", "helene", "correct horse battery").await;

    assert_eq!(error_code(&sprayer), "RATE_LIMITED");
    assert_eq!(
        owner["data"]["signIn"]["user"]["username"], "helene",
        "{owner}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forwarded_address_is_believed_only_from_a_trusted_proxy() {
    let app = TestApp::spawn_configured(|config| config.auth.trusted_proxies = Vec::new()).await;
    let hash = parvis::auth::password::hash("correct horse battery").unwrap();
    app.create_user_with("helene", OrgRole::Member, |user| {
        user.password_hash = Some(hash)
    })
    .await;
    fail_logins_from(&app, "203.0.113.7", "helene", MAX_ATTEMPTS).await;

    let claimed_elsewhere =
        login_from(&app, "198.51.100.20", "helene", "correct horse battery").await;

    assert_eq!(error_code(&claimed_elsewhere), "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_cannot_mint_a_token_that_outlives_it() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let created = app
        .graphql(
            Some(&user),
            "mutation($at: DateTime) { createPersonalAccessToken(input: { name: \"short\", expiresAt: $at }) { secret } }",
            json!({ "at": soon }),
        )
        .await;
    let short = common::TestUser {
        id: user.id.clone(),
        uuid: user.uuid,
        token: created["data"]["createPersonalAccessToken"]["secret"]
            .as_str()
            .unwrap()
            .to_owned(),
    };
    let later = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let refused = app
        .graphql(
            Some(&short),
            "mutation($at: DateTime) { createPersonalAccessToken(input: { name: \"long\", expiresAt: $at }) { secret } }",
            json!({ "at": later }),
        )
        .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT");
    let capped = app
        .graphql(
            Some(&short),
            "mutation { createPersonalAccessToken(input: { name: \"default\" }) { personalAccessToken { expiresAt } } }",
            json!({}),
        )
        .await;
    assert!(
        capped["data"]["createPersonalAccessToken"]["personalAccessToken"]["expiresAt"].is_string(),
        "{capped}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_request_may_sign_in_only_once() {
    let app = app_with_password_user().await;
    let aliased = "mutation { a: signIn(input: { identifier: \"x\", password: \"y\" }) { user { id } } b: signIn(input: { identifier: \"z\", password: \"w\" }) { user { id } } }";
    let response = app.graphql(None, aliased, json!({})).await;
    let messages: Vec<&str> = response["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("only one password may be checked or set per request")),
        "{response}"
    );
}

const DEACTIVATE: &str =
    "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { user { status } } }";

#[tokio::test(flavor = "multi_thread")]
async fn deactivating_a_person_closes_their_subscriptions_and_sessions_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("root", OrgRole::Admin).await;
    let hash = parvis::auth::password::hash("correct horse battery").unwrap();
    let user = app
        .create_user_with("helene", OrgRole::Member, |user| {
            user.password_hash = Some(hash)
        })
        .await;
    let client = cookie_client();
    login(&app, &client, "helene", "correct horse battery").await;
    let (helene, token) = (json!(user.id), user.token);
    let mut ws = common::ws::WsClient::connect_authenticated(&app.ws_url(), &token).await;
    ws.subscribe(
        "1",
        "subscription($id: ID!) { userUpdated(id: $id) { id } }",
        json!({ "id": helene }),
    )
    .await;

    let response = app
        .graphql(Some(&admin), DEACTIVATE, json!({ "id": helene }))
        .await;

    assert_eq!(
        response["data"]["deactivateUser"]["user"]["status"],
        "DEACTIVATED"
    );
    assert_eq!(ws.close_code().await, 4403);
    assert_eq!(
        error_code(&cookie_viewer(&app, &client).await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_deactivate_and_never_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("root", OrgRole::Admin).await;
    let member = app.member("ana").await;

    let by_member = app
        .graphql(Some(&member), DEACTIVATE, json!({ "id": admin.id }))
        .await;
    let by_self = app
        .graphql(Some(&admin), DEACTIVATE, json!({ "id": admin.id }))
        .await;

    assert_eq!(error_code(&by_member), "FORBIDDEN");
    assert_eq!(error_code(&by_self), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reactivated_person_can_sign_in_again() {
    let app = app_with_password_user().await;
    let admin = app.create_user("root", OrgRole::Admin).await;
    let helene = app
        .graphql(
            Some(&admin),
            "{ users(first: 5, filter: { query: \"helene\" }) { edges { node { id } } } }",
            json!({}),
        )
        .await["data"]["users"]["edges"][0]["node"]["id"]
        .clone();
    app.graphql(Some(&admin), DEACTIVATE, json!({ "id": helene }))
        .await;

    let reactivated = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!) { reactivateUser(input: { userId: $id }) { user { status } } }",
            json!({ "id": helene }),
        )
        .await;

    assert_eq!(
        reactivated["data"]["reactivateUser"]["user"]["status"],
        "ACTIVE"
    );
    let signed_in: Value = login(&app, &cookie_client(), "helene", "correct horse battery")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(signed_in["data"]["signIn"]["user"]["username"], "helene");
}

const REACTIVATE: &str =
    "mutation($id: ID!) { reactivateUser(input: { userId: $id }) { user { status } } }";

/// An admin deactivates the person, then reactivates them.
async fn deactivate_and_reactivate(app: &TestApp, person: &common::TestUser) {
    let admin = app.create_user("root", OrgRole::Admin).await;
    let id = json!({ "id": person.id });
    let deactivated = app.graphql(Some(&admin), DEACTIVATE, id.clone()).await;
    assert_eq!(
        deactivated["data"]["deactivateUser"]["user"]["status"],
        "DEACTIVATED"
    );
    let reactivated = app.graphql(Some(&admin), REACTIVATE, id).await;
    assert_eq!(
        reactivated["data"]["reactivateUser"]["user"]["status"],
        "ACTIVE"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reactivated_persons_old_personal_access_tokens_stay_revoked() {
    let app = TestApp::spawn().await;
    let person = app.member("leaver").await;

    deactivate_and_reactivate(&app, &person).await;

    let response = app
        .graphql(Some(&person), "{ viewer { id } }", json!({}))
        .await;
    assert_eq!(error_code(&response), "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reactivated_persons_old_calendar_feed_urls_stay_revoked() {
    let app = TestApp::spawn().await;
    let person = app.member("leaver").await;
    let created = app
        .graphql(
            Some(&person),
            "mutation { createCalendarFeed { url } }",
            json!({}),
        )
        .await;
    let url = created["data"]["createCalendarFeed"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 200);

    deactivate_and_reactivate(&app, &person).await;

    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reactivated_persons_old_unsubscribe_links_stay_retired() {
    use parvis::email::unsubscribe::{Topic, link};
    let app = TestApp::spawn().await;
    let person = app.member("leaver").await;
    let mut conn = app.db().connect().await.unwrap();
    let url = link(&mut conn, &app.app.services, person.uuid, Topic::Digest)
        .await
        .unwrap();
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 200);

    deactivate_and_reactivate(&app, &person).await;

    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 404);
}

/// Each column that holds a secret (or its hash), with what deactivation does with it. A new
/// one fails this test until it is revoked in `auth::revoke_credentials` or listed here with the
/// reason it is kept.
const SECRET_COLUMNS: &[(&str, &str)] = &[
    (
        "account_invitations.token_hash",
        "kept: the organization's invitation of someone else",
    ),
    ("calendar_feeds.token_hash", "revoked"),
    (
        "group_webhooks.token_hash",
        "kept: the group's, posting as no one",
    ),
    (
        "newsletter_recipients.token_hash",
        "kept: click tracking, grants nothing",
    ),
    ("personal_access_tokens.token_hash", "revoked"),
    ("sessions.token_hash", "revoked"),
    (
        "sso_login_attempts.browser_hash",
        "kept: a sign-in under way, no one's yet",
    ),
    (
        "sso_login_attempts.nonce",
        "kept: a sign-in under way, no one's yet",
    ),
    (
        "sso_login_attempts.pkce_verifier",
        "kept: a sign-in under way, no one's yet",
    ),
    (
        "sso_login_attempts.state_hash",
        "kept: a sign-in under way, no one's yet",
    ),
    ("unsubscribe_tokens.token_hash", "revoked"),
    ("users.activation_code_hash", "revoked"),
    (
        "users.password_hash",
        "kept: a reactivated person signs in with it",
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_stored_secret_is_revoked_on_deactivation_or_known_to_be_kept() {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let app = TestApp::spawn().await;
    let mut conn = app.db().connect().await.unwrap();

    let columns: Vec<Column> = diesel::sql_query(
        "SELECT table_name || '.' || column_name AS name FROM information_schema.columns
         WHERE table_schema = current_schema()
           AND column_name ~ '(_hash$|token|secret|nonce|verifier)'
         ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .unwrap();

    let names: Vec<&str> = columns.iter().map(|column| column.name.as_str()).collect();
    let known: Vec<&str> = SECRET_COLUMNS.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, known);
}

/// The colleague "collegue{i}", with a title, department and phone.
async fn colleague(app: &TestApp, i: usize) -> common::TestUser {
    app.create_user_with(&format!("collegue{i}"), OrgRole::Member, |user| {
        user.title = Some(format!("Poste {i}"));
        user.department = Some("Ventes".into());
        user.phone = Some(format!("+33 1 00 00 00 0{i}"));
    })
    .await
}

/// The statements a directory page with `selection` costs "lecteur" (of `role`), who shares the
/// group "Club" with one colleague, then with six, and the people of the second page.
async fn directory_statements_at_one_and_six(
    role: OrgRole,
    selection: &str,
) -> (u64, u64, Vec<Value>) {
    let app = TestApp::spawn().await;
    let reader = app.create_user("lecteur", role).await;
    let query = format!("{{ users(first: 20) {{ edges {{ node {{ {selection} }} }} }} }}");
    let founder = colleague(&app, 0).await;
    let club = app
        .create_group(&founder, "Club", Visibility::Private)
        .await;
    app.add_member(&club, &reader, GroupRole::Member).await;
    let (one, _) = app.statements_of(&reader, &query, json!({})).await;
    for i in 1..6 {
        let member = colleague(&app, i).await;
        app.add_member(&club, &member, GroupRole::Member).await;
    }
    let (six, response) = app.statements_of(&reader, &query, json!({})).await;
    let people = response["data"]["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect();
    (one, six, people)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_members_directory_page_costs_the_same_statements_for_one_person_or_many() {
    let (one, six, people) = directory_statements_at_one_and_six(
        OrgRole::Member,
        "username email phone title department avatarUrl viewerCanEdit viewerCanDeactivate
         sessions { id } notifications(first: 5) { totalCount } unreadNotificationCount
         notificationSettings { digestFrequency }",
    )
    .await;

    let mut expected: Vec<Value> = (0..6)
        .map(|i| {
            json!({ "username": format!("collegue{i}"), "email": format!("collegue{i}@example.com"),
                    "phone": format!("+33 1 00 00 00 0{i}"), "title": format!("Poste {i}"),
                    "department": "Ventes", "avatarUrl": null, "viewerCanEdit": false,
                    "viewerCanDeactivate": false, "sessions": null, "notifications": null,
                    "unreadNotificationCount": null, "notificationSettings": null })
        })
        .collect();
    expected.push(
        json!({ "username": "lecteur", "email": "lecteur@example.com", "phone": null,
        "title": null, "department": null, "avatarUrl": null, "viewerCanEdit": true,
        "viewerCanDeactivate": false, "sessions": [], "notifications": { "totalCount": 0 },
        "unreadNotificationCount": 0, "notificationSettings": { "digestFrequency": "DAILY" } }),
    );
    assert_eq!(people, expected);
    assert_eq!(one, six, "2 people: {one} statements, 7 people: {six}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guests_directory_page_costs_the_same_statements_for_one_person_or_many() {
    let (one, six, people) =
        directory_statements_at_one_and_six(OrgRole::Guest, "username email phone title").await;

    let mut expected: Vec<Value> = (0..6)
        .map(|i| {
            json!({ "username": format!("collegue{i}"), "email": null, "phone": null,
                    "title": format!("Poste {i}") })
        })
        .collect();
    expected.push(json!({ "username": "lecteur", "email": "lecteur@example.com", "phone": null, "title": null }));
    assert_eq!(people, expected);
    assert_eq!(one, six, "2 people: {one} statements, 7 people: {six}");
}
