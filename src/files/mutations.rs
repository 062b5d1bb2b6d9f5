//! Changing the drive: uploads and versions, folders, moving, renaming, copying, the trash.

use crate::analytics::{Activity, ActivityKind};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use std::collections::HashSet;
use uuid::Uuid;

use super::access::{self, DRIVE_TYPE, DriveView, FILE_TYPE, FOLDER_TYPE};
use super::graphql::{FileView, FolderView};
use super::model::{self, File, FileVersion, Folder, StoredObject};
use super::names;
use super::storage::Storage;
use super::upload::Upload;
use crate::audit::{Audit, Change};
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::jobs::{self, Job};
use crate::notifications::triggers::{self, Trigger};
use crate::policy::{self, Action};
use crate::services::Services;

/// How long files stay in the trash.
pub const TRASH_DAYS: i64 = 30;

#[derive(InputObject)]
pub struct UploadFileInput {
    /// Into this folder...
    pub folder_id: Option<ID>,
    /// ...or the root of this drive.
    pub drive_id: Option<ID>,
    /// A new version of this file instead of a new file.
    pub file_id: Option<ID>,
    pub file: Upload,
}

#[derive(SimpleObject)]
pub struct UploadFilePayload {
    pub file: FileView,
}

#[derive(InputObject)]
pub struct CreateFolderInput {
    /// Inside this folder...
    pub parent_folder_id: Option<ID>,
    /// ...or at the root of this drive.
    pub drive_id: Option<ID>,
    pub name: String,
}

#[derive(SimpleObject)]
pub struct FolderPayload {
    pub folder: FolderView,
}

