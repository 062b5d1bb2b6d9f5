//! The news feed: posts in groups or organisation-wide, comments and reactions.

pub mod graphql;
pub mod loaders;
pub mod model;
pub mod polls;
pub mod service;

pub use model::Post;
