//! Sign-in with a Parvis password (the GraphQL `signIn` mutation and the sign-in page's form).

use super::throttle::{self, Attempt};
use super::{Client, password};
use crate::error::{ApiError, ApiResult};
use crate::services::Services;
use crate::users::{User, model as users};
use crate::validation;

const IDENTIFIER_MAX_LENGTH: usize = 254;

/// The active person with this email or username and password. Attempts are throttled
/// (RATE_LIMITED) per account and address; no connection is held while the password is checked,
/// the slow part.
pub async fn verify(
    services: &Services,
    client: &Client,
    identifier: &str,
    password: String,
) -> ApiResult<User> {
    if !services.config.auth.local_accounts {
        return Err(ApiError::Forbidden(
            "Password sign-in is turned off here; sign in with your organization's account.".into(),
        ));
    }
    validation::max_chars("identifier", identifier, IDENTIFIER_MAX_LENGTH)?;
    validation::max_chars("password", &password, password::MAX_LENGTH)?;
    let (user, attempt) = {
        let mut conn = services.pool.get().await?;
        let user = users::find_by_identifier(&mut conn, identifier).await?;
        let attempt = Attempt::new(user.as_ref().map(|u| u.id), identifier, client.address);
        throttle::record_attempt(&mut conn, &attempt).await?;
        (user, attempt)
    };
    let stored = user.as_ref().and_then(|user| user.password_hash.clone());
    let matches = password::verify_limited(services, client, password, stored).await?;
    match user {
        Some(user) if matches && user.is_active() => {
            let mut conn = services.pool.get().await?;
            throttle::clear(&mut conn, &attempt).await?;
            Ok(user)
        }
        _ => Err(ApiError::bad_input(
            "identifier",
            "unknown identifier or wrong password",
        )),
    }
}
