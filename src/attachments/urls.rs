//! Where attachments are served, from the configured public URL: the API, feeds and emails link
//! the same addresses.

use uuid::Uuid;

use super::access::TYPE_NAME;
use crate::graphql::ids;
use crate::services::Services;

/// Streams the attachment to whoever may see what it is attached to.
pub fn download(services: &Services, id: Uuid) -> String {
    format!(
        "{}/attachments/{}",
        services.config.public_url,
        ids::encode(TYPE_NAME, id).as_str()
    )
}

/// Where an uploaded image (avatar, cover) is shown: its preview.
pub fn image(services: &Services, id: Uuid) -> String {
    format!("{}/thumbnail", download(services, id))
}
