//! Immediate notification emails: a notification delivered by email gets a job of its own, due
//! at once or when the recipient's do-not-disturb hours end. The job renders the email in the
//! recipient's language as things are when it runs: nothing goes out for a notification read (or
//! emailed) meanwhile, of a kind switched away from email, or about something they may no
//! longer see.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::kinds::{Delivery, NotificationKind};
use super::model::{self, Notification};
use super::text::{self, Fact, Reader};
use super::visibility;
use crate::auth::Viewer;
use crate::email::layout::{self, Branding, Content};
use crate::email::outbox::{self, OutgoingEmail};
use crate::email::unsubscribe::{self, Topic};
use crate::error::ApiResult;
use crate::html::escape;
use crate::jobs::{self, Job};
use crate::services::Services;
use crate::users::User;

/// Headlines name this many of the latest actors ("Anna and Ben", "Anna and 4 others").
const ACTORS_NAMED: usize = 2;

/// Enqueues the email of `notification` for `recipient`, held back by do-not-disturb hours;
/// once per notification, however often it is collapsed into while it waits.
pub async fn schedule(
    conn: &mut AsyncPgConnection,
    services: &Services,
    recipient: &User,
    notification: &Notification,
) -> ApiResult<()> {
    if services.mailer.is_none() || recipient.email.is_none() {
        return Ok(());
    }
    let now = Utc::now();
    let send_at = recipient
        .quiet_hours()
        .and_then(|hours| hours.end_after(now))
        .unwrap_or(now);
    let job = Job::EmailNotification {
        notification_id: notification.id,
    };
    let key = format!("email-notification:{}", notification.id);
    jobs::enqueue_once(conn, &job, send_at, &key).await
}

/// Runs an `EmailNotification` job.
pub async fn send(
    conn: &mut AsyncPgConnection,
    services: &Services,
    notification_id: Uuid,
) -> ApiResult<()> {
    let Some(notification) = model::find(conn, notification_id).await? else {
        return Ok(());
    };
    if notification.read_at.is_some() || notification.emailed_at.is_some() {
        return Ok(());
    }
    let Some(recipient) = crate::users::model::find(conn, notification.recipient_id).await? else {
        return Ok(());
    };
    if !recipient.is_active() || !still_by_email(conn, &notification).await? {
        return Ok(());
    }
    let recipient = visibility::as_viewer(recipient);
    let Some(headline) = describe(conn, &recipient, &notification).await? else {
        return Ok(());
    };
    let email = render(conn, services, &recipient, &notification, &headline).await?;
    if outbox::enqueue(conn, services, &recipient.user, &email, Utc::now())
        .await?
        .is_some()
    {
        model::mark_emailed(conn, &[notification.id]).await?;
    }
    Ok(())
}

/// The email of one notification: its headline, what it quotes (or, for a reminder, when and
/// where the event is), an unsubscribe link for its kind.
async fn render(
    conn: &mut AsyncPgConnection,
    services: &Services,
    recipient: &Viewer,
    notification: &Notification,
    headline: &str,
) -> ApiResult<OutgoingEmail> {
    let topic = Topic::Kind(notification.kind);
    let unsubscribe_url = unsubscribe::link(conn, services, recipient.id(), topic).await?;
    let reader = Reader::of(&recipient.user);
    let (body_html, body_text) = if notification.kind == NotificationKind::EventReminder {
        facts(&text::event_facts(&notification.data, &reader))
    } else {
        let details = details(&notification.data).unwrap_or_default();
        (quote(details), details.to_owned())
    };
    let content = Content {
        language: reader.language,
        heading: headline,
        body_html: &body_html,
        body_text: &body_text,
        unsubscribe_url: Some(&unsubscribe_url),
    };
    framed(conn, services, "notification", headline, &content).await
}

fn quote(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!(
        "<blockquote style=\"margin:0;padding:8px 16px;border-left:4px solid #e4e7eb;white-space:pre-wrap\">{}</blockquote>",
        escape(text)
    )
}

