//! Events: an invitation tells the people invited; a change, a cancellation and a reminder tell
//! the attendees (going, maybe or invited).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use crate::db::schema::event_attendees;
use crate::error::ApiResult;
use crate::events_calendar::model::AttendanceStatus;
use crate::notifications::deliver::deliver;
use crate::notifications::kinds::NotificationKind;
use crate::notifications::model::{Notice, Subject};
use crate::services::Services;

fn event_subject(id: Uuid) -> Option<Subject> {
    Some(Subject {
        type_name: crate::events_calendar::access::TYPE_NAME,
        id,
    })
}

pub(super) async fn event_invitation(
    conn: &mut AsyncPgConnection,
    services: &Services,
    event_id: Uuid,
    invited: &[Uuid],
    by: Uuid,
) -> ApiResult<()> {
    let Some(event) = crate::events_calendar::model::find(conn, event_id).await? else {
        return Ok(());
    };
    let notice = Notice {
        kind: NotificationKind::EventInvitation,
        subject: event_subject(event.id),
        groups: event.group_id.into_iter().collect(),
        actor: Some(by),
        data: json!({ "title": event.title, "startsAt": event.starts_at }),
        group_key: format!("event_invitation:{}", event.id),
    };
    deliver(conn, services, invited, &notice).await.map(drop)
}

pub(super) async fn event_changed(
    conn: &mut AsyncPgConnection,
    services: &Services,
    event_id: Uuid,
    by: Uuid,
    cancelled: bool,
    occurrence: Option<chrono::DateTime<Utc>>,
) -> ApiResult<()> {
    let Some(event) = crate::events_calendar::model::find(conn, event_id).await? else {
        return Ok(());
    };
    let attendees: Vec<Uuid> = event_attendees::table
        .filter(event_attendees::event_id.eq(event.id))
        .filter(event_attendees::status.eq_any([
            AttendanceStatus::Going,
            AttendanceStatus::Maybe,
            AttendanceStatus::Invited,
        ]))
        .select(event_attendees::user_id)
        .load(conn)
        .await?;
    let kind = if cancelled {
        NotificationKind::EventCancelled
    } else {
        NotificationKind::EventUpdated
    };
    let notice = Notice {
        kind,
        subject: event_subject(event.id),
        groups: event.group_id.into_iter().collect(),
        actor: Some(by),
        data: match occurrence {
            None => json!({ "title": event.title, "startsAt": event.starts_at,
                            "reason": event.cancellation_reason }),
            Some(at) => json!({ "title": event.title, "occurrenceStartsAt": at,
                                "timeZone": event.time_zone }),
        },
        group_key: match occurrence {
            None => format!("{}:{}", kind.as_db(), event.id),
            Some(at) => format!("{}:{}:{}", kind.as_db(), event.id, at.timestamp()),
        },
    };
    deliver(conn, services, &attendees, &notice).await.map(drop)
}

/// Tells an event's attendees its occurrence starts in `minutes` (called by the reminder job):
/// when, where and the meeting link.
pub async fn event_reminder(
    conn: &mut AsyncPgConnection,
    services: &Services,
    event: &crate::events_calendar::model::Event,
    attendees: &[Uuid],
    starts_at: chrono::DateTime<Utc>,
    original_starts_at: chrono::DateTime<Utc>,
    minutes: i32,
) -> ApiResult<()> {
    let notice = Notice {
        kind: NotificationKind::EventReminder,
        subject: event_subject(event.id),
        groups: event.group_id.into_iter().collect(),
        actor: None,
        data: json!({ "title": event.title, "occurrenceStartsAt": starts_at,
                      "occurrenceEndsAt": starts_at + event.duration(),
                      "timeZone": event.time_zone, "allDay": event.all_day,
                      "location": event.location, "onlineUrl": event.online_url,
                      "minutesBefore": minutes }),
        group_key: format!(
            "reminder:{}:{}:{minutes}",
            event.id,
            original_starts_at.timestamp()
        ),
    };
    deliver(conn, services, attendees, &notice).await.map(drop)
}
