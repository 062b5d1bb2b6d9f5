//! Folders: the tree of a drive, its trash, and the names in each folder.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{files, folders};
use crate::error::ApiResult;
use crate::pagination::lists_by_parent;

use super::{Folder, name_clash};

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

/// Whether a folder or any folder above it is in the trash.
pub async fn in_trash(conn: &mut AsyncPgConnection, folder: Uuid) -> ApiResult<bool> {
    Ok(!trashed_folders(conn, &[folder]).await?.is_empty())
}

/// One folder id a query selects.
#[derive(QueryableByName)]
struct FolderId {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// Which of these folders are in the trash, themselves or through a folder above them (one
/// statement for any number of folders).
pub async fn trashed_folders(
    conn: &mut AsyncPgConnection,
    folders: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    let rows: Vec<FolderId> = diesel::sql_query(
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

/// The folders of these drives in the trash, themselves or through a parent.
pub async fn trashed_in_drives(
    conn: &mut AsyncPgConnection,
    drives: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    let rows: Vec<FolderId> = diesel::sql_query(
        "WITH RECURSIVE down AS (
             SELECT id FROM folders WHERE drive_id = ANY($1) AND deleted_at IS NOT NULL
             UNION
             SELECT f.id FROM folders f JOIN down ON f.parent_id = down.id)
         SELECT id FROM down",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(drives)
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
