//! The hourly housekeeping job: what time alone makes due, found by scanning rather than by a
//! job per object (uploads never attached, folders whose time in the trash is over, storage
//! garbage left by cascaded deletes, writes interrupted a day ago (daily), raw activity, notifications, sent emails and chat messages
//! past their retention), and restarting the chains of periodic jobs that a stopped instance broke. Every
//! instance may schedule it; the dedupe key makes one job per hour.

use chrono::{DateTime, Timelike, Utc};
use diesel_async::AsyncPgConnection;

use super::{Job, enqueue_once};
use crate::error::ApiResult;
use crate::services::Services;

/// Unused attachments are kept this long after their upload.
pub const UNUSED_ATTACHMENT_HOURS: i64 = 24;

/// Schedules the run of the hour that contains `at` (nothing if it is already waiting).
pub async fn schedule(conn: &mut AsyncPgConnection, at: DateTime<Utc>) -> ApiResult<()> {
    let hour = at
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .unwrap_or(at);
    let key = format!("housekeeping:{}", hour.timestamp() / 3600);
    enqueue_once(conn, &Job::Housekeeping, at, &key).await
}

pub async fn run(conn: &mut AsyncPgConnection, services: &Services) -> ApiResult<()> {
    let now = Utc::now();
    let unused_before = now - chrono::Duration::hours(UNUSED_ATTACHMENT_HOURS);
    let removed = crate::attachments::model::delete_unused(conn, unused_before).await?;
    let purged = crate::files::sweep::purge_trashed_folders(conn).await?;
    // Before the sweep: expired messages leave their attachments' objects as garbage.
    let expired = crate::analytics::rollup::delete_expired(conn).await?
        + crate::notifications::retention::expire(conn).await?
        + crate::chat::retention::expire(conn).await?;
    crate::files::sweep::sweep(conn, services).await?;
    crate::files::sweep::schedule_staging_sweep(conn, now).await?;
    // A rollup run missed (its instance stopped) is caught up within the hour.
    crate::analytics::rollup::schedule(conn, now).await?;
    // Likewise for the hourly digest run.
    crate::notifications::digest::schedule(conn, now).await?;
    if removed + purged + expired > 0 {
        tracing::info!(removed, purged, expired, "housekeeping");
    }
    schedule(conn, now + chrono::Duration::hours(1)).await
}
