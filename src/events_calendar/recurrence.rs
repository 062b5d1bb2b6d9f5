//! Recurring events: RFC 5545 rules checked and expanded with the `rrule` crate, in the event's
//! own time zone (so a 10:00 meeting stays at 10:00 across daylight-saving changes), lazily and
//! only inside the window asked for.
//!
//! Over 600 lines with its tests, on purpose: checking a rule, expanding it from the period
//! that holds the window and splitting a series all work on the one parsed rule (`parse`,
//! `series_from`, `parts_of`) and read best together (about 370 lines); the tests (about 260)
//! cover daylight saving, exceptions, refused rules, splits and, rule by rule, that a window
//! sees what replaying the whole series sees.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rrule::{Frequency, RRule, RRuleSet, Unvalidated};

use super::model::{Event, OccurrenceException};
use crate::error::{ApiError, ApiResult};

/// How many occurrences a bounded series may have: a daily meeting for 25 years.
pub const MAX_OCCURRENCES: usize = 10_000;

/// How many occurrences of one series a query expands (for a window, a reminder or a check),
/// those passed over between the start of the rule's period and the window included. A series
/// happens at most once a day (`checked`), so the longest window (366 days) after the longest
/// lead-in (a year, for a yearly rule) needs at most 733; the bound stops a rule stored before
/// finer ones were refused from costing every calendar query more than that.
pub const MAX_EXPANDED_PER_QUERY: usize = 1_000;

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

/// The rule someone gives a series starting at `starts_at` in `tz`: valid (`parse`), and at most
/// one occurrence a day. An intranet event never repeats every hour, minute or second, and
/// each such series would cost every calendar query up to `MAX_EXPANDED_PER_QUERY` occurrences.
pub fn checked(rule: &str, starts_at: DateTime<Utc>, tz: Tz) -> ApiResult<RRuleSet> {
    let set = parse(rule, starts_at, tz)?;
    for rule in set.get_rrule() {
        if rule.get_freq() > Frequency::Daily {
            return Err(invalid(
                "must not repeat more often than daily (FREQ=HOURLY, MINUTELY and SECONDLY are refused)",
            ));
        }
        if rule.get_by_hour().len() > 1
            || rule.get_by_minute().len() > 1
            || rule.get_by_second().len() > 1
        {
            return Err(invalid(
                "must give one time of day (one BYHOUR, BYMINUTE and BYSECOND value at most); \
                 make one event per time of day",
            ));
        }
    }
    Ok(set)
}

