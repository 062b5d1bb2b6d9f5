//! The `events` tables and the queries on them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{event_attendees, event_exceptions, event_organizers, events};
use crate::error::{ApiError, ApiResult};
use crate::pagination::lists_by_parent;
use crate::text_enum;

text_enum! {
    pub enum AttendanceStatus {
        /// Asked by an organizer; no answer yet.
        Invited => "invited",
        Going => "going",
        Maybe => "maybe",
        Declined => "declined",
        /// Wants a seat; gets the first one freed, in the order people asked.
        Waitlisted => "waitlisted",
    }
}

/// Serialized as audit snapshots (the fields flattened in, as the columns are).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
pub struct Event {
    pub id: Uuid,
    pub group_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    #[diesel(embed)]
    #[serde(flatten)]
    pub fields: EventFields,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancellation_reason: Option<String>,
    pub sequence: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An event reads as what it is made of (`event.title`), as it did before its fields were one
/// struct that creating and changing an event write.
impl std::ops::Deref for Event {
    type Target = EventFields;

    fn deref(&self) -> &EventFields {
        &self.fields
    }
}

impl std::ops::DerefMut for Event {
    fn deref_mut(&mut self) -> &mut EventFields {
        &mut self.fields
    }
}

impl Event {
    pub fn duration(&self) -> chrono::Duration {
        self.ends_at - self.starts_at
    }

    pub fn reminders(&self) -> Vec<i32> {
        self.reminder_minutes.iter().flatten().copied().collect()
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }
}

#[cfg(test)]
impl Event {
    /// A one-hour event by no one, in no group, not repeating: what unit tests start from.
    pub fn one_hour(title: &str, starts_at: DateTime<Utc>, time_zone: &str) -> Self {
        let now = Utc::now();
        Self {
            id: Uuid::new_v4(),
            group_id: None,
            created_by: None,
            fields: EventFields {
                title: title.into(),
                description: String::new(),
                starts_at,
                ends_at: starts_at + chrono::Duration::hours(1),
                time_zone: time_zone.into(),
                all_day: false,
                location: None,
                online_url: None,
                online_provider: None,
                cover_attachment_id: None,
                capacity: None,
                recurrence: None,
                last_starts_at: None,
                reminder_minutes: Vec::new(),
            },
            cancelled_at: None,
            cancellation_reason: None,
            sequence: 0,
            created_at: now,
            updated_at: now,
        }
    }
}

/// What an event is made of, as created or changed (validated by the caller).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = events, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct EventFields {
    pub title: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: String,
    pub all_day: bool,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub online_provider: Option<String>,
    pub cover_attachment_id: Option<Uuid>,
    pub capacity: Option<i32>,
    pub recurrence: Option<String>,
    pub last_starts_at: Option<DateTime<Utc>>,
    pub reminder_minutes: Vec<Option<i32>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = event_exceptions, check_for_backend(diesel::pg::Pg))]
pub struct OccurrenceException {
    pub event_id: Uuid,
    pub original_starts_at: DateTime<Utc>,
    pub cancelled: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Serialized as audit snapshots (invitations).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = event_attendees, check_for_backend(diesel::pg::Pg))]
pub struct Attendance {
    pub event_id: Uuid,
    pub user_id: Uuid,
    pub status: AttendanceStatus,
    pub responded_at: DateTime<Utc>,
    pub reminder_minutes: Option<Vec<Option<i32>>>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    group_id: Option<Uuid>,
    created_by: Uuid,
    fields: &EventFields,
) -> ApiResult<Event> {
    Ok(diesel::insert_into(events::table)
        .values((
            events::id.eq(id),
            events::group_id.eq(group_id),
            events::created_by.eq(created_by),
            fields,
        ))
        .returning(Event::as_returning())
        .get_result(conn)
        .await?)
}

