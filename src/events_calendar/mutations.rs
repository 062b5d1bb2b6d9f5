//! Creating, changing and cancelling events, answering them and inviting people.

use crate::analytics::{Activity, ActivityKind};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::access::{self, EventView, TYPE_NAME};
use super::graphql::AttendanceObject;
use super::model::{self, AttendanceStatus, Event, EventFields};
use super::{recurrence, reminders, rsvp};
use crate::attachments::model::Subject;
use crate::attachments::service as attachments;
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::Event as BusEvent;
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::notifications::triggers::{self, Trigger};
use crate::policy::{self, Action, Judged, Resource};
use crate::services::Services;
use crate::users::visibility::Sight;
use crate::validation::{self, Limit};

/// Longest single occurrence (a conference week, a trip).
const MAX_DURATION_DAYS: i64 = 31;
const MAX_REMINDERS: usize = 5;
/// Four weeks.
const MAX_REMINDER_MINUTES: i32 = 40_320;
const MAX_CAPACITY: i32 = 100_000;
const MAX_ORGANIZERS: usize = 20;
const MAX_INVITES: usize = 200;

#[derive(InputObject)]
pub struct CreateEventInput {
    /// The group it belongs to; organisation-wide without it (admins).
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
    pub title: Option<String>,
    pub description: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub time_zone: Option<String>,
    pub all_day: Option<bool>,
    /// An empty string removes it.
    pub location: Option<String>,
    /// An empty string removes it.
    pub online_url: Option<String>,
    /// 0 removes the limit.
    pub capacity: Option<i32>,
    /// An empty string makes a single event.
    pub recurrence: Option<String>,
    pub reminder_minutes: Option<Vec<i32>>,
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

/// Validated event fields from an input, over the event's current ones.
struct Draft {
    fields: EventFields,
}

fn text(field: &str, value: &str, limit: usize) -> ApiResult<Option<String>> {
    let value = value.trim();
    validation::max_chars(field, value, limit)?;
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

/// The video-meeting service a link points to, when it is a well-known one.
pub fn meeting_provider(url: &url::Url) -> Option<&'static str> {
    let host = url.host_str()?.to_ascii_lowercase();
    let matches = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    [
        ("zoom.us", "Zoom"),
        ("teams.microsoft.com", "Microsoft Teams"),
        ("teams.live.com", "Microsoft Teams"),
        ("meet.google.com", "Google Meet"),
        ("webex.com", "Webex"),
        ("whereby.com", "Whereby"),
        ("meet.jit.si", "Jitsi Meet"),
        ("gotomeeting.com", "GoTo Meeting"),
    ]
    .into_iter()
    .find(|(domain, _)| matches(domain))
    .map(|(_, name)| name)
}

fn online_url(value: &str) -> ApiResult<(Option<String>, Option<String>)> {
    let Some(value) = text("onlineUrl", value, 2_000)? else {
        return Ok((None, None));
    };
    let url = url::Url::parse(&value)
        .ok()
        .filter(|url| url.scheme() == "https")
        .ok_or_else(|| ApiError::bad_input("onlineUrl", "must be an https:// link"))?;
    Ok((
        Some(url.to_string()),
        meeting_provider(&url).map(str::to_owned),
    ))
}

fn reminders(minutes: &[i32]) -> ApiResult<Vec<Option<i32>>> {
    if minutes.len() > MAX_REMINDERS {
        return Err(ApiError::bad_input(
            "reminderMinutes",
            format!("at most {MAX_REMINDERS} reminders"),
        ));
    }
    if minutes
        .iter()
        .any(|m| !(0..=MAX_REMINDER_MINUTES).contains(m))
    {
        return Err(ApiError::bad_input(
            "reminderMinutes",
            format!("each must be between 0 and {MAX_REMINDER_MINUTES} minutes"),
        ));
    }
    let mut sorted = minutes.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    Ok(sorted.into_iter().map(Some).collect())
}

fn time_zone(value: &str) -> ApiResult<Tz> {
    validation::time_zone("timeZone", value)?
        .parse()
        .map_err(|_| ApiError::bad_input("timeZone", "is not an IANA time zone"))
}

/// All-day events span whole days in their zone: midnight to midnight.
fn whole_days(
    tz: Tz,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let first = starts_at.with_timezone(&tz).date_naive();
    let last_local = ends_at.with_timezone(&tz);
    let mut end = last_local.date_naive();
    if last_local.time() != chrono::NaiveTime::MIN || end == first {
        end = end.succ_opt().unwrap_or(end);
    }
    let midnight = |day: chrono::NaiveDate| {
        recurrence::local_instant(tz, day.and_time(chrono::NaiveTime::MIN))
            .ok_or_else(|| ApiError::bad_input("startsAt", "has no midnight in this time zone"))
    };
    Ok((midnight(first)?, midnight(end)?))
}

impl Draft {
    /// Checks the times, zone, recurrence and limits together (they depend on each other).
    fn finish(mut fields: EventFields) -> ApiResult<Self> {
        fields.title = validation::display_name("title", &fields.title)?;
        validation::max_chars("title", &fields.title, 200)?;
        validation::max_chars("description", &fields.description, Limit::DESCRIPTION * 2)?;
        let tz = time_zone(&fields.time_zone)?;
        fields.time_zone = tz.name().to_owned();
        // Calendars count in whole seconds (iCalendar has nothing finer).
        fields.starts_at = fields.starts_at.trunc_subsecs(0);
        fields.ends_at = fields.ends_at.trunc_subsecs(0);
        if fields.all_day {
            (fields.starts_at, fields.ends_at) = whole_days(tz, fields.starts_at, fields.ends_at)?;
        }
        if fields.ends_at < fields.starts_at {
            return Err(ApiError::bad_input("endsAt", "must not be before startsAt"));
        }
        if fields.ends_at - fields.starts_at > chrono::Duration::days(MAX_DURATION_DAYS) {
            return Err(ApiError::bad_input(
                "endsAt",
                format!("an occurrence may last at most {MAX_DURATION_DAYS} days"),
            ));
        }
        if fields
            .capacity
            .is_some_and(|capacity| !(1..=MAX_CAPACITY).contains(&capacity))
        {
            return Err(ApiError::bad_input(
                "capacity",
                format!("must be between 1 and {MAX_CAPACITY}"),
            ));
        }
        fields.recurrence = fields
            .recurrence
            .map(|rule| rule.trim().trim_start_matches("RRULE:").to_owned())
            .filter(|rule| !rule.is_empty());
        fields.last_starts_at = match &fields.recurrence {
            Some(rule) => {
                let set = recurrence::checked(rule, fields.starts_at, tz)?;
                recurrence::last_start(&set)?
            }
            None => Some(fields.starts_at),
        };
        Ok(Self { fields })
    }
}

fn created_fields(input: &CreateEventInput, default_zone: &str) -> ApiResult<Draft> {
    let (online_url, online_provider) = online_url(input.online_url.as_deref().unwrap_or(""))?;
    Draft::finish(EventFields {
        title: input.title.clone(),
        description: input.description.trim().to_owned(),
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        time_zone: input
            .time_zone
            .clone()
            .unwrap_or_else(|| default_zone.to_owned()),
        all_day: input.all_day,
        location: text("location", input.location.as_deref().unwrap_or(""), 300)?,
        online_url,
        online_provider,
        cover_attachment_id: None,
        capacity: input.capacity,
        recurrence: input.recurrence.clone(),
        last_starts_at: None,
        reminder_minutes: reminders(input.reminder_minutes.as_deref().unwrap_or(&[1440, 15]))?,
    })
}

fn changed_fields(event: &Event, input: &UpdateEventInput) -> ApiResult<Draft> {
    let (online_url, online_provider) = match &input.online_url {
        Some(url) => online_url(url)?,
        None => (event.online_url.clone(), event.online_provider.clone()),
    };
    Draft::finish(EventFields {
        title: input.title.clone().unwrap_or_else(|| event.title.clone()),
        description: input
            .description
            .as_deref()
            .map_or_else(|| event.description.clone(), |d| d.trim().to_owned()),
        starts_at: input.starts_at.unwrap_or(event.starts_at),
        ends_at: input
            .ends_at
            .unwrap_or_else(|| input.starts_at.unwrap_or(event.starts_at) + event.duration()),
        time_zone: input
            .time_zone
            .clone()
            .unwrap_or_else(|| event.time_zone.clone()),
        all_day: input.all_day.unwrap_or(event.all_day),
        location: match &input.location {
            Some(location) => text("location", location, 300)?,
            None => event.location.clone(),
        },
        online_url,
        online_provider,
        cover_attachment_id: event.cover_attachment_id,
        capacity: match input.capacity {
            Some(0) => None,
            Some(capacity) => Some(capacity),
            None => event.capacity,
        },
        recurrence: input
            .recurrence
            .clone()
            .or_else(|| event.recurrence.clone()),
        last_starts_at: None,
        reminder_minutes: match &input.reminder_minutes {
            Some(minutes) => reminders(minutes)?,
            None => event.reminder_minutes.clone(),
        },
    })
}

/// The people `ids` name, each active and someone the viewer may see in the directory (naming
/// anyone else is refused the same way, so the answer tells nothing about people one may not see).
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
    let mut wanted = ids
        .iter()
        .map(|id| ids::decode_as(id, crate::users::TYPE_NAME, field))
        .collect::<ApiResult<Vec<Uuid>>>()?;
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

const COVER_FIELD: &str = "coverAttachmentId";

#[derive(Default)]
pub struct EventMutation;

#[Object]
impl EventMutation {
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        input: CreateEventInput,
    ) -> ApiResult<EventPayload> {
        let viewer = ctx.viewer()?;
        let group = match &input.group_id {
            Some(id) => Some(
                crate::groups::graphql::load_visible(
                    ctx,
                    ids::decode_as(id, crate::groups::TYPE_NAME, "groupId")?,
                )
                .await?,
            ),
            None => None,
        };
        let resource = match &group {
            Some(group) => Resource::Group(group),
            None => Resource::Organisation,
        };
        policy::require(
            viewer,
            Action::Organise,
            resource,
            crate::groups::TYPE_NAME,
            "You may not create events here.",
        )?;
        let mut draft = created_fields(&input, &viewer.user.time_zone)?;
        let attachment_ids = attachments::parse_ids(&input.attachment_ids)?;
        let cover = input
            .cover_attachment_id
            .as_ref()
            .map(|id| ids::decode_as(id, crate::attachments::access::TYPE_NAME, COVER_FIELD))
            .transpose()?;
        draft.fields.cover_attachment_id = cover;
        let mut conn = ctx.conn().await?;
        let mut organizers = people(
            &mut conn,
            viewer,
            "organizerIds",
            &input.organizer_ids,
            MAX_ORGANIZERS,
        )
        .await?;
        organizers.push(viewer.id());
        let id = Uuid::now_v7();
        let event = conn
            .transaction::<_, ApiError, _>(async |conn| {
                attachments::claim_new_image(conn, None, Some(cover), viewer.id(), COVER_FIELD)
                    .await?;
                let event = model::insert(
                    conn,
                    id,
                    group.as_ref().map(|g| g.group.id),
                    viewer.id(),
                    &draft.fields,
                )
                .await?;
                attachments::set(conn, Subject::event(id), &attachment_ids, viewer.id()).await?;
                model::set_organizers(conn, id, &organizers).await?;
                reminders::schedule(conn, &event).await?;
                Ok(event)
            })
            .await?;
        ctx.record_activity(
            Activity::by(viewer.id(), ActivityKind::EventCreated)
                .in_group(event.group_id)
                .about(event.id),
        );
        Ok(EventPayload {
            event: EventView {
                event,
                group,
                organiser: true,
            },
        })
    }

