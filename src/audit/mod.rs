//! The audit log: what admins and managers did (actor, action, target, before and after, time,
//! request id). Entries are written in the transaction of the change they describe, so a change
//! that fails leaves none; the table refuses updates and deletes (see the administration
//! migration), and the API only reads it.

pub mod graphql;
pub mod model;

use async_graphql::Context;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;

/// Who acts, in which mutation and request: taken from the resolver's context, so the action is
/// always the name of the mutation that was called.
#[derive(Debug, Clone)]
pub struct Audit {
    actor_id: Uuid,
    action: String,
    request_id: String,
}

impl Audit {
    pub fn of(ctx: &Context<'_>) -> ApiResult<Self> {
        Ok(Self {
            actor_id: ctx.viewer()?.id(),
            action: ctx.item.node.name.node.to_string(),
            request_id: ctx.request().request_id.clone(),
        })
    }

    /// For an action outside GraphQL (an HTTP export), named `action`.
    pub fn outside_graphql(actor_id: Uuid, action: &str, request_id: String) -> Self {
        Self {
            actor_id,
            action: action.to_owned(),
            request_id,
        }
    }

    /// Appends `change` to the log, in the caller's transaction.
    pub async fn record(&self, conn: &mut AsyncPgConnection, change: Change) -> ApiResult<()> {
        model::insert(
            conn,
            &model::NewEntry {
                id: Uuid::now_v7(),
                actor_id: Some(self.actor_id),
                action: self.action.clone(),
                target_type: change.target_type.to_owned(),
                target_id: change.target_id,
                group_id: change.group_id,
                before: change.before,
                after: change.after,
                request_id: self.request_id.clone(),
            },
        )
        .await
    }
}

/// What an action changed: its target (a GraphQL type name and id), the group it happened in,
/// and snapshots of the target before and after.
#[derive(Debug, Clone)]
pub struct Change {
    target_type: &'static str,
    target_id: Option<Uuid>,
    group_id: Option<Uuid>,
    before: Option<Value>,
    after: Option<Value>,
}

impl Change {
    pub fn of(target_type: &'static str, target_id: Uuid) -> Self {
        Self {
            target_type,
            target_id: Some(target_id),
            group_id: None,
            before: None,
            after: None,
        }
    }

    pub fn in_group(self, group_id: Uuid) -> Self {
        self.in_group_if_any(Some(group_id))
    }

    /// `in_group` for what may belong to no group (organization-wide posts and events).
    pub fn in_group_if_any(mut self, group_id: Option<Uuid>) -> Self {
        self.group_id = group_id;
        self
    }

    pub fn before(mut self, snapshot: &impl Serialize) -> ApiResult<Self> {
        self.before = Some(snapshot_of(snapshot)?);
        Ok(self)
    }

    pub fn after(mut self, snapshot: &impl Serialize) -> ApiResult<Self> {
        self.after = Some(snapshot_of(snapshot)?);
        Ok(self)
    }
}

fn snapshot_of(value: &impl Serialize) -> ApiResult<Value> {
    serde_json::to_value(value).map_err(ApiError::internal)
}
