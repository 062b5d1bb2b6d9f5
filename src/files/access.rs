//! Drives, folders and files as one viewer stands towards them, through the policy.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{self, Drive, File, Folder};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::groups::GroupAccess;
use crate::policy::{self, Action, Resource};

pub const DRIVE_TYPE: &str = "Drive";
pub const FOLDER_TYPE: &str = "Folder";
pub const FILE_TYPE: &str = "File";

#[derive(Debug, Clone)]
pub struct DriveView {
    pub drive: Drive,
    pub group: Option<GroupAccess>,
}

impl DriveView {
    fn resource(&self) -> Resource<'_> {
        Resource::Drive {
            drive: &self.drive,
            group: self.group.as_ref(),
        }
    }

    pub fn can(&self, viewer: &Viewer, action: Action) -> bool {
        policy::can(viewer, action, self.resource()).allowed()
    }

    pub fn require(&self, viewer: &Viewer, action: Action, what: &'static str) -> ApiResult<()> {
        policy::require(
            viewer,
            action,
            self.resource(),
            what,
            "You may read this drive but not change it.",
        )
    }
}

/// A drive the viewer may read; NOT_FOUND otherwise (`what` names the object asked for).
pub async fn readable_drive(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    drive: Drive,
    what: &'static str,
) -> ApiResult<DriveView> {
    readable_drives(conn, viewer, vec![drive])
        .await?
        .pop()
        .ok_or(ApiError::NotFound(what))
}

/// The drives the viewer may read, with their groups (one statement for the groups).
pub async fn readable_drives(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    drives: Vec<Drive>,
) -> ApiResult<Vec<DriveView>> {
    let group_ids: Vec<Uuid> = drives.iter().filter_map(|drive| drive.group_id).collect();
    let mut groups = if group_ids.is_empty() {
        HashMap::new()
    } else {
        crate::groups::service::access_by_id(conn, viewer.id(), &group_ids).await?
    };
    Ok(drives
        .into_iter()
        .filter_map(|drive| {
            let group = match drive.group_id {
                Some(id) => Some(groups.remove(&id)?),
                None => None,
            };
            Some(DriveView { drive, group })
        })
        .filter(|view| view.can(viewer, Action::View))
        .collect())
}

pub async fn drive_by_id(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<DriveView> {
    let drive = model::find_drive(conn, id)
        .await?
        .ok_or(ApiError::NotFound(DRIVE_TYPE))?;
    readable_drive(conn, viewer, drive, DRIVE_TYPE).await
}

/// A folder (not in the trash, nor inside a trashed one) in a drive the viewer may read.
pub async fn folder_by_id(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<(Folder, DriveView)> {
    let folder = model::find_folder(conn, id)
        .await?
        .ok_or(ApiError::NotFound(FOLDER_TYPE))?;
    let drive = model::find_drive(conn, folder.drive_id)
        .await?
        .ok_or(ApiError::NotFound(FOLDER_TYPE))?;
    let view = readable_drive(conn, viewer, drive, FOLDER_TYPE).await?;
    if model::in_trash(conn, folder.id).await? {
        return Err(ApiError::NotFound(FOLDER_TYPE));
    }
    Ok((folder, view))
}

/// A file in a drive the viewer may read. Files in the trash are found only by those who may
/// change the drive (to restore them), and only when `include_trash` asks for them.
pub async fn file_by_id(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
    include_trash: bool,
) -> ApiResult<(File, DriveView)> {
    let file = model::find_file(conn, id)
        .await?
        .ok_or(ApiError::NotFound(FILE_TYPE))?;
    let drive = model::find_drive(conn, file.drive_id)
        .await?
        .ok_or(ApiError::NotFound(FILE_TYPE))?;
    let view = readable_drive(conn, viewer, drive, FILE_TYPE).await?;
    let trashed = file.deleted_at.is_some() || model::in_trash(conn, file.folder_id).await?;
    if trashed && !(include_trash && view.can(viewer, Action::Edit)) {
        return Err(ApiError::NotFound(FILE_TYPE));
    }
    Ok((file, view))
}
