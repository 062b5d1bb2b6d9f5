//! The operations on events, each written once: who may run them, one transaction, the audit
//! entry of a change made as an admin or manager rather than as an organizer, the bus event, the
//! notification triggers and the reminder jobs.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::access::{self, EventView, TYPE_NAME};
use super::draft::{Draft, EventChanges};
use super::model::{self, Attendance, AttendanceStatus, Event, EventFields};
use super::{recurrence, reminders, rsvp};
use crate::analytics::{Activity, ActivityKind};
use crate::attachments::model::Subject;
use crate::attachments::service as attachments;
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::Event as BusEvent;
use crate::groups::GroupAccess;
use crate::notifications::triggers::{self, Trigger};
use crate::policy::{self, Action, Judged, Resource};
use crate::services::Services;
use crate::users::visibility::Sight;

/// The field a new cover image is refused on.
pub const COVER_FIELD: &str = "coverAttachmentId";

/// A new event's parts, checked.
pub struct NewEvent {
    pub fields: EventFields,
    /// Besides the creator.
    pub organizers: Vec<Uuid>,
    pub attachments: Vec<Uuid>,
}

/// Which occurrences a change applies to.
#[derive(Clone, Copy)]
pub enum Scope {
    All,
    /// Only the occurrence at `occurrence`.
    ThisOccurrence,
    /// That occurrence and every later one (the series is split in two).
    ThisAndFollowing,
}

/// A change of an event.
pub struct EventUpdate {
    pub scope: Scope,
    /// The `originalStartsAt` of the occurrence, for the occurrence scopes.
    pub occurrence: Option<DateTime<Utc>>,
    pub changes: EventChanges,
    /// Checked people; empty leaves the viewer alone.
    pub organizers: Option<Vec<Uuid>>,
    pub attachments: Option<Vec<Uuid>>,
    /// Absent keeps the cover, `Some(None)` removes it.
    pub cover: Option<Option<Uuid>>,
}

/// May the viewer create events in `group` (organization-wide without one)?
pub fn require_organizing(viewer: &Viewer, group: Option<&GroupAccess>) -> ApiResult<()> {
    let resource = match group {
        Some(group) => Resource::Group(group),
        None => Resource::Organization,
    };
    policy::require(
        viewer,
        Action::Organize,
        resource,
        crate::groups::TYPE_NAME,
        "You may not create events here.",
    )
}

/// The viewer may take `action` on the event (CONFLICT when it is cancelled, FORBIDDEN with
/// `why` when they may see it only).
pub fn require_open(view: &EventView, viewer: &Viewer, action: Action, why: &str) -> ApiResult<()> {
    if view.event.is_cancelled() {
        // Over for everyone: CONFLICT, as for a closed survey or poll.
        return Err(ApiError::Conflict("This event is cancelled.".into()));
    }
    view.require(viewer, action, why)
}

/// The people `wanted`, each active and someone the viewer may see in the directory (naming
/// anyone else is refused the same way, so the answer tells nothing about people one may not see).
pub async fn named_people(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    field: &str,
    mut wanted: Vec<Uuid>,
) -> ApiResult<Vec<Uuid>> {
    wanted.sort_unstable();
    wanted.dedup();
    let found = crate::users::model::find_many(conn, &wanted).await?;
    let sight = Sight::of(conn, viewer, &found).await?;
    let named: Vec<Uuid> = found
        .iter()
        .filter(|user| user.is_active() && sight.sees(user))
        .map(|user| user.id)
        .collect();
    if named.len() != wanted.len() {
        return Err(ApiError::bad_input(
            field,
            "names someone who does not exist or is deactivated",
        ));
    }
    Ok(named)
}

/// Creates an event in `group` (already allowed, see `require_organizing`) with the viewer as an
/// organizer; the cover image becomes the event's.
pub async fn create(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    group: Option<GroupAccess>,
    new: NewEvent,
) -> ApiResult<EventView> {
    let mut organizers = new.organizers;
    organizers.push(viewer.id());
    let id = Uuid::now_v7();
    let cover = new.fields.cover_attachment_id;
    let group_id = group.as_ref().map(|g| g.group.id);
    let event = conn
        .transaction::<_, ApiError, _>(async |conn| {
            attachments::claim_new_image(conn, None, Some(cover), viewer.id(), COVER_FIELD).await?;
            let event = model::insert(conn, id, group_id, viewer.id(), &new.fields).await?;
            attachments::set(conn, Subject::event(id), &new.attachments, viewer.id()).await?;
            model::set_organizers(conn, id, &organizers).await?;
            reminders::schedule(conn, &event).await?;
            Ok(event)
        })
        .await?;
    services.activity.record(
        Activity::by(viewer.id(), ActivityKind::EventCreated)
            .in_group(event.group_id)
            .about(event.id),
    );
    Ok(EventView {
        event,
        group,
        organizer: true,
    })
}

