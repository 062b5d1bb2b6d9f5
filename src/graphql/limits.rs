//! Limits on what one GraphQL document may ask for (OWASP GraphQL cheat sheet), beyond the
//! directive and recursion limits async-graphql checks itself: tokens before parsing; aliases and
//! the size of the document with its fragments expanded after parsing, before any validation
//! rule runs, so that validation's cost is bounded by the document's size whatever its shape;
//! depth and complexity after validation, from the values async-graphql's validation measures.
//! Each refusal names the limit and the measured value. The same extension gives parse and
//! validation errors the codes clients key on (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED),
//! records the operation type for metrics and whether the document was valid (a request that is
//! not gets a 4xx, or a WebSocket `error` message).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::parser::{Error as ParseError, Pos};
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Variables};
use tokio::sync::Semaphore;

use super::tokens;
use crate::config::QueryLimits;

/// What the HTTP layer learns about a request while it runs.
#[derive(Debug, Default, Clone)]
pub struct RequestTrace(Arc<Mutex<TraceState>>);

#[derive(Debug, Default, Clone)]
pub struct TraceState {
    pub operation_type: Option<OperationType>,
    /// The name the document gives its operation, when it holds exactly one.
    pub operation_name: Option<String>,
    /// False when the request failed before execution (parse or validation): a "request error".
    pub valid: bool,
}

impl RequestTrace {
    pub fn get(&self) -> TraceState {
        self.0.lock().map(|state| state.clone()).unwrap_or_default()
    }

    fn update(&self, change: impl FnOnce(&mut TraceState)) {
        if let Ok(mut state) = self.0.lock() {
            change(&mut state);
        }
    }
}

/// Documents longer than this are parsed on the blocking pool: a document of a megabyte (long
/// strings or comments, few tokens) takes a parser many milliseconds, which on an async worker
/// would stall every other request that worker serves.
const LARGE_DOCUMENT_BYTES: usize = 16 * 1024;

/// Documents up to this size are remembered once parsed (`ParsedDocuments`).
const REMEMBERED_DOCUMENT_BYTES: usize = 4 * 1024;

/// Documents remembered at most: past it, the memory starts again empty.
const MAX_REMEMBERED_DOCUMENTS: usize = 256;

/// Documents parsed lately, by their text: clients send the same few documents again and again,
/// and parsing one is about a tenth of a small request's cost. Bounded in number and in each
/// document's size, so that a stream of distinct documents costs little memory.
#[derive(Default)]
struct ParsedDocuments(Mutex<HashMap<String, ExecutableDocument>>);

impl ParsedDocuments {
    fn get(&self, query: &str) -> Option<ExecutableDocument> {
        self.0.lock().ok()?.get(query).cloned()
    }

    fn remember(&self, query: String, document: &ExecutableDocument) {
        if let Ok(mut documents) = self.0.lock() {
            if documents.len() >= MAX_REMEMBERED_DOCUMENTS {
                documents.clear();
            }
            documents.insert(query, document.clone());
        }
    }
}

pub struct DocumentLimits {
    limits: QueryLimits,
    /// Large documents parsed at once: at most one per core, so they cannot take every core.
    large_parses: Arc<Semaphore>,
    parsed: Arc<ParsedDocuments>,
}

impl DocumentLimits {
    /// `large_parses` is shared by every schema a server runs.
    pub fn new(limits: QueryLimits, large_parses: Arc<Semaphore>) -> Self {
        Self {
            limits,
            large_parses,
            parsed: Arc::default(),
        }
    }

    /// Large documents parsed at once: one per core.
    pub fn parse_slots() -> Arc<Semaphore> {
        let cores = std::thread::available_parallelism().map_or(2, |cores| cores.get());
        Arc::new(Semaphore::new(cores))
    }
}

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentLimitsExtension {
            limits: self.limits.clone(),
            large_parses: self.large_parses.clone(),
            parsed: self.parsed.clone(),
        })
    }
}

struct DocumentLimitsExtension {
    limits: QueryLimits,
    large_parses: Arc<Semaphore>,
    parsed: Arc<ParsedDocuments>,
}

impl DocumentLimitsExtension {
    /// Parses a large document on the blocking pool (a small one is quicker parsed in place).
    async fn parse_large(&self, request: &mut Request) -> ServerResult<()> {
        if request.query.len() <= LARGE_DOCUMENT_BYTES {
            return Ok(());
        }
        let permit = self
            .large_parses
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ServerError::new("The server is shutting down.", None))?;
        let query = request.query.clone();
        // The permit goes with the parse: a request given up meanwhile does not free its slot.
        let parsed = tokio::task::spawn_blocking(move || {
            let parsed = async_graphql::parser::parse_query(query);
            drop(permit);
            parsed
        })
        .await
        .map_err(|_| ServerError::new("Internal server error.", None))?;
        request.set_parsed_query(parsed.map_err(parse_failed)?);
        Ok(())
    }
}

