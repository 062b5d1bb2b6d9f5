//! Trace spans of GraphQL work, when traces are exported: one per operation, named after it as
//! OpenTelemetry's GraphQL conventions say (`query Feed`), and one per field that took at least
//! `--otlp-slow-field-ms`. Fast fields get none: a span per field would bury the statements and
//! the slow fields a trace is read for (async-graphql's own `Tracing` extension makes one per
//! field). A slow field's span is recorded once the field is done, a child of the operation's
//! span; the statements it ran are the operation's children too.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextResolve,
    ResolveInfo,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{QueryPathNode, Response, ServerResult, Value, Variables};
use opentelemetry::KeyValue;
use opentelemetry::trace::SpanKind;
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::telemetry::{FinishedSpan, Traces};

pub struct OperationSpans {
    traces: &'static Traces,
}

impl OperationSpans {
    pub fn new(traces: &'static Traces) -> Self {
        Self { traces }
    }
}

impl ExtensionFactory for OperationSpans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationSpan {
            traces: self.traces,
            operations: Mutex::default(),
            span: OnceLock::new(),
        })
    }
}

/// One request's operation.
struct OperationSpan {
    traces: &'static Traces,
    /// The document's operations, by name, as parsed.
    operations: Mutex<Vec<(Option<String>, OperationType)>>,
    /// Set when execution starts (subscriptions never execute here: they get no span).
    span: OnceLock<tracing::Span>,
}

impl OperationSpan {
    /// The operation a request runs: the one it names, else the document's only one.
    fn selected(&self, requested: Option<&str>) -> Option<(Option<String>, OperationType)> {
        let operations = self.operations.lock().ok()?;
        match requested {
            Some(name) => operations
                .iter()
                .find(|(candidate, _)| candidate.as_deref() == Some(name))
                .cloned(),
            None if operations.len() == 1 => operations.first().cloned(),
            None => None,
        }
    }

    /// Records a field that took `elapsed`, ended now, under the operation.
    fn record_field(&self, field: &FieldInfo<'_>, elapsed: std::time::Duration, failed: bool) {
        let Some(parent) = self.span.get().map(OpenTelemetrySpanExt::context) else {
            return;
        };
        let ended = SystemTime::now();
        self.traces.record(
            &parent,
            FinishedSpan {
                name: format!("{}.{}", field.parent_type, field.name),
                kind: SpanKind::Internal,
                started: ended.checked_sub(elapsed).unwrap_or(ended),
                ended,
                attributes: vec![
                    KeyValue::new("graphql.field.name", field.name.to_owned()),
                    KeyValue::new("graphql.field.path", field.path.to_string()),
                    KeyValue::new("graphql.field.parent_type", field.parent_type.to_owned()),
                    KeyValue::new("graphql.field.type", field.return_type.to_owned()),
                ],
                error: failed.then(|| "graphql_error".to_owned()),
            },
        );
    }
}

/// What a field's span says, taken before the field runs (its `ResolveInfo` goes to it).
struct FieldInfo<'a> {
    name: &'a str,
    parent_type: &'a str,
    return_type: &'a str,
    path: &'a QueryPathNode<'a>,
}

/// The span of an operation, named `{type} {name}` (`query` alone for an anonymous one).
fn operation_span(selected: Option<&(Option<String>, OperationType)>) -> tracing::Span {
    let span = tracing::info_span!(
        "graphql.operation",
        otel.name = Empty,
        graphql.operation.name = Empty,
        graphql.operation.type = Empty,
    );
    let Some((name, operation_type)) = selected else {
        // The conventions' name for an operation not known.
        span.record("otel.name", "GraphQL Operation");
        return span;
    };
    let operation_type = operation_type.to_string();
    match name {
        Some(name) => {
            span.record("otel.name", format!("{operation_type} {name}"));
            span.record("graphql.operation.name", name.as_str());
        }
        None => {
            span.record("otel.name", operation_type.as_str());
        }
    }
    span.record("graphql.operation.type", operation_type);
    span
}

#[async_trait::async_trait]
impl Extension for OperationSpan {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if let Ok(mut operations) = self.operations.lock() {
            *operations = document
                .operations
                .iter()
                .map(|(name, operation)| (name.map(ToString::to_string), operation.node.ty))
                .collect();
        }
        Ok(document)
    }

    /// The span covers execution, where the fields and statements are; parsing and validation
    /// stay in the request's span (the operation's name is known only after parsing, and a span
    /// is named when it starts).
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let span = operation_span(self.selected(operation_name).as_ref());
        drop(self.span.set(span.clone()));
        next.run(ctx, operation_name).instrument(span).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let field = FieldInfo {
            name: info.name,
            parent_type: info.parent_type,
            return_type: info.return_type,
            path: info.path_node,
        };
        let started = Instant::now();
        let result = next.run(ctx, info).await;
        let elapsed = started.elapsed();
        // The field's time includes its selections': a slow list is slow for its items too.
        if elapsed >= self.traces.slow_field {
            self.record_field(&field, elapsed, result.is_err());
        }
        result
    }
}
