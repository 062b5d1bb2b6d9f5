//! The operations on messages: sending (numbered, idempotent with a client id, in a thread),
//! editing, deleting, and moving a read marker.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::visible;
use super::visible_message;
use crate::analytics::{Activity, ActivityKind};
use crate::attachments::model::Subject;
use crate::attachments::service as attachments;
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::chat::model::{self, ConversationKind, Message, NewMessage};
use crate::chat::{ConversationAccess, MESSAGE_TYPE, can_on_message};
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::notifications::triggers::Trigger;
use crate::policy::{self, Action, Judged, Resource};
use crate::posts::model::{self as reactions, ReactionCount, SubjectKind};
use crate::services::Services;

/// The mention of a whole room (`@room`), by its managers.
pub const ROOM_MENTION: &str = "room";

/// A message to send, its input validated.
pub struct Draft {
    /// Markdown.
    pub body: String,
    /// The sender's own id for it: sending twice with the same one adds one message.
    pub client_id: Option<String>,
    /// The thread's root message, for a reply.
    pub reply_to: Option<Uuid>,
    /// The sender's unused uploads it carries, in order.
    pub attachments: Vec<Uuid>,
}

/// Sends a message: numbered after the conversation's last one, with its mentions (members
/// only), the sender's read marker moved to it, and the event for subscribers. A retried send
/// with the same `client_id` returns the message sent the first time.
pub async fn send(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
    draft: Draft,
) -> ApiResult<Message> {
    let access = visible(conn, viewer, id).await?;
    access.require(
        viewer,
        Action::Post,
        "You may not write in this conversation.",
    )?;
    let (message, new) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // Locked first: a retry racing the first send waits, then finds it.
            model::lock(conn, id).await?;
            if let Some(client_id) = &draft.client_id
                && let Some(sent) = model::find_sent(conn, id, viewer.id(), client_id).await?
            {
                return Ok((sent, false));
            }
            if let Some(root) = draft.reply_to {
                let root = model::find_message(conn, root)
                    .await?
                    .filter(|root| root.conversation_id == id)
                    .ok_or_else(|| {
                        ApiError::bad_input("replyToId", "is not a message of this conversation")
                    })?;
                if !can_on_message(viewer, Action::Post, &root, &access).allowed() {
                    return Err(ApiError::bad_input(
                        "replyToId",
                        "is a reply or a deleted message: reply to the thread's first message",
                    ));
                }
                model::count_reply(conn, root.id).await?;
                publish_updated(conn, services, &root).await?;
            }
            let seq = model::take_seq(conn, id, draft.reply_to.is_none()).await?;
            let message = model::insert_message(
                conn,
                &NewMessage {
                    id: Uuid::now_v7(),
                    conversation_id: id,
                    seq,
                    author_id: Some(viewer.id()),
                    client_id: draft.client_id.clone(),
                    body_html: crate::markdown::to_safe_html(&draft.body),
                    body: draft.body.clone(),
                    reply_to_id: draft.reply_to,
                },
            )
            .await?;
            let carried = Subject::message(message.id);
            attachments::set(conn, carried, &draft.attachments, viewer.id()).await?;
            model::mark_read(conn, id, viewer.id(), seq).await?;
            notify_mentions(conn, viewer, &access, &message).await?;
            services
                .events
                .publish(
                    conn,
                    &Event::MessageAdded {
                        conversation_id: id,
                        message_id: message.id,
                    },
                )
                .await?;
            Ok((message, true))
        })
        .await?;
    if !new {
        return Ok(message);
    }
    services.activity.record(
        Activity::by(viewer.id(), ActivityKind::MessageSent)
            .in_group(access.conversation.group_id)
            .about(id),
    );
    Ok(message)
}

/// Records the members a message mentions for the first time (never its author, nor anyone
/// outside the conversation: they are not told it exists) and has them notified. `@room` in a
/// room, from one of its managers, mentions every member.
async fn notify_mentions(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    conversation: &ConversationAccess,
    message: &Message,
) -> ApiResult<()> {
    let mut people = crate::posts::model::mentioned_users(conn, &message.body).await?;
    if mentions_the_room(viewer, conversation, message) {
        people.extend(model::members_of(conn, message.conversation_id).await?);
    }
    people.retain(|person| *person != viewer.id());
    if people.is_empty() {
        return Ok(());
    }
    let mentioned = model::record_mentions(conn, message, &people).await?;
    if mentioned.is_empty() {
        return Ok(());
    }
    let trigger = Trigger::MessageMentioned {
        message_id: message.id,
        user_ids: mentioned,
    };
    crate::notifications::triggers::enqueue(conn, trigger).await
}

