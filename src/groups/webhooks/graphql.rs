//! The `GroupWebhook` type, a group's webhooks and the mutations that add and revoke them.

use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{self, Webhook};
use super::{TYPE_NAME, service};
use crate::audit::Audit;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{self, ChildrenOf};
use crate::groups::graphql::load_visible;
use crate::groups::{GroupAccess, TYPE_NAME as GROUP_TYPE};

/// An integration that posts into a group through its secret URL.
#[Object(name = "GroupWebhook")]
impl Webhook {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// Shown as the author of what it posts, e.g. "Jenkins".
    async fn name(&self) -> &str {
        &self.name
    }
    /// When a manager added it.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When it last published a post; null when it never has.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.last_used_at
    }
    /// When its URL stopped working; null while it works.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }
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
        model::lists(conn, groups)
    }
}

/// A webhook with its group, when the viewer manages the group; anything else is NOT_FOUND.
async fn load_with_group(ctx: &Context<'_>, id: Uuid) -> ApiResult<(Webhook, GroupAccess)> {
    let viewer = ctx.viewer()?;
    let webhook = model::find(&mut *ctx.conn().await?, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))?;
    let group = load_visible(ctx, webhook.group_id)
        .await
        .map_err(|_| ApiError::NotFound(TYPE_NAME))?;
    service::require_visible(viewer, &group)?;
    Ok((webhook, group))
}

/// A webhook of a group the viewer manages; anything else is NOT_FOUND.
pub async fn load_visible_webhook(ctx: &Context<'_>, id: Uuid) -> ApiResult<Webhook> {
    Ok(load_with_group(ctx, id).await?.0)
}

/// The webhooks of a group, for its managers.
pub async fn group_webhooks(ctx: &Context<'_>, group: &GroupAccess) -> ApiResult<Vec<Webhook>> {
    service::require_listing(ctx.viewer()?, group)?;
    Ok(
        loaders::children_of::<WebhookLists>(ctx, group.group.id, ())
            .await?
            .unwrap_or_default(),
    )
}

/// The group and the name of the integration to add to it.
#[derive(InputObject)]
pub struct CreateGroupWebhookInput {
    /// The group's global ID.
    pub group_id: ID,
    /// Shown as the author of what it posts, e.g. "Jenkins" or "Service desk" (1 to 100
    /// characters).
    pub name: String,
}

/// The new webhook and its secret URL.
#[derive(SimpleObject)]
pub struct CreateGroupWebhookPayload {
    /// The webhook added.
    pub webhook: Webhook,
    /// The secret URL to POST `{"text": ..., "title": ...}` to as `application/json` (text:
    /// Markdown up to 10,000 characters; title: optional, up to 200); each message is published
    /// as a post in the group (409 while the group is archived, 404 once revoked). Shown only
    /// this once.
    pub url: String,
}

/// The webhook to revoke.
#[derive(InputObject)]
pub struct RevokeGroupWebhookInput {
    /// The webhook's global ID.
    pub webhook_id: ID,
}

/// The webhook after `revokeGroupWebhook`.
#[derive(SimpleObject)]
pub struct RevokeGroupWebhookPayload {
    /// The webhook, with `revokedAt` set.
    pub webhook: Webhook,
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Adds an integration to a group (managers and org admins), audited.
    async fn create_group_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group and the integration's name.")] input: CreateGroupWebhookInput,
    ) -> ApiResult<CreateGroupWebhookPayload> {
        let viewer = ctx.viewer()?;
        let group =
            load_visible(ctx, ids::decode_as(&input.group_id, GROUP_TYPE, "groupId")?).await?;
        let audit = Audit::of(ctx)?;
        let (webhook, url) = service::create(
            &mut *ctx.conn().await?,
            ctx.services(),
            viewer,
            &audit,
            &group,
            &input.name,
        )
        .await?;
        Ok(CreateGroupWebhookPayload { webhook, url })
    }

    /// Revokes an integration's URL at once (managers and org admins); revoking one already
    /// revoked changes nothing.
    async fn revoke_group_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook to revoke.")] input: RevokeGroupWebhookInput,
    ) -> ApiResult<RevokeGroupWebhookPayload> {
        let id = ids::decode_as(&input.webhook_id, TYPE_NAME, "webhookId")?;
        let (webhook, group) = load_with_group(ctx, id).await?;
        let audit = Audit::of(ctx)?;
        let webhook = service::revoke(
            &mut *ctx.conn().await?,
            ctx.viewer()?,
            &audit,
            webhook,
            &group,
        )
        .await?;
        Ok(RevokeGroupWebhookPayload { webhook })
    }
}
