//! What a reminder says: when its occurrence starts, relative to the reader's now ("starts in
//! 15 minutes", "tomorrow at 10:00"), and the facts its email gives (when, where, the link).

use serde_json::Value;

use super::{Language, Reader, event_zone, instant, text};
use crate::notifications::dates;

/// When a reminded occurrence starts, as the reader sees it now: "starts in 15 minutes",
/// "starts tomorrow at 10:00", "started today at 10:00"; an all-day event by its day where it
/// takes place ("is tomorrow").
pub(super) fn reminder(data: &Value, reader: &Reader) -> String {
    use Language::{English, French};
    let Some(starts_at) = instant(data, "occurrenceStartsAt") else {
        return match reader.language {
            English => "starts soon".to_owned(),
            French => "commence bientôt".to_owned(),
        };
    };
    let all_day = data.get("allDay").and_then(Value::as_bool).unwrap_or(false);
    if all_day {
        let zone = event_zone(data, reader);
        let today = reader.now.with_timezone(&zone).date_naive();
        let day = starts_at.with_timezone(&zone).date_naive();
        let when = dates::relative_day(day, today, reader.language);
        return match (reader.language, day < today) {
            (English, false) => format!("is {when}"),
            (English, true) => format!("was {when}"),
            (French, false) => format!("a lieu {when}"),
            (French, true) => format!("a eu lieu {when}"),
        };
    }
    // To the nearest minute: a reminder sent a second late still "starts now".
    let minutes = ((starts_at - reader.now).num_seconds() + 30).div_euclid(60);
    let local = starts_at.with_timezone(&reader.zone);
    let when = || {
        dates::relative_moment(
            local,
            reader.now.with_timezone(&reader.zone),
            reader.language,
        )
    };
    match (reader.language, minutes) {
        (English, 0) => "starts now".to_owned(),
        (English, 1) => "starts in 1 minute".to_owned(),
        (English, 2..60) => format!("starts in {minutes} minutes"),
        (English, 60..) => format!("starts {}", when()),
        (English, _) => format!("started {}", when()),
        (French, 0) => "commence maintenant".to_owned(),
        (French, 1) => "commence dans 1 minute".to_owned(),
        (French, 2..60) => format!("commence dans {minutes} minutes"),
        (French, 60..) => format!("commence {}", when()),
        (French, _) => format!("a commencé {}", when()),
    }
}

/// The facts a reminder email gives besides its headline: when (in the reader's time zone),
/// where, and the meeting link.
pub fn event_facts(data: &Value, reader: &Reader) -> Vec<Fact> {
    let (when_label, where_label, online_label) = match reader.language {
        Language::English => ("When:", "Where:", "Online:"),
        Language::French => ("Quand :", "Où :", "En ligne :"),
    };
    let mut facts = Vec::new();
    if let Some(starts_at) = instant(data, "occurrenceStartsAt") {
        let all_day = data.get("allDay").and_then(Value::as_bool).unwrap_or(false);
        let value = if all_day {
            let day = starts_at
                .with_timezone(&event_zone(data, reader))
                .date_naive();
            match reader.language {
                Language::English => format!("{} (all day)", dates::date(day, reader.language)),
                Language::French => {
                    format!("{} (toute la journée)", dates::date(day, reader.language))
                }
            }
        } else {
            let starts = starts_at.with_timezone(&reader.zone);
            let mut value = format!(
                "{}, {}",
                dates::date(starts.date_naive(), reader.language),
                dates::time(starts.time(), reader.language)
            );
            if let Some(ends_at) = instant(data, "occurrenceEndsAt") {
                let ends = ends_at.with_timezone(&reader.zone);
                value.push_str(" – ");
                if ends.date_naive() != starts.date_naive() {
                    value.push_str(&dates::date(ends.date_naive(), reader.language));
                    value.push_str(", ");
                }
                value.push_str(&dates::time(ends.time(), reader.language));
            }
            format!("{value} ({})", reader.zone.name())
        };
        facts.push(Fact {
            label: when_label,
            value,
            link: false,
        });
    }
    for (label, field, link) in [
        (where_label, "location", false),
        (online_label, "onlineUrl", true),
    ] {
        let value = text(data, field).trim();
        if !value.is_empty() {
            facts.push(Fact {
                label,
                value: value.to_owned(),
                link,
            });
        }
    }
    facts
}

