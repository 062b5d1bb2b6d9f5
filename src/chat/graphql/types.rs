//! The `Conversation` and `Message` types.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use crate::attachments::model::{Attachment, Subject};
use crate::chat::loading::{self, MessagePage};
use crate::chat::model::{ConversationKind, ListFilter, Message, Timeline};
use crate::chat::{CONVERSATION_TYPE, ConversationAccess, MESSAGE_TYPE, can_on_message};
use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::ReactionLoader;
use crate::groups::GroupAccess;
use crate::pagination::PageRequest;
use crate::policy::Action;
use crate::posts::model::ReactionCount;
use crate::users::User;

/// What a conversation is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ConversationKind", remote = "ConversationKind")]
pub enum ConversationKindGql {
    /// One of a group's chat rooms: read where the group's content is read, written by its
    /// members (by its managers only when read-only).
    GroupRoom,
    /// Two people; one conversation per pair.
    Direct,
    /// 3 to 20 people, optionally named.
    GroupDirect,
}

/// Whether a person is there, from the signed-in connections open on any server instance.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "PresenceStatus", remote = "crate::chat::presence::Status")]
pub enum PresenceStatusGql {
    /// A signed-in app or browser tab is connected (`/graphql/ws`).
    Online,
    /// Connected, but they said they are away (`setPresence`).
    Away,
    /// Nothing connected (an instance that stopped answering counts for nothing after a minute).
    Offline,
}

/// Which of the viewer's conversations to list.
#[derive(InputObject, Default)]
pub struct ConversationFilter {
    /// Only conversations of this kind.
    pub kind: Option<ConversationKindGql>,
    /// Only conversations with messages the viewer has not read.
    #[graphql(default)]
    pub unread_only: bool,
    /// Words (at most 200 characters, accents and case ignored) each found in the name, or in
    /// the name of another person of a direct or group conversation.
    pub query: Option<String>,
}

impl ConversationFilter {
    pub fn to_list_filter(&self) -> ApiResult<ListFilter> {
        let query = self
            .query
            .as_deref()
            .map(str::trim)
            .filter(|query| !query.is_empty());
        if let Some(query) = query {
            crate::validation::max_chars("filter.query", query, crate::validation::Limit::SEARCH)?;
        }
        Ok(ListFilter {
            kind: self.kind.map(Into::into),
            unread_only: self.unread_only,
            query: query.map(str::to_owned),
        })
    }
}

/// A message as the viewer sees it, with its conversation.
#[derive(Clone)]
pub struct MessageView {
    pub message: Message,
    pub conversation: Arc<ConversationAccess>,
    /// Its author, read ahead once for every subscriber to an event (null: none), so that each
    /// subscriber only judges whether they see them.
    author: Option<Arc<Option<User>>>,
}

impl MessageView {
    pub fn new(message: Message, conversation: Arc<ConversationAccess>) -> Self {
        Self {
            message,
            conversation,
            author: None,
        }
    }

    /// With its author already read.
    pub fn with_author(self, author: Arc<Option<User>>) -> Self {
        Self {
            author: Some(author),
            ..self
        }
    }
}

/// Relay's page arguments, or `around` a message, as one page request.
fn message_page(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    around: Option<ID>,
) -> ApiResult<MessagePage> {
    let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
    match around {
        None => Ok(MessagePage::Relay(page)),
        Some(_) if after.is_some() || before.is_some() => Err(ApiError::bad_input(
            "around",
            "cannot be combined with `after` or `before`",
        )),
        Some(id) => Ok(MessagePage::Around {
            message: ids::decode_as(&id, MESSAGE_TYPE, "around")?,
            size: page.size,
        }),
    }
}