/// Facts as HTML lines (a link where the value is a web address) and as plain-text lines.
fn facts(facts: &[Fact]) -> (String, String) {
    let html = facts
        .iter()
        .map(|fact| {
            let value = escape(&fact.value);
            let value = if fact.link {
                format!("<a href=\"{value}\">{value}</a>")
            } else {
                value
            };
            format!(
                "<p style=\"margin:0 0 8px\"><strong>{}</strong> {value}</p>",
                escape(fact.label)
            )
        })
        .collect();
    let text = facts
        .iter()
        .map(|fact| format!("{} {}", fact.label, fact.value))
        .collect::<Vec<_>>()
        .join("\n");
    (html, text)
}

/// Whether the recipient still wants this kind (from this group) by email: they may have
/// changed their mind while do-not-disturb hours held the email back. Only the group the
/// notification names is asked about (for a post shared to several, the first).
async fn still_by_email(
    conn: &mut AsyncPgConnection,
    notification: &Notification,
) -> ApiResult<bool> {
    let recipient = notification.recipient_id;
    let deliveries = super::preferences::deliveries(
        conn,
        &[recipient],
        notification.kind,
        &Vec::from_iter(notification.group_id),
    )
    .await?;
    Ok(deliveries.get(&recipient) == Some(&Delivery::Email))
}

/// What an email quotes under the headline: a comment's excerpt, an admin message's body.
fn details(data: &serde_json::Value) -> Option<&str> {
    ["excerpt", "body"]
        .into_iter()
        .filter_map(|field| data.get(field).and_then(serde_json::Value::as_str))
        .find(|details| !details.trim().is_empty())
}

/// The headline of `notification` in the recipient's language, naming only actors they may
/// see; `None` when they may no longer see what it is about (deleted, or access lost).
pub(super) async fn describe(
    conn: &mut AsyncPgConnection,
    recipient: &Viewer,
    notification: &Notification,
) -> ApiResult<Option<String>> {
    if let (Some(type_name), Some(id)) = (&notification.subject_type, notification.subject_id)
        && !visibility::can_see_stored(conn, recipient, type_name, id).await?
    {
        return Ok(None);
    }
    let reader = Reader::of(&recipient.user);
    let names = visible_actor_names(conn, recipient, notification).await?;
    let count = notification.actor_count.max(0) as usize;
    let who = text::actors(&names, count, reader.language);
    Ok(Some(text::headline(
        notification.kind,
        &who,
        &notification.data,
        &reader,
    )))
}

/// The names of the latest actors the recipient may see, most recent first.
async fn visible_actor_names(
    conn: &mut AsyncPgConnection,
    recipient: &Viewer,
    notification: &Notification,
) -> ApiResult<Vec<String>> {
    let ids: Vec<Uuid> = notification.actor_ids_in_order().collect();
    let mut people = crate::users::model::find_many(conn, &ids).await?;
    people.sort_by_key(|person| ids.iter().position(|id| *id == person.id));
    let mut names = Vec::with_capacity(ACTORS_NAMED);
    for person in people {
        if names.len() == ACTORS_NAMED {
            break;
        }
        if crate::users::visibility::visible_to(conn, recipient, &person).await? {
            names.push(person.display_name);
        }
    }
    Ok(names)
}

/// `content` framed in the organization's branding, as an email with `subject`.
pub(crate) async fn framed(
    conn: &mut AsyncPgConnection,
    services: &Services,
    purpose: &'static str,
    subject: &str,
    content: &Content<'_>,
) -> ApiResult<OutgoingEmail> {
    let organization = crate::organization::model::get(conn).await?;
    let branding = Branding::of(&organization, services.config.web_app_url());
    Ok(OutgoingEmail {
        purpose,
        subject: subject.to_owned(),
        html: layout::html(&branding, content),
        text: layout::text(&branding, content),
        language: content.language.tag(),
        unsubscribe_url: content.unsubscribe_url.map(str::to_owned),
    })
}
