//! ID token checks of the OpenID relying-party conformance suite (Basic profile), against a
//! provider that signs whatever the test asks with test keys: every forged token is refused with
//! a clear code and leaves no account, identity or session behind.

mod common;

use common::TestApp;
use common::oidc::{self, Browser, IdTokenRecipe, RogueProvider, TestKey};
use reqwest::StatusCode;
use serde_json::json;

const KEY_1: TestKey = TestKey::new(1, "key-1");
const KEY_2: TestKey = TestKey::new(2, "key-2");

async fn start(keys: &[TestKey]) -> (TestApp, RogueProvider) {
    let rogue = RogueProvider::start(keys).await;
    let (listener, _) = oidc::bind().await;
    let app = oidc::spawn_app(listener, &rogue.issuer, |provider| {
        provider.api_audience = None;
    })
    .await;
    (app, rogue)
}

/// One sign-in through the rogue provider: the callback's status and the code it shows (empty
/// when it signed in).
async fn sign_in(app: &TestApp) -> (StatusCode, String) {
    let browser = Browser::new();
    let mut url = app.url("/auth/corp/login");
    for _ in 0..3 {
        let response = browser.get(&url).await;
        if !url.contains("/callback") {
            url = response.headers()["location"]
                .to_str()
                .expect("Location")
                .to_owned();
            continue;
        }
        let status = response.status();
        let page = response.text().await.expect("page");
        return (status, oidc::refusal_code(&page).unwrap_or_default());
    }
    panic!("the rogue provider did not send the browser back");
}

async fn people(app: &TestApp) -> (i64, i64) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use parvis::db::schema::{sessions, users};
    let mut conn = app.db().connect().await.expect("connect");
    (
        users::table.count().get_result(&mut conn).await.unwrap(),
        sessions::table.count().get_result(&mut conn).await.unwrap(),
    )
}

/// The sign-in is refused with `code`, and nobody is created or signed in.
async fn assert_refused(app: &TestApp, code: &str) {
    assert_eq!(
        sign_in(app).await,
        (StatusCode::BAD_REQUEST, code.to_owned())
    );
    assert_eq!(people(app).await, (0, 0));
}

/// Issues tokens whose claims `change` alters, then checks the sign-in is refused.
async fn assert_claims_refused(change: impl Fn(&mut serde_json::Value) + Send + Sync + 'static) {
    let (app, rogue) = start(&[KEY_1]).await;
    rogue.issue(move |context| {
        let mut claims = context.good_claims();
        change(&mut claims);
        IdTokenRecipe {
            header: KEY_1.header(),
            claims,
            key: Some(KEY_1),
        }
    });

    assert_refused(&app, "INVALID_ID_TOKEN").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_well_formed_id_token_signs_in() {
    let (app, _rogue) = start(&[KEY_1]).await;

    assert_eq!(sign_in(&app).await, (StatusCode::SEE_OTHER, String::new()));
    assert_eq!(people(&app).await, (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_for_another_audience_is_refused() {
    assert_claims_refused(|claims| claims["aud"] = json!("another-client")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_with_an_untrusted_extra_audience_is_refused() {
    assert_claims_refused(|claims| claims["aud"] = json!([oidc::CLIENT_ID, "another-client"]))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_authorised_for_another_party_is_refused() {
    assert_claims_refused(|claims| claims["azp"] = json!("another-client")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_from_another_issuer_is_refused() {
    assert_claims_refused(|claims| claims["iss"] = json!("https://evil.test")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_id_token_is_refused() {
    assert_claims_refused(|claims| {
        let past = chrono::Utc::now().timestamp() - 600;
        claims["iat"] = json!(past - 60);
        claims["exp"] = json!(past);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_issued_in_the_future_is_refused() {
    assert_claims_refused(|claims| claims["iat"] = json!(chrono::Utc::now().timestamp() + 3600))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_issued_long_ago_is_refused() {
    assert_claims_refused(|claims| claims["iat"] = json!(chrono::Utc::now().timestamp() - 7200))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_without_a_subject_is_refused() {
    assert_claims_refused(|claims| {
        claims.as_object_mut().expect("claims").remove("sub");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_without_the_nonce_is_refused() {
    assert_claims_refused(|claims| {
        claims.as_object_mut().expect("claims").remove("nonce");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_with_a_bad_signature_is_refused() {
    let (app, rogue) = start(&[KEY_1]).await;
    // Signed by key 2 but claiming key 1's kid: the signature does not verify.
    rogue.issue(|context| IdTokenRecipe {
        header: KEY_1.header(),
        claims: context.good_claims(),
        key: Some(TestKey::new(2, "key-1")),
    });

    assert_refused(&app, "INVALID_ID_TOKEN").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsigned_id_token_is_refused() {
    let (app, rogue) = start(&[KEY_1]).await;
    rogue.issue(|context| IdTokenRecipe {
        header: json!({ "alg": "none" }),
        claims: context.good_claims(),
        key: None,
    });

    assert_refused(&app, "INVALID_ID_TOKEN").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_without_kid_is_accepted_when_the_provider_has_one_key() {
    let unnamed = TestKey {
        number: 1,
        kid: None,
    };
    let (app, _rogue) = start(&[unnamed]).await;

    assert_eq!(sign_in(&app).await, (StatusCode::SEE_OTHER, String::new()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_without_kid_is_refused_when_the_provider_has_several_keys() {
    let (app, rogue) = start(&[KEY_1, KEY_2]).await;
    // Which key signed it cannot be told: refused rather than guessed.
    rogue.issue(|context| IdTokenRecipe {
        header: json!({ "alg": "RS256" }),
        claims: context.good_claims(),
        key: Some(KEY_1),
    });

    assert_refused(&app, "INVALID_ID_TOKEN").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rotated_keys_are_fetched_again_for_an_unknown_kid() {
    let (app, rogue) = start(&[KEY_1]).await;
    assert_eq!(sign_in(&app).await.0, StatusCode::SEE_OTHER);

    rogue.publish(&[KEY_2]);
    rogue.sign_with(KEY_2);

    assert_eq!(sign_in(&app).await, (StatusCode::SEE_OTHER, String::new()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kid_the_provider_does_not_publish_is_refused() {
    let (app, rogue) = start(&[KEY_1]).await;
    rogue.sign_with(KEY_2);

    assert_refused(&app, "INVALID_ID_TOKEN").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn userinfo_about_another_subject_is_refused() {
    let (app, rogue) = start(&[KEY_1]).await;
    rogue.userinfo_subject("someone-else");

    assert_refused(&app, "INVALID_USERINFO").await;
}
