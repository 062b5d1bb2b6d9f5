//! Files: found, listed and searched in their folders, added, moved, trashed and purged.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::files;
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest, PerParentRow};

use super::version::insert_version;
use super::{File, Folder, StoredObject, mark_garbage, name_clash, refund, versions};

pub async fn find_file(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<File>> {
    Ok(files::table
        .find(id)
        .select(File::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Every file in a folder and the folders below it, trashed or not.
pub async fn files_under(conn: &mut AsyncPgConnection, folder: Uuid) -> ApiResult<Vec<File>> {
    Ok(diesel::sql_query(format!(
        "WITH RECURSIVE down AS (
             SELECT id FROM folders WHERE id = $1
             UNION ALL
             SELECT f.id FROM folders f JOIN down ON f.parent_id = down.id)
         SELECT {FILE_COLUMNS} FROM files WHERE folder_id IN (SELECT id FROM down)"
    ))
    .bind::<diesel::sql_types::Uuid, _>(folder)
    .load::<FileRow>(conn)
    .await?
    .into_iter()
    .map(|row| row.file)
    .collect())
}

pub async fn insert_file(
    conn: &mut AsyncPgConnection,
    folder: &Folder,
    name: &str,
    object: &StoredObject,
    creator: Uuid,
) -> ApiResult<File> {
    let file = diesel::insert_into(files::table)
        .values((
            files::id.eq(Uuid::now_v7()),
            files::drive_id.eq(folder.drive_id),
            files::folder_id.eq(folder.id),
            files::name.eq(name),
            files::size_bytes.eq(object.size_bytes),
            files::content_type.eq(&object.content_type),
            files::created_by.eq(creator),
        ))
        .returning(File::as_returning())
        .get_result(conn)
        .await
        .map_err(name_clash)?;
    insert_version(conn, file.id, 1, object, creator).await?;
    Ok(file)
}

pub async fn update_file(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    name: &str,
    folder: Uuid,
) -> ApiResult<File> {
    diesel::update(files::table.find(id))
        .set((files::name.eq(name), files::folder_id.eq(folder)))
        .returning(File::as_returning())
        .get_result(conn)
        .await
        .map_err(name_clash)
}

pub async fn set_file_deleted(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    deleted_at: Option<DateTime<Utc>>,
) -> ApiResult<File> {
    diesel::update(files::table.find(id))
        .set(files::deleted_at.eq(deleted_at))
        .returning(File::as_returning())
        .get_result(conn)
        .await
        .map_err(name_clash)
}

/// Deletes a file's rows for good; its objects become garbage and its bytes leave the quota.
pub async fn purge_file(conn: &mut AsyncPgConnection, file: &File) -> ApiResult<()> {
    let versions = versions(conn, file.id).await?;
    let mut keys: Vec<String> = versions.iter().map(|v| v.storage_key.clone()).collect();
    keys.extend(versions.iter().filter_map(|v| v.thumbnail_key.clone()));
    mark_garbage(conn, &keys, Utc::now()).await?;
    let bytes: i64 = versions.iter().map(|v| v.size_bytes).sum();
    diesel::delete(files::table.find(file.id))
        .execute(conn)
        .await?;
    refund(conn, file.drive_id, bytes).await
}

/// A page of the live files of each folder, by `order`.
pub async fn file_pages(
    conn: &mut AsyncPgConnection,
    folders: &[Uuid],
    order: FileOrder,
    descending: bool,
    page: &PageRequest<(String, Uuid)>,
) -> ApiResult<HashMap<Uuid, Page<File>>> {
    let column = match order {
        FileOrder::Name => "name",
        FileOrder::UpdatedAt => "updated_at",
        FileOrder::Size => "size_bytes",
    };
    let shown = if descending {
        Order::Descending
    } else {
        Order::Ascending
    };
    let comparison = page.beyond_operator(shown);
    let cast = match order {
        FileOrder::Name => "text COLLATE \"und-x-icu\"",
        FileOrder::UpdatedAt => "timestamptz",
        FileOrder::Size => "bigint",
    };
    let (after_key, after_id) = page.cursor.clone().unzip();
    let rows: Vec<PerParentRow<File>> = diesel::sql_query(page.per_parent_sql(
        &format!(
            "SELECT {FILE_COLUMNS}, folder_id AS page_parent,
                    ($2::text IS NULL OR ({column}, id) {comparison} ($2::{cast}, $3)) AS page_after
             FROM files WHERE folder_id = ANY($1) AND deleted_at IS NULL"
        ),
        &[column, "id"],
        shown,
    ))
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(folders)
    .bind::<diesel::sql_types::Nullable<Text>, _>(after_key)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(after_id)
    .load(conn)
    .await?;
    Ok(page.finish_each(folders, rows))
}

const FILE_COLUMNS: &str = "id, drive_id, folder_id, name, size_bytes, content_type, version_count, created_by, created_at, updated_at, deleted_at";

#[derive(QueryableByName)]
struct FileRow {
    #[diesel(embed)]
    file: File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileOrder {
    Name,
    UpdatedAt,
    Size,
}

/// The sort key of a file, as its cursor carries it.
pub fn sort_key(file: &File, order: FileOrder) -> String {
    match order {
        FileOrder::Name => file.name.clone(),
        FileOrder::UpdatedAt => file.updated_at.to_rfc3339(),
        FileOrder::Size => file.size_bytes.to_string(),
    }
}

/// A page of the live files of these drives outside the folders `outside` (the trash), most
/// recently changed first, matching every word of a search (accents and case ignored), with
/// how many match in all.
pub async fn page_in_drives(
    conn: &mut AsyncPgConnection,
    drives: &[Uuid],
    outside: &[Uuid],
    words: &[String],
    page: &PageRequest<(DateTime<Utc>, Uuid)>,
) -> ApiResult<Page<File>> {
    let matching = || {
        let mut query = files::table
            .filter(files::drive_id.eq_any(drives))
            .filter(files::deleted_at.is_null())
            .filter(diesel::dsl::not(files::folder_id.eq_any(outside)))
            .into_boxed();
        for word in words {
            query = query.filter(
                diesel::dsl::sql::<Bool>("search_text LIKE ")
                    .bind::<Text, _>(format!("%{}%", word.replace(['%', '_', '\\'], ""))),
            );
        }
        query
    };
    let total: i64 = matching().count().get_result(conn).await?;
    let mut rows = matching()
        .select(File::as_select())
        .order(page.order_by(&["files.updated_at", "files.id"], Order::Descending))
        .limit(page.fetch_limit());
    if let Some(beyond) = page.beyond_cursor("files.updated_at, files.id", Order::Descending) {
        rows = rows.filter(beyond);
    }
    Ok(page.finish(rows.load(conn).await?, total))
}

/// Files in a drive's trash (deleted themselves), most recently deleted first.
pub async fn trashed_files(conn: &mut AsyncPgConnection, drive: Uuid) -> ApiResult<Vec<File>> {
    Ok(files::table
        .filter(files::drive_id.eq(drive))
        .filter(files::deleted_at.is_not_null())
        .order(files::deleted_at.desc())
        .select(File::as_select())
        .limit(500)
        .load(conn)
        .await?)
}
