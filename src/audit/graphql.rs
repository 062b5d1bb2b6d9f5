//! `auditLog(filter, first, after)`: admins read the log, newest first; nothing writes it but
//! the mutations themselves.

use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{self, Entry, Filter};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::pagination::PageRequest;
use crate::users::User;

pub const TYPE_NAME: &str = "AuditEntry";

/// One admin or manager action.
#[Object(name = "AuditEntry")]
impl Entry {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// When the change was made.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }
    /// Who acted; null once their account is gone.
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::load_optional(ctx, self.actor_id).await
    }
    /// The mutation that was called, e.g. `deactivateUser`.
    async fn action(&self) -> &str {
        &self.action
    }
    /// The GraphQL type of what was acted on, e.g. `User`.
    async fn target_type(&self) -> &str {
        &self.target_type
    }
    /// The global ID of what was acted on (it may no longer exist).
    async fn target_id(&self) -> Option<ID> {
        self.target_id.map(|id| ids::encode(&self.target_type, id))
    }
    /// The group it happened in, if any.
    async fn group_id(&self) -> Option<ID> {
        self.group_id
            .map(|id| ids::encode(crate::groups::TYPE_NAME, id))
    }
    /// The target as it was before (null when it did not exist).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.before.clone().map(Json)
    }
    /// The target as it was after (null when it is gone).
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.after.clone().map(Json)
    }
    /// The `x-request-id` of the request, to find its server logs.
    async fn request_id(&self) -> &str {
        &self.request_id
    }
}

/// Which entries `auditLog` lists; the conditions given must all hold.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Only what this person did (a `User` ID).
    pub actor_id: Option<ID>,
    /// A mutation name, e.g. `setGroupMemberRole`.
    pub action: Option<String>,
    /// Only changes to this object (a global ID of any type, as `AuditEntry.targetId` gives it).
    pub target_id: Option<ID>,
    /// Only changes in this group (a `Group` ID).
    pub group_id: Option<ID>,
    /// From this instant (inclusive)...
    pub from: Option<DateTime<Utc>>,
    /// ...to this one (exclusive).
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// What admins and managers did, newest first (admins).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
        #[graphql(
            desc = "Which entries to list (by actor, action, target, group or time); all of them when omitted."
        )]
        filter: Option<AuditLogFilter>,
    ) -> ApiResult<PageConnection<Entry>> {
        ctx.require_admin()?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let filter = parse_filter(filter.unwrap_or_default())?;
        let mut conn = ctx.conn().await?;
        let page = model::page(&mut conn, &filter, &page).await?;
        Ok(connection(
            page,
            |entry| (entry.occurred_at, entry.id),
            |entry| entry,
        ))
    }
}

fn parse_filter(filter: AuditLogFilter) -> ApiResult<Filter> {
    let any_id = |id: &Option<ID>, field: &str| -> ApiResult<Option<Uuid>> {
        id.as_ref()
            .map(|id| ids::decode(id, field).map(|(_, uuid)| uuid))
            .transpose()
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(ApiError::bad_input(
            "filter.to",
            "must not be before filter.from",
        ));
    }
    Ok(Filter {
        actor_id: filter
            .actor_id
            .as_ref()
            .map(|id| ids::decode_as(id, crate::users::TYPE_NAME, "filter.actorId"))
            .transpose()?,
        action: filter.action,
        target_id: any_id(&filter.target_id, "filter.targetId")?,
        group_id: filter
            .group_id
            .as_ref()
            .map(|id| ids::decode_as(id, crate::groups::TYPE_NAME, "filter.groupId"))
            .transpose()?,
        from: filter.from,
        to: filter.to,
    })
}

/// `node(id:)` for audit entries (admins).
pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<Entry> {
    ctx.require_admin()
        .map_err(|_| ApiError::NotFound(TYPE_NAME))?;
    let mut conn = ctx.conn().await?;
    model::find(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))
}