/// Whether `message` says `@room` where its author may call the whole room: in a group's room
/// they manage (an org admin or a manager of the group).
fn mentions_the_room(
    viewer: &Viewer,
    conversation: &ConversationAccess,
    message: &Message,
) -> bool {
    conversation.conversation.kind == ConversationKind::GroupRoom
        && conversation.can(viewer, Action::Manage)
        && crate::posts::model::mention_handles(&message.body)
            .iter()
            .any(|handle| handle == ROOM_MENTION)
}

/// Changes the text of the viewer's own message (marked edited).
pub async fn edit(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
    body: String,
) -> ApiResult<Message> {
    let (message, conversation) = visible_message(conn, viewer, id).await?;
    let resource = Resource::Message {
        message: &message,
        conversation: &conversation,
    };
    policy::require(
        viewer,
        Action::Edit,
        resource,
        MESSAGE_TYPE,
        "Only its author edits a message, while they may write in its conversation.",
    )?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let html = crate::markdown::to_safe_html(&body);
        let edited = model::edit_message(conn, id, &body, &html).await?;
        notify_mentions(conn, viewer, &conversation, &edited).await?;
        publish_updated(conn, services, &edited).await?;
        Ok(edited)
    })
    .await
}

/// Deletes a message with its attachments, leaving a tombstone: its author, and in rooms the group's managers and
/// org admins (audited when it is someone else's).
pub async fn delete_message(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    audit: &Audit,
    id: Uuid,
) -> ApiResult<Message> {
    let (message, conversation) = visible_message(conn, viewer, id).await?;
    let resource = Resource::Message {
        message: &message,
        conversation: &conversation,
    };
    policy::require(
        viewer,
        Action::Delete,
        resource,
        MESSAGE_TYPE,
        "You may not delete this message.",
    )?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let deleted = model::tombstone(conn, id).await?;
        attachments::set(conn, Subject::message(id), &[], viewer.id()).await?;
        if message.author_id != Some(viewer.id()) {
            audit
                .record(
                    conn,
                    Change::of(MESSAGE_TYPE, id)
                        .in_group_if_any(conversation.conversation.group_id)
                        .before(&message)?,
                )
                .await?;
        }
        publish_updated(conn, services, &deleted).await?;
        Ok(deleted)
    })
    .await
}

async fn publish_updated(
    conn: &mut AsyncPgConnection,
    services: &Services,
    message: &Message,
) -> ApiResult<()> {
    services
        .events
        .publish(
            conn,
            &Event::MessageUpdated {
                conversation_id: message.conversation_id,
                message_id: message.id,
            },
        )
        .await
}

/// Tells the conversation's other readers that the viewer is typing (nothing is stored).
pub async fn set_typing(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<ConversationAccess> {
    let access = visible(conn, viewer, id).await?;
    access.require(
        viewer,
        Action::Post,
        "You may not write in this conversation.",
    )?;
    let typing = Event::Typing {
        conversation_id: id,
        user_id: viewer.id(),
    };
    services.events.publish(conn, &typing).await?;
    Ok(access)
}

/// Moves the viewer's read marker forward to `message` (never back; a no-op for someone who
/// reads a room without being a member).
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
    message: Uuid,
) -> ApiResult<ConversationAccess> {
    let access = visible(conn, viewer, id).await?;
    let message = model::find_message(conn, message)
        .await?
        .filter(|message| message.conversation_id == id)
        .ok_or_else(|| ApiError::bad_input("messageId", "is not a message of this conversation"))?;
    if model::mark_read(conn, id, viewer.id(), message.seq).await? {
        let read = Event::ConversationRead {
            conversation_id: id,
            user_id: viewer.id(),
        };
        services.events.publish(conn, &read).await?;
    }
    Ok(access)
}

/// Adds (or with `add` false takes back) the viewer's reaction to a message they may read;
/// returns its reactions now.
pub async fn react(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
    emoji: &str,
    add: bool,
) -> ApiResult<Vec<ReactionCount>> {
    let (message, _) = visible_message(conn, viewer, id).await?;
    if message.deleted_at.is_some() {
        return Err(ApiError::NotFound(MESSAGE_TYPE));
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        if add {
            reactions::react(conn, id, SubjectKind::Message, viewer.id(), emoji).await?;
        } else {
            reactions::unreact(conn, id, viewer.id(), emoji).await?;
        }
        publish_updated(conn, services, &message).await
    })
    .await?;
    Ok(reactions::reaction_summaries(conn, &[id], viewer.id())
        .await?
        .remove(&id)
        .unwrap_or_default())
}
