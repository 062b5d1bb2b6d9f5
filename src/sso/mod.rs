//! Single sign-on through the organization's OpenID providers: browser sign-in (authorization
//! code flow with PKCE), the providers' JWT access tokens as bearer tokens, and just-in-time
//! accounts kept in step with the provider's claims.

mod attempts;
mod config;
mod error;
pub mod flow;
pub mod login_page;
mod provider;
mod provisioning;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use diesel_async::AsyncPgConnection;

pub use config::{ClaimNames, GroupSyncRule, ProviderConfig, RoleSyncRule, SsoConfig};
pub use error::SsoError;
pub use provider::Provider;
pub use provisioning::NewcomerPolicy;

use crate::config::AppConfig;
use crate::error::{ApiError, ApiResult};
use crate::users::User;

/// The configured providers.
pub struct Sso {
    providers: Vec<Arc<Provider>>,
}

impl Sso {
    pub fn new(config: &AppConfig) -> anyhow::Result<Self> {
        let providers = config
            .sso
            .providers
            .iter()
            .map(|provider| {
                Provider::new(
                    provider.clone(),
                    &config.public_url,
                    config.jwks_refresh_interval,
                )
                .map(Arc::new)
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { providers })
    }

    pub fn providers(&self) -> &[Arc<Provider>] {
        &self.providers
    }

    pub fn provider(&self, id: &str) -> Result<&Arc<Provider>, SsoError> {
        self.providers
            .iter()
            .find(|provider| provider.config.id == id)
            .ok_or(SsoError::UnknownProvider)
    }

    /// The provider whose access token this is, when it is a JWT naming a configured issuer that
    /// issues tokens for this API; other bearer tokens are personal access tokens.
    pub fn bearer_provider(&self, token: &str) -> Option<&Arc<Provider>> {
        if self.providers.is_empty() || token.split('.').count() != 3 {
            return None;
        }
        let issuer = provider::unverified_issuer(token)?;
        self.providers
            .iter()
            .find(|provider| provider.issuer() == issuer && provider.config.api_audience.is_some())
    }
}

/// The person behind a provider's access token, created on first use when the provider allows it;
/// with when the token expires. A token issued before the person's credentials were revoked
/// (a deactivation, even if reactivated since) is refused. Any failure is UNAUTHENTICATED (the
/// detail goes to the log).
pub async fn authenticate_bearer(
    conn: &mut AsyncPgConnection,
    provider: &Provider,
    token: &str,
) -> ApiResult<(User, DateTime<Utc>)> {
    let grant = provider
        .verify_access_token(token)
        .await
        .map_err(|error| rejected_bearer(provider, error))?;
    let issuer = provider.issuer().to_owned();
    let known = provisioning::find_active_user(conn, &issuer, &grant.subject).await?;
    let user = match known {
        Some(user) => user,
        None => {
            let newcomers = if provider.config.jit_provisioning {
                NewcomerPolicy::Provision
            } else {
                NewcomerPolicy::KnownOnly
            };
            conn.transaction::<_, SsoError, _>(async |conn| {
                provisioning::sign_in(
                    conn,
                    &provider.config,
                    &issuer,
                    &grant.subject,
                    &grant.claims,
                    newcomers,
                )
                .await
            })
            .await
            .map_err(|error| rejected_bearer(provider, error))?
        }
    };
    if user
        .credentials_revoked_at
        .is_some_and(|revoked| grant.issued_at <= revoked)
    {
        return Err(rejected_bearer(
            provider,
            SsoError::InvalidAccessToken(
                "issued before the person's credentials were revoked".into(),
            ),
        ));
    }
    Ok((user, grant.expires_at))
}

fn rejected_bearer(provider: &Provider, error: SsoError) -> ApiError {
    match error {
        SsoError::Internal(error) => error,
        other => {
            tracing::info!(provider = %provider.config.id, code = other.code(), reason = %other, "bearer token refused");
            ApiError::Unauthenticated
        }
    }
}
