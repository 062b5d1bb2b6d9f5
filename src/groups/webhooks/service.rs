//! The operations on webhooks, each written once for the API and the incoming-message route: who
//! may see, add and revoke them (the group's managers), the audit entries, and publishing a
//! message through a token.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::TYPE_NAME;
use super::model::{self, Webhook};
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::groups::{GroupAccess, TYPE_NAME as GROUP_TYPE};
use crate::policy::{self, Action, Resource};
use crate::posts::Post;
use crate::posts::service::{Author, Publication};
use crate::services::Services;
use crate::validation::{self, Limit};

const TITLE_MAX_LENGTH: usize = 200;
const TEXT_MAX_LENGTH: usize = 10_000;

/// Only a group's managers know its webhooks: to anyone else one is NOT_FOUND.
pub fn require_visible(viewer: &Viewer, group: &GroupAccess) -> ApiResult<()> {
    crate::groups::service::require_inside(viewer, Action::Manage, group, TYPE_NAME)
}

/// The managers of a group see its webhooks; anyone else who sees the group is told FORBIDDEN.
pub fn require_listing(viewer: &Viewer, group: &GroupAccess) -> ApiResult<()> {
    policy::require(
        viewer,
        Action::Manage,
        Resource::Group(group),
        GROUP_TYPE,
        "Only the group's managers see its webhooks.",
    )
}

/// Adds an integration to a group (managers), audited; returns it with the secret URL it posts
/// to, which is not stored and cannot be shown again.
pub async fn create(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    audit: &Audit,
    group: &GroupAccess,
    name: &str,
) -> ApiResult<(Webhook, String)> {
    policy::require(
        viewer,
        Action::Manage,
        Resource::Group(group),
        GROUP_TYPE,
        "Only the group's managers add webhooks.",
    )?;
    let name = validation::display_name("name", name)?;
    validation::max_chars("name", &name, Limit::NAME)?;
    let (webhook, token) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (webhook, token) = model::create(conn, group.group.id, &name, viewer.id()).await?;
            let change = Change::of(TYPE_NAME, webhook.id)
                .in_group(webhook.group_id)
                .after(&webhook)?;
            audit.record(conn, change).await?;
            Ok((webhook, token))
        })
        .await?;
    let url = format!("{}/hooks/{token}", services.config.public_url);
    Ok((webhook, url))
}

/// Revokes a webhook of `group` (managers) at once, audited; one revoked already is returned
/// as it is.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    audit: &Audit,
    webhook: Webhook,
    group: &GroupAccess,
) -> ApiResult<Webhook> {
    require_visible(viewer, group)?;
    if webhook.revoked_at.is_some() {
        return Ok(webhook);
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        let revoked = model::revoke(conn, webhook.id).await?;
        let change = Change::of(TYPE_NAME, webhook.id)
            .in_group(webhook.group_id)
            .before(&webhook)?
            .after(&revoked)?;
        audit.record(conn, change).await?;
        Ok(revoked)
    })
    .await
}

/// Whether a token belongs to a live webhook: asked before anything about a message is read, so
/// nothing about it is said to someone without a valid URL.
pub async fn is_live(conn: &mut AsyncPgConnection, token: &str) -> ApiResult<bool> {
    Ok(model::find_by_token(conn, token).await?.is_some())
}

/// What an integration sends.
pub struct Message<'a> {
    pub title: Option<&'a str>,
    pub text: &'a str,
}

/// Publishes an integration's message as a post in its webhook's group, as any post is
/// published; `None` when the token is no live webhook's (revoked meanwhile).
pub async fn receive(
    conn: &mut AsyncPgConnection,
    services: &Services,
    token: &str,
    message: Message<'_>,
) -> ApiResult<Option<Post>> {
    let text = message.text.trim();
    if text.is_empty() {
        return Err(ApiError::bad_input("text", "must not be empty"));
    }
    validation::max_chars("text", text, TEXT_MAX_LENGTH)?;
    let title = message.title.map(str::trim).filter(|t| !t.is_empty());
    if let Some(title) = title {
        validation::max_chars("title", title, TITLE_MAX_LENGTH)?;
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        let Some((webhook, group)) = model::find_by_token(conn, token).await? else {
            return Ok(None);
        };
        if group.archived_at.is_some() {
            return Err(ApiError::Conflict("The group is archived.".into()));
        }
        model::mark_used(conn, webhook.id).await?;
        let author = Author::Integration {
            webhook: webhook.id,
            name: &webhook.name,
            group: webhook.group_id,
        };
        let publication = Publication {
            title: title.map(str::to_owned),
            body: text.to_owned(),
            groups: vec![webhook.group_id],
            organization_wide: false,
            requires_acknowledgement: false,
            published_at: Some(chrono::Utc::now()),
            poll: None,
            attachments: Vec::new(),
        };
        let post = crate::posts::service::publish(conn, services, author, publication).await?;
        Ok(Some(post))
    })
    .await
}
