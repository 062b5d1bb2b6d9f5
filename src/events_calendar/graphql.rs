//! Events over GraphQL: the `Event` type, calendar windows of occurrences, and the queries.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::access::{self, EventView, TYPE_NAME};
use super::loaders::{
    AttendeeLists, EventExceptions, EventSummary, EventSummaryLoader, ViewerAttendanceLoader,
};
use super::model::{self, Attendance, AttendanceStatus, WindowFilter};
use super::recurrence::{self, Occurrence};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders;
use crate::groups::GroupAccess;
use crate::pagination::PageRequest;
use crate::policy::{Action, Judged};
use crate::users::User;

/// The longest calendar window one query may ask for.
pub const MAX_WINDOW_DAYS: i64 = 366;
/// Series considered per window: beyond, the query asks the viewer to narrow it.
const MAX_SERIES_PER_WINDOW: i64 = 2_000;

/// Where a person stands towards an event: invited and not answered yet, or their answer.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AttendanceStatus", remote = "AttendanceStatus")]
pub enum AttendanceStatusGql {
    /// Invited by an organizer (`inviteToEvent`); no answer yet.
    Invited,
    /// Coming, with a seat.
    Going,
    /// Might come; holds no seat.
    Maybe,
    /// Not coming.
    Declined,
    /// Answered GOING when no seat was left; gets the first seat freed, in the order people
    /// answered.
    Waitlisted,
}

/// One person's answer to an event.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Attendance", complex)]
pub struct AttendanceObject {
    #[graphql(skip)]
    pub user_id: Uuid,
    #[graphql(skip)]
    pub event_id: Uuid,
    /// The person's answer, or INVITED while they have not answered.
    pub status: AttendanceStatusGql,
    /// When the person last changed their answer (the waitlist is served in this order).
    pub responded_at: DateTime<Utc>,
    /// The person's own reminders (minutes before), or null to follow the event's.
    pub reminder_minutes: Option<Vec<i32>>,
}

impl From<Attendance> for AttendanceObject {
    fn from(attendance: Attendance) -> Self {
        Self {
            user_id: attendance.user_id,
            event_id: attendance.event_id,
            status: attendance.status.into(),
            responded_at: attendance.responded_at,
            reminder_minutes: attendance
                .reminder_minutes
                .map(|minutes| minutes.into_iter().flatten().collect()),
        }
    }
}

#[ComplexObject]
impl AttendanceObject {
    /// The person; null when the viewer may not see them in the directory.
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::visible_person(ctx, Some(self.user_id)).await
    }
}

async fn summary(ctx: &Context<'_>, event: Uuid) -> ApiResult<EventSummary> {
    Ok(ctx
        .loader::<EventSummaryLoader>()?
        .load_one(event)
        .await
        .map_err(|error| (*error).clone())?
        .unwrap_or_default())
}

