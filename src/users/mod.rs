//! People: the company directory, profiles and org roles.

pub mod graphql;
pub mod model;

pub use model::{NewUser, OrgRole, User, UserStatus};
