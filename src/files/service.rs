//! The changes of a drive, each written once: who may make them, one transaction, the audit entry
//! of a manager's change, the bus event, the followers' notifications and the jobs (thumbnails,
//! purging the trash, sweeping storage).

use std::collections::HashSet;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::access::{self, DriveView, FILE_TYPE, FOLDER_TYPE};
use super::model::{self, File, FileVersion, Folder, StoredObject};
use super::names;
use super::storage::Storage;
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::jobs::{self, Job};
use crate::notifications::triggers::{self, Trigger};
use crate::policy::{self, Action};
use crate::services::Services;

/// How long files stay in the trash.
pub const TRASH_DAYS: i64 = 30;

/// Who changes a drive, and the audit their change takes when it is a manager's (see
/// `manager_change`).
pub struct Editor<'a> {
    pub viewer: &'a Viewer,
    pub audit: Audit,
}

/// Where new content goes.
pub enum Place {
    Folder(Uuid),
    /// The drive's root folder.
    DriveRoot(Uuid),
}

/// The folder a change goes into, checked writable.
pub async fn writable_place(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    place: Place,
) -> ApiResult<(Folder, DriveView)> {
    let (folder, drive) = match place {
        Place::Folder(id) => access::folder_by_id(conn, viewer, id).await?,
        Place::DriveRoot(id) => {
            let drive = access::drive_by_id(conn, viewer, id).await?;
            (model::root_folder(conn, drive.drive.id).await?, drive)
        }
    };
    drive.require(viewer, Action::Edit, FOLDER_TYPE)?;
    Ok((folder, drive))
}

/// A folder other than a root that the viewer may change (`root_refusal` says why a root may not).
pub async fn writable_folder(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
    root_refusal: &str,
) -> ApiResult<(Folder, DriveView)> {
    let (folder, drive) = access::folder_by_id(conn, viewer, id).await?;
    drive.require(viewer, Action::Edit, FOLDER_TYPE)?;
    if folder.parent_id.is_none() {
        return Err(ApiError::bad_input("folderId", root_refusal));
    }
    Ok((folder, drive))
}

/// A file the viewer may change.
pub async fn writable_file(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
    include_trash: bool,
) -> ApiResult<(File, DriveView)> {
    let (file, drive) = access::file_by_id(conn, viewer, id, include_trash).await?;
    drive.require(viewer, Action::Edit, FILE_TYPE)?;
    Ok((file, drive))
}

/// A manager changing what someone else (`created_by`) put in a drive its group keeps to
/// managers, which its members may not change, is a manager action, and an org admin changing it
/// in a group whose drive they could not write as a member an admin action: the audit and its
/// entry about `target`, in the drive's group; `None` for anything else.
fn manager_change<'a>(
    editor: &'a Editor<'_>,
    drive: &DriveView,
    created_by: Option<Uuid>,
    target: Change,
) -> Option<(&'a Audit, Change)> {
    let viewer = editor.viewer;
    if created_by == Some(viewer.id()) || !policy::writes_as_manager(viewer, drive.group.as_ref()) {
        return None;
    }
    Some((&editor.audit, target.in_group_if_any(drive.drive.group_id)))
}

/// Records a manager's change (when it is one, see `manager_change`) with what it left (`None`
/// when it is gone).
async fn record_manager_change(
    conn: &mut AsyncPgConnection,
    change: Option<(&Audit, Change)>,
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
fn file_change<'a>(
    editor: &'a Editor<'_>,
    drive: &DriveView,
    file: &File,
) -> ApiResult<Option<(&'a Audit, Change)>> {
    let target = Change::of(FILE_TYPE, file.id).before(file)?;
    Ok(manager_change(editor, drive, file.created_by, target))
}

/// A manager's change of a folder (see `manager_change`).
fn folder_change<'a>(
    editor: &'a Editor<'_>,
    drive: &DriveView,
    folder: &Folder,
) -> ApiResult<Option<(&'a Audit, Change)>> {
    let target = Change::of(FOLDER_TYPE, folder.id).before(folder)?;
    Ok(manager_change(editor, drive, folder.created_by, target))
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

/// A new file in `folder` made of `object`, under its uploaded name or a free one like it
/// (CONFLICT naming `field` when there is none); it counts against the drive's quota.
pub async fn add_file(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    folder: &Folder,
    object: &StoredObject,
    field: &str,
) -> ApiResult<File> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let name = free_name(conn, folder.id, &object.uploaded_name, field).await?;
        model::charge(conn, folder.drive_id, object.size_bytes).await?;
        let file = model::insert_file(conn, folder, &name, object, viewer.id()).await?;
        after_upload(conn, &file).await?;
        notify_followers(conn, &file, viewer.id(), true).await?;
        changed(services, conn, folder.drive_id).await?;
        Ok(file)
    })
    .await
}