    /// Changes the whole series, one occurrence (moving it), or an occurrence and the ones after
    /// it (splitting the series: the payload's event is the new series).
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        input: UpdateEventInput,
    ) -> ApiResult<EventPayload> {
        let viewer = ctx.viewer()?;
        let view = authorised_event(
            ctx,
            &input.event_id,
            Action::Manage,
            "Only the event's organisers may change it.",
        )
        .await?;
        let id = view.event.id;
        let audit = audit_unless_organiser(ctx, &view)?;
        let services = ctx.services().clone();
        let mut conn = ctx.conn().await?;
        let organizers = match &input.organizer_ids {
            Some(ids) => {
                Some(people(&mut conn, viewer, "organizerIds", ids, MAX_ORGANIZERS).await?)
            }
            None => None,
        };
        let attachment_ids = input
            .attachment_ids
            .as_deref()
            .map(attachments::parse_ids)
            .transpose()?;
        let cover = attachments::parse_image_id(&input.cover_attachment_id, COVER_FIELD)?;
        let changed_id = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let event = model::lock(conn, id).await?;
                let changed = match input.scope {
                    EventChangeScope::All => update_series(conn, &event, &input).await?,
                    EventChangeScope::ThisOccurrence => {
                        move_occurrence(conn, &event, &input).await?
                    }
                    EventChangeScope::ThisAndFollowing => {
                        split_series(conn, &event, &input, viewer.id()).await?
                    }
                };
                if let Some(organizers) = &organizers {
                    let mut organizers = organizers.clone();
                    if organizers.is_empty() {
                        organizers.push(viewer.id());
                    }
                    model::set_organizers(conn, changed.id, &organizers).await?;
                }
                if let Some(ids) = &attachment_ids {
                    attachments::set(conn, Subject::event(changed.id), ids, viewer.id()).await?;
                }
                let current = changed.cover_attachment_id;
                if let Some(new) =
                    attachments::claim_new_image(conn, current, cover, viewer.id(), COVER_FIELD)
                        .await?
                {
                    model::set_cover(conn, changed.id, new).await?;
                    attachments::drop_if_unused(conn, current).await?;
                }
                rsvp::fill_seats(conn, &changed).await?;
                reminders::schedule(conn, &changed).await?;
                record_change(conn, audit.as_ref(), &event, changed.id).await?;
                publish_change(&services, conn, event.id).await?;
                notify_change(conn, changed.id, viewer.id(), false, None).await?;
                Ok(changed.id)
            })
            .await?;
        Ok(EventPayload {
            event: access::find_visible(&mut conn, viewer, changed_id).await?,
        })
    }

    /// Cancels the event (it stays visible, marked cancelled, with the reason) or one occurrence.
    async fn cancel_event(
        &self,
        ctx: &Context<'_>,
        input: CancelEventInput,
    ) -> ApiResult<EventPayload> {
        let viewer = ctx.viewer()?;
        let view = authorised_event(
            ctx,
            &input.event_id,
            Action::Manage,
            "Only the event's organisers may cancel it.",
        )
        .await?;
        let id = view.event.id;
        let audit = audit_unless_organiser(ctx, &view)?;
        let reason = text("reason", input.reason.as_deref().unwrap_or(""), 1_000)?;
        let services = ctx.services().clone();
        let mut conn = ctx.conn().await?;
        conn.transaction::<_, ApiError, _>(async |conn| {
            let event = model::lock(conn, id).await?;
            match input.occurrence_starts_at {
                Some(original) => {
                    require_occurrence(&event, original)?;
                    model::set_exception(conn, id, original, None).await?;
                    model::bump_sequence(conn, id).await?;
                }
                None => {
                    model::cancel(conn, id, reason).await?;
                }
            }
            record_change(conn, audit.as_ref(), &event, id).await?;
            publish_change(&services, conn, id).await?;
            notify_change(conn, id, viewer.id(), true, input.occurrence_starts_at).await
        })
        .await?;
        Ok(EventPayload {
            event: access::find_visible(&mut conn, viewer, id).await?,
        })
    }

    /// Answers an event. GOING past the last seat is WAITLISTED; a seat freed by a decline goes
    /// to the first on the waitlist.
    async fn rsvp(&self, ctx: &Context<'_>, input: RsvpInput) -> ApiResult<RsvpPayload> {
        let viewer = ctx.viewer()?;
        let id = authorised_event(
            ctx,
            &input.event_id,
            Action::Attend,
            "This event is cancelled.",
        )
        .await?
        .event
        .id;
        let own_reminders = input
            .reminder_minutes
            .as_deref()
            .map(reminders)
            .transpose()?;
        let wanted = match input.status {
            RsvpStatus::Going => AttendanceStatus::Going,
            RsvpStatus::Maybe => AttendanceStatus::Maybe,
            RsvpStatus::Declined => AttendanceStatus::Declined,
        };
        let services = ctx.services().clone();
        let mut conn = ctx.conn().await?;
        let attendance = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let (mut attendance, _) = rsvp::answer(conn, id, viewer.id(), wanted).await?;
                if let Some(minutes) = own_reminders {
                    model::set_attendee_reminders(conn, id, viewer.id(), Some(minutes.clone()))
                        .await?;
                    attendance.reminder_minutes = Some(minutes);
                }
                let event = model::find(conn, id)
                    .await?
                    .ok_or(ApiError::NotFound(TYPE_NAME))?;
                reminders::schedule(conn, &event).await?;
                publish_change(&services, conn, id).await?;
                Ok(attendance)
            })
            .await?;
        let event = access::find_visible(&mut conn, viewer, id).await?;
        ctx.record_activity(
            Activity::by(viewer.id(), ActivityKind::Responded)
                .in_group(event.event.group_id)
                .about(id),
        );
        Ok(RsvpPayload {
            attendance: attendance.into(),
            event,
        })
    }

    /// Organisers invite people (who can see the event) to answer it.
    async fn invite_to_event(
        &self,
        ctx: &Context<'_>,
        input: InviteToEventInput,
    ) -> ApiResult<InviteToEventPayload> {
        let viewer = ctx.viewer()?;
        let view = authorised_event(
            ctx,
            &input.event_id,
            Action::Manage,
            "Only the event's organisers may invite people.",
        )
        .await?;
        let id = view.event.id;
        let audit = audit_unless_organiser(ctx, &view)?;
        let mut conn = ctx.conn().await?;
        let invitees = people(&mut conn, viewer, "userIds", &input.user_ids, MAX_INVITES).await?;
        let invitations = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let invitations = model::invite(conn, id, &invitees, viewer.id()).await?;
                if !invitations.is_empty() {
                    let trigger = Trigger::EventInvitation {
                        event_id: id,
                        user_ids: invitations.iter().map(|a| a.user_id).collect(),
                        by: viewer.id(),
                    };
                    triggers::enqueue(conn, trigger).await?;
                }
                if let Some(audit) = &audit {
                    let change = event_change(&view.event).after(&invitations)?;
                    audit.record(conn, change).await?;
                }
                Ok(invitations)
            })
            .await?;
        Ok(InviteToEventPayload {
            event: access::find_visible(&mut conn, viewer, id).await?,
            invitations: invitations
                .into_iter()
                .map(AttendanceObject::from)
                .collect(),
        })
    }
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
    if view.event.is_cancelled() {
        // Over for everyone: CONFLICT, as for a closed survey or poll.
        return Err(ApiError::Conflict("This event is cancelled.".into()));
    }
    view.require(ctx.viewer()?, action, why)?;
    Ok(view)
}

