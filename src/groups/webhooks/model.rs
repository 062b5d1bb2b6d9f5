//! Webhook rows and their SQL, for the webhook module alone: tokens are stored hashed and stop
//! working once revoked.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::TYPE_NAME;
use crate::auth::secrets;
use crate::db::schema::{group_webhooks, groups};
use crate::error::{ApiError, ApiResult};
use crate::groups::Group;
use crate::pagination::lists_by_parent;

/// Serialized as audit snapshots.
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

/// Adds a webhook with a new token; the token is returned once and only its hash is kept.
pub(super) async fn create(
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

pub(super) async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Webhook>> {
    Ok(group_webhooks::table
        .find(id)
        .select(Webhook::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The webhooks of each group, oldest first.
pub(super) async fn lists(
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

/// Revokes a webhook; one revoked already keeps its first revocation time.
pub(super) async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Webhook> {
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
pub(super) async fn find_by_token(
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

/// Records that an integration just posted through the webhook.
pub(super) async fn mark_used(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    diesel::update(group_webhooks::table.find(id))
        .set(group_webhooks::last_used_at.eq(Some(Utc::now())))
        .execute(conn)
        .await?;
    Ok(())
}
