//! The attendee list organizers download (`/calendar/events/{id}/attendees.csv`): each row shows
//! of a person what the API shows the same viewer (`users::visibility`), so a guest organizer
//! gets no email address and no name of someone they may not see.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{self, EventView};
use super::feeds::csv_safe;
use super::model;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::policy::{Action, Judged};
use crate::users::visibility::Sight;

/// Whether `viewer` may download the attendees of an event they see: its organizers may.
pub fn may_export(view: &EventView, viewer: &Viewer) -> bool {
    view.decide(viewer, Action::Manage).allowed() || view.decide(viewer, Action::Delete).allowed()
}

/// The CSV of everyone who answered or was invited, in the order they answered, for whoever
/// runs the event.
pub async fn csv(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    event_id: Uuid,
) -> ApiResult<Vec<u8>> {
    let view = access::find_visible(conn, viewer, event_id).await?;
    if !may_export(&view, viewer) {
        return Err(ApiError::Forbidden(
            "Only organizers export attendees.".into(),
        ));
    }
    let attendances = model::attendances(conn, event_id, None).await?;
    let ids: Vec<Uuid> = attendances.iter().map(|a| a.user_id).collect();
    let people = crate::users::model::find_many(conn, &ids).await?;
    let sight = Sight::of(conn, viewer, &people).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let row = |writer: &mut csv::Writer<Vec<u8>>, fields: &[&str]| {
        writer.write_record(fields).map_err(ApiError::internal)
    };
    row(
        &mut writer,
        &["name", "email", "department", "status", "responded_at"],
    )?;
    for attendance in &attendances {
        let Some(person) = people.iter().find(|p| p.id == attendance.user_id) else {
            continue;
        };
        let shown = sight.row(person);
        row(
            &mut writer,
            &[
                &csv_safe(shown.name),
                &csv_safe(shown.email.unwrap_or("")),
                &csv_safe(shown.department.unwrap_or("")),
                attendance.status.as_db(),
                &attendance.responded_at.to_rfc3339(),
            ],
        )?;
    }
    writer
        .into_inner()
        .map_err(|error| ApiError::internal(anyhow::anyhow!("{error}")))
}
