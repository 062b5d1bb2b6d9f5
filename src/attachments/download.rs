//! `GET /attachments/{id}` (and `/attachments/{id}/thumbnail`): streams an attachment to a
//! viewer who may see what uses it, the way drive downloads are served.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use super::access;
use super::model::Attachment;
use crate::auth::{SignedIn, Viewer};
use crate::files::download::etag;
use crate::files::download::{Served, refusal, serve, status};
use crate::services::Services;

async fn readable(services: &Services, viewer: &Viewer, id: &str) -> Result<Attachment, Response> {
    let Ok(id) = Uuid::parse_str(id) else {
        return Err(status(StatusCode::NOT_FOUND, "Not found"));
    };
    let result = async {
        let mut conn = services.pool.get().await?;
        access::readable(&mut conn, viewer, id).await
    }
    .await;
    result.map_err(refusal)
}

pub async fn original(
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
) -> Response {
    let attachment = match readable(&services, &viewer, &id).await {
        Ok(attachment) => attachment,
        Err(response) => return response,
    };
    let served = Served {
        key: &attachment.storage_key,
        size: Some(attachment.size_bytes),
        etag: etag(&attachment.sha256),
        name: attachment.name.as_str().into(),
        content_type: &attachment.content_type,
    };
    serve(&services, &headers, served).await
}

pub async fn thumbnail(
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
) -> Response {
    let attachment = match readable(&services, &viewer, &id).await {
        Ok(attachment) => attachment,
        Err(response) => return response,
    };
    let Some(key) = attachment.thumbnail_key.as_deref() else {
        return status(StatusCode::NOT_FOUND, "No thumbnail (yet)");
    };
    let served = Served::thumbnail(key, attachment.id, &attachment.name);
    serve(&services, &headers, served).await
}
