//! One configured OpenID provider: its discovered metadata and keys, and the checks on what it
//! sends (ID tokens, userinfo, JWT access tokens). All token validation is `openidconnect`'s;
//! this module chooses the settings and adds what the crate leaves to the relying party (`azp`,
//! `iat` bounds, RFC 9207 `iss`, key rotation).

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType,
    CoreClientAuthMethod, CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreRevocableToken,
    CoreRevocationErrorResponse, CoreSubjectIdentifierType, CoreTokenIntrospectionResponse,
    CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthorizationCode, ClaimsVerificationError,
    Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdToken, IdTokenClaims, IdTokenFields, IdTokenVerifier, IssuerUrl,
    JsonWebKeySet, JsonWebTokenType, LogoutProviderMetadata, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl, RequestTokenError, Scope,
    SignatureVerificationError, StandardErrorResponse, StandardTokenResponse, SubjectIdentifier,
    TokenResponse, UserInfoClaims, UserInfoError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::RwLock;

use super::ProviderConfig;
use super::error::SsoError;

/// Clock difference tolerated between us and the provider.
const LEEWAY: chrono::Duration = chrono::Duration::seconds(60);
/// An ID token is read right after it was issued; an older one is a replay.
const ID_TOKEN_MAX_AGE: chrono::Duration = chrono::Duration::minutes(10);
/// Metadata is re-read this often (keys also on an unknown key id).
const REDISCOVER_AFTER: Duration = Duration::from_secs(24 * 3600);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Signing algorithms accepted from providers (never `none`, never a shared secret).
const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 6] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

/// Every claim, standard or not, so the configured claim names can point at any of them.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    claims: Map<String, Value>,
}
impl AdditionalClaims for OtherClaims {}

/// RFC 9207: whether the provider adds `iss` to its authorization responses.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IssParameterMetadata {
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}
impl AdditionalProviderMetadata for IssParameterMetadata {}

type Metadata = ProviderMetadata<
    LogoutProviderMetadata<IssParameterMetadata>,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;
type ParvisIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type ParvisIdTokenClaims = IdTokenClaims<OtherClaims, CoreGenderClaim>;
type ParvisTokenResponse = StandardTokenResponse<
    IdTokenFields<
        OtherClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
/// The client `from_provider_metadata` builds: authorization endpoint set, token and userinfo
/// endpoints as the metadata says.
type ParvisClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    ParvisTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The claims a provider vouched for, as one JSON object (ID token, then userinfo over it).
pub type Claims = Map<String, Value>;

/// What the callback learnt from the provider.
pub struct SignIn {
    pub subject: String,
    pub claims: Claims,
}

/// What a verified bearer access token says.
pub struct AccessGrant {
    pub subject: String,
    /// Tokens issued before the person's credentials were revoked are refused.
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub claims: Claims,
}

/// The start of a browser sign-in: where to send the browser, and what the callback must check.
pub struct AuthorizationRequest {
    pub url: url::Url,
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub pkce_verifier: PkceCodeVerifier,
}

struct Discovered {
    metadata: Metadata,
    keys_fetched_at: Instant,
    discovered_at: Instant,
}

pub struct Provider {
    pub config: ProviderConfig,
    redirect_url: RedirectUrl,
    http: reqwest::Client,
    jwks_refresh_interval: Duration,
    discovered: RwLock<Option<Arc<Discovered>>>,
}

impl Provider {
    pub fn new(
        config: ProviderConfig,
        public_url: &str,
        jwks_refresh_interval: Duration,
    ) -> anyhow::Result<Self> {
        let redirect_url = RedirectUrl::new(format!("{public_url}/auth/{}/callback", config.id))?;
        let http = reqwest::Client::builder()
            // Following redirects from a provider's endpoints would be a server-side request
            // forgery route.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()?;
        Ok(Self {
            config,
            redirect_url,
            http,
            jwks_refresh_interval,
            discovered: RwLock::new(None),
        })
    }

