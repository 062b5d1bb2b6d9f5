//! The posts a GraphQL request shows on other features' types (notification subjects, a
//! newsletter's posts), through its DataLoaders and judged by the policy as `graphql` judges them.

use std::collections::HashSet;

use async_graphql::Context;
use uuid::Uuid;

use super::TYPE_NAME;
use super::graphql::{allowed, internal_loader_error};
use super::loaders::PostLoader;
use super::model::Post;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::loaders::AudienceLoader;
use crate::policy::Action;

/// The posts among `ids` the viewer may read, in that order (missing and hidden ones left out),
/// through the request's DataLoaders: the posts a list shows (notification subjects, a
/// newsletter's posts) cost three statements (rows, audiences, groups) whatever their number.
/// Each is judged by the policy as `load_visible` judges it. For what queries show only: the
/// loaders keep what the request read first, which a mutation may have changed since.
pub async fn load_visible_many(ctx: &Context<'_>, ids: &[Uuid]) -> ApiResult<Vec<Post>> {
    let (posts, audiences) = futures::try_join!(
        async {
            ctx.loader::<PostLoader>()?
                .load_many(ids.iter().copied())
                .await
                .map_err(internal_loader_error)
        },
        // Read even for missing posts: a missing post and a hidden one cost the same.
        async {
            ctx.loader::<AudienceLoader>()?
                .load_many(ids.iter().copied())
                .await
                .map_err(internal_loader_error)
        },
    )?;
    // All the posts' groups in one statement: the policy decisions below then find them cached.
    ctx.group_loader()?
        .load_many(audiences.into_values().flatten())
        .await
        .map_err(internal_loader_error)?;
    let found: Vec<Post> = ids.iter().filter_map(|id| posts.get(id).cloned()).collect();
    let readable: HashSet<Uuid> = allowed(ctx, found.iter(), Action::View)
        .await?
        .into_iter()
        .collect();
    Ok(found
        .into_iter()
        .filter(|post| readable.contains(&post.id))
        .collect())
}

/// A post the viewer may read, loaded with the other posts of its list (see
/// `load_visible_many`); anything else is NOT_FOUND.
pub async fn load_visible_batched(ctx: &Context<'_>, id: Uuid) -> ApiResult<Post> {
    load_visible_many(ctx, &[id])
        .await?
        .pop()
        .ok_or(ApiError::NotFound(TYPE_NAME))
}