#[async_trait::async_trait]
impl Extension for DocumentLimitsExtension {
    /// Parses the document here, before async-graphql does: its own checks after parsing
    /// (recursive depth, directives) and its validation visitors expand fragment spreads
    /// without memoisation, so the document's expanded size must be known to be small first.
    /// The parsed document is handed on, so it is parsed once; a small one is remembered for the
    /// next request that sends the same text.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let limits = &self.limits;
        if tokens::exceeds(&request.query, limits.max_tokens) {
            // Counted to the end only once refused: the body limit bounds the document.
            let measured = tokens::count(&request.query);
            return Err(over_limit(
                format!(
                    "The query has {measured} tokens; the limit is {}.",
                    limits.max_tokens
                ),
                limits.max_tokens,
                measured,
            ));
        }
        // The text to remember the document by, when it is new and small.
        let mut new_text = None;
        match self.parsed.get(&request.query) {
            Some(document) => request.set_parsed_query(document),
            None => {
                self.parse_large(&mut request).await?;
                new_text = (request.query.len() <= REMEMBERED_DOCUMENT_BYTES)
                    .then(|| request.query.clone());
            }
        }
        // `parsed_query` fails only to parse (its error is the parser's, converted).
        let document = request.parsed_query().map_err(parse_failed_message)?;
        if let Some(text) = new_text {
            self.parsed.remember(text, document);
        }
        let selections = expanded_selections(document)?;
        if selections > limits.max_selections {
            return Err(over_limit(
                format!(
                    "The query selects {selections} fields once its fragments are expanded; the limit is {}.",
                    limits.max_selections
                ),
                limits.max_selections,
                selections,
            ));
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > self.limits.max_aliases {
            return Err(over_limit(
                format!(
                    "The query uses {aliases} aliases; the limit is {}.",
                    self.limits.max_aliases
                ),
                self.limits.max_aliases,
                aliases,
            ));
        }
        if let Some(trace) = ctx.data_opt::<RequestTrace>() {
            let mut operations = document.operations.iter();
            let first = operations.next();
            let only = operations.next().is_none();
            trace.update(|state| {
                state.operation_type = first.map(|(_, op)| op.node.ty);
                state.operation_name = first
                    .filter(|_| only)
                    .and_then(|(name, _)| name.map(ToString::to_string));
            });
        }
        Ok(document)
    }

    /// Runs a query or mutation within its time budget (subscriptions do not pass here). Past
    /// it the operation is dropped, which cancels its database work (a transaction in flight is
    /// rolled back), and the client gets TIMEOUT.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let budget = self.limits.max_execution_time;
        match tokio::time::timeout(budget, next.run(ctx, operation_name)).await {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![out_of_time(budget)]),
        }
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = match next.run(ctx).await {
            Ok(measured) => self.within_cost(&measured).map(|()| measured),
            Err(errors) => Err(errors.into_iter().map(validation_failed).collect()),
        };
        if let Some(trace) = ctx.data_opt::<RequestTrace>() {
            trace.update(|state| state.valid = result.is_ok());
        }
        result
    }
}

impl DocumentLimitsExtension {
    /// The depth and complexity validation measured, against their limits.
    fn within_cost(&self, measured: &ValidationResult) -> Result<(), Vec<ServerError>> {
        let limits = &self.limits;
        if measured.depth > limits.max_depth {
            return Err(vec![over_limit(
                format!(
                    "The query is nested {} levels deep; the limit is {}.",
                    measured.depth, limits.max_depth
                ),
                limits.max_depth,
                measured.depth,
            )]);
        }
        if measured.complexity > limits.max_complexity {
            return Err(vec![over_limit(
                format!(
                    "The query's complexity is {} (each field counts 1, a list of `first: n` counts n times its selection); the limit is {}.",
                    measured.complexity, limits.max_complexity
                ),
                limits.max_complexity,
                measured.complexity,
            )]);
        }
        Ok(())
    }
}

/// Code of a document that is not GraphQL.
pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// Code of a document that does not fit the schema.
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// A refusal for going over one of the document limits: the message names the limit and the
/// measured value, which `extensions.limit` and `extensions.measured` also carry.
pub fn over_limit(
    message: String,
    limit: impl TryInto<u64>,
    measured: impl TryInto<u64>,
) -> ServerError {
    let mut error = coded_error(message, "BAD_USER_INPUT");
    if let Some(extensions) = error.extensions.as_mut() {
        extensions.set("limit", limit.try_into().unwrap_or(u64::MAX));
        extensions.set("measured", measured.try_into().unwrap_or(u64::MAX));
    }
    error
}

