//! Identity providers for the single sign-on tests: the real, certified `oidc-provider` (npm) run
//! as a child process, a browser that signs in through it over plain HTTP, and a deliberately
//! misbehaving provider that hands out ID tokens signed with test keys, for the cases a
//! standards-compliant provider cannot be made to produce.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey};
use openidconnect::{JsonWebKeyId, PrivateSigningKey};
use parvis::config::AppConfig;
use parvis::sso::{ProviderConfig, SsoConfig};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};

use super::TestApp;

pub const PROVIDER_ID: &str = "corp";
pub const CLIENT_ID: &str = "parvis";
pub const CLIENT_SECRET: &str = "parvis-test-secret";
pub const API_AUDIENCE: &str = "https://parvis.test/graphql";

/// A running `oidc-provider`; it exits when this is dropped (its stdin closes).
pub struct OidcProvider {
    pub issuer: String,
    _process: Child,
}

impl OidcProvider {
    /// Starts the provider with one client registered for `app_url` and the given accounts
    /// (`{ "<sub>": { claims } }`).
    pub async fn start(app_url: &str, accounts: Value) -> Self {
        let config = json!({
            "clients": [{
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [format!("{app_url}/auth/{PROVIDER_ID}/callback")],
                "post_logout_redirect_uris": [format!("{app_url}/login")],
            }],
            "accounts": accounts,
            "api_audience": API_AUDIENCE,
        });
        let dir = tokio::task::spawn_blocking(super::js::js_dir)
            .await
            .expect("install the npm packages");
        let mut process = Command::new("node")
            .arg("oidc-provider.mjs")
            .arg(config.to_string())
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the OpenID provider");
        let stdout = process.stdout.take().expect("provider stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the provider starts within 30 s")
            .expect("read the provider's stdout")
            .expect("the provider prints READY");
        let issuer = ready
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("unexpected provider output: {ready}"))
            .to_owned();
        Self {
            issuer,
            _process: process,
        }
    }

    /// A JWT access token minted by the provider's test endpoint with its published key.
    pub async fn access_token(&self, request: Value) -> String {
        let response: Value = reqwest::Client::new()
            .post(format!("{}/test/access-token", self.issuer))
            .json(&request)
            .send()
            .await
            .expect("mint an access token")
            .json()
            .await
            .expect("JSON");
        response["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }
}

/// Parvis's configuration for a provider at `issuer` (the test client, the API audience).
pub fn provider_config(issuer: &str) -> ProviderConfig {
    toml::from_str(&format!(
        r#"id = "{PROVIDER_ID}"
           name = "Corp SSO"
           issuer = "{issuer}"
           client_id = "{CLIENT_ID}"
           client_secret = "{CLIENT_SECRET}"
           scopes = ["openid", "email", "profile", "groups", "org"]
           api_audience = "{API_AUDIENCE}"
           [claims]
           title = "job_title"
           department = "department"
           site = "site""#
    ))
    .expect("a provider configuration")
}

/// A Parvis server signing in through `issuer`, with `customise` applied to the provider.
pub async fn spawn_app(
    listener: TcpListener,
    issuer: &str,
    customise: impl FnOnce(&mut ProviderConfig),
) -> TestApp {
    let mut provider = provider_config(issuer);
    customise(&mut provider);
    TestApp::spawn_on(listener, move |config: &mut AppConfig| {
        config.sso = SsoConfig {
            providers: vec![provider],
        };
        config.jwks_refresh_interval = Duration::ZERO;
    })
    .await
}

pub async fn bind() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    (listener, url)
}

