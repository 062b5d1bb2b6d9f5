//! Prometheus metrics: GraphQL requests and latencies by operation type, pool usage, WebSockets.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::app::App;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    /// query, mutation, subscription, or invalid (refused before an operation was known).
    pub operation_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<OperationLabels, Counter>,
    latency: Family<OperationLabels, Histogram>,
    pool_connections: Family<PoolLabels, Gauge>,
    db_statements: Gauge,
    pub websocket_clients: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("parvis");
        let requests = Family::<OperationLabels, Counter>::default();
        let latency = Family::<OperationLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 14))
        });
        let pool_connections = Family::<PoolLabels, Gauge>::default();
        let websocket_clients = Gauge::default();
        let db_statements = Gauge::default();
        registry.register(
            "graphql_requests",
            "GraphQL operations served over HTTP",
            requests.clone(),
        );
        registry.register(
            "graphql_request_duration_seconds",
            "Time to answer a GraphQL operation over HTTP",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections by state",
            pool_connections.clone(),
        );
        registry.register(
            "db_statements",
            "SQL statements run by the pool's connections since start",
            db_statements.clone(),
        );
        registry.register(
            "websocket_clients",
            "Open GraphQL WebSocket connections",
            websocket_clients.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            pool_connections,
            db_statements,
            websocket_clients,
        }
    }
}

impl Metrics {
    pub fn observe_operation(&self, operation_type: Option<OperationType>, elapsed: Duration) {
        let labels = OperationLabels {
            operation_type: match operation_type {
                Some(OperationType::Query) => "query",
                Some(OperationType::Mutation) => "mutation",
                Some(OperationType::Subscription) => "subscription",
                None => "invalid",
            },
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }
}

pub async fn render(State(app): State<Arc<App>>) -> impl IntoResponse {
    let status = app.services.pool.status();
    let set = |state, value: usize| {
        app.metrics
            .pool_connections
            .get_or_create(&PoolLabels { state })
            .set(value as i64);
    };
    set("open", status.size);
    set("idle", status.available);
    set("max", status.max_size);
    let statements = app
        .services
        .db
        .statements
        .load(std::sync::atomic::Ordering::Relaxed);
    app.metrics.db_statements.set(statements as i64);
    let mut body = String::new();
    if let Err(error) = prometheus_client::encoding::text::encode(&mut body, &app.metrics.registry)
    {
        tracing::error!(%error, "encoding metrics");
    }
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
}
