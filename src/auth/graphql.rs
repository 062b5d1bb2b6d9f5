//! Sign-in, sign-out and personal access tokens over GraphQL.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::access_tokens::{self, AccessToken};
use super::request::{set_session_cookie, start_session};
use super::sessions::Session;
use super::{Credential, sessions};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::policy::{self, Action, Resource};
use crate::users::User;
use crate::validation::{self, Limit};

pub const TOKEN_TYPE_NAME: &str = "PersonalAccessToken";
pub const SESSION_TYPE_NAME: &str = "Session";

/// A token for API clients, sent as `Authorization: Bearer <secret>`.
#[Object(name = "PersonalAccessToken")]
impl AccessToken {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TOKEN_TYPE_NAME, self.id)
    }
    /// What the token is for, as its owner named it.
    async fn name(&self) -> &str {
        &self.name
    }
    /// When the token was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When the token stops working by itself; null when it never does.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }
    /// When a request last used it (updated at most once a minute); null when never used.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.last_used_at
    }
    /// When it was revoked; null while it works.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }
}

/// A signed-in browser or app (a session cookie).
#[Object(name = "Session")]
impl Session {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(SESSION_TYPE_NAME, self.id)
    }
    /// The `User-Agent` of the client that signed in (up to 512 characters); null when it sent
    /// none.
    async fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }
    /// When the person signed in.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When the session was last used (updated at most every few minutes).
    async fn last_seen_at(&self) -> DateTime<Utc> {
        self.last_seen_at
    }
    /// When the session stops working unless it is ended sooner; signing in again makes a new
    /// one.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
    /// Whether this is the session of the request asking.
    async fn current(&self, ctx: &Context<'_>) -> bool {
        ctx.viewer()
            .is_ok_and(|viewer| viewer.credential.stored_id() == Some(self.id))
    }
    /// The identity provider the person signed in with; null for a password.
    async fn signed_in_with(&self, ctx: &Context<'_>) -> Option<String> {
        let provider = self.sso_provider_id.as_deref()?;
        ctx.services()
            .sso
            .provider(provider)
            .ok()
            .map(|provider| provider.config.name.clone())
    }
}

/// A session of the viewer's own; anyone else's is NOT_FOUND.
pub async fn load_visible_session(ctx: &Context<'_>, id: Uuid) -> ApiResult<Session> {
    let viewer = ctx.viewer()?;
    let mut conn = ctx.conn().await?;
    sessions::find(&mut conn, id)
        .await?
        .filter(|session| policy::can(viewer, Action::View, Resource::Session(session)).allowed())
        .ok_or(ApiError::NotFound(SESSION_TYPE_NAME))
}

/// A token of the viewer's own; anyone else's is NOT_FOUND.
pub async fn load_visible_token(ctx: &Context<'_>, id: Uuid) -> ApiResult<AccessToken> {
    let viewer = ctx.viewer()?;
    let mut conn = ctx.conn().await?;
    access_tokens::find(&mut conn, id)
        .await?
        .filter(|token| policy::can(viewer, Action::View, Resource::AccessToken(token)).allowed())
        .ok_or(ApiError::NotFound(TOKEN_TYPE_NAME))
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The viewer's personal access tokens, newest first (revoked ones included).
    async fn personal_access_tokens(&self, ctx: &Context<'_>) -> ApiResult<Vec<AccessToken>> {
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        access_tokens::list_for_user(&mut conn, viewer.id()).await
    }
}

/// Who signs in, and their password.
#[derive(InputObject)]
pub struct SignInInput {
    /// Email or username.
    pub identifier: String,
    /// The account's local password.
    pub password: String,
}

/// The person signed in by `signIn`, and when their session ends.
#[derive(SimpleObject)]
pub struct SignInPayload {
    /// The person now signed in.
    pub user: User,
    /// When the session cookie stops working.
    pub session_expires_at: DateTime<Utc>,
}

/// What `signOut` did.
#[derive(SimpleObject)]
pub struct SignOutPayload {
    /// True when a session was ended.
    pub ended_session: bool,
}

/// The token to make for the viewer.
#[derive(InputObject)]
pub struct CreatePersonalAccessTokenInput {
    /// What the token is for, e.g. "Mobile app build" (1 to 100 characters).
    pub name: String,
    /// When the token stops working, in the future; never when omitted. A request made with a
    /// token that expires cannot make one that outlives it (it gets that token's expiry when
    /// omitted).
    pub expires_at: Option<DateTime<Utc>>,
}

/// The new token and its secret.
#[derive(SimpleObject)]
pub struct CreatePersonalAccessTokenPayload {
    /// The token made.
    pub personal_access_token: AccessToken,
    /// The secret to send as `Authorization: Bearer`; shown only this once.
    pub secret: String,
}

