//! The organization this server runs for: its name and branding (public, so sign-in pages and
//! apps can theme themselves), and the settings admins change (allowed email domains, the time
//! zone analytics count days in, how long raw activity is kept).

pub mod branding;
pub mod graphql;
pub mod model;

pub use model::Organization;
