//! The browser sign-in: `GET /auth/{provider}/login` sends the browser to the provider,
//! `GET /auth/{provider}/callback` checks what comes back and opens a session, and
//! `POST /auth/logout` ends it (at the provider too, when it supports that).

use crate::analytics::{Activity, ActivityKind};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, ORIGIN, SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use diesel_async::AsyncConnection;
use serde::Deserialize;

use super::attempts::{self, NewLoginAttempt};
use super::provisioning::{self, NewcomerPolicy};
use super::{SsoError, login_page};
use crate::auth::sessions::{self, SessionOrigin};
use crate::auth::{secrets, session_cookie, session_cookie_value};
use crate::services::Services;
use crate::users::User;

/// Binds a sign-in in flight to the browser that started it.
const BROWSER_COOKIE: &str = "parvis_sso";

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    redirect: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

pub async fn login(
    State(services): State<Arc<Services>>,
    Path(provider_id): Path<String>,
    Query(query): Query<LoginQuery>,
    jar: CookieJar,
) -> Response {
    match start(&services, &provider_id, query.redirect.as_deref(), &jar).await {
        Ok(response) => response,
        Err(error) => login_page::error_page(&services, &error).await,
    }
}

async fn start(
    services: &Services,
    provider_id: &str,
    redirect: Option<&str>,
    jar: &CookieJar,
) -> Result<Response, SsoError> {
    let provider = services.sso.provider(provider_id)?;
    let redirect_path = match redirect {
        Some(target) => Some(safe_redirect(target).ok_or(SsoError::InvalidRedirect)?),
        None => None,
    };
    let request = provider.authorization_request().await?;
    // Several tabs may sign in at once: they share the browser's secret.
    let browser_secret = jar
        .get(BROWSER_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .filter(|secret| secret.starts_with("pvb_"))
        .unwrap_or_else(|| secrets::generate("pvb_"));
    let mut conn = services
        .pool
        .get()
        .await
        .map_err(crate::error::ApiError::from)?;
    attempts::save(
        &mut conn,
        NewLoginAttempt {
            state: request.state.secret(),
            browser_secret: &browser_secret,
            provider_id,
            nonce: request.nonce.secret(),
            pkce_verifier: request.pkce_verifier.secret(),
            redirect_path: redirect_path.as_deref().unwrap_or_default(),
        },
    )
    .await?;
    let cookie = Cookie::build((BROWSER_COOKIE, browser_secret))
        .http_only(true)
        .secure(services.config.cookie_secure())
        // Lax: the provider sends the browser back with a top-level GET.
        .same_site(SameSite::Lax)
        .path("/auth/")
        .max_age(cookie::time::Duration::seconds(
            attempts::LIFETIME.num_seconds(),
        ))
        .build();
    Ok(redirect_response(
        request.url.as_str(),
        Some(cookie.to_string()),
    ))
}

pub async fn callback(
    State(services): State<Arc<Services>>,
    Path(provider_id): Path<String>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    match finish(&services, &provider_id, query, &headers, &jar).await {
        Ok(response) => response,
        Err(error) => login_page::error_page(&services, &error).await,
    }
}

async fn finish(
    services: &Services,
    provider_id: &str,
    query: CallbackQuery,
    headers: &HeaderMap,
    jar: &CookieJar,
) -> Result<Response, SsoError> {
    let provider = services.sso.provider(provider_id)?;
    let state = query.state.ok_or(SsoError::InvalidState)?;
    let attempt = {
        let mut conn = services
            .pool
            .get()
            .await
            .map_err(crate::error::ApiError::from)?;
        attempts::take(&mut conn, &state)
            .await?
            .ok_or(SsoError::InvalidState)?
    };
    let browser_secret = jar.get(BROWSER_COOKIE).map(|cookie| cookie.value());
    if attempt.provider_id != provider_id {
        return Err(SsoError::InvalidState);
    }
    if !attempt.belongs_to(provider_id, browser_secret) {
        return Err(SsoError::OtherBrowser);
    }
    provider.check_response_issuer(query.iss.as_deref()).await?;
    if let Some(error) = query.error {
        let description = query.error_description.unwrap_or_default();
        return Err(SsoError::ProviderRefused(
            format!("{error} {description}").trim().to_owned(),
        ));
    }
    let code = query
        .code
        .ok_or_else(|| SsoError::CodeRejected("the response has no code".into()))?;
    let sign_in = provider
        .complete_sign_in(
            code,
            openidconnect::PkceCodeVerifier::new(attempt.pkce_verifier),
            &openidconnect::Nonce::new(attempt.nonce),
        )
        .await?;
    let origin = SessionOrigin {
        user_agent: headers
            .get(USER_AGENT)
            .and_then(|agent| agent.to_str().ok())
            .map(str::to_owned),
        sso_provider_id: Some(provider_id.to_owned()),
    };
    let issuer = provider.issuer().to_owned();
    let lifetime = services.config.session_lifetime;
    let mut conn = services
        .pool
        .get()
        .await
        .map_err(crate::error::ApiError::from)?;
    let (user, secret) = conn
        .transaction::<_, SsoError, _>(async |conn| {
            let user = provisioning::sign_in(
                conn,
                &provider.config,
                &issuer,
                &sign_in.subject,
                &sign_in.claims,
                NewcomerPolicy::Provision,
            )
            .await?;
            let (_, secret) = sessions::create(conn, user.id, lifetime, origin).await?;
            Ok((user, secret))
        })
        .await?;
    tracing::info!(provider = provider_id, user = %user.id, "signed in through the identity provider");
    services
        .activity
        .record(Activity::by(user.id, ActivityKind::SignedIn));
    let target = after_sign_in(&user, &attempt.redirect_path);
    let mut response = redirect_response(&target, None);
    append_cookie(
        &mut response,
        session_cookie(&services.config, secret, lifetime.as_secs() as i64),
    );
    append_cookie(
        &mut response,
        clear_browser_cookie(services.config.cookie_secure()),
    );
    Ok(response)
}

/// Where a person lands after signing in without asking for a page: GraphiQL for admins, who
/// explore the API there; the sign-in page (which shows who is signed in) for everyone else.
pub fn after_sign_in(user: &User, requested: &str) -> String {
    if !requested.is_empty() {
        requested.to_owned()
    } else if user.is_admin() {
        "/graphiql".to_owned()
    } else {
        "/login".to_owned()
    }
}

/// A same-origin path to go to after sign-in, or `None` (no open redirect: no scheme, no host,
/// no `//` or `/\` that browsers read as another host, no control characters).
pub fn safe_redirect(target: &str) -> Option<String> {
    let target = target.trim();
    let well_formed = target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && target.len() <= 2_000
        && !target.chars().any(|c| c.is_control() || c == '\\');
    well_formed.then(|| target.to_owned())
}

/// Ends the session of the browser (form POST from the sign-in page); then signs out at the
/// provider that opened it, when it offers an end-session endpoint.
pub async fn logout(State(services): State<Arc<Services>>, headers: HeaderMap) -> Response {
    if let Some(origin) = headers.get(ORIGIN).and_then(|origin| origin.to_str().ok())
        && !services.config.is_trusted_origin(origin)
    {
        return (StatusCode::FORBIDDEN, "Cross-site sign-out refused.").into_response();
    }
    let mut target = "/login".to_owned();
    if let Some(secret) = session_cookie_value(&headers) {
        match end_session(&services, &secret).await {
            Ok(Some(provider_logout)) => target = provider_logout,
            Ok(None) => {}
            Err(error) => return login_page::error_page(&services, &error).await,
        }
    }
    let mut response = redirect_response(&target, None);
    append_cookie(
        &mut response,
        session_cookie(&services.config, String::new(), 0),
    );
    response
}

/// Deletes the session; returns the provider's end-session URL when it opened the session.
async fn end_session(services: &Services, secret: &str) -> Result<Option<String>, SsoError> {
    let mut conn = services
        .pool
        .get()
        .await
        .map_err(crate::error::ApiError::from)?;
    let Some((session, _)) = sessions::find_user(&mut conn, secret).await? else {
        return Ok(None);
    };
    sessions::end(&mut conn, &services.events, &session).await?;
    let Some(provider) = session
        .sso_provider_id
        .as_deref()
        .and_then(|id| services.sso.provider(id).ok())
    else {
        return Ok(None);
    };
    let back = format!("{}/login", services.config.public_url);
    Ok(provider
        .end_session_url(&back)
        .await
        .map(|url| url.to_string()))
}

fn clear_browser_cookie(secure: bool) -> String {
    Cookie::build((BROWSER_COOKIE, ""))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .path("/auth/")
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

pub fn redirect_response(target: &str, cookie: Option<String>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(target) {
        response.headers_mut().insert(LOCATION, location);
    }
    if let Some(cookie) = cookie {
        append_cookie(&mut response, cookie);
    }
    response
}

pub fn append_cookie(response: &mut Response, cookie: String) {
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::safe_redirect;

    #[test]
    fn only_paths_on_this_site_are_redirect_targets() {
        assert_eq!(
            safe_redirect("/graphiql?x=1").as_deref(),
            Some("/graphiql?x=1")
        );
        for target in [
            "https://evil.test/",
            "//evil.test/",
            "/\\evil.test",
            "javascript:alert(1)",
            "evil.test",
            "/\tevil",
            "",
        ] {
            assert_eq!(safe_redirect(target), None, "{target:?}");
        }
    }
}