/// A chat conversation: a group's room, two people, or a group of 3 to 20.
#[Object(name = "Conversation")]
impl ConversationAccess {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(CONVERSATION_TYPE, self.conversation.id)
    }
    /// A group's room, two people, or a group of people.
    async fn kind(&self) -> ConversationKindGql {
        self.conversation.kind.into()
    }
    /// A room's name, or a group conversation's when it has one (null for direct ones).
    async fn name(&self) -> Option<&str> {
        self.conversation.name.as_deref()
    }
    /// A room's group.
    async fn group(&self) -> Option<&GroupAccess> {
        self.group.as_ref()
    }
    /// The people of a direct or group conversation that the viewer may see, in the order they
    /// joined (empty for rooms, whose people are their group's members).
    async fn participants(&self, ctx: &Context<'_>) -> ApiResult<Vec<User>> {
        if self.conversation.kind == ConversationKind::GroupRoom {
            return Ok(Vec::new());
        }
        let members: Vec<_> = loading::read_markers(ctx, self.conversation.id)
            .await?
            .into_iter()
            .map(|(person, _)| person)
            .collect();
        crate::users::loading::visible_people(ctx, &members).await
    }
    /// Only the group's managers write in a read-only room.
    async fn read_only(&self) -> bool {
        self.conversation.read_only
    }
    /// When the room was archived (nobody writes in it then); null when it is not.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.conversation.archived_at
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.conversation.created_at
    }
    /// When the last message was sent, else when the conversation was made: the order of the
    /// viewer's conversation list.
    async fn last_activity_at(&self) -> DateTime<Utc> {
        self.conversation.last_activity_at()
    }
    /// The last message outside threads.
    async fn last_message(&self, ctx: &Context<'_>) -> ApiResult<Option<MessageView>> {
        let last = loading::last_message(ctx, self.conversation.id).await?;
        Ok(last.map(|message| MessageView::new(message, Arc::new(self.clone()))))
    }
    /// Others' messages the viewer has not read (counted up to 1,000; 0 outside its members).
    async fn unread_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(loading::unread(ctx, self.conversation.id).await?.messages)
    }
    /// Unread messages that mention the viewer.
    async fn mention_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(loading::unread(ctx, self.conversation.id).await?.mentions)
    }
    /// Whether the viewer is a member: it is in their conversation list, with a read marker.
    async fn viewer_is_member(&self) -> bool {
        self.member
    }
    /// Whether the viewer may send messages here.
    async fn viewer_can_post(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.can(ctx.viewer()?, Action::Post))
    }
    /// Whether the viewer may rename it (and for rooms archive and delete it; for group
    /// conversations add people).
    async fn viewer_can_manage(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.can(ctx.viewer()?, Action::Manage))
    }
    /// Whether the viewer may join this room (of a public group they are not a member of).
    async fn viewer_can_join(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.can(ctx.viewer()?, Action::Join))
    }
    /// Whether the viewer may leave it (a group conversation, or a room they joined).
    async fn viewer_can_leave(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(self.can(ctx.viewer()?, Action::Leave))
    }
    /// The history outside threads, in the order messages were sent: `last` (with `before`)
    /// pages back from the newest, `first` (with `after`) forwards to catch up, `around` opens
    /// it at a message (the page holds it in its middle). Deleted messages stay as tombstones.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many messages from the oldest, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the messages after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many messages from the newest, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the messages before it."
        )]
        before: Option<String>,
        #[graphql(
            desc = "A message of this history to open the page at (with `first` or `last` for its size)."
        )]
        around: Option<ID>,
    ) -> ApiResult<PageConnection<MessageView>> {
        let page = message_page(first, after, last, before, around)?;
        let timeline = Timeline::History(self.conversation.id);
        let page = loading::messages(ctx, timeline, self.conversation.message_count, page).await?;
        let conversation = Arc::new(self.clone());
        Ok(connection(
            page,
            |message| message.seq,
            |message| MessageView::new(message, conversation.clone()),
        ))
    }
}

