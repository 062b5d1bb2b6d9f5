//! The span of each HTTP request: its line in the log and, when traces are exported, the server
//! span of its trace, continuing the client's trace when the request carries a W3C `traceparent`.

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response, StatusCode};
use opentelemetry::trace::{Status, TraceContextExt};
use tower_http::trace::{DefaultOnResponse, OnResponse};
use tracing::Span;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::REQUEST_ID_HEADER;
use crate::telemetry;

pub fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|id| id.to_str().ok())
        .unwrap_or_default();
    // GraphQL requests fill in the operation, the viewer and the error codes, so each request's
    // log line says what it was and how it went. The trace fields stay empty (and out of the
    // log) unless traces are exported.
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id,
        operation = Empty,
        viewer = Empty,
        error_codes = Empty,
        trace_id = Empty,
        otel.name = Empty,
        otel.kind = Empty,
    );
    if telemetry::traces().is_some() {
        continue_trace(&span, request);
    }
    span
}

/// Makes `span` the server span of the request's trace, named and described as OpenTelemetry's
/// HTTP conventions say, the child of the client's span when the request names one. Everything
/// here must happen before the span is first entered, which starts it.
fn continue_trace<B>(span: &Span, request: &Request<B>) {
    let method = request.method().as_str();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    span.record(
        "otel.name",
        match route {
            Some(route) => format!("{method} {route}"),
            None => method.to_owned(),
        },
    );
    span.record("otel.kind", "server");
    span.set_attribute("http.request.method", method.to_owned());
    span.set_attribute("url.path", request.uri().path().to_owned());
    if let Some(route) = route {
        span.set_attribute("http.route", route.to_owned());
    }
    // Fails only for a span no layer records, which then has no trace to continue either.
    drop(span.set_parent(telemetry::w3c::extract(request.headers())));
    // In the log too, so a client's trace leads to the server's log lines.
    let trace_id = span.context().span().span_context().trace_id();
    span.record("trace_id", trace_id.to_string());
}

/// Logs the response as before, and gives the server span its status.
pub fn on_response<B>(response: &Response<B>, latency: Duration, span: &Span) {
    DefaultOnResponse::new()
        .level(tracing::Level::INFO)
        .latency_unit(tower_http::LatencyUnit::Millis)
        .on_response(response, latency, span);
    if telemetry::traces().is_some() {
        record_status(span, response.status());
    }
}

/// The conventions mark a server span failed for a 5xx only: a 4xx is the client's doing.
fn record_status(span: &Span, status: StatusCode) {
    span.set_attribute("http.response.status_code", i64::from(status.as_u16()));
    if status.is_server_error() {
        span.set_status(Status::error(""));
    }
}
