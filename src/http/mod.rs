//! The HTTP surface: routes and the middleware every request passes through.

pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod metrics;
mod trace;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, IF_NONE_MATCH, RANGE};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::app::App;
use crate::events_calendar::http as calendar;
use crate::services::Services;
use crate::sso;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(app: Arc<App>) -> Router {
    let body_limit = app.services.config.body_limit;
    let cors = cors(&app.services.config.cors_allowed_origins);
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/graphiql", get(graphiql::page))
        .route("/graphiql/assets/{file}", get(graphiql::asset))
        .merge(feature_routes().with_state(app.services.clone()))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(cors)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(trace::request_span)
                        .on_response(trace::on_response),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
                .layer(CatchPanicLayer::custom(graphql::panic_response))
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(60),
                )),
        )
        .with_state(app)
}

/// The features' own routes (downloads, feeds, exports, pages, sign-in): they are given the
/// services, not the app, so no feature depends on the HTTP layer.
fn feature_routes() -> Router<Arc<Services>> {
    Router::new()
        .route(
            "/hooks/{token}",
            post(crate::groups::webhooks::http::receive),
        )
        .route("/calendar/events/{file}", get(calendar::event_file))
        .route(
            "/calendar/events/{id}/attendees.csv",
            get(calendar::attendees_csv),
        )
        .route("/calendar/feed/{file}", get(calendar::personal_feed))
        .route(
            "/surveys/{id}/results.csv",
            get(crate::surveys::export::results_csv),
        )
        .route("/admin", get(crate::analytics::dashboard::page))
        .route(
            "/admin/conversations/{id}/export.jsonl",
            get(crate::chat::export::conversation_jsonl),
        )
        .route(
            "/admin/analytics/{file}",
            get(crate::analytics::export::report_csv),
        )
        .route("/files/{id}", get(crate::files::download::file))
        .route(
            "/files/{id}/thumbnail",
            get(crate::files::download::thumbnail),
        )
        .route(
            "/attachments/{id}",
            get(crate::attachments::download::original),
        )
        .route(
            "/attachments/{id}/thumbnail",
            get(crate::attachments::download::thumbnail),
        )
        .route(
            "/branding/{image}",
            get(crate::organization::branding::image),
        )
        .route(
            "/invitations/{token}",
            get(crate::accounts::page::page).post(crate::accounts::page::accept),
        )
        .route(
            "/email/unsubscribe/{token}",
            get(crate::email::unsubscribe::page).post(crate::email::unsubscribe::confirm),
        )
        .route(
            "/newsletters/click/{token}",
            get(crate::newsletters::send::click),
        )
        .route("/login", get(sso::login_page::page))
        .route("/auth/password", post(sso::login_page::password_sign_in))
        .route("/auth/logout", post(sso::flow::logout))
        .route("/auth/{provider}/login", get(sso::flow::login))
        .route("/auth/{provider}/callback", get(sso::flow::callback))
}

/// What client instrumentation adds to each request: Apollo's client awareness, W3C trace
/// context and baggage, Sentry's trace, and a request id the client chose (echoed back).
const INSTRUMENTATION_HEADERS: &[&str] = &[
    "apollographql-client-name",
    "apollographql-client-version",
    "traceparent",
    "tracestate",
    "baggage",
    "sentry-trace",
    "x-request-id",
];

/// Web apps on the configured origins may call the API with credentials; no other origin may.
fn cors(allowed_origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = allowed_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(
            [CONTENT_TYPE, AUTHORIZATION, ACCEPT, RANGE, IF_NONE_MATCH]
                .into_iter()
                .chain(
                    crate::files::upload::PREFLIGHT_HEADERS
                        .iter()
                        .chain(INSTRUMENTATION_HEADERS)
                        .map(|name| HeaderName::from_static(name)),
                )
                .collect::<Vec<_>>(),
        )
        .expose_headers([REQUEST_ID_HEADER])
        .max_age(Duration::from_secs(3600))
}

/// The request id of a request, as set by the middleware.
pub fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|id| id.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
