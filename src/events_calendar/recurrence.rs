//! Recurring events: RFC 5545 rules checked and expanded with the `rrule` crate, in the event's
//! own time zone (so a 10:00 meeting stays at 10:00 across daylight-saving changes), lazily and
//! only inside the window asked for.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rrule::{RRule, RRuleSet, Unvalidated};

use super::model::{Event, OccurrenceException};
use crate::error::{ApiError, ApiResult};

/// How many occurrences a series may have when bounded, and how many a window may scan from the
/// first one (the crate cannot seek): a daily meeting for 25 years.
pub const MAX_OCCURRENCES: usize = 10_000;

/// One occurrence of an event, as a calendar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub event_id: uuid::Uuid,
    /// Its start as the rule gives it (iCalendar RECURRENCE-ID), which identifies it.
    pub original_starts_at: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// This occurrence alone was cancelled (or the whole event).
    pub cancelled: bool,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_input("recurrence", message)
}

/// The checked rule of a series starting at `starts_at` in `tz`. Only the `RRULE` value is taken
/// (`FREQ=WEEKLY;BYDAY=MO`, with or without the `RRULE:` prefix).
pub fn parse(rule: &str, starts_at: DateTime<Utc>, tz: Tz) -> ApiResult<RRuleSet> {
    let text = rule.trim();
    let text = text.strip_prefix("RRULE:").unwrap_or(text);
    if text.is_empty() || text.contains(['\n', '\r', ':']) {
        return Err(invalid(
            "must be one RRULE value such as FREQ=WEEKLY;BYDAY=MO",
        ));
    }
    let parsed: RRule<Unvalidated> = text
        .parse()
        .map_err(|error: rrule::RRuleError| invalid(error.to_string()))?;
    if parsed.get_count().is_some() && parsed.get_until().is_some() {
        return Err(invalid("COUNT and UNTIL must not both be given"));
    }
    if parsed.get_count() == Some(0) || parsed.get_interval() == 0 {
        return Err(invalid("COUNT and INTERVAL must be at least 1"));
    }
    let start = starts_at.with_timezone(&rrule::Tz::Tz(tz));
    let validated = parsed
        .validate(start)
        .map_err(|error| invalid(error.to_string()))?;
    // `limit` stops rules that can never match (BYMONTHDAY=31;BYMONTH=2) from spinning forever.
    let set = RRuleSet::new(start).rrule(validated).limit();
    match set.into_iter().next() {
        Some(first) if first == start => Ok(set),
        // RFC 5545 counts DTSTART as the first occurrence, the crate does not: calendars would
        // disagree about a series whose start does not match its own rule.
        _ => Err(invalid("the event's start must itself match the rule")),
    }
}

pub fn time_zone(event: &Event) -> Tz {
    event.time_zone.parse().unwrap_or(Tz::UTC)
}

fn series(event: &Event) -> ApiResult<Option<RRuleSet>> {
    event
        .recurrence
        .as_deref()
        .map(|rule| parse(rule, event.starts_at, time_zone(event)))
        .transpose()
}

/// When the last occurrence starts; `None` for a rule without COUNT or UNTIL.
pub fn last_start(set: &RRuleSet) -> ApiResult<Option<DateTime<Utc>>> {
    let unbounded = set
        .get_rrule()
        .iter()
        .any(|rule| rule.get_count().is_none() && rule.get_until().is_none());
    if unbounded {
        return Ok(None);
    }
    let mut last = None;
    for (index, start) in set.into_iter().enumerate() {
        if index >= MAX_OCCURRENCES {
            return Err(invalid(format!(
                "a series may have at most {MAX_OCCURRENCES} occurrences"
            )));
        }
        last = Some(start.with_timezone(&Utc));
    }
    Ok(last)
}

