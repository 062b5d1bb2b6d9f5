//! The news feed: posts in groups or organisation-wide, comments and reactions.

pub mod graphql;
pub mod model;

pub use model::Post;
