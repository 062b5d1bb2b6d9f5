//! The demo organization's events: weekly team meetings, a webinar with an online link, and an
//! on-site workshop whose seats ran out (a waitlist).

use chrono::{Datelike, Duration, NaiveTime, Utc};
use chrono_tz::Europe::Paris;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{self, AttendanceStatus, EventFields};
use super::{recurrence, reminders, rsvp};
use crate::db::schema::events;
use crate::error::ApiResult;
use crate::groups::model as groups;

struct DemoEvent {
    title: &'static str,
    description: &'static str,
    /// Days from the coming Monday, and the local start time.
    day: i64,
    hour: u32,
    minutes: i64,
    recurrence: Option<&'static str>,
    location: Option<&'static str>,
    online_url: Option<&'static str>,
    capacity: Option<i32>,
    /// The group (by slug); organization-wide without one.
    group: Option<&'static str>,
    /// How many of the group's members (or of everyone) answer GOING.
    going: usize,
}

const EVENTS: &[DemoEvent] = &[
    DemoEvent {
        title: "Point hebdo Engineering",
        description: "Le point de la semaine : démos, blocages, priorités. *Weekly engineering sync.*",
        day: 0,
        hour: 10,
        minutes: 30,
        recurrence: Some("FREQ=WEEKLY;BYDAY=MO"),
        location: None,
        online_url: Some("https://meet.google.com/abc-defg-hij"),
        capacity: None,
        group: Some("engineering-guild"),
        going: 6,
    },
    DemoEvent {
        title: "Café du jeudi au site de Paris",
        description: "Les nouvelles du site autour d'un café. *Thursday coffee at the Paris office.*",
        day: 3,
        hour: 9,
        minutes: 30,
        recurrence: Some("FREQ=WEEKLY;BYDAY=TH"),
        location: Some("Paris — salle Eiffel"),
        online_url: None,
        capacity: None,
        group: Some("site-de-paris"),
        going: 4,
    },
    DemoEvent {
        title: "Sortie running du mercredi",
        description: "8 km le long des quais, tous niveaux. *Wednesday run, all paces welcome.*",
        day: 2,
        hour: 18,
        minutes: 60,
        recurrence: Some("FREQ=WEEKLY;BYDAY=WE"),
        location: Some("Paris — devant l'accueil"),
        online_url: None,
        capacity: None,
        group: Some("club-de-course-a-pied"),
        going: 5,
    },
    DemoEvent {
        title: "Webinar : bien démarrer avec Parvis",
        description: "45 minutes pour découvrir le fil d'actualité, les groupes et l'agenda. Questions bienvenues ! *Getting started with the intranet.*",
        day: 8,
        hour: 14,
        minutes: 45,
        recurrence: None,
        location: None,
        online_url: Some("https://zoom.us/j/9876543210"),
        capacity: None,
        group: None,
        going: 18,
    },
    DemoEvent {
        title: "Atelier cuisine au site de Lyon",
        description: "Un atelier pour cuisiner ensemble une quiche lorraine. Places limitées : inscrivez-vous, une liste d'attente prend le relais. *Cooking workshop, limited seats.*",
        day: 10,
        hour: 12,
        minutes: 90,
        recurrence: None,
        location: Some("Lyon — cuisine du 3e étage"),
        online_url: None,
        capacity: Some(8),
        group: None,
        going: 12,
    },
];

/// Adds the demo events when there are none yet; returns how many were created.
pub async fn seed(conn: &mut AsyncPgConnection, people: &[Uuid]) -> ApiResult<usize> {
    let existing: i64 = events::table.count().get_result(conn).await?;
    if existing > 0 || people.is_empty() {
        return Ok(0);
    }
    let today = Utc::now().with_timezone(&Paris).date_naive();
    let monday = today + Duration::days(i64::from(7 - today.weekday().num_days_from_monday()));
    let mut created = 0;
    for demo in EVENTS {
        let group = match demo.group {
            Some(slug) => groups::find_by_slug(conn, slug).await?,
            None => None,
        };
        let attendees: Vec<Uuid> = match &group {
            Some(group) => groups::member_ids(conn, group.id)
                .await?
                .into_iter()
                .map(|(id, _)| id)
                .collect(),
            None => people.to_vec(),
        };
        let Some(&organizer) = attendees.as_slice().first() else {
            continue;
        };
        let day = monday + Duration::days(demo.day);
        let Some(starts_at) = recurrence::local_instant(
            Paris,
            day.and_time(NaiveTime::from_hms_opt(demo.hour, 0, 0).unwrap_or(NaiveTime::MIN)),
        ) else {
            continue;
        };
        let fields = EventFields {
            title: demo.title.into(),
            description: demo.description.into(),
            starts_at,
            ends_at: starts_at + Duration::minutes(demo.minutes),
            time_zone: "Europe/Paris".into(),
            all_day: false,
            location: demo.location.map(Into::into),
            online_url: demo.online_url.map(Into::into),
            online_provider: demo
                .online_url
                .and_then(|url| url::Url::parse(url).ok())
                .and_then(|url| super::draft::meeting_provider(&url))
                .map(Into::into),
            cover_attachment_id: None,
            capacity: demo.capacity,
            recurrence: demo.recurrence.map(Into::into),
            last_starts_at: demo.recurrence.is_none().then_some(starts_at),
            reminder_minutes: vec![Some(1440), Some(15)],
        };
        let event = model::insert(
            conn,
            Uuid::now_v7(),
            group.as_ref().map(|group| group.id),
            organizer,
            &fields,
        )
        .await?;
        model::set_organizers(conn, event.id, &[organizer]).await?;
        for attendee in attendees.iter().take(demo.going) {
            rsvp::answer(conn, event.id, *attendee, AttendanceStatus::Going).await?;
        }
        reminders::schedule(conn, &event).await?;
        created += 1;
    }
    Ok(created)
}
