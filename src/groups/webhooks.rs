//! Incoming webhooks: integrations a group's managers add. Each has a secret URL
//! (`POST /hooks/{token}`) that publishes a post into the group as that integration. Tokens are
//! revocable and stored hashed.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::graphql::{TYPE_NAME as GROUP_TYPE, load_visible};
use super::model::Group;
use crate::audit::{Audit, Change};
use crate::auth::secrets;
use crate::db::schema::{group_webhooks, groups};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{self, ChildrenOf};
use crate::pagination::lists_by_parent;
use crate::policy::{self, Action, Resource};
use crate::posts::Post;
use crate::posts::service::{Author, Publication};
use crate::services::Services;
use crate::validation::{self, Limit};

pub const TYPE_NAME: &str = "GroupWebhook";
pub const TITLE_MAX_LENGTH: usize = 200;
pub const TEXT_MAX_LENGTH: usize = 10_000;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = group_webhooks, check_for_backend(diesel::pg::Pg))]
pub struct Webhook {
    pub id: Uuid,
    pub group_id: Uuid,
    pub name: String,
    pub created_by: Option<Uuid>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

async fn create(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    name: &str,
    created_by: Uuid,
) -> ApiResult<(Webhook, String)> {
    let token = secrets::generate("pvh_");
    let webhook = diesel::insert_into(group_webhooks::table)
        .values((
            group_webhooks::id.eq(Uuid::now_v7()),
            group_webhooks::group_id.eq(group),
            group_webhooks::name.eq(name),
            group_webhooks::token_hash.eq(secrets::hash(&token)),
            group_webhooks::created_by.eq(Some(created_by)),
        ))
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await?;
    Ok((webhook, token))
}

async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Webhook>> {
    Ok(group_webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The webhooks of each group, oldest first.
async fn lists(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<Webhook>>> {
    let webhooks: Vec<Webhook> = group_webhooks::table
        .filter(group_webhooks::group_id.eq_any(groups))
        .order((group_webhooks::created_at.asc(), group_webhooks::id.asc()))
        .select(Webhook::as_select())
        .load(conn)
        .await?;
    Ok(lists_by_parent(groups, webhooks, |webhook| {
        webhook.group_id
    }))
}

/// The webhooks of groups, oldest first.
pub struct WebhookLists;

impl ChildrenOf for WebhookLists {
    type Args = ();
    type Value = Vec<Webhook>;

    fn load(
        conn: &mut AsyncPgConnection,
        groups: &[Uuid],
        _: &(),
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Self::Value>>> + Send {
        lists(conn, groups)
    }
}

/// Revokes a webhook; one revoked already keeps its first revocation time.
async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Webhook> {
    diesel::update(
        group_webhooks::table
            .find(id)
            .filter(group_webhooks::revoked_at.is_null()),
    )
    .set(group_webhooks::revoked_at.eq(Some(Utc::now())))
    .execute(conn)
    .await?;
    find(conn, id).await?.ok_or(ApiError::NotFound(TYPE_NAME))
}

/// The live webhook behind a token, with its group.
async fn find_by_token(
    conn: &mut AsyncPgConnection,
    token: &str,
) -> ApiResult<Option<(Webhook, Group)>> {
    Ok(group_webhooks::table
        .inner_join(groups::table)
        .filter(group_webhooks::token_hash.eq(secrets::hash(token)))
        .filter(group_webhooks::revoked_at.is_null())
        .select((Webhook::as_select(), Group::as_select()))
        .first(conn)
        .await
        .optional()?)
}

/// Publishes an integration's message as a post in its group, as any post is published.
async fn publish(
    conn: &mut AsyncPgConnection,
    services: &Services,
    webhook: &Webhook,
    title: Option<&str>,
    body: &str,
) -> ApiResult<Post> {
    diesel::update(group_webhooks::table.find(webhook.id))
        .set(group_webhooks::last_used_at.eq(Some(Utc::now())))
        .execute(conn)
        .await?;
    let author = Author::Integration {
        webhook: webhook.id,
        name: &webhook.name,
        group: webhook.group_id,
    };
    let publication = Publication {
        title: title.map(str::to_owned),
        body: body.to_owned(),
        groups: vec![webhook.group_id],
        organisation_wide: false,
        requires_acknowledgement: false,
        published_at: Some(Utc::now()),
        poll: None,
        attachments: Vec::new(),
    };
    crate::posts::service::publish(conn, services, author, publication).await
}

/// An integration that posts into a group through its secret URL.
#[Object(name = "GroupWebhook")]
impl Webhook {
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    async fn name(&self) -> &str {
        &self.name
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.last_used_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }
}

/// A webhook of a group the viewer manages; anything else is NOT_FOUND.
pub async fn load_visible_webhook(ctx: &Context<'_>, id: Uuid) -> ApiResult<Webhook> {
    let viewer = ctx.viewer()?;
    let webhook = find(&mut *ctx.conn().await?, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))?;
    let group = load_visible(ctx, webhook.group_id)
        .await
        .map_err(|_| ApiError::NotFound(TYPE_NAME))?;
    if !policy::can(viewer, Action::Manage, Resource::Group(&group)).allowed() {
        return Err(ApiError::NotFound(TYPE_NAME));
    }
    Ok(webhook)
}

/// The webhooks of a group, for its managers.
pub async fn group_webhooks(
    ctx: &Context<'_>,
    group: &super::GroupAccess,
) -> ApiResult<Vec<Webhook>> {
    policy::require(
        ctx.viewer()?,
        Action::Manage,
        Resource::Group(group),
        GROUP_TYPE,
        "Only the group's managers see its webhooks.",
    )?;
    Ok(
        loaders::children_of::<WebhookLists>(ctx, group.group.id, ())
            .await?
            .unwrap_or_default(),
    )
}

#[derive(InputObject)]
pub struct CreateGroupWebhookInput {
    pub group_id: ID,
    /// Shown as the author of what it posts, e.g. "Jenkins" or "Service desk".
    pub name: String,
}

#[derive(SimpleObject)]
pub struct CreateGroupWebhookPayload {
    pub webhook: Webhook,
    /// The secret URL to POST `{"text": ..., "title": ...}` to; shown only this once.
    pub url: String,
}

#[derive(InputObject)]
pub struct RevokeGroupWebhookInput {
    pub webhook_id: ID,
}

#[derive(SimpleObject)]
pub struct RevokeGroupWebhookPayload {
    pub webhook: Webhook,
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Adds an integration to a group (managers).
    async fn create_group_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateGroupWebhookInput,
    ) -> ApiResult<CreateGroupWebhookPayload> {
        let viewer = ctx.viewer()?;
        let group =
            load_visible(ctx, ids::decode_as(&input.group_id, GROUP_TYPE, "groupId")?).await?;
        policy::require(
            viewer,
            Action::Manage,
            Resource::Group(&group),
            GROUP_TYPE,
            "Only the group's managers add webhooks.",
        )?;
        let name = validation::display_name("name", &input.name)?;
        validation::max_chars("name", &name, Limit::NAME)?;
        let audit = Audit::of(ctx)?;
        let mut conn = ctx.conn().await?;
        let (webhook, token) = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let (webhook, token) = create(conn, group.group.id, &name, viewer.id()).await?;
                let change = Change::of(TYPE_NAME, webhook.id)
                    .in_group(webhook.group_id)
                    .after(&webhook)?;
                audit.record(conn, change).await?;
                Ok((webhook, token))
            })
            .await?;
        let url = format!("{}/hooks/{token}", ctx.services().config.public_url);
        Ok(CreateGroupWebhookPayload { webhook, url })
    }

    /// Revokes an integration's URL at once (managers).
    async fn revoke_group_webhook(
        &self,
        ctx: &Context<'_>,
        input: RevokeGroupWebhookInput,
    ) -> ApiResult<RevokeGroupWebhookPayload> {
        let id = ids::decode_as(&input.webhook_id, TYPE_NAME, "webhookId")?;
        let webhook = load_visible_webhook(ctx, id).await?;
        if webhook.revoked_at.is_some() {
            return Ok(RevokeGroupWebhookPayload { webhook });
        }
        let audit = Audit::of(ctx)?;
        let mut conn = ctx.conn().await?;
        let webhook = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let revoked = revoke(conn, webhook.id).await?;
                let change = Change::of(TYPE_NAME, webhook.id)
                    .in_group(webhook.group_id)
                    .before(&webhook)?
                    .after(&revoked)?;
                audit.record(conn, change).await?;
                Ok(revoked)
            })
            .await?;
        Ok(RevokeGroupWebhookPayload { webhook })
    }
}