/// `object` as the newest version of `file` (whose drive is `drive`), uploaded now.
pub async fn upload_version(
    conn: &mut AsyncPgConnection,
    services: &Services,
    editor: &Editor<'_>,
    file: &File,
    drive: &DriveView,
    object: &StoredObject,
) -> ApiResult<File> {
    let audited = file_change(editor, drive, file)?;
    let by = editor.viewer.id();
    conn.transaction::<_, ApiError, _>(async |conn| {
        model::charge(conn, file.drive_id, object.size_bytes).await?;
        let file = model::add_version(conn, file, object, by).await?;
        record_manager_change(conn, audited, Some(&file)).await?;
        after_upload(conn, &file).await?;
        notify_followers(conn, &file, by, false).await?;
        changed(services, conn, file.drive_id).await?;
        Ok(file)
    })
    .await
}

pub async fn create_folder(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    parent: &Folder,
    name: &str,
) -> ApiResult<Folder> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let folder = model::insert_folder(conn, parent, name, viewer.id()).await?;
        changed(services, conn, folder.drive_id).await?;
        Ok(folder)
    })
    .await
}

/// Renames `folder` and moves it under `parent` (a folder of the same drive, not inside it).
pub async fn update_folder(
    conn: &mut AsyncPgConnection,
    services: &Services,
    editor: &Editor<'_>,
    (folder, drive): (&Folder, &DriveView),
    name: &str,
    parent: Option<Uuid>,
) -> ApiResult<Folder> {
    let parent = match parent {
        Some(id) => {
            let (parent, _) = writable_place(conn, editor.viewer, Place::Folder(id)).await?;
            if parent.drive_id != folder.drive_id {
                return Err(ApiError::bad_input(
                    "parentFolderId",
                    "must be in the same drive",
                ));
            }
            if model::is_within(conn, parent.id, folder.id).await? {
                return Err(ApiError::bad_input(
                    "parentFolderId",
                    "a folder cannot move into itself",
                ));
            }
            parent.id
        }
        None => folder.parent_id.unwrap_or(folder.id),
    };
    let audited = folder_change(editor, drive, folder)?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let folder = model::update_folder(conn, folder.id, name, parent).await?;
        record_manager_change(conn, audited, Some(&folder)).await?;
        changed(services, conn, folder.drive_id).await?;
        Ok(folder)
    })
    .await
}

/// Renames `file` and moves it into `folder` (of the same drive).
pub async fn update_file(
    conn: &mut AsyncPgConnection,
    services: &Services,
    editor: &Editor<'_>,
    (file, drive): (&File, &DriveView),
    name: &str,
    folder: Option<Uuid>,
) -> ApiResult<File> {
    let folder = match folder {
        Some(id) => {
            let (folder, _) = writable_place(conn, editor.viewer, Place::Folder(id)).await?;
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
    let audited = file_change(editor, drive, file)?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let file = model::update_file(conn, file.id, name, folder).await?;
        record_manager_change(conn, audited, Some(&file)).await?;
        changed(services, conn, file.drive_id).await?;
        Ok(file)
    })
    .await
}

/// Copies the current version of `source` into `folder` (any the viewer may change) as a new
/// file.
pub async fn copy_file(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    source: &File,
    folder: Uuid,
) -> ApiResult<(File, DriveView)> {
    let (folder, drive) = writable_place(conn, viewer, Place::Folder(folder)).await?;
    let version = model::version(conn, source.id, None)
        .await?
        .ok_or(ApiError::NotFound(FILE_TYPE))?;
    let object = copy_version(services, conn, &version, source.name.clone()).await?;
    match add_file(conn, services, viewer, &folder, &object, "fileId").await {
        Ok(file) => Ok((file, drive)),
        Err(error) => {
            super::upload::discard(services, &object.storage_key).await;
            Err(error)
        }
    }
}

