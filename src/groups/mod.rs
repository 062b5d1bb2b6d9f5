//! Groups (communities): membership and roles, join requests, invitations, membership rules,
//! incoming webhooks.

pub mod graphql;
pub mod loading;
pub mod model;
pub mod mutations;
pub mod roles;
pub mod rules;
pub mod service;
pub mod slugs;
pub mod webhooks;

pub use model::{Group, GroupAccess, GroupRole, JoinPolicy, PostingPolicy, Visibility};

/// The GraphQL type of a group: global ids and NOT_FOUND errors name it.
pub const TYPE_NAME: &str = "Group";
