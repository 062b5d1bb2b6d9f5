//! Stored objects no file points at any more, swept from storage later (see `files::sweep`).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::storage_garbage;
use crate::error::ApiResult;

/// Records objects nobody owns, so the sweeper removes them from storage after `sweep_after`.
pub async fn mark_garbage(
    conn: &mut AsyncPgConnection,
    keys: &[String],
    sweep_after: DateTime<Utc>,
) -> ApiResult<()> {
    let rows: Vec<_> = keys
        .iter()
        .map(|key| {
            (
                storage_garbage::storage_key.eq(key),
                storage_garbage::sweep_after.eq(sweep_after),
            )
        })
        .collect();
    diesel::insert_into(storage_garbage::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Objects being written now: listed as garbage until a row owns them, not yet due.
pub async fn objects_being_written(conn: &mut AsyncPgConnection) -> ApiResult<HashSet<String>> {
    let keys: Vec<String> = storage_garbage::table
        .filter(storage_garbage::sweep_after.gt(Utc::now()))
        .select(storage_garbage::storage_key)
        .load(conn)
        .await?;
    Ok(keys.into_iter().collect())
}

/// Garbage due for sweeping, locked for this sweeper (others skip it).
pub async fn due_garbage(conn: &mut AsyncPgConnection, limit: i64) -> ApiResult<Vec<String>> {
    Ok(storage_garbage::table
        .filter(storage_garbage::sweep_after.le(Utc::now()))
        .select(storage_garbage::storage_key)
        .limit(limit)
        .for_update()
        .skip_locked()
        .load(conn)
        .await?)
}

pub async fn forget_garbage(conn: &mut AsyncPgConnection, key: &str) -> ApiResult<()> {
    diesel::delete(storage_garbage::table.find(key))
        .execute(conn)
        .await?;
    Ok(())
}
