//! GraphQL over HTTP: the spec's media types and methods, bad input, and query limits.

mod common;

use common::{TestApp, error_code};
use reqwest::StatusCode;
use serde_json::{Value, json};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn post_raw(
    app: &TestApp,
    content_type: &str,
    accept: &str,
    body: &str,
) -> reqwest::Response {
    app.http
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .header("accept", accept)
        .body(body.to_owned())
        .send()
        .await
        .expect("send")
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_graphql_response_json_when_asked() {
    let app = TestApp::spawn().await;
    let response = post_raw(
        &app,
        "application/json",
        GRAPHQL_RESPONSE,
        r#"{"query":"{ __typename }"}"#,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(GRAPHQL_RESPONSE)
    );
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "data": { "__typename": "Query" } })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_application_json_to_legacy_clients() {
    let app = TestApp::spawn().await;
    let response = post_raw(
        &app,
        "application/json",
        "application/json",
        r#"{"query":"{ __typename }"}"#,
    )
    .await;
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_an_unacceptable_accept_header_with_406() {
    let app = TestApp::spawn().await;
    let response = post_raw(
        &app,
        "application/json",
        "text/html",
        r#"{"query":"{ __typename }"}"#,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_is_a_400_with_a_graphql_error() {
    let app = TestApp::spawn().await;
    let response = post_raw(&app, "application/json", GRAPHQL_RESPONSE, r#"{"query": "#).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_content_type_is_a_415() {
    let app = TestApp::spawn().await;
    let response = post_raw(
        &app,
        "text/plain",
        GRAPHQL_RESPONSE,
        r#"{"query":"{ __typename }"}"#,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_body_is_a_413_naming_the_limit() {
    let app = TestApp::spawn_configured(|config| config.body_limit = 1024).await;
    let query = format!(
        r#"{{"query":"{{ __typename }}", "variables": {{"x": "{}"}}}}"#,
        "a".repeat(2048)
    );
    let response = post_raw(&app, "application/json", GRAPHQL_RESPONSE, &query).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1024 bytes")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_runs_queries() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(app.url("/graphql"))
        .query(&[("query", "{ __typename }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap()["data"]["__typename"],
        "Query"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mutation_over_get_is_refused_with_405() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { logout { endedSession } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test(flavor = "multi_thread")]
async fn validation_failure_is_a_400_for_graphql_response_json() {
    let app = TestApp::spawn().await;
    let response = post_raw(
        &app,
        "application/json",
        GRAPHQL_RESPONSE,
        r#"{"query":"{ noSuchField }"}"#,
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let legacy = post_raw(
        &app,
        "application/json",
        "application/json",
        r#"{"query":"{ noSuchField }"}"#,
    )
    .await;
    assert_eq!(legacy.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_out_clients_get_no_field_suggestions_and_no_introspection() {
    let app = TestApp::spawn().await;
    let misspelt = app.graphql(None, "{ viewr { id } }", json!({})).await;
    let message = misspelt["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    let introspection = app
        .graphql(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        introspection["data"]["__schema"].is_null(),
        "{introspection}"
    );

    let user = app.member("ada").await;
    let introspection = app
        .graphql(Some(&user), "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        introspection["data"]["__schema"]["types"].is_array(),
        "{introspection}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_introspection_query_fits_within_the_limits() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let response = app.graphql(Some(&user), INTROSPECTION, json!({})).await;
    assert!(response["errors"].is_null(), "{response}");
}

#[tokio::test(flavor = "multi_thread")]
async fn too_deep_queries_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let nested = |levels: usize| {
        format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
            "ofType { ".repeat(levels),
            "} ".repeat(levels)
        )
    };
    assert!(app.graphql(Some(&user), &nested(8), json!({})).await["errors"].is_null());
    let response = app.graphql(Some(&user), &nested(12), json!({})).await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn too_costly_queries_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let costly = "{ a: users(first: 100) { edges { node { id displayName title department site email phone bio locale timeZone orgRole status createdAt updatedAt viewerCanEdit username } } } b: users(first: 100) { edges { node { id displayName title department site email phone bio locale timeZone orgRole status createdAt updatedAt viewerCanEdit username } } } c: users(first: 100) { edges { node { id displayName title department site email phone bio locale timeZone orgRole status createdAt updatedAt viewerCanEdit username } } } }";
    let response = app.graphql(Some(&user), costly, json!({})).await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("complex"),
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_aliases_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let aliases: String = (0..16).map(|i| format!("a{i}: __typename ")).collect();
    let response = app
        .graphql(Some(&user), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("16 aliases")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_tokens_are_refused_before_parsing() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let query = format!("{{ __typename {} }}", "@skip(if: false) ".repeat(400));
    let response = app.graphql(Some(&user), &query, json!({})).await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("tokens"),
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_are_limited() {
    let app = TestApp::spawn().await;
    let batch: Vec<Value> = (0..11)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let response = post_raw(
        &app,
        "application/json",
        GRAPHQL_RESPONSE,
        &Value::from(batch).to_string(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let small: Vec<Value> = (0..2)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let response = post_raw(
        &app,
        "application/json",
        GRAPHQL_RESPONSE,
        &Value::from(small).to_string(),
    )
    .await;
    assert_eq!(
        response
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert!(!response.headers()["x-request-id"].is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.graphql(None, "{ __typename }", json!({})).await;
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("parvis_graphql_requests_total{operation_type=\"query\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("parvis_db_pool_connections"), "{metrics}");
    assert!(metrics.contains("parvis_websocket_clients"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_is_served_without_any_external_host() {
    let app = TestApp::spawn().await;
    let page = app
        .http
        .get(app.url("/graphiql"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/graphiql/assets/graphiql.js"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    for asset in ["react.js", "react-dom.js", "graphiql.js", "graphiql.css"] {
        let response = app
            .http
            .get(app.url(&format!("/graphiql/assets/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert!(
            response.bytes().await.unwrap().len() > 10_000,
            "{asset} is not the real bundle"
        );
    }
}

/// The introspection query GraphiQL 3 sends.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn cors_allows_only_configured_origins_with_credentials() {
    let app = TestApp::spawn_configured(|config| {
        config.cors_allowed_origins = vec!["https://intranet.example.com".into()]
    })
    .await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://intranet.example.com").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://intranet.example.com"
    );
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
