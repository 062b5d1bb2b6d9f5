//! Who is calling: passwords, sessions, personal access tokens and the viewer they resolve to,
//! and revoking them all.

pub mod access_tokens;
pub mod cache;
mod client;
pub mod graphql;
pub mod local;
pub mod password;
pub mod request;
mod revocation;
pub mod secrets;
pub mod sessions;
pub mod throttle;
mod viewer;
pub mod watch;

pub use client::{AddressRange, Client};
pub use revocation::revoke_credentials;
pub use viewer::{
    Credential, LiveViewer, SignedIn, Viewer, authenticate, authorization_header, bearer_token,
    session_cookie_value, viewer_of,
};

/// Name of the HttpOnly cookie that carries the session secret.
pub const SESSION_COOKIE: &str = "parvis_session";

/// The `Set-Cookie` value for the session cookie; an empty value with no lifetime clears it.
pub fn session_cookie(
    config: &crate::config::AppConfig,
    value: String,
    max_age_seconds: i64,
) -> String {
    use axum_extra::extract::cookie::{Cookie, SameSite};
    Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .secure(config.cookie_secure())
        // Lax: sent when people follow a link to us (and back from the identity provider), never
        // on cross-site POSTs.
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_seconds))
        .build()
        .to_string()
}
