//! The one error type of the API and its mapping to GraphQL `extensions.code`.
//!
//! `ApiError` deliberately does not implement `Display`: async-graphql converts every `Display`
//! type into a client-visible message, which would leak SQL or paths. Our own `From` impl is the
//! only way an `ApiError` reaches a client, and internal causes are logged, never sent.

use std::sync::Arc;

use async_graphql::ErrorExtensions;

/// What went wrong, in the terms a client can act on.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// No signed-in viewer (or the credentials are invalid, expired or revoked).
    Unauthenticated,
    /// The viewer may see the object but not do this to it.
    Forbidden(String),
    /// The object does not exist or the viewer may not see it (never a hint which).
    NotFound(&'static str),
    /// The input is invalid; names the field and the rule it breaks.
    BadUserInput { field: String, message: String },
    /// The input clashes with existing data (a taken username, ...).
    Conflict(String),
    /// Too many attempts; try again later.
    RateLimited,
    /// Anything else: logged with the request id, shown to clients as a bare code.
    Internal(Arc<anyhow::Error>),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Arc::new(error.into()))
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "You must be signed in.".into(),
            Self::Forbidden(message) | Self::Conflict(message) => message.clone(),
            Self::NotFound(what) => format!("{what} not found."),
            Self::BadUserInput { field, message } => format!("{field}: {message}"),
            Self::RateLimited => "Too many attempts; try again later.".into(),
            Self::Internal(_) => "Internal server error.".into(),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        if let ApiError::Internal(cause) = &error {
            // The request span carries the request id, so this log line can be found from the
            // id the client is shown.
            tracing::error!(error = ?cause, "internal error");
        }
        let code = error.code();
        let field = match &error {
            ApiError::BadUserInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        async_graphql::Error::new(error.message()).extend_with(|_, extensions| {
            extensions.set("code", code);
            if let Some(field) = field {
                extensions.set("field", field);
            }
        })
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        Self::internal(error)
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::internal(anyhow::anyhow!("database pool: {error}"))
    }
}
