//! Structured logs and, with `--otlp-endpoint`, traces.
//!
//! Logs are human-readable by default, JSON with `PARVIS_LOG_FORMAT=json`; the level comes from
//! `RUST_LOG` (default `info`). Colours only on a terminal: a file, a pipe or a log collector
//! gets plain text.
//!
//! Traces (see `otlp`) are OpenTelemetry spans sent to a collector: each HTTP request, each
//! GraphQL operation, each SQL statement, and GraphQL fields slower than a threshold. Without an
//! endpoint nothing of this is set up: no layer, no GraphQL extension, no statement spans.

mod otlp;
pub mod w3c;

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt, Tracer as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

pub use otlp::OtlpSettings;

/// One layer of the global subscriber.
type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Set once the exporter runs; the code that makes spans of its own reads it.
static TRACES: OnceLock<Traces> = OnceLock::new();

/// Traces being exported: how to record spans outside `tracing` (with explicit start and end
/// times), and which GraphQL fields are slow enough for a span.
pub struct Traces {
    tracer: SdkTracer,
    /// GraphQL fields that take at least this long get a span of their own.
    pub slow_field: Duration,
}

/// Whether traces are exported, and the means to add spans to them.
pub fn traces() -> Option<&'static Traces> {
    TRACES.get()
}

/// Logging and tracing as set up at start; `shutdown` sends the spans still buffered.
#[must_use = "shut it down at exit, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

/// Installs the global subscriber: logs always, and traces to `otlp` when given.
pub fn init(otlp: Option<OtlpSettings>) -> anyhow::Result<Telemetry> {
    let exporting = otlp
        .map(|settings| otlp::provider(&settings).map(|provider| (provider, settings)))
        .transpose()?;
    let mut layers = vec![log_layer()];
    if let Some((provider, _)) = &exporting {
        layers.push(otlp::layer(provider));
    }
    if tracing_subscriber::registry()
        .with(layers)
        .try_init()
        .is_err()
    {
        // Already initialised (an embedding program): keep its subscriber, export nothing.
        if let Some((provider, _)) = exporting {
            drop(provider.shutdown());
        }
        return Ok(Telemetry { provider: None });
    }
    let Some((provider, settings)) = exporting else {
        return Ok(Telemetry { provider: None });
    };
    let traces = Traces {
        tracer: otlp::tracer(&provider),
        slow_field: settings.slow_field,
    };
    drop(TRACES.set(traces));
    tracing::info!(endpoint = %settings.endpoint, "exporting traces over OTLP");
    Ok(Telemetry {
        provider: Some(provider),
    })
}

fn log_layer() -> BoxedLayer {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // The filter is the log's own: `RUST_LOG=warn` quietens the log, not the traces.
    if std::env::var("PARVIS_LOG_FORMAT").is_ok_and(|format| format == "json") {
        layer
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_filter(filter)
            .boxed()
    } else {
        layer.compact().with_filter(filter).boxed()
    }
}

impl Telemetry {
    /// Sends the spans still buffered and stops the exporter: the last requests before a
    /// shutdown are often the ones an operator wants to see.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(%error, "sending the last spans");
        }
    }
}

/// A span known only once its work is done: a GraphQL field found slow, or a statement diesel
/// reports by events rather than by a scope. Recorded with the times it started and ended.
pub struct FinishedSpan {
    pub name: String,
    pub kind: SpanKind,
    pub started: SystemTime,
    pub ended: SystemTime,
    pub attributes: Vec<KeyValue>,
    /// The kind of error it ended with (`error.type`), if it failed.
    pub error: Option<String>,
}

impl Traces {
    /// Records `span` as a child of `parent`.
    pub fn record(&self, parent: &Context, span: FinishedSpan) {
        let mut attributes = span.attributes;
        if let Some(error) = &span.error {
            attributes.push(KeyValue::new("error.type", error.clone()));
        }
        let mut recorded = self
            .tracer
            .span_builder(span.name)
            .with_kind(span.kind)
            .with_start_time(span.started)
            .with_attributes(attributes)
            .start_with_context(&self.tracer, parent);
        if span.error.is_some() {
            recorded.set_status(Status::error(""));
        }
        recorded.end_with_timestamp(span.ended);
    }
}

/// The OpenTelemetry context of the innermost `tracing` span that is traced, if it is sampled:
/// the parent for spans recorded with `Traces::record`. The current span itself may be one the
/// trace leaves out (a library's, such as a DataLoader's batch), hence the walk up its parents.
pub fn current_context() -> Option<Context> {
    let current = tracing::Span::current();
    let context = current
        .with_subscriber(|(id, dispatch)| {
            let registry = dispatch.downcast_ref::<Registry>()?;
            let span = registry.span(id)?;
            span.scope().find_map(|ancestor| {
                tracing_opentelemetry::get_otel_context(&mut ancestor.extensions_mut(), dispatch)
            })
        })
        .flatten()?;
    context
        .span()
        .span_context()
        .is_sampled()
        .then_some(context)
}
