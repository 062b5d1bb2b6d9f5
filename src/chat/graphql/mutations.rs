//! The chat mutations: thin calls into `chat::service`, each after validating its input.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;
use uuid::Uuid;

use super::types::MessageView;
use crate::audit::Audit;
use crate::chat::model::ConversationChanges;
use crate::chat::service::{self, Draft, MAX_BODY_BYTES};
use crate::chat::{CONVERSATION_TYPE, ConversationAccess, MESSAGE_TYPE, loading};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::validation::{self, Limit};

/// The longest `clientId` a sender may give a message.
const CLIENT_ID_MAX_LENGTH: usize = 100;

/// A new chat room in a group.
#[derive(InputObject)]
pub struct CreateChatRoomInput {
    /// A group the viewer manages.
    pub group_id: ID,
    /// Unique in the group (whatever the case), at most 100 characters.
    pub name: String,
    /// Only the group's managers write in it (announcements).
    #[graphql(default)]
    pub read_only: bool,
}

/// Changes a conversation; the fields left out stay.
#[derive(InputObject)]
pub struct UpdateConversationInput {
    /// A room of a group the viewer manages, or a group conversation they are in.
    pub conversation_id: ID,
    /// A new name, at most 100 characters (empty removes a group conversation's name; rooms
    /// keep one).
    pub name: Option<String>,
    /// Rooms only: whether only the group's managers write in it.
    pub read_only: Option<bool>,
    /// Rooms only: archive it (nobody writes in it) or restore it.
    pub archived: Option<bool>,
}

crate::one_type_per_mutation! {
    #[derive(InputObject)]
    struct {
    /// The conversation to act on.
    pub conversation_id: ID,
}
    /// The room to delete (of a group the viewer manages).
    DeleteConversationInput;
    /// The room to join (of a public group).
    JoinConversationInput;
    /// The group conversation (or joined room) to leave.
    LeaveConversationInput;
}

/// The person to talk to.
#[derive(InputObject)]
pub struct OpenDirectConversationInput {
    /// Someone the viewer may see in the directory, with an active account.
    pub user_id: ID,
}

/// A new group conversation.
#[derive(InputObject)]
pub struct CreateGroupConversationInput {
    /// The others in it: 2 to 19 people the viewer may see in the directory.
    pub user_ids: Vec<ID>,
    /// An optional name, at most 100 characters.
    pub name: Option<String>,
}

/// People to add to a group conversation.
#[derive(InputObject)]
pub struct AddConversationMembersInput {
    /// A group conversation the viewer is in.
    pub conversation_id: ID,
    /// People the viewer may see in the directory; at most 20 people in all.
    pub user_ids: Vec<ID>,
}

/// A message to send.
#[derive(InputObject)]
pub struct SendMessageInput {
    /// A conversation the viewer may write in.
    pub conversation_id: ID,
    /// Markdown (mentions with `@username`; `@room` mentions every member of a room when its
    /// group's managers or org admins write it), at most 16 KiB.
    pub body: String,
    /// The client's own id for this message, at most 100 characters: a retried send with the
    /// same one returns the message sent the first time instead of sending it again.
    pub client_id: Option<String>,
    /// A message outside threads of the same conversation, to reply in its thread.
    pub reply_to_id: Option<ID>,
    /// Files from `uploadAttachment` (at most 10, in this order), seen by whoever reads the
    /// conversation; with them, `body` may be empty.
    #[graphql(default)]
    pub attachment_ids: Vec<ID>,
}

/// The new text of one of the viewer's messages.
#[derive(InputObject)]
pub struct EditMessageInput {
    /// One of the viewer's messages.
    pub message_id: ID,
    /// Markdown, at most 16 KiB.
    pub body: String,
}

/// The message to delete.
#[derive(InputObject)]
pub struct DeleteMessageInput {
    /// The viewer's own message, or in a room of a group they manage anyone's.
    pub message_id: ID,
}

/// Where the viewer is typing.
#[derive(InputObject)]
pub struct SetTypingInput {
    /// A conversation the viewer may write in.
    pub conversation_id: ID,
}

/// The result of `setTyping`.
#[derive(SimpleObject)]
pub struct SetTypingPayload {
    /// Where the viewer is typing.
    pub conversation: ConversationAccess,
    /// Until when the others see it, unless `setTyping` is called again (5 seconds).
    pub expires_at: chrono::DateTime<Utc>,
}

/// What the viewer tells others of their presence.
#[derive(InputObject)]
pub struct SetPresenceInput {
    /// `AWAY`, or `ONLINE` to be back (`OFFLINE` comes only from closing every connection).
    pub status: super::PresenceStatusGql,
}