/// Something happening at a time: a meeting, a webinar, an on-site event. Repeats when it has a
/// `recurrence`; `events` lists its occurrences.
#[Object(name = "Event")]
impl EventView {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.event.id)
    }
    /// Plain text, at most 100 characters.
    async fn title(&self) -> &str {
        &self.event.title
    }
    /// The Markdown source, as written (at most 10,000 characters; empty when none).
    async fn description(&self) -> &str {
        &self.event.description
    }
    /// The description rendered to sanitized HTML.
    async fn description_html(&self) -> String {
        crate::markdown::to_safe_html(&self.event.description)
    }
    /// The first occurrence's start (see `occurrences` or `Query.events` for the others).
    async fn starts_at(&self) -> DateTime<Utc> {
        self.event.starts_at
    }
    /// The first occurrence's end; every occurrence lasts as long unless moved. All-day events
    /// end at midnight after their last day, in `timeZone`.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.event.ends_at
    }
    /// IANA time zone the event is planned in; repeats keep their wall-clock time in it.
    async fn time_zone(&self) -> &str {
        &self.event.time_zone
    }
    /// Whether it spans whole days (midnight to midnight in `timeZone`) rather than set hours.
    async fn all_day(&self) -> bool {
        self.event.all_day
    }
    /// Where people meet in person (at most 300 characters); null when not given.
    async fn location(&self) -> Option<&str> {
        self.event.location.as_deref()
    }
    /// The cover image (its preview), if one was set.
    async fn cover_url(&self, ctx: &Context<'_>) -> Option<String> {
        self.event
            .cover_attachment_id
            .map(|id| crate::attachments::urls::image(ctx.services(), id))
    }
    /// Files attached to the event, in order.
    async fn attachments(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<crate::attachments::model::Attachment>> {
        let subject = crate::attachments::model::Subject::event(self.event.id);
        crate::attachments::loading::of(ctx, subject).await
    }
    /// The video meeting or webinar link (https); null when not given.
    async fn online_url(&self) -> Option<&str> {
        self.event.online_url.as_deref()
    }
    /// "Zoom", "Microsoft Teams", "Google Meet", "Webex", "Whereby", "Jitsi Meet" or "GoTo
    /// Meeting" when `onlineUrl` points to one of them; null otherwise.
    async fn online_provider(&self) -> Option<&str> {
        self.event.online_provider.as_deref()
    }
    /// How many people may be GOING (1 to 100,000); those answering GOING past it are
    /// WAITLISTED. Null for no limit.
    async fn capacity(&self) -> Option<i32> {
        self.event.capacity
    }
    /// The RFC 5545 RRULE value, e.g. `FREQ=WEEKLY;BYDAY=MO`; null for a single event.
    async fn recurrence(&self) -> Option<&str> {
        self.event.recurrence.as_deref()
    }
    /// Minutes before each occurrence at which attendees are reminded, longest first (an
    /// attendee's own `Attendance.reminderMinutes` replace them for that person).
    async fn reminder_minutes(&self) -> Vec<i32> {
        self.event.reminders()
    }
    /// Whether the whole event is cancelled (`cancelEvent`). Cancelled events stay visible,
    /// marked so, with the reason; they can no longer be changed or answered.
    async fn cancelled(&self) -> bool {
        self.event.is_cancelled()
    }
    /// When the whole event was cancelled; null unless `cancelled`.
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.event.cancelled_at
    }
    /// Why it was cancelled, as the organizer wrote it (plain text); null when not cancelled
    /// or no reason was given.
    async fn cancellation_reason(&self) -> Option<&str> {
        self.event.cancellation_reason.as_deref()
    }
    /// The group it belongs to; null for organization-wide events.
    async fn group(&self) -> Option<&GroupAccess> {
        self.group.as_ref()
    }
    /// When the event was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.event.created_at
    }
    /// The organizers the viewer may see in the directory, by name.
    async fn organizers(&self, ctx: &Context<'_>) -> ApiResult<Vec<User>> {
        let ids = summary(ctx, self.event.id).await?.organizer_ids;
        let mut users = crate::users::loading::visible_people(ctx, &ids).await?;
        users.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(users)
    }
    /// How many people answered GOING (and hold a seat).
    async fn going_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(summary(ctx, self.event.id)
            .await?
            .count(AttendanceStatus::Going))
    }
    /// How many people answered MAYBE.
    async fn maybe_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(summary(ctx, self.event.id)
            .await?
            .count(AttendanceStatus::Maybe))
    }
    /// How many people answered DECLINED.
    async fn declined_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(summary(ctx, self.event.id)
            .await?
            .count(AttendanceStatus::Declined))
    }
    /// How many people wait for a seat (WAITLISTED).
    async fn waitlisted_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(summary(ctx, self.event.id)
            .await?
            .count(AttendanceStatus::Waitlisted))
    }
    /// Seats left; null without a capacity.
    async fn seats_left(&self, ctx: &Context<'_>) -> ApiResult<Option<i64>> {
        let going = summary(ctx, self.event.id)
            .await?
            .count(AttendanceStatus::Going);
        Ok(self
            .event
            .capacity
            .map(|capacity| (i64::from(capacity) - going).max(0)))
    }
    /// Who answered (or was invited), in the order they answered; a person the viewer may not
    /// see in the directory is listed with a null `user`.
    async fn attendees(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the people with this status; everyone when omitted.")]
        status: Option<AttendanceStatusGql>,
    ) -> ApiResult<Vec<AttendanceObject>> {
        Ok(
            loaders::children_of::<AttendeeLists>(ctx, self.event.id, status.map(Into::into))
                .await?
                .unwrap_or_default()
                .into_iter()
                .map(AttendanceObject::from)
                .collect(),
        )
    }
    /// The viewer's answer; null when they have neither answered nor been invited.
    async fn viewer_attendance(&self, ctx: &Context<'_>) -> ApiResult<Option<AttendanceObject>> {
        Ok(ctx
            .loader::<ViewerAttendanceLoader>()?
            .load_one(self.event.id)
            .await
            .map_err(|error| (*error).clone())?
            .map(AttendanceObject::from))
    }
    /// The status of `viewerAttendance`; null when they have neither answered nor been invited.
    async fn viewer_rsvp(&self, ctx: &Context<'_>) -> ApiResult<Option<AttendanceStatusGql>> {
        Ok(ctx
            .loader::<ViewerAttendanceLoader>()?
            .load_one(self.event.id)
            .await
            .map_err(|error| (*error).clone())?
            .map(|attendance| attendance.status.into()))
    }
    /// Whether the viewer may edit, cancel, invite to and export the attendees of this event.
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.decide(ctx.viewer()?, Action::Manage).allowed())
    }
    /// Whether the viewer may answer (`respondToEvent`).
    async fn viewer_can_rsvp(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.decide(ctx.viewer()?, Action::Attend).allowed())
    }
    /// The event as an iCalendar (.ics) file, every occurrence included, for whoever may see
    /// the event (signed in with the session cookie or a bearer token).
    async fn ics_url(&self, ctx: &Context<'_>) -> String {
        format!(
            "{}/calendar/events/{}.ics",
            ctx.services().config.public_url,
            ids::encode(TYPE_NAME, self.event.id).as_str()
        )
    }
    /// The attendees as CSV (name, email, answer, guests), for the event's organizers; null
    /// for anyone else.
    async fn attendees_csv_url(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(super::attendees::may_export(self, ctx.viewer()?).then(|| {
            format!(
                "{}/calendar/events/{}/attendees.csv",
                ctx.services().config.public_url,
                ids::encode(TYPE_NAME, self.event.id).as_str()
            )
        }))
    }
    /// This event's occurrences that overlap the window, by start time, cancelled ones included
    /// (marked `cancelled`); local times are in the viewer's time zone.
    async fn occurrences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the window: occurrences that end after it are returned.")]
        from: DateTime<Utc>,
        #[graphql(
            desc = "The end of the window (after `from`, at most 366 days after it): occurrences \
                    that start before it are returned."
        )]
        to: DateTime<Utc>,
    ) -> ApiResult<Vec<EventOccurrence>> {
        check_window(from, to)?;
        let exceptions = loaders::children_of::<EventExceptions>(ctx, self.event.id, ())
            .await?
            .unwrap_or_default();
        let zone = viewer_zone(ctx);
        Ok(recurrence::occurrences(&self.event, &exceptions, from, to)?
            .into_iter()
            .map(|occurrence| EventOccurrence::new(self.clone(), occurrence, zone))
            .collect())
    }
}

