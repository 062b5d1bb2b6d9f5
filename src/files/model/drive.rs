//! Drives: one per group and per person, made on first use with their root folder, and the quota
//! their files are charged to.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{drives, folders};
use crate::error::{ApiError, ApiResult};

use super::{Drive, Folder, GROUP_QUOTA, PERSONAL_QUOTA};

/// Whose drives are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriveHolder {
    Group,
    Person,
}

/// The drive of a group or a person, made with its root folder the first time it is asked for.
pub async fn drive_for(
    conn: &mut AsyncPgConnection,
    group_id: Option<Uuid>,
    owner_id: Option<Uuid>,
) -> ApiResult<Drive> {
    let (holder, id) = match group_id {
        Some(group) => (DriveHolder::Group, group),
        None => (DriveHolder::Person, owner_id.unwrap_or_default()),
    };
    drives_for(conn, holder, &[id])
        .await?
        .remove(&id)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no drive made for {id}")))
}

/// The drives of groups or people by holder, those missing made with their root folders: one
/// statement when all exist, three otherwise, however many are asked for.
pub async fn drives_for(
    conn: &mut AsyncPgConnection,
    holder: DriveHolder,
    holders: &[Uuid],
) -> ApiResult<HashMap<Uuid, Drive>> {
    let found = existing_drives(conn, holder, holders).await?;
    let missing: HashSet<Uuid> = holders
        .iter()
        .filter(|id| !found.contains_key(id))
        .copied()
        .collect();
    if missing.is_empty() {
        return Ok(found);
    }
    make_drives(conn, holder, &missing.into_iter().collect::<Vec<_>>()).await?;
    // Made here, or by another request in between.
    existing_drives(conn, holder, holders).await
}

async fn existing_drives(
    conn: &mut AsyncPgConnection,
    holder: DriveHolder,
    holders: &[Uuid],
) -> ApiResult<HashMap<Uuid, Drive>> {
    let query = drives::table.select(Drive::as_select()).into_boxed();
    let drives: Vec<Drive> = match holder {
        DriveHolder::Group => query.filter(drives::group_id.eq_any(holders)),
        DriveHolder::Person => query.filter(drives::owner_id.eq_any(holders)),
    }
    .load(conn)
    .await?;
    Ok(drives
        .into_iter()
        .filter_map(|drive| {
            let holder_id = match holder {
                DriveHolder::Group => drive.group_id,
                DriveHolder::Person => drive.owner_id,
            };
            Some((holder_id?, drive))
        })
        .collect())
}

/// Makes the drives of `holders` with their root folders, in one statement; a holder whose
/// drive another request made meanwhile keeps that one.
async fn make_drives(
    conn: &mut AsyncPgConnection,
    holder: DriveHolder,
    holders: &[Uuid],
) -> ApiResult<()> {
    let (column, quota) = match holder {
        DriveHolder::Group => ("group_id", GROUP_QUOTA),
        DriveHolder::Person => ("owner_id", PERSONAL_QUOTA),
    };
    let drive_ids: Vec<Uuid> = holders.iter().map(|_| Uuid::now_v7()).collect();
    let root_ids: Vec<Uuid> = holders.iter().map(|_| Uuid::now_v7()).collect();
    diesel::sql_query(format!(
        "WITH new AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[])
                        AS new (holder, drive_id, root_id)),
              made AS (INSERT INTO drives (id, {column}, quota_bytes)
                       SELECT drive_id, holder, $4 FROM new
                       ON CONFLICT DO NOTHING
                       RETURNING id)
         INSERT INTO folders (id, drive_id, name)
         SELECT new.root_id, made.id, '' FROM made JOIN new ON new.drive_id = made.id"
    ))
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(holders)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&drive_ids)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&root_ids)
    .bind::<diesel::sql_types::BigInt, _>(quota)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_drives(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<Vec<Drive>> {
    Ok(drives::table
        .filter(drives::id.eq_any(ids))
        .select(Drive::as_select())
        .load(conn)
        .await?)
}

pub async fn find_drive(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Drive>> {
    Ok(drives::table
        .find(id)
        .select(Drive::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn root_folder(conn: &mut AsyncPgConnection, drive: Uuid) -> ApiResult<Folder> {
    root_folders(conn, &[drive])
        .await?
        .remove(&drive)
        .ok_or(ApiError::NotFound("Folder"))
}

/// The root folder of each drive.
pub async fn root_folders(
    conn: &mut AsyncPgConnection,
    drives: &[Uuid],
) -> ApiResult<HashMap<Uuid, Folder>> {
    let roots: Vec<Folder> = folders::table
        .filter(folders::drive_id.eq_any(drives))
        .filter(folders::parent_id.is_null())
        .select(Folder::as_select())
        .load(conn)
        .await?;
    Ok(roots
        .into_iter()
        .map(|folder| (folder.drive_id, folder))
        .collect())
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