/// A chat message. Deleted messages stay in the history as tombstones, without their text.
#[Object(name = "Message")]
impl MessageView {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(MESSAGE_TYPE, self.message.id)
    }
    /// Where it was sent.
    async fn conversation(&self) -> &ConversationAccess {
        &self.conversation
    }
    /// Who sent it (null once their account is gone, or for someone the viewer may not see).
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        match &self.author {
            Some(read) => {
                let author = Option::clone(read).into_iter().collect();
                Ok(crate::users::loading::only_visible(ctx, author)
                    .await?
                    .pop())
            }
            None => crate::users::loading::visible_person(ctx, self.message.author_id).await,
        }
    }
    /// Markdown source, as written (null once deleted).
    async fn body(&self) -> Option<&str> {
        self.live().then_some(self.message.body.as_str())
    }
    /// The text as sanitized HTML (null once deleted).
    async fn body_html(&self) -> Option<&str> {
        self.live().then_some(self.message.body_html.as_str())
    }
    /// The files it carries, in order (none once deleted: they go with its text).
    async fn attachments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Attachment>> {
        crate::attachments::loading::of(ctx, Subject::message(self.message.id)).await
    }
    /// When it was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.message.created_at
    }
    /// When its author last edited it; null if never.
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.message.edited_at
    }
    /// When it was deleted ("message deleted"); null while it stands.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.message.deleted_at
    }
    /// The thread's first message, for a reply.
    async fn reply_to(&self, ctx: &Context<'_>) -> ApiResult<Option<MessageView>> {
        let Some(root) = self.message.reply_to_id else {
            return Ok(None);
        };
        let (message, _) = loading::load_visible_message(ctx, root).await?;
        Ok(Some(MessageView::new(message, self.conversation.clone())))
    }
    /// Its reactions by emoji, most given first (`addReaction` with its ID).
    async fn reactions(&self, ctx: &Context<'_>) -> ApiResult<Vec<ReactionCount>> {
        Ok(ctx
            .loader::<ReactionLoader>()?
            .load_one(self.message.id)
            .await
            .map_err(|error| (*error).clone())?
            .unwrap_or_default())
    }
    /// Replies in its thread.
    async fn reply_count(&self) -> i32 {
        self.message.reply_count
    }
    /// When the last reply was sent; null without replies.
    async fn last_reply_at(&self) -> Option<DateTime<Utc>> {
        self.message.last_reply_at
    }
    /// The first three people who replied in its thread.
    async fn thread_participants(&self, ctx: &Context<'_>) -> ApiResult<Vec<User>> {
        let people = loading::thread_participants(ctx, self.message.id).await?;
        crate::users::loading::visible_people(ctx, &people).await
    }
    /// The replies of its thread, in the order they were sent (empty for a reply).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many replies from the first, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the replies after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many replies from the last, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the replies before it."
        )]
        before: Option<String>,
    ) -> ApiResult<PageConnection<MessageView>> {
        let page = message_page(first, after, last, before, None)?;
        let timeline = Timeline::Thread(self.message.id);
        let total = i64::from(self.message.reply_count);
        let page = loading::messages(ctx, timeline, total, page).await?;
        Ok(connection(
            page,
            |message| message.seq,
            |message| MessageView::new(message, self.conversation.clone()),
        ))
    }
    /// In direct and group conversations, the other members who have read it (read receipts;
    /// people who turned them off are never listed); null in rooms.
    async fn seen_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<User>>> {
        if self.conversation.conversation.kind == ConversationKind::GroupRoom {
            return Ok(None);
        }
        let readers: Vec<_> = loading::read_markers(ctx, self.message.conversation_id)
            .await?
            .into_iter()
            .filter(|(person, read)| {
                read.is_some_and(|read| read >= self.message.seq)
                    && Some(*person) != self.message.author_id
            })
            .map(|(person, _)| person)
            .collect();
        crate::users::loading::visible_people(ctx, &readers)
            .await
            .map(Some)
    }
    /// Whether the viewer may edit it (their own, while they may write here).
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.can(ctx, Action::Edit)
    }
    /// Whether the viewer may delete it (their own; in rooms, managers and admins any).
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.can(ctx, Action::Delete)
    }
    /// Whether the viewer may reply to it in a thread.
    async fn viewer_can_reply(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.can(ctx, Action::Post)
    }
}

impl MessageView {
    fn live(&self) -> bool {
        self.message.deleted_at.is_none()
    }

    fn can(&self, ctx: &Context<'_>, action: Action) -> ApiResult<bool> {
        Ok(can_on_message(ctx.viewer()?, action, &self.message, &self.conversation).allowed())
    }
}