    pub fn issuer(&self) -> &str {
        self.config.issuer.trim_end_matches('/')
    }

    /// The provider's metadata and keys, discovered on first use and again once a day (a
    /// provider that is down at start-up does not stop the server).
    async fn discovered(&self) -> Result<Arc<Discovered>, SsoError> {
        if let Some(discovered) = self.discovered.read().await.as_ref()
            && discovered.discovered_at.elapsed() < REDISCOVER_AFTER
        {
            return Ok(discovered.clone());
        }
        let mut slot = self.discovered.write().await;
        if let Some(discovered) = slot.as_ref()
            && discovered.discovered_at.elapsed() < REDISCOVER_AFTER
        {
            return Ok(discovered.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|error| SsoError::unavailable(&self.config.id, error))?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|error| SsoError::unavailable(&self.config.id, error))?;
        let discovered = Arc::new(Discovered {
            metadata,
            keys_fetched_at: Instant::now(),
            discovered_at: Instant::now(),
        });
        *slot = Some(discovered.clone());
        Ok(discovered)
    }

    /// Fetches the keys again after a token named a key we do not know (the provider rotated its
    /// keys), at most once per `jwks_refresh_interval`. False when it was too soon to ask.
    async fn refresh_keys(&self, seen: &Arc<Discovered>) -> Result<bool, SsoError> {
        let mut slot = self.discovered.write().await;
        let current = slot.clone().unwrap_or_else(|| seen.clone());
        if !Arc::ptr_eq(&current, seen) {
            // Another request refreshed them meanwhile.
            return Ok(true);
        }
        if current.keys_fetched_at.elapsed() < self.jwks_refresh_interval {
            return Ok(false);
        }
        let keys: CoreJsonWebKeySet =
            JsonWebKeySet::fetch_async(current.metadata.jwks_uri(), &self.http)
                .await
                .map_err(|error| SsoError::unavailable(&self.config.id, error))?;
        *slot = Some(Arc::new(Discovered {
            metadata: current.metadata.clone().set_jwks(keys),
            keys_fetched_at: Instant::now(),
            discovered_at: current.discovered_at,
        }));
        Ok(true)
    }

    fn client(&self, discovered: &Discovered) -> ParvisClient {
        Client::from_provider_metadata(
            discovered.metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(self.redirect_url.clone())
    }

    pub async fn authorization_request(&self) -> Result<AuthorizationRequest, SsoError> {
        let discovered = self.discovered().await?;
        let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client(&discovered);
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(pkce_challenge);
        for scope in self.config.scopes.iter().filter(|scope| *scope != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(AuthorizationRequest {
            url,
            state,
            nonce,
            pkce_verifier,
        })
    }

    /// RFC 9207: an `iss` on the authorization response must be this provider's; a provider
    /// that promises to send one must send it (mix-up attacks).
    pub async fn check_response_issuer(&self, iss: Option<&str>) -> Result<(), SsoError> {
        let discovered = self.discovered().await?;
        let promised = discovered
            .metadata
            .additional_metadata()
            .additional_metadata
            .authorization_response_iss_parameter_supported
            .unwrap_or(false);
        match iss {
            Some(iss) if iss == discovered.metadata.issuer().as_str() => Ok(()),
            Some(_) => Err(SsoError::IssuerMismatch),
            None if promised => Err(SsoError::IssuerMismatch),
            None => Ok(()),
        }
    }

    /// Exchanges the code (with the PKCE verifier), validates the ID token against the nonce and
    /// merges in the userinfo claims (whose `sub` must match).
    pub async fn complete_sign_in(
        &self,
        code: String,
        pkce_verifier: PkceCodeVerifier,
        nonce: &Nonce,
    ) -> Result<SignIn, SsoError> {
        let discovered = self.discovered().await?;
        let client = self.client(&discovered);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|error| SsoError::unavailable(&self.config.id, error))?
            .set_pkce_verifier(pkce_verifier)
            .request_async(&self.http)
            .await
            .map_err(|error| self.token_error(error))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SsoError::InvalidIdToken("the token response has no ID token".into()))?;
        let id_claims = self.verify_id_token(id_token, nonce).await?;
        let subject = id_claims.subject().to_string();
        let mut claims = to_claims(&id_claims)?;
        if let Some(userinfo) = self
            .userinfo(&client, tokens.access_token().clone(), &subject)
            .await?
        {
            claims.extend(userinfo);
        }
        Ok(SignIn { subject, claims })
    }

