//! The news feed: posts in groups or organization-wide, comments and reactions.

pub mod graphql;
pub mod loaders;
pub mod loading;
pub mod model;
pub mod polls;
pub mod service;

pub use model::Post;

/// The GraphQL type of a post: global ids and NOT_FOUND errors name it.
pub const TYPE_NAME: &str = "Post";
pub const COMMENT_TYPE: &str = "Comment";