/// The occurrences of `event` that overlap `[from, to)`, exceptions applied, in start order.
pub fn occurrences(
    event: &Event,
    exceptions: &[OccurrenceException],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<Occurrence>> {
    let duration = event.duration();
    let originals: Vec<DateTime<Utc>> = match series(event)? {
        None => vec![event.starts_at],
        Some(set) => {
            let mut starts = Vec::new();
            for (index, start) in set.into_iter().enumerate() {
                let start = start.with_timezone(&Utc);
                if start >= to || index >= MAX_OCCURRENCES {
                    break;
                }
                if start + duration > from {
                    starts.push(start);
                }
            }
            starts
        }
    };
    let exception_at = |original: DateTime<Utc>| {
        exceptions.iter().find(|exception| {
            exception.event_id == event.id && exception.original_starts_at == original
        })
    };
    let mut found: Vec<Occurrence> = originals
        .into_iter()
        .map(|original| apply(event, original, exception_at(original)))
        .collect();
    // Occurrences moved into the window from outside it.
    for exception in exceptions.iter().filter(|e| e.event_id == event.id) {
        if found
            .iter()
            .any(|occurrence| occurrence.original_starts_at == exception.original_starts_at)
        {
            continue;
        }
        if let (Some(starts_at), Some(ends_at)) = (exception.starts_at, exception.ends_at)
            && starts_at < to
            && ends_at > from
        {
            found.push(apply(event, exception.original_starts_at, Some(exception)));
        }
    }
    found.retain(|occurrence| occurrence.starts_at < to && occurrence.ends_at > from);
    found.sort_by_key(|occurrence| (occurrence.starts_at, occurrence.original_starts_at));
    Ok(found)
}

fn apply(
    event: &Event,
    original: DateTime<Utc>,
    exception: Option<&OccurrenceException>,
) -> Occurrence {
    let (starts_at, ends_at) = match exception {
        Some(OccurrenceException {
            starts_at: Some(starts_at),
            ends_at: Some(ends_at),
            ..
        }) => (*starts_at, *ends_at),
        _ => (original, original + event.duration()),
    };
    Occurrence {
        event_id: event.id,
        original_starts_at: original,
        starts_at,
        ends_at,
        cancelled: event.is_cancelled() || exception.is_some_and(|exception| exception.cancelled),
    }
}

/// Whether the rule of `event` has an occurrence starting exactly at `original`.
pub fn has_occurrence_at(event: &Event, original: DateTime<Utc>) -> ApiResult<bool> {
    Ok(match series(event)? {
        None => event.starts_at == original,
        Some(set) => set
            .into_iter()
            .take(MAX_OCCURRENCES)
            .map(|start| start.with_timezone(&Utc))
            .take_while(|start| *start <= original)
            .any(|start| start == original),
    })
}

/// The two rules of a series split at the occurrence starting at `at` ("this and following"):
/// the old series stops just before it, the new one carries on as the old one would have.
pub fn split(event: &Event, at: DateTime<Utc>) -> ApiResult<(String, String)> {
    let rule = event
        .recurrence
        .as_deref()
        .ok_or_else(|| invalid("the event does not repeat"))?;
    let set = series(event)?.ok_or_else(|| invalid("the event does not repeat"))?;
    let parts: Vec<&str> = rule
        .trim()
        .trim_start_matches("RRULE:")
        .split(';')
        .filter(|part| !part.is_empty())
        .collect();
    let without = |name: &str| -> Vec<String> {
        parts
            .iter()
            .filter(|part| !part.to_ascii_uppercase().starts_with(name))
            .map(|part| (*part).to_owned())
            .collect()
    };
    let count = set.get_rrule().first().and_then(|rule| rule.get_count());
    let before = set
        .into_iter()
        .take(MAX_OCCURRENCES)
        .take_while(|start| start.with_timezone(&Utc) < at)
        .count();
    let (mut old, new) = match count {
        Some(count) => {
            let mut old = without("COUNT=");
            old.push(format!("COUNT={before}"));
            let mut new = without("COUNT=");
            new.push(format!(
                "COUNT={}",
                (count as usize).saturating_sub(before).max(1)
            ));
            (old, new)
        }
        None => {
            let mut old = without("UNTIL=");
            let until = at - chrono::Duration::seconds(1);
            old.push(format!("UNTIL={}", until.format("%Y%m%dT%H%M%SZ")));
            (old, parts.iter().map(|part| (*part).to_owned()).collect())
        }
    };
    old.sort_by_key(|part| !part.starts_with("FREQ="));
    Ok((old.join(";"), new.join(";")))
}

/// A local wall-clock time in `tz` as the instant it names (the earlier one in a repeated hour).
pub fn local_instant(tz: Tz, local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|time| time.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn paris(day: &str) -> DateTime<Utc> {
        let local = chrono::NaiveDateTime::parse_from_str(day, "%Y-%m-%d %H:%M").unwrap();
        local_instant(Paris, local).unwrap()
    }

    fn weekly(rule: &str) -> Event {
        Event {
            id: uuid::Uuid::nil(),
            group_id: None,
            created_by: None,
            title: "Weekly".into(),
            description: String::new(),
            starts_at: paris("2026-10-12 10:00"),
            ends_at: paris("2026-10-12 11:00"),
            time_zone: "Europe/Paris".into(),
            all_day: false,
            location: None,
            online_url: None,
            online_provider: None,
            cover_attachment_id: None,
            capacity: None,
            recurrence: Some(rule.into()),
            last_starts_at: None,
            reminder_minutes: vec![],
            cancelled_at: None,
            cancellation_reason: None,
            sequence: 0,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn occurrences_keep_their_wall_clock_time_across_daylight_saving() {
        let event = weekly("FREQ=WEEKLY;BYDAY=MO");
        let found = occurrences(
            &event,
            &[],
            paris("2026-10-19 00:00"),
            paris("2026-11-03 00:00"),
        )
        .unwrap();
        let starts: Vec<String> = found
            .iter()
            .map(|o| o.starts_at.format("%Y-%m-%dT%H:%MZ").to_string())
            .collect();
        assert_eq!(
            starts,
            [
                "2026-10-19T08:00Z",
                "2026-10-26T09:00Z",
                "2026-11-02T09:00Z"
            ]
        );
    }

    #[test]
    fn a_cancelled_occurrence_is_marked_and_a_moved_one_moves() {
        let event = weekly("FREQ=WEEKLY;BYDAY=MO;COUNT=4");
        let exceptions = [
            OccurrenceException {
                event_id: event.id,
                original_starts_at: paris("2026-10-19 10:00"),
                cancelled: true,
                starts_at: None,
                ends_at: None,
            },
            OccurrenceException {
                event_id: event.id,
                original_starts_at: paris("2026-10-26 10:00"),
                cancelled: false,
                starts_at: Some(paris("2026-10-27 14:00")),
                ends_at: Some(paris("2026-10-27 15:00")),
            },
        ];
        let found = occurrences(
            &event,
            &exceptions,
            paris("2026-10-01 00:00"),
            paris("2027-01-01 00:00"),
        )
        .unwrap();
        assert_eq!(found.len(), 4);
        assert!(found[1].cancelled);
        assert_eq!(found[2].starts_at, paris("2026-10-27 14:00"));
        assert_eq!(found[2].original_starts_at, paris("2026-10-26 10:00"));
    }

    #[test]
    fn invalid_rules_are_refused() {
        let start = paris("2026-10-12 10:00");
        for rule in [
            "FREQ=SOMETIMES",
            "FREQ=WEEKLY;COUNT=2;UNTIL=20270101T000000Z",
            "FREQ=WEEKLY;COUNT=0",
            "FREQ=WEEKLY;BYDAY=TU",
            "FREQ=WEEKLY\nRRULE:FREQ=DAILY",
            "",
        ] {
            assert!(parse(rule, start, Paris).is_err(), "{rule:?}");
        }
    }

    #[test]
    fn unbounded_rules_have_no_last_start_and_bounded_ones_do() {
        let start = paris("2026-10-12 10:00");
        assert_eq!(
            last_start(&parse("FREQ=DAILY", start, Paris).unwrap()).unwrap(),
            None
        );
        assert_eq!(
            last_start(&parse("FREQ=WEEKLY;COUNT=3", start, Paris).unwrap()).unwrap(),
            Some(paris("2026-10-26 10:00"))
        );
    }

    #[test]
    fn splitting_a_counted_series_shares_its_count() {
        let event = weekly("FREQ=WEEKLY;BYDAY=MO;COUNT=6");
        let (old, new) = split(&event, paris("2026-10-26 10:00")).unwrap();
        assert_eq!(old, "FREQ=WEEKLY;BYDAY=MO;COUNT=2");
        assert_eq!(new, "FREQ=WEEKLY;BYDAY=MO;COUNT=4");
        let open = weekly("FREQ=WEEKLY;BYDAY=MO");
        let (old, new) = split(&open, paris("2026-10-26 10:00")).unwrap();
        assert_eq!(old, "FREQ=WEEKLY;BYDAY=MO;UNTIL=20261026T085959Z");
        assert_eq!(new, "FREQ=WEEKLY;BYDAY=MO");
    }
}
