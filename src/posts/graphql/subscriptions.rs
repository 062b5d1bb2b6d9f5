//! The feed's subscriptions, checked for each subscriber and each event.

use super::*;
use crate::events::judged;
use crate::posts::service::PostSnapshot;
use crate::services::Services;

#[derive(Default)]
pub struct PostSubscription;

#[Subscription]
impl PostSubscription {
    /// New posts the viewer may read (only one group's with `groupId`), from any server instance;
    /// a scheduled post arrives at its publication time.
    async fn post_published(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only posts in this group (one whose posts the viewer may read).")]
        group_id: Option<ID>,
    ) -> Result<impl Stream<Item = ApiResult<Post>> + use<>, ApiError> {
        let viewer = ctx.viewer()?.clone();
        let group = match &group_id {
            Some(id) => Some(readable_group(ctx, id, "groupId").await?),
            None => None,
        };
        let services = ctx.services().clone();
        remember_roles(&services, ctx.viewer()?).await?;
        let events = services
            .events
            .subscribe_matching(|event| matches!(event, Event::PostPublished { .. }));
        Ok(judged(
            events,
            services,
            viewer,
            move |services, viewer, event| {
                Box::pin(async move {
                    let Event::PostPublished { id } = **event else {
                        return Ok(None);
                    };
                    let snapshot = event.read_once(|| PostSnapshot::read(services, id)).await?;
                    if group.is_some_and(|group| !snapshot.published_in(group)) {
                        return Ok(None);
                    }
                    snapshot.readable_by(services, viewer).await
                })
            },
        ))
    }

    /// The post each time it is edited; NOT_FOUND once it is deleted or no longer readable.
    async fn post_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post to watch (one the viewer may read).")] id: ID,
    ) -> Result<impl Stream<Item = ApiResult<Post>> + use<>, ApiError> {
        let post_id = load_visible(ctx, ids::decode_as(&id, TYPE_NAME, "id")?)
            .await?
            .id;
        let services = ctx.services().clone();
        remember_roles(&services, ctx.viewer()?).await?;
        let events = services.events.subscribe_matching(
            move |event| matches!(event, Event::PostUpdated { id } if *id == post_id),
        );
        Ok(judged(
            events,
            services,
            ctx.viewer()?.clone(),
            move |services, viewer, event| {
                Box::pin(async move {
                    event
                        .read_once(|| PostSnapshot::read(services, post_id))
                        .await?
                        .readable_by(services, viewer)
                        .await?
                        .map(Some)
                        .ok_or(ApiError::NotFound(TYPE_NAME))
                })
            },
        ))
    }

    /// Each new comment (or reply) on a post, while the viewer may read the post.
    async fn comment_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post whose comments to watch (one the viewer may read).")]
        post_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<Comment>> + use<>, ApiError> {
        let post_id = load_visible(ctx, ids::decode_as(&post_id, TYPE_NAME, "postId")?)
            .await?
            .id;
        let services = ctx.services().clone();
        remember_roles(&services, ctx.viewer()?).await?;
        let events = services.events.subscribe_matching(
            move |event| matches!(event, Event::CommentAdded { post_id: post, .. } if *post == post_id),
        );
        Ok(judged(
            events,
            services,
            ctx.viewer()?.clone(),
            move |services, viewer, event| {
                Box::pin(async move {
                    let Event::CommentAdded { comment_id, .. } = **event else {
                        return Ok(None);
                    };
                    let snapshot = event
                        .read_once(|| PostSnapshot::read(services, post_id))
                        .await?;
                    if snapshot.readable_by(services, viewer).await?.is_none() {
                        return Ok(None);
                    }
                    let comment = event
                        .read_once(|| async {
                            let mut conn = services.pool.get().await?;
                            model::find_comment(&mut conn, comment_id).await
                        })
                        .await?;
                    Ok(Option::clone(&comment))
                })
            },
        ))
    }

    /// The reactions of a post or comment each time they change.
    async fn reactions_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post or comment to watch (on a post the viewer may read).")]
        subject_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<ReactionPayload>> + use<>, ApiError> {
        let (subject, post) = subject_post(ctx, &subject_id).await?;
        let post = post.id;
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(
            move |event| matches!(event, Event::ReactionsChanged { subject_id } if *subject_id == subject),
        );
        Ok(reauthorized(
            events,
            services,
            ctx.viewer()?.clone(),
            move |conn, viewer, _| {
                let subject_id = subject_id.clone();
                Box::pin(async move {
                    if service::readable(conn, viewer, post).await?.is_none() {
                        return Ok(None);
                    }
                    let reactions = model::reaction_summaries(conn, &[subject], viewer.id())
                        .await?
                        .remove(&subject)
                        .unwrap_or_default();
                    Ok(Some(ReactionPayload {
                        subject_id,
                        reactions,
                    }))
                })
            },
        ))
    }
}

/// Reads the viewer's group roles as the subscription starts, so that no event waits for them.
async fn remember_roles(services: &Services, viewer: &crate::auth::Viewer) -> ApiResult<()> {
    services
        .group_roles
        .of(&services.pool, viewer.id())
        .await
        .map(drop)
}