/// The token to revoke.
#[derive(InputObject)]
pub struct RevokePersonalAccessTokenInput {
    /// The global ID of one of the viewer's tokens.
    pub personal_access_token_id: ID,
}

/// The token after `revokePersonalAccessToken`.
#[derive(SimpleObject)]
pub struct RevokePersonalAccessTokenPayload {
    /// The token, with `revokedAt` set.
    pub personal_access_token: AccessToken,
}

/// The session to end.
#[derive(InputObject)]
pub struct RevokeSessionInput {
    /// The global ID of one of the viewer's sessions (`User.sessions`).
    pub session_id: ID,
}

/// The session `revokeSession` ended.
#[derive(SimpleObject)]
pub struct RevokeSessionPayload {
    /// The session as it was; it no longer works, and its open subscriptions are closed.
    pub session: Session,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with a local password; sets the HttpOnly session cookie. One password is
    /// checked per HTTP request (a batch included); repeated attempts on one account are
    /// throttled (RATE_LIMITED).
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who signs in, and their password.")] input: SignInInput,
    ) -> ApiResult<SignInPayload> {
        let user = super::local::verify(
            ctx.services(),
            &ctx.request().client,
            &input.identifier,
            input.password,
        )
        .await?;
        let session_expires_at = start_session(ctx, &user).await?;
        Ok(SignInPayload {
            user,
            session_expires_at,
        })
    }

    /// Ends the viewer's session (when signed in with one) and clears the cookie.
    async fn sign_out(&self, ctx: &Context<'_>) -> ApiResult<SignOutPayload> {
        let ended_session = match ctx.request().viewer.as_ref().map(|v| v.credential) {
            Some(Credential::Session { id, .. }) => {
                let mut conn = ctx.conn().await?;
                match sessions::find(&mut conn, id).await? {
                    Some(session) => {
                        sessions::end(&mut conn, &ctx.services().events, &session).await?;
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        };
        set_session_cookie(ctx, String::new(), 0);
        Ok(SignOutPayload { ended_session })
    }

    /// Makes a personal access token for the viewer, to send as `Authorization: Bearer
    /// <secret>`; the secret is shown only in the payload.
    async fn create_personal_access_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's name and optional expiry.")]
        input: CreatePersonalAccessTokenInput,
    ) -> ApiResult<CreatePersonalAccessTokenPayload> {
        let viewer = ctx.viewer()?;
        let name = validation::display_name("name", &input.name)?;
        validation::max_chars("name", &name, Limit::NAME)?;
        if input.expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(ApiError::bad_input("expiresAt", "must be in the future"));
        }
        // A token may not mint a token that outlives it.
        let expires_at = match viewer.credential.expires_at() {
            Some(limit) => {
                if input.expires_at.is_some_and(|at| at > limit) {
                    return Err(ApiError::bad_input(
                        "expiresAt",
                        format!("must not be later than the expiry of the token in use ({limit})"),
                    ));
                }
                Some(input.expires_at.unwrap_or(limit))
            }
            _ => input.expires_at,
        };
        let mut conn = ctx.conn().await?;
        let (token, secret) =
            access_tokens::create(&mut conn, viewer.id(), &name, expires_at).await?;
        Ok(CreatePersonalAccessTokenPayload {
            personal_access_token: token,
            secret,
        })
    }

    /// Signs one of the viewer's sessions out (a lost phone, a shared computer).
    async fn revoke_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session to end.")] input: RevokeSessionInput,
    ) -> ApiResult<RevokeSessionPayload> {
        let id = ids::decode_as(&input.session_id, SESSION_TYPE_NAME, "sessionId")?;
        let session = load_visible_session(ctx, id).await?;
        let mut conn = ctx.conn().await?;
        sessions::end(&mut conn, &ctx.services().events, &session).await?;
        if ctx.viewer()?.credential.stored_id() == Some(session.id) {
            set_session_cookie(ctx, String::new(), 0);
        }
        Ok(RevokeSessionPayload { session })
    }

    /// Stops one of the viewer's tokens from working, at once; revoking one already revoked
    /// changes nothing.
    async fn revoke_personal_access_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token to revoke.")] input: RevokePersonalAccessTokenInput,
    ) -> ApiResult<RevokePersonalAccessTokenPayload> {
        let id = ids::decode_as(
            &input.personal_access_token_id,
            TOKEN_TYPE_NAME,
            "personalAccessTokenId",
        )?;
        let token = load_visible_token(ctx, id).await?;
        let mut conn = ctx.conn().await?;
        let token = match token.revoked_at {
            Some(_) => token,
            None => {
                let events = &ctx.services().events;
                access_tokens::revoke(&mut conn, events, token.user_id, token.id).await?
            }
        };
        Ok(RevokePersonalAccessTokenPayload {
            personal_access_token: token,
        })
    }
}
