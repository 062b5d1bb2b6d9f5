//! The sign-in page at `/login`: one button per identity provider and, when local accounts are
//! on, the password form (posted to `/auth/password`). Server-rendered, no scripts, no external
//! assets.

use crate::analytics::{Activity, ActivityKind};
use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::{ORIGIN, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::SsoError;
use super::flow::{after_sign_in, append_cookie, redirect_response, safe_redirect};
use crate::auth::sessions::{self, SessionOrigin};
use crate::auth::{Client, local, session_cookie, session_cookie_value};
use crate::error::ApiError;
use crate::html::{self, escape};
use crate::services::Services;
use crate::users::User;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    redirect: Option<String>,
    error: Option<String>,
}

pub async fn page(
    State(services): State<Arc<Services>>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let signed_in = match session_cookie_value(&headers) {
        Some(secret) => signed_in_user(&services, &secret).await,
        None => None,
    };
    let redirect = query
        .redirect
        .as_deref()
        .and_then(safe_redirect)
        .unwrap_or_default();
    let notice = query.error.as_deref().map(form_error_message);
    let brand = html::branding(&services).await;
    html::page(
        StatusCode::OK,
        brand.as_ref(),
        &body(&services, signed_in.as_ref(), &redirect, notice),
    )
}

async fn signed_in_user(services: &Services, secret: &str) -> Option<User> {
    let mut conn = services.pool.get().await.ok()?;
    sessions::find_user(&mut conn, secret)
        .await
        .ok()
        .flatten()
        .map(|(_, user)| user)
}

fn body(
    services: &Services,
    signed_in: Option<&User>,
    redirect: &str,
    notice: Option<&str>,
) -> String {
    let config = &services.config;
    let mut html = String::new();
    if let Some(notice) = notice {
        html.push_str(&format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(notice)
        ));
    }
    if let Some(user) = signed_in {
        html.push_str(&format!(
            "<p>Signed in as <strong>{}</strong>.</p>\
             <form method=\"post\" action=\"/auth/logout\"><button type=\"submit\">Sign out</button></form>",
            escape(&user.display_name)
        ));
        return html;
    }
    let redirect_query = if redirect.is_empty() {
        String::new()
    } else {
        format!("?redirect={}", url_encode(redirect))
    };
    for provider in services.sso.providers() {
        html.push_str(&format!(
            "<a class=\"button\" href=\"/auth/{}/login{}\">Sign in with {}</a>",
            escape(&provider.config.id),
            escape(&redirect_query),
            escape(&provider.config.name)
        ));
    }
    if config.auth.local_accounts {
        if !services.sso.providers().is_empty() {
            html.push_str("<p class=\"or\">or</p>");
        }
        html.push_str(&format!(
            "<form method=\"post\" action=\"/auth/password\">\
               <label>Email or username<input name=\"identifier\" autocomplete=\"username\" required></label>\
               <label>Password<input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
               <input type=\"hidden\" name=\"redirect\" value=\"{}\">\
               <button type=\"submit\">Sign in</button>\
             </form>",
            escape(redirect)
        ));
    }
    html
}

/// A failed sign-in through a provider, explained, with a way back, in the organization's
/// branding like the sign-in page.
pub async fn error_page(services: &Services, error: &SsoError) -> Response {
    match error {
        SsoError::Internal(cause) => {
            tracing::error!(error = ?cause, "single sign-on failed")
        }
        other => tracing::info!(code = other.code(), reason = %other, "single sign-on refused"),
    }
    html::page(
        error.status(),
        html::branding(services).await.as_ref(),
        &format!(
            "<p class=\"error\" role=\"alert\">{}</p><p><code>{}</code></p>\
             <a class=\"button\" href=\"/login\">Back to sign-in</a>",
            escape(&error.to_string()),
            error.code()
        ),
    )
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    identifier: String,
    password: String,
    #[serde(default)]
    redirect: String,
}

/// The password form: a session cookie and a redirect, or back to the page with the reason.
pub async fn password_sign_in(
    State(services): State<Arc<Services>>,
    client: Client,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    // Login CSRF: only our own pages may post this form.
    if let Some(origin) = headers.get(ORIGIN).and_then(|origin| origin.to_str().ok())
        && !services.config.is_trusted_origin(origin)
    {
        return (StatusCode::FORBIDDEN, "Cross-site sign-in refused.").into_response();
    }
    let redirect = safe_redirect(&form.redirect).unwrap_or_default();
    let back_with = |reason: &str| {
        let mut target = format!("/login?error={reason}");
        if !redirect.is_empty() {
            target.push_str(&format!("&redirect={}", url_encode(&redirect)));
        }
        redirect_response(&target, None)
    };
    let user = match local::verify(&services, &client, &form.identifier, form.password).await {
        Ok(user) => user,
        Err(ApiError::RateLimited { .. }) => return back_with("rate_limited"),
        Err(ApiError::Forbidden(_)) => return back_with("local_disabled"),
        Err(ApiError::Internal(cause)) => {
            tracing::error!(error = ?cause, "password sign-in failed");
            return back_with("internal");
        }
        Err(_) => return back_with("invalid_credentials"),
    };
    signed_in_response(&services, &headers, &user, &redirect, back_with).await
}

/// Opens a session for `user` (who just proved who they are), sets its cookie and sends the
/// browser on; `failed` answers when the session cannot be opened.
pub(crate) async fn signed_in_response(
    services: &Services,
    headers: &HeaderMap,
    user: &User,
    redirect: &str,
    failed: impl FnOnce(&str) -> Response,
) -> Response {
    let origin = SessionOrigin {
        user_agent: headers
            .get(USER_AGENT)
            .and_then(|agent| agent.to_str().ok())
            .map(str::to_owned),
        sso_provider_id: None,
    };
    let lifetime = services.config.session_lifetime;
    let created = async {
        let mut conn = services.pool.get().await?;
        sessions::create(&mut conn, user.id, lifetime, origin).await
    }
    .await;
    let secret = match created {
        Ok((_, secret)) => {
            services
                .activity
                .record(Activity::by(user.id, ActivityKind::SignedIn));
            secret
        }
        Err(error) => {
            tracing::error!(?error, "opening a session failed");
            return failed("internal");
        }
    };
    let mut response = redirect_response(&after_sign_in(user, redirect), None);
    append_cookie(
        &mut response,
        session_cookie(&services.config, secret, lifetime.as_secs() as i64),
    );
    response
}

/// Only known reasons are shown: the query string must not put words in our mouth.
fn form_error_message(code: &str) -> &'static str {
    match code {
        "invalid_credentials" => "Unknown email or username, or wrong password.",
        "rate_limited" => "Too many attempts. Please wait a few minutes and try again.",
        "local_disabled" => "Password sign-in is turned off; use your organization's account.",
        _ => "Signing in did not work. Please try again.",
    }
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
