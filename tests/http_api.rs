//! GraphQL over HTTP: the spec's media types and methods, bad input, and query limits.

mod common;

use std::sync::Arc;

use common::{TestApp, error_code};
use futures::StreamExt;
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
        .query(&[("query", "mutation { signOut { endedSession } }")])
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
    let body = response.json::<Value>().await.unwrap();
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED");
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
    assert_eq!(error_code(&introspection), "UNAUTHENTICATED");
    assert!(introspection.get("data").is_none(), "{introspection}");
    let through_a_fragment = app
        .graphql(
            None,
            "query { ...Root } fragment Root on Query { __type(name: \"User\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&through_a_fragment), "UNAUTHENTICATED");

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
    assert_eq!(
        response["errors"][0]["message"], "The query is nested 17 levels deep; the limit is 15.",
        "{response}"
    );
    assert_eq!(response["errors"][0]["extensions"]["limit"], 15);
    assert_eq!(response["errors"][0]["extensions"]["measured"], 17);
}

#[tokio::test(flavor = "multi_thread")]
async fn too_costly_queries_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let costly = "{ a: users(first: 100) { edges { node { id displayName title department site email phone bio locale timeZone orgRole status createdAt updatedAt viewerCanEdit username } } } b: users(first: 100) { edges { node { id displayName title department site email phone bio locale timeZone orgRole status createdAt updatedAt viewerCanEdit username } } } c: users(first: 100) { edges { node { id displayName title department site email phone bio locale timeZone orgRole status createdAt updatedAt viewerCanEdit username } } } }";
    let response = app.graphql(Some(&user), costly, json!({})).await;
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("The query's complexity is 5403 ")
            && message.ends_with("the limit is 5000."),
        "{response}"
    );
    assert_eq!(response["errors"][0]["extensions"]["measured"], 5403);
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

