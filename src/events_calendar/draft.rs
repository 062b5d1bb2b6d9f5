//! An event's fields as a person gives them, checked together: times, zone, recurrence, limits.

use async_graphql::InputObject;
use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Tz;

use super::model::{Event, EventFields};
use super::recurrence;
use crate::error::{ApiError, ApiResult};
use crate::validation::{self, Limit};

/// Longest single occurrence (a conference week, a trip).
const MAX_DURATION_DAYS: i64 = 31;
const MAX_REMINDERS: usize = 5;
/// Four weeks.
const MAX_REMINDER_MINUTES: i32 = 40_320;
const MAX_CAPACITY: i32 = 100_000;

/// Validated event fields from an input, over the event's current ones.
pub struct Draft {
    pub fields: EventFields,
}

/// What a change of an event gives; what it leaves out stays as it is. Part of `updateEvent`'s
/// input (flattened into it).
#[derive(InputObject)]
pub struct EventChanges {
    /// A new title (plain text, 1 to 100 characters).
    pub title: Option<String>,
    /// A new description (Markdown source, at most 10,000 characters).
    pub description: Option<String>,
    /// A new start (of the series, or of the occurrence for THIS_OCCURRENCE); without `endsAt`
    /// the duration is kept.
    pub starts_at: Option<DateTime<Utc>>,
    /// A new end: not before the start, at most 31 days after it.
    pub ends_at: Option<DateTime<Utc>>,
    /// A new IANA time zone, e.g. `Europe/Paris`.
    pub time_zone: Option<String>,
    /// Whether it spans whole days in its time zone.
    pub all_day: Option<bool>,
    /// A new place (at most 300 characters); an empty string removes it.
    pub location: Option<String>,
    /// A new video meeting link (https); an empty string removes it.
    pub online_url: Option<String>,
    /// A new number of seats (1 to 100,000); 0 removes the limit. Freed seats go to the
    /// waitlist.
    pub capacity: Option<i32>,
    /// A new RFC 5545 RRULE value; an empty string makes a single event.
    pub recurrence: Option<String>,
    /// New reminders, in minutes before each occurrence (at most 5, each 0 to 40,320); an
    /// empty list turns them off.
    pub reminder_minutes: Option<Vec<i32>>,
}

pub fn text(field: &str, value: &str, limit: usize) -> ApiResult<Option<String>> {
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

/// The link and the meeting service it points to.
pub fn online_url(value: &str) -> ApiResult<(Option<String>, Option<String>)> {
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

/// Minutes before an occurrence, longest first, each once.
pub fn reminders(minutes: &[i32]) -> ApiResult<Vec<Option<i32>>> {
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
    pub fn finish(mut fields: EventFields) -> ApiResult<Self> {
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

    /// `event` with `changes` made.
    pub fn changed(event: &Event, changes: &EventChanges) -> ApiResult<Self> {
        let (online_url, online_provider) = match &changes.online_url {
            Some(url) => online_url(url)?,
            None => (event.online_url.clone(), event.online_provider.clone()),
        };
        Self::finish(EventFields {
            title: changes.title.clone().unwrap_or_else(|| event.title.clone()),
            description: changes
                .description
                .as_deref()
                .map_or_else(|| event.description.clone(), |d| d.trim().to_owned()),
            starts_at: changes.starts_at.unwrap_or(event.starts_at),
            ends_at: changes
                .ends_at
                .unwrap_or_else(|| changes.starts_at.unwrap_or(event.starts_at) + event.duration()),
            time_zone: changes
                .time_zone
                .clone()
                .unwrap_or_else(|| event.time_zone.clone()),
            all_day: changes.all_day.unwrap_or(event.all_day),
            location: match &changes.location {
                Some(location) => text("location", location, 300)?,
                None => event.location.clone(),
            },
            online_url,
            online_provider,
            cover_attachment_id: event.cover_attachment_id,
            capacity: match changes.capacity {
                Some(0) => None,
                Some(capacity) => Some(capacity),
                None => event.capacity,
            },
            recurrence: changes
                .recurrence
                .clone()
                .or_else(|| event.recurrence.clone()),
            last_starts_at: None,
            reminder_minutes: match &changes.reminder_minutes {
                Some(minutes) => reminders(minutes)?,
                None => event.reminder_minutes.clone(),
            },
        })
    }
}
