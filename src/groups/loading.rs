//! The groups a GraphQL request may see, through its DataLoader: every feature that shows a
//! group (a post's audience, a notification's group, a survey's) goes through here, so the
//! groups of a list are read in one statement and hidden ones are NOT_FOUND everywhere alike.

use async_graphql::Context;
use uuid::Uuid;

use super::{GroupAccess, service};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;

/// A group the viewer may see, through the request's DataLoader.
pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<GroupAccess> {
    let access = ctx
        .group_loader()?
        .load_one(id)
        .await
        .map_err(|error| (*error).clone())?;
    service::visible(ctx.viewer()?, access)
}
