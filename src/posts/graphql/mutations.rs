//! The mutations of the news feed: thin, each parses its input, asks the policy and calls the
//! service or the model.

use super::reactions::change_reaction;
use super::*;

/// The post and where to (un)pin it, once the viewer is allowed to.
async fn pin_target(
    ctx: &Context<'_>,
    post_id: &ID,
    group_id: Option<&ID>,
) -> ApiResult<(Post, Option<Uuid>)> {
    let viewer = ctx.viewer()?;
    let post = load_visible(ctx, ids::decode_as(post_id, TYPE_NAME, "postId")?).await?;
    match group_id {
        Some(id) => {
            let group_uuid = ids::decode_as(id, crate::groups::TYPE_NAME, "groupId")?;
            let group = crate::groups::loading::load_visible(ctx, group_uuid).await?;
            policy::require(
                viewer,
                Action::Manage,
                Resource::Group(&group),
                crate::groups::TYPE_NAME,
                "Only the group's managers pin posts.",
            )?;
            let in_group = audiences(ctx, post.id)
                .await?
                .iter()
                .any(|a| a.group.id == group_uuid);
            if !in_group {
                return Err(ApiError::bad_input(
                    "groupId",
                    "the post is not in this group",
                ));
            }
            Ok((post, Some(group_uuid)))
        }
        None => {
            policy::require(
                viewer,
                Action::Manage,
                Resource::Organization,
                "Organization",
                "Only org admins pin posts on the home.",
            )?;
            if !post.organization_wide {
                return Err(ApiError::bad_input(
                    "postId",
                    "only organization-wide posts go on the home",
                ));
            }
            Ok((post, None))
        }
    }
}

/// A live comment on a readable post (returned with it) that the viewer wrote (or, with
/// `moderators`, may remove as one who may delete the post).
async fn own_comment(ctx: &Context<'_>, id: &ID, moderators: bool) -> ApiResult<(Comment, Post)> {
    let viewer = ctx.viewer()?;
    let (comment, post) = live_comment(ctx, ids::decode_as(id, COMMENT_TYPE, "commentId")?).await?;
    let author = comment.author_id == Some(viewer.id());
    let moderator = moderators && decide(ctx, &post, Action::Delete).await?.allowed();
    if !author && !moderator {
        return Err(ApiError::Forbidden(
            "Only its author changes a comment.".into(),
        ));
    }
    Ok((comment, post))
}

/// The audit entry for removing what someone else wrote (`author`), which only the post's groups'
/// managers and org admins may do: `target` in the first of the post's groups the viewer manages.
/// `None` when the viewer removes their own.
async fn moderation(
    ctx: &Context<'_>,
    post: &Post,
    author: Option<Uuid>,
    target: Change,
) -> ApiResult<Option<(Audit, Change)>> {
    let viewer = ctx.viewer()?;
    if author == Some(viewer.id()) {
        return Ok(None);
    }
    let managed = audiences(ctx, post.id)
        .await?
        .into_iter()
        .find(|group| policy::can(viewer, Action::Manage, Resource::Group(group)).allowed());
    let change = target.in_group_if_any(managed.map(|group| group.group.id));
    Ok(Some((Audit::of(ctx)?, change)))
}

/// Where a post is pinned, as audit snapshots show it.
#[derive(serde::Serialize)]
struct PinSnapshot {
    group_id: Option<Uuid>,
    position: i32,
}

/// An audit entry about a post's pin, in the group it is pinned in (none on the home).
fn pin_change(post: Uuid, group: Option<Uuid>) -> Change {
    Change::of(TYPE_NAME, post).in_group_if_any(group)
}

#[derive(Default)]
pub struct PostMutation;

