//! Signed-out clients may not read the schema. A document asking for `__schema` or `__type`
//! answers UNAUTHENTICATED before it runs: async-graphql's own switch answers `null` without an
//! error, which GraphiQL and code generators report as a broken server instead of "sign in".

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerResult, Variables};

use super::limits::coded_error;
use crate::error::ApiError;

/// The extension the signed-out schema runs.
pub struct SignInToIntrospect {
    message: Arc<str>,
}

impl SignInToIntrospect {
    /// `demo`: the server runs the demo organization, whose credentials the refusal gives.
    pub fn new(demo: bool) -> Self {
        let mut message = String::from(
            "Sign in to explore the schema: introspection (`__schema`, `__type`) answers signed-in clients only. Run the `signIn` mutation or send `Authorization: Bearer <personal access token>`, then reload the schema.",
        );
        if demo {
            message.push_str(&format!(
                " This is the demo: sign in as `helene.dubois` (an admin) with the password `{}`.",
                crate::demo::DEMO_PASSWORD
            ));
        }
        Self {
            message: message.into(),
        }
    }
}

impl ExtensionFactory for SignInToIntrospect {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Self {
            message: self.message.clone(),
        })
    }
}

#[async_trait::async_trait]
impl Extension for SignInToIntrospect {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if asks_for_schema(&document) {
            return Err(coded_error(
                self.message.to_string(),
                ApiError::Unauthenticated.code(),
            ));
        }
        Ok(document)
    }
}

/// Whether an operation selects `__schema` or `__type` at its root, directly or through
/// fragments (the only place the two fields exist).
fn asks_for_schema(document: &ExecutableDocument) -> bool {
    let mut seen = HashSet::new();
    document
        .operations
        .iter()
        .any(|(_, operation)| root_asks(document, &operation.node.selection_set.node, &mut seen))
}

fn root_asks<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
) -> bool {
    set.items.iter().any(|selection| match &selection.node {
        Selection::Field(field) => matches!(field.node.name.node.as_str(), "__schema" | "__type"),
        Selection::InlineFragment(fragment) => {
            root_asks(document, &fragment.node.selection_set.node, seen)
        }
        Selection::FragmentSpread(spread) => {
            let name = spread.node.fragment_name.node.as_str();
            seen.insert(name)
                && document.fragments.get(name).is_some_and(|fragment| {
                    root_asks(document, &fragment.node.selection_set.node, seen)
                })
        }
    })
}
