//! Drives, folders, files and versions in the database.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{drives, file_versions, files, folders, storage_garbage};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Page, PageRequest, PerParentRow, lists_by_parent};

mod drive;
mod garbage;
pub use drive::*;
pub use garbage::*;

/// A drive's default quota: 10 GiB for a group, 2 GiB for a person.
pub const GROUP_QUOTA: i64 = 10 << 30;
pub const PERSONAL_QUOTA: i64 = 2 << 30;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = drives, check_for_backend(diesel::pg::Pg))]
pub struct Drive {
    pub id: Uuid,
    pub group_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub quota_bytes: i64,
    pub used_bytes: i64,
    pub created_at: DateTime<Utc>,
}

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = folders, check_for_backend(diesel::pg::Pg))]
pub struct Folder {
    pub id: Uuid,
    pub drive_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = files, check_for_backend(diesel::pg::Pg))]
pub struct File {
    pub id: Uuid,
    pub drive_id: Uuid,
    pub folder_id: Uuid,
    pub name: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub version_count: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = file_versions, check_for_backend(diesel::pg::Pg))]
pub struct FileVersion {
    pub id: Uuid,
    pub file_id: Uuid,
    pub number: i32,
    pub storage_key: String,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub content_type: String,
    pub uploaded_name: String,
    pub uploaded_by: Option<Uuid>,
    pub thumbnail_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What was stored for an upload, before any row owns it.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub storage_key: String,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub content_type: String,
    pub uploaded_name: String,
}

