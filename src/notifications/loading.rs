//! The viewer's own notification data as GraphQL requests show it on other features' types
//! (`User.notifications` and its counts and settings, `Group.viewerNotificationLevel`,
//! `Folder.viewerFollows`): the per-item fields go through DataLoaders, so a list of groups or
//! folders costs one statement.

use async_graphql::Context;
use uuid::Uuid;

use super::graphql::{
    FolderFollows, GroupLevels, GroupNotificationLevel, NotificationFilter, NotificationSettings,
    settings_of,
};
use super::model::{self, Filter, Notification};
use crate::error::ApiResult;
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::loaders;
use crate::pagination::PageRequest;

/// The viewer's notifications, most recently active first (for `User.notifications`).
pub async fn viewer_notifications(
    ctx: &Context<'_>,
    page: PageRequest<model::Cursor>,
    filter: Option<NotificationFilter>,
) -> ApiResult<PageConnection<Notification>> {
    let viewer = ctx.viewer()?.id();
    let filter = filter.unwrap_or_default();
    let filter = Filter {
        unread_only: filter.unread_only,
        kinds: filter.kinds.into_iter().map(Into::into).collect(),
    };
    let page = model::page(&mut *ctx.conn().await?, viewer, &filter, &page).await?;
    Ok(connection(
        page,
        |notification| (notification.updated_at, notification.id),
        |notification| notification,
    ))
}

/// The viewer's unread notifications and, of those, the ones not yet seen.
pub async fn viewer_counts(ctx: &Context<'_>) -> ApiResult<(i64, i64)> {
    let viewer = ctx.viewer()?.id();
    model::unread_counts(&mut *ctx.conn().await?, viewer).await
}

/// The viewer's settings (for `User.notificationSettings`).
pub async fn viewer_settings(ctx: &Context<'_>) -> ApiResult<NotificationSettings> {
    let viewer = ctx.viewer()?;
    settings_of(&mut *ctx.conn().await?, &viewer.user).await
}

/// The viewer's setting for a group (for `Group.viewerNotificationLevel`), loaded with those of
/// the other groups of a list.
pub async fn viewer_group_level(
    ctx: &Context<'_>,
    group: Uuid,
) -> ApiResult<GroupNotificationLevel> {
    let viewer = ctx.viewer()?.id();
    let level = loaders::children_of::<GroupLevels>(ctx, group, viewer).await?;
    Ok(GroupNotificationLevel::of(level))
}

/// Whether the viewer follows a folder (for `Folder.viewerFollows`), loaded with the other
/// folders of a list.
pub async fn viewer_follows(ctx: &Context<'_>, folder: Uuid) -> ApiResult<bool> {
    let viewer = ctx.viewer()?.id();
    Ok(loaders::children_of::<FolderFollows>(ctx, folder, viewer)
        .await?
        .unwrap_or_default())
}
