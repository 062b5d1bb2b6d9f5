//! Files: a new file or a new version tells the followers of its folder.

use diesel_async::AsyncPgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::notifications::deliver::deliver;
use crate::notifications::kinds::NotificationKind;
use crate::notifications::model::{Notice, Subject};
use crate::notifications::preferences;
use crate::services::Services;

pub(super) async fn file_changed(
    conn: &mut AsyncPgConnection,
    services: &Services,
    file_id: Uuid,
    by: Uuid,
    new_file: bool,
) -> ApiResult<()> {
    let Some(file) = crate::files::model::find_file(conn, file_id).await? else {
        return Ok(());
    };
    let Some(drive) = crate::files::model::find_drive(conn, file.drive_id).await? else {
        return Ok(());
    };
    let folder = crate::files::model::find_folder(conn, file.folder_id).await?;
    let followers = preferences::folder_followers(conn, file.folder_id).await?;
    let kind = if new_file {
        NotificationKind::FileShared
    } else {
        NotificationKind::FileUpdated
    };
    let notice = Notice {
        kind,
        subject: Some(Subject {
            type_name: crate::files::access::FILE_TYPE,
            id: file.id,
        }),
        groups: drive.group_id.into_iter().collect(),
        actor: Some(by),
        data: json!({ "title": file.name, "folderName": folder.map(|folder| folder.name) }),
        group_key: format!("{}:{}", kind.as_db(), file.id),
    };
    deliver(conn, services, &followers, &notice).await.map(drop)
}
