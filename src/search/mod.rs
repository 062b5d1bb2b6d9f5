//! One search over everything a person may see: people, groups, posts, comments, events, files
//! and chat messages, on PostgreSQL's full-text search (French and English stemming, accents and
//! case ignored, prefixes while typing, typos in names and titles), filtered by the policy in
//! SQL (`policy::search`).
//!
//! The index is the table `search_entries`, which triggers keep in the same transaction as every
//! change (see the search migration); adding a type is an index function and its triggers there,
//! a `Kind` here and a line in `parvis_search_body`.

pub mod graphql;
pub mod model;
pub mod query;
pub mod service;

pub use model::{Hit, Kind, SearchFilter};
pub use service::Search;