/// The rule of a series starting at `starts_at` in `tz`, as stored. Only the `RRULE` value is
/// taken (`FREQ=WEEKLY;BYDAY=MO`, with or without the `RRULE:` prefix).
fn parse(rule: &str, starts_at: DateTime<Utc>, tz: Tz) -> ApiResult<RRuleSet> {
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

/// The series of `event` for occurrences starting at `earliest` or later: expanded from the
/// start of the last period of its rule (day, week, month or year, counted in INTERVALs) that
/// begins by then, rather than from its first occurrence, since the crate cannot seek and a
/// series started years ago would otherwise be replayed by every query. Moving the start by
/// whole periods changes nothing else: the validated rule holds every default it took from its
/// start (weekday, day, month, time of day). A COUNT becomes the UNTIL it comes to (the stored
/// last start), since counting would need the occurrences skipped; finer frequencies, refused
/// for new series, are not moved.
fn series_from(event: &Event, earliest: DateTime<Utc>) -> ApiResult<Option<RRuleSet>> {
    let Some(rule) = event.recurrence.as_deref() else {
        return Ok(None);
    };
    let tz = time_zone(event);
    let rule = match event.last_starts_at {
        Some(last) if has_count(rule) => counted_as_until(rule, last),
        _ => rule.to_owned(),
    };
    let set = parse(&rule, event.starts_at, tz)?;
    let Some(validated) = set.get_rrule().first().cloned() else {
        return Ok(Some(set));
    };
    Ok(Some(match period_start(&set, &validated, earliest, tz) {
        Some(start) => RRuleSet::new(start).rrule(validated).limit(),
        None => set,
    }))
}

/// The first instant of the last period of `rule` starting by `earliest` and after the series'
/// own start; `None` when there is none, or the rule counts or repeats within a day.
fn period_start(
    set: &RRuleSet,
    rule: &RRule,
    earliest: DateTime<Utc>,
    tz: Tz,
) -> Option<DateTime<rrule::Tz>> {
    if rule.get_count().is_some() {
        return None;
    }
    let interval = u32::from(rule.get_interval());
    let first = set.get_dt_start().date_naive();
    let target = earliest.with_timezone(&tz).date_naive();
    let whole = |periods: i64| u32::try_from(periods).ok().map(|n| n / interval * interval);
    let start = match rule.get_freq() {
        Frequency::Daily => first + Days::new(whole((target - first).num_days())?.into()),
        Frequency::Weekly => {
            let into_week = (first.weekday().days_since(rule.get_week_start())).into();
            let week = first - Days::new(into_week);
            week + Days::new(u64::from(whole((target - week).num_days() / 7)?) * 7)
        }
        Frequency::Monthly => {
            let months = (target.year() - first.year()) * 12 + target.month0() as i32
                - first.month0() as i32;
            first
                .with_day(1)?
                .checked_add_months(Months::new(whole(months.into())?))?
        }
        Frequency::Yearly => {
            let years = i32::try_from(whole((target.year() - first.year()).into())?).ok()?;
            NaiveDate::from_ymd_opt(first.year() + years, 1, 1)?
        }
        Frequency::Hourly | Frequency::Minutely | Frequency::Secondly => return None,
    };
    if start <= first {
        return None;
    }
    // The first instant of that day (midnight, or just after a daylight-saving gap there).
    (0..3)
        .find_map(|hour| local_instant(tz, start.and_time(NaiveTime::from_hms_opt(hour, 0, 0)?)))
        .map(|instant| instant.with_timezone(&rrule::Tz::Tz(tz)))
}

/// The `NAME=value` parts of a rule.
fn parts_of(rule: &str) -> Vec<&str> {
    rule.trim()
        .trim_start_matches("RRULE:")
        .split(';')
        .filter(|part| !part.is_empty())
        .collect()
}

fn has_count(rule: &str) -> bool {
    parts_of(rule)
        .iter()
        .any(|part| part.to_ascii_uppercase().starts_with("COUNT="))
}

/// A counted rule as the UNTIL its count comes to: the same occurrences, up to its `last` start.
fn counted_as_until(rule: &str, last: DateTime<Utc>) -> String {
    let mut parts: Vec<String> = parts_of(rule)
        .into_iter()
        .filter(|part| !part.to_ascii_uppercase().starts_with("COUNT="))
        .map(str::to_owned)
        .collect();
    parts.push(format!("UNTIL={}", last.format("%Y%m%dT%H%M%SZ")));
    parts.join(";")
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
    let originals: Vec<DateTime<Utc>> = match series_from(event, from - duration)? {
        None => vec![event.starts_at],
        Some(set) => {
            let mut starts = Vec::new();
            for start in set.into_iter().take(MAX_EXPANDED_PER_QUERY) {
                let start = start.with_timezone(&Utc);
                if start >= to {
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
    Ok(match series_from(event, original)? {
        None => event.starts_at == original,
        Some(set) => set
            .into_iter()
            .take(MAX_EXPANDED_PER_QUERY)
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
    let parts = parts_of(rule);
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
    use crate::events_calendar::model::EventFields;
    use chrono_tz::Europe::Paris;

    fn paris(day: &str) -> DateTime<Utc> {
        let local = chrono::NaiveDateTime::parse_from_str(day, "%Y-%m-%d %H:%M").unwrap();
        local_instant(Paris, local).unwrap()
    }

    fn weekly(rule: &str) -> Event {
        let mut event = Event::one_hour("Weekly", paris("2026-10-12 10:00"), "Europe/Paris");
        event.fields.recurrence = Some(rule.into());
        event
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
    fn rules_finer_than_daily_are_refused_for_new_series() {
        let start = paris("2026-10-12 10:00");
        for rule in [
            "FREQ=SECONDLY",
            "FREQ=MINUTELY",
            "FREQ=HOURLY",
            "FREQ=DAILY;BYHOUR=10,14",
            "FREQ=WEEKLY;BYMINUTE=0,30",
            "FREQ=DAILY;BYSECOND=0,1",
        ] {
            assert!(parse(rule, start, Paris).is_ok(), "{rule:?} is valid");
            let refused = checked(rule, start, Paris).unwrap_err();
            assert!(refused.message().starts_with("recurrence: "), "{rule:?}");
        }
        assert!(checked("FREQ=DAILY;BYHOUR=10", start, Paris).is_ok());
    }

    /// A series of one-hour occurrences from `start` (local time in `tz`) with `rule`.
    fn series_event(tz: Tz, start: &str, rule: &str) -> Event {
        let local = chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%d %H:%M").unwrap();
        let starts_at = local_instant(tz, local).unwrap();
        let set = parse(rule, starts_at, tz).unwrap();
        let weekly = weekly(rule);
        Event {
            fields: EventFields {
                starts_at,
                ends_at: starts_at + chrono::Duration::hours(1),
                time_zone: tz.name().into(),
                last_starts_at: last_start(&set).unwrap(),
                ..weekly.fields
            },
            ..weekly
        }
    }

    /// The occurrences of `event` overlapping `[from, to)`, replayed from its first one.
    fn replayed(event: &Event, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        series(event)
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|start| start.with_timezone(&Utc))
            .take_while(|start| *start < to)
            .filter(|start| *start + event.duration() > from)
            .collect()
    }

    #[test]
    fn a_window_sees_what_replaying_the_series_from_its_start_sees() {
        use chrono_tz::America::Santiago;
        let cases = [
            (Paris, "2019-04-01 10:00", "FREQ=DAILY"),
            (Paris, "2019-04-01 10:00", "FREQ=DAILY;INTERVAL=3"),
            (Paris, "2019-04-01 10:00", "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"),
            (
                Paris,
                "2019-04-01 10:00",
                "FREQ=DAILY;UNTIL=20261101T000000Z",
            ),
            (Paris, "2019-04-01 10:00", "FREQ=DAILY;COUNT=2750"),
            (Paris, "2019-04-01 10:00", "FREQ=WEEKLY"),
            (
                Paris,
                "2019-04-01 10:00",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
            ),
            (
                Paris,
                "2019-04-01 10:00",
                "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,SU;WKST=SU",
            ),
            (
                Paris,
                "2019-04-07 10:00",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO",
            ),
            (Paris, "2019-04-01 10:00", "FREQ=WEEKLY;BYDAY=MO;COUNT=400"),
            (Paris, "2019-04-01 10:00", "FREQ=MONTHLY"),
            (Paris, "2019-01-31 10:00", "FREQ=MONTHLY"),
            (Paris, "2019-04-30 10:00", "FREQ=MONTHLY;BYMONTHDAY=-1"),
            (
                Paris,
                "2019-04-01 10:00",
                "FREQ=MONTHLY;INTERVAL=5;BYDAY=1MO",
            ),
            (Paris, "2019-04-01 10:00", "FREQ=MONTHLY;BYMONTHDAY=1,15"),
            (
                Paris,
                "2019-04-01 10:00",
                "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1",
            ),
            (Paris, "2019-04-01 10:00", "FREQ=YEARLY"),
            (Paris, "2020-02-29 10:00", "FREQ=YEARLY"),
            (
                Paris,
                "2019-04-01 10:00",
                "FREQ=YEARLY;INTERVAL=2;BYMONTH=4;BYDAY=1MO",
            ),
            (
                Paris,
                "2019-04-01 10:00",
                "FREQ=YEARLY;BYWEEKNO=14;BYDAY=MO",
            ),
            (Paris, "2019-04-01 10:00", "FREQ=YEARLY;BYDAY=MO,FR"),
            (Santiago, "2019-04-01 10:00", "FREQ=DAILY"),
            (Santiago, "2019-04-01 00:30", "FREQ=DAILY;INTERVAL=2"),
        ];
        let windows = [
            ("2026-01-01 00:00", 10),
            ("2026-03-29 00:00", 3),
            ("2026-09-05 00:00", 4),
            ("2026-09-06 08:00", 2),
            ("2026-10-20 12:00", 366),
            ("2027-02-28 00:00", 40),
            ("2019-03-30 00:00", 5),
        ];
        for (tz, start, rule) in cases {
            let event = series_event(tz, start, rule);
            for (from, days) in windows {
                let from = paris(from);
                let to = from + chrono::Duration::days(days);
                let seen: Vec<DateTime<Utc>> = occurrences(&event, &[], from, to)
                    .unwrap()
                    .into_iter()
                    .map(|occurrence| occurrence.original_starts_at)
                    .collect();
                assert_eq!(
                    seen,
                    replayed(&event, from, to),
                    "{rule} from {start}, {from}"
                );
                for original in seen {
                    assert!(has_occurrence_at(&event, original).unwrap(), "{rule}");
                }
                if from.year() >= 2026 {
                    let moved = series_from(&event, from).unwrap().unwrap();
                    assert!(moved.get_dt_start() > &event.starts_at, "{rule} seeks");
                }
            }
        }
    }

    #[test]
    fn a_stored_rule_finer_than_daily_expands_at_most_the_bound_per_query() {
        let event = series_event(Paris, "2026-10-12 10:00", "FREQ=SECONDLY");
        let found = occurrences(
            &event,
            &[],
            paris("2026-10-12 00:00"),
            paris("2026-10-13 00:00"),
        )
        .unwrap();
        assert_eq!(found.len(), MAX_EXPANDED_PER_QUERY);
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