/// One occurrence of an event in a calendar.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct EventOccurrence {
    /// The event (the whole series) this is an occurrence of.
    pub event: EventView,
    /// When this occurrence starts (its new time when it was moved).
    pub starts_at: DateTime<Utc>,
    /// When this occurrence ends (its new time when it was moved).
    pub ends_at: DateTime<Utc>,
    /// The start the series' rule gives this occurrence (differs from `startsAt` when moved);
    /// it identifies the occurrence in `updateEvent` and `cancelEvent`.
    pub original_starts_at: DateTime<Utc>,
    /// Whether this occurrence (or the whole event) is cancelled; cancelled occurrences stay
    /// listed.
    pub cancelled: bool,
    #[graphql(skip)]
    zone: Tz,
}

#[ComplexObject]
impl EventOccurrence {
    /// `startsAt` in the viewer's time zone (their profile's; UTC without one), as RFC 3339,
    /// e.g. `2026-10-26T10:00:00+01:00`.
    async fn local_starts_at(&self) -> String {
        self.starts_at.with_timezone(&self.zone).to_rfc3339()
    }
    /// `endsAt` in the viewer's time zone (their profile's; UTC without one), as RFC 3339.
    async fn local_ends_at(&self) -> String {
        self.ends_at.with_timezone(&self.zone).to_rfc3339()
    }
}

impl EventOccurrence {
    fn new(event: EventView, occurrence: Occurrence, zone: Tz) -> Self {
        Self {
            event,
            starts_at: occurrence.starts_at,
            ends_at: occurrence.ends_at,
            original_starts_at: occurrence.original_starts_at,
            cancelled: occurrence.cancelled,
            zone,
        }
    }

    fn key(&self) -> OccurrenceCursor {
        (self.starts_at, self.event.event.id, self.original_starts_at)
    }
}

type OccurrenceCursor = (DateTime<Utc>, Uuid, DateTime<Utc>);

fn viewer_zone(ctx: &Context<'_>) -> Tz {
    ctx.viewer()
        .ok()
        .and_then(|viewer| viewer.user.time_zone.parse().ok())
        .unwrap_or(Tz::UTC)
}

