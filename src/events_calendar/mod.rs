//! Events and the calendar: events in groups or organization-wide, recurring series, RSVPs with
//! a waitlist, reminders, and iCalendar files and feeds.

pub mod access;
pub mod attendees;
pub mod demo;
pub mod draft;
pub mod feeds;
pub mod graphql;
pub mod http;
pub mod ics;
pub mod loaders;
pub mod loading;
pub mod model;
pub mod mutations;
pub mod recurrence;
pub mod reminders;
pub mod rsvp;
pub mod service;
pub mod vtimezone;
