//! `POST /graphql` and `GET /graphql`, following the GraphQL-over-HTTP specification.
//!
//! We do not use async-graphql-axum's handler: it always answers
//! `application/graphql-response+json`, runs mutations over GET and has no batch limit.

use std::any::Any;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, ServerError};
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header::{ACCEPT, ALLOW, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::app::App;
use crate::auth::{Client, viewer_of};
use crate::error::{ApiError, RETRY_AFTER_EXTENSION, RETRY_AFTER_SECONDS};
use crate::graphql::context::RequestContext;
use crate::graphql::limits::{RequestTrace, over_limit, selected_operation_type};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// The media type of the answer, chosen from the request's `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseFormat {
    /// `application/graphql-response+json`: request errors get a 4xx status.
    GraphqlResponseJson,
    /// Legacy `application/json`: every well-formed request gets 200.
    Json,
}

impl ResponseFormat {
    fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(ACCEPT).and_then(|value| value.to_str().ok()) else {
            return Some(Self::Json);
        };
        accept
            .split(',')
            .filter(|range| {
                !range
                    .split(';')
                    .skip(1)
                    .any(|p| p.trim().replace(' ', "") == "q=0")
            })
            .find_map(
                |range| match range.split(';').next().unwrap_or_default().trim() {
                    "application/graphql-response+json" => Some(Self::GraphqlResponseJson),
                    "application/json" | "*/*" | "application/*" => Some(Self::Json),
                    _ => None,
                },
            )
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Self::Json => JSON,
        }
    }
}

pub async fn post(
    State(app): State<Arc<App>>,
    client: Client,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let Some(format) = ResponseFormat::negotiate(&headers) else {
        return not_acceptable();
    };
    if crate::files::upload::is_multipart(&headers) {
        return post_multipart(app, client, headers, body, format).await;
    }
    let limit = app.services.config.body_limit;
    let body = match axum::body::to_bytes(body, limit).await {
        Ok(body) => body,
        Err(error) if is_length_limit(&error) => {
            return error_response(
                format,
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("The request body is larger than {limit} bytes."),
            );
        }
        Err(_) => {
            return error_response(format, StatusCode::BAD_REQUEST, "Unreadable request body.");
        }
    };
    if !crate::validation::is_json_content_type(&headers) {
        return error_response(
            format,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the request as Content-Type: application/json (or multipart/form-data for uploads).",
        );
    }
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(error) => {
            return error_response(
                format,
                StatusCode::BAD_REQUEST,
                &format!("The request body is not a GraphQL request: {error}"),
            );
        }
    };
    execute(app, client, headers, batch, format, Arc::default()).await
}

fn is_length_limit(error: &axum::Error) -> bool {
    std::error::Error::source(error)
        .is_some_and(|source| source.is::<http_body_util::LengthLimitError>())
}

