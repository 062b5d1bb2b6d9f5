//! Sending a newsletter (a job, after `sendNewsletter`) and the click-tracking redirect.
//!
//! The job gives each person of the audience a recipient row with a random secret (only its
//! hash is stored), renders their copy with every link pointing at
//! `/newsletters/click/<secret>.<link id>`, and puts it in the outbox. Recipient rows are unique
//! per newsletter and person, so a job that runs again skips those it already sent to.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::copy::{self, Sources};
use super::model;
use crate::auth::secrets;
use crate::email::layout::Branding;
use crate::email::unsubscribe::{self, Topic};
use crate::email::{OutgoingEmail, outbox};
use crate::error::ApiResult;
use crate::html;
use crate::notifications::visibility;
use crate::services::Services;

/// Runs the sending job of a newsletter marked sent.
pub async fn run(
    conn: &mut AsyncPgConnection,
    services: &Services,
    newsletter_id: Uuid,
) -> ApiResult<()> {
    let Some(newsletter) = model::find(conn, newsletter_id).await? else {
        return Ok(());
    };
    if !newsletter.is_sent() {
        return Ok(());
    }
    let public_url = &services.config.public_url;
    let organization = crate::organization::model::get(conn).await?;
    let branding = Branding::of(&organization, services.config.web_app_url());
    let sources = Sources::load(conn, &newsletter).await?;
    let links = model::links(
        conn,
        newsletter.id,
        &sources.targets(&newsletter, &branding.app_url),
    )
    .await?;
    for person in model::audience(conn, &newsletter).await? {
        let secret = secrets::generate("pvn_");
        let Some(recipient) =
            model::add_recipient(conn, newsletter.id, person.id, &secrets::hash(&secret)).await?
        else {
            continue;
        };
        let tracked = |url: &str| match links.get(url) {
            Some(link) => format!("{public_url}/newsletters/click/{secret}.{}", link.simple()),
            None => url.to_owned(),
        };
        let unsubscribe_url =
            unsubscribe::link(conn, services, person.id, Topic::Newsletter).await?;
        let reader = visibility::as_viewer(person);
        let copy = copy::for_reader(
            conn,
            &branding,
            &newsletter,
            &sources,
            &reader,
            &tracked,
            Some(&unsubscribe_url),
        )
        .await?;
        let email = OutgoingEmail {
            purpose: "newsletter",
            subject: copy.subject,
            html: copy.html,
            text: copy.text,
            language: copy.language.tag(),
            unsubscribe_url: Some(unsubscribe_url),
        };
        if let Some(email_id) =
            outbox::enqueue(conn, services, &reader.user, &email, Utc::now()).await?
        {
            model::set_recipient_email(conn, recipient, email_id).await?;
        }
    }
    Ok(())
}

/// `GET /newsletters/click/{token}`: records the click and answers 303 to the link's target,
/// which is always one stored for the recipient's newsletter; anything else is 404.
pub async fn click(State(services): State<Arc<Services>>, Path(token): Path<String>) -> Response {
    let target = async {
        let Some((secret, link)) = token.rsplit_once('.') else {
            return Ok(None);
        };
        let Ok(link) = Uuid::try_parse(link) else {
            return Ok(None);
        };
        let mut conn = services.pool.get().await?;
        model::click(&mut conn, &secrets::hash(secret), link).await
    }
    .await;
    match target {
        Ok(Some(url)) => Redirect::to(&url).into_response(),
        Ok(None) => html::page(
            StatusCode::NOT_FOUND,
            html::branding(&services).await.as_ref(),
            "<p>This link does not work.</p>",
        ),
        Err(_) => html::page(
            StatusCode::SERVICE_UNAVAILABLE,
            html::branding(&services).await.as_ref(),
            "<p>Something went wrong; try again later.</p>",
        ),
    }
}
