//! The outbox: emails rendered and stored in the caller's transaction, sent by jobs.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use uuid::Uuid;

use crate::db::schema::outgoing_emails;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, Job};
use crate::services::Services;
use crate::users::User;

/// One email to one person, rendered (HTML and plain text, same content).
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    /// What it is for: `notification`, `digest`, `newsletter`...
    pub purpose: &'static str,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// BCP 47 tag of the language it is written in.
    pub language: &'static str,
    /// The one-click unsubscribe URL (RFC 8058), also linked from the body.
    pub unsubscribe_url: Option<String>,
}

/// Who an email goes to: a person with an account, or only an address (an invitation).
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub user_id: Option<Uuid>,
    pub name: Option<&'a str>,
    pub address: &'a str,
}

/// Stores `email` for `recipient` and enqueues its sending at `send_at`, in the caller's
/// transaction; does nothing (and returns `None`) when no SMTP server is configured or the
/// person has no address.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    services: &Services,
    recipient: &User,
    email: &OutgoingEmail,
    send_at: DateTime<Utc>,
) -> ApiResult<Option<Uuid>> {
    let Some(address) = &recipient.email else {
        return Ok(None);
    };
    let recipient = Recipient {
        user_id: Some(recipient.id),
        name: Some(&recipient.display_name),
        address,
    };
    enqueue_to(conn, services, recipient, email, send_at).await
}

/// Stores `email` for `recipient` and enqueues its sending at `send_at`, in the caller's
/// transaction; does nothing (and returns `None`) when no SMTP server is configured.
pub async fn enqueue_to(
    conn: &mut AsyncPgConnection,
    services: &Services,
    recipient: Recipient<'_>,
    email: &OutgoingEmail,
    send_at: DateTime<Utc>,
) -> ApiResult<Option<Uuid>> {
    let Some(mailer) = &services.mailer else {
        return Ok(None);
    };
    let id = Uuid::now_v7();
    let message = format(id, &mailer.from, recipient, email)?;
    diesel::insert_into(outgoing_emails::table)
        .values((
            outgoing_emails::id.eq(id),
            outgoing_emails::recipient_id.eq(recipient.user_id),
            outgoing_emails::to_address.eq(recipient.address),
            outgoing_emails::purpose.eq(email.purpose),
            outgoing_emails::subject.eq(&email.subject),
            outgoing_emails::message.eq(message),
        ))
        .execute(conn)
        .await?;
    jobs::enqueue(conn, &Job::SendEmail { email_id: id }, send_at).await?;
    Ok(Some(id))
}

/// The exact MIME message: its Message-ID comes from the outbox row, so a receiving server can
/// tell a retry from a new email.
fn format(
    id: Uuid,
    from: &Mailbox,
    recipient: Recipient<'_>,
    email: &OutgoingEmail,
) -> ApiResult<Vec<u8>> {
    let to = Mailbox::new(
        recipient.name.map(str::to_owned),
        recipient.address.parse().map_err(ApiError::internal)?,
    );
    let domain = from.email.domain();
    let mut message = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&email.subject)
        .message_id(Some(format!("<{id}@{domain}>")))
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(ApiError::internal)?;
    let headers = message.headers_mut();
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("Content-Language"),
        email.language.to_owned(),
    ));
    if let Some(url) = &email.unsubscribe_url {
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{url}>"),
        ));
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ));
    }
    Ok(message.formatted())
}

/// Runs a send job: hands the stored message to the SMTP server unless it was sent already.
/// An error (server down, refused) fails the job, which the queue retries with backoff.
pub async fn send(conn: &mut AsyncPgConnection, services: &Services, id: Uuid) -> ApiResult<()> {
    let row: Option<(String, Vec<u8>, Option<DateTime<Utc>>)> = outgoing_emails::table
        .find(id)
        .select((
            outgoing_emails::to_address,
            outgoing_emails::message,
            outgoing_emails::sent_at,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let Some((to, message, None)) = row else {
        return Ok(());
    };
    let mailer = services
        .mailer
        .as_ref()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no SMTP server is configured")))?;
    mailer
        .send(&to, &message)
        .await
        .map_err(ApiError::internal)?;
    diesel::update(outgoing_emails::table.find(id))
        .set(outgoing_emails::sent_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(())
}
