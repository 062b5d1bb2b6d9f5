//! Adding to the drive and arranging it: uploads (new files and new versions), folders, renaming,
//! moving and copying.

use async_graphql::{Context, Object};

use super::super::access;
use super::super::graphql::{FileView, FolderView};
use super::super::names;
use super::super::service;
use super::{
    CopyFileInput, CopyFilePayload, CreateFolderInput, CreateFolderPayload, UpdateFileInput,
    UpdateFilePayload, UpdateFolderInput, UpdateFolderPayload, UploadFileInput, UploadFilePayload,
    discard_later, editor, file_change, file_id, folder_change, folder_id, place, writable_file,
};
use crate::analytics::{Activity, ActivityKind};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;

#[derive(Default)]
pub struct FileArrangingMutation;

#[Object]
impl FileArrangingMutation {
    /// Uploads a file (GraphQL multipart request) into a folder or a drive's root, or as a new
    /// version of `fileId`. A name already used in the folder becomes "name (1).ext".
    async fn upload_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file and where it goes.")] input: UploadFileInput,
    ) -> ApiResult<UploadFilePayload> {
        let viewer = ctx.viewer()?;
        let services = ctx.services();
        let object = input.file.take(&ctx.request().uploads, "file")?;
        let mut conn = ctx.conn().await?;
        let result = async {
            let (file, drive) = match &input.file_id {
                Some(id) => {
                    let (file, drive) = writable_file(&mut conn, viewer, id, false).await?;
                    let editor = editor(ctx)?;
                    let file = service::upload_version(
                        &mut conn, services, &editor, &file, &drive, &object,
                    )
                    .await?;
                    (file, drive)
                }
                None => {
                    let target = place(
                        input.folder_id.as_ref(),
                        input.drive_id.as_ref(),
                        "folderId",
                    )?;
                    let (folder, drive) =
                        service::writable_place(&mut conn, viewer, target).await?;
                    let file =
                        service::add_file(&mut conn, services, viewer, &folder, &object, "file")
                            .await?;
                    (file, drive)
                }
            };
            Ok::<_, ApiError>(FileView { file, drive })
        }
        .await;
        match result {
            Ok(file) => {
                ctx.record_activity(
                    Activity::by(viewer.id(), ActivityKind::FileUploaded)
                        .in_group(file.drive.drive.group_id)
                        .about(file.file.id),
                );
                Ok(UploadFilePayload { file })
            }
            Err(error) => {
                // Not taken after all: the request's cleanup deletes it.
                discard_later(ctx, object);
                Err(error)
            }
        }
    }

    /// Creates a folder inside a folder or at a drive's root, for those who may change the
    /// drive.
    async fn create_folder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new folder's place and name.")] input: CreateFolderInput,
    ) -> ApiResult<CreateFolderPayload> {
        let viewer = ctx.viewer()?;
        let name = names::checked("name", &input.name)?;
        let mut conn = ctx.conn().await?;
        let target = place(
            input.parent_folder_id.as_ref(),
            input.drive_id.as_ref(),
            "parentFolderId",
        )?;
        let (parent, drive) = service::writable_place(&mut conn, viewer, target).await?;
        let folder =
            service::create_folder(&mut conn, ctx.services(), viewer, &parent, &name).await?;
        Ok(CreateFolderPayload::from(FolderView { folder, drive }))
    }

    /// Renames a folder or moves it within its drive (never into itself).
    async fn update_folder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The folder, its new name or its new parent.")] input: UpdateFolderInput,
    ) -> ApiResult<UpdateFolderPayload> {
        let refusal = "the root folder cannot be renamed or moved";
        let (editor, mut conn, folder, drive) =
            folder_change(ctx, &input.folder_id, refusal).await?;
        let name = match &input.name {
            Some(name) => names::checked("name", name)?,
            None => folder.name.clone(),
        };
        let parent = input
            .parent_folder_id
            .as_ref()
            .map(|id| ids::decode_as(id, super::FOLDER_TYPE, "parentFolderId"))
            .transpose()?;
        let services = ctx.services();
        let changed = (&folder, &drive);
        let folder =
            service::update_folder(&mut conn, services, &editor, changed, &name, parent).await?;
        Ok(UpdateFolderPayload::from(FolderView { folder, drive }))
    }

    /// Renames a file or moves it to another folder of its drive.
    async fn update_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file, its new name or its new folder.")] input: UpdateFileInput,
    ) -> ApiResult<UpdateFilePayload> {
        let (editor, mut conn, file, drive) = file_change(ctx, &input.file_id, false).await?;
        let name = match &input.name {
            Some(name) => names::checked("name", name)?,
            None => file.name.clone(),
        };
        let folder = input.folder_id.as_ref().map(folder_id).transpose()?;
        let services = ctx.services();
        let changed = (&file, &drive);
        let file =
            service::update_file(&mut conn, services, &editor, changed, &name, folder).await?;
        Ok(UpdateFilePayload::from(FileView { file, drive }))
    }

    /// Copies the current version into a folder (a new file, renamed "name (1).ext" if the name
    /// is taken; it counts against that drive's quota).
    async fn copy_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file to copy and the folder to copy it into.")] input: CopyFileInput,
    ) -> ApiResult<CopyFilePayload> {
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        let (source, _) =
            access::file_by_id(&mut conn, viewer, file_id(&input.file_id)?, false).await?;
        let folder = match &input.folder_id {
            Some(id) => folder_id(id)?,
            None => source.folder_id,
        };
        let (file, drive) =
            service::copy_file(&mut conn, ctx.services(), viewer, &source, folder).await?;
        Ok(CopyFilePayload::from(FileView { file, drive }))
    }
}
