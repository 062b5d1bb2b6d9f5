//! Relay cursor connections built from keyset pages.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{OutputType, SimpleObject};
use serde::Serialize;

use crate::pagination::{Page, encode_cursor};

/// Fields every connection has besides `edges` and `pageInfo`.
#[derive(Debug, SimpleObject)]
pub struct ConnectionFields {
    /// How many items match, across all pages.
    pub total_count: i64,
}

pub type PageConnection<N> = Connection<String, N, ConnectionFields>;

/// Turns a page into a connection; `key` gives the sort key each cursor encodes.
pub fn connection<T, K, N>(
    page: Page<T>,
    key: impl Fn(&T) -> K,
    node: impl Fn(T) -> N,
) -> PageConnection<N>
where
    K: Serialize,
    N: OutputType,
{
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        ConnectionFields {
            total_count: page.total_count,
        },
    );
    connection.edges = page
        .items
        .into_iter()
        .map(|item| Edge::new(encode_cursor(&key(&item)), node(item)))
        .collect();
    connection
}