#[derive(Deserialize)]
struct IncomingMessage {
    text: String,
    title: Option<String>,
}

/// `POST /hooks/{token}`: `{"text": "...", "title": "..."}` → 201 `{"id": ...}`.
pub async fn receive(
    State(services): State<Arc<Services>>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match receive_message(&services, &token, &headers, body).await {
        Ok(post) => (
            StatusCode::CREATED,
            Json(json!({ "id": ids::encode(crate::posts::TYPE_NAME, post.id) })),
        )
            .into_response(),
        Err((status, message)) => (status, Json(json!({ "error": message }))).into_response(),
    }
}

async fn receive_message(
    services: &Services,
    token: &str,
    headers: &axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Post, (StatusCode, String)> {
    let mut conn = services.pool.get().await.map_err(|e| internal(e.into()))?;
    // The token first: nothing about the body is said to someone without a valid URL.
    find_by_token(&mut conn, token)
        .await
        .map_err(internal)?
        .ok_or_else(unknown_webhook)?;
    let body =
        body.map_err(|rejection| (rejection.status(), "The body could not be read.".to_owned()))?;
    if !crate::validation::is_json_content_type(headers) {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send Content-Type: application/json.".into(),
        ));
    }
    let bad = |message: String| (StatusCode::BAD_REQUEST, message);
    let message: IncomingMessage = serde_json::from_slice(&body).map_err(|error| {
        bad(format!(
            "Expected {{\"text\": ..., \"title\": ...}}: {error}"
        ))
    })?;
    let text = message.text.trim();
    if text.is_empty() {
        return Err(bad("text: must not be empty".into()));
    }
    validation::max_chars("text", text, TEXT_MAX_LENGTH).map_err(|e| bad(e.message()))?;
    let title = message
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(title) = title {
        validation::max_chars("title", title, TITLE_MAX_LENGTH).map_err(|e| bad(e.message()))?;
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        let Some((webhook, group)) = find_by_token(conn, token).await? else {
            return Ok(Err(unknown_webhook()));
        };
        if group.archived_at.is_some() {
            return Ok(Err((
                StatusCode::CONFLICT,
                "The group is archived.".to_owned(),
            )));
        }
        Ok(Ok(publish(conn, services, &webhook, title, text).await?))
    })
    .await
    .map_err(internal)?
}

fn unknown_webhook() -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, "No such webhook.".to_owned())
}

fn internal(error: ApiError) -> (StatusCode, String) {
    if let ApiError::Internal(cause) = &error {
        tracing::error!(error = ?cause, "receiving a webhook message");
    }
    (error.http_status(), error.message())
}
