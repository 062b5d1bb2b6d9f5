//! What every pooled connection reports about its statements: a count (the
//! `parvis_db_statements` metric; tests prove constant SQL per page with it) and, when traces are
//! exported, a span per statement under the span that ran it.
//!
//! diesel reports a statement by two events, not by a scope: the span is recorded when it
//! finishes, with the time it started. Its text is the one diesel hands over when the statement
//! finishes: placeholders (`$1`), never the bound values.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use opentelemetry::trace::{SpanId, SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};

use crate::telemetry::{self, FinishedSpan};

/// Statements started and not finished that are remembered; past it the oldest are forgotten.
/// A statement whose future was dropped (a timeout) never finishes: without a bound its entry
/// would stay for the connection's life.
const MAX_PENDING: usize = 16;

pub(super) struct ConnectionInstrumentation {
    statements: Arc<AtomicU64>,
    /// Statements started under a traced span (several at once when queries are pipelined).
    pending: Vec<PendingStatement>,
}

struct PendingStatement {
    parent: Context,
    started: SystemTime,
}

impl PendingStatement {
    fn parent_id(&self) -> SpanId {
        self.parent.span().span_context().span_id()
    }
}

impl ConnectionInstrumentation {
    pub(super) fn new(statements: Arc<AtomicU64>) -> Self {
        Self {
            statements,
            pending: Vec::new(),
        }
    }

    fn started(&mut self) {
        let Some(parent) = telemetry::current_context() else {
            return;
        };
        if self.pending.len() == MAX_PENDING {
            self.pending.remove(0);
        }
        self.pending.push(PendingStatement {
            parent,
            started: SystemTime::now(),
        });
    }

    /// A statement finishes in the task and span it started in: the pending statement with the
    /// same parent is the one that finished.
    fn finished(
        &mut self,
        traces: &telemetry::Traces,
        sql: &str,
        error: Option<&diesel::result::Error>,
    ) {
        let Some(current) = telemetry::current_context() else {
            return;
        };
        let parent_id = current.span().span_context().span_id();
        let Some(index) = self
            .pending
            .iter()
            .position(|pending| pending.parent_id() == parent_id)
        else {
            return;
        };
        let pending = self.pending.remove(index);
        traces.record(
            &pending.parent,
            FinishedSpan {
                name: span_name(sql),
                kind: SpanKind::Client,
                started: pending.started,
                ended: SystemTime::now(),
                attributes: statement_attributes(sql),
                error: error.map(error_type),
            },
        );
    }
}

impl Instrumentation for ConnectionInstrumentation {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.statements.fetch_add(1, Ordering::Relaxed);
                if telemetry::traces().is_some() {
                    self.started();
                }
            }
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                if let Some(traces) = telemetry::traces() {
                    self.finished(traces, &query.to_string(), error);
                }
            }
            _ => {}
        }
    }
}

/// OpenTelemetry's database conventions: the system, the statement's text and its operation.
fn statement_attributes(sql: &str) -> Vec<KeyValue> {
    let mut attributes = vec![
        KeyValue::new("db.system.name", "postgresql"),
        // The name before semantic conventions 1.30, which many backends still key on.
        KeyValue::new("db.system", "postgresql"),
        KeyValue::new("db.query.text", sql.to_owned()),
    ];
    if let Some(operation) = operation(sql) {
        attributes.push(KeyValue::new("db.operation.name", operation));
    }
    attributes
}

/// `SELECT users`, `INSERT posts`, `BEGIN`: the operation and the first table it names (the
/// conventions' `{db.operation.name} {target}`); a statement too intricate for that is named
/// by its operation alone.
fn span_name(sql: &str) -> String {
    match (operation(sql), target(sql)) {
        (Some(operation), Some(target)) => format!("{operation} {target}"),
        (Some(operation), None) => operation,
        (None, _) => "postgresql".to_owned(),
    }
}

/// The statement's first keyword, upper-cased.
fn operation(sql: &str) -> Option<String> {
    let word = sql.split_whitespace().next()?;
    word.chars()
        .all(|c| c.is_ascii_alphabetic())
        .then(|| word.to_ascii_uppercase())
}

/// The table after the first `FROM`, `INTO` or `UPDATE`, when it is a plain (maybe quoted,
/// maybe schema-qualified) name.
fn target(sql: &str) -> Option<String> {
    let mut words = sql.split_whitespace();
    words.find(|word| {
        ["FROM", "INTO", "UPDATE"]
            .iter()
            .any(|keyword| word.eq_ignore_ascii_case(keyword))
    })?;
    let name = words.next()?.replace('"', "");
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    plain.then_some(name)
}

/// The kind of a statement's failure (`error.type`), never its message: PostgreSQL's messages
/// may quote the values involved.
fn error_type(error: &diesel::result::Error) -> String {
    match error {
        diesel::result::Error::DatabaseError(kind, _) => format!("{kind:?}"),
        diesel::result::Error::NotFound => "NotFound".to_owned(),
        _ => "other".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_span_is_named_by_its_operation_and_table() {
        let cases = [
            (
                r#"SELECT "users"."id", "users"."name" FROM "users" WHERE "users"."id" = $1"#,
                "SELECT users",
            ),
            (
                r#"INSERT INTO "posts" ("id", "body") VALUES ($1, $2)"#,
                "INSERT posts",
            ),
            (r#"UPDATE "jobs" SET "state" = $1"#, "UPDATE jobs"),
            (
                r#"DELETE FROM public.sessions WHERE id = $1"#,
                "DELETE public.sessions",
            ),
            ("BEGIN", "BEGIN"),
            ("SELECT 1", "SELECT"),
            (
                r#"SELECT count(*) FROM ("posts" INNER JOIN "groups" ON true)"#,
                "SELECT",
            ),
            (
                "  with recent AS (SELECT 1) SELECT * FROM recent",
                "WITH recent",
            ),
            ("", "postgresql"),
        ];
        for (sql, name) in cases {
            assert_eq!(span_name(sql), name, "{sql}");
        }
    }
}
