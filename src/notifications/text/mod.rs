//! What a notification says, in the recipient's language (French or English): the same words
//! in the app, in emails and in digests.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

mod headlines;
mod reminders;

pub use headlines::headline;
pub use reminders::{Fact, event_facts};

/// The languages notifications are written in; anything else reads English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    French,
}

impl Language {
    /// From a BCP 47 tag such as `fr-CA` or `en`.
    pub fn of(locale: &str) -> Self {
        let primary = locale.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") {
            Self::French
        } else {
            Self::English
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::French => "fr",
        }
    }
}

/// Who did it, as a headline names them: "Anna", "Anna and Ben", "Anna and 4 others", and
/// whether they are several (the verb agrees: « Anna et Ben ont commenté »).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actors {
    pub names: String,
    pub several: bool,
}

impl std::fmt::Display for Actors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.names)
    }
}

/// Who did it, from the `names` the reader may see (most recent first) of `count` people in all;
/// those they may not see are counted, not named.
pub fn actors(names: &[String], count: usize, language: Language) -> Actors {
    let (and, other, others, people) = match language {
        Language::English => ("and", "other", "others", "people"),
        Language::French => ("et", "autre personne", "autres personnes", "personnes"),
    };
    let names = match (names, count) {
        ([], 0 | 1) => match language {
            Language::English => "Someone".to_owned(),
            Language::French => "Quelqu’un".to_owned(),
        },
        ([], _) => format!("{count} {people}"),
        ([one], _) if count <= 1 => one.clone(),
        ([first, second, ..], 2) => format!("{first} {and} {second}"),
        ([first, ..], _) => {
            let rest = count.saturating_sub(1).max(1);
            format!(
                "{first} {and} {rest} {}",
                if rest == 1 { other } else { others }
            )
        }
    };
    Actors {
        names,
        several: count > 1,
    }
}

/// Who reads a notification, and when: its dates and times are written for them, in their
/// language and time zone, relative to now ("tomorrow at 10:00").
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub language: Language,
    pub zone: Tz,
    pub now: DateTime<Utc>,
}

impl Reader {
    /// `user` reading now.
    pub fn of(user: &crate::users::User) -> Self {
        Self {
            language: Language::of(&user.locale),
            zone: user.time_zone.parse().unwrap_or(chrono_tz::UTC),
            now: Utc::now(),
        }
    }
}

fn text<'a>(data: &'a Value, field: &str) -> &'a str {
    data.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn instant(data: &Value, field: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text(data, field))
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// The event's time zone as the notification recorded it, else the reader's.
fn event_zone(data: &Value, reader: &Reader) -> Tz {
    text(data, "timeZone").parse().unwrap_or(reader.zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader in Paris on Sunday 6 December 2026 at 09:00 (08:00 UTC).
    pub(super) fn reader(language: Language) -> Reader {
        Reader {
            language,
            zone: chrono_tz::Europe::Paris,
            now: "2026-12-06T08:00:00Z".parse().expect("an instant"),
        }
    }

    pub(super) fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn many_actors_read_as_the_latest_and_a_count() {
        let said = |list: &[&str], count, language| actors(&names(list), count, language).names;
        assert_eq!(
            said(&["Anna", "Ben"], 5, Language::English),
            "Anna and 4 others"
        );
        assert_eq!(
            said(&["Anna", "Ben"], 5, Language::French),
            "Anna et 4 autres personnes"
        );
        assert_eq!(said(&["Anna", "Ben"], 2, Language::English), "Anna and Ben");
        assert_eq!(said(&["Anna"], 1, Language::French), "Anna");
    }

    #[test]
    fn french_locales_read_french_and_others_english() {
        assert_eq!(Language::of("fr-CA"), Language::French);
        assert_eq!(Language::of("de"), Language::English);
    }
}