    fn token_error(
        &self,
        error: RequestTokenError<
            openidconnect::HttpClientError<reqwest::Error>,
            StandardErrorResponse<CoreErrorResponseType>,
        >,
    ) -> SsoError {
        match error {
            RequestTokenError::ServerResponse(response) => SsoError::CodeRejected(format!(
                "{}{}",
                response.error().as_ref(),
                response
                    .error_description()
                    .map(|description| format!(": {description}"))
                    .unwrap_or_default()
            )),
            // The provider answered, but not with a well-formed token response (an ID token
            // without `sub`, say): the tokens are what is wrong, not the connection.
            RequestTokenError::Parse(error, _) => SsoError::InvalidIdToken(format!(
                "the token response could not be read ({})",
                error.path()
            )),
            other => SsoError::unavailable(&self.config.id, other),
        }
    }

    async fn verify_id_token(
        &self,
        token: &ParvisIdToken,
        nonce: &Nonce,
    ) -> Result<ParvisIdTokenClaims, SsoError> {
        let client_id = self.config.client_id.clone();
        let claims = self
            .with_current_keys(|keys| {
                let verifier = self.id_token_verifier(keys);
                token.claims(&verifier, nonce).cloned()
            })
            .await
            .map_err(|error| SsoError::InvalidIdToken(error.to_string()))?;
        // The crate leaves `azp` to us: with several audiences it must name us.
        let azp = claims.authorized_party().map(|party| party.as_str());
        if azp.is_some_and(|party| party != client_id)
            || (claims.audiences().len() > 1 && azp.is_none())
        {
            return Err(SsoError::InvalidIdToken(
                "the ID token was issued to another party (azp)".into(),
            ));
        }
        if claims.issue_time() < chrono::Utc::now() - ID_TOKEN_MAX_AGE - LEEWAY {
            return Err(SsoError::InvalidIdToken(
                "the ID token was issued too long ago (iat)".into(),
            ));
        }
        Ok(claims)
    }

