//! The drives, folders and files a GraphQL request opens by id, and a group's drive through the
//! request's DataLoader (one statement for a list of groups): other features' types and
//! mutations (`Group.drive`, following a folder) call these.

use async_graphql::Context;
use uuid::Uuid;

use super::access::{self, DriveView};
use super::graphql::{FileView, FolderView, GroupDrives};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::loaders;
use crate::groups::GroupAccess;
use crate::policy::{self, Action, Resource};

pub async fn load_drive(ctx: &Context<'_>, id: Uuid) -> ApiResult<DriveView> {
    let mut conn = ctx.conn().await?;
    access::drive_by_id(&mut conn, ctx.viewer()?, id).await
}

pub async fn load_folder(ctx: &Context<'_>, id: Uuid) -> ApiResult<FolderView> {
    let mut conn = ctx.conn().await?;
    let (folder, drive) = access::folder_by_id(&mut conn, ctx.viewer()?, id).await?;
    Ok(FolderView { folder, drive })
}

pub async fn load_file(ctx: &Context<'_>, id: Uuid) -> ApiResult<FileView> {
    let mut conn = ctx.conn().await?;
    let (file, drive) = access::file_by_id(&mut conn, ctx.viewer()?, id, true).await?;
    Ok(FileView { file, drive })
}

/// A group's drive, made on first use.
pub async fn group_drive(ctx: &Context<'_>, group: &GroupAccess) -> ApiResult<Option<DriveView>> {
    let viewer = ctx.viewer()?;
    // Nothing is made for someone who may not see inside the group.
    if !policy::can(viewer, Action::ViewContent, Resource::Group(group)).allowed() {
        return Ok(None);
    }
    let drive = loaders::children_of::<GroupDrives>(ctx, group.group.id, ())
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no drive for {}", group.group.id)))?;
    let view = DriveView {
        drive,
        group: Some(group.clone()),
    };
    Ok(view.can(viewer, Action::View).then_some(view))
}
