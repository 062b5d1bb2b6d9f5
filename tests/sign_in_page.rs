//! The server-rendered sign-in page at `/login` and its password form.

mod common;

use common::oidc;
use common::{TestApp, error_code};
use parvis::users::OrgRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn app_with_password_user(local_accounts: bool) -> TestApp {
    let (listener, _) = oidc::bind().await;
    let provider = oidc::provider_config("https://login.example.com");
    let app = TestApp::spawn_on(listener, move |config| {
        config.sso.providers = vec![provider];
        config.auth.local_accounts = local_accounts;
    })
    .await;
    let hash = parvis::auth::password::hash("correct horse battery").unwrap();
    app.create_user_with("helene", OrgRole::Admin, |user| {
        user.password_hash = Some(hash)
    })
    .await;
    app
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    response.text().await.unwrap()
}

async fn post_password(
    app: &TestApp,
    client: &reqwest::Client,
    password: &str,
    redirect: &str,
) -> reqwest::Response {
    client
        .post(app.url("/auth/password"))
        .form(&[
            ("identifier", "helene"),
            ("password", password),
            ("redirect", redirect),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_offers_each_provider_and_the_password_form() {
    let app = app_with_password_user(true).await;

    let html = page(&app, &browser(), "/login?redirect=/graphiql").await;

    assert!(
        html.contains("href=\"/auth/corp/login?redirect=%2Fgraphiql\""),
        "{html}"
    );
    assert!(html.contains("Sign in with Corp SSO"));
    assert!(html.contains("action=\"/auth/password\""));
    assert!(!html.contains("<script"), "no scripts");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_password_form_signs_in_and_returns_to_the_requested_page() {
    let app = app_with_password_user(true).await;
    let client = browser();

    let response = post_password(&app, &client, "correct horse battery", "/graphiql?x=1").await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/graphiql?x=1");
    let html = page(&app, &client, "/login").await;
    assert!(html.contains("Signed in as"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_returns_to_the_page_with_the_reason() {
    let app = app_with_password_user(true).await;
    let client = browser();

    let response = post_password(&app, &client, "wrong", "").await;

    assert_eq!(
        response.headers()["location"],
        "/login?error=invalid_credentials"
    );
    let html = page(&app, &client, "/login?error=invalid_credentials").await;
    assert!(html.contains("wrong password"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_error_text_cannot_be_chosen_by_a_link() {
    let app = app_with_password_user(true).await;

    let html = page(&app, &browser(), "/login?error=<b>Call+0800+now</b>").await;

    assert!(!html.contains("0800"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cross_site_form_post_is_refused() {
    let app = app_with_password_user(true).await;

    let response = browser()
        .post(app.url("/auth/password"))
        .header("Origin", "https://evil.test")
        .form(&[
            ("identifier", "helene"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_local_accounts_only_single_sign_on_remains() {
    let app = app_with_password_user(false).await;

    let html = page(&app, &browser(), "/login").await;
    let login: Value = reqwest::Client::new()
        .post(app.url("/graphql"))
        .json(&json!({ "query": "mutation { signIn(input: { identifier: \"helene\", password: \"correct horse battery\" }) { user { id } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert!(!html.contains("action=\"/auth/password\""), "{html}");
    assert!(html.contains("Sign in with Corp SSO"));
    assert_eq!(error_code(&login), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_single_sign_on_shows_the_organizations_branding_like_the_sign_in_page() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", OrgRole::Admin).await;
    app.graphql(
        Some(&admin),
        "mutation { updateOrganization(input: { name: \"Société Générale des Tests\", primaryColor: \"#AA3300\" }) { organization { name } } }",
        json!({}),
    )
    .await;

    let response = browser()
        .get(app.url("/auth/nope/login"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<h1>Société Générale des Tests</h1>"),
        "{page}"
    );
    assert!(page.contains("--brand:#aa3300"), "{page}");
}