#[derive(InputObject)]
pub struct UpdateFolderInput {
    pub folder_id: ID,
    pub name: Option<String>,
    /// Moves it into this folder (same drive).
    pub parent_folder_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateFileInput {
    pub file_id: ID,
    pub name: Option<String>,
    /// Moves it into this folder (same drive).
    pub folder_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct FilePayload {
    pub file: FileView,
}

#[derive(InputObject)]
pub struct CopyFileInput {
    pub file_id: ID,
    /// Where the copy goes (any drive the viewer may change); the same folder by default.
    pub folder_id: Option<ID>,
}

#[derive(InputObject)]
pub struct FileInput {
    pub file_id: ID,
}

#[derive(InputObject)]
pub struct DeleteFileInput {
    pub file_id: ID,
    /// Skips the trash: the file and its versions are gone at once.
    #[graphql(default)]
    pub permanently: bool,
}

#[derive(SimpleObject)]
pub struct DeleteFilePayload {
    /// Null when deleted permanently.
    pub file: Option<FileView>,
    pub deleted_file_id: ID,
}

#[derive(InputObject)]
pub struct FolderInput {
    pub folder_id: ID,
}

#[derive(InputObject)]
pub struct RestoreFileVersionInput {
    pub file_id: ID,
    /// Becomes the newest version again (as a new version: history is kept).
    pub number: i32,
}

/// The folder a change goes into, checked writable: a folder ID, else a drive's root.
async fn target_folder(
    ctx: &Context<'_>,
    conn: &mut AsyncPgConnection,
    folder_id: Option<&ID>,
    drive_id: Option<&ID>,
    field: &str,
) -> ApiResult<(Folder, DriveView)> {
    let viewer = ctx.viewer()?;
    let (folder, drive) = match (folder_id, drive_id) {
        (Some(id), _) => {
            access::folder_by_id(conn, viewer, ids::decode_as(id, FOLDER_TYPE, field)?).await?
        }
        (None, Some(id)) => {
            let drive =
                access::drive_by_id(conn, viewer, ids::decode_as(id, DRIVE_TYPE, "driveId")?)
                    .await?;
            (model::root_folder(conn, drive.drive.id).await?, drive)
        }
        (None, None) => return Err(ApiError::bad_input(field, "give a folder or a drive")),
    };
    drive.require(viewer, Action::Edit, FOLDER_TYPE)?;
    Ok((folder, drive))
}

/// A folder other than a root that the viewer may change (`root_refusal` says why a root may not).
async fn writable_folder(
    ctx: &Context<'_>,
    conn: &mut AsyncPgConnection,
    id: &ID,
    root_refusal: &str,
) -> ApiResult<(Folder, DriveView)> {
    let viewer = ctx.viewer()?;
    let (folder, drive) =
        access::folder_by_id(conn, viewer, ids::decode_as(id, FOLDER_TYPE, "folderId")?).await?;
    drive.require(viewer, Action::Edit, FOLDER_TYPE)?;
    if folder.parent_id.is_none() {
        return Err(ApiError::bad_input("folderId", root_refusal));
    }
    Ok((folder, drive))
}

/// A file the viewer may change.
async fn writable_file(
    ctx: &Context<'_>,
    conn: &mut AsyncPgConnection,
    id: &ID,
    include_trash: bool,
) -> ApiResult<(File, DriveView)> {
    let viewer = ctx.viewer()?;
    let (file, drive) = access::file_by_id(
        conn,
        viewer,
        ids::decode_as(id, FILE_TYPE, "fileId")?,
        include_trash,
    )
    .await?;
    drive.require(viewer, Action::Edit, FILE_TYPE)?;
    Ok((file, drive))
}

/// A manager changing what someone else (`created_by`) put in a drive its group keeps to
/// managers, which its members may not change, is a manager action, and an org admin changing it
/// in a group whose drive they could not write as a member an admin action: the audit and its
/// entry about `target`, in the drive's group; `None` for anything else.
fn manager_change(
    ctx: &Context<'_>,
    drive: &DriveView,
    created_by: Option<Uuid>,
    target: Change,
) -> ApiResult<Option<(Audit, Change)>> {
    let viewer = ctx.viewer()?;
    if created_by == Some(viewer.id()) || !policy::writes_as_manager(viewer, drive.group.as_ref()) {
        return Ok(None);
    }
    Ok(Some((
        Audit::of(ctx)?,
        target.in_group_if_any(drive.drive.group_id),
    )))
}

/// Records a manager's change (when it is one, see `manager_change`) with what it left (`None`
/// when it is gone).
async fn record_manager_change(
    conn: &mut AsyncPgConnection,
    change: Option<(Audit, Change)>,
    after: Option<&impl serde::Serialize>,
) -> ApiResult<()> {
    let Some((audit, change)) = change else {
        return Ok(());
    };
    let change = match after {
        Some(after) => change.after(after)?,
        None => change,
    };
    audit.record(conn, change).await
}

/// A manager's change of a file (see `manager_change`).
fn file_change(
    ctx: &Context<'_>,
    drive: &DriveView,
    file: &File,
) -> ApiResult<Option<(Audit, Change)>> {
    let target = Change::of(FILE_TYPE, file.id).before(file)?;
    manager_change(ctx, drive, file.created_by, target)
}

/// A manager's change of a folder (see `manager_change`).
fn folder_change(
    ctx: &Context<'_>,
    drive: &DriveView,
    folder: &Folder,
) -> ApiResult<Option<(Audit, Change)>> {
    let target = Change::of(FOLDER_TYPE, folder.id).before(folder)?;
    manager_change(ctx, drive, folder.created_by, target)
}

async fn changed(services: &Services, conn: &mut AsyncPgConnection, drive: Uuid) -> ApiResult<()> {
    services
        .events
        .publish(conn, &Event::DriveChanged { drive_id: drive })
        .await
}

/// Tells the folder's followers of a new file (`new_file`) or a new version of one.
async fn notify_followers(
    conn: &mut AsyncPgConnection,
    file: &File,
    by: Uuid,
    new_file: bool,
) -> ApiResult<()> {
    let trigger = Trigger::FileChanged {
        file_id: file.id,
        by,
        new_file,
    };
    triggers::enqueue(conn, trigger).await
}

/// A free name in `folder` for `wanted` ("name (1).ext" when taken); CONFLICT naming `field`
/// when even the numbered names are taken (see `names::first_free`).
async fn free_name(
    conn: &mut AsyncPgConnection,
    folder: Uuid,
    wanted: &str,
    field: &str,
) -> ApiResult<String> {
    let taken: HashSet<String> = model::names_in(conn, folder).await?.into_iter().collect();
    names::first_free(field, wanted, |candidate| {
        taken.contains(&candidate.to_lowercase())
    })
}

/// A copy of a stored version under a new key (listed as garbage until a row owns it), for a
/// copied file or a restored version.
pub async fn copy_version(
    services: &Services,
    conn: &mut AsyncPgConnection,
    version: &FileVersion,
    uploaded_name: String,
) -> ApiResult<StoredObject> {
    let key = Storage::new_key("objects");
    let grace = Utc::now() + chrono::Duration::hours(1);
    model::mark_garbage(conn, std::slice::from_ref(&key), grace).await?;
    services
        .storage
        .copy(&version.storage_key, &key)
        .await
        .map_err(ApiError::internal)?;
    Ok(StoredObject {
        storage_key: key,
        size_bytes: version.size_bytes,
        sha256: version.sha256.clone(),
        content_type: version.content_type.clone(),
        uploaded_name,
    })
}

/// Thumbnails are made off the request path for images.
async fn after_upload(conn: &mut AsyncPgConnection, file: &File) -> ApiResult<()> {
    if !super::thumbnails::can_preview(&file.content_type) {
        return Ok(());
    }
    if let Some(version) = model::version(conn, file.id, None).await? {
        let job = Job::MakeThumbnail {
            version_id: version.id,
        };
        jobs::enqueue(conn, &job, Utc::now()).await?;
    }
    Ok(())
}

#[derive(Default)]
pub struct FileMutation;

#[Object]
impl FileMutation {
    /// Uploads a file (GraphQL multipart request) into a folder or a drive's root, or as a new
    /// version of `fileId`. A name already used in the folder becomes "name (1).ext".
    async fn upload_file(
        &self,
        ctx: &Context<'_>,
        input: UploadFileInput,
    ) -> ApiResult<UploadFilePayload> {
        let viewer = ctx.viewer()?;
        let services = ctx.services().clone();
        let object = input.file.take(&ctx.request().uploads, "file")?;
        let mut conn = ctx.conn().await?;
        let result = async {
            let (file, drive) = match &input.file_id {
                Some(id) => {
                    let (file, drive) = writable_file(ctx, &mut conn, id, false).await?;
                    let audited = file_change(ctx, &drive, &file)?;
                    let file = conn
                        .transaction::<_, ApiError, _>(async |conn| {
                            model::charge(conn, file.drive_id, object.size_bytes).await?;
                            let file =
                                model::add_version(conn, &file, &object, viewer.id()).await?;
                            record_manager_change(conn, audited, Some(&file)).await?;
                            after_upload(conn, &file).await?;
                            notify_followers(conn, &file, viewer.id(), false).await?;
                            changed(&services, conn, file.drive_id).await?;
                            Ok(file)
                        })
                        .await?;
                    (file, drive)
                }
                None => {
                    let (folder, drive) = target_folder(
                        ctx,
                        &mut conn,
                        input.folder_id.as_ref(),
                        input.drive_id.as_ref(),
                        "folderId",
                    )
                    .await?;
                    let file = conn
                        .transaction::<_, ApiError, _>(async |conn| {
                            let name =
                                free_name(conn, folder.id, &object.uploaded_name, "file").await?;
                            model::charge(conn, folder.drive_id, object.size_bytes).await?;
                            let file =
                                model::insert_file(conn, &folder, &name, &object, viewer.id())
                                    .await?;
                            after_upload(conn, &file).await?;
                            notify_followers(conn, &file, viewer.id(), true).await?;
                            changed(&services, conn, folder.drive_id).await?;
                            Ok(file)
                        })
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

    async fn create_folder(
        &self,
        ctx: &Context<'_>,
        input: CreateFolderInput,
    ) -> ApiResult<FolderPayload> {
        let viewer = ctx.viewer()?;
        let name = names::checked("name", &input.name)?;
        let mut conn = ctx.conn().await?;
        let (parent, drive) = target_folder(
            ctx,
            &mut conn,
            input.parent_folder_id.as_ref(),
            input.drive_id.as_ref(),
            "parentFolderId",
        )
        .await?;
        let services = ctx.services().clone();
        let folder = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let folder = model::insert_folder(conn, &parent, &name, viewer.id()).await?;
                changed(&services, conn, folder.drive_id).await?;
                Ok(folder)
            })
            .await?;
        Ok(FolderPayload {
            folder: FolderView { folder, drive },
        })
    }

    /// Renames a folder or moves it within its drive (never into itself).
    async fn update_folder(
        &self,
        ctx: &Context<'_>,
        input: UpdateFolderInput,
    ) -> ApiResult<FolderPayload> {
        let mut conn = ctx.conn().await?;
        let (folder, drive) = writable_folder(
            ctx,
            &mut conn,
            &input.folder_id,
            "the root folder cannot be renamed or moved",
        )
        .await?;
        let name = match &input.name {
            Some(name) => names::checked("name", name)?,
            None => folder.name.clone(),
        };
        let parent = match &input.parent_folder_id {
            Some(id) => {
                let (parent, _) =
                    target_folder(ctx, &mut conn, Some(id), None, "parentFolderId").await?;
                if parent.drive_id != folder.drive_id {
                    return Err(ApiError::bad_input(
                        "parentFolderId",
                        "must be in the same drive",
                    ));
                }
                if model::is_within(&mut conn, parent.id, folder.id).await? {
                    return Err(ApiError::bad_input(
                        "parentFolderId",
                        "a folder cannot move into itself",
                    ));
                }
                parent.id
            }
            None => folder.parent_id.unwrap_or(folder.id),
        };
        let audited = folder_change(ctx, &drive, &folder)?;
        let services = ctx.services().clone();
        let folder = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let folder = model::update_folder(conn, folder.id, &name, parent).await?;
                record_manager_change(conn, audited, Some(&folder)).await?;
                changed(&services, conn, folder.drive_id).await?;
                Ok(folder)
            })
            .await?;
        Ok(FolderPayload {
            folder: FolderView { folder, drive },
        })
    }

    /// Renames a file or moves it to another folder of its drive.
    async fn update_file(
        &self,
        ctx: &Context<'_>,
        input: UpdateFileInput,
    ) -> ApiResult<FilePayload> {
        let mut conn = ctx.conn().await?;
        let (file, drive) = writable_file(ctx, &mut conn, &input.file_id, false).await?;
        let name = match &input.name {
            Some(name) => names::checked("name", name)?,
            None => file.name.clone(),
        };
        let folder = match &input.folder_id {
            Some(id) => {
                let (folder, _) = target_folder(ctx, &mut conn, Some(id), None, "folderId").await?;
                if folder.drive_id != file.drive_id {
                    return Err(ApiError::bad_input(
                        "folderId",
                        "must be in the same drive (copy it instead)",
                    ));
                }
                folder.id
            }
            None => file.folder_id,
        };
        let audited = file_change(ctx, &drive, &file)?;
        let services = ctx.services().clone();
        let file = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let file = model::update_file(conn, file.id, &name, folder).await?;
                record_manager_change(conn, audited, Some(&file)).await?;
                changed(&services, conn, file.drive_id).await?;
                Ok(file)
            })
            .await?;
        Ok(FilePayload {
            file: FileView { file, drive },
        })
    }

