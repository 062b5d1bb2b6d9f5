//! Unsubscribe links that work without signing in: each email carries a random token for one
//! topic (a notification kind, the digest, newsletters). `GET /email/unsubscribe/{token}` shows
//! a confirmation button (link scanners only GET); `POST` — the button, or a mail client's
//! one-click unsubscribe (RFC 8058) — applies it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::secrets;
use crate::db::schema::{unsubscribe_tokens, users};
use crate::error::ApiResult;
use crate::html::{self, escape};
use crate::notifications::preferences;
use crate::notifications::text::Language;
use crate::notifications::{Delivery, NotificationKind};
use crate::services::Services;
use crate::users::model::DigestFrequency;

/// What a person can unsubscribe from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// Emails of one kind of notification (the kind stays in the services).
    Kind(NotificationKind),
    Digest,
    Newsletter,
}

impl Topic {
    fn stored(self) -> &'static str {
        match self {
            Self::Kind(kind) => kind.as_db(),
            Self::Digest => "digest",
            Self::Newsletter => "newsletter",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "digest" => Some(Self::Digest),
            "newsletter" => Some(Self::Newsletter),
            other => NotificationKind::parse(other).map(Self::Kind),
        }
    }
}

/// A new unsubscribe link for `user` and `topic`, in the caller's transaction.
pub async fn link(
    conn: &mut AsyncPgConnection,
    services: &Services,
    user: Uuid,
    topic: Topic,
) -> ApiResult<String> {
    let token = secrets::generate("pvu_");
    diesel::insert_into(unsubscribe_tokens::table)
        .values((
            unsubscribe_tokens::token_hash.eq(secrets::hash(&token)),
            unsubscribe_tokens::user_id.eq(user),
            unsubscribe_tokens::topic.eq(topic.stored()),
        ))
        .execute(conn)
        .await?;
    Ok(format!(
        "{}/email/unsubscribe/{token}",
        services.config.public_url
    ))
}

/// Retires every unsubscribe link of a person (deactivation): links in old emails stop working.
pub async fn forget_links_of(conn: &mut AsyncPgConnection, user: Uuid) -> ApiResult<()> {
    diesel::delete(unsubscribe_tokens::table.filter(unsubscribe_tokens::user_id.eq(user)))
        .execute(conn)
        .await?;
    Ok(())
}

async fn find(
    conn: &mut AsyncPgConnection,
    token: &str,
) -> ApiResult<Option<(Uuid, Topic, String)>> {
    let row: Option<(Uuid, String, String)> = unsubscribe_tokens::table
        .inner_join(users::table)
        .filter(unsubscribe_tokens::token_hash.eq(secrets::hash(token)))
        .select((
            unsubscribe_tokens::user_id,
            unsubscribe_tokens::topic,
            users::locale,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.and_then(|(user, topic, locale)| Some((user, Topic::parse(&topic)?, locale))))
}

/// Stops the emails of `topic` for `user`.
pub async fn apply(conn: &mut AsyncPgConnection, user: Uuid, topic: Topic) -> ApiResult<()> {
    match topic {
        Topic::Kind(kind) => {
            preferences::set_own_choice(conn, user, kind, Some(Delivery::InApp)).await
        }
        Topic::Digest => preferences::set_personal(conn, user, None, Some(DigestFrequency::Never))
            .await
            .map(drop),
        Topic::Newsletter => {
            diesel::update(users::table.find(user))
                .set(users::receives_newsletters.eq(false))
                .execute(conn)
                .await?;
            Ok(())
        }
    }
}

fn topic_name(topic: Topic, language: Language) -> String {
    match (topic, language) {
        (Topic::Digest, Language::English) => "digest emails".to_owned(),
        (Topic::Digest, Language::French) => "les e-mails de résumé".to_owned(),
        (Topic::Newsletter, Language::English) => "newsletters".to_owned(),
        (Topic::Newsletter, Language::French) => "les newsletters".to_owned(),
        (Topic::Kind(kind), Language::English) => {
            format!("emails about “{}”", kind.as_db().replace('_', " "))
        }
        (Topic::Kind(kind), Language::French) => {
            format!("les e-mails « {} »", kind.as_db().replace('_', " "))
        }
    }
}

pub async fn page(State(services): State<Arc<Services>>, Path(token): Path<String>) -> Response {
    let found = async {
        let mut conn = services.pool.get().await?;
        find(&mut conn, &token).await
    }
    .await;
    let brand = html::branding(&services).await;
    let Ok(Some((_, topic, locale))) = found else {
        return html::page(
            StatusCode::NOT_FOUND,
            brand.as_ref(),
            "<p>This link does not work.</p>",
        );
    };
    let language = Language::of(&locale);
    let (question, button) = match language {
        Language::English => ("Stop receiving", "Unsubscribe"),
        Language::French => ("Ne plus recevoir", "Se désabonner"),
    };
    let content = format!(
        "<p>{question} {}?</p><form method=\"post\" action=\"/email/unsubscribe/{}\">\
         <button type=\"submit\">{button}</button></form>",
        escape(&topic_name(topic, language)),
        escape(&token)
    );
    html::page(StatusCode::OK, brand.as_ref(), &content)
}

pub async fn confirm(State(services): State<Arc<Services>>, Path(token): Path<String>) -> Response {
    let done = async {
        let mut conn = services.pool.get().await?;
        let Some((user, topic, locale)) = find(&mut conn, &token).await? else {
            return Ok(None);
        };
        apply(&mut conn, user, topic).await?;
        diesel::update(unsubscribe_tokens::table.find(secrets::hash(&token)))
            .set(unsubscribe_tokens::used_at.eq(Utc::now()))
            .execute(&mut conn)
            .await?;
        Ok::<_, crate::error::ApiError>(Some((topic, Language::of(&locale))))
    }
    .await;
    let brand = html::branding(&services).await;
    match done {
        Ok(Some((topic, language))) => {
            let text = match language {
                Language::English => format!(
                    "You will no longer receive {}.",
                    topic_name(topic, language)
                ),
                Language::French => {
                    format!("Vous ne recevrez plus {}.", topic_name(topic, language))
                }
            };
            html::page(
                StatusCode::OK,
                brand.as_ref(),
                &format!("<p>{}</p>", escape(&text)),
            )
        }
        Ok(None) => html::page(
            StatusCode::NOT_FOUND,
            brand.as_ref(),
            "<p>This link does not work.</p>",
        ),
        Err(_) => html::page(
            StatusCode::SERVICE_UNAVAILABLE,
            brand.as_ref(),
            "<p>Something went wrong; try again later.</p>",
        ),
    }
}