/// A parse error as clients key on it: GRAPHQL_PARSE_FAILED with one readable line (the
/// parser's own message spans several lines drawing a pointer under the document).
fn parse_failed(error: ParseError) -> ServerError {
    parse_failed_message(error.into())
}

fn parse_failed_message(error: ServerError) -> ServerError {
    let expected = error
        .message
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix("= "))
        .unwrap_or(error.message.trim())
        .trim_end_matches('.')
        .to_owned();
    let message = match error.locations.first() {
        Some(Pos { line, column }) => {
            format!("Syntax error at line {line}, column {column}: {expected}.")
        }
        None => format!("Syntax error: {expected}."),
    };
    let mut failed = coded_error(message, PARSE_FAILED);
    failed.locations = error.locations;
    failed
}

/// A validation error (unknown field, wrong argument type, ...) coded GRAPHQL_VALIDATION_FAILED
/// unless a rule of ours already coded it.
fn validation_failed(mut error: ServerError) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", VALIDATION_FAILED);
    }
    error
}

/// The error of an operation stopped because it ran past `budget`.
fn out_of_time(budget: Duration) -> ServerError {
    coded_error(
        format!(
            "The operation ran longer than {} ms and was stopped; ask for less at once.",
            budget.as_millis()
        ),
        "TIMEOUT",
    )
}

/// An error raised before execution with its `extensions.code` (the HTTP layer and the
/// WebSocket keep codes they find).
pub fn coded_error(message: impl Into<String>, code: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

/// Field selections, inline fragments and spreads the operations hold once every fragment spread
/// is replaced by its fragment: the work async-graphql's depth and complexity visitors do, which
/// expand spreads without memoisation. Each fragment is counted once and its total reused, so a
/// document whose fragments each spread the previous one twice costs linear time to measure
/// (and the total saturates instead of overflowing). A fragment that spreads itself, directly or
/// not, would make those visitors recurse forever: it is refused here.
fn expanded_selections(document: &ExecutableDocument) -> Result<u64, ServerError> {
    let mut expansion = Expansion {
        document,
        totals: HashMap::new(),
    };
    let mut total: u64 = 0;
    for (_, operation) in document.operations.iter() {
        total = total.saturating_add(expansion.of_set(&operation.node.selection_set.node)?);
    }
    Ok(total)
}

struct Expansion<'a> {
    document: &'a ExecutableDocument,
    /// A fragment's expanded size, or `None` while it is being measured (a cycle if met again).
    totals: HashMap<&'a str, Option<u64>>,
}

impl<'a> Expansion<'a> {
    fn of_set(&mut self, set: &'a SelectionSet) -> Result<u64, ServerError> {
        let mut total: u64 = 0;
        for selection in &set.items {
            let inner = match &selection.node {
                Selection::Field(field) => self.of_set(&field.node.selection_set.node)?,
                Selection::InlineFragment(fragment) => {
                    self.of_set(&fragment.node.selection_set.node)?
                }
                Selection::FragmentSpread(spread) => {
                    self.of_fragment(spread.node.fragment_name.node.as_str())?
                }
            };
            total = total.saturating_add(1).saturating_add(inner);
        }
        Ok(total)
    }

    /// An unknown fragment counts nothing: validation reports it.
    fn of_fragment(&mut self, name: &'a str) -> Result<u64, ServerError> {
        match self.totals.get(name) {
            Some(Some(total)) => return Ok(*total),
            Some(None) => {
                return Err(coded_error(
                    format!("The fragment `{name}` spreads itself."),
                    VALIDATION_FAILED,
                ));
            }
            None => {}
        }
        let Some((name, fragment)) = self.document.fragments.get_key_value(name) else {
            return Ok(0);
        };
        self.totals.insert(name.as_str(), None);
        let total = self.of_set(&fragment.node.selection_set.node)?;
        self.totals.insert(name.as_str(), Some(total));
        Ok(total)
    }
}

fn count_aliases(document: &ExecutableDocument) -> usize {
    let in_operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| aliases_in(&op.node.selection_set.node))
        .sum();
    let in_fragments: usize = document
        .fragments
        .values()
        .map(|fragment| aliases_in(&fragment.node.selection_set.node))
        .sum();
    in_operations + in_fragments
}

fn aliases_in(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases_in(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => aliases_in(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Operation type of the operation a request selects, read without executing it.
pub fn selected_operation_type(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<OperationType> {
    use async_graphql::parser::types::DocumentOperations;
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}
