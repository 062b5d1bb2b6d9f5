//! Limits on what one GraphQL document may ask for (OWASP GraphQL cheat sheet), beyond the depth,
//! complexity and directive limits async-graphql checks itself: tokens before parsing, aliases
//! after. The same extension records the operation type for metrics and whether the document
//! was valid (a request that is not gets a 4xx, or a WebSocket `error` message).

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

use crate::config::QueryLimits;

/// What the HTTP layer learns about a request while it runs.
#[derive(Debug, Default, Clone)]
pub struct RequestTrace(Arc<Mutex<TraceState>>);

#[derive(Debug, Default, Clone, Copy)]
pub struct TraceState {
    pub operation_type: Option<OperationType>,
    /// False when the request failed before execution (parse or validation): a "request error".
    pub valid: bool,
}

impl RequestTrace {
    pub fn get(&self) -> TraceState {
        self.0.lock().map(|state| *state).unwrap_or_default()
    }

    fn update(&self, change: impl FnOnce(&mut TraceState)) {
        if let Ok(mut state) = self.0.lock() {
            change(&mut state);
        }
    }
}

pub struct DocumentLimits(pub QueryLimits);

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentLimitsExtension(self.0.clone()))
    }
}

struct DocumentLimitsExtension(QueryLimits);

#[async_trait::async_trait]
impl Extension for DocumentLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let tokens = count_tokens(query);
        if tokens > self.0.max_tokens {
            return Err(limit_error(format!(
                "The query has {tokens} tokens; the limit is {}.",
                self.0.max_tokens
            )));
        }
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > self.0.max_aliases {
            return Err(limit_error(format!(
                "The query uses {aliases} aliases; the limit is {}.",
                self.0.max_aliases
            )));
        }
        if let Some(trace) = ctx.data_opt::<RequestTrace>() {
            let operation_type = document.operations.iter().next().map(|(_, op)| op.node.ty);
            trace.update(|state| state.operation_type = operation_type);
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if let Some(trace) = ctx.data_opt::<RequestTrace>() {
            trace.update(|state| state.valid = result.is_ok());
        }
        result
    }
}

fn limit_error(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "BAD_USER_INPUT");
    error.extensions = Some(extensions);
    error
}

/// Lexical tokens of a GraphQL document (names, numbers, strings, punctuators), without parsing,
/// so an enormous document is refused before it costs a parse.
pub fn count_tokens(query: &str) -> usize {
    let mut tokens = 0;
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => while chars.next_if(|&c| c != '\n').is_some() {},
            c if c.is_whitespace() || c == ',' => {}
            '"' => {
                tokens += 1;
                let mut escaped = false;
                for c in chars.by_ref() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
            }
            c if c.is_alphanumeric() || c == '_' || c == '-' => {
                tokens += 1;
                while chars
                    .next_if(|&c| c.is_alphanumeric() || c == '_' || c == '.')
                    .is_some()
                {}
            }
            _ => tokens += 1,
        }
    }
    tokens
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

#[cfg(test)]
mod tests {
    use super::count_tokens;

    #[test]
    fn counts_names_punctuators_and_strings_but_not_comments() {
        assert_eq!(count_tokens("{ user(id: \"a b\") { name } } # comment"), 11);
    }
}
