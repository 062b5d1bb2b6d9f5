//! The people a GraphQL request may see, through its DataLoader: every feature that shows a
//! person (an author, an organizer, an actor) goes through here, so guests see only whom they
//! share a group with.

use async_graphql::Context;
use uuid::Uuid;

use super::visibility::{self, Sight};
use super::{TYPE_NAME, User};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;

/// A person a row points at (an actor, an inviter), if any, through the request's DataLoader;
/// for admin views, which see everyone.
pub async fn load_optional(ctx: &Context<'_>, id: Option<Uuid>) -> ApiResult<Option<User>> {
    match id {
        Some(id) => ctx
            .user_loader()?
            .load_one(id)
            .await
            .map_err(|error| (*error).clone()),
        None => Ok(None),
    }
}

/// A user the viewer may see, through the request's DataLoader.
pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<User> {
    visible_person(ctx, Some(id))
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

/// The person a row points at (an author, a creator), or null when there is none or the viewer
/// may not see them.
pub async fn visible_person(ctx: &Context<'_>, id: Option<Uuid>) -> ApiResult<Option<User>> {
    Ok(visible_people(ctx, id.as_slice()).await?.pop())
}

/// The people among `ids` the viewer may see, in the order given (the others left out): every
/// field that lists people (poll voters, organizers, ...) goes through here or `only_visible`.
pub async fn visible_people(ctx: &Context<'_>, ids: &[Uuid]) -> ApiResult<Vec<User>> {
    let mut loaded = ctx
        .user_loader()?
        .load_many(ids.iter().copied())
        .await
        .map_err(|error| (*error).clone())?;
    let people = ids.iter().filter_map(|id| loaded.remove(id)).collect();
    only_visible(ctx, people).await
}

/// `people` without those the viewer may not see, order kept (one statement for guests, none
/// for anyone else).
pub async fn only_visible(ctx: &Context<'_>, people: Vec<User>) -> ApiResult<Vec<User>> {
    let viewer = ctx.viewer()?;
    let sight = if visibility::needs_look_up(viewer, &people) {
        Sight::of(&mut *ctx.conn().await?, viewer, &people).await?
    } else {
        Sight::without_look_up(viewer)
    };
    Ok(people.into_iter().filter(|user| sight.sees(user)).collect())
}
