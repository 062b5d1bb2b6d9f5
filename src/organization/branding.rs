//! `GET /branding/logo` and `/branding/favicon`: the organization's images, public (sign-in pages
//! show them before anyone signs in), and the names pages are titled with.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use crate::attachments::download::served;
use crate::files::download::{serve, status};
use crate::services::Services;

/// Where an image is served; the id in the query makes a new image a new URL (caches keep it).
pub fn url(services: &Services, image: &str, id: Uuid) -> String {
    format!("{}/branding/{image}?v={id}", services.config.public_url)
}

pub async fn image(
    State(services): State<Arc<Services>>,
    Path(image): Path<String>,
    headers: HeaderMap,
) -> Response {
    let attachment = async {
        let mut conn = services.pool.get().await.ok()?;
        let organization = super::model::get(&mut conn).await.ok()?;
        let id = match image.as_str() {
            "logo" => organization.logo_attachment_id,
            "favicon" => organization.favicon_attachment_id,
            _ => None,
        }?;
        crate::attachments::model::find(&mut conn, id)
            .await
            .ok()
            .flatten()
    }
    .await;
    let Some(attachment) = attachment else {
        return status(StatusCode::NOT_FOUND, "Not found");
    };
    serve(&services, &headers, served(&attachment)).await
}

/// The organization's name for page titles; "Parvis" if the database cannot say.
pub async fn organization_name(services: &Services) -> String {
    let name = async {
        let mut conn = services.pool.get().await.ok()?;
        super::model::get(&mut conn).await.ok().map(|org| org.name)
    }
    .await;
    name.unwrap_or_else(|| "Parvis".to_owned())
}
