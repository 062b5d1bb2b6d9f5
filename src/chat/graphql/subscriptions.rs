//! Live chat: new and changed messages of a conversation, for each subscriber who may read it
//! at the time of each event, from any server instance.

use std::sync::Arc;

use async_graphql::{Context, ID, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use futures::future::BoxFuture;
use uuid::Uuid;

use super::types::MessageView;
use crate::chat::snapshot::ConversationSnapshot;
use crate::chat::{CONVERSATION_TYPE, ConversationAccess, loading, model};
use crate::error::{ApiError, ApiResult};
use crate::events::{Delivered, Event, judged};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::services::Services;
use crate::users::User;
use crate::users::visibility::Sight;

/// Someone typing in a conversation.
#[derive(SimpleObject)]
pub struct TypingIndicator {
    /// Who is typing.
    pub user: User,
    /// Until when to show it, unless another indicator comes (5 seconds).
    pub expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct ChatSubscription;

#[Subscription]
impl ChatSubscription {
    /// Each message sent in a conversation (replies in threads included), while the viewer may
    /// read it: one who loses access (leaves the group, is removed) receives nothing more.
    async fn message_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A conversation the viewer may read.")] conversation_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<MessageView>> + use<>, ApiError> {
        let id = watched(ctx, &conversation_id).await?;
        messages_of(ctx, id, |event| match event {
            Event::MessageAdded {
                conversation_id,
                message_id,
            } => Some((*conversation_id, *message_id)),
            _ => None,
        })
        .await
    }

    /// Each message of a conversation that is edited or deleted, or whose thread grows.
    async fn message_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A conversation the viewer may read.")] conversation_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<MessageView>> + use<>, ApiError> {
        let id = watched(ctx, &conversation_id).await?;
        messages_of(ctx, id, |event| match event {
            Event::MessageUpdated {
                conversation_id,
                message_id,
            } => Some((*conversation_id, *message_id)),
            _ => None,
        })
        .await
    }

    /// The viewer's conversations each time one changes for them: a new message (unread counts
    /// and last activity), a rename, an archive, new members, their read marker moved from
    /// another device. Refetch the list after reconnecting.
    async fn conversation_updated(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = ApiResult<ConversationAccess>> + use<>, ApiError> {
        let services = ctx.services().clone();
        let viewer = ctx.viewer()?.clone();
        services.group_roles.of(&services.pool, viewer.id()).await?;
        let me = viewer.id();
        let events = services
            .events
            .subscribe_matching(move |event| match event {
                Event::ConversationRead { user_id, .. } => *user_id == me,
                _ => changed_conversation(event).is_some(),
            });
        Ok(judged(
            events,
            services,
            viewer,
            |services, viewer, event| {
                Box::pin(async move {
                    let Some(id) = changed_conversation(event) else {
                        return Ok(None);
                    };
                    let access = snapshot(services, event, id)
                        .await?
                        .seen_by(services, viewer)
                        .await?;
                    Ok(access.filter(|access| access.member))
                })
            },
        ))
    }

    /// These people each time they come online, go offline, or say they are away or back.
    async fn presence_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Up to 100 people the viewer may see.")] user_ids: Vec<ID>,
    ) -> Result<impl Stream<Item = ApiResult<User>> + use<>, ApiError> {
        if user_ids.len() > crate::graphql::node::MAX_NODES {
            return Err(ApiError::bad_input("userIds", "at most 100 people"));
        }
        let mut people = user_ids
            .iter()
            .enumerate()
            .map(|(index, id)| {
                ids::decode_as(id, crate::users::TYPE_NAME, &format!("userIds[{index}]"))
            })
            .collect::<ApiResult<Vec<Uuid>>>()?;
        people.sort_unstable();
        people.dedup();
        // One look-up for all of them: someone the viewer may not see is NOT_FOUND.
        let seen = crate::users::loading::visible_people(ctx, &people).await?;
        if seen.len() < people.len() {
            return Err(ApiError::NotFound(crate::users::TYPE_NAME));
        }
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(presence_of_any(people));
        Ok(judged(
            events,
            services,
            ctx.viewer()?.clone(),
            |services, viewer, event| {
                Box::pin(async move {
                    let Event::PresenceChanged { user_id } = **event else {
                        return Ok(None);
                    };
                    person_seen_by(services, viewer, event, user_id).await
                })
            },
        ))
    }

    /// Who starts typing in a conversation (the viewer's own typing left out).
    async fn typing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A conversation the viewer may read.")] conversation_id: ID,
    ) -> Result<impl Stream<Item = ApiResult<TypingIndicator>> + use<>, ApiError> {
        let id = watched(ctx, &conversation_id).await?;
        let services = ctx.services().clone();
        let viewer = ctx.viewer()?.clone();
        services.group_roles.of(&services.pool, viewer.id()).await?;
        let me = viewer.id();
        let events = services.events.subscribe_topic(
            id,
            move |event| matches!(event, Event::Typing { user_id, .. } if *user_id != me),
        );
        Ok(judged(
            events,
            services,
            viewer,
            move |services, viewer, event| {
                Box::pin(async move {
                    let Event::Typing { user_id, .. } = **event else {
                        return Ok(None);
                    };
                    if snapshot(services, event, id)
                        .await?
                        .seen_by(services, viewer)
                        .await?
                        .is_none()
                    {
                        return Ok(None);
                    }
                    let typist = person_seen_by(services, viewer, event, user_id).await?;
                    Ok(typist.map(|user| TypingIndicator {
                        user,
                        expires_at: Utc::now() + crate::chat::TYPING_LASTS,
                    }))
                })
            },
        ))
    }
}