/// A GraphQL multipart request (file uploads): only for a signed-in viewer, files streamed to
/// storage before the operation runs; files no mutation took are deleted afterwards.
async fn post_multipart(
    app: Arc<App>,
    client: Client,
    headers: HeaderMap,
    body: axum::body::Body,
    format: ResponseFormat,
) -> Response {
    let request_id = super::request_id(&headers);
    match viewer_of(&app.services, &headers).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return api_error_response(format, ApiError::Unauthenticated, &request_id);
        }
        Err(error) => return api_error_response(format, error, &request_id),
    }
    let (operations, uploads) =
        match crate::files::upload::read_request(&app.services, &headers, body).await {
            Ok(read) => read,
            Err(crate::files::upload::Refusal(status, message)) => {
                return error_response(format, status, &message);
            }
        };
    let batch: BatchRequest = match serde_json::from_value(operations) {
        Ok(batch) => batch,
        Err(error) => {
            uploads.discard_unused(&app.services).await;
            return error_response(
                format,
                StatusCode::BAD_REQUEST,
                &format!("`operations` is not a GraphQL request: {error}"),
            );
        }
    };
    let services = app.services.clone();
    let response = execute(app, client, headers, batch, format, uploads.clone()).await;
    uploads.discard_unused(&services).await;
    response
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// GET runs queries only, so that a link or an image tag can never change data.
pub async fn get(
    State(app): State<Arc<App>>,
    client: Client,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(format) = ResponseFormat::negotiate(&headers) else {
        return not_acceptable();
    };
    let bad = |message: &str| error_response(format, StatusCode::BAD_REQUEST, message);
    let Ok(params) = serde_urlencoded::from_str::<GetParams>(raw.as_deref().unwrap_or_default())
    else {
        return bad("Unreadable query string.");
    };
    let Some(query) = params.query else {
        return bad("The `query` parameter is missing.");
    };
    let mut request = async_graphql::Request::new(query.clone());
    request.operation_name = params.operation_name.clone();
    if let Some(variables) = params.variables {
        match serde_json::from_str(&variables) {
            Ok(variables) => request.variables = async_graphql::Variables::from_json(variables),
            Err(_) => return bad("The `variables` parameter is not a JSON object."),
        }
    }
    if let Some(extensions) = params.extensions {
        match serde_json::from_str(&extensions) {
            Ok(extensions) => request.extensions = extensions,
            Err(_) => return bad("The `extensions` parameter is not a JSON object."),
        }
    }
    if let Ok(document) = async_graphql::parser::parse_query(&query) {
        let operation = selected_operation_type(&document, params.operation_name.as_deref());
        if matches!(
            operation,
            Some(OperationType::Mutation | OperationType::Subscription)
        ) {
            let mut response = error_response(
                format,
                StatusCode::METHOD_NOT_ALLOWED,
                "Only queries can be sent with GET; send mutations with POST.",
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    }
    execute(
        app,
        client,
        headers,
        BatchRequest::Single(request),
        format,
        Arc::default(),
    )
    .await
}

async fn execute(
    app: Arc<App>,
    client: Client,
    headers: HeaderMap,
    batch: BatchRequest,
    format: ResponseFormat,
    uploads: Arc<crate::files::upload::StagedUploads>,
) -> Response {
    let max_batch = app.services.config.limits.max_batch;
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > max_batch
    {
        let refusal = over_limit(
            format!(
                "The batch holds {} operations; the limit is {max_batch}.",
                requests.len()
            ),
            max_batch,
            requests.len(),
        );
        return json_response(
            format,
            StatusCode::BAD_REQUEST,
            &serde_json::json!({ "errors": [refusal] }),
        );
    }
    let request_id = super::request_id(&headers);
    let viewer = match viewer_of(&app.services, &headers).await {
        Ok(viewer) => viewer,
        Err(error) => return api_error_response(format, error, &request_id),
    };
    let schema = app.schemas.for_viewer(viewer.is_some());
    let viewer_id = viewer.as_ref().map(|viewer| viewer.id());
    let chosen: Vec<Option<String>> = match &batch {
        BatchRequest::Single(request) => vec![request.operation_name.clone()],
        BatchRequest::Batch(requests) => requests
            .iter()
            .map(|request| request.operation_name.clone())
            .collect(),
    };
    let mut context = RequestContext::new(viewer, request_id.clone());
    context.client = client;
    context.user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|agent| agent.to_str().ok())
        .map(str::to_owned);
    context.uploads = uploads;
    let started = Instant::now();
    let prepare = |request: async_graphql::Request| {
        let trace = RequestTrace::default();
        let request = context
            .clone()
            .attach(&app.services, request)
            .data(trace.clone());
        (request, trace)
    };
    let (mut response, traces) = match batch {
        BatchRequest::Single(request) => {
            let (request, trace) = prepare(request);
            (
                BatchResponse::Single(schema.execute(request).await),
                vec![trace],
            )
        }
        BatchRequest::Batch(requests) => {
            let (requests, traces): (Vec<_>, Vec<_>) = requests.into_iter().map(prepare).unzip();
            let responses = futures::future::join_all(
                requests.into_iter().map(|request| schema.execute(request)),
            )
            .await;
            (BatchResponse::Batch(responses), traces)
        }
    };
    // The operation a request names, else the one its document holds.
    let names: Vec<Option<String>> = traces
        .iter()
        .zip(chosen)
        .map(|(trace, chosen)| chosen.or(trace.get().operation_name))
        .collect();
    for (trace, name) in traces.iter().zip(&names) {
        app.metrics.observe_operation(
            trace.get().operation_type,
            name.as_deref(),
            started.elapsed(),
        );
    }
    for (single, trace) in each_mut(&mut response).iter_mut().zip(&traces) {
        with_nulls(&app, single, trace);
    }
    let request_error = matches!(&response, BatchResponse::Single(r) if !r.errors.is_empty())
        && traces.iter().all(|trace| !trace.get().valid);
    let status = if all_failed_with(&response, "SERVICE_UNAVAILABLE") {
        StatusCode::SERVICE_UNAVAILABLE
    } else if format == ResponseFormat::GraphqlResponseJson
        && request_error
        && all_failed_with(&response, ApiError::Unauthenticated.code())
    {
        StatusCode::UNAUTHORIZED
    } else if format == ResponseFormat::GraphqlResponseJson && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let response = with_error_codes(response, &request_id);
    describe_in_log(&app, &response, &names, viewer_id);
    let mut http_headers = HeaderMap::new();
    for single in each(&response) {
        append_headers(&mut http_headers, &single.http_headers);
    }
    let mut http = match &response {
        // A request error never started execution, so the body has no `data` entry.
        BatchResponse::Single(single) if request_error => json_response(
            format,
            status,
            &serde_json::json!({ "errors": single.errors }),
        ),
        _ => json_response(format, status, &response),
    };
    append_headers(http.headers_mut(), &http_headers);
    if status == StatusCode::UNAUTHORIZED {
        http.headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        http.headers_mut()
            .insert(RETRY_AFTER, RETRY_AFTER_SECONDS.into());
    } else if let Some(seconds) = longest_retry_after(&response) {
        http.headers_mut().insert(RETRY_AFTER, seconds.into());
    }
    http
}

/// Puts `null` where a field that failed was left out (see `graphql::nulls`).
pub fn with_nulls(app: &App, response: &mut async_graphql::Response, trace: &RequestTrace) {
    let state = trace.get();
    if let (true, Some(operation)) = (state.valid, state.operation_type) {
        app.schemas.nullability.complete(response, operation);
    }
}

/// Names the request's operations, its viewer and its errors' codes on the request's log line,
/// and counts the errors by code.
fn describe_in_log(
    app: &App,
    response: &BatchResponse,
    names: &[Option<String>],
    viewer: Option<uuid::Uuid>,
) {
    let codes: Vec<&str> = each(response)
        .iter()
        .flat_map(|single| &single.errors)
        .filter_map(|error| match error.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(code) => Some(code.as_str()),
            _ => None,
        })
        .collect();
    app.metrics.observe_errors(codes.iter().copied());
    let span = tracing::Span::current();
    let names: Vec<&str> = names
        .iter()
        .map(|name| name.as_deref().unwrap_or("-"))
        .collect();
    span.record("operation", names.join(","));
    if let Some(viewer) = viewer {
        span.record("viewer", viewer.to_string());
    }
    if !codes.is_empty() {
        span.record("error_codes", codes.join(","));
    }
}

