//! The events a GraphQL request shows on other features' types: the home page's upcoming
//! occurrences, expanded from their series with the calendar's own window.

use async_graphql::Context;
use chrono::Utc;

use super::graphql::{EventOccurrence, window};
use super::model::WindowFilter;
use crate::error::ApiResult;
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
