//! The OTLP exporter: spans batched and sent as protobuf over HTTP to `<endpoint>/v1/traces`,
//! from a thread of the SDK's own (so a slow collector never holds a request). The standard
//! `OTEL_*` variables tune it: `OTEL_EXPORTER_OTLP_HEADERS` (a vendor's API key),
//! `OTEL_BSP_SCHEDULE_DELAY` (how often a batch leaves, 5 s by default), `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES` (`deployment.environment.name=prod`, ...).

use std::time::Duration;

use anyhow::Context as _;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;

use super::BoxedLayer;

/// The path of the traces endpoint under a collector's OTLP/HTTP address.
const TRACES_PATH: &str = "/v1/traces";

/// Where spans go, and which GraphQL fields get one.
#[derive(Debug, Clone)]
pub struct OtlpSettings {
    /// The traces URL itself (`.../v1/traces`).
    pub endpoint: String,
    pub slow_field: Duration,
}

impl OtlpSettings {
    /// `collector` is the collector's OTLP/HTTP address (`http://collector:4318`); a URL that
    /// already ends in `/v1/traces` is taken as it is.
    pub fn new(collector: &url::Url, slow_field: Duration) -> Self {
        let base = collector.as_str().trim_end_matches('/');
        let endpoint = if base.ends_with(TRACES_PATH) {
            base.to_owned()
        } else {
            format!("{base}{TRACES_PATH}")
        };
        Self {
            endpoint,
            slow_field,
        }
    }
}

pub(super) fn provider(settings: &OtlpSettings) -> anyhow::Result<SdkTracerProvider> {
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(settings.endpoint.clone())
        .build()
        .with_context(|| format!("setting up the OTLP exporter to {}", settings.endpoint))?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource())
        .build())
}

/// Who sends the spans: `parvis` (unless `OTEL_SERVICE_NAME` names the instance otherwise) and
/// this build's version.
fn resource() -> Resource {
    let builder = Resource::builder()
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if std::env::var_os("OTEL_SERVICE_NAME").is_some() {
        builder.build()
    } else {
        builder.with_service_name("parvis").build()
    }
}

pub(super) fn tracer(provider: &SdkTracerProvider) -> SdkTracer {
    provider.tracer("parvis")
}

/// Turns Parvis's own `tracing` spans (the request, the GraphQL operation) into OpenTelemetry
/// spans; libraries' spans stay out of the trace, and so do the SDK's own logs, which would
/// otherwise feed the exporter with spans about exporting.
pub(super) fn layer(provider: &SdkTracerProvider) -> BoxedLayer {
    tracing_opentelemetry::layer()
        .with_tracer(tracer(provider))
        // Busy and idle times, thread names, the `tracing` target (`code.module.name` says it):
        // noise next to a span's own attributes.
        .with_tracked_inactivity(false)
        .with_threads(false)
        .with_target(false)
        .with_filter(Targets::new().with_target("parvis", tracing::Level::INFO))
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_go_to_the_traces_path_under_the_collector() {
        let endpoint =
            |url: &str| OtlpSettings::new(&url::Url::parse(url).unwrap(), Duration::ZERO).endpoint;
        assert_eq!(
            endpoint("http://collector:4318"),
            "http://collector:4318/v1/traces"
        );
        assert_eq!(
            endpoint("https://otel.example.com/otlp/"),
            "https://otel.example.com/otlp/v1/traces"
        );
        assert_eq!(
            endpoint("http://collector:4318/v1/traces"),
            "http://collector:4318/v1/traces"
        );
    }
}