    /// Runs a verification with the keys we have; on a key we do not know, fetches the keys again
    /// (the provider rotated them) and runs it once more.
    async fn with_current_keys<T>(
        &self,
        verify: impl Fn(&CoreJsonWebKeySet) -> Result<T, ClaimsVerificationError>,
    ) -> Result<T, ClaimsVerificationError> {
        let discovered = self
            .discovered()
            .await
            .map_err(|error| ClaimsVerificationError::Other(error.to_string()))?;
        match verify(discovered.metadata.jwks()) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey
                | SignatureVerificationError::AmbiguousKeyId(_),
            )) if self
                .refresh_keys(&discovered)
                .await
                .map_err(|error| ClaimsVerificationError::Other(error.to_string()))? =>
            {
                let discovered = self
                    .discovered()
                    .await
                    .map_err(|error| ClaimsVerificationError::Other(error.to_string()))?;
                verify(discovered.metadata.jwks())
            }
            result => result,
        }
    }

    fn id_token_verifier<'a>(
        &self,
        keys: &CoreJsonWebKeySet,
    ) -> IdTokenVerifier<'a, CoreJsonWebKey> {
        self.verifier(ClientId::new(self.config.client_id.clone()), keys)
    }

    fn verifier<'a>(
        &self,
        audience: ClientId,
        keys: &CoreJsonWebKeySet,
    ) -> IdTokenVerifier<'a, CoreJsonWebKey> {
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .unwrap_or_else(|_| IssuerUrl::from_url(url::Url::parse("invalid:").expect("a URL")));
        // A public-client verifier: HMAC with the client secret is never accepted.
        IdTokenVerifier::new_public_client(audience, issuer, keys.clone())
            .set_allowed_algs(ALLOWED_ALGS)
            .set_time_fn(|| chrono::Utc::now() - LEEWAY)
            .set_issue_time_verifier_fn(|issued| {
                if issued > chrono::Utc::now() + LEEWAY {
                    Err(format!("issued in the future ({issued})"))
                } else {
                    Ok(())
                }
            })
    }

    async fn userinfo(
        &self,
        client: &ParvisClient,
        access_token: openidconnect::AccessToken,
        subject: &str,
    ) -> Result<Option<Claims>, SsoError> {
        let Ok(request) =
            client.user_info(access_token, Some(SubjectIdentifier::new(subject.into())))
        else {
            // The provider has no userinfo endpoint: the ID token says it all.
            return Ok(None);
        };
        let userinfo: Result<UserInfoClaims<OtherClaims, CoreGenderClaim>, _> =
            request.request_async(&self.http).await;
        match userinfo {
            Ok(userinfo) => Ok(Some(to_claims(&userinfo)?)),
            Err(UserInfoError::ClaimsVerification(error)) => {
                Err(SsoError::InvalidUserInfo(error.to_string()))
            }
            Err(error) => Err(SsoError::unavailable(&self.config.id, error)),
        }
    }

    /// Validates a JWT access token issued by this provider for our API audience.
    pub async fn verify_access_token(&self, token: &str) -> Result<AccessGrant, SsoError> {
        let Some(audience) = self.config.api_audience.clone() else {
            return Err(SsoError::InvalidAccessToken(
                "this provider's tokens are not accepted here".into(),
            ));
        };
        let jwt = ParvisIdToken::from_str(token)
            .map_err(|error| SsoError::InvalidAccessToken(error.to_string()))?;
        let claims = self
            .with_current_keys(|keys| {
                let verifier = self
                    .verifier(ClientId::new(audience.clone()), keys)
                    .set_allowed_jose_types(access_token_types())
                    // Access tokens may name several resource servers; ours must be one of them.
                    .set_other_audience_verifier_fn(|_| true);
                jwt.claims(&verifier, |_: Option<&Nonce>| Ok(())).cloned()
            })
            .await
            .map_err(|error| SsoError::InvalidAccessToken(error.to_string()))?;
        Ok(AccessGrant {
            subject: claims.subject().to_string(),
            issued_at: claims.issue_time(),
            expires_at: claims.expiration(),
            claims: to_claims(&claims)?,
        })
    }

    /// Where to send the browser after signing out here, to end the provider's session too.
    pub async fn end_session_url(&self, post_logout_redirect: &str) -> Option<url::Url> {
        let discovered = self.discovered().await.ok()?;
        let endpoint = discovered
            .metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let redirect =
            openidconnect::PostLogoutRedirectUrl::new(post_logout_redirect.into()).ok()?;
        Some(
            openidconnect::LogoutRequest::from(endpoint)
                .set_client_id(ClientId::new(self.config.client_id.clone()))
                .set_post_logout_redirect_uri(redirect)
                .http_get_url(),
        )
    }
}

/// RFC 9068 access tokens say `at+jwt`; most providers' say `JWT` or nothing.
fn access_token_types() -> Vec<openidconnect::NormalizedJsonWebTokenType> {
    ["at+jwt", "JWT", "JOSE"]
        .into_iter()
        .filter_map(|kind| JsonWebTokenType::new(kind.into()).normalize().ok())
        .collect()
}

fn to_claims(claims: &impl Serialize) -> Result<Claims, SsoError> {
    match serde_json::to_value(claims) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(SsoError::InvalidIdToken("unreadable claims".into())),
    }
}

/// The unverified `iss` of a JWT, to pick the provider whose keys will verify it.
pub fn unverified_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    Some(
        claims
            .get("iss")?
            .as_str()?
            .trim_end_matches('/')
            .to_owned(),
    )
}