/// Changes the series, moves one occurrence or splits the series there; returns the event as it
/// is now (the new series after a split).
pub async fn update(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    audit: Option<&Audit>,
    id: Uuid,
    update: EventUpdate,
) -> ApiResult<Uuid> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let event = model::lock(conn, id).await?;
        let changed = match update.scope {
            Scope::All => update_series(conn, &event, &update.changes).await?,
            Scope::ThisOccurrence => move_occurrence(conn, &event, &update).await?,
            Scope::ThisAndFollowing => split_series(conn, &event, &update, viewer.id()).await?,
        };
        if let Some(organizers) = &update.organizers {
            let mut organizers = organizers.clone();
            if organizers.is_empty() {
                organizers.push(viewer.id());
            }
            model::set_organizers(conn, changed.id, &organizers).await?;
        }
        if let Some(ids) = &update.attachments {
            attachments::set(conn, Subject::event(changed.id), ids, viewer.id()).await?;
        }
        let current = changed.cover_attachment_id;
        if let Some(new) =
            attachments::claim_new_image(conn, current, update.cover, viewer.id(), COVER_FIELD)
                .await?
        {
            model::set_cover(conn, changed.id, new).await?;
            attachments::drop_if_unused(conn, current).await?;
        }
        rsvp::fill_seats(conn, &changed).await?;
        reminders::schedule(conn, &changed).await?;
        record_change(conn, audit, &event, changed.id).await?;
        publish_change(services, conn, event.id).await?;
        notify_change(conn, changed.id, viewer.id(), false, None).await?;
        Ok(changed.id)
    })
    .await
}

/// Cancels the event (it stays, marked cancelled, with the reason) or one `occurrence` of it.
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    audit: Option<&Audit>,
    id: Uuid,
    reason: Option<String>,
    occurrence: Option<DateTime<Utc>>,
) -> ApiResult<()> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let event = model::lock(conn, id).await?;
        match occurrence {
            Some(original) => {
                require_occurrence(&event, original)?;
                model::set_exception(conn, id, original, None).await?;
                model::bump_sequence(conn, id).await?;
            }
            None => {
                model::cancel(conn, id, reason).await?;
            }
        }
        record_change(conn, audit, &event, id).await?;
        publish_change(services, conn, id).await?;
        notify_change(conn, id, viewer.id(), true, occurrence).await
    })
    .await
}

/// The viewer's answer (see `rsvp::answer`), with their own reminders when given; returns it and
/// the event as they see it now.
pub async fn answer(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
    wanted: AttendanceStatus,
    own_reminders: Option<Vec<Option<i32>>>,
) -> ApiResult<(Attendance, EventView)> {
    let attendance = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (mut attendance, _) = rsvp::answer(conn, id, viewer.id(), wanted).await?;
            if let Some(minutes) = own_reminders {
                model::set_attendee_reminders(conn, id, viewer.id(), Some(minutes.clone())).await?;
                attendance.reminder_minutes = Some(minutes);
            }
            let event = model::find(conn, id)
                .await?
                .ok_or(ApiError::NotFound(TYPE_NAME))?;
            reminders::schedule(conn, &event).await?;
            publish_change(services, conn, id).await?;
            Ok(attendance)
        })
        .await?;
    let event = access::find_visible(conn, viewer, id).await?;
    services.activity.record(
        Activity::by(viewer.id(), ActivityKind::Responded)
            .in_group(event.event.group_id)
            .about(id),
    );
    Ok((attendance, event))
}

/// Invites `invitees` (checked people) who have not answered yet and tells them; returns the
/// new invitations.
pub async fn invite(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    audit: Option<&Audit>,
    event: &Event,
    invitees: &[Uuid],
) -> ApiResult<Vec<Attendance>> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let invitations = model::invite(conn, event.id, invitees, viewer.id()).await?;
        if !invitations.is_empty() {
            let trigger = Trigger::EventInvitation {
                event_id: event.id,
                user_ids: invitations.iter().map(|a| a.user_id).collect(),
                by: viewer.id(),
            };
            triggers::enqueue(conn, trigger).await?;
        }
        if let Some(audit) = audit {
            let change = event_change(event).after(&invitations)?;
            audit.record(conn, change).await?;
        }
        Ok(invitations)
    })
    .await
}

