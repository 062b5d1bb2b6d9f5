//! Changing the drive: uploads and versions, folders, moving, renaming, copying, the trash. Thin
//! resolvers that parse the input and call `files::service`.

mod arranging;
mod history;

use async_graphql::{Context, ID, InputObject, MergedObject, SimpleObject};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{DRIVE_TYPE, DriveView, FILE_TYPE, FOLDER_TYPE};
use super::graphql::{FileView, FolderView};
use super::model::{File, Folder, StoredObject};
use super::service::{self, Editor, Place};
use super::upload::Upload;
use crate::audit::Audit;
use crate::auth::Viewer;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;

/// Every drive mutation, in the schema's order.
#[derive(MergedObject, Default)]
pub struct FileMutation(
    arranging::FileArrangingMutation,
    history::FileHistoryMutation,
);

/// Where an uploaded file goes: give `folderId`, `driveId` or `fileId`.
#[derive(InputObject)]
pub struct UploadFileInput {
    /// Into this folder...
    pub folder_id: Option<ID>,
    /// ...or the root of this drive.
    pub drive_id: Option<ID>,
    /// A new version of this file instead of a new file (its name stays).
    pub file_id: Option<ID>,
    /// The file, sent as a part of the multipart request; a new file takes the part's file
    /// name (cleaned up).
    pub file: Upload,
}

/// The result of `uploadFile`.
#[derive(SimpleObject)]
pub struct UploadFilePayload {
    /// The new file, or the file with its new current version.
    pub file: FileView,
}

/// Where a new folder goes and its name: give `parentFolderId` or `driveId`.
#[derive(InputObject)]
pub struct CreateFolderInput {
    /// Inside this folder...
    pub parent_folder_id: Option<ID>,
    /// ...or at the root of this drive.
    pub drive_id: Option<ID>,
    /// At most 255 bytes, without `/` or `\`, not `.`, `..` or a name Windows reserves (CON,
    /// NUL, COM1...); a folder beside it with the same name (ignoring case) is a CONFLICT.
    pub name: String,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The folder as it is now (in the trash after `deleteFolder`).
    pub folder: FolderView,
}
    /// The result of `createFolder`: the new folder.
    CreateFolderPayload;
    /// The result of `updateFolder`: the folder, renamed or moved.
    UpdateFolderPayload;
    /// The result of `deleteFolder`: the folder, now in the trash.
    DeleteFolderPayload;
    /// The result of `restoreFolder`: the folder, out of the trash.
    RestoreFolderPayload;
}

/// The folder to rename or move (not a drive's root); what is left out stays.
#[derive(InputObject)]
pub struct UpdateFolderInput {
    /// The folder to change.
    pub folder_id: ID,
    /// A new name (the rules of `CreateFolderInput.name`).
    pub name: Option<String>,
    /// Moves it into this folder (same drive).
    pub parent_folder_id: Option<ID>,
}

/// The file to rename or move; what is left out stays.
#[derive(InputObject)]
pub struct UpdateFileInput {
    /// The file to change.
    pub file_id: ID,
    /// A new name (the rules of `CreateFolderInput.name`); a file beside it with the same name
    /// (ignoring case) is a CONFLICT.
    pub name: Option<String>,
    /// Moves it into this folder (same drive).
    pub folder_id: Option<ID>,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The file as it is now (the new copy, for `copyFile`).
    pub file: FileView,
}
    /// The result of `updateFile`: the file, renamed or moved.
    UpdateFilePayload;
    /// The result of `copyFile`: the new copy.
    CopyFilePayload;
    /// The result of `restoreFile`: the file, out of the trash.
    RestoreFilePayload;
    /// The result of `restoreFileVersion`: the file, with the old version as its newest.
    RestoreFileVersionPayload;
}

/// The file to copy and where to.
#[derive(InputObject)]
pub struct CopyFileInput {
    /// The file to copy (any the viewer may read).
    pub file_id: ID,
    /// Where the copy goes (any drive the viewer may change); the same folder by default.
    pub folder_id: Option<ID>,
}