/// Each server remembers the documents it parsed lately: one sent again is still checked against
/// every limit.
#[tokio::test(flavor = "multi_thread")]
async fn a_document_over_a_limit_is_refused_each_time_it_is_sent() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let aliases: String = (0..16).map(|i| format!("a{i}: __typename ")).collect();
    let query = format!("{{ {aliases} }}");
    for _ in 0..2 {
        let response = app.graphql(Some(&user), &query, json!({})).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_tokens_are_refused_before_parsing() {
    let app = TestApp::spawn().await;
    let user = app.member("ada").await;
    let query = format!("{{ __typename {} }}", "@skip(if: false) ".repeat(400));
    let response = app.graphql(Some(&user), &query, json!({})).await;
    assert_eq!(
        response["errors"][0]["message"], "The query has 2803 tokens; the limit is 2000.",
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
    let refusal = response.json::<Value>().await.unwrap();
    assert_eq!(
        refusal["errors"][0]["message"],
        "The batch holds 11 operations; the limit is 10."
    );
    assert_eq!(refusal["errors"][0]["extensions"]["limit"], 10);
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
    app.graphql(None, "query WhoAmI { __typename }", json!({}))
        .await;
    app.graphql(None, "{ shoeSize }", json!({})).await;
    let scrape = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let metrics = scrape.text().await.unwrap();
    // The invalid query counts too: it parsed as a query.
    for line in [
        "parvis_graphql_requests_total{operation_type=\"query\",operation_name=\"anonymous\"} 2",
        "parvis_graphql_requests_total{operation_type=\"query\",operation_name=\"WhoAmI\"} 1",
        "parvis_graphql_errors_total{code=\"GRAPHQL_VALIDATION_FAILED\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    for family in [
        "parvis_db_pool_connections",
        "parvis_db_statements_total",
        "parvis_db_pool_wait_seconds_bucket",
        "parvis_websocket_clients",
        "parvis_websocket_operations",
        "parvis_process{measure=\"resident_memory_bytes\"}",
    ] {
        assert!(metrics.contains(family), "{family} in {metrics}");
    }
    let checkouts: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("parvis_db_pool_wait_seconds_count "))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no pool wait count in {metrics}"));
    assert!(checkouts > 0, "the requests above checked connections out");
    let openmetrics = app
        .http
        .get(app.url("/metrics"))
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .unwrap();
    assert!(
        openmetrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_is_served_without_any_external_host() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.url("/graphiql")).send().await.unwrap();
    let policy = response.headers()["content-security-policy"].clone();
    let page = response.text().await.unwrap();
    assert!(page.contains("/graphiql/assets/graphiql.js"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    assert!(page.contains("/graphiql/assets/graphiql.css"));
    // GraphiQL with the Monaco editor, its stylesheet, and the editor's web workers.
    for (asset, content_type) in [
        ("graphiql.js", "text/javascript; charset=utf-8"),
        ("graphiql.css", "text/css; charset=utf-8"),
        ("editor.worker.js", "text/javascript; charset=utf-8"),
        ("json.worker.js", "text/javascript; charset=utf-8"),
        ("graphql.worker.js", "text/javascript; charset=utf-8"),
    ] {
        let response = app
            .http
            .get(app.url(&format!("/graphiql/assets/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert_eq!(response.headers()["content-type"], content_type, "{asset}");
        let body = response.text().await.unwrap();
        assert!(body.len() > 100_000, "{asset} is not the real bundle");
        for cdn in ["esm.sh", "unpkg.com", "jsdelivr.net", "googleapis.com"] {
            assert!(!body.contains(cdn), "{asset} loads from {cdn}");
        }
    }
    // Monaco's workers come from /graphiql/assets/ too.
    let policy = policy.to_str().unwrap();
    assert!(policy.contains("worker-src 'self'"), "{policy}");
    assert!(
        !policy.contains("http") && !policy.contains('*'),
        "{policy}"
    );
    assert!(page.contains("/graphiql/assets/favicon.svg"));
    let favicon = app
        .http
        .get(app.url("/graphiql/assets/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(favicon.headers()["content-type"], "image/svg+xml");
}

/// The introspection query GraphiQL 5 sends (graphql-js 16.15's `getIntrospectionQuery()`): nine
/// `ofType` levels, so `fields { args { type } }` reaches depth 15, the limit.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name kind } mutationType { name kind } subscriptionType { name kind }
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
  ofType { name kind ofType { name kind ofType { name kind ofType { name kind ofType { name kind ofType { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } } } } }
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

#[tokio::test(flavor = "multi_thread")]
async fn cors_lets_client_instrumentation_headers_through_and_exposes_the_request_id() {
    let origin = "https://intranet.example.com";
    let app =
        TestApp::spawn_configured(|config| config.cors_allowed_origins = vec![origin.into()]).await;
    let instrumentation = "apollographql-client-name,apollographql-client-version,traceparent,\
                           tracestate,baggage,sentry-trace,x-request-id";
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", instrumentation)
        .send()
        .await
        .unwrap();
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_owned();
    for header in instrumentation.split(',') {
        assert!(allowed.contains(header), "{header} not in {allowed}");
    }
    let response = app
        .http
        .post(app.url("/graphql"))
        .header("origin", origin)
        .header("x-request-id", "trace-me-42")
        .json(&serde_json::json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-expose-headers"],
        "x-request-id"
    );
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
}

/// Fragments that each spread the previous one `fan_out` times: a few hundred bytes that expand
/// to `fan_out ^ levels` selections.
fn fragment_bomb(levels: usize, fan_out: usize) -> String {
    let mut document = String::from("query { ...F0 }\nfragment F0 on Query { __typename }\n");
    for level in 1..=levels {
        let spreads = format!("...F{} ", level - 1).repeat(fan_out);
        document.push_str(&format!("fragment F{level} on Query {{ {spreads}}}\n"));
    }
    document.replace("query { ...F0 }", &format!("query {{ ...F{levels} }}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn fragment_bombs_are_refused_before_validation() {
    let app = TestApp::spawn().await;
    let started = std::time::Instant::now();
    let response = app.graphql(None, &fragment_bomb(30, 2), json!({})).await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fragments are expanded"),
        "{response}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let small = app.graphql(None, &fragment_bomb(3, 2), json!({})).await;
    assert!(small["errors"].is_null(), "{small}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fragment_that_spreads_itself_is_refused() {
    let app = TestApp::spawn().await;
    let cycle =
        "query { ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }";
    let response = app.graphql(None, cycle, json!({})).await;
    assert_eq!(
        error_code(&response),
        "GRAPHQL_VALIDATION_FAILED",
        "{response}"
    );
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("spreads itself"),
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_block_string_does_not_hide_the_tokens_after_it() {
    let app = TestApp::spawn().await;
    let query = format!(
        "{{ __typename(a: \"\"\"a \" quote\"\"\") {} }}",
        "__typename ".repeat(50_000)
    );
    let response = app.graphql(None, &query, json!({})).await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("The query has 50008 tokens;"),
        "{response}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn operations_past_their_time_budget_end_with_timeout() {
    let app = TestApp::spawn_configured(|config| {
        config.limits.max_execution_time = std::time::Duration::ZERO;
    })
    .await;
    let user = app.member("ada").await;
    let response = app
        .graphql(Some(&user), "{ users(first: 5) { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&response), "TIMEOUT", "{response}");
    let instant = app.graphql(Some(&user), "{ __typename }", json!({})).await;
    assert!(instant["errors"].is_null(), "{instant}");
}

/// Documents built to be expensive, of every shape we know, each sent signed out and signed in.
fn hostile_documents() -> Vec<String> {
    use rand::{Rng, SeedableRng};
    let mut documents = vec![
        fragment_bomb(40, 2),
        fragment_bomb(12, 5),
        fragment_bomb(300, 1),
        format!("{{ {} }}", "... on Query { ".repeat(40) + &"}".repeat(40)),
        format!(
            "{{ {}__typename{} }}",
            "__schema { types { ".repeat(20),
            " } }".repeat(20)
        ),
        format!("{{ {} }}", "a: __typename ".repeat(1_500)),
        format!("{{ __typename {} }}", "@include(if: true) ".repeat(1_000)),
        format!(
            "{{ __typename(a: \"\"\"{}\"\"\") }}",
            "\\\"\"\"".repeat(100_000)
        ),
        format!("{{ __typename(a: \"{}\") }}", "\\u00e9".repeat(100_000)),
        format!("{{ __typename(a: [{}]) }}", "[".repeat(5_000)),
        format!(
            "query ({}) {{ __typename }}",
            "$v: [[[[Int]]]] ".repeat(300)
        ),
        format!("{{ __typename }} {}", "# comment\n".repeat(50_000)),
        "{ __typename(a: \"unterminated".repeat(10_000),
        "é🎉\u{202e}".repeat(30_000),
    ];
    let soup = [
        "{",
        "}",
        "(",
        ")",
        "...",
        "F",
        "on",
        "Query",
        ":",
        "$",
        "@",
        "\"\"\"",
        "\"",
        "[",
        "]",
        "__typename",
        "fragment",
        "query",
        "=",
        "!",
        "1e999",
        "#",
        "\n",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    for _ in 0..40 {
        let length = rng.random_range(1..3_000);
        documents.push(
            (0..length)
                .map(|_| soup[rng.random_range(0..soup.len())])
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    documents
}

/// The guarantee behind the document limits: whatever the document, a request ends quickly with
/// an answer (never a 5xx) and the server stays responsive to others meanwhile.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_documents_are_answered_quickly_and_the_server_stays_responsive() {
    let app = Arc::new(TestApp::spawn().await);
    let user = Arc::new(app.member("ada").await);
    // Generous for an unoptimised build on a busy machine: what it guards against is a request
    // that never ends (a fragment bomb took minutes before the expansion bound).
    let bound = std::time::Duration::from_secs(5);
    let probe = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut slowest = std::time::Duration::ZERO;
            for _ in 0..40 {
                let started = std::time::Instant::now();
                let status = app
                    .http
                    .get(app.url("/healthz"))
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, StatusCode::OK);
                slowest = slowest.max(started.elapsed());
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            slowest
        })
    };
    let requests = hostile_documents().into_iter().flat_map(|document| {
        [None, Some(user.clone())].map(|viewer| {
            let (app, document) = (app.clone(), document.clone());
            async move {
                let started = std::time::Instant::now();
                let mut request = app
                    .http
                    .post(app.url("/graphql"))
                    .header("content-type", "application/json")
                    .body(json!({ "query": document }).to_string());
                if let Some(viewer) = &viewer {
                    request = request.bearer_auth(&viewer.token);
                }
                let response = request.send().await.expect("an answer");
                let status = response.status();
                let body: Value = response.json().await.expect("a JSON body");
                let elapsed = started.elapsed();
                assert!(
                    !status.is_server_error()
                        && body["errors"][0]["extensions"]["code"] != "INTERNAL_SERVER_ERROR",
                    "{status} {body} for {}",
                    document.chars().take(200).collect::<String>()
                );
                assert!(
                    elapsed < bound,
                    "{elapsed:?} for {}",
                    document.chars().take(200).collect::<String>()
                );
            }
        })
    });
    futures::stream::iter(requests)
        .buffer_unordered(4)
        .collect::<Vec<()>>()
        .await;
    let slowest_health = probe.await.unwrap();
    assert!(
        slowest_health < std::time::Duration::from_secs(1),
        "/healthz took {slowest_health:?} under hostile load"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_signed_out_asks_to_sign_in_with_the_demo_credentials() {
    let app = TestApp::spawn_configured(|config| config.demo = true).await;
    let output = tokio::process::Command::new("node")
        .arg(common::js::js_dir().join("graphiql-signed-out.mjs"))
        .arg(app.url(""))
        .output()
        .await
        .expect("node runs the browser script");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    // The response pane (Monaco) wraps long lines wherever its width says, at spaces or after dots.
    let unwrapped = |text: &str| text.split_whitespace().collect::<String>();
    let response = unwrapped(shown["response"].as_str().unwrap());
    assert!(
        response.contains(&unwrapped("Sign in to explore the schema")),
        "{shown}"
    );
    assert!(response.contains("helene.dubois"), "{shown}");
    let text = shown["text"].as_str().unwrap();
    assert!(!text.contains("    at "), "a stack trace: {text}");
    assert_eq!(shown["icon"], "/graphiql/assets/favicon.svg");
}
