//! The durable job queue in PostgreSQL. A job is enqueued in the transaction of the change that
//! calls for it (so it exists if and only if the change commits). Every instance runs a worker
//! that claims due jobs with `FOR UPDATE SKIP LOCKED`, runs each one inside the claiming
//! transaction (a savepoint per job) and deletes it there: its database effects happen exactly
//! once whatever the number of instances, and a crash before commit leaves the job for another try.

pub mod housekeeping;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::schema::jobs;
use crate::error::{ApiError, ApiResult};
use crate::services::Services;

/// What a job does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// A scheduled post's time has come: tell subscribers and notify.
    PublishPost { post_id: Uuid },
    /// Work out who hears of something and notify them.
    Notify {
        trigger: crate::notifications::triggers::Trigger,
    },
    /// Remind an event's attendees `minutes` before the occurrence the rule starts at
    /// `original_starts_at` (which then starts at `starts_at`).
    EventReminder {
        event_id: Uuid,
        original_starts_at: DateTime<Utc>,
        starts_at: DateTime<Utc>,
        minutes: i32,
    },
    /// Make the thumbnail of an uploaded image.
    MakeThumbnail { version_id: Uuid },
    /// Make the thumbnail of an attached image (or an avatar, or a cover).
    MakeAttachmentThumbnail { attachment_id: Uuid },
    /// A file's time in the trash is over (unless it was restored).
    PurgeFile { file_id: Uuid },
    /// Remove storage objects no row owns any more.
    SweepStorage,
    /// Remove what interrupted writes left in storage (daily).
    SweepStaging,
    /// The hourly scan for what time made due (see `housekeeping`).
    Housekeeping,
    /// Send one email of the outbox.
    SendEmail { email_id: Uuid },
    /// Email a person one notification (at once, or when their do-not-disturb hours end).
    EmailNotification { notification_id: Uuid },
    /// Send the digest emails due this hour (see `notifications::digest`).
    SendDigests,
    /// Email a newsletter marked sent to its audience.
    SendNewsletter { newsletter_id: Uuid },
    /// Recompute the analytics rollups of the days new activity landed in.
    RollUpActivity,
}

/// Jobs claimed per transaction.
const BATCH: i64 = 20;
/// Retry delays grow with the attempts, capped at an hour.
fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds((5_i64 << attempts.clamp(0, 10)).min(3600))
}

/// Enqueues `job` to run at `run_at`, in the caller's transaction.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    job: &Job,
    run_at: DateTime<Utc>,
) -> ApiResult<()> {
    insert(conn, job, run_at, None).await
}

/// Enqueues `job` unless a job with the same `key` is already waiting (schedules that are
/// recomputed after every change enqueue each job once).
pub async fn enqueue_once(
    conn: &mut AsyncPgConnection,
    job: &Job,
    run_at: DateTime<Utc>,
    key: &str,
) -> ApiResult<()> {
    insert(conn, job, run_at, Some(key)).await
}

/// The first multiple of `every_seconds` (since the epoch) after `now`, and its number: periodic
/// jobs run there, keyed by that number so every instance schedules the same one.
pub fn next_boundary(now: DateTime<Utc>, every_seconds: i64) -> (i64, DateTime<Utc>) {
    let slot = now.timestamp().div_euclid(every_seconds) + 1;
    let at = DateTime::from_timestamp(slot * every_seconds, 0).unwrap_or(now);
    (slot, at)
}

async fn insert(
    conn: &mut AsyncPgConnection,
    job: &Job,
    run_at: DateTime<Utc>,
    key: Option<&str>,
) -> ApiResult<()> {
    let payload = serde_json::to_value(job).map_err(ApiError::internal)?;
    let kind = payload["kind"].as_str().unwrap_or_default().to_owned();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(Uuid::now_v7()),
            jobs::kind.eq(kind),
            jobs::payload.eq(payload),
            jobs::run_at.eq(run_at),
            jobs::dedupe_key.eq(key),
        ))
        .on_conflict(jobs::dedupe_key)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = jobs, check_for_backend(diesel::pg::Pg))]
