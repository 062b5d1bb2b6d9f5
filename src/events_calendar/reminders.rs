//! Reminders before an event's next occurrence, run by the durable job queue: scheduled again
//! after every change, each sent at most once per person, occurrence and offset.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{self, AttendanceStatus, Event};
use super::recurrence::{self, Occurrence};
use crate::db::schema::event_attendees;
use crate::error::ApiResult;
use crate::jobs::{self, Job};
use crate::services::Services;

/// How far ahead the next occurrence is looked for.
const HORIZON: chrono::Duration = chrono::Duration::days(400);

/// The next occurrence that has not started, is not cancelled, and needs reminding.
async fn next_occurrence(
    conn: &mut AsyncPgConnection,
    event: &Event,
    after: DateTime<Utc>,
) -> ApiResult<Option<Occurrence>> {
    if event.is_cancelled() {
        return Ok(None);
    }
    let exceptions = model::exceptions(conn, &[event.id]).await?;
    Ok(
        recurrence::occurrences(event, &exceptions, after, after + HORIZON)?
            .into_iter()
            .find(|occurrence| occurrence.starts_at > after && !occurrence.cancelled),
    )
}

/// Every reminder offset in use: the event's and the attendees' own.
async fn offsets(conn: &mut AsyncPgConnection, event: &Event) -> ApiResult<Vec<i32>> {
    let overrides: Vec<Option<Vec<Option<i32>>>> = event_attendees::table
        .filter(event_attendees::event_id.eq(event.id))
        .filter(event_attendees::status.eq_any([AttendanceStatus::Going, AttendanceStatus::Maybe]))
        .filter(event_attendees::reminder_minutes.is_not_null())
        .select(event_attendees::reminder_minutes)
        .load(conn)
        .await?;
    let mut all = event.reminders();
    all.extend(overrides.into_iter().flatten().flatten().flatten());
    all.sort_unstable();
    all.dedup();
    Ok(all)
}

/// Enqueues the reminders of the event's next occurrence (a job per offset, once each).
pub async fn schedule(conn: &mut AsyncPgConnection, event: &Event) -> ApiResult<()> {
    let now = Utc::now();
    let Some(occurrence) = next_occurrence(conn, event, now).await? else {
        return Ok(());
    };
    for minutes in offsets(conn, event).await? {
        let run_at = occurrence.starts_at - chrono::Duration::minutes(i64::from(minutes));
        if run_at < now {
            continue;
        }
        let key = format!(
            "reminder:{}:{}:{minutes}",
            event.id,
            occurrence.starts_at.timestamp()
        );
        let job = Job::EventReminder {
            event_id: event.id,
            original_starts_at: occurrence.original_starts_at,
            starts_at: occurrence.starts_at,
            minutes,
        };
        jobs::enqueue_once(conn, &job, run_at, &key).await?;
    }
    Ok(())
}

/// Runs a reminder job: a notification for each attendee (going or maybe) whose reminders
/// include `minutes`, unless the occurrence was cancelled or moved since (its new time has its
/// own job); then the next occurrence's reminders.
pub async fn send(
    conn: &mut AsyncPgConnection,
    services: &Services,
    event_id: Uuid,
    original_starts_at: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    minutes: i32,
) -> ApiResult<()> {
    let Some(event) = model::find(conn, event_id).await? else {
        return Ok(());
    };
    let exceptions = model::exceptions(conn, &[event.id]).await?;
    let still_due = recurrence::occurrences(
        &event,
        &exceptions,
        starts_at,
        starts_at + chrono::Duration::seconds(1),
    )?
    .into_iter()
    .any(|occurrence| {
        occurrence.original_starts_at == original_starts_at
            && occurrence.starts_at == starts_at
            && !occurrence.cancelled
    });
    if still_due {
        notify_attendees(
            conn,
            services,
            &event,
            original_starts_at,
            starts_at,
            minutes,
        )
        .await?;
    }
    schedule(conn, &event).await
}

async fn notify_attendees(
    conn: &mut AsyncPgConnection,
    services: &Services,
    event: &Event,
    original_starts_at: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    minutes: i32,
) -> ApiResult<()> {
    let defaults = event.reminders();
    let attendees: Vec<(Uuid, Option<Vec<Option<i32>>>)> = event_attendees::table
        .filter(event_attendees::event_id.eq(event.id))
        .filter(event_attendees::status.eq_any([AttendanceStatus::Going, AttendanceStatus::Maybe]))
        .select((event_attendees::user_id, event_attendees::reminder_minutes))
        .load(conn)
        .await?;
    let wanted: Vec<Uuid> = attendees
        .into_iter()
        .filter(|(_, own)| match own {
            Some(own) => own.contains(&Some(minutes)),
            None => defaults.contains(&minutes),
        })
        .map(|(user, _)| user)
        .collect();
    crate::notifications::triggers::event_reminder(
        conn,
        services,
        event,
        &wanted,
        starts_at,
        original_starts_at,
        minutes,
    )
    .await
}