/// An audit entry about an event, in its group (none for organization-wide events).
fn event_change(event: &Event) -> Change {
    Change::of(TYPE_NAME, event.id).in_group_if_any(event.group_id)
}

/// Records `audit` (if any) for the change of `before`, with the event `after` as it is now (the
/// new series when the change split it).
async fn record_change(
    conn: &mut AsyncPgConnection,
    audit: Option<&Audit>,
    before: &Event,
    after: Uuid,
) -> ApiResult<()> {
    let Some(audit) = audit else {
        return Ok(());
    };
    let after = model::find(conn, after)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))?;
    let change = event_change(before).before(before)?.after(&after)?;
    audit.record(conn, change).await
}

async fn publish_change(
    services: &Services,
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> ApiResult<()> {
    services
        .events
        .publish(conn, &BusEvent::EventUpdated { id })
        .await
}

/// Tells the event's attendees it changed, or was `cancelled` (as a whole, or the one
/// `occurrence`).
async fn notify_change(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    by: Uuid,
    cancelled: bool,
    occurrence: Option<DateTime<Utc>>,
) -> ApiResult<()> {
    let trigger = Trigger::EventChanged {
        event_id,
        by,
        cancelled,
        occurrence,
    };
    triggers::enqueue(conn, trigger).await
}

fn require_occurrence(event: &Event, original: DateTime<Utc>) -> ApiResult<()> {
    if recurrence::has_occurrence_at(event, original)? {
        Ok(())
    } else {
        Err(ApiError::bad_input(
            "occurrenceStartsAt",
            "is not an occurrence of this event",
        ))
    }
}

/// The occurrence an occurrence scope (named `scope` in the error) applies to, checked.
fn occurrence_of(event: &Event, update: &EventUpdate, scope: &str) -> ApiResult<DateTime<Utc>> {
    let original = update.occurrence.ok_or_else(|| {
        ApiError::bad_input("occurrenceStartsAt", format!("is required for {scope}"))
    })?;
    require_occurrence(event, original)?;
    Ok(original)
}

async fn update_series(
    conn: &mut AsyncPgConnection,
    event: &Event,
    changes: &EventChanges,
) -> ApiResult<Event> {
    let draft = Draft::changed(event, changes)?;
    model::update(conn, event.id, &draft.fields).await
}

/// Moves one occurrence; only its times may change.
async fn move_occurrence(
    conn: &mut AsyncPgConnection,
    event: &Event,
    update: &EventUpdate,
) -> ApiResult<Event> {
    let original = occurrence_of(event, update, "THIS_OCCURRENCE")?;
    let starts_at = update.changes.starts_at.unwrap_or(original);
    let ends_at = update
        .changes
        .ends_at
        .unwrap_or(starts_at + event.duration());
    if ends_at < starts_at {
        return Err(ApiError::bad_input("endsAt", "must not be before startsAt"));
    }
    model::set_exception(conn, event.id, original, Some((starts_at, ends_at))).await?;
    model::bump_sequence(conn, event.id).await?;
    model::find(conn, event.id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

/// Ends the series before the occurrence and starts a new one there with the changes; answers
/// and organizers carry over.
async fn split_series(
    conn: &mut AsyncPgConnection,
    event: &Event,
    update: &EventUpdate,
    creator: Uuid,
) -> ApiResult<Event> {
    let original = occurrence_of(event, update, "THIS_AND_FOLLOWING")?;
    if original == event.starts_at {
        return update_series(conn, event, &update.changes).await;
    }
    let (old_rule, new_rule) = recurrence::split(event, original)?;
    let mut ending = event.clone();
    ending.recurrence = Some(old_rule);
    let ended = Draft::finish(ending.fields.clone())?;
    model::update(conn, event.id, &ended.fields).await?;
    let mut continuing = event.clone();
    continuing.starts_at = original;
    continuing.ends_at = original + event.duration();
    continuing.recurrence = Some(new_rule);
    let draft = Draft::changed(&continuing, &update.changes)?;
    let new_id = Uuid::now_v7();
    let created = model::insert(conn, new_id, event.group_id, creator, &draft.fields).await?;
    model::move_exceptions(conn, event.id, new_id, original).await?;
    let organizers: Vec<Uuid> = model::organizer_ids(conn, &[event.id])
        .await?
        .into_iter()
        .map(|(_, user)| user)
        .collect();
    model::set_organizers(conn, new_id, &organizers).await?;
    model::copy_attendances(conn, event.id, new_id).await?;
    reminders::schedule(conn, &ending).await?;
    Ok(created)
}
