//! Thumbnails of uploaded images, made by a job off the request path.

use std::io::Cursor;

use diesel_async::AsyncPgConnection;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};
use uuid::Uuid;

use super::model;
use super::storage::Storage;
use crate::attachments::model as attachments;
use crate::error::{ApiError, ApiResult};
use crate::services::Services;

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

/// Makes and stores the thumbnail of a drive file's version.
pub async fn make_for_version(
    conn: &mut AsyncPgConnection,
    services: &Services,
    version_id: Uuid,
) -> ApiResult<()> {
    let Some(version) = model::find_version(conn, version_id).await? else {
        return Ok(());
    };
    if version.thumbnail_key.is_some() {
        return Ok(());
    }
    if let Some(key) = render(services, &version.storage_key, &version.content_type).await? {
        model::set_thumbnail(conn, version_id, &key).await?;
    }
    Ok(())
}

/// Makes and stores the thumbnail of an attachment (an attached image, an avatar, a cover).
pub async fn make_for_attachment(
    conn: &mut AsyncPgConnection,
    services: &Services,
    attachment_id: Uuid,
) -> ApiResult<()> {
    let Some(attachment) = attachments::find(conn, attachment_id).await? else {
        return Ok(());
    };
    if attachment.thumbnail_key.is_some() {
        return Ok(());
    }
    if let Some(key) = render(services, &attachment.storage_key, &attachment.content_type).await? {
        attachments::set_thumbnail(conn, attachment_id, &key).await?;
    }
    Ok(())
}

/// Stores the thumbnail of the image at `source` and returns its key; none for what is not an
/// image, or cannot be decoded.
async fn render(
    services: &Services,
    source: &str,
    content_type: &str,
) -> ApiResult<Option<String>> {
    if !can_preview(content_type) {
        return Ok(None);
    }
    let Some(bytes) = services
        .storage
        .get_bytes(source, MAX_SOURCE_BYTES)
        .await
        .map_err(ApiError::internal)?
    else {
        return Ok(None);
    };
    let Some(jpeg) = tokio::task::spawn_blocking(move || thumbnail(&bytes))
        .await
        .map_err(ApiError::internal)?
    else {
        tracing::info!(%source, "image could not be decoded; no thumbnail");
        return Ok(None);
    };
    let key = Storage::new_key("thumbnails");
    services
        .storage
        .put_bytes(&key, jpeg)
        .await
        .map_err(ApiError::internal)?;
    Ok(Some(key))
}

/// A JPEG at most `SIZE` pixels on its longest side, turned upright as the camera's EXIF
/// orientation says (phones store portraits sideways).
fn thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_PIXELS_SIDE);
    limits.max_image_height = Some(MAX_PIXELS_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).ok()?;
    image.apply_orientation(orientation);
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

    /// A JPEG whose EXIF says "rotate 90° clockwise to display" (orientation 6).
    fn sideways_jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut jpeg = Vec::new();
        image
            .write_to(
                &mut std::io::Cursor::new(&mut jpeg),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        // APP1 "Exif\0\0" + a little-endian TIFF header with one IFD entry: Orientation = 6.
        let mut exif = b"Exif\0\0II*\0\x08\0\0\0\x01\0".to_vec();
        exif.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
        let length = u16::try_from(exif.len() + 2).unwrap().to_be_bytes();
        let mut segment = vec![0xFF, 0xE1, length[0], length[1]];
        segment.extend_from_slice(&exif);
        jpeg.splice(2..2, segment);
        jpeg
    }

    #[test]
    fn a_photo_taken_sideways_is_turned_upright() {
        let jpeg = super::thumbnail(&sideways_jpeg(640, 480)).unwrap();
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (240, 320));
    }
}
