//! The events a GraphQL request shows on other features' types: the home page's upcoming
//! occurrences, expanded from their series with the calendar's own window, and the events of
//! notifications and newsletters.

use async_graphql::Context;
use chrono::Utc;
use uuid::Uuid;

use super::access::{EventView, TYPE_NAME};
use super::graphql::{EventOccurrence, window};
use super::loaders::VisibleEventLoader;
use super::model::WindowFilter;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::users::OrgRole;

/// The next occurrences for the home page: the viewer's groups' and (not for guests, who do not
/// see them) organization-wide ones, over the next 60 days, cancelled ones left out.
pub async fn upcoming(ctx: &Context<'_>, first: usize) -> ApiResult<Vec<EventOccurrence>> {
    let viewer = ctx.viewer()?;
    let now = Utc::now();
    let mut conn = ctx.conn().await?;
    let groups = crate::groups::model::joined_group_ids(&mut conn, viewer.id()).await?;
    drop(conn);
    let mut found = window(
        ctx,
        &WindowFilter {
            from: now,
            to: now + chrono::Duration::days(60),
            group_id: None,
            attending: None,
            readable_groups: Some(groups),
            include_organization_wide: viewer.user.org_role != OrgRole::Guest,
        },
    )
    .await?;
    found.retain(|occurrence| !occurrence.cancelled && occurrence.starts_at >= now);
    found.truncate(first);
    Ok(found)
}

/// The events among `ids` the viewer may see, in that order (missing and hidden ones left out),
/// through the request's DataLoader: the events a list shows (notification subjects, a
/// newsletter's events) cost three statements whatever their number. For what queries show
/// only: the loader keeps what the request read first, which a mutation may have changed since.
pub async fn load_visible_many(ctx: &Context<'_>, ids: &[Uuid]) -> ApiResult<Vec<EventView>> {
    let found = ctx
        .loader::<VisibleEventLoader>()?
        .load_many(ids.iter().copied())
        .await
        .map_err(|error| (*error).clone())?;
    Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
}

/// An event the viewer may see, loaded with the other events of its list (see
/// `load_visible_many`); NOT_FOUND otherwise.
pub async fn load_visible_batched(ctx: &Context<'_>, id: Uuid) -> ApiResult<EventView> {
    load_visible_many(ctx, &[id])
        .await?
        .pop()
        .ok_or(ApiError::NotFound(TYPE_NAME))
}