#[Object]
impl PostMutation {
    /// Publishes a post in groups where the viewer may post, or organization-wide (admins and
    /// communicators); as a draft or scheduled post, it waits for its time or `publishPost`.
    async fn create_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post to publish: its audience, text, poll and attachments.")]
        input: CreatePostInput,
    ) -> ApiResult<CreatePostPayload> {
        let viewer = ctx.viewer()?;
        let body = body("body", &input.body)?;
        let title = title(input.title)?;
        let organization_wide = renamed::organization_wide(
            "",
            input.organization_wide,
            input.deprecated_organization_wide,
        )?;
        if input.group_ids.is_empty() && !organization_wide {
            return Err(ApiError::bad_input(
                "groupIds",
                "give at least one group, or organizationWide",
            ));
        }
        if input.group_ids.len() > MAX_AUDIENCES {
            return Err(ApiError::bad_input(
                "groupIds",
                format!("at most {MAX_AUDIENCES} groups"),
            ));
        }
        let publication = Publication {
            published_at: publication_time(input.draft, input.publish_at)?,
            poll: new_poll(input.poll)?,
            attachments: attachments::service::parse_ids(&input.attachment_ids)?,
            groups: input
                .group_ids
                .iter()
                .map(|id| ids::decode_as(id, crate::groups::TYPE_NAME, "groupIds"))
                .collect::<ApiResult<_>>()?,
            organization_wide,
            requires_acknowledgement: input.requires_acknowledgement,
            title,
            body,
        };
        let post = service::publish(
            &mut *ctx.conn().await?,
            ctx.services(),
            Author::Person(viewer),
            publication,
        )
        .await?;
        Ok(CreatePostPayload { post })
    }

    /// Changes the viewer's own post; mentions follow the new text.
    async fn update_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post to change and its new title, text or attachments.")]
        input: UpdatePostInput,
    ) -> ApiResult<UpdatePostPayload> {
        let viewer = ctx.viewer()?;
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        require_on_post(ctx, &post, Action::Edit, "Only the author edits a post.").await?;
        let new_body = input
            .body
            .as_deref()
            .map(|text| body("body", text))
            .transpose()?;
        let attachment_ids = input
            .attachment_ids
            .as_deref()
            .map(attachments::service::parse_ids)
            .transpose()?;
        let changes = PostChanges {
            title: input.title.map(|t| title(Some(t))).transpose()?,
            body_html: new_body.as_deref().map(crate::markdown::to_safe_html),
            body: new_body,
            edited_at: Some(Utc::now()),
        };
        let services = ctx.services().clone();
        let mut conn = ctx.conn().await?;
        let post = conn
            .transaction::<_, ApiError, _>(async |conn| {
                model::save_version(conn, &post).await?;
                let updated = model::update(conn, post.id, &changes).await?;
                if changes.body.is_some() {
                    let newly =
                        service::record_mentions(conn, &updated, Author::Person(viewer)).await?;
                    // A draft's mentions are told when it is published.
                    if updated.is_live() && !newly.is_empty() {
                        let trigger = Trigger::PostMentioned {
                            post_id: updated.id,
                            user_ids: newly,
                        };
                        triggers::enqueue(conn, trigger).await?;
                    }
                }
                if let Some(ids) = &attachment_ids {
                    attachments::service::set(conn, Subject::post(post.id), ids, viewer.id())
                        .await?;
                }
                services
                    .events
                    .publish(conn, &Event::PostUpdated { id: updated.id })
                    .await?;
                Ok(updated)
            })
            .await?;
        Ok(UpdatePostPayload { post })
    }

    /// Removes a post (its author, its groups' managers, org admins).
    async fn delete_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post to delete.")] input: DeletePostInput,
    ) -> ApiResult<DeletePostPayload> {
        let viewer = ctx.viewer()?;
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        require_on_post(
            ctx,
            &post,
            Action::Delete,
            "Only the author or a manager deletes a post.",
        )
        .await?;
        let target = Change::of(TYPE_NAME, post.id).before(&post)?;
        let moderation = moderation(ctx, &post, post.author_id, target).await?;
        let services = ctx.services().clone();
        ctx.conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                model::soft_delete(conn, post.id, viewer.id()).await?;
                if let Some((audit, change)) = moderation {
                    audit.record(conn, change).await?;
                }
                services
                    .events
                    .publish(conn, &Event::PostUpdated { id: post.id })
                    .await
            })
            .await?;
        Ok(DeletePostPayload {
            deleted_post_id: input.post_id,
        })
    }

    /// Pins a post in one of its groups (that group's managers) or, without `groupId`, on the
    /// organization's home (org admins, organization-wide posts). Pinning again moves it.
    async fn pin_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post to pin, and where.")] input: PinPostInput,
    ) -> ApiResult<PinPostPayload> {
        let (post, group) = pin_target(ctx, &input.post_id, input.group_id.as_ref()).await?;
        let viewer = ctx.viewer()?;
        let audit = Audit::of(ctx)?;
        ctx.conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                model::pin(conn, post.id, group, input.position, viewer.id()).await?;
                let pin = PinSnapshot {
                    group_id: group,
                    position: input.position,
                };
                audit
                    .record(conn, pin_change(post.id, group).after(&pin)?)
                    .await
            })
            .await?;
        Ok(PinPostPayload { post })
    }

    /// Unpins a post from one of its groups (that group's managers) or, without `groupId`, from
    /// the organization's home (org admins); BAD_USER_INPUT when it is not pinned there.
    async fn unpin_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pinned post, and where it is pinned.")] input: UnpinPostInput,
    ) -> ApiResult<UnpinPostPayload> {
        let (post, group) = pin_target(ctx, &input.post_id, input.group_id.as_ref()).await?;
        let audit = Audit::of(ctx)?;
        ctx.conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                let position = model::unpin(conn, post.id, group).await?.ok_or_else(|| {
                    ApiError::bad_input("postId", "this post is not pinned there")
                })?;
                let pin = PinSnapshot {
                    group_id: group,
                    position,
                };
                audit
                    .record(conn, pin_change(post.id, group).before(&pin)?)
                    .await
            })
            .await?;
        Ok(UnpinPostPayload { post })
    }

    /// Publishes the viewer's draft or scheduled post, now or at `publishAt`; CONFLICT once it is
    /// out.
    async fn publish_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft or scheduled post to publish, and when.")]
        input: PublishPostInput,
    ) -> ApiResult<PublishPostPayload> {
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        require_on_post(
            ctx,
            &post,
            Action::Edit,
            "Only the author publishes a post.",
        )
        .await?;
        if post.is_live() {
            return Err(ApiError::Conflict("This post is already published.".into()));
        }
        let at = publication_time(false, input.publish_at)?.unwrap_or_else(Utc::now);
        let services = ctx.services().clone();
        let post = ctx
            .conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                let post = model::set_published_at(conn, post.id, at).await?;
                service::announce(conn, &services, &post).await?;
                Ok(post)
            })
            .await?;
        Ok(PublishPostPayload { post })
    }

    /// Votes in a post's poll; voting again replaces the earlier vote until the poll closes
    /// (CONFLICT after).
    async fn cast_vote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The poll's post and the options chosen.")] input: CastVoteInput,
    ) -> ApiResult<CastVotePayload> {
        let viewer = ctx.viewer()?;
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        let mut conn = ctx.conn().await?;
        let (poll, options) = polls::find(&mut conn, post.id)
            .await?
            .ok_or_else(|| ApiError::bad_input("postId", "this post has no poll"))?;
        if let Some(closed_at) = poll.closed_at() {
            return Err(ApiError::Conflict(format!(
                "This poll closed on {}; it takes no more votes.",
                closed_at.format("%Y-%m-%d at %H:%M UTC")
            )));
        }
        let mut chosen = Vec::with_capacity(input.option_ids.len());
        for id in &input.option_ids {
            let option = ids::decode_as(id, POLL_OPTION_TYPE, "optionIds")?;
            if !options.iter().any(|o| o.id == option) {
                return Err(ApiError::bad_input(
                    "optionIds",
                    "not an option of this poll",
                ));
            }
            if !chosen.contains(&option) {
                chosen.push(option);
            }
        }
        if chosen.is_empty() || (!poll.multiple_choice && chosen.len() > 1) {
            let rule = if poll.multiple_choice {
                "choose at least one option"
            } else {
                "choose exactly one option"
            };
            return Err(ApiError::bad_input("optionIds", rule));
        }
        conn.transaction::<_, ApiError, _>(async |conn| {
            polls::vote(conn, &poll, viewer.id(), &chosen).await
        })
        .await?;
        // Recording loads the post's audience on other connections: hold none meanwhile.
        drop(conn);
        record_on_post(ctx, &post, ActivityKind::Voted).await?;
        Ok(CastVotePayload { post })
    }

    /// Confirms the viewer read an announcement; twice is once.
    async fn acknowledge_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The announcement to acknowledge.")] input: AcknowledgePostInput,
    ) -> ApiResult<AcknowledgePostPayload> {
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        if !post.requires_acknowledgement {
            return Err(ApiError::bad_input(
                "postId",
                "this post does not ask for acknowledgement",
            ));
        }
        model::acknowledge(&mut *ctx.conn().await?, post.id, ctx.viewer()?.id()).await?;
        record_on_post(ctx, &post, ActivityKind::Acknowledged).await?;
        Ok(AcknowledgePostPayload { post })
    }

    /// Comments on a post the viewer may read, or replies to one of its top-level comments.
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The post to comment on (or the comment to reply to), the text and its attachments."
        )]
        input: AddCommentInput,
    ) -> ApiResult<AddCommentPayload> {
        let viewer = ctx.viewer()?;
        let post = load_visible(ctx, ids::decode_as(&input.post_id, TYPE_NAME, "postId")?).await?;
        // One comments on what one has read.
        record_reading(ctx, &post).await?;
        let body = body("body", &input.body)?;
        let attachment_ids = attachments::service::parse_ids(&input.attachment_ids)?;
        let mut conn = ctx.conn().await?;
        let parent = match &input.reply_to_id {
            Some(id) => {
                let parent =
                    model::find_comment(&mut conn, ids::decode_as(id, COMMENT_TYPE, "replyToId")?)
                        .await?
                        .filter(|c| c.post_id == post.id && c.deleted_at.is_none())
                        .ok_or(ApiError::NotFound(COMMENT_TYPE))?;
                if parent.parent_id.is_some() {
                    return Err(ApiError::bad_input(
                        "replyToId",
                        "replies go to top-level comments (one level)",
                    ));
                }
                Some(parent.id)
            }
            None => None,
        };
        let services = ctx.services().clone();
        let comment = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let comment =
                    model::insert_comment(conn, post.id, parent, viewer.id(), &body).await?;
                let subject = Subject::comment(comment.id);
                attachments::service::set(conn, subject, &attachment_ids, viewer.id()).await?;
                let event = Event::CommentAdded {
                    post_id: post.id,
                    comment_id: comment.id,
                };
                services.events.publish(conn, &event).await?;
                let trigger = Trigger::CommentAdded {
                    comment_id: comment.id,
                };
                triggers::enqueue(conn, trigger).await?;
                Ok(comment)
            })
            .await?;
        // Recording loads the post's audience on other connections: hold none meanwhile.
        drop(conn);
        record_on_post(ctx, &post, ActivityKind::Commented).await?;
        Ok(AddCommentPayload { comment })
    }

    /// Changes the viewer's own comment.
    async fn update_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The comment to change and its new text.")] input: UpdateCommentInput,
    ) -> ApiResult<UpdateCommentPayload> {
        let viewer = ctx.viewer()?;
        let (comment, _) = own_comment(ctx, &input.comment_id, false).await?;
        let body = body("body", &input.body)?;
        let attachment_ids = input
            .attachment_ids
            .as_deref()
            .map(attachments::service::parse_ids)
            .transpose()?;
        let comment = ctx
            .conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                if let Some(ids) = &attachment_ids {
                    attachments::service::set(conn, Subject::comment(comment.id), ids, viewer.id())
                        .await?;
                }
                model::update_comment(conn, comment.id, &body).await
            })
            .await?;
        Ok(UpdateCommentPayload { comment })
    }

    /// Removes a comment (its author, or whoever may delete the post).
    async fn delete_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The comment to delete.")] input: DeleteCommentInput,
    ) -> ApiResult<DeleteCommentPayload> {
        let (comment, post) = own_comment(ctx, &input.comment_id, true).await?;
        let target = Change::of(COMMENT_TYPE, comment.id).before(&comment)?;
        let moderation = moderation(ctx, &post, comment.author_id, target).await?;
        ctx.conn()
            .await?
            .transaction::<_, ApiError, _>(async |conn| {
                model::soft_delete_comment(conn, comment.id).await?;
                if let Some((audit, change)) = moderation {
                    audit.record(conn, change).await?;
                }
                Ok(())
            })
            .await?;
        Ok(DeleteCommentPayload {
            deleted_comment_id: input.comment_id,
        })
    }

    /// Reacts to a post, comment or chat message; the same emoji twice changes nothing.
    async fn add_reaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post or comment, and the emoji.")] input: AddReactionInput,
    ) -> ApiResult<AddReactionPayload> {
        change_reaction(ctx, input.subject_id, &input.emoji, true)
            .await
            .map(Into::into)
    }

    /// Takes back the viewer's reaction with this emoji on a post, comment or message; one that is not
    /// there changes nothing.
    async fn remove_reaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post or comment, and the emoji to take back.")]
        input: RemoveReactionInput,
    ) -> ApiResult<RemoveReactionPayload> {
        change_reaction(ctx, input.subject_id, &input.emoji, false)
            .await
            .map(Into::into)
    }
}