pub fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<()> {
    if to <= from {
        return Err(ApiError::bad_input("to", "must be after from"));
    }
    if to - from > chrono::Duration::days(MAX_WINDOW_DAYS) {
        return Err(ApiError::bad_input(
            "to",
            format!("the window may span at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok(())
}

/// Which occurrences `events` lists: those overlapping a window, narrowed to a group or to the
/// viewer's own answers when asked.
#[derive(InputObject)]
pub struct EventsFilter {
    /// The start of the window: occurrences that end after it are listed.
    pub from: DateTime<Utc>,
    /// The end of the window (after `from`, at most 366 days after it): occurrences that start
    /// before it are listed.
    pub to: DateTime<Utc>,
    /// Only this group's events (organization-wide events are then left out).
    pub group_id: Option<ID>,
    /// Only events the viewer answered GOING or MAYBE to.
    #[graphql(default)]
    pub attending: bool,
}

/// The occurrences the viewer may see in a window, in start order.
pub async fn window(ctx: &Context<'_>, filter: &WindowFilter) -> ApiResult<Vec<EventOccurrence>> {
    check_window(filter.from, filter.to)?;
    let viewer = ctx.viewer()?;
    let mut conn = ctx.conn().await?;
    let series = model::in_window(&mut conn, filter, MAX_SERIES_PER_WINDOW + 1).await?;
    if series.len() as i64 > MAX_SERIES_PER_WINDOW {
        return Err(ApiError::bad_input(
            "filter",
            "too many events in this window; narrow it or choose a group",
        ));
    }
    let views = access::visible(&mut conn, viewer, series).await?;
    let ids: Vec<Uuid> = views.iter().map(|view| view.event.id).collect();
    let exceptions = model::exceptions(&mut conn, &ids).await?;
    let zone = viewer_zone(ctx);
    let mut found = Vec::new();
    for view in views {
        for occurrence in recurrence::occurrences(&view.event, &exceptions, filter.from, filter.to)?
        {
            found.push(EventOccurrence::new(view.clone(), occurrence, zone));
        }
    }
    found.sort_by_key(EventOccurrence::key);
    Ok(found)
}

#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// The event with this ID; null with a NOT_FOUND error when it does not exist or the
    /// viewer may not see it.
    async fn event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event's global ID.")] id: ID,
    ) -> ApiResult<Option<EventView>> {
        load_visible(ctx, ids::decode_as(&id, TYPE_NAME, "id")?)
            .await
            .map(Some)
    }

    /// Occurrences of the events the viewer may see in a window (recurring events expanded, in
    /// their own time zone), by start time, cancelled ones included. A window with more than
    /// 2,000 events is refused (BAD_USER_INPUT): narrow it or choose a group.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The window, and optionally a group or the viewer's own answers.")]
        filter: EventsFilter,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<EventOccurrence>> {
        let viewer = ctx.viewer()?;
        let page = PageRequest::<OccurrenceCursor>::parse(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
        )?;
        let group_id = filter
            .group_id
            .as_ref()
            .map(|id| ids::decode_as(id, crate::groups::TYPE_NAME, "groupId"))
            .transpose()?;
        let all = window(
            ctx,
            &WindowFilter {
                from: filter.from,
                to: filter.to,
                group_id,
                attending: filter.attending.then(|| viewer.id()),
                readable_groups: None,
                include_organization_wide: true,
            },
        )
        .await?;
        Ok(connection(
            page.of_sorted(all, EventOccurrence::key),
            EventOccurrence::key,
            |o| o,
        ))
    }
}

pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<EventView> {
    let viewer = ctx.viewer()?;
    let mut conn = ctx.conn().await?;
    access::find_visible(&mut conn, viewer, id).await
}

#[derive(Default)]
pub struct EventSubscription;

#[async_graphql::Subscription]
impl EventSubscription {
    /// The event each time it changes, is cancelled or answered (counts), while the viewer may
    /// see it.
    async fn event_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event to watch.")] id: ID,
    ) -> Result<impl futures::Stream<Item = ApiResult<EventView>> + use<>, ApiError> {
        let event_id = ids::decode_as(&id, TYPE_NAME, "id")?;
        load_visible(ctx, event_id).await?;
        let viewer = ctx.viewer()?.clone();
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(move |event| {
            matches!(event, crate::events::Event::EventUpdated { id } if *id == event_id)
        });
        Ok(crate::events::reauthorized(
            events,
            services,
            viewer,
            move |conn, viewer, _| {
                Box::pin(
                    async move { Ok(Some(access::find_visible(conn, viewer, event_id).await?)) },
                )
            },
        ))
    }
}
