//! Why a sign-in through a provider failed, in words for the person and a code for support.

use axum::http::StatusCode;

use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("There is no sign-in provider with this name.")]
    UnknownProvider,
    #[error("This sign-in link has expired or was already used. Please start again.")]
    InvalidState,
    #[error("This sign-in was started in another browser. Please start again here.")]
    OtherBrowser,
    #[error("The redirect target must be a path on this site.")]
    InvalidRedirect,
    #[error("The response did not come from the expected identity provider (iss).")]
    IssuerMismatch,
    #[error("The identity provider refused the sign-in: {0}")]
    ProviderRefused(String),
    #[error("The identity provider did not accept the authorization code: {0}")]
    CodeRejected(String),
    #[error("The identity provider's ID token is not valid: {0}")]
    InvalidIdToken(String),
    #[error("The identity provider's user information does not match the ID token: {0}")]
    InvalidUserInfo(String),
    #[error("The access token is not valid: {0}")]
    InvalidAccessToken(String),
    #[error("Accounts with this email address may not sign in here.")]
    EmailNotAllowed,
    #[error("There is no account for you here yet; ask an administrator to create one.")]
    NoAccount,
    #[error(
        "An account with this email address already exists; an administrator must allow linking it to single sign-on."
    )]
    AccountExists,
    #[error("This account is deactivated.")]
    Deactivated,
    #[error("The identity provider {0} cannot be reached right now. Please try again later.")]
    Unavailable(String),
    #[error("Something went wrong on our side. Please try again later.")]
    Internal(ApiError),
}

impl SsoError {
    /// The provider could not be reached or answered nonsense; the detail goes to the log only.
    pub fn unavailable(provider: &str, detail: impl std::fmt::Display) -> Self {
        tracing::warn!(provider, %detail, "identity provider unavailable");
        Self::Unavailable(provider.to_owned())
    }

    /// A stable code, shown on the error page and in logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownProvider => "UNKNOWN_PROVIDER",
            Self::InvalidState => "INVALID_STATE",
            Self::OtherBrowser => "BROWSER_MISMATCH",
            Self::InvalidRedirect => "INVALID_REDIRECT",
            Self::IssuerMismatch => "ISSUER_MISMATCH",
            Self::ProviderRefused(_) => "PROVIDER_REFUSED",
            Self::CodeRejected(_) => "CODE_REJECTED",
            Self::InvalidIdToken(_) => "INVALID_ID_TOKEN",
            Self::InvalidUserInfo(_) => "INVALID_USERINFO",
            Self::InvalidAccessToken(_) => "INVALID_ACCESS_TOKEN",
            Self::EmailNotAllowed => "EMAIL_DOMAIN_NOT_ALLOWED",
            Self::NoAccount => "NO_ACCOUNT",
            Self::AccountExists => "ACCOUNT_EXISTS",
            Self::Deactivated => "DEACTIVATED",
            Self::Unavailable(_) => "PROVIDER_UNAVAILABLE",
            // SERVICE_UNAVAILABLE while the database is away, like every other route.
            Self::Internal(error) => error.code(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::UnknownProvider => StatusCode::NOT_FOUND,
            Self::EmailNotAllowed | Self::NoAccount | Self::AccountExists | Self::Deactivated => {
                StatusCode::FORBIDDEN
            }
            Self::Unavailable(_) => StatusCode::BAD_GATEWAY,
            Self::Internal(error) => error.http_status(),
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<ApiError> for SsoError {
    fn from(error: ApiError) -> Self {
        Self::Internal(error)
    }
}

impl From<diesel::result::Error> for SsoError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Internal(error.into())
    }
}