    /// Copies the current version into a folder (a new file; it counts against that drive's quota).
    async fn copy_file(&self, ctx: &Context<'_>, input: CopyFileInput) -> ApiResult<FilePayload> {
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        let (source, _) = access::file_by_id(
            &mut conn,
            viewer,
            ids::decode_as(&input.file_id, FILE_TYPE, "fileId")?,
            false,
        )
        .await?;
        let (folder, drive) = match &input.folder_id {
            Some(id) => target_folder(ctx, &mut conn, Some(id), None, "folderId").await?,
            None => {
                let id = ids::encode(FOLDER_TYPE, source.folder_id);
                target_folder(ctx, &mut conn, Some(&id), None, "folderId").await?
            }
        };
        let version = model::version(&mut conn, source.id, None)
            .await?
            .ok_or(ApiError::NotFound(FILE_TYPE))?;
        let services = ctx.services().clone();
        let object = copy_version(&services, &mut conn, &version, source.name.clone()).await?;
        let copied = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let name = free_name(conn, folder.id, &source.name, "fileId").await?;
                model::charge(conn, folder.drive_id, object.size_bytes).await?;
                let file = model::insert_file(conn, &folder, &name, &object, viewer.id()).await?;
                after_upload(conn, &file).await?;
                notify_followers(conn, &file, viewer.id(), true).await?;
                changed(&services, conn, folder.drive_id).await?;
                Ok(file)
            })
            .await;
        match copied {
            Ok(file) => Ok(FilePayload {
                file: FileView { file, drive },
            }),
            Err(error) => {
                super::upload::discard(&services, &object.storage_key).await;
                Err(error)
            }
        }
    }

    /// Puts a file in the trash (restorable for 30 days), or deletes it permanently.
    async fn delete_file(
        &self,
        ctx: &Context<'_>,
        input: DeleteFileInput,
    ) -> ApiResult<DeleteFilePayload> {
        let mut conn = ctx.conn().await?;
        let (file, drive) =
            writable_file(ctx, &mut conn, &input.file_id, input.permanently).await?;
        let audited = file_change(ctx, &drive, &file)?;
        let services = ctx.services().clone();
        let trashed = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let trashed = if input.permanently {
                    model::purge_file(conn, &file).await?;
                    jobs::enqueue(conn, &Job::SweepStorage, Utc::now()).await?;
                    None
                } else {
                    let file = model::set_file_deleted(conn, file.id, Some(Utc::now())).await?;
                    let purge_at = Utc::now() + chrono::Duration::days(TRASH_DAYS);
                    jobs::enqueue(conn, &Job::PurgeFile { file_id: file.id }, purge_at).await?;
                    Some(file)
                };
                record_manager_change(conn, audited, trashed.as_ref()).await?;
                changed(&services, conn, drive.drive.id).await?;
                Ok(trashed)
            })
            .await?;
        Ok(DeleteFilePayload {
            deleted_file_id: ids::encode(FILE_TYPE, file.id),
            file: trashed.map(|file| FileView { file, drive }),
        })
    }

    /// Takes a file out of the trash (renamed "name (1).ext" if its name was taken meanwhile).
    async fn restore_file(&self, ctx: &Context<'_>, input: FileInput) -> ApiResult<FilePayload> {
        let mut conn = ctx.conn().await?;
        let (file, drive) = writable_file(ctx, &mut conn, &input.file_id, true).await?;
        if model::in_trash(&mut conn, file.folder_id).await? {
            return Err(ApiError::bad_input(
                "fileId",
                "its folder is in the trash; restore the folder first",
            ));
        }
        let audited = file_change(ctx, &drive, &file)?;
        let services = ctx.services().clone();
        let file = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let name = free_name(conn, file.folder_id, &file.name, "fileId").await?;
                model::update_file(conn, file.id, &name, file.folder_id).await?;
                let file = model::set_file_deleted(conn, file.id, None).await?;
                record_manager_change(conn, audited, Some(&file)).await?;
                changed(&services, conn, file.drive_id).await?;
                Ok(file)
            })
            .await?;
        Ok(FilePayload {
            file: FileView { file, drive },
        })
    }

    /// Puts a folder and everything in it in the trash.
    async fn delete_folder(
        &self,
        ctx: &Context<'_>,
        input: FolderInput,
    ) -> ApiResult<FolderPayload> {
        let mut conn = ctx.conn().await?;
        let (folder, drive) = writable_folder(
            ctx,
            &mut conn,
            &input.folder_id,
            "the root folder cannot be deleted",
        )
        .await?;
        let audited = folder_change(ctx, &drive, &folder)?;
        let services = ctx.services().clone();
        let folder = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let folder = model::set_folder_deleted(conn, folder.id, Some(Utc::now())).await?;
                record_manager_change(conn, audited, Some(&folder)).await?;
                changed(&services, conn, folder.drive_id).await?;
                Ok(folder)
            })
            .await?;
        Ok(FolderPayload {
            folder: FolderView { folder, drive },
        })
    }

    /// Takes a folder (and what is in it) out of the trash, renamed "name (1)" if its name was
    /// taken meanwhile.
    async fn restore_folder(
        &self,
        ctx: &Context<'_>,
        input: FolderInput,
    ) -> ApiResult<FolderPayload> {
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        let id = ids::decode_as(&input.folder_id, FOLDER_TYPE, "folderId")?;
        let folder = model::find_folder(&mut conn, id)
            .await?
            .filter(|folder| folder.deleted_at.is_some())
            .ok_or(ApiError::NotFound(FOLDER_TYPE))?;
        let parent = folder.parent_id.ok_or(ApiError::NotFound(FOLDER_TYPE))?;
        let (_, drive) = access::folder_by_id(&mut conn, viewer, parent).await?;
        drive.require(viewer, Action::Edit, FOLDER_TYPE)?;
        let audited = folder_change(ctx, &drive, &folder)?;
        let services = ctx.services().clone();
        let folder = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let name = free_name(conn, parent, &folder.name, "folderId").await?;
                model::update_folder(conn, folder.id, &name, parent).await?;
                let folder = model::set_folder_deleted(conn, folder.id, None).await?;
                record_manager_change(conn, audited, Some(&folder)).await?;
                changed(&services, conn, folder.drive_id).await?;
                Ok(folder)
            })
            .await?;
        Ok(FolderPayload {
            folder: FolderView { folder, drive },
        })
    }

    /// Makes an older version the current one again (as a new version; history is kept).
    async fn restore_file_version(
        &self,
        ctx: &Context<'_>,
        input: RestoreFileVersionInput,
    ) -> ApiResult<FilePayload> {
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        let (file, drive) = writable_file(ctx, &mut conn, &input.file_id, false).await?;
        let old = model::version(&mut conn, file.id, Some(input.number))
            .await?
            .ok_or_else(|| ApiError::bad_input("number", "this file has no such version"))?;
        let services = ctx.services().clone();
        let audited = file_change(ctx, &drive, &file)?;
        let object = copy_version(&services, &mut conn, &old, old.uploaded_name.clone()).await?;
        let restored = conn
            .transaction::<_, ApiError, _>(async |conn| {
                model::charge(conn, file.drive_id, object.size_bytes).await?;
                let file = model::add_version(conn, &file, &object, viewer.id()).await?;
                record_manager_change(conn, audited, Some(&file)).await?;
                notify_followers(conn, &file, viewer.id(), false).await?;
                changed(&services, conn, file.drive_id).await?;
                Ok(file)
            })
            .await;
        match restored {
            Ok(file) => Ok(FilePayload {
                file: FileView { file, drive },
            }),
            Err(error) => {
                super::upload::discard(&services, &object.storage_key).await;
                Err(error)
            }
        }
    }
}

/// Gives an upload back to the request, whose cleanup deletes what no mutation kept.
pub fn discard_later(ctx: &Context<'_>, object: StoredObject) {
    ctx.request().uploads.put_back(object);
}
