//! Resolves the credentials of a request (session cookie or bearer token) to the viewer.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access_tokens::AccessToken;
use super::cache::Presented;
use super::{SESSION_COOKIE, access_tokens, sessions};
use crate::error::{ApiError, ApiResult};
use crate::services::Services;
use crate::users::User;

/// How the viewer proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Session {
        id: Uuid,
        expires_at: DateTime<Utc>,
    },
    AccessToken {
        id: Uuid,
        /// A token may not mint tokens that outlive it.
        expires_at: Option<DateTime<Utc>>,
    },
    /// A JWT access token from a configured identity provider.
    ProviderToken {
        expires_at: DateTime<Utc>,
    },
    /// The secret URL of a calendar feed: reads that person's calendar, nothing else.
    CalendarFeed(Uuid),
    /// Not a request: a notification's recipient, as whom the policy checks what they may hear of.
    Recipient,
}

impl Credential {
    /// When the credential stops working by itself (sessions are renewed by signing in).
    pub fn expires_at(self) -> Option<DateTime<Utc>> {
        match self {
            Self::CalendarFeed(_) | Self::Recipient => None,
            Self::AccessToken { expires_at, .. } => expires_at,
            Self::Session { expires_at, .. } | Self::ProviderToken { expires_at } => {
                Some(expires_at)
            }
        }
    }

    /// The session or personal access token, by its id.
    pub fn stored_id(self) -> Option<Uuid> {
        match self {
            Self::Session { id, .. } | Self::AccessToken { id, .. } => Some(id),
            Self::ProviderToken { .. } | Self::CalendarFeed(_) | Self::Recipient => None,
        }
    }
}

/// The signed-in, active person making a request. Cheap to clone (the person is shared): each
/// request takes its own from the credential cache.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: Arc<User>,
    pub credential: Credential,
}

impl Viewer {
    pub fn new(user: User, credential: Credential) -> Self {
        Self {
            user: Arc::new(user),
            credential,
        }
    }

    pub fn id(&self) -> Uuid {
        self.user.id
    }

    fn from_token(token: AccessToken, user: User) -> Self {
        Self::new(
            user,
            Credential::AccessToken {
                id: token.id,
                expires_at: token.expires_at,
            },
        )
    }
}

/// The token of an `Authorization: Bearer ...` header (or of the same text in a WebSocket
/// `connection_init` payload).
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub fn session_cookie_value(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
}

pub fn authorization_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(AUTHORIZATION)?.to_str().ok()
}

/// The viewer, if any. A bearer token that is present but invalid is an error (the client asked
/// to be someone); a stale session cookie only means "signed out". A credential verified a
/// moment ago is taken from the instance's cache (see `auth::cache`); no connection is taken then.
pub async fn authenticate(
    services: &Services,
    authorization: Option<&str>,
    session_cookie: Option<&str>,
) -> ApiResult<Option<Viewer>> {
    let presented = match (authorization, session_cookie) {
        (Some(header), _) => {
            Presented::Bearer(bearer_token(header).ok_or(ApiError::Unauthenticated)?)
        }
        (None, Some(secret)) => Presented::SessionCookie(secret),
        (None, None) => return Ok(None),
    };
    let miss = match services.credentials.get(presented) {
        Ok(viewer) => return Ok(Some(viewer)),
        Err(miss) => miss,
    };
    let mut conn = services.pool.get().await?;
    let verified = verify(services, &mut conn, presented).await?;
    Ok(verified.map(|(viewer, expires_at)| {
        services.credentials.store(miss, &viewer, expires_at);
        viewer
    }))
}

/// Checks a credential against the database (and a provider's token against its keys): the
/// viewer it proves, and when it stops working by itself.
async fn verify(
    services: &Services,
    conn: &mut AsyncPgConnection,
    presented: Presented<'_>,
) -> ApiResult<Option<(Viewer, Option<DateTime<Utc>>)>> {
    match presented {
        Presented::Bearer(token) => {
            if let Some(provider) = services.sso.bearer_provider(token) {
                let (user, expires_at) =
                    crate::sso::authenticate_bearer(conn, provider, token).await?;
                let credential = Credential::ProviderToken { expires_at };
                return Ok(Some((Viewer::new(user, credential), Some(expires_at))));
            }
            let (token, user) = access_tokens::find_user(conn, token)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
            let expires_at = token.expires_at;
            Ok(Some((Viewer::from_token(token, user), expires_at)))
        }
        Presented::SessionCookie(secret) => {
            let found = sessions::find_user(conn, secret).await?;
            Ok(found.map(|(session, user)| {
                let credential = Credential::Session {
                    id: session.id,
                    expires_at: session.expires_at,
                };
                (Viewer::new(user, credential), Some(session.expires_at))
            }))
        }
    }
}

