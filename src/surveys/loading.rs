//! The surveys a GraphQL request shows on other features' types: the home page's pending ones,
//! filtered by the same visibility as the survey list.

use async_graphql::Context;

use super::access::SurveyView;
use super::graphql::{list_viewer, views};
use super::model;
use crate::error::ApiResult;
use crate::graphql::context::ContextExt;
use crate::pagination::PageRequest;

/// The first pending surveys, for the home page.
pub async fn pending(ctx: &Context<'_>, first: usize) -> ApiResult<Vec<SurveyView>> {
    let page = PageRequest::first(first);
    let found = model::pending_page(&mut *ctx.conn().await?, list_viewer(ctx)?, &page).await?;
    Ok(views(ctx, found).await?.items)
}
