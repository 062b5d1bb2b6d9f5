//! Days and times as notifications write them, in English or French: "Tuesday 12 January 2027",
//! « mardi 12 janvier 2027 », "10:00", « 10 h 00 », and relative to today ("tomorrow at 10:00").

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Timelike};

use super::text::Language;

const ENGLISH_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const FRENCH_DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const FRENCH_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn weekday(day: NaiveDate, language: Language) -> &'static str {
    let index = day.weekday().num_days_from_monday() as usize;
    match language {
        Language::English => ENGLISH_DAYS[index],
        Language::French => FRENCH_DAYS[index],
    }
}

/// "Tuesday 12 January 2027", « mardi 1er juin 2027 ».
pub fn date(day: NaiveDate, language: Language) -> String {
    let month = day.month0() as usize;
    match language {
        Language::English => format!(
            "{} {} {} {}",
            weekday(day, language),
            day.day(),
            ENGLISH_MONTHS[month],
            day.year()
        ),
        Language::French => {
            let number = match day.day() {
                1 => "1er".to_owned(),
                other => other.to_string(),
            };
            format!(
                "{} {number} {} {}",
                weekday(day, language),
                FRENCH_MONTHS[month],
                day.year()
            )
        }
    }
}

/// "09:05", « 9 h 05 ».
pub fn time(at: NaiveTime, language: Language) -> String {
    match language {
        Language::English => format!("{:02}:{:02}", at.hour(), at.minute()),
        Language::French => format!("{} h {:02}", at.hour(), at.minute()),
    }
}

/// `day` seen from `today`: "today", "tomorrow", "yesterday", "on Friday" within the coming
/// week, else "on Tuesday 12 January 2027" (« aujourd’hui », « demain », « hier », « vendredi »,
/// « le mardi 12 janvier 2027 »).
pub fn relative_day(day: NaiveDate, today: NaiveDate, language: Language) -> String {
    let days = (day - today).num_days();
    match (language, days) {
        (Language::English, 0) => "today".to_owned(),
        (Language::English, 1) => "tomorrow".to_owned(),
        (Language::English, -1) => "yesterday".to_owned(),
        (Language::English, 2..=6) => format!("on {}", weekday(day, language)),
        (Language::English, _) => format!("on {}", date(day, language)),
        (Language::French, 0) => "aujourd’hui".to_owned(),
        (Language::French, 1) => "demain".to_owned(),
        (Language::French, -1) => "hier".to_owned(),
        (Language::French, 2..=6) => weekday(day, language).to_owned(),
        (Language::French, _) => format!("le {}", date(day, language)),
    }
}

/// `at` seen from `now` (both in the reader's time zone): "tomorrow at 10:00", « demain à 10 h 00 ».
pub fn relative_moment<Z: TimeZone>(
    at: DateTime<Z>,
    now: DateTime<Z>,
    language: Language,
) -> String {
    let day = relative_day(at.date_naive(), now.date_naive(), language);
    let time = time(at.time(), language);
    match language {
        Language::English => format!("{day} at {time}"),
        Language::French => format!("{day} à {time}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn dates_read_with_their_weekday_in_each_language() {
        assert_eq!(
            date(day(2027, 1, 12), Language::English),
            "Tuesday 12 January 2027"
        );
        assert_eq!(
            date(day(2027, 1, 12), Language::French),
            "mardi 12 janvier 2027"
        );
        assert_eq!(
            date(day(2027, 6, 1), Language::French),
            "mardi 1er juin 2027"
        );
    }

    #[test]
    fn times_read_as_each_language_writes_them() {
        let at = NaiveTime::from_hms_opt(9, 5, 0).expect("a time");
        assert_eq!(time(at, Language::English), "09:05");
        assert_eq!(time(at, Language::French), "9 h 05");
    }

    #[test]
    fn days_near_today_read_relative_to_it() {
        let today = day(2026, 12, 6);
        let said = |d: NaiveDate, language| relative_day(d, today, language);
        assert_eq!(said(today, Language::English), "today");
        assert_eq!(said(day(2026, 12, 7), Language::English), "tomorrow");
        assert_eq!(said(day(2026, 12, 5), Language::French), "hier");
        assert_eq!(said(day(2026, 12, 11), Language::English), "on Friday");
        assert_eq!(said(day(2026, 12, 11), Language::French), "vendredi");
        assert_eq!(
            said(day(2026, 12, 13), Language::French),
            "le dimanche 13 décembre 2026"
        );
        assert_eq!(
            said(day(2026, 11, 30), Language::English),
            "on Monday 30 November 2026"
        );
    }
}
