//! Making, changing, archiving and deleting groups.

use async_graphql::{Context, Object};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::super::model::{self, GroupChanges, NewGroup};
use super::super::service::{
    check_join_policy, default_join_policy, description, group_change, lock_for, new_slug, reload,
    require,
};
use super::super::slugs::{self, WantedSlug};
use super::super::{GroupRole, JoinPolicy, PostingPolicy, Visibility};
use super::{
    AVATAR_FIELD, ArchiveGroupInput, ArchiveGroupPayload, COVER_FIELD, CreateGroupInput,
    CreateGroupPayload, DeleteGroupInput, DeleteGroupPayload, UnarchiveGroupInput,
    UnarchiveGroupPayload, UpdateGroupInput, UpdateGroupPayload, change_allowed_if, group_id,
    set_archived,
};
use crate::attachments::service as attachments;
use crate::audit::Audit;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::policy::{self, Action, Resource};
use crate::validation::{self};

#[derive(Default)]
pub struct GroupLifecycleMutation;

#[Object]
impl GroupLifecycleMutation {
    /// Creates a group; the viewer becomes its owner. Members and admins, not guests.
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to create.")] input: CreateGroupInput,
    ) -> ApiResult<CreateGroupPayload> {
        let viewer = ctx.viewer()?;
        policy::require(
            viewer,
            Action::Post,
            Resource::Organization,
            "Organization",
            "Guests cannot create groups.",
        )?;
        let name = validation::display_name("name", &input.name)?;
        let (slug, chosen) = match input.slug {
            Some(slug) => (validation::slug("slug", &slug)?, true),
            None => (
                validation::slug("name", &validation::slugify(&name))?,
                false,
            ),
        };
        let visibility: Visibility = input.visibility.into();
        let join_policy = input
            .join_policy
            .map(Into::into)
            .unwrap_or_else(|| default_join_policy(visibility));
        check_join_policy(visibility, join_policy)?;
        let description = description(input.description)?.unwrap_or_default();
        let mut conn = ctx.conn().await?;
        let wanted = WantedSlug {
            slug,
            chosen,
            visibility,
            group: None,
        };
        let group = NewGroup {
            id: Uuid::now_v7(),
            name,
            slug: slugs::available(&mut conn, viewer, &wanted).await?,
            description,
            visibility,
            join_policy,
            posting_policy: input
                .posting_policy
                .map_or(PostingPolicy::Members, Into::into),
            created_by: Some(viewer.id()),
        };
        let access = conn
            .transaction::<_, ApiError, _>(async |conn| {
                model::insert(conn, &group).await?;
                model::add_member(conn, group.id, viewer.id(), GroupRole::Owner).await?;
                reload(conn, viewer, group.id).await
            })
            .await?;
        Ok(CreateGroupPayload { group: access })
    }

    /// Changes a group's settings (managers and org admins). Leaving the REQUEST join policy
    /// cancels the pending join requests.
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to change and its new settings.")] input: UpdateGroupInput,
    ) -> ApiResult<UpdateGroupPayload> {
        let id = group_id(&input.group_id, "groupId")?;
        let changes = GroupChanges {
            name: input
                .name
                .map(|name| validation::display_name("name", &name))
                .transpose()?,
            slug: input
                .slug
                .map(|slug| validation::slug("slug", &slug))
                .transpose()?,
            description: description(input.description)?,
            visibility: input.visibility.map(Into::into),
            join_policy: input.join_policy.map(Into::into),
            posting_policy: input.posting_policy.map(Into::into),
            event_policy: input.event_policy.map(Into::into),
            drive_policy: input.drive_policy.map(Into::into),
            avatar_attachment_id: None,
            cover_attachment_id: None,
        };
        let avatar = attachments::parse_image_id(&input.avatar_attachment_id, AVATAR_FIELD)?;
        let cover = attachments::parse_image_id(&input.cover_attachment_id, COVER_FIELD)?;
        let viewer = ctx.viewer()?;
        let audit = Audit::of(ctx)?;
        let access = change_allowed_if(
            ctx,
            id,
            Action::Manage,
            "Only the group's managers change its settings.",
            |current| {
                check_join_policy(
                    changes.visibility.unwrap_or(current.group.visibility),
                    changes.join_policy.unwrap_or(current.group.join_policy),
                )
            },
            async |conn| {
                let before = model::lock(conn, id).await?;
                let (old_avatar, old_cover) = model::images(conn, id).await?;
                let changes = GroupChanges {
                    slug: new_slug(conn, viewer, &before, &changes).await?,
                    avatar_attachment_id: attachments::claim_new_image(
                        conn,
                        old_avatar,
                        avatar,
                        viewer.id(),
                        AVATAR_FIELD,
                    )
                    .await?,
                    cover_attachment_id: attachments::claim_new_image(
                        conn,
                        old_cover,
                        cover,
                        viewer.id(),
                        COVER_FIELD,
                    )
                    .await?,
                    ..changes.clone()
                };
                if changes.is_empty() {
                    return Ok(());
                }
                let group = model::update(conn, id, &changes).await?;
                let change = group_change(id).before(&before)?.after(&group)?;
                audit.record(conn, change).await?;
                if group.join_policy != JoinPolicy::Request {
                    model::cancel_pending_join_requests(conn, id).await?;
                }
                if changes.avatar_attachment_id.is_some() {
                    attachments::drop_if_unused(conn, old_avatar).await?;
                }
                if changes.cover_attachment_id.is_some() {
                    attachments::drop_if_unused(conn, old_cover).await?;
                }
                Ok(())
            },
        )
        .await?;
        Ok(UpdateGroupPayload { group: access })
    }

    /// Makes a group read-only (managers and org admins): nobody joins or posts until it is
    /// unarchived.
    async fn archive_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to archive.")] input: ArchiveGroupInput,
    ) -> ApiResult<ArchiveGroupPayload> {
        set_archived(ctx, &input.group_id, true)
            .await
            .map(Into::into)
    }

    /// Makes an archived group writable again (managers and org admins).
    async fn unarchive_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The archived group to reopen.")] input: UnarchiveGroupInput,
    ) -> ApiResult<UnarchiveGroupPayload> {
        set_archived(ctx, &input.group_id, false)
            .await
            .map(Into::into)
    }

    /// Deletes a group and everything in it, for good (owners and org admins).
    async fn delete_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to delete.")] input: DeleteGroupInput,
    ) -> ApiResult<DeleteGroupPayload> {
        let viewer = ctx.viewer()?;
        let audit = Audit::of(ctx)?;
        let id = group_id(&input.group_id, "groupId")?;
        let mut conn = ctx.conn().await?;
        conn.transaction::<_, ApiError, _>(async |conn| {
            let current = lock_for(conn, viewer, id).await?;
            require(
                viewer,
                Action::Delete,
                &current,
                "Only the group's owners delete it.",
            )?;
            audit
                .record(conn, group_change(id).before(&current.group)?)
                .await?;
            model::delete(conn, id).await
        })
        .await?;
        Ok(DeleteGroupPayload {
            deleted_group_id: input.group_id,
        })
    }
}
