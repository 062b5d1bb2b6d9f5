//! Traces over OTLP: `parvis serve --otlp-endpoint` sends spans of each request, GraphQL
//! operation, SQL statement and slow field to a collector (here one the test runs), continuing
//! the trace a client names in its W3C `traceparent` header.

mod common;

use std::process::Command;

use common::binary::{Server, serve, stop};
use common::otlp::{
    Collector, ReceivedSpan, SPAN_KIND_CLIENT, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER,
};
use serde_json::{Value, json};

/// The client's trace and span, as its own instrumentation would send them.
const CLIENT_TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN_ID: &str = "00f067aa0ba902b7";

/// A `traceparent` naming the client's span in `trace_id`; `sampled` is the client's decision.
fn traceparent(trace_id: &str, sampled: bool) -> String {
    let flags = if sampled { "01" } else { "00" };
    format!("00-{trace_id}-{CLIENT_SPAN_ID}-{flags}")
}

const BRANDING: &str = "query Branding { organization { name } }";

/// A server exporting to its own collector; spans are sent in batches, and at the latest when
/// the server stops.
struct TracedServer {
    server: Server,
    port: u16,
    collector: Collector,
}

impl TracedServer {
    async fn start(configure: impl FnOnce(&mut Command)) -> Self {
        let collector = Collector::start().await;
        let url = common::create_database().await;
        let (server, port, _) = serve(|command| {
            command
                .env("DATABASE_URL", &url)
                .args(["--otlp-endpoint", &collector.endpoint]);
            configure(command);
        });
        Self {
            server,
            port,
            collector,
        }
    }

    /// Posts a GraphQL request, with a `traceparent` header when given one.
    async fn graphql(&self, query: &str, traceparent: Option<&str>) -> Value {
        let mut request = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/graphql", self.port))
            .json(&json!({ "query": query }));
        if let Some(traceparent) = traceparent {
            request = request.header("traceparent", traceparent);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    /// Stops the server (cleanly, with nothing logged as an error: an export that failed would
    /// be) and returns every span the collector received.
    async fn stop(self) -> Vec<ReceivedSpan> {
        let server = self.server;
        tokio::task::spawn_blocking(move || stop(server))
            .await
            .unwrap();
        self.collector.spans()
    }
}

/// The spans of one request sent with the client's `traceparent`, once the server has stopped.
async fn spans_of(query: &str, configure: impl FnOnce(&mut Command)) -> Vec<ReceivedSpan> {
    let server = TracedServer::start(configure).await;
    let response = server
        .graphql(query, Some(&traceparent(CLIENT_TRACE_ID, true)))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    server.stop().await
}

fn request_span(spans: &[ReceivedSpan]) -> &ReceivedSpan {
    spans
        .iter()
        .find(|span| span.kind == SPAN_KIND_SERVER && span.name == "POST /graphql")
        .unwrap_or_else(|| panic!("no request span among {spans:#?}"))
}

fn operation_span<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|span| span.name == name)
        .unwrap_or_else(|| panic!("no span named {name:?} among {spans:#?}"))
}

fn statement_spans(spans: &[ReceivedSpan]) -> Vec<&ReceivedSpan> {
    spans
        .iter()
        .filter(|span| span.attribute("db.system.name") == "postgresql")
        .collect()
}

