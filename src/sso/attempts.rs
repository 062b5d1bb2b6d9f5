//! Browser sign-ins in flight: what the callback must find again (nonce, PKCE verifier, where to
//! go next), bound to the browser that started them, usable once and for a few minutes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::secrets;
use crate::db::schema::sso_login_attempts;
use crate::error::ApiResult;

/// How long a person has to sign in at the provider.
pub const LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = sso_login_attempts, check_for_backend(diesel::pg::Pg))]
pub struct LoginAttempt {
    pub browser_hash: Vec<u8>,
    pub provider_id: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_path: String,
    pub expires_at: DateTime<Utc>,
}

impl LoginAttempt {
    /// Whether the callback came back to the browser (and provider) that started the sign-in,
    /// in time.
    pub fn belongs_to(&self, provider_id: &str, browser_secret: Option<&str>) -> bool {
        self.provider_id == provider_id
            && self.expires_at > Utc::now()
            && browser_secret.is_some_and(|secret| secrets::hash(secret) == self.browser_hash)
    }
}

pub struct NewLoginAttempt<'a> {
    pub state: &'a str,
    pub browser_secret: &'a str,
    pub provider_id: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub redirect_path: &'a str,
}

pub async fn save(conn: &mut AsyncPgConnection, attempt: NewLoginAttempt<'_>) -> ApiResult<()> {
    diesel::delete(sso_login_attempts::table.filter(sso_login_attempts::expires_at.le(Utc::now())))
        .execute(conn)
        .await?;
    diesel::insert_into(sso_login_attempts::table)
        .values((
            sso_login_attempts::state_hash.eq(secrets::hash(attempt.state)),
            sso_login_attempts::browser_hash.eq(secrets::hash(attempt.browser_secret)),
            sso_login_attempts::provider_id.eq(attempt.provider_id),
            sso_login_attempts::nonce.eq(attempt.nonce),
            sso_login_attempts::pkce_verifier.eq(attempt.pkce_verifier),
            sso_login_attempts::redirect_path.eq(attempt.redirect_path),
            sso_login_attempts::expires_at.eq(Utc::now() + LIFETIME),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes and returns the attempt with this state: a second callback with it finds nothing.
pub async fn take(conn: &mut AsyncPgConnection, state: &str) -> ApiResult<Option<LoginAttempt>> {
    Ok(diesel::delete(
        sso_login_attempts::table.filter(sso_login_attempts::state_hash.eq(secrets::hash(state))),
    )
    .returning(LoginAttempt::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}
