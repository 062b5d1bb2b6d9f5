//! Attachments over GraphQL: the `Attachment` type and `uploadAttachment` (listing those of a post,
//! comment or event is in `loading`, setting them in `service`).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::access::{self, TYPE_NAME};
use super::model::{self, Attachment};
use super::urls;
use crate::error::{ApiError, ApiResult};
use crate::files::upload::Upload;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::jobs::{self, Job};
use crate::users::User;

/// A file uploaded with `uploadAttachment`, attached to a post, comment, event or chat message
/// or used as an avatar or cover. Whoever sees what uses it sees it; until then, only its uploader.
#[Object(name = "Attachment")]
impl Attachment {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// The name it was uploaded with.
    async fn name(&self) -> &str {
        &self.name
    }
    /// Its size, in bytes.
    async fn size_bytes(&self) -> i64 {
        self.size_bytes
    }
    /// Its MIME type (e.g. `image/png`), sniffed from the bytes when uploaded, never taken from
    /// the client.
    async fn content_type(&self) -> &str {
        &self.content_type
    }
    /// The SHA-256 of its contents, in lowercase hex.
    async fn sha256(&self) -> String {
        crate::files::storage::hex(&self.sha256)
    }
    /// Whether it is a PNG, JPEG, GIF or WebP image, which gets a preview (`thumbnailUrl` once the
    /// preview is made).
    async fn is_image(&self) -> bool {
        crate::files::thumbnails::can_preview(&self.content_type)
    }
    /// Where to download it: streams it to whoever may see what uses it (session cookie or bearer
    /// token).
    async fn download_url(&self, ctx: &Context<'_>) -> String {
        urls::download(ctx.services(), self.id)
    }
    /// A JPEG preview of an image, at most 320 pixels on its longest side, made shortly after
    /// upload; null until then, for other files, and for images over 30 MiB or that cannot be
    /// decoded.
    async fn thumbnail_url(&self, ctx: &Context<'_>) -> Option<String> {
        self.thumbnail_key
            .as_ref()
            .map(|_| urls::image(ctx.services(), self.id))
    }
    /// The uploader, when the viewer may see them.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = self.uploaded_by else {
            return Ok(None);
        };
        match crate::users::loading::load_visible(ctx, id).await {
            Ok(user) => Ok(Some(user)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }
    /// When it was uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
}

pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<Attachment> {
    let mut conn = ctx.conn().await?;
    access::readable(&mut conn, ctx.viewer()?, id).await
}

/// What to upload: a file, or a copy of a drive file (exactly one of the two).
#[derive(InputObject)]
pub struct UploadAttachmentInput {
    /// The file, sent as a GraphQL multipart request (up to the server's upload limit, 100 MiB by
    /// default)...
    pub file: Option<Upload>,
    /// ...or a copy of the current version of a drive file the viewer may read.
    pub file_id: Option<ID>,
}

/// The result of `uploadAttachment`.
#[derive(SimpleObject)]
pub struct UploadAttachmentPayload {
    /// The upload, seen only by the viewer until something uses it.
    pub attachment: Attachment,
}

#[derive(Default)]
pub struct AttachmentMutation;

#[Object]
impl AttachmentMutation {
    /// Uploads a file to attach to a post, comment, event or chat message (`attachmentIds`) or
    /// to use as an avatar or cover. Only its uploader sees it until then; unused, it is deleted after a day.
    async fn upload_attachment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file to upload, or the drive file to copy.")]
        input: UploadAttachmentInput,
    ) -> ApiResult<UploadAttachmentPayload> {
        let viewer = ctx.viewer()?;
        let services = ctx.services().clone();
        let mut conn = ctx.conn().await?;
        let (object, copied) = match (&input.file, &input.file_id) {
            (Some(file), None) => (file.take(&ctx.request().uploads, "file")?, false),
            (None, Some(id)) => {
                let (file, _) = crate::files::access::file_by_id(
                    &mut conn,
                    viewer,
                    ids::decode_as(id, crate::files::access::FILE_TYPE, "fileId")?,
                    false,
                )
                .await?;
                let version = crate::files::model::version(&mut conn, file.id, None)
                    .await?
                    .ok_or(ApiError::NotFound(crate::files::access::FILE_TYPE))?;
                let object = crate::files::service::copy_version(
                    &services,
                    &mut conn,
                    &version,
                    file.name.clone(),
                )
                .await?;
                (object, true)
            }
            _ => {
                return Err(ApiError::bad_input(
                    "file",
                    "give a file or a fileId, not both",
                ));
            }
        };
        let saved = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let attachment = model::insert(conn, &object, viewer.id()).await?;
                if crate::files::thumbnails::can_preview(&attachment.content_type) {
                    let job = Job::MakeAttachmentThumbnail {
                        attachment_id: attachment.id,
                    };
                    jobs::enqueue(conn, &job, Utc::now()).await?;
                }
                Ok(attachment)
            })
            .await;
        match saved {
            Ok(attachment) => Ok(UploadAttachmentPayload { attachment }),
            Err(error) if copied => {
                crate::files::upload::discard(&services, &object.storage_key).await;
                Err(error)
            }
            Err(error) => {
                crate::files::mutations::discard_later(ctx, object);
                Err(error)
            }
        }
    }
}
