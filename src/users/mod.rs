//! People: the company directory, profiles and org roles.

pub mod graphql;
pub mod model;
pub mod visibility;

pub use model::{NewUser, OrgRole, User, UserStatus};