/// The viewer an HTTP request authenticates as: the one way every route (GraphQL and the rest)
/// reads credentials.
pub async fn viewer_of(services: &Services, headers: &HeaderMap) -> ApiResult<Option<Viewer>> {
    let cookie = session_cookie_value(headers);
    authenticate(services, authorization_header(headers), cookie.as_deref()).await
}

/// The signed-in viewer of a request to a route outside GraphQL (downloads, feeds, exports): a
/// request without working credentials is refused with 401 (take `Result<SignedIn, ApiError>` to
/// answer otherwise).
pub struct SignedIn(pub Viewer);

impl<S: AsRef<Services> + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        viewer_of(state.as_ref(), &parts.headers)
            .await?
            .map(Self)
            .ok_or(ApiError::Unauthenticated)
    }
}

/// The viewer of a long-lived connection (a WebSocket, a subscription), as they are now: asked
/// before each operation and event, so that a revoked token, an ended session, a deactivation
/// or a change of role takes effect at once. The database is asked again only when it may tell
/// something new: once this instance heard of a change to the person's account, sessions or
/// tokens (see `auth::cache`), or once the credential expired by itself. So an event reaching
/// thousands of subscriptions costs no query to re-validate them.
pub struct LiveViewer {
    viewer: Viewer,
    forgettings: u64,
}

impl LiveViewer {
    /// `viewer` as just authenticated.
    pub fn new(services: &Services, viewer: Viewer) -> Self {
        Self {
            forgettings: services.credentials.forgettings_of(viewer.id()),
            viewer,
        }
    }

    /// The viewer as they are now; `None` when the credential no longer works.
    pub async fn current(&mut self, services: &Services) -> ApiResult<Option<Viewer>> {
        let cache = &services.credentials;
        // Read before the database, as a cache miss does: a change heard meanwhile is not lost.
        let forgettings = cache.forgettings_of(self.viewer.id());
        let expired = self
            .viewer
            .credential
            .expires_at()
            .is_some_and(|expires_at| expires_at <= Utc::now());
        if forgettings == self.forgettings && !expired {
            return Ok(Some(self.viewer.clone()));
        }
        // Boxed: the common path above stays a small future, for thousands of subscriptions.
        let read_again = async {
            let mut conn = services.pool.get().await?;
            revalidate(&mut conn, &self.viewer).await
        };
        let Some(current) = Box::pin(read_again).await? else {
            return Ok(None);
        };
        *self = Self {
            viewer: current.clone(),
            forgettings,
        };
        Ok(Some(current))
    }

    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }
}

/// The viewer as they are now, read again from the database. `None` when the credential no
/// longer works.
async fn revalidate(conn: &mut AsyncPgConnection, viewer: &Viewer) -> ApiResult<Option<Viewer>> {
    Ok(match viewer.credential {
        Credential::Session { id, .. } => {
            sessions::find_live(conn, id).await?.map(|(session, user)| {
                let credential = Credential::Session {
                    id: session.id,
                    expires_at: session.expires_at,
                };
                Viewer::new(user, credential)
            })
        }
        Credential::AccessToken { id, .. } => access_tokens::find_live(conn, id)
            .await?
            .map(|(token, user)| Viewer::from_token(token, user)),
        Credential::ProviderToken { expires_at } if expires_at > Utc::now() => {
            crate::users::model::find(conn, viewer.id())
                .await?
                .filter(User::is_active)
                .map(|user| Viewer::new(user, viewer.credential))
        }
        // Feeds are fetched in one request, never over a long-lived connection.
        Credential::ProviderToken { .. } | Credential::CalendarFeed(_) | Credential::Recipient => {
            None
        }
    })
}
