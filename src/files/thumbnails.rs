//! Thumbnails of uploaded images, made by a job off the request path.

use std::io::Cursor;

use diesel_async::AsyncPgConnection;
use image::ImageReader;
use uuid::Uuid;

use super::model;
use super::storage::Storage;
use crate::app::Services;
use crate::error::{ApiError, ApiResult};

/// Larger images are not previewed (decoding them would take too much memory).
const MAX_SOURCE_BYTES: u64 = 30 * 1024 * 1024;
const MAX_PIXELS_SIDE: u32 = 12_000;
/// The longest side of a thumbnail.
pub const SIZE: u32 = 320;

pub fn can_preview(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// Makes and stores the thumbnail of a version; an image that cannot be decoded gets none.
pub async fn make(
    conn: &mut AsyncPgConnection,
    services: &Services,
    version_id: Uuid,
) -> ApiResult<()> {
    let Some(version) = model::find_version(conn, version_id).await? else {
        return Ok(());
    };
    if version.thumbnail_key.is_some() || !can_preview(&version.content_type) {
        return Ok(());
    }
    let Some(bytes) = services
        .storage
        .get_bytes(&version.storage_key, MAX_SOURCE_BYTES)
        .await
        .map_err(ApiError::internal)?
    else {
        return Ok(());
    };
    let Some(jpeg) = tokio::task::spawn_blocking(move || thumbnail(&bytes))
        .await
        .map_err(ApiError::internal)?
    else {
        tracing::info!(version = %version_id, "image could not be decoded; no thumbnail");
        return Ok(());
    };
    let key = Storage::new_key("thumbnails");
    services
        .storage
        .put_bytes(&key, jpeg)
        .await
        .map_err(ApiError::internal)?;
    model::set_thumbnail(conn, version_id, &key).await
}

/// A JPEG at most `SIZE` pixels on its longest side.
fn thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_PIXELS_SIDE);
    limits.max_image_height = Some(MAX_PIXELS_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let small = image.thumbnail(SIZE, SIZE).to_rgb8();
    let mut out = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_large_image_becomes_a_small_jpeg() {
        let image = image::RgbImage::from_fn(1200, 800, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut png = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let jpeg = super::thumbnail(&png).unwrap();
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (320, 213));
        assert!(super::thumbnail(b"not an image").is_none());
    }
}
