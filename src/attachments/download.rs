//! `GET /attachments/{id}` (and `/attachments/{id}/thumbnail`): streams an attachment to a
//! viewer who may see what uses it, the way drive downloads are served.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::access;
use super::model::Attachment;
use crate::auth::SignedIn;
use crate::files::download::{Served, etag, refusal, serve, serve_thumbnail, status};
use crate::services::Services;

/// The attachment the path names, seen by the signed-in viewer; otherwise the refusal (401 when
/// signed out, 404 when missing or hidden).
pub struct Readable(Attachment);

impl<S: AsRef<Services> + Send + Sync> FromRequestParts<S> for Readable {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let SignedIn(viewer) = SignedIn::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(id) = crate::graphql::ids::from_path(&id, access::TYPE_NAME) else {
            return Err(status(StatusCode::NOT_FOUND, "Not found"));
        };
        let result = async {
            let mut conn = state.as_ref().pool.get().await?;
            access::readable(&mut conn, &viewer, id).await
        }
        .await;
        result.map(Self).map_err(refusal)
    }
}

/// What serving an attachment as uploaded sends (its row knows the size and hash).
pub fn served(attachment: &Attachment) -> Served<'_> {
    Served {
        key: &attachment.storage_key,
        size: Some(attachment.size_bytes),
        etag: etag(&attachment.sha256),
        name: attachment.name.as_str().into(),
        content_type: &attachment.content_type,
    }
}

pub async fn original(
    State(services): State<Arc<Services>>,
    Readable(attachment): Readable,
    headers: HeaderMap,
) -> Response {
    serve(&services, &headers, served(&attachment)).await
}

pub async fn thumbnail(
    State(services): State<Arc<Services>>,
    Readable(attachment): Readable,
    headers: HeaderMap,
) -> Response {
    let key = attachment.thumbnail_key.as_deref();
    serve_thumbnail(&services, &headers, key, attachment.id, &attachment.name).await
}