/// The person an event names, read once for all of this instance's subscribers, if `viewer` may
/// see them (the database is asked again only for a guest looking at someone else).
async fn person_seen_by(
    services: &Services,
    viewer: &crate::auth::Viewer,
    event: &Delivered,
    person: Uuid,
) -> ApiResult<Option<User>> {
    let found = event
        .read_once(|| async {
            let mut conn = services.pool.get().await?;
            Ok(crate::users::model::find_many(&mut conn, &[person])
                .await?
                .pop())
        })
        .await?;
    let Some(user) = Option::clone(&found) else {
        return Ok(None);
    };
    let seen = if crate::users::visibility::needs_shared_group(viewer, &user) {
        let mut conn = services.pool.get().await?;
        crate::users::visibility::visible_to(&mut conn, viewer, &user).await?
    } else {
        Sight::without_look_up(viewer).sees(&user)
    };
    Ok(seen.then_some(user))
}

/// Events of the presence of `people`.
fn presence_of_any(people: Vec<Uuid>) -> impl Fn(&Event) -> bool + Send + 'static {
    move |event| matches!(event, Event::PresenceChanged { user_id } if people.contains(user_id))
}

/// The conversation whose list entry an event changes.
fn changed_conversation(event: &Event) -> Option<Uuid> {
    match event {
        Event::MessageAdded {
            conversation_id, ..
        }
        | Event::ConversationUpdated { conversation_id }
        | Event::ConversationRead {
            conversation_id, ..
        } => Some(*conversation_id),
        _ => None,
    }
}

/// The conversation a subscription watches: one the viewer may read now.
///
/// Boxed: async-graphql keeps room for a subscription's resolver future in its stream for as long
/// as the subscription runs, and the loaders' futures are large.
fn watched<'a>(ctx: &'a Context<'_>, id: &'a ID) -> BoxFuture<'a, ApiResult<Uuid>> {
    Box::pin(async move {
        let id = ids::decode_as(id, CONVERSATION_TYPE, "conversationId")?;
        Ok(loading::load_visible(ctx, id).await?.conversation.id)
    })
}

/// The messages of conversation `id` that `named` finds in events (as conversation and
/// message ids), each judged for the subscriber from what the instance read once for all.
async fn messages_of(
    ctx: &Context<'_>,
    id: Uuid,
    named: fn(&Event) -> Option<(Uuid, Uuid)>,
) -> Result<impl Stream<Item = ApiResult<MessageView>> + use<>, ApiError> {
    let services = ctx.services().clone();
    let viewer = ctx.viewer()?.clone();
    // Read now, so that no event waits for them.
    services.group_roles.of(&services.pool, viewer.id()).await?;
    let events = services
        .events
        .subscribe_topic(id, move |event| named(event).is_some());
    Ok(judged(
        events,
        services,
        viewer,
        move |services, viewer, event| {
            Box::pin(async move {
                let Some((_, message)) = named(event) else {
                    return Ok(None);
                };
                let Some(conversation) = snapshot(services, event, id)
                    .await?
                    .seen_by(services, viewer)
                    .await?
                else {
                    return Ok(None);
                };
                let sent = event
                    .read_once(|| SentMessage::read(services, message))
                    .await?;
                Ok(sent.message.clone().map(|message| {
                    MessageView::new(message, Arc::new(conversation))
                        .with_author(sent.author.clone())
                }))
            })
        },
    ))
}

/// A message an event names, with its author: read once per instance for every subscriber.
struct SentMessage {
    /// `None` once deleted for good (past the retention).
    message: Option<model::Message>,
    author: Arc<Option<User>>,
}

impl SentMessage {
    async fn read(services: &Services, id: Uuid) -> ApiResult<Self> {
        let mut conn = services.pool.get().await?;
        let message = model::find_message(&mut conn, id).await?;
        let author = match message.as_ref().and_then(|message| message.author_id) {
            Some(author) => crate::users::model::find_many(&mut conn, &[author])
                .await?
                .pop(),
            None => None,
        };
        Ok(Self {
            message,
            author: Arc::new(author),
        })
    }
}

async fn snapshot(
    services: &Services,
    event: &Delivered,
    id: Uuid,
) -> ApiResult<Arc<ConversationSnapshot>> {
    event
        .read_once(|| ConversationSnapshot::read(services, id))
        .await
}