pub async fn find_folder(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Folder>> {
    Ok(find_folders(conn, &[id]).await?.remove(&id))
}

/// Folders by id (those that do not exist are left out).
pub async fn find_folders(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, Folder>> {
    let found: Vec<Folder> = folders::table
        .filter(folders::id.eq_any(ids))
        .select(Folder::as_select())
        .load(conn)
        .await?;
    Ok(found
        .into_iter()
        .map(|folder| (folder.id, folder))
        .collect())
}

pub async fn find_file(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<File>> {
    Ok(files::table
        .find(id)
        .select(File::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Whether a folder or any folder above it is in the trash.
pub async fn in_trash(conn: &mut AsyncPgConnection, folder: Uuid) -> ApiResult<bool> {
    Ok(!trashed_folders(conn, &[folder]).await?.is_empty())
}

/// Which of these folders are in the trash, themselves or through a folder above them (one
/// statement for any number of folders).
pub async fn trashed_folders(
    conn: &mut AsyncPgConnection,
    folders: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Trashed {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let rows: Vec<Trashed> = diesel::sql_query(
        "WITH RECURSIVE up AS (
             SELECT id AS start, parent_id, deleted_at FROM folders WHERE id = ANY($1)
             UNION ALL
             SELECT up.start, f.parent_id, f.deleted_at FROM folders f JOIN up ON f.id = up.parent_id)
         SELECT DISTINCT start AS id FROM up WHERE deleted_at IS NOT NULL",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(folders)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// Folders put in the trash before `before` (themselves, not through a parent).
pub async fn expired_trashed_folders(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> ApiResult<Vec<Uuid>> {
    Ok(folders::table
        .filter(folders::deleted_at.lt(before))
        .select(folders::id)
        .limit(limit)
        .load(conn)
        .await?)
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

/// Deletes a folder row and those below it (their files must be purged first).
pub async fn delete_folder(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    diesel::delete(folders::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether `folder` is `ancestor` or inside it (a folder cannot move into itself).
pub async fn is_within(
    conn: &mut AsyncPgConnection,
    folder: Uuid,
    ancestor: Uuid,
) -> ApiResult<bool> {
    #[derive(QueryableByName)]
    struct Within {
        #[diesel(sql_type = Bool)]
        within: bool,
    }
    let row: Within = diesel::sql_query(
        "WITH RECURSIVE up AS (
             SELECT id, parent_id FROM folders WHERE id = $1
             UNION ALL
             SELECT f.id, f.parent_id FROM folders f JOIN up ON f.id = up.parent_id)
         SELECT EXISTS (SELECT 1 FROM up WHERE id = $2) AS within",
    )
    .bind::<diesel::sql_types::Uuid, _>(folder)
    .bind::<diesel::sql_types::Uuid, _>(ancestor)
    .get_result(conn)
    .await?;
    Ok(row.within)
}

/// The live names in a folder (files and subfolders), lower-cased, for clash checks.
pub async fn names_in(conn: &mut AsyncPgConnection, folder: Uuid) -> ApiResult<Vec<String>> {
    let mut names: Vec<String> = files::table
        .filter(files::folder_id.eq(folder))
        .filter(files::deleted_at.is_null())
        .select(diesel::dsl::sql::<Text>("lower(name)"))
        .load(conn)
        .await?;
    names.extend(
        folders::table
            .filter(folders::parent_id.eq(folder))
            .filter(folders::deleted_at.is_null())
            .select(diesel::dsl::sql::<Text>("lower(name)"))
            .load::<String>(conn)
            .await?,
    );
    Ok(names)
}

pub async fn subfolders(conn: &mut AsyncPgConnection, parent: Uuid) -> ApiResult<Vec<Folder>> {
    Ok(subfolder_lists(conn, &[parent])
        .await?
        .remove(&parent)
        .unwrap_or_default())
}

/// The live subfolders of each folder, by name.
pub async fn subfolder_lists(
    conn: &mut AsyncPgConnection,
    parents: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<Folder>>> {
    let found: Vec<Folder> = folders::table
        .filter(folders::parent_id.eq_any(parents))
        .filter(folders::deleted_at.is_null())
        .order((folders::name.asc(), folders::id.asc()))
        .select(Folder::as_select())
        .load(conn)
        .await?;
    Ok(lists_by_parent(parents, found, |folder| {
        folder.parent_id.unwrap_or_default()
    }))
}

pub async fn insert_folder(
    conn: &mut AsyncPgConnection,
    parent: &Folder,
    name: &str,
    creator: Uuid,
) -> ApiResult<Folder> {
    diesel::insert_into(folders::table)
        .values((
            folders::id.eq(Uuid::now_v7()),
            folders::drive_id.eq(parent.drive_id),
            folders::parent_id.eq(parent.id),
            folders::name.eq(name),
            folders::created_by.eq(creator),
        ))
        .returning(Folder::as_returning())
        .get_result(conn)
        .await
        .map_err(name_clash)
}

/// A unique-name violation as CONFLICT.
pub fn name_clash(error: diesel::result::Error) -> ApiError {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => ApiError::Conflict("Something with this name is already in the folder.".into()),
        other => other.into(),
    }
}

pub async fn update_folder(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    name: &str,
    parent: Uuid,
) -> ApiResult<Folder> {
    diesel::update(folders::table.find(id))
        .set((folders::name.eq(name), folders::parent_id.eq(parent)))
        .returning(Folder::as_returning())
        .get_result(conn)
        .await
        .map_err(name_clash)
}

pub async fn set_folder_deleted(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    deleted_at: Option<DateTime<Utc>>,
) -> ApiResult<Folder> {
    diesel::update(folders::table.find(id))
        .set(folders::deleted_at.eq(deleted_at))
        .returning(Folder::as_returning())
        .get_result(conn)
        .await
        .map_err(name_clash)
}

/// Takes `bytes` of the drive's quota; CONFLICT-free refusal (BAD_USER_INPUT) when it is full.
pub async fn charge(conn: &mut AsyncPgConnection, drive: Uuid, bytes: i64) -> ApiResult<()> {
    let charged = diesel::update(
        drives::table
            .find(drive)
            .filter(drives::used_bytes.le(drives::quota_bytes - bytes)),
    )
    .set(drives::used_bytes.eq(drives::used_bytes + bytes))
    .execute(conn)
    .await?;
    if charged == 0 {
        return Err(ApiError::bad_input(
            "file",
            "the drive's quota would be exceeded; free some space first",
        ));
    }
    Ok(())
}

pub async fn refund(conn: &mut AsyncPgConnection, drive: Uuid, bytes: i64) -> ApiResult<()> {
    diesel::update(drives::table.find(drive))
        .set(drives::used_bytes.eq(drives::used_bytes - bytes))
        .execute(conn)
        .await?;
    Ok(())
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

async fn insert_version(
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
    let comparison = if descending { "<" } else { ">" };
    let direction = if descending { "DESC" } else { "ASC" };
    let cast = match order {
        FileOrder::Name => "text COLLATE \"und-x-icu\"",
        FileOrder::UpdatedAt => "timestamptz",
        FileOrder::Size => "bigint",
    };
    let (after_key, after_id) = page.after.clone().unzip();
    let rows: Vec<PerParentRow<File>> = diesel::sql_query(page.per_parent_sql(
        &format!(
            "SELECT {FILE_COLUMNS}, folder_id AS page_parent,
                    ($2::text IS NULL OR ({column}, id) {comparison} ($2::{cast}, $3)) AS page_after
             FROM files WHERE folder_id = ANY($1) AND deleted_at IS NULL"
        ),
        &format!("{column} {direction}, id {direction}"),
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

/// Live files in these drives, newest first (recent files), optionally matching all words of a
/// search (accents and case ignored).
pub async fn find_in_drives(
    conn: &mut AsyncPgConnection,
    drives: &[Uuid],
    words: &[String],
    limit: i64,
) -> ApiResult<Vec<File>> {
    let mut query = files::table
        .filter(files::drive_id.eq_any(drives))
        .filter(files::deleted_at.is_null())
        .select(File::as_select())
        .order((files::updated_at.desc(), files::id.desc()))
        .limit(limit)
        .into_boxed();
    for word in words {
        query = query.filter(
            diesel::dsl::sql::<Bool>("search_text LIKE ")
                .bind::<Text, _>(format!("%{}%", word.replace(['%', '_', '\\'], ""))),
        );
    }
    Ok(query.load(conn).await?)
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

/// Folders in a drive's trash (deleted themselves), most recently deleted first.
pub async fn folders_in_trash(conn: &mut AsyncPgConnection, drive: Uuid) -> ApiResult<Vec<Folder>> {
    Ok(folders::table
        .filter(folders::drive_id.eq(drive))
        .filter(folders::deleted_at.is_not_null())
        .order(folders::deleted_at.desc())
        .select(Folder::as_select())
        .limit(500)
        .load(conn)
        .await?)
}

/// The drives of these groups and the person's own (those that exist).
pub async fn drive_ids_of(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    person: Uuid,
) -> ApiResult<Vec<Uuid>> {
    Ok(drives::table
        .filter(
            drives::group_id
                .eq_any(groups)
                .or(drives::owner_id.eq(person)),
        )
        .select(drives::id)
        .load(conn)
        .await?)
}