/// The longest `retryAfter` of the response's errors (RATE_LIMITED), for the `Retry-After`
/// header: a client that waits that long may retry the whole request.
fn longest_retry_after(response: &BatchResponse) -> Option<u64> {
    each(response)
        .iter()
        .flat_map(|single| &single.errors)
        .filter_map(|error| {
            error
                .extensions
                .as_ref()?
                .get(RETRY_AFTER_EXTENSION)
                .cloned()
        })
        .filter_map(|seconds| match seconds {
            async_graphql::Value::Number(seconds) => seconds.as_u64(),
            _ => None,
        })
        .max()
}

/// Whether every operation of the response failed with `code`. A batch where some operation
/// went through is no 503: a client retrying it after `Retry-After` would run that one twice.
fn all_failed_with(response: &BatchResponse, code: &str) -> bool {
    let code = async_graphql::Value::from(code);
    let failed = |single: &async_graphql::Response| {
        single.errors.iter().any(|error| {
            error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                == Some(&code)
        })
    };
    each(response).iter().all(failed)
}

/// The responses of a batch, or the one response of a single request.
fn each(response: &BatchResponse) -> &[async_graphql::Response] {
    match response {
        BatchResponse::Single(single) => std::slice::from_ref(single),
        BatchResponse::Batch(all) => all,
    }
}

