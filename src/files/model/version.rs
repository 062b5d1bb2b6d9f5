//! File versions: each upload of a file, the latest being the current one.

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{file_versions, files, storage_garbage};
use crate::error::ApiResult;
use crate::pagination::lists_by_parent;

use super::{File, FileVersion, StoredObject};

pub(super) async fn insert_version(
    conn: &mut AsyncPgConnection,
    file: Uuid,
    number: i32,
    object: &StoredObject,
    uploader: Uuid,
) -> ApiResult<FileVersion> {
    diesel::delete(storage_garbage::table.find(&object.storage_key))
        .execute(conn)
        .await?;
    Ok(diesel::insert_into(file_versions::table)
        .values((
            file_versions::id.eq(Uuid::now_v7()),
            file_versions::file_id.eq(file),
            file_versions::number.eq(number),
            file_versions::storage_key.eq(&object.storage_key),
            file_versions::size_bytes.eq(object.size_bytes),
            file_versions::sha256.eq(&object.sha256),
            file_versions::content_type.eq(&object.content_type),
            file_versions::uploaded_name.eq(&object.uploaded_name),
            file_versions::uploaded_by.eq(uploader),
        ))
        .returning(FileVersion::as_returning())
        .get_result(conn)
        .await?)
}

/// Adds a version that becomes the current one.
pub async fn add_version(
    conn: &mut AsyncPgConnection,
    file: &File,
    object: &StoredObject,
    uploader: Uuid,
) -> ApiResult<File> {
    let number = file.version_count + 1;
    insert_version(conn, file.id, number, object, uploader).await?;
    set_current(
        conn,
        file.id,
        number,
        object.size_bytes,
        &object.content_type,
    )
    .await
}

async fn set_current(
    conn: &mut AsyncPgConnection,
    file: Uuid,
    count: i32,
    size: i64,
    content_type: &str,
) -> ApiResult<File> {
    Ok(diesel::update(files::table.find(file))
        .set((
            files::version_count.eq(count),
            files::size_bytes.eq(size),
            files::content_type.eq(content_type),
            files::updated_at.eq(Utc::now()),
        ))
        .returning(File::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn versions(conn: &mut AsyncPgConnection, file: Uuid) -> ApiResult<Vec<FileVersion>> {
    Ok(version_lists(conn, &[file])
        .await?
        .remove(&file)
        .unwrap_or_default())
}

/// The versions of each file, newest first.
pub async fn version_lists(
    conn: &mut AsyncPgConnection,
    files: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<FileVersion>>> {
    let found: Vec<FileVersion> = file_versions::table
        .filter(file_versions::file_id.eq_any(files))
        .order(file_versions::number.desc())
        .select(FileVersion::as_select())
        .load(conn)
        .await?;
    Ok(lists_by_parent(files, found, |version| version.file_id))
}

/// The version with this number, or the latest.
pub async fn version(
    conn: &mut AsyncPgConnection,
    file: Uuid,
    number: Option<i32>,
) -> ApiResult<Option<FileVersion>> {
    let mut query = file_versions::table
        .filter(file_versions::file_id.eq(file))
        .select(FileVersion::as_select())
        .order(file_versions::number.desc())
        .into_boxed();
    if let Some(number) = number {
        query = query.filter(file_versions::number.eq(number));
    }
    Ok(query.first(conn).await.optional()?)
}

pub async fn find_version(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> ApiResult<Option<FileVersion>> {
    Ok(file_versions::table
        .find(id)
        .select(FileVersion::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn set_thumbnail(
    conn: &mut AsyncPgConnection,
    version: Uuid,
    key: &str,
) -> ApiResult<()> {
    diesel::update(file_versions::table.find(version))
        .set(file_versions::thumbnail_key.eq(key))
        .execute(conn)
        .await?;
    Ok(())
}
