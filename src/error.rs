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
    /// Too many attempts; try again in `retry_after` seconds (`extensions.retryAfter`, and the
    /// HTTP `Retry-After` header).
    RateLimited { retry_after: u64 },
    /// The database cannot be reached right now (restarting, failing over, out of connections):
    /// the same request may succeed in a few seconds (HTTP 503 with `Retry-After`).
    Unavailable,
    /// A subscription may have missed events (the instance lost its database connection, or the
    /// subscriber fell behind): the client should refetch what the subscription shows.
    EventsMissed,
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
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unavailable => "SERVICE_UNAVAILABLE",
            Self::EventsMissed => "EVENTS_MISSED",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The HTTP status that goes with the code, for routes outside GraphQL.
    pub fn http_status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadUserInput { .. } => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::EventsMissed => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// How long a client should wait before trying again, for the errors where waiting helps.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            Self::Unavailable | Self::EventsMissed => Some(RETRY_AFTER_SECONDS),
            _ => None,
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "You must be signed in.".into(),
            Self::Forbidden(message) | Self::Conflict(message) => message.clone(),
            Self::NotFound(what) => format!("{what} not found."),
            Self::BadUserInput { field, message } => format!("{field}: {message}"),
            Self::RateLimited { .. } => "Too many attempts; try again later.".into(),
            Self::Unavailable => {
                "The service is briefly unavailable; try again in a few seconds.".into()
            }
            Self::EventsMissed => {
                "Events may have been missed; refetch what this subscription shows.".into()
            }
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
        let retry_after = match error {
            ApiError::RateLimited { retry_after } => Some(retry_after),
            _ => None,
        };
        async_graphql::Error::new(error.message()).extend_with(|_, extensions| {
            extensions.set("code", code);
            if let Some(field) = field {
                extensions.set("field", field);
            }
            if let Some(seconds) = retry_after {
                extensions.set(RETRY_AFTER_EXTENSION, seconds);
            }
        })
    }
}

/// Seconds a client is asked to wait before retrying after SERVICE_UNAVAILABLE.
pub const RETRY_AFTER_SECONDS: u64 = 5;

/// The extension of a RATE_LIMITED error saying in how many seconds to try again.
pub const RETRY_AFTER_EXTENSION: &str = "retryAfter";

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::DatabaseErrorKind::{ClosedConnection, UnableToSendCommand};
        match error {
            // The connection broke (server restarted or unreachable): not the request's fault.
            diesel::result::Error::DatabaseError(ClosedConnection | UnableToSendCommand, cause) => {
                tracing::warn!(error = cause.message(), "database connection lost");
                Self::Unavailable
            }
            diesel::result::Error::DatabaseError(_, cause)
                if server_going_away(cause.message()) =>
            {
                tracing::warn!(error = cause.message(), "database server going away");
                Self::Unavailable
            }
            other => Self::internal(other),
        }
    }
}

/// PostgreSQL's messages of class 57P (operator intervention: shutdown, crash, start-up), which
/// diesel-async reports without their SQLSTATE.
fn server_going_away(message: &str) -> bool {
    [
        "terminating connection due to administrator command",
        "terminating connection because of crash of another server process",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
    ]
    .iter()
    .any(|known| message.starts_with(known))
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        use diesel_async::pooled_connection::deadpool::PoolError;
        match error {
            // No connection could be made, or none freed up in time.
            PoolError::Backend(_) | PoolError::Timeout(_) => {
                tracing::warn!(%error, "no database connection available");
                Self::Unavailable
            }
            other => Self::internal(anyhow::anyhow!("database pool: {other}")),
        }
    }
}

/// What an HTTP route (downloads, exports, feeds, pages) answers for an error: the status that
/// goes with its code and a short plain-text message; internal causes are logged, never sent.
impl axum::response::IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        use axum::http::header::RETRY_AFTER;
        if let Self::Internal(cause) = &self {
            tracing::error!(error = ?cause, "internal error");
        }
        let status = self.http_status();
        let mut response = (status, self.message()).into_response();
        if let Some(seconds) = self.retry_after() {
            response.headers_mut().insert(RETRY_AFTER, seconds.into());
        }
        response
    }
}
