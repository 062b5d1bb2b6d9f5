//! `POST /hooks/{token}`: an integration's message, read from JSON and handed to the service.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::service::{self, Message};
use crate::error::ApiError;
use crate::graphql::ids;
use crate::posts::Post;
use crate::services::Services;

#[derive(Deserialize)]
struct IncomingMessage {
    text: String,
    title: Option<String>,
}

/// `POST /hooks/{token}`: `{"text": "...", "title": "..."}` → 201 `{"id": ...}`.
pub async fn receive(
    State(services): State<Arc<Services>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match receive_message(&services, &token, &headers, body).await {
        Ok(post) => (
            StatusCode::CREATED,
            Json(json!({ "id": ids::encode(crate::posts::TYPE_NAME, post.id) })),
        )
            .into_response(),
        Err((status, message)) => (status, Json(json!({ "error": message }))).into_response(),
    }
}

async fn receive_message(
    services: &Services,
    token: &str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Post, (StatusCode, String)> {
    let mut conn = services.pool.get().await.map_err(|e| refusal(e.into()))?;
    if !service::is_live(&mut conn, token).await.map_err(refusal)? {
        return Err(unknown_webhook());
    }
    let body =
        body.map_err(|rejection| (rejection.status(), "The body could not be read.".to_owned()))?;
    if !crate::validation::is_json_content_type(headers) {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send Content-Type: application/json.".into(),
        ));
    }
    let message: IncomingMessage = serde_json::from_slice(&body).map_err(|error| {
        (
            StatusCode::BAD_REQUEST,
            format!("Expected {{\"text\": ..., \"title\": ...}}: {error}"),
        )
    })?;
    let message = Message {
        title: message.title.as_deref(),
        text: &message.text,
    };
    service::receive(&mut conn, services, token, message)
        .await
        .map_err(refusal)?
        .ok_or_else(unknown_webhook)
}

fn unknown_webhook() -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, "No such webhook.".to_owned())
}

/// The status and message of an error; an internal cause is logged, never sent.
fn refusal(error: ApiError) -> (StatusCode, String) {
    if let ApiError::Internal(cause) = &error {
        tracing::error!(error = ?cause, "receiving a webhook message");
    }
    (error.http_status(), error.message())
}
