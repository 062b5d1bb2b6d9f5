//! Incoming webhooks: integrations a group's managers add. Each has a secret URL
//! (`POST /hooks/{token}`) that publishes a post into the group as that integration. Tokens are
//! revocable and stored hashed.

pub mod graphql;
pub mod http;
pub mod model;
pub mod service;

pub use model::Webhook;

/// The GraphQL type of a webhook: global ids, NOT_FOUND errors and audit entries name it.
pub const TYPE_NAME: &str = "GroupWebhook";
