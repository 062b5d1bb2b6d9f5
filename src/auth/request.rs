//! What signing in does to the GraphQL request it happens in: a new session, its cookie, and the
//! viewer for the rest of the request. Signing in with a password here and accepting an
//! invitation (`accounts`) both end with `start_session`.

use async_graphql::Context;
use axum::http::header::SET_COOKIE;
use chrono::{DateTime, Utc};

use super::sessions::{self, SessionOrigin};
use super::{Credential, Viewer};
use crate::analytics::{Activity, ActivityKind};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::users::User;

/// Sets (or, with an empty value and no lifetime, clears) the HttpOnly session cookie.
pub(super) fn set_session_cookie(ctx: &Context<'_>, value: String, max_age_seconds: i64) {
    let cookie = super::session_cookie(&ctx.services().config, value, max_age_seconds);
    ctx.append_http_header(SET_COOKIE, cookie);
}

/// Opens a session for a person who just proved who they are (a password, an invitation, an
/// activation code) and sets its cookie; returns when it expires.
pub async fn start_session(ctx: &Context<'_>, user: &User) -> ApiResult<DateTime<Utc>> {
    let user_id = user.id;
    let services = ctx.services();
    let mut conn = ctx.conn().await?;
    let (session, secret) = sessions::create(
        &mut conn,
        user_id,
        services.config.session_lifetime,
        SessionOrigin {
            user_agent: ctx.request().user_agent.clone(),
            sso_provider_id: None,
        },
    )
    .await?;
    let lifetime = services.config.session_lifetime.as_secs() as i64;
    set_session_cookie(ctx, secret, lifetime);
    // One sign-in per request (a password is checked at most once), so this is set once.
    let _ = ctx.request().signed_in.set(Viewer::new(
        user.clone(),
        Credential::Session {
            id: session.id,
            expires_at: session.expires_at,
        },
    ));
    services
        .activity
        .record(Activity::by(user_id, ActivityKind::SignedIn));
    Ok(session.expires_at)
}