fn field_spans(spans: &[ReceivedSpan]) -> Vec<&ReceivedSpan> {
    spans
        .iter()
        .filter(|span| !span.attribute("graphql.field.name").is_null())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_request_span_continues_the_clients_trace() {
    let spans = spans_of(BRANDING, |_| {}).await;

    let request = request_span(&spans);
    assert_eq!(request.trace_id, CLIENT_TRACE_ID);
    assert_eq!(request.parent_span_id, CLIENT_SPAN_ID);
    assert_eq!(request.attribute("http.request.method"), "POST");
    assert_eq!(request.attribute("http.route"), "/graphql");
    assert_eq!(request.attribute("http.response.status_code"), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_without_traceparent_starts_a_trace_of_its_own() {
    let server = TracedServer::start(|_| {}).await;
    server.graphql(BRANDING, None).await;
    let spans = server.stop().await;

    let request = request_span(&spans);
    assert_eq!(request.parent_span_id, "");
    assert_ne!(request.trace_id, CLIENT_TRACE_ID);
    assert_eq!(request.trace_id.len(), 32, "{request:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trace_the_client_did_not_sample_is_not_exported() {
    let server = TracedServer::start(|_| {}).await;
    let unsampled_trace = "11111111111111111111111111111111";
    server
        .graphql(BRANDING, Some(&traceparent(unsampled_trace, false)))
        .await;
    server
        .graphql(BRANDING, Some(&traceparent(CLIENT_TRACE_ID, true)))
        .await;
    let spans = server.stop().await;

    assert!(
        spans.iter().any(|span| span.trace_id == CLIENT_TRACE_ID),
        "the sampled request is exported: {spans:#?}"
    );
    assert!(
        spans.iter().all(|span| span.trace_id != unsampled_trace),
        "{spans:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_graphql_operation_span_is_named_after_the_operation() {
    let spans = spans_of(BRANDING, |_| {}).await;

    let operation = operation_span(&spans, "query Branding");
    assert_eq!(operation.attribute("graphql.operation.name"), "Branding");
    assert_eq!(operation.attribute("graphql.operation.type"), "query");
    assert_eq!(operation.kind, SPAN_KIND_INTERNAL);
    assert_eq!(operation.trace_id, CLIENT_TRACE_ID);
    assert_eq!(operation.parent_span_id, request_span(&spans).span_id);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_sql_statement_is_a_span_under_the_operation() {
    let spans = spans_of(BRANDING, |_| {}).await;

    let operation = operation_span(&spans, "query Branding");
    let statements = statement_spans(&spans);
    assert!(!statements.is_empty(), "no statement span in {spans:#?}");
    for statement in statements {
        assert_eq!(statement.kind, SPAN_KIND_CLIENT);
        assert_eq!(statement.parent_span_id, operation.span_id, "{statement:?}");
        assert_eq!(statement.trace_id, CLIENT_TRACE_ID);
        assert!(
            statement.attribute("db.query.text").is_string(),
            "{statement:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn statement_spans_carry_placeholders_not_the_values_bound_to_them() {
    let identifier = "ghost.b7f3e1";
    let sign_in = format!(
        r#"mutation SignIn {{ signIn(input: {{ identifier: "{identifier}", password: "not a password" }}) {{ sessionExpiresAt }} }}"#
    );
    let server = TracedServer::start(|_| {}).await;
    let response = server
        .graphql(&sign_in, Some(&traceparent(CLIENT_TRACE_ID, true)))
        .await;
    assert_eq!(
        common::error_code(&response),
        "BAD_USER_INPUT",
        "{response}"
    );
    let spans = server.stop().await;

    let texts: Vec<&str> = statement_spans(&spans)
        .iter()
        .filter_map(|span| span.attribute("db.query.text").as_str())
        .collect();
    assert!(
        texts.iter().any(|text| text.contains("$1")),
        "the lookup binds the identifier: {texts:#?}"
    );
    assert!(
        texts.iter().all(|text| !text.contains(identifier)),
        "{texts:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_slower_than_the_threshold_gets_a_span_under_the_operation() {
    let spans = spans_of(BRANDING, |command| {
        // Every field is "slow" at 0 ms.
        command.args(["--otlp-slow-field-ms", "0"]);
    })
    .await;

    let operation = operation_span(&spans, "query Branding");
    let field = operation_span(&spans, "Query.organization");
    assert_eq!(field.attribute("graphql.field.path"), "organization");
    assert_eq!(field.attribute("graphql.field.type"), "Organization!");
    assert_eq!(field.parent_span_id, operation.span_id);
}

#[tokio::test(flavor = "multi_thread")]
async fn fields_faster_than_the_threshold_get_no_span() {
    let spans = spans_of(BRANDING, |command| {
        command.args(["--otlp-slow-field-ms", "60000"]);
    })
    .await;

    operation_span(&spans, "query Branding");
    assert_eq!(field_spans(&spans).len(), 0, "{spans:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn spans_name_the_service_and_its_version() {
    let spans = spans_of(BRANDING, |_| {}).await;

    let resource = &request_span(&spans).resource;
    assert_eq!(resource["service.name"], "parvis");
    assert_eq!(resource["service.version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test(flavor = "multi_thread")]
async fn spans_are_sent_while_the_server_runs() {
    let server = TracedServer::start(|command| {
        command.env("OTEL_BSP_SCHEDULE_DELAY", "100");
    })
    .await;
    server
        .graphql(BRANDING, Some(&traceparent(CLIENT_TRACE_ID, true)))
        .await;

    common::wait_until(
        || async {
            server
                .collector
                .spans()
                .iter()
                .any(|span| span.name == "POST /graphql")
        },
        "the request span, before the server stops",
    )
    .await;
    server.stop().await;
}