/// A cookie-keeping HTTP client that does not follow redirects, as a test drives each hop.
pub struct Browser {
    pub http: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent("Parvis-Test-Browser/1.0")
                .build()
                .expect("a browser"),
        }
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.http.get(url).send().await.expect("GET")
    }

    /// Starts a sign-in at Parvis, signs in at the provider as `login` (login form, then consent)
    /// and returns the callback URL the provider sends the browser to, not yet visited.
    pub async fn callback_url(&self, app: &TestApp, login: &str) -> String {
        self.callback_url_from(&app.url(&format!("/auth/{PROVIDER_ID}/login")), login)
            .await
    }

    pub async fn callback_url_from(&self, start: &str, login: &str) -> String {
        let callback_prefix = format!("/auth/{PROVIDER_ID}/callback");
        let mut url = start.to_owned();
        for _ in 0..12 {
            let response = self.get(&url).await;
            if response.status() == StatusCode::OK && url.contains("/interaction/") {
                let page = response.text().await.expect("interaction page");
                let form: Vec<(&str, &str)> = if page.contains("name=\"login\"") {
                    vec![("prompt", "login"), ("login", login), ("password", "x")]
                } else {
                    vec![("prompt", "consent")]
                };
                let posted = self
                    .http
                    .post(&url)
                    .form(&form)
                    .send()
                    .await
                    .expect("POST the interaction form");
                url = next_location(&url, &posted);
                continue;
            }
            assert!(
                response.status().is_redirection(),
                "unexpected {} at {url}",
                response.status()
            );
            url = next_location(&url, &response);
            if url.contains(&callback_prefix) {
                return url;
            }
        }
        panic!("the sign-in did not come back to Parvis");
    }

    /// Signs in all the way; returns the response of the callback.
    pub async fn sign_in(&self, app: &TestApp, login: &str) -> reqwest::Response {
        let callback = self.callback_url(app, login).await;
        self.get(&callback).await
    }

    pub async fn graphql(&self, app: &TestApp, query: &str) -> Value {
        self.http
            .post(app.url("/graphql"))
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("GraphQL request")
            .json()
            .await
            .expect("JSON")
    }
}

fn next_location(current: &str, response: &reqwest::Response) -> String {
    let location = response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location after {current}: {}", response.status()))
        .to_str()
        .expect("Location");
    url::Url::parse(current)
        .and_then(|base| base.join(location))
        .expect("a URL")
        .to_string()
}

/// The code a refusal page shows (`<code>INVALID_STATE</code>`).
pub fn refusal_code(page: &str) -> Option<String> {
    page.split("<code>")
        .nth(1)?
        .split("</code>")
        .next()
        .map(str::to_owned)
}

/// Replaces (or, with `None`, removes) one query parameter of a URL.
pub fn with_param(url: &str, name: &str, value: Option<&str>) -> String {
    let mut parsed = url::Url::parse(url).expect("a URL");
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| key != name)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    {
        let mut query = parsed.query_pairs_mut();
        query.clear();
        for (key, value) in &pairs {
            query.append_pair(key, value);
        }
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    parsed.to_string()
}

pub fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// One of the fixture RSA keys (tests/fixtures, PKCS#1 PEM), published under `kid` (or none).
#[derive(Debug, Clone, Copy)]
pub struct TestKey {
    pub number: u8,
    pub kid: Option<&'static str>,
}

impl TestKey {
    pub const fn new(number: u8, kid: &'static str) -> Self {
        Self {
            number,
            kid: Some(kid),
        }
    }

    pub fn signing_key(self) -> CoreRsaPrivateSigningKey {
        let pem = std::fs::read_to_string(format!(
            "{}/tests/fixtures/idp-key-{}.pem",
            env!("CARGO_MANIFEST_DIR"),
            self.number
        ))
        .expect("a test key");
        CoreRsaPrivateSigningKey::from_pem(&pem, self.kid.map(|kid| JsonWebKeyId::new(kid.into())))
            .expect("a PKCS#1 RSA key")
    }

    /// The JOSE header of a token this key signs.
    pub fn header(self) -> Value {
        match self.kid {
            Some(kid) => json!({ "alg": "RS256", "kid": kid }),
            None => json!({ "alg": "RS256" }),
        }
    }
}

/// How the rogue provider forges the ID token for the nonce Parvis sent.
pub struct IdTokenRecipe {
    /// The JOSE header.
    pub header: Value,
    pub claims: Value,
    /// Signs with this key; `None` leaves the signature empty (`alg: none`).
    pub key: Option<TestKey>,
}

type Recipe = Box<dyn Fn(&RogueContext) -> IdTokenRecipe + Send + Sync>;

/// What the recipe knows of the sign-in in progress.
pub struct RogueContext {
    pub issuer: String,
    pub nonce: String,
}

impl RogueContext {
    /// The claims a well-behaved provider would put in the ID token.
    pub fn good_claims(&self) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.issuer,
            "sub": "rogue-1",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce,
            "email": "rita@example.com",
            "name": "Rita Rogue",
        })
    }
}

