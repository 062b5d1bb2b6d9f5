//! Events as iCalendar (RFC 5545) for Outlook, Google and Apple calendars: series with their
//! RRULE, cancelled occurrences as EXDATE, moved ones as RECURRENCE-ID overrides, cancelled
//! events as STATUS:CANCELLED, and a VTIMEZONE for every zone used.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, EventLike, EventStatus, Property};

use super::model::{Event, OccurrenceException};
use super::recurrence;
use super::vtimezone;

/// What a calendar file holds for one event.
pub struct CalendarEntry<'a> {
    pub event: &'a Event,
    pub exceptions: Vec<&'a OccurrenceException>,
    /// The event's page, for the URL property.
    pub url: String,
}

fn local(at: DateTime<Utc>, tz: Tz) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: at.with_timezone(&tz).naive_local(),
        tzid: tz.name().to_owned(),
    }
}

/// Line breaks as LF only: the crate escapes `\n` but would pass a bare CR through.
fn text(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\r', "\n")
}

fn uid(event: &Event, domain: &str) -> String {
    format!("{}@{domain}", event.id)
}

/// A whole calendar: `name` is what calendar apps show; `domain` makes UIDs globally unique.
pub fn calendar(name: &str, domain: &str, entries: &[CalendarEntry<'_>]) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("PRODID", "-//Parvis//Parvis Calendar//EN"))
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new("X-WR-CALNAME", text(name)))
        .append_property(Property::new("REFRESH-INTERVAL;VALUE=DURATION", "PT1H"));
    // Each zone's VTIMEZONE must cover every instant any of its events refers to.
    let mut zones: BTreeMap<String, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for entry in entries {
        let event = entry.event;
        let tz = recurrence::time_zone(event);
        if !event.all_day {
            let last = event
                .last_starts_at
                .unwrap_or(event.starts_at + chrono::Duration::days(730));
            let span = zones
                .entry(tz.name().to_owned())
                .or_insert((tz, event.starts_at, last));
            span.1 = span.1.min(event.starts_at);
            span.2 = span.2.max(last + event.duration());
        }
        for component in components(entry, domain) {
            calendar.push(component);
        }
    }
    let timezones: Vec<String> = zones
        .values()
        .map(|(tz, from, to)| vtimezone::vtimezone(*tz, *from, *to))
        .collect();
    splice_timezones(&calendar.to_string(), &timezones)
}

/// The series (or single event), then one override per moved occurrence.
fn components(entry: &CalendarEntry<'_>, domain: &str) -> Vec<icalendar::Event> {
    let event = entry.event;
    let tz = recurrence::time_zone(event);
    let mut main = base(event, domain, &entry.url);
    if event.all_day {
        let first = event.starts_at.with_timezone(&tz).date_naive();
        let end = event.ends_at.with_timezone(&tz).date_naive();
        main.starts(first)
            .ends(end.max(first.succ_opt().unwrap_or(first)));
    } else {
        main.starts(local(event.starts_at, tz))
            .ends(local(event.ends_at, tz));
    }
    if let Some(rule) = &event.recurrence {
        main.add_property("RRULE", rule.as_str());
    }
    for exception in entry
        .exceptions
        .iter()
        .filter(|exception| exception.cancelled)
    {
        main.exdate(local(exception.original_starts_at, tz));
    }
    let mut all = vec![main.done()];
    for exception in &entry.exceptions {
        if let (false, Some(starts_at), Some(ends_at)) =
            (exception.cancelled, exception.starts_at, exception.ends_at)
        {
            let mut moved = base(event, domain, &entry.url);
            moved
                .recurrence_id(local(exception.original_starts_at, tz))
                .starts(local(starts_at, tz))
                .ends(local(ends_at, tz));
            all.push(moved.done());
        }
    }
    all
}

fn base(event: &Event, domain: &str, url: &str) -> icalendar::Event {
    let mut component = icalendar::Event::new();
    component
        .uid(&uid(event, domain))
        .timestamp(event.updated_at)
        .sequence(u32::try_from(event.sequence).unwrap_or_default())
        .summary(&text(&event.title))
        .url(url);
    if !event.description.is_empty() {
        component.description(&text(&event.description));
    }
    let place = match (&event.location, &event.online_url) {
        (Some(location), _) => Some(location.as_str()),
        (None, Some(online)) => Some(online.as_str()),
        (None, None) => None,
    };
    if let Some(place) = place {
        component.location(&text(place));
    }
    if let Some(online) = &event.online_url {
        component.add_property("X-PARVIS-ONLINE-URL", online.as_str());
    }
    if event.is_cancelled() {
        component.status(EventStatus::Cancelled);
    } else {
        component.status(EventStatus::Confirmed);
    }
    component
}

/// Puts the pre-rendered VTIMEZONEs before the first event. (Pushed as generic components, the
/// crate would give them a DTSTAMP and UID, which RFC 5545 does not allow there.)
fn splice_timezones(calendar: &str, timezones: &[String]) -> String {
    let at = calendar
        .find("\r\nBEGIN:VEVENT")
        .map(|index| index + 2)
        .or_else(|| calendar.rfind("END:VCALENDAR"))
        .unwrap_or(calendar.len());
    let mut out =
        String::with_capacity(calendar.len() + timezones.iter().map(String::len).sum::<usize>());
    out.push_str(&calendar[..at]);
    for timezone in timezones {
        out.push_str(timezone);
    }
    out.push_str(&calendar[at..]);
    out
}
