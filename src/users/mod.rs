//! People: the company directory, profiles and org roles.

pub mod graphql;
pub mod loading;
pub mod model;
pub mod visibility;

pub use model::{NewUser, OrgRole, User, UserStatus};

/// The GraphQL type of a person: global ids and NOT_FOUND errors name it.
pub const TYPE_NAME: &str = "User";
