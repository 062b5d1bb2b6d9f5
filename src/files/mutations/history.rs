//! The trash and the history: deleting and restoring files and folders, restoring an older
//! version of a file.

use async_graphql::{Context, Object};

use super::super::graphql::{FileView, FolderView};
use super::super::service;
use super::{
    DeleteFileInput, DeleteFilePayload, DeleteFolderInput, DeleteFolderPayload, FILE_TYPE,
    RestoreFileInput, RestoreFilePayload, RestoreFileVersionInput, RestoreFileVersionPayload,
    RestoreFolderInput, RestoreFolderPayload, editor, file_change, folder_change, folder_id,
};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;

#[derive(Default)]
pub struct FileHistoryMutation;

#[Object]
impl FileHistoryMutation {
    /// Puts a file in the trash (restorable for 30 days), or deletes it permanently.
    async fn delete_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file to delete, and whether to skip the trash.")]
        input: DeleteFileInput,
    ) -> ApiResult<DeleteFilePayload> {
        let (editor, mut conn, file, drive) =
            file_change(ctx, &input.file_id, input.permanently).await?;
        let services = ctx.services();
        let deleted = (&file, &drive);
        let trashed =
            service::delete_file(&mut conn, services, &editor, deleted, input.permanently).await?;
        Ok(DeleteFilePayload {
            deleted_file_id: ids::encode(FILE_TYPE, file.id),
            file: trashed.map(|file| FileView { file, drive }),
        })
    }

    /// Takes a file out of the trash (renamed "name (1).ext" if its name was taken meanwhile).
    async fn restore_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file in the trash to restore.")] input: RestoreFileInput,
    ) -> ApiResult<RestoreFilePayload> {
        let (editor, mut conn, file, drive) = file_change(ctx, &input.file_id, true).await?;
        let file =
            service::restore_file(&mut conn, ctx.services(), &editor, (&file, &drive)).await?;
        Ok(RestoreFilePayload::from(FileView { file, drive }))
    }

    /// Puts a folder and everything in it in the trash (restorable for 30 days with
    /// `restoreFolder`); a drive's root cannot be deleted.
    async fn delete_folder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The folder to put in the trash.")] input: DeleteFolderInput,
    ) -> ApiResult<DeleteFolderPayload> {
        let refusal = "the root folder cannot be deleted";
        let (editor, mut conn, folder, drive) =
            folder_change(ctx, &input.folder_id, refusal).await?;
        let services = ctx.services();
        let folder =
            service::delete_folder(&mut conn, services, &editor, (&folder, &drive)).await?;
        Ok(DeleteFolderPayload::from(FolderView { folder, drive }))
    }

    /// Takes a folder (and what is in it) out of the trash, renamed "name (1)" if its name was
    /// taken meanwhile.
    async fn restore_folder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The folder in the trash to restore.")] input: RestoreFolderInput,
    ) -> ApiResult<RestoreFolderPayload> {
        let editor = editor(ctx)?;
        let mut conn = ctx.conn().await?;
        let id = folder_id(&input.folder_id)?;
        let (folder, drive) =
            service::restore_folder(&mut conn, ctx.services(), &editor, id).await?;
        Ok(RestoreFolderPayload::from(FolderView { folder, drive }))
    }

    /// Makes an older version the current one again (as a new version; history is kept).
    async fn restore_file_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file and the number of the version to restore.")]
        input: RestoreFileVersionInput,
    ) -> ApiResult<RestoreFileVersionPayload> {
        let (editor, mut conn, file, drive) = file_change(ctx, &input.file_id, false).await?;
        let services = ctx.services();
        let file =
            service::restore_version(&mut conn, services, &editor, (&file, &drive), input.number)
                .await?;
        Ok(RestoreFileVersionPayload::from(FileView { file, drive }))
    }
}
