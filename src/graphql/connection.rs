//! Relay cursor connections built from keyset pages.

use async_graphql::connection::{Connection, Edge, PageInfo};
use async_graphql::{OutputType, SchemaBuilder, SimpleObject};
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

/// A connection type's description: what it holds, then how every connection pages.
macro_rules! page_of {
    ($what:literal) => {
        concat!(
            "A page of ",
            $what,
            ", ordered as the field that returns it says. `edges` (or `nodes`) hold the items; \
             pass `pageInfo.endCursor` as `after` for the next page, or page backwards with \
             `last` and `pageInfo.startCursor` as `before`. `totalCount` counts every match \
             across all pages."
        )
    };
}

/// Describes `PageInfo` and every connection type of the schema: async-graphql gives connections
/// no description of their own, and `PageInfo` only its generic one.
pub fn describe<Q, M, S>(builder: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S> {
    builder
        .override_output_type_description::<PageInfo>(
            "Where a page sits in its list. Paging forwards (`first`/`after`): while \
             `hasNextPage` is true, pass `endCursor` as `after` for the next page; \
             `hasPreviousPage` is then true when the page was asked for with `after`. Paging \
             backwards (`last`/`before`): while `hasPreviousPage` is true, pass `startCursor` \
             as `before` for the page before; `hasNextPage` is then true when the page was \
             asked for with `before`.",
        )
        .override_output_type_description::<PageConnection<crate::users::User>>(page_of!(
            "people"
        ))
        .override_output_type_description::<PageConnection<crate::groups::GroupAccess>>(
            page_of!("groups"),
        )
        .override_output_type_description::<PageConnection<crate::groups::model::Member>>(
            page_of!("a group's members, each with their role"),
        )
        .override_output_type_description::<PageConnection<crate::groups::model::JoinRequest>>(
            page_of!("requests to join a group"),
        )
        .override_output_type_description::<PageConnection<crate::groups::model::Invitation>>(
            page_of!("invitations to join groups"),
        )
        .override_output_type_description::<
            PageConnection<crate::accounts::invitations::AccountInvitation>,
        >(page_of!("invitations to join the organization by email"))
        .override_output_type_description::<PageConnection<crate::audit::model::Entry>>(
            page_of!("audit log entries"),
        )
        .override_output_type_description::<PageConnection<crate::posts::Post>>(page_of!(
            "posts"
        ))
        .override_output_type_description::<PageConnection<crate::posts::model::Comment>>(
            page_of!("comments"),
        )
        .override_output_type_description::<
            PageConnection<crate::events_calendar::graphql::EventOccurrence>,
        >(page_of!("event occurrences (a repeating event has one per date)"))
        .override_output_type_description::<PageConnection<crate::files::graphql::FileView>>(
            page_of!("files"),
        )
        .override_output_type_description::<PageConnection<crate::notifications::Notification>>(
            page_of!("notifications"),
        )
        .override_output_type_description::<PageConnection<crate::newsletters::model::Newsletter>>(
            page_of!("newsletters"),
        )
        .override_output_type_description::<PageConnection<crate::surveys::access::SurveyView>>(
            page_of!("surveys"),
        )
        .override_output_type_description::<
            PageConnection<crate::surveys::graphql::SurveyTextAnswer>,
        >(page_of!("free-text answers to a survey question"))
        .override_output_type_description::<PageConnection<crate::chat::ConversationAccess>>(
            page_of!("conversations"),
        )
        .override_output_type_description::<PageConnection<crate::chat::graphql::MessageView>>(
            page_of!("messages"),
        )
        .override_output_type_description::<crate::search::graphql::SearchConnection>(
            "A page of search hits, best first. `edges` (or `nodes`) hold the hits; pass \
             `pageInfo.endCursor` as `after` for the next page, or page backwards with `last` \
             and `pageInfo.startCursor` as `before`. `totalCount` counts the hits of the types \
             asked for across all pages, `countsByType` those of every type.",
        )
}
