//! Keeping storage and the database in step: files leave the trash after 30 days, and objects no
//! row owns are deleted from storage.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model;
use super::service::TRASH_DAYS;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, Job};
use crate::services::Services;

/// Objects swept per job run.
const BATCH: i64 = 200;
/// A write still unfinished after this long was interrupted (its process died).
const STAGING_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Makes sure the staging sweep runs on the day of `at` (one job per day).
pub async fn schedule_staging_sweep(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let key = format!("sweep-staging:{}", at.timestamp() / 86_400);
    jobs::enqueue_once(conn, &Job::SweepStaging, at, &key).await
}

/// Deletes what writes interrupted more than a day ago left in storage, sparing the objects
/// being written now (a store's clock, or its idea of when an upload began, may be wrong).
pub async fn sweep_staging(conn: &mut AsyncPgConnection, services: &Services) -> ApiResult<()> {
    let before = std::time::SystemTime::now() - STAGING_GRACE;
    let being_written = model::objects_being_written(conn).await?;
    let removed = services
        .storage
        .sweep_staging(before, &being_written)
        .await
        .map_err(ApiError::internal)?;
    if removed > 0 {
        tracing::info!(removed, "interrupted uploads swept from storage");
    }
    Ok(())
}

/// Makes sure a sweep runs after `at` (one job per hour at most).
pub async fn schedule(conn: &mut AsyncPgConnection, at: DateTime<Utc>) -> ApiResult<()> {
    let run_at = at + chrono::Duration::minutes(1);
    let key = format!("sweep:{}", run_at.timestamp() / 3600);
    jobs::enqueue_once(conn, &Job::SweepStorage, run_at, &key).await
}

/// Deletes a file whose trash time is over, if it is still in the trash.
pub async fn purge_trashed(conn: &mut AsyncPgConnection, file_id: Uuid) -> ApiResult<()> {
    let Some(file) = model::find_file(conn, file_id).await? else {
        return Ok(());
    };
    let expired = file
        .deleted_at
        .is_some_and(|at| at <= Utc::now() - chrono::Duration::days(TRASH_DAYS));
    if expired {
        model::purge_file(conn, &file).await?;
        jobs::enqueue(conn, &Job::SweepStorage, Utc::now()).await?;
    }
    Ok(())
}

/// Folders whose time in the trash is over: the files inside them are purged (their bytes leave
/// the quota) and the folders deleted. Returns how many folders went.
pub async fn purge_trashed_folders(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let before = Utc::now() - chrono::Duration::days(TRASH_DAYS);
    let folders = model::expired_trashed_folders(conn, before, BATCH).await?;
    for folder in &folders {
        for file in model::files_under(conn, *folder).await? {
            model::purge_file(conn, &file).await?;
        }
        model::delete_folder(conn, *folder).await?;
    }
    Ok(folders.len())
}

/// Deletes due garbage from storage (locked rows: concurrent sweepers take different ones).
pub async fn sweep(conn: &mut AsyncPgConnection, services: &Services) -> ApiResult<()> {
    for key in model::due_garbage(conn, BATCH).await? {
        services
            .storage
            .delete(&key)
            .await
            .map_err(ApiError::internal)?;
        model::forget_garbage(conn, &key).await?;
    }
    Ok(())
}