/// The result of `setPresence`.
#[derive(SimpleObject)]
pub struct SetPresencePayload {
    /// The viewer, with their presence now.
    pub user: crate::users::User,
}

/// The viewer's chat settings to change; those left out stay.
#[derive(InputObject)]
pub struct UpdateChatSettingsInput {
    /// Whether others see when the viewer read their messages (`Message.seenBy`).
    pub send_read_receipts: Option<bool>,
}

/// The result of `updateChatSettings`.
#[derive(SimpleObject)]
pub struct UpdateChatSettingsPayload {
    /// The viewer's chat settings now.
    pub chat_settings: ChatSettings,
}

/// A person's chat settings.
#[derive(SimpleObject)]
pub struct ChatSettings {
    /// Whether others see when they read a message (on by default).
    pub send_read_receipts: bool,
}

/// How far the viewer has read.
#[derive(InputObject)]
pub struct MarkConversationReadInput {
    /// A conversation the viewer is a member of.
    pub conversation_id: ID,
    /// The last message read; the marker only moves forward.
    pub message_id: ID,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The conversation as it is now.
    pub conversation: ConversationAccess,
}
    /// The result of `createChatRoom`: the new room.
    CreateChatRoomPayload;
    /// The result of `updateConversation`.
    UpdateConversationPayload;
    /// The result of `openDirectConversation`: the pair's one conversation.
    OpenDirectConversationPayload;
    /// The result of `createGroupConversation`.
    CreateGroupConversationPayload;
    /// The result of `addConversationMembers`.
    AddConversationMembersPayload;
    /// The result of `joinConversation`.
    JoinConversationPayload;
    /// The result of `markConversationRead`: the conversation with its unread counts now.
    MarkConversationReadPayload;
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The message as it is now.
    pub message: MessageView,
}
    /// The result of `sendMessage`.
    SendMessagePayload;
    /// The result of `editMessage`.
    EditMessagePayload;
    /// The result of `deleteMessage`: the tombstone left in the history.
    DeleteMessagePayload;
}

/// The result of `deleteConversation`.
#[derive(SimpleObject)]
pub struct DeleteConversationPayload {
    /// The ID of the deleted room.
    pub deleted_conversation_id: ID,
}

/// The result of `leaveConversation`.
#[derive(SimpleObject)]
pub struct LeaveConversationPayload {
    /// The ID of the conversation the viewer left.
    pub left_conversation_id: ID,
}

fn name(field: &str, text: &str) -> ApiResult<String> {
    validation::name(field, text, Limit::NAME)
}

fn body(text: &str) -> ApiResult<String> {
    let body = text.trim();
    if body.is_empty() {
        return Err(ApiError::bad_input("body", "must not be empty"));
    }
    within_limit(body)
}

