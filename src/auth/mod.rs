//! Who is calling: passwords, sessions, personal access tokens and the viewer they resolve to.

pub mod access_tokens;
pub mod graphql;
pub mod password;
pub mod secrets;
pub mod sessions;
pub mod throttle;
mod viewer;

pub use viewer::{
    Credential, Viewer, authenticate, authorization_header, bearer_token, revalidate,
    session_cookie_value,
};

/// Name of the HttpOnly cookie that carries the session secret.
pub const SESSION_COOKIE: &str = "parvis_session";
