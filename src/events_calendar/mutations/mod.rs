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

/// A new event: its group (or none, for the whole organization), times, place and options.
#[derive(InputObject)]
pub struct CreateEventInput {
    /// The group it belongs to (its managers, or its members when the group lets them organize
    /// events); organization-wide without it (org admins and communicators).
    pub group_id: Option<ID>,
    /// Plain text, 1 to 100 characters.
    pub title: String,
    /// Markdown source, at most 10,000 characters.
    #[graphql(default)]
    pub description: String,
    /// When the first occurrence starts (whole seconds; an all-day event starts at midnight of
    /// this day in `timeZone`).
    pub starts_at: DateTime<Utc>,
    /// When the first occurrence ends: not before `startsAt`, at most 31 days after it (an
    /// all-day event ends at midnight after this day).
    pub ends_at: DateTime<Utc>,
    /// IANA time zone, e.g. `Europe/Paris`; defaults to the creator's.
    pub time_zone: Option<String>,
    /// Spans whole days in `timeZone`: the times are widened to midnight to midnight.
    #[graphql(default)]
    pub all_day: bool,
    /// Where people meet in person, at most 300 characters.
    pub location: Option<String>,
    /// A video meeting or webinar link (https, at most 2,000 characters).
    pub online_url: Option<String>,
    /// How many people may be GOING (1 to 100,000); later ones are WAITLISTED. No limit
    /// without it.
    pub capacity: Option<i32>,
    /// An RFC 5545 RRULE value, e.g. `FREQ=WEEKLY;BYDAY=MO` (rules without COUNT or UNTIL go
    /// on). At most daily, and `startsAt` must itself match the rule.
    pub recurrence: Option<String>,
    /// Minutes before each occurrence at which attendees are reminded (at most 5, each 0 to
    /// 40,320); defaults to a day and 15 minutes before.
    pub reminder_minutes: Option<Vec<i32>>,
    /// Further organizers besides the creator (at most 20), each active and someone the creator
    /// may see in the directory.
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

/// The event to change, which of its occurrences, and the fields to change (those left out stay
/// as they are).
#[derive(InputObject)]
pub struct UpdateEventInput {
    /// The event to change.
    pub event_id: ID,
    /// Which occurrences the change applies to (the whole series by default). THIS_OCCURRENCE
    /// only moves the occurrence: of the fields, only `startsAt` and `endsAt` apply to it.
    #[graphql(default)]
    pub scope: EventChangeScope,
    /// The `originalStartsAt` of the occurrence, for the occurrence scopes.
    pub occurrence_starts_at: Option<DateTime<Utc>>,
    #[graphql(flatten)]
    pub changes: EventChanges,
    /// Replaces the organizers (at most 20, each active and visible to the viewer in the
    /// directory); an empty list leaves the viewer as the only organizer.
    pub organizer_ids: Option<Vec<ID>>,
    /// Replaces the attachments of the event the payload returns (those left out are deleted).
    pub attachment_ids: Option<Vec<ID>>,
    /// A new cover image from `uploadAttachment`; null removes the cover.
    pub cover_attachment_id: async_graphql::MaybeUndefined<ID>,
}

/// The event (or the occurrence of it) to cancel, and why.
#[derive(InputObject)]
pub struct CancelEventInput {
    /// The event to cancel.
    pub event_id: ID,
    /// Why, shown as `Event.cancellationReason` (plain text, at most 1,000 characters); not
    /// kept when only one occurrence is cancelled.
    pub reason: Option<String>,
    /// Cancels only this occurrence (its `originalStartsAt`).
    pub occurrence_starts_at: Option<DateTime<Utc>>,
}

/// What a person can answer.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum RsvpStatus {
    /// Coming; WAITLISTED instead when no seat is left.
    Going,
    /// Might come; holds no seat.
    Maybe,
    /// Not coming; a seat they held goes to the first on the waitlist.
    Declined,
}

/// The viewer's answer to an event.
#[derive(InputObject)]
pub struct RespondToEventInput {
    /// The event to answer.
    pub event_id: ID,
    /// The answer; the same answer again keeps the viewer's place in the queue.
    pub status: RsvpStatus,
    /// The viewer's own reminders (minutes before each occurrence; at most 5, each 0 to 40,320)
    /// instead of the event's; an empty list turns them off, and leaving it out keeps the
    /// current ones.
    pub reminder_minutes: Option<Vec<i32>>,
}

/// The people to invite to an event.
#[derive(InputObject)]
pub struct InviteToEventInput {
    /// The event to invite them to.
    pub event_id: ID,
    /// The people to invite (at most 200), each active and someone the viewer may see in the
    /// directory.
    pub user_ids: Vec<ID>,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The event as it is now (after a THIS_AND_FOLLOWING change, the new series).
    pub event: EventView,
}
    /// The result of `createEvent`: the new event.
    CreateEventPayload;
    /// The result of `updateEvent`: the event after the change.
    UpdateEventPayload;
    /// The result of `cancelEvent`: the event, cancelled (or with the occurrence cancelled).
    CancelEventPayload;
}

/// The result of `respondToEvent`.
#[derive(SimpleObject)]
pub struct RespondToEventPayload {
    /// The viewer's answer as recorded: WAITLISTED instead of GOING when no seat was left.
    pub attendance: AttendanceObject,
    /// The event with its counts as they are now.
    pub event: EventView,
}

/// The result of `inviteToEvent`.
#[derive(SimpleObject)]
pub struct InviteToEventPayload {
    /// The event as it is now.
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