struct RogueState {
    issuer: String,
    nonce: Mutex<String>,
    jwks: Mutex<CoreJsonWebKeySet>,
    recipe: Mutex<Recipe>,
    userinfo_sub: Mutex<String>,
}

/// A provider that follows the protocol's shape but lets a test choose every byte of the ID
/// token, the published keys and the userinfo subject.
pub struct RogueProvider {
    pub issuer: String,
    state: Arc<RogueState>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RogueProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl RogueProvider {
    /// Publishes `keys` and issues well-formed ID tokens signed with the first, until told
    /// otherwise.
    pub async fn start(keys: &[TestKey]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(RogueState {
            issuer: issuer.clone(),
            nonce: Mutex::default(),
            jwks: Mutex::new(CoreJsonWebKeySet::new(Vec::new())),
            recipe: Mutex::new(Box::new(|_| unreachable!("set by publish"))),
            userinfo_sub: Mutex::new("rogue-1".into()),
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(rogue_discovery))
            .route("/authorize", get(rogue_authorize))
            .route("/token", post(rogue_token))
            .route("/userinfo", get(rogue_userinfo))
            .route("/jwks", get(rogue_jwks))
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let rogue = Self {
            issuer,
            state,
            server,
        };
        rogue.publish(keys);
        rogue.sign_with(keys[0]);
        rogue
    }

    /// Replaces the published JWKS (key rotation).
    pub fn publish(&self, keys: &[TestKey]) {
        *self.state.jwks.lock().unwrap() = CoreJsonWebKeySet::new(
            keys.iter()
                .map(|key| key.signing_key().as_verification_key())
                .collect(),
        );
    }

    /// Issues well-formed ID tokens signed with `key`.
    pub fn sign_with(&self, key: TestKey) {
        self.issue(move |context| IdTokenRecipe {
            header: key.header(),
            claims: context.good_claims(),
            key: Some(key),
        });
    }

    pub fn issue(&self, recipe: impl Fn(&RogueContext) -> IdTokenRecipe + Send + Sync + 'static) {
        *self.state.recipe.lock().unwrap() = Box::new(recipe);
    }

    pub fn userinfo_subject(&self, sub: &str) {
        *self.state.userinfo_sub.lock().unwrap() = sub.into();
    }
}

/// The compact JWT for a recipe.
pub fn forge(recipe: &IdTokenRecipe) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(recipe.header.to_string()),
        URL_SAFE_NO_PAD.encode(recipe.claims.to_string())
    );
    let signature = recipe
        .key
        .as_ref()
        .map(|key| {
            key.signing_key()
                .sign(
                    &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                    input.as_bytes(),
                )
                .expect("sign")
        })
        .unwrap_or_default();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

async fn rogue_discovery(State(state): State<Arc<RogueState>>) -> impl IntoResponse {
    let issuer = &state.issuer;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "authorization_response_iss_parameter_supported": true,
    }))
}

/// Signs the person in at once: straight back to Parvis with a code.
async fn rogue_authorize(
    State(state): State<Arc<RogueState>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> impl IntoResponse {
    *state.nonce.lock().unwrap() = query.get("nonce").cloned().unwrap_or_default();
    let mut target = url::Url::parse(&query["redirect_uri"]).expect("redirect_uri");
    target
        .query_pairs_mut()
        .append_pair("code", "rogue-code")
        .append_pair("state", &query["state"])
        .append_pair("iss", &state.issuer);
    Redirect::to(target.as_str())
}

async fn rogue_token(State(state): State<Arc<RogueState>>) -> impl IntoResponse {
    let context = RogueContext {
        issuer: state.issuer.clone(),
        nonce: state.nonce.lock().unwrap().clone(),
    };
    let id_token = forge(&(state.recipe.lock().unwrap())(&context));
    Json(json!({
        "access_token": "rogue-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
}

async fn rogue_userinfo(State(state): State<Arc<RogueState>>) -> impl IntoResponse {
    Json(json!({
        "sub": state.userinfo_sub.lock().unwrap().clone(),
        "email": "rita@example.com",
        "name": "Rita Rogue",
    }))
}

async fn rogue_jwks(State(state): State<Arc<RogueState>>) -> impl IntoResponse {
    Json(serde_json::to_value(&*state.jwks.lock().unwrap()).expect("jwks"))
}
