//! Answers to events: seats, the waitlist and who takes a freed seat. Every change runs with the
//! event row locked, so two people taking the last seat at once get one seat and one waitlist
//! place, never two seats.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{self, Attendance, AttendanceStatus, Event};
use crate::error::ApiResult;

/// Records `user`'s answer. With a capacity, a "going" past the last seat is waitlisted; seats
/// freed by the answer go to the waitlist in order. Returns the answer and who was promoted.
pub async fn answer(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    user_id: Uuid,
    wanted: AttendanceStatus,
) -> ApiResult<(Attendance, Vec<Uuid>)> {
    let event = model::lock(conn, event_id).await?;
    let previous = model::attendance(conn, event_id, user_id).await?;
    let previous_status = previous.as_ref().map(|attendance| attendance.status);
    let status = match wanted {
        AttendanceStatus::Going
            if previous_status != Some(AttendanceStatus::Going)
                && is_full(conn, &event).await? =>
        {
            AttendanceStatus::Waitlisted
        }
        other => other,
    };
    let attendance = match previous {
        // The same answer again keeps its place in the queue.
        Some(previous) if previous.status == status => previous,
        _ => model::set_attendance(conn, event_id, user_id, status).await?,
    };
    let promoted = fill_seats(conn, &event).await?;
    Ok((attendance, promoted))
}

async fn is_full(conn: &mut AsyncPgConnection, event: &Event) -> ApiResult<bool> {
    Ok(match event.capacity {
        Some(capacity) => model::going_count(conn, event.id).await? >= i64::from(capacity),
        None => false,
    })
}

/// Gives free seats to the waitlist, first come first served (after a decline or a larger
/// capacity). The caller holds the event's lock.
pub async fn fill_seats(conn: &mut AsyncPgConnection, event: &Event) -> ApiResult<Vec<Uuid>> {
    let mut promoted = Vec::new();
    while !is_full(conn, event).await? {
        let Some(next) = model::first_waitlisted(conn, event.id).await? else {
            break;
        };
        model::promote(conn, event.id, next).await?;
        promoted.push(next);
    }
    Ok(promoted)
}
