//! Creating, changing and cancelling events, answering them and inviting people: thin resolvers
//! that parse the input, check who may act and call `events_calendar::service`.

mod attendance;
mod editing;

use async_graphql::{Context, Enum, ID, InputObject, MergedObject, SimpleObject};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{EventView, TYPE_NAME};
use super::draft::EventChanges;
use super::graphql::AttendanceObject;
use super::service::{self, Scope};
use crate::audit::Audit;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::policy::{self, Action};

const MAX_ORGANIZERS: usize = 20;
const MAX_INVITES: usize = 200;

/// Every event mutation, in the schema's order.
#[derive(MergedObject, Default)]
pub struct EventMutation(
    editing::EventEditingMutation,
    attendance::EventAttendanceMutation,
);

#[derive(InputObject)]
pub struct CreateEventInput {
    /// The group it belongs to; organization-wide without it (admins).
    pub group_id: Option<ID>,
    pub title: String,
    /// Markdown.
    #[graphql(default)]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// IANA time zone, e.g. `Europe/Paris`; defaults to the creator's.
    pub time_zone: Option<String>,
    #[graphql(default)]
    pub all_day: bool,
    pub location: Option<String>,
    /// A video meeting or webinar link (https).
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    /// An RFC 5545 RRULE value, e.g. `FREQ=WEEKLY;BYDAY=MO` (rules without COUNT or UNTIL go on).
    pub recurrence: Option<String>,
    /// Minutes before each occurrence; defaults to a day and 15 minutes before.
    pub reminder_minutes: Option<Vec<i32>>,
    /// Besides the creator.
    #[graphql(default)]
    pub organizer_ids: Vec<ID>,
    /// Files from `uploadAttachment` (at most 10), seen by whoever sees the event.
    #[graphql(default)]
    pub attachment_ids: Vec<ID>,
    /// An image from `uploadAttachment` shown as the event's cover.
    pub cover_attachment_id: Option<ID>,
}

/// Which occurrences a change applies to.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventChangeScope {
    /// The whole series.
    #[default]
    All,
    /// Only the occurrence at `occurrenceStartsAt` (move it with `startsAt` / `endsAt`).
    ThisOccurrence,
    /// That occurrence and every later one (the series is split in two).
    ThisAndFollowing,
}

#[derive(InputObject)]
pub struct UpdateEventInput {
    pub event_id: ID,
    #[graphql(default)]
    pub scope: EventChangeScope,
    /// The `originalStartsAt` of the occurrence, for the occurrence scopes.
    pub occurrence_starts_at: Option<DateTime<Utc>>,
    #[graphql(flatten)]
    pub changes: EventChanges,
    pub organizer_ids: Option<Vec<ID>>,
    /// Replaces the attachments of the event the payload returns (those left out are deleted).
    pub attachment_ids: Option<Vec<ID>>,
    /// A new cover image from `uploadAttachment`; null removes the cover.
    pub cover_attachment_id: async_graphql::MaybeUndefined<ID>,
}

#[derive(InputObject)]
pub struct CancelEventInput {
    pub event_id: ID,
    pub reason: Option<String>,
    /// Cancels only this occurrence (its `originalStartsAt`).
    pub occurrence_starts_at: Option<DateTime<Utc>>,
}

/// What a person can answer.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum RsvpStatus {
    /// Waitlisted when no seat is left.
    Going,
    Maybe,
    Declined,
}

#[derive(InputObject)]
pub struct RsvpInput {
    pub event_id: ID,
    pub status: RsvpStatus,
    /// The viewer's own reminders (minutes before); an empty list turns them off.
    pub reminder_minutes: Option<Vec<i32>>,
}

#[derive(InputObject)]
pub struct InviteToEventInput {
    pub event_id: ID,
    pub user_ids: Vec<ID>,
}

#[derive(SimpleObject)]
pub struct EventPayload {
    pub event: EventView,
}

#[derive(SimpleObject)]
pub struct RsvpPayload {
    /// The viewer's answer: GOING, or WAITLISTED when the event was full.
    pub attendance: AttendanceObject,
    pub event: EventView,
}

#[derive(SimpleObject)]
pub struct InviteToEventPayload {
    pub event: EventView,
    /// The people invited now (those who had answered already are left as they were).
    pub invitations: Vec<AttendanceObject>,
}

impl From<EventChangeScope> for Scope {
    fn from(scope: EventChangeScope) -> Self {
        match scope {
            EventChangeScope::All => Scope::All,
            EventChangeScope::ThisOccurrence => Scope::ThisOccurrence,
            EventChangeScope::ThisAndFollowing => Scope::ThisAndFollowing,
        }
    }
}

/// The people `ids` name (at most `max`), as `service::named_people` checks them.
async fn people(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    field: &str,
    ids: &[ID],
    max: usize,
) -> ApiResult<Vec<Uuid>> {
    if ids.len() > max {
        return Err(ApiError::bad_input(field, format!("at most {max} people")));
    }
    let wanted = ids
        .iter()
        .map(|id| ids::decode_as(id, crate::users::TYPE_NAME, field))
        .collect::<ApiResult<Vec<Uuid>>>()?;
    service::named_people(conn, viewer, field, wanted).await
}

/// The event, once the viewer is allowed `action` on it (NOT_FOUND when they may not see it,
/// CONFLICT when it is cancelled, FORBIDDEN with `why` when they may see it only).
async fn authorised_event(
    ctx: &Context<'_>,
    id: &ID,
    action: Action,
    why: &str,
) -> ApiResult<EventView> {
    let id = ids::decode_as(id, TYPE_NAME, "eventId")?;
    let view = super::graphql::load_visible(ctx, id).await?;
    service::require_open(&view, ctx.viewer()?, action, why)?;
    Ok(view)
}

/// The event an organizer (or an admin or manager, audited) runs, with the audit to write (see
/// `audit_unless_organizer`); `why` explains a refusal.
async fn managed_event(
    ctx: &Context<'_>,
    id: &ID,
    why: &str,
) -> ApiResult<(EventView, Option<Audit>)> {
    let view = authorised_event(ctx, id, Action::Manage, why).await?;
    let audit = audit_unless_organizer(ctx, &view)?;
    Ok((view, audit))
}

/// Running an event as an org admin or a manager of its group, rather than as one of its
/// organizers or its creator, is audited: the audit to write, `None` for organizers.
fn audit_unless_organizer(ctx: &Context<'_>, view: &EventView) -> ApiResult<Option<Audit>> {
    let organizes = policy::organizes(ctx.viewer()?, &view.event, view.organizer);
    (!organizes).then(|| Audit::of(ctx)).transpose()
}