struct ClaimedJob {
    id: Uuid,
    payload: serde_json::Value,
    attempts: i32,
}

/// Runs the due jobs once; returns how many succeeded.
pub async fn run_due(services: &Services) -> ApiResult<usize> {
    let mut conn = services.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let claimed: Vec<ClaimedJob> = jobs::table
            .filter(jobs::run_at.le(Utc::now()))
            .order(jobs::run_at.asc())
            .limit(BATCH)
            .select(ClaimedJob::as_select())
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        let mut done = 0;
        for job in claimed {
            let outcome = conn
                .transaction::<_, ApiError, _>(async |conn| {
                    let parsed: Job = serde_json::from_value(job.payload.clone()).map_err(ApiError::internal)?;
                    perform(conn, services, &parsed).await?;
                    diesel::delete(jobs::table.find(job.id)).execute(conn).await?;
                    Ok(())
                })
                .await;
            match outcome {
                Ok(()) => done += 1,
                Err(error) => {
                    let cause = match &error {
                        ApiError::Internal(cause) => format!("{cause:#}"),
                        other => other.message(),
                    };
                    tracing::warn!(job = %job.id, attempts = job.attempts + 1, %cause, "job failed; will retry");
                    diesel::update(jobs::table.find(job.id))
                        .set((
                            jobs::attempts.eq(job.attempts + 1),
                            jobs::run_at.eq(Utc::now() + backoff(job.attempts + 1)),
                            jobs::last_error.eq(Some(cause)),
                        ))
                        .execute(conn)
                        .await?;
                }
            }
        }
        Ok(done)
    })
    .await
}

async fn perform(conn: &mut AsyncPgConnection, services: &Services, job: &Job) -> ApiResult<()> {
    match job {
        Job::PublishPost { post_id } => {
            crate::posts::service::announce_due(conn, services, *post_id).await
        }
        Job::Notify { trigger } => {
            crate::notifications::triggers::run(conn, services, trigger).await
        }
        Job::EventReminder {
            event_id,
            original_starts_at,
            starts_at,
            minutes,
        } => {
            crate::events_calendar::reminders::send(
                conn,
                services,
                *event_id,
                *original_starts_at,
                *starts_at,
                *minutes,
            )
            .await
        }
        Job::MakeThumbnail { version_id } => {
            crate::files::thumbnails::make_for_version(conn, services, *version_id).await
        }
        Job::MakeAttachmentThumbnail { attachment_id } => {
            crate::files::thumbnails::make_for_attachment(conn, services, *attachment_id).await
        }
        Job::PurgeFile { file_id } => crate::files::sweep::purge_trashed(conn, *file_id).await,
        Job::SweepStorage => crate::files::sweep::sweep(conn, services).await,
        Job::SweepStaging => crate::files::sweep::sweep_staging(conn, services).await,
        Job::Housekeeping => housekeeping::run(conn, services).await,
        Job::SendEmail { email_id } => crate::email::outbox::send(conn, services, *email_id).await,
        Job::EmailNotification { notification_id } => {
            crate::notifications::email::send(conn, services, *notification_id).await
        }
        Job::SendDigests => crate::notifications::digest::run(conn, services).await,
        Job::SendNewsletter { newsletter_id } => {
            crate::newsletters::send::run(conn, services, *newsletter_id).await
        }
        Job::RollUpActivity => crate::analytics::rollup::run(conn).await.map(drop),
    }
}

/// Runs due jobs every `every` until `stop` turns true; the jobs in hand are finished first.
pub fn spawn_worker(
    services: Arc<Services>,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(ApiError::Internal(cause)) = schedule_housekeeping(&services).await {
            tracing::warn!(error = ?cause, "scheduling housekeeping");
        }
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.wait_for(|stopping| *stopping) => return,
            }
            if let Err(ApiError::Internal(cause)) = run_due(&services).await {
                tracing::warn!(error = ?cause, "running jobs");
            }
        }
    })
}

async fn schedule_housekeeping(services: &Services) -> ApiResult<()> {
    let mut conn = services.pool.get().await?;
    housekeeping::schedule(&mut conn, Utc::now()).await
}
