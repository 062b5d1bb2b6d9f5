//! Digest emails: one summary of what a person missed while away, sent at 8 in the morning in
//! their time zone, daily or on Mondays as they chose. A job runs at the start of every hour (each
//! run schedules the next; housekeeping restarts the chain if an instance stopped mid-way) and
//! finds everyone due in one query, so most runs cost that one query.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::email::{describe, framed};
use super::model::{self, Notification};
use super::text::Language;
use super::visibility;
use crate::auth::Viewer;
use crate::db::schema::users;
use crate::email::layout::Content;
use crate::email::outbox;
use crate::email::unsubscribe::{self, Topic};
use crate::error::ApiResult;
use crate::html::escape;
use crate::jobs::{self, Job};
use crate::services::Services;

/// A digest lists this many notifications, then says how many more there are.
const SHOWN: usize = 20;

const HOUR_SECONDS: i64 = 3600;

/// Schedules the run at the start of the hour after `now` (once, whoever asks).
pub async fn schedule(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> ApiResult<()> {
    let (slot, run_at) = jobs::next_boundary(now, HOUR_SECONDS);
    let key = format!("send-digests:{slot}");
    jobs::enqueue_once(conn, &Job::SendDigests, run_at, &key).await
}

/// Runs a `SendDigests` job: a digest to everyone due, then the next hour's run.
pub async fn run(conn: &mut AsyncPgConnection, services: &Services) -> ApiResult<()> {
    // Without SMTP nothing is sent, and the notifications stay pending for when it comes.
    if services.mailer.is_some() {
        let due = due_people(conn).await?;
        for person in crate::users::model::find_many(conn, &due).await? {
            send_one(conn, services, visibility::as_viewer(person)).await?;
        }
    }
    schedule(conn, Utc::now()).await
}

/// Who gets a digest now: active people with an address and something pending, for whom it is
/// the 8 o'clock hour (of a Monday, for weekly digests), who were away — no session seen and no
/// access token used — since the last day (week), and whose last digest is old enough that a
/// run retried within the hour, or a clock change, sends no second one.
async fn due_people(conn: &mut AsyncPgConnection) -> ApiResult<Vec<Uuid>> {
    #[derive(diesel::QueryableByName)]
    struct Due {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let due: Vec<Due> = diesel::sql_query(
        // Time zone names PostgreSQL does not know (validated against chrono-tz) are left out
        // rather than failing every run.
        "WITH candidates AS (
             SELECT u.id, u.last_digest_at,
                    CASE u.digest_frequency WHEN 'weekly' THEN interval '7 days'
                                            ELSE interval '1 day' END AS away,
                    CASE u.digest_frequency WHEN 'weekly' THEN interval '6 days'
                                            ELSE interval '20 hours' END AS gap
             FROM users u
             WHERE u.status = 'active' AND u.email IS NOT NULL
               AND u.digest_frequency IN ('daily', 'weekly')
               AND u.time_zone IN (SELECT name FROM pg_timezone_names)
               AND extract(hour FROM now() AT TIME ZONE u.time_zone) = 8
               AND (u.digest_frequency = 'daily'
                    OR extract(isodow FROM now() AT TIME ZONE u.time_zone) = 1))
         SELECT c.id FROM candidates c
         WHERE (c.last_digest_at IS NULL OR c.last_digest_at < now() - c.gap)
           AND EXISTS (SELECT 1 FROM notifications n
                       WHERE n.recipient_id = c.id AND n.delivery = 'digest'
                         AND n.emailed_at IS NULL AND n.read_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM sessions s
                           WHERE s.user_id = c.id AND s.last_seen_at > now() - c.away)
           AND NOT EXISTS (SELECT 1 FROM personal_access_tokens t
                           WHERE t.user_id = c.id AND t.last_used_at > now() - c.away)",
    )
    .load(conn)
    .await?;
    Ok(due.into_iter().map(|row| row.id).collect())
}

/// Emails `person` their digest and marks what it told of.
async fn send_one(
    conn: &mut AsyncPgConnection,
    services: &Services,
    person: Viewer,
) -> ApiResult<()> {
    let pending = model::pending_digest(conn, person.id()).await?;
    let (headlines, more) = headlines(conn, &person, &pending).await?;
    let ids: Vec<Uuid> = pending.iter().map(|notification| notification.id).collect();
    // What the person may no longer see is never told of; it is marked like the rest so the
    // next digest does not look at it again.
    if !headlines.is_empty() {
        let language = Language::of(&person.user.locale);
        let unsubscribe_url = unsubscribe::link(conn, services, person.id(), Topic::Digest).await?;
        let heading = heading(headlines.len() + more, language);
        let (body_html, body_text) = bodies(&headlines, more, language);
        let content = Content {
            language,
            heading: &heading,
            body_html: &body_html,
            body_text: &body_text,
            unsubscribe_url: Some(&unsubscribe_url),
        };
        let email = framed(conn, services, "digest", &heading, &content).await?;
        outbox::enqueue(conn, services, &person.user, &email, Utc::now()).await?;
        mark_sent(conn, person.id()).await?;
    }
    model::mark_emailed(conn, &ids).await
}

/// The headlines of the first `SHOWN` notifications the person may still see, and how many
/// others were not looked at.
async fn headlines(
    conn: &mut AsyncPgConnection,
    person: &Viewer,
    pending: &[Notification],
) -> ApiResult<(Vec<String>, usize)> {
    let mut headlines = Vec::with_capacity(SHOWN);
    let mut looked_at = 0;
    for notification in pending {
        if headlines.len() == SHOWN {
            break;
        }
        looked_at += 1;
        if let Some(headline) = describe(conn, person, notification).await? {
            headlines.push(headline);
        }
    }
    Ok((headlines, pending.len() - looked_at))
}

fn heading(count: usize, language: Language) -> String {
    let plural = if count == 1 { "" } else { "s" };
    match language {
        Language::English => format!("{count} notification{plural} while you were away"),
        Language::French => format!("{count} notification{plural} pendant votre absence"),
    }
}

/// The list as HTML (escaped) and as plain text.
fn bodies(headlines: &[String], more: usize, language: Language) -> (String, String) {
    let items: String = headlines
        .iter()
        .map(|headline| format!("<li style=\"margin:0 0 8px\">{}</li>", escape(headline)))
        .collect();
    let mut html = format!("<ul style=\"margin:0;padding-left:20px\">{items}</ul>");
    let mut text: String = headlines
        .iter()
        .map(|headline| format!("- {headline}\n"))
        .collect();
    if more > 0 {
        let more = match language {
            Language::English => format!("and {more} more"),
            Language::French => format!("et {more} de plus"),
        };
        html.push_str(&format!("<p style=\"margin:8px 0 0\">{more}</p>"));
        text.push_str(&more);
    }
    (html, text.trim_end().to_owned())
}

async fn mark_sent(conn: &mut AsyncPgConnection, user: Uuid) -> ApiResult<()> {
    diesel::update(users::table.find(user))
        .set(users::last_digest_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}
