//! The news feed's GraphQL: types, queries, mutations and subscriptions, thin over the posts
//! service and model. Every resolver asks `policy::can`.

mod inputs;
mod mutations;
mod prefetch;
mod queries;
mod reactions;
mod subscriptions;
mod types;

pub use inputs::*;
pub use mutations::*;
pub use queries::*;
pub use subscriptions::*;
pub use types::*;

use std::collections::HashMap;

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Name, Object, SelectionField, SimpleObject,
    Subscription, Value,
};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use futures::Stream;
use uuid::Uuid;

use super::loaders::{AcknowledgementCountLoader, PollLoader, VersionLoader};
use super::model::{
    self, Comment, FeedFilter, Post, PostChanges, PostVersion, ReactionCount, SubjectKind,
    ViewerMarks,
};
use super::polls::{self, ResultsVisibility};
use super::service::{self, Author, Publication};
use crate::analytics::{Activity, ActivityKind};
use crate::attachments;
use crate::attachments::model::{Attachment, Subject};
use crate::audit::{Audit, Change};
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, reauthorized};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::{
    self, AudienceLoader, ChildPages, CommentSummaryLoader, PageLoader, PinLoader, ReactionLoader,
    ViewerMarksLoader,
};
use crate::graphql::renamed::{self, Flag};
use crate::groups::GroupAccess;
use crate::notifications::triggers::{self, Trigger};
use crate::pagination::{Page, PageRequest};
use crate::policy::{self, Action, Decision, Resource};
use crate::users::model::DirectoryCursor;
use crate::users::visibility;
use crate::users::{OrgRole, User};
use crate::validation;

pub use super::{COMMENT_TYPE, TYPE_NAME};
/// The largest post or comment body, in bytes of UTF-8.
pub const BODY_MAX_BYTES: usize = 64 * 1024;
pub const TITLE_MAX_LENGTH: usize = 200;
/// Groups one post may be published in.
pub const MAX_AUDIENCES: usize = 20;

pub(crate) fn internal_loader_error(error: std::sync::Arc<ApiError>) -> ApiError {
    (*error).clone()
}

/// The audiences of a post as the viewer stands towards each (groups they cannot see left out).
async fn audiences(ctx: &Context<'_>, post: Uuid) -> ApiResult<Vec<GroupAccess>> {
    let groups = ctx
        .loader::<AudienceLoader>()?
        .load_one(post)
        .await
        .map_err(internal_loader_error)?
        .unwrap_or_default();
    let loaded = ctx
        .group_loader()?
        .load_many(groups)
        .await
        .map_err(internal_loader_error)?;
    Ok(loaded.into_values().collect())
}

async fn decide(ctx: &Context<'_>, post: &Post, action: Action) -> ApiResult<Decision> {
    let audiences = audiences(ctx, post.id).await?;
    Ok(policy::can(
        ctx.viewer()?,
        action,
        Resource::Post {
            post,
            audiences: &audiences,
        },
    ))
}

/// A post the viewer may read; anything else is NOT_FOUND. Reading records nothing: mutations and
/// subscriptions load their post with this; only `open` counts a view.
pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<Post> {
    service::visible(&mut *ctx.conn().await?, ctx.viewer()?, id).await
}

/// Opens a post the viewer may read (`post(id:)`, `node(id:)`): the first time counts as a view.
pub async fn open(ctx: &Context<'_>, id: Uuid) -> ApiResult<Post> {
    let post = load_visible(ctx, id).await?;
    record_reading(ctx, &post).await?;
    Ok(post)
}

/// Records that the viewer read a live post (opened it, or commented on it): the first time
/// counts as a view (`viewerHasSeen`, unread counts, reach).
async fn record_reading(ctx: &Context<'_>, post: &Post) -> ApiResult<()> {
    if post.is_live() {
        model::record_view(&mut *ctx.conn().await?, post.id, ctx.viewer()?.id()).await?;
        record_on_post(ctx, post, ActivityKind::PostViewed).await?;
    }
    Ok(())
}