/// Running an event as an org admin or a manager of its group, rather than as one of its
/// organisers or its creator, is audited: the audit to write, `None` for organisers.
fn audit_unless_organiser(ctx: &Context<'_>, view: &EventView) -> ApiResult<Option<Audit>> {
    let organises = policy::organises(ctx.viewer()?, &view.event, view.organiser);
    (!organises).then(|| Audit::of(ctx)).transpose()
}

/// An audit entry about an event, in its group (none for organisation-wide events).
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

async fn update_series(
    conn: &mut AsyncPgConnection,
    event: &Event,
    input: &UpdateEventInput,
) -> ApiResult<Event> {
    let draft = changed_fields(event, input)?;
    model::update(conn, event.id, &draft.fields).await
}

/// Moves one occurrence; only its times may change.
async fn move_occurrence(
    conn: &mut AsyncPgConnection,
    event: &Event,
    input: &UpdateEventInput,
) -> ApiResult<Event> {
    let original = input.occurrence_starts_at.ok_or_else(|| {
        ApiError::bad_input("occurrenceStartsAt", "is required for THIS_OCCURRENCE")
    })?;
    require_occurrence(event, original)?;
    let starts_at = input.starts_at.unwrap_or(original);
    let ends_at = input.ends_at.unwrap_or(starts_at + event.duration());
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
/// and organisers carry over.
async fn split_series(
    conn: &mut AsyncPgConnection,
    event: &Event,
    input: &UpdateEventInput,
    creator: Uuid,
) -> ApiResult<Event> {
    let original = input.occurrence_starts_at.ok_or_else(|| {
        ApiError::bad_input("occurrenceStartsAt", "is required for THIS_AND_FOLLOWING")
    })?;
    require_occurrence(event, original)?;
    if original == event.starts_at {
        return update_series(conn, event, input).await;
    }
    let (old_rule, new_rule) = recurrence::split(event, original)?;
    let mut ending = event.clone();
    ending.recurrence = Some(old_rule);
    let ended = Draft::finish(fields_of(&ending))?;
    model::update(conn, event.id, &ended.fields).await?;
    let mut continuing = event.clone();
    continuing.starts_at = original;
    continuing.ends_at = original + event.duration();
    continuing.recurrence = Some(new_rule);
    let draft = changed_fields(&continuing, input)?;
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

fn fields_of(event: &Event) -> EventFields {
    EventFields {
        title: event.title.clone(),
        description: event.description.clone(),
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        time_zone: event.time_zone.clone(),
        all_day: event.all_day,
        location: event.location.clone(),
        online_url: event.online_url.clone(),
        online_provider: event.online_provider.clone(),
        cover_attachment_id: event.cover_attachment_id,
        capacity: event.capacity,
        recurrence: event.recurrence.clone(),
        last_starts_at: event.last_starts_at,
        reminder_minutes: event.reminder_minutes.clone(),
    }
}