fn within_limit(body: &str) -> ApiResult<String> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::bad_input(
            "body",
            format!("must be at most {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(body.to_owned())
}

fn person_ids(list: &[ID], field: &str) -> ApiResult<Vec<Uuid>> {
    let most = *service::GROUP_CONVERSATION_SIZE.end();
    if list.len() > most {
        return Err(ApiError::bad_input(field, format!("at most {most} people")));
    }
    list.iter()
        .enumerate()
        .map(|(index, id)| {
            ids::decode_as(id, crate::users::TYPE_NAME, &format!("{field}[{index}]"))
        })
        .collect()
}

fn conversation_id(id: &ID) -> ApiResult<Uuid> {
    ids::decode_as(id, CONVERSATION_TYPE, "conversationId")
}

/// The conversation as the viewer now sees it, through the request's loaders.
async fn reloaded(ctx: &Context<'_>, id: Uuid) -> ApiResult<ConversationAccess> {
    let mut conn = ctx.conn().await?;
    service::visible(&mut conn, ctx.viewer()?, id).await
}

async fn message_view(
    ctx: &Context<'_>,
    message: crate::chat::model::Message,
) -> ApiResult<MessageView> {
    let conversation = loading::load_visible(ctx, message.conversation_id).await?;
    Ok(MessageView::new(message, Arc::new(conversation)))
}

#[derive(Default)]
pub struct ChatMutation;

#[Object]
impl ChatMutation {
    /// A group's managers (and org admins) add a chat room to it; its members are the room's.
    async fn create_chat_room(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, name and rules of the new room.")] input: CreateChatRoomInput,
    ) -> ApiResult<CreateChatRoomPayload> {
        let group = ids::decode_as(&input.group_id, crate::groups::TYPE_NAME, "groupId")?;
        let name = name("name", &input.name)?;
        let room = {
            let mut conn = ctx.conn().await?;
            let viewer = ctx.viewer()?;
            service::create_room(
                &mut conn,
                viewer,
                &Audit::of(ctx)?,
                group,
                name,
                input.read_only,
            )
            .await?
        };
        Ok(reloaded(ctx, room.id).await?.into())
    }

    /// Renames, archives or restores a room (its group's managers), or renames a group
    /// conversation (its members).
    async fn update_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and what to change.")] input: UpdateConversationInput,
    ) -> ApiResult<UpdateConversationPayload> {
        let id = conversation_id(&input.conversation_id)?;
        let changes = ConversationChanges {
            name: match input.name.as_deref().map(str::trim) {
                None => None,
                Some("") => Some(None),
                Some(text) => Some(Some(name("name", text)?)),
            },
            read_only: input.read_only,
            archived_at: input.archived.map(|archived| archived.then(Utc::now)),
        };
        {
            let mut conn = ctx.conn().await?;
            let (viewer, services) = (ctx.viewer()?, ctx.services());
            service::update(&mut conn, services, viewer, &Audit::of(ctx)?, id, changes).await?;
        }
        Ok(reloaded(ctx, id).await?.into())
    }

    /// Deletes a room with its whole history (its group's managers and org admins).
    async fn delete_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The room to delete.")] input: DeleteConversationInput,
    ) -> ApiResult<DeleteConversationPayload> {
        let id = conversation_id(&input.conversation_id)?;
        let mut conn = ctx.conn().await?;
        let (viewer, services) = (ctx.viewer()?, ctx.services());
        service::delete_room(&mut conn, services, viewer, &Audit::of(ctx)?, id).await?;
        Ok(DeleteConversationPayload {
            deleted_conversation_id: input.conversation_id,
        })
    }

    /// The viewer's direct conversation with someone, opened the first time (the same one
    /// whoever opens it, however often).
    async fn open_direct_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person to talk to.")] input: OpenDirectConversationInput,
    ) -> ApiResult<OpenDirectConversationPayload> {
        let other = ids::decode_as(&input.user_id, crate::users::TYPE_NAME, "userId")?;
        let conversation = {
            let mut conn = ctx.conn().await?;
            service::open_direct(&mut conn, ctx.viewer()?, other).await?
        };
        Ok(reloaded(ctx, conversation.id).await?.into())
    }

    /// A conversation of the viewer and 2 to 19 others.
    async fn create_group_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The people and the name.")] input: CreateGroupConversationInput,
    ) -> ApiResult<CreateGroupConversationPayload> {
        let people = person_ids(&input.user_ids, "userIds")?;
        let name = input
            .name
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(|text| name("name", text))
            .transpose()?;
        let conversation = {
            let mut conn = ctx.conn().await?;
            service::create_group_conversation(&mut conn, ctx.viewer()?, people, name).await?
        };
        Ok(reloaded(ctx, conversation.id).await?.into())
    }

    /// Adds people to a group conversation (any member may).
    async fn add_conversation_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and the people to add.")]
        input: AddConversationMembersInput,
    ) -> ApiResult<AddConversationMembersPayload> {
        let id = conversation_id(&input.conversation_id)?;
        let people = person_ids(&input.user_ids, "userIds")?;
        let mut conn = ctx.conn().await?;
        let (viewer, services) = (ctx.viewer()?, ctx.services());
        Ok(service::add_people(&mut conn, services, viewer, id, people)
            .await?
            .into())
    }

    /// Joins a room of a public group without joining the group: it appears in the viewer's
    /// conversations, and they may write in it.
    async fn join_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The room to join.")] input: JoinConversationInput,
    ) -> ApiResult<JoinConversationPayload> {
        let id = conversation_id(&input.conversation_id)?;
        let mut conn = ctx.conn().await?;
        Ok(service::join(&mut conn, ctx.services(), ctx.viewer()?, id)
            .await?
            .into())
    }

    /// Leaves a group conversation, or a room joined without its group (a group's members
    /// leave its rooms by leaving the group).
    async fn leave_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation to leave.")] input: LeaveConversationInput,
    ) -> ApiResult<LeaveConversationPayload> {
        let id = conversation_id(&input.conversation_id)?;
        let mut conn = ctx.conn().await?;
        service::leave(&mut conn, ctx.services(), ctx.viewer()?, id).await?;
        Ok(LeaveConversationPayload {
            left_conversation_id: input.conversation_id,
        })
    }

    /// Sends a message (or a reply in a thread with `replyToId`). With `clientId`, sending
    /// again after a lost answer returns the first message instead of a second one.
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation, the text, and optionally a client id and the thread.")]
        input: SendMessageInput,
    ) -> ApiResult<SendMessagePayload> {
        let id = conversation_id(&input.conversation_id)?;
        let attachments = crate::attachments::service::parse_ids(&input.attachment_ids)?;
        let draft = Draft {
            body: match attachments.is_empty() {
                true => body(&input.body)?,
                false => within_limit(input.body.trim())?,
            },
            client_id: input
                .client_id
                .map(|client_id| {
                    validation::max_chars("clientId", &client_id, CLIENT_ID_MAX_LENGTH)
                        .map(|()| client_id)
                })
                .transpose()?,
            reply_to: input
                .reply_to_id
                .map(|root| ids::decode_as(&root, MESSAGE_TYPE, "replyToId"))
                .transpose()?,
            attachments,
        };
        let message = {
            let mut conn = ctx.conn().await?;
            service::send(&mut conn, ctx.services(), ctx.viewer()?, id, draft).await?
        };
        Ok(message_view(ctx, message).await?.into())
    }

    /// Changes the text of one of the viewer's messages (marked edited).
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message and its new text.")] input: EditMessageInput,
    ) -> ApiResult<EditMessagePayload> {
        let id = ids::decode_as(&input.message_id, MESSAGE_TYPE, "messageId")?;
        let body = body(&input.body)?;
        let message = {
            let mut conn = ctx.conn().await?;
            service::edit(&mut conn, ctx.services(), ctx.viewer()?, id, body).await?
        };
        Ok(message_view(ctx, message).await?.into())
    }

    /// Deletes a message, leaving "message deleted" in the history: its author, and in rooms
    /// the group's managers and org admins (audited).
    async fn delete_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message to delete.")] input: DeleteMessageInput,
    ) -> ApiResult<DeleteMessagePayload> {
        let id = ids::decode_as(&input.message_id, MESSAGE_TYPE, "messageId")?;
        let message = {
            let mut conn = ctx.conn().await?;
            let (viewer, services) = (ctx.viewer()?, ctx.services());
            service::delete_message(&mut conn, services, viewer, &Audit::of(ctx)?, id).await?
        };
        Ok(message_view(ctx, message).await?.into())
    }

    /// Shows the conversation's other readers that the viewer is typing, for 5 seconds (call it
    /// again while typing goes on); nothing is stored.
    async fn set_typing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation the viewer is typing in.")] input: SetTypingInput,
    ) -> ApiResult<SetTypingPayload> {
        let id = conversation_id(&input.conversation_id)?;
        let mut conn = ctx.conn().await?;
        let conversation =
            service::set_typing(&mut conn, ctx.services(), ctx.viewer()?, id).await?;
        let expires_at = Utc::now() + crate::chat::TYPING_LASTS;
        Ok(SetTypingPayload {
            conversation,
            expires_at,
        })
    }

    /// Says the viewer is away, or back: others see `AWAY` while they are connected.
    async fn set_presence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The status to show.")] input: SetPresenceInput,
    ) -> ApiResult<SetPresencePayload> {
        let away = match input.status {
            super::PresenceStatusGql::Away => true,
            super::PresenceStatusGql::Online => false,
            super::PresenceStatusGql::Offline => {
                return Err(ApiError::bad_input(
                    "status",
                    "is AWAY or ONLINE: OFFLINE follows from closing every connection",
                ));
            }
        };
        let viewer = ctx.viewer()?;
        let mut conn = ctx.conn().await?;
        crate::chat::presence::set_away(&mut conn, ctx.services(), viewer.id(), away).await?;
        Ok(SetPresencePayload {
            user: viewer.user.as_ref().clone(),
        })
    }

    /// Changes the viewer's chat settings (read receipts).
    async fn update_chat_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The settings to change.")] input: UpdateChatSettingsInput,
    ) -> ApiResult<UpdateChatSettingsPayload> {
        let viewer = ctx.viewer()?.id();
        let mut conn = ctx.conn().await?;
        if let Some(on) = input.send_read_receipts {
            crate::chat::settings::set_read_receipts(&mut conn, viewer, on).await?;
        }
        let send_read_receipts =
            crate::chat::settings::sends_read_receipts(&mut conn, viewer).await?;
        Ok(UpdateChatSettingsPayload {
            chat_settings: ChatSettings { send_read_receipts },
        })
    }

    /// Moves the viewer's read marker forward to a message (never back).
    async fn mark_conversation_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and the last message read.")]
        input: MarkConversationReadInput,
    ) -> ApiResult<MarkConversationReadPayload> {
        let id = conversation_id(&input.conversation_id)?;
        let message = ids::decode_as(&input.message_id, MESSAGE_TYPE, "messageId")?;
        let mut conn = ctx.conn().await?;
        Ok(
            service::mark_read(&mut conn, ctx.services(), ctx.viewer()?, id, message)
                .await?
                .into(),
        )
    }
}