/// Records what the viewer did with `post`, counted in its first audience group.
async fn record_on_post(ctx: &Context<'_>, post: &Post, kind: ActivityKind) -> ApiResult<()> {
    let group = if post.organization_wide {
        None
    } else {
        audiences(ctx, post.id)
            .await?
            .first()
            .map(|access| access.group.id)
    };
    let activity = Activity::by(ctx.viewer()?.id(), kind)
        .in_group(group)
        .about(post.id);
    ctx.record_activity(activity);
    Ok(())
}

/// The policy's answer for `action` on a post the viewer may read (FORBIDDEN with `why`).
async fn require_on_post(
    ctx: &Context<'_>,
    post: &Post,
    action: Action,
    why: &str,
) -> ApiResult<()> {
    let audiences = audiences(ctx, post.id).await?;
    policy::require(
        ctx.viewer()?,
        action,
        Resource::Post {
            post,
            audiences: &audiences,
        },
        TYPE_NAME,
        why,
    )
}

/// The post a reaction subject belongs to: the post itself, or a comment's post.
async fn subject_post(ctx: &Context<'_>, subject: &ID) -> ApiResult<(Uuid, Post)> {
    match ids::decode(subject, "subjectId")? {
        (kind, id) if kind == TYPE_NAME => Ok((id, load_visible(ctx, id).await?)),
        (kind, id) if kind == COMMENT_TYPE => Ok((id, live_comment(ctx, id).await?.1)),
        _ => Err(ApiError::NotFound(TYPE_NAME)),
    }
}

/// A comment that is not deleted, with its post, when the viewer may read the post; NOT_FOUND
/// (as a comment) otherwise.
async fn live_comment(ctx: &Context<'_>, id: Uuid) -> ApiResult<(Comment, Post)> {
    let comment = model::find_comment(&mut *ctx.conn().await?, id)
        .await?
        .filter(|c| c.deleted_at.is_none())
        .ok_or(ApiError::NotFound(COMMENT_TYPE))?;
    let post = load_visible(ctx, comment.post_id)
        .await
        .map_err(|_| ApiError::NotFound(COMMENT_TYPE))?;
    Ok((comment, post))
}

/// A live comment on a post the viewer may read (`node(id:)`).
pub async fn load_visible_comment(ctx: &Context<'_>, id: Uuid) -> ApiResult<Comment> {
    Ok(live_comment(ctx, id).await?.0)
}

/// A poll option of a post the viewer may read, as they see it (`node(id:)`).
pub async fn load_visible_poll_option(ctx: &Context<'_>, id: Uuid) -> ApiResult<PollOptionView> {
    let missing = || ApiError::NotFound(POLL_OPTION_TYPE);
    let post = polls::post_of_option(&mut *ctx.conn().await?, id)
        .await?
        .ok_or_else(missing)?;
    let post = load_visible(ctx, post).await.map_err(|_| missing())?;
    ctx.loader::<PollLoader>()?
        .load_one(post.id)
        .await
        .map_err(internal_loader_error)?
        .flatten()
        .and_then(|poll| {
            poll.options
                .into_iter()
                .find(|option| option.option_id == id)
        })
        .ok_or_else(missing)
}

/// The group a feed or a subscription is narrowed to (`field`): one whose posts the viewer reads.
async fn readable_group(ctx: &Context<'_>, id: &ID, field: &str) -> ApiResult<Uuid> {
    let id = ids::decode_as(id, crate::groups::TYPE_NAME, field)?;
    let group = crate::groups::loading::load_visible(ctx, id).await?;
    policy::require(
        ctx.viewer()?,
        Action::ViewContent,
        Resource::Group(&group),
        crate::groups::TYPE_NAME,
        "Only members read this group's posts.",
    )?;
    Ok(group.group.id)
}