/// Puts a file in the trash (purged after `TRASH_DAYS`), or deletes it `permanently`; returns
/// it as it is in the trash.
pub async fn delete_file(
    conn: &mut AsyncPgConnection,
    services: &Services,
    editor: &Editor<'_>,
    (file, drive): (&File, &DriveView),
    permanently: bool,
) -> ApiResult<Option<File>> {
    let audited = file_change(editor, drive, file)?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let trashed = if permanently {
            model::purge_file(conn, file).await?;
            jobs::enqueue(conn, &Job::SweepStorage, Utc::now()).await?;
            None
        } else {
            let file = model::set_file_deleted(conn, file.id, Some(Utc::now())).await?;
            let purge_at = Utc::now() + chrono::Duration::days(TRASH_DAYS);
            jobs::enqueue(conn, &Job::PurgeFile { file_id: file.id }, purge_at).await?;
            Some(file)
        };
        record_manager_change(conn, audited, trashed.as_ref()).await?;
        changed(services, conn, drive.drive.id).await?;
        Ok(trashed)
    })
    .await
}

/// Takes a file out of the trash, under a free name like its own.
pub async fn restore_file(
    conn: &mut AsyncPgConnection,
    services: &Services,
    editor: &Editor<'_>,
    (file, drive): (&File, &DriveView),
) -> ApiResult<File> {
    if model::in_trash(conn, file.folder_id).await? {
        return Err(ApiError::bad_input(
            "fileId",
            "its folder is in the trash; restore the folder first",
        ));
    }
    let audited = file_change(editor, drive, file)?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let name = free_name(conn, file.folder_id, &file.name, "fileId").await?;
        model::update_file(conn, file.id, &name, file.folder_id).await?;
        let file = model::set_file_deleted(conn, file.id, None).await?;
        record_manager_change(conn, audited, Some(&file)).await?;
        changed(services, conn, file.drive_id).await?;
        Ok(file)
    })
    .await
}

/// Puts a folder and everything in it in the trash.
pub async fn delete_folder(
    conn: &mut AsyncPgConnection,
    services: &Services,
    editor: &Editor<'_>,
    (folder, drive): (&Folder, &DriveView),
) -> ApiResult<Folder> {
    let audited = folder_change(editor, drive, folder)?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let folder = model::set_folder_deleted(conn, folder.id, Some(Utc::now())).await?;
        record_manager_change(conn, audited, Some(&folder)).await?;
        changed(services, conn, folder.drive_id).await?;
        Ok(folder)
    })
    .await
}

/// Takes the trashed folder `id` (and what is in it) out of the trash, under a free name like
/// its own, once the viewer may change the folder it was in.
pub async fn restore_folder(
    conn: &mut AsyncPgConnection,
    services: &Services,
    editor: &Editor<'_>,
    id: Uuid,
) -> ApiResult<(Folder, DriveView)> {
    let folder = model::find_folder(conn, id)
        .await?
        .filter(|folder| folder.deleted_at.is_some())
        .ok_or(ApiError::NotFound(FOLDER_TYPE))?;
    let parent = folder.parent_id.ok_or(ApiError::NotFound(FOLDER_TYPE))?;
    let (_, drive) = access::folder_by_id(conn, editor.viewer, parent).await?;
    drive.require(editor.viewer, Action::Edit, FOLDER_TYPE)?;
    let audited = folder_change(editor, &drive, &folder)?;
    let folder = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let name = free_name(conn, parent, &folder.name, "folderId").await?;
            model::update_folder(conn, folder.id, &name, parent).await?;
            let folder = model::set_folder_deleted(conn, folder.id, None).await?;
            record_manager_change(conn, audited, Some(&folder)).await?;
            changed(services, conn, folder.drive_id).await?;
            Ok(folder)
        })
        .await?;
    Ok((folder, drive))
}

/// Makes version `number` of `file` the current one again, as a new version (history is kept).
pub async fn restore_version(
    conn: &mut AsyncPgConnection,
    services: &Services,
    editor: &Editor<'_>,
    (file, drive): (&File, &DriveView),
    number: i32,
) -> ApiResult<File> {
    let old = model::version(conn, file.id, Some(number))
        .await?
        .ok_or_else(|| ApiError::bad_input("number", "this file has no such version"))?;
    let audited = file_change(editor, drive, file)?;
    let object = copy_version(services, conn, &old, old.uploaded_name.clone()).await?;
    let by = editor.viewer.id();
    let restored = conn
        .transaction::<_, ApiError, _>(async |conn| {
            model::charge(conn, file.drive_id, object.size_bytes).await?;
            let file = model::add_version(conn, file, &object, by).await?;
            record_manager_change(conn, audited, Some(&file)).await?;
            notify_followers(conn, &file, by, false).await?;
            changed(services, conn, file.drive_id).await?;
            Ok(file)
        })
        .await;
    if restored.is_err() {
        super::upload::discard(services, &object.storage_key).await;
    }
    restored
}