/// One line of an email's facts: "Where: Room 3".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// With its colon, as the language writes it ("Où :").
    pub label: &'static str,
    pub value: String,
    /// The value is a web address to link to.
    pub link: bool,
}

#[cfg(test)]
mod tests {
    use super::super::tests::reader;
    use super::super::{actors, headline};
    use super::*;
    use crate::notifications::kinds::NotificationKind;

    /// What a reminder of Café (in Paris) starting at `starts_at` says to the reader, in
    /// English then in French.
    fn reminded(data: Value) -> [String; 2] {
        let nobody = actors(&[], 0, Language::English);
        [Language::English, Language::French].map(|language| {
            headline(
                NotificationKind::EventReminder,
                &nobody,
                &data,
                &reader(language),
            )
        })
    }

    fn café_at(starts_at: &str) -> Value {
        serde_json::json!({ "title": "Café", "occurrenceStartsAt": starts_at,
                            "timeZone": "Europe/Paris", "minutesBefore": 1440 })
    }

    #[test]
    fn a_reminder_a_day_ahead_reads_tomorrow_at_its_time() {
        assert_eq!(
            reminded(café_at("2026-12-07T09:00:00Z")),
            [
                "Café starts tomorrow at 10:00",
                "Café commence demain à 10 h 00"
            ]
        );
    }

    #[test]
    fn a_reminder_within_the_hour_reads_in_minutes() {
        assert_eq!(
            reminded(café_at("2026-12-06T08:15:00Z")),
            ["Café starts in 15 minutes", "Café commence dans 15 minutes"]
        );
        assert_eq!(
            reminded(café_at("2026-12-06T08:01:10Z")),
            ["Café starts in 1 minute", "Café commence dans 1 minute"]
        );
        assert_eq!(
            reminded(café_at("2026-12-06T07:59:50Z")),
            ["Café starts now", "Café commence maintenant"]
        );
    }

    #[test]
    fn a_reminder_further_ahead_reads_its_day_and_time() {
        assert_eq!(
            reminded(café_at("2026-12-06T13:30:00Z")),
            [
                "Café starts today at 14:30",
                "Café commence aujourd’hui à 14 h 30"
            ]
        );
        assert_eq!(
            reminded(café_at("2026-12-09T08:00:00Z")),
            [
                "Café starts on Wednesday at 09:00",
                "Café commence mercredi à 9 h 00"
            ]
        );
    }

    #[test]
    fn a_reminder_read_after_the_start_reads_in_the_past() {
        assert_eq!(
            reminded(café_at("2026-12-06T07:00:00Z")),
            [
                "Café started today at 08:00",
                "Café a commencé aujourd’hui à 8 h 00"
            ]
        );
    }

    #[test]
    fn a_reminder_of_an_all_day_event_reads_its_day_where_it_takes_place() {
        let mut data = café_at("2026-12-06T23:00:00Z");
        data["allDay"] = Value::Bool(true);
        assert_eq!(reminded(data), ["Café is tomorrow", "Café a lieu demain"]);
    }

    #[test]
    fn a_reminder_gives_when_in_the_readers_time_zone_where_and_the_meeting_link() {
        let data = serde_json::json!({ "title": "Café", "timeZone": "Europe/Paris",
            "occurrenceStartsAt": "2026-12-07T09:00:00Z", "occurrenceEndsAt": "2026-12-07T10:30:00Z",
            "location": "Salle Verte", "onlineUrl": "https://meet.example.com/cafe" });
        let fact = |label, value: &str, link| Fact {
            label,
            value: value.to_owned(),
            link,
        };
        assert_eq!(
            event_facts(&data, &reader(Language::French)),
            [
                fact(
                    "Quand :",
                    "lundi 7 décembre 2026, 10 h 00 – 11 h 30 (Europe/Paris)",
                    false
                ),
                fact("Où :", "Salle Verte", false),
                fact("En ligne :", "https://meet.example.com/cafe", true),
            ]
        );
        let in_london = Reader {
            zone: chrono_tz::Europe::London,
            ..reader(Language::English)
        };
        assert_eq!(
            event_facts(&data, &in_london)[0],
            fact(
                "When:",
                "Monday 7 December 2026, 09:00 – 10:30 (Europe/London)",
                false
            )
        );
    }
}