/// Changes an event; calendars see a new SEQUENCE.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    fields: &EventFields,
) -> ApiResult<Event> {
    Ok(diesel::update(events::table.find(id))
        .set((fields, events::sequence.eq(events::sequence + 1)))
        .returning(Event::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn set_cover(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    cover: Option<Uuid>,
) -> ApiResult<()> {
    diesel::update(events::table.find(id))
        .set(events::cover_attachment_id.eq(cover))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn cancel(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: Option<String>,
) -> ApiResult<Event> {
    Ok(diesel::update(events::table.find(id))
        .set((
            events::cancelled_at.eq(Utc::now()),
            events::cancellation_reason.eq(reason),
            events::sequence.eq(events::sequence + 1),
        ))
        .returning(Event::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn bump_sequence(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    diesel::update(events::table.find(id))
        .set(events::sequence.eq(events::sequence + 1))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Event>> {
    Ok(events::table
        .find(id)
        .select(Event::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<Vec<Event>> {
    Ok(events::table
        .filter(events::id.eq_any(ids))
        .select(Event::as_select())
        .load(conn)
        .await?)
}

/// Locks the event for a change that depends on its current state (seats left).
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Event> {
    events::table
        .find(id)
        .select(Event::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(ApiError::NotFound("Event"))
}

/// Which series can have occurrences in a calendar window, and for whom.
pub struct WindowFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Only this group's events.
    pub group_id: Option<Uuid>,
    /// Only events this person answered going or maybe to.
    pub attending: Option<Uuid>,
    /// Events of these groups and organization-wide ones (what the viewer may read); `None`
    /// means no restriction (the caller checks each event).
    pub readable_groups: Option<Vec<Uuid>>,
    pub include_organization_wide: bool,
}

/// Series whose first occurrence starts before `to` and whose last (if any) can still end after
/// `from`. `longest` bounds how long an occurrence may last, so nothing overlapping is missed.
pub async fn in_window(
    conn: &mut AsyncPgConnection,
    filter: &WindowFilter,
    limit: i64,
) -> ApiResult<Vec<Event>> {
    let mut query = events::table
        .select(Event::as_select())
        .filter(events::starts_at.lt(filter.to))
        .filter(
            events::last_starts_at
                .is_null()
                .or(events::last_starts_at.ge(filter.from - chrono::Duration::days(31))),
        )
        .into_boxed();
    if let Some(group) = filter.group_id {
        query = query.filter(events::group_id.eq(group));
    }
    if let Some(person) = filter.attending {
        query = query.filter(
            events::id.eq_any(
                event_attendees::table
                    .filter(event_attendees::user_id.eq(person))
                    .filter(
                        event_attendees::status
                            .eq_any([AttendanceStatus::Going, AttendanceStatus::Maybe]),
                    )
                    .select(event_attendees::event_id),
            ),
        );
    }
    if let Some(groups) = &filter.readable_groups {
        query = if filter.include_organization_wide {
            query.filter(
                events::group_id
                    .eq_any(groups.clone())
                    .or(events::group_id.is_null()),
            )
        } else {
            query.filter(events::group_id.eq_any(groups.clone()))
        };
    }
    Ok(query
        .order((events::starts_at.asc(), events::id.asc()))
        .limit(limit)
        .load(conn)
        .await?)
}

pub async fn organizer_ids(
    conn: &mut AsyncPgConnection,
    event_ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, Uuid)>> {
    Ok(event_organizers::table
        .filter(event_organizers::event_id.eq_any(event_ids))
        .select((event_organizers::event_id, event_organizers::user_id))
        .load(conn)
        .await?)
}

pub async fn set_organizers(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    users: &[Uuid],
) -> ApiResult<()> {
    diesel::delete(event_organizers::table.filter(event_organizers::event_id.eq(event_id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = users
        .iter()
        .map(|user| {
            (
                event_organizers::event_id.eq(event_id),
                event_organizers::user_id.eq(*user),
            )
        })
        .collect();
    diesel::insert_into(event_organizers::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn exceptions(
    conn: &mut AsyncPgConnection,
    event_ids: &[Uuid],
) -> ApiResult<Vec<OccurrenceException>> {
    Ok(event_exceptions::table
        .filter(event_exceptions::event_id.eq_any(event_ids))
        .select(OccurrenceException::as_select())
        .load(conn)
        .await?)
}

/// Cancels (`moved_to: None`) or moves one occurrence.
pub async fn set_exception(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    original_starts_at: DateTime<Utc>,
    moved_to: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> ApiResult<()> {
    let (cancelled, starts_at, ends_at) = match moved_to {
        Some((starts_at, ends_at)) => (false, Some(starts_at), Some(ends_at)),
        None => (true, None, None),
    };
    diesel::insert_into(event_exceptions::table)
        .values((
            event_exceptions::event_id.eq(event_id),
            event_exceptions::original_starts_at.eq(original_starts_at),
            event_exceptions::cancelled.eq(cancelled),
            event_exceptions::starts_at.eq(starts_at),
            event_exceptions::ends_at.eq(ends_at),
        ))
        .on_conflict((
            event_exceptions::event_id,
            event_exceptions::original_starts_at,
        ))
        .do_update()
        .set((
            event_exceptions::cancelled.eq(cancelled),
            event_exceptions::starts_at.eq(starts_at),
            event_exceptions::ends_at.eq(ends_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Exceptions from `from` on move to the series that continues an event split in two.
pub async fn move_exceptions(
    conn: &mut AsyncPgConnection,
    from_event: Uuid,
    to_event: Uuid,
    from: DateTime<Utc>,
) -> ApiResult<()> {
    diesel::update(
        event_exceptions::table
            .filter(event_exceptions::event_id.eq(from_event))
            .filter(event_exceptions::original_starts_at.ge(from)),
    )
    .set(event_exceptions::event_id.eq(to_event))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn attendance(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    user_id: Uuid,
) -> ApiResult<Option<Attendance>> {
    Ok(event_attendees::table
        .find((event_id, user_id))
        .select(Attendance::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The viewer's answers to several events.
pub async fn attendances_of(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    event_ids: &[Uuid],
) -> ApiResult<Vec<Attendance>> {
    Ok(event_attendees::table
        .filter(event_attendees::user_id.eq(user_id))
        .filter(event_attendees::event_id.eq_any(event_ids))
        .select(Attendance::as_select())
        .load(conn)
        .await?)
}

/// Everyone who answered or was invited, in the order they answered.
pub async fn attendances(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    status: Option<AttendanceStatus>,
) -> ApiResult<Vec<Attendance>> {
    Ok(attendee_lists(conn, &[event_id], status)
        .await?
        .remove(&event_id)
        .unwrap_or_default())
}

/// Everyone who answered or was invited to each event (only those who answered `status` when
/// given), in the order they answered; an empty list for an event without any.
pub async fn attendee_lists(
    conn: &mut AsyncPgConnection,
    event_ids: &[Uuid],
    status: Option<AttendanceStatus>,
) -> ApiResult<HashMap<Uuid, Vec<Attendance>>> {
    let mut query = event_attendees::table
        .filter(event_attendees::event_id.eq_any(event_ids))
        .select(Attendance::as_select())
        .order((
            event_attendees::responded_at.asc(),
            event_attendees::user_id.asc(),
        ))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(event_attendees::status.eq(status));
    }
    let attendances: Vec<Attendance> = query.load(conn).await?;
    Ok(lists_by_parent(event_ids, attendances, |attendance| {
        attendance.event_id
    }))
}

/// Counts per status for several events.
pub async fn status_counts(
    conn: &mut AsyncPgConnection,
    event_ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, AttendanceStatus, i64)>> {
    Ok(event_attendees::table
        .filter(event_attendees::event_id.eq_any(event_ids))
        .group_by((event_attendees::event_id, event_attendees::status))
        .select((
            event_attendees::event_id,
            event_attendees::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await?)
}

pub async fn going_count(conn: &mut AsyncPgConnection, event_id: Uuid) -> ApiResult<i64> {
    Ok(event_attendees::table
        .filter(event_attendees::event_id.eq(event_id))
        .filter(event_attendees::status.eq(AttendanceStatus::Going))
        .count()
        .get_result(conn)
        .await?)
}

/// Records an answer; a new answer (not a repeat of the same one) joins the back of the queue.
pub async fn set_attendance(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    user_id: Uuid,
    status: AttendanceStatus,
) -> ApiResult<Attendance> {
    Ok(diesel::insert_into(event_attendees::table)
        .values((
            event_attendees::event_id.eq(event_id),
            event_attendees::user_id.eq(user_id),
            event_attendees::status.eq(status),
        ))
        .on_conflict((event_attendees::event_id, event_attendees::user_id))
        .do_update()
        .set((
            event_attendees::status.eq(status),
            event_attendees::responded_at.eq(Utc::now()),
        ))
        .returning(Attendance::as_returning())
        .get_result(conn)
        .await?)
}

/// Invites people who have not answered yet (one statement); returns the new invitations.
pub async fn invite(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    users: &[Uuid],
    invited_by: Uuid,
) -> ApiResult<Vec<Attendance>> {
    let rows: Vec<_> = users
        .iter()
        .map(|user| {
            (
                event_attendees::event_id.eq(event_id),
                event_attendees::user_id.eq(*user),
                event_attendees::status.eq(AttendanceStatus::Invited),
                event_attendees::invited_by.eq(invited_by),
            )
        })
        .collect();
    Ok(diesel::insert_into(event_attendees::table)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(Attendance::as_returning())
        .get_results(conn)
        .await?)
}

pub async fn set_attendee_reminders(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    user_id: Uuid,
    minutes: Option<Vec<Option<i32>>>,
) -> ApiResult<()> {
    diesel::update(event_attendees::table.find((event_id, user_id)))
        .set(event_attendees::reminder_minutes.eq(minutes))
        .execute(conn)
        .await?;
    Ok(())
}

/// The first person on the waitlist, who takes a freed seat.
pub async fn first_waitlisted(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
) -> ApiResult<Option<Uuid>> {
    Ok(event_attendees::table
        .filter(event_attendees::event_id.eq(event_id))
        .filter(event_attendees::status.eq(AttendanceStatus::Waitlisted))
        .order((
            event_attendees::responded_at.asc(),
            event_attendees::user_id.asc(),
        ))
        .select(event_attendees::user_id)
        .first(conn)
        .await
        .optional()?)
}

pub async fn promote(conn: &mut AsyncPgConnection, event_id: Uuid, user_id: Uuid) -> ApiResult<()> {
    diesel::update(event_attendees::table.find((event_id, user_id)))
        .set(event_attendees::status.eq(AttendanceStatus::Going))
        .execute(conn)
        .await?;
    Ok(())
}

/// The answers of one series carried over to the series that continues it.
pub async fn copy_attendances(conn: &mut AsyncPgConnection, from: Uuid, to: Uuid) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO event_attendees (event_id, user_id, status, responded_at, invited_by, reminder_minutes)
         SELECT $2, user_id, status, responded_at, invited_by, reminder_minutes
         FROM event_attendees WHERE event_id = $1
         ON CONFLICT DO NOTHING",
    )
    .bind::<diesel::sql_types::Uuid, _>(from)
    .bind::<diesel::sql_types::Uuid, _>(to)
    .execute(conn)
    .await?;
    Ok(())
}
