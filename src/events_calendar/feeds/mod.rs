//! Calendar files: the personal subscription feed (`/calendar/feed/{token}.ics`, the secret in
//! the URL, stored hashed and revocable) and one event's file; the routes serving them are in
//! `events_calendar::http`.

pub mod graphql;
pub mod model;
pub mod service;

/// The GraphQL type of a feed: global ids and NOT_FOUND errors name it.
pub const TYPE_NAME: &str = "CalendarFeed";

/// Spreadsheets run cells starting with `=`, `+`, `-` or `@` as formulas: quote them as text.
pub(crate) fn csv_safe(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}
