//! Prometheus metrics: GraphQL requests and latencies by operation type, errors by code, pool
//! usage, SQL statements, WebSockets and their open operations, and the process (memory, CPU,
//! file descriptors). `/metrics` answers OpenMetrics to a scraper that asks for it
//! (`Accept: application/openmetrics-text`), the Prometheus text format otherwise.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
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
    /// The operation's name; `anonymous` without one, `other` once `MAX_OPERATION_NAMES`
    /// names have been seen (clients choose names: the series must stay bounded).
    pub operation_name: String,
}

/// Distinct operation names the metrics label, at most: a front end has a few dozen.
const MAX_OPERATION_NAMES: usize = 200;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    /// An `extensions.code`: a closed set, so the series stay few.
    code: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<OperationLabels, Counter>,
    latency: Family<OperationLabels, Histogram>,
    pool_connections: Family<PoolLabels, Gauge>,
    errors: Family<ErrorLabels, Counter>,
    /// The operation names labelled so far.
    operation_names: std::sync::Mutex<std::collections::HashSet<String>>,
    db_statements: Counter,
    /// What `db_statements` was last set from: the pool counts statements itself.
    db_statements_seen: std::sync::Mutex<u64>,
    pub websocket_clients: Gauge,
    /// Operations running on WebSocket connections: subscriptions, mostly.
    pub websocket_operations: Gauge,
    /// Connections closed because their client did not read what was sent in time.
    pub websocket_slow_consumers: Counter,
    process: Family<ProcessLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProcessLabels {
    measure: &'static str,
}

impl Metrics {
    /// The metrics of an app on `db`, whose pool times its own checkouts.
    pub fn new(db: &crate::db::DbSettings) -> Self {
        let mut registry = Registry::with_prefix("parvis");
        let requests = Family::<OperationLabels, Counter>::default();
        let latency = Family::<OperationLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 14))
        });
        let pool_connections = Family::<PoolLabels, Gauge>::default();
        let websocket_clients = Gauge::default();
        let websocket_operations = Gauge::default();
        let websocket_slow_consumers = Counter::default();
        let db_statements = Counter::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        let process = Family::<ProcessLabels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
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
            "graphql_errors",
            "GraphQL errors answered over HTTP, by extensions.code",
            errors.clone(),
        );
        registry.register(
            "db_pool_wait_seconds",
            "Time a checkout from the database pool waited for a connection",
            db.pool_waits.clone(),
        );
        registry.register(
            "db_statements",
            "SQL statements run by the pool's connections",
            db_statements.clone(),
        );
        registry.register(
            "websocket_operations",
            "Operations running on GraphQL WebSocket connections (subscriptions, mostly)",
            websocket_operations.clone(),
        );
        registry.register(
            "websocket_slow_consumers",
            "GraphQL WebSocket connections closed (1013) because their client fell behind",
            websocket_slow_consumers.clone(),
        );
        registry.register(
            "process",
            "This process: resident_memory_bytes, cpu_seconds, open_fds, start_time_seconds",
            process.clone(),
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
            errors,
            operation_names: std::sync::Mutex::default(),
            db_statements,
            db_statements_seen: std::sync::Mutex::new(0),
            websocket_clients,
            websocket_operations,
            websocket_slow_consumers,
            process,
        }
    }

    pub fn observe_operation(
        &self,
        operation_type: Option<OperationType>,
        operation_name: Option<&str>,
        elapsed: Duration,
    ) {
        let labels = OperationLabels {
            operation_name: self.label_for(operation_name),
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

    /// The label of an operation name: itself while few names have been seen.
    fn label_for(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "anonymous".to_owned();
        };
        let Ok(mut seen) = self.operation_names.lock() else {
            return "other".to_owned();
        };
        if seen.contains(name) || seen.len() < MAX_OPERATION_NAMES && seen.insert(name.to_owned()) {
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }

    /// Counts the errors of a response by their code.
    pub fn observe_errors<'a>(&self, codes: impl IntoIterator<Item = &'a str>) {
        for code in codes {
            self.errors
                .get_or_create(&ErrorLabels {
                    code: code.to_owned(),
                })
                .inc();
        }
    }

    /// Brings the statements counter up to the pool's own count.
    fn count_statements(&self, total: u64) {
        if let Ok(mut seen) = self.db_statements_seen.lock() {
            self.db_statements.inc_by(total.saturating_sub(*seen));
            *seen = (*seen).max(total);
        }
    }

    fn observe_process(&self) {
        for (measure, value) in process_measures() {
            self.process
                .get_or_create(&ProcessLabels { measure })
                .set(value);
        }
    }
}

/// Counts one open WebSocket operation for as long as it lives (an operation stopped midway is
/// dropped, and so is this).
pub struct OpenOperation(Gauge);

impl OpenOperation {
    pub fn new(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for OpenOperation {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The process's memory, CPU time, open files and start time, from `/proc/self` (Linux; none
/// elsewhere).
fn process_measures() -> Vec<(&'static str, f64)> {
    let mut measures = Vec::new();
    // Both in clock ticks and pages; Linux uses 100 ticks a second and 4 KiB pages nearly always.
    const TICKS_PER_SECOND: f64 = 100.0;
    const PAGE_BYTES: f64 = 4096.0;
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat")
        && let Some((_, after_name)) = stat.rsplit_once(')')
    {
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |index: usize| {
            fields
                .get(index)
                .and_then(|value| value.parse::<f64>().ok())
        };
        // Fields 14, 15 (utime, stime) and 24 (rss), counted from 1 with the name as 2.
        if let (Some(user), Some(system)) = (field(11), field(12)) {
            measures.push(("cpu_seconds", (user + system) / TICKS_PER_SECOND));
        }
        if let Some(pages) = field(21) {
            measures.push(("resident_memory_bytes", pages * PAGE_BYTES));
        }
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        measures.push(("open_fds", entries.count() as f64));
    }
    if let Some(started) = START.get() {
        measures.push(("start_time_seconds", *started));
    }
    measures
}

static START: std::sync::OnceLock<f64> = std::sync::OnceLock::new();

/// Records when the process started, for `parvis_process{measure="start_time_seconds"}`.
pub fn record_start() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64());
    START.get_or_init(|| now);
}

pub async fn render(State(app): State<Arc<App>>, headers: HeaderMap) -> impl IntoResponse {
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
    app.metrics.count_statements(statements);
    app.metrics.observe_process();
    let mut body = String::new();
    if let Err(error) = prometheus_client::encoding::text::encode(&mut body, &app.metrics.registry)
    {
        tracing::error!(%error, "encoding metrics");
    }
    let openmetrics = headers
        .get(ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("application/openmetrics-text"));
    let content_type = if openmetrics {
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    } else {
        // The same exposition reads as the Prometheus text format (`# EOF` is a comment there).
        "text/plain; version=0.0.4; charset=utf-8"
    };
    ([(CONTENT_TYPE, content_type)], body)
}