/// A file to act on.
#[derive(InputObject)]
pub struct RestoreFileInput {
    /// The file.
    pub file_id: ID,
}

/// The file to delete, and how.
#[derive(InputObject)]
pub struct DeleteFileInput {
    /// The file to delete (one in the trash only with `permanently`).
    pub file_id: ID,
    /// Skips the trash: the file and its versions are gone at once.
    #[graphql(default)]
    pub permanently: bool,
}

/// The result of `deleteFile`.
#[derive(SimpleObject)]
pub struct DeleteFilePayload {
    /// The file in the trash; null when deleted permanently.
    pub file: Option<FileView>,
    /// The deleted file's ID (to remove it from lists).
    pub deleted_file_id: ID,
}

crate::one_type_per_mutation! {
    #[derive(InputObject)]
    struct {
    /// The folder.
    pub folder_id: ID,
}
    /// The folder to move to the trash, with everything in it.
    DeleteFolderInput;
    /// The trashed folder to restore.
    RestoreFolderInput;
}

/// The file and the version of it to restore.
#[derive(InputObject)]
pub struct RestoreFileVersionInput {
    /// The file.
    pub file_id: ID,
    /// Becomes the newest version again (as a new version: history is kept).
    pub number: i32,
}

/// Where new content goes: a folder ID (named `field` in errors), else a drive's root.
fn place(folder_id: Option<&ID>, drive_id: Option<&ID>, field: &str) -> ApiResult<Place> {
    match (folder_id, drive_id) {
        (Some(id), _) => Ok(Place::Folder(ids::decode_as(id, FOLDER_TYPE, field)?)),
        (None, Some(id)) => Ok(Place::DriveRoot(ids::decode_as(id, DRIVE_TYPE, "driveId")?)),
        (None, None) => Err(ApiError::bad_input(field, "give a folder or a drive")),
    }
}

fn file_id(id: &ID) -> ApiResult<Uuid> {
    ids::decode_as(id, FILE_TYPE, "fileId")
}

fn folder_id(id: &ID) -> ApiResult<Uuid> {
    ids::decode_as(id, FOLDER_TYPE, "folderId")
}

/// The file `id` names, as `service::writable_file` finds it.
async fn writable_file(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: &ID,
    include_trash: bool,
) -> ApiResult<(File, DriveView)> {
    service::writable_file(conn, viewer, file_id(id)?, include_trash).await
}

/// A change of one file or folder about to be made: who makes it (the editor), the connection
/// it is made on, and the target with its drive, found writable by the viewer.
type Change<'a, T> = (Editor<'a>, DbConn, T, DriveView);

/// The file `id` names (in the trash too with `include_trash`), to change.
async fn file_change<'a>(
    ctx: &'a Context<'_>,
    id: &ID,
    include_trash: bool,
) -> ApiResult<Change<'a, File>> {
    let editor = editor(ctx)?;
    let mut conn = ctx.conn().await?;
    let (target, drive) = writable_file(&mut conn, editor.viewer, id, include_trash).await?;
    Ok((editor, conn, target, drive))
}

/// The folder `id` names (not a drive's root: `root_refusal` says why), to change.
async fn folder_change<'a>(
    ctx: &'a Context<'_>,
    id: &ID,
    root_refusal: &str,
) -> ApiResult<Change<'a, Folder>> {
    let editor = editor(ctx)?;
    let mut conn = ctx.conn().await?;
    let (target, drive) =
        service::writable_folder(&mut conn, editor.viewer, folder_id(id)?, root_refusal).await?;
    Ok((editor, conn, target, drive))
}

/// The viewer as the editor of a drive; the audit is written only for a manager's change.
fn editor<'a>(ctx: &'a Context<'_>) -> ApiResult<Editor<'a>> {
    Ok(Editor {
        viewer: ctx.viewer()?,
        audit: Audit::of(ctx)?,
    })
}

/// Gives an upload back to the request, whose cleanup deletes what no mutation kept.
pub fn discard_later(ctx: &Context<'_>, object: StoredObject) {
    ctx.request().uploads.put_back(object);
}