fn each_mut(response: &mut BatchResponse) -> &mut [async_graphql::Response] {
    match response {
        BatchResponse::Single(single) => std::slice::from_mut(single),
        BatchResponse::Batch(all) => all,
    }
}

/// Appends (never replaces: several `Set-Cookie` may come from one batch).
fn append_headers(target: &mut HeaderMap, source: &HeaderMap) {
    for (name, value) in source {
        target.append(name, value.clone());
    }
}

/// Every error gets a code: the few request errors async-graphql raises past validation without
/// one (an unknown operation name, ...) are BAD_USER_INPUT. Internal errors also carry the
/// request id to quote to an admin.
pub fn complete_error_codes(errors: &mut [ServerError], request_id: &str) {
    for error in errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        match extensions.get("code") {
            None => extensions.set("code", "BAD_USER_INPUT"),
            Some(code) if *code == async_graphql::Value::from("INTERNAL_SERVER_ERROR") => {
                extensions.set("requestId", request_id)
            }
            Some(_) => {}
        }
    }
}

fn with_error_codes(mut response: BatchResponse, request_id: &str) -> BatchResponse {
    for single in each_mut(&mut response) {
        complete_error_codes(&mut single.errors, request_id);
    }
    response
}

fn json_response(
    format: ResponseFormat,
    status: StatusCode,
    body: &impl serde::Serialize,
) -> Response {
    let body = serde_json::to_vec(body).unwrap_or_default();
    (status, [(CONTENT_TYPE, format.content_type())], body).into_response()
}

/// A response holding one GraphQL error; `code` follows the HTTP status.
fn error_response(format: ResponseFormat, status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::UNAUTHORIZED => "UNAUTHENTICATED",
        StatusCode::INTERNAL_SERVER_ERROR => "INTERNAL_SERVER_ERROR",
        _ => "BAD_USER_INPUT",
    };
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    json_response(format, status, &body)
}

fn api_error_response(format: ResponseFormat, error: ApiError, request_id: &str) -> Response {
    let status = error.http_status();
    let code = error.code();
    let message = error.message();
    if let ApiError::Internal(cause) = &error {
        tracing::error!(error = ?cause, "internal error before execution");
    }
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }]
    });
    let mut response = json_response(format, status, &body);
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(RETRY_AFTER, RETRY_AFTER_SECONDS.into());
    }
    response
}

fn not_acceptable() -> Response {
    let body = serde_json::json!({ "errors": [{
        "message": "Accept application/graphql-response+json or application/json.",
        "extensions": { "code": "BAD_USER_INPUT" }
    }] });
    json_response(ResponseFormat::Json, StatusCode::NOT_ACCEPTABLE, &body)
}

/// A panic anywhere becomes an opaque 500 (logged by the trace layer), never a stack trace.
pub fn panic_response(_panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler panicked");
    error_response(
        ResponseFormat::Json,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal server error.",
    )
}
