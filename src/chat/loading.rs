//! Conversations and messages as a GraphQL request reads them: batched through DataLoaders (one
//! statement per kind of thing per request, however many conversations a page shows) and judged
//! by the policy.

use std::collections::HashMap;

use async_graphql::Context;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{
    self, ConversationKind, ConversationRow, ListCursor, ListFilter, Message, Unread,
};
use super::presence::Status;
use super::{CONVERSATION_TYPE, ConversationAccess, MESSAGE_TYPE};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{ContextExt, load_now};
use crate::graphql::loaders::{ChildLoader, ChildrenOf, ReactionLoader, children_of, value_of};
use crate::groups::GroupAccess;
use crate::pagination::{Page, PageRequest};
use crate::policy::{self, Action, Decision, Judged, Resource};

/// Conversations as the person of the key's arguments stands towards each.
pub struct ConversationRows;

impl ChildrenOf for ConversationRows {
    /// The viewer.
    type Args = Uuid;
    type Value = ConversationRow;

    async fn load(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        viewer: &Uuid,
    ) -> ApiResult<HashMap<Uuid, ConversationRow>> {
        Ok(model::rows_for(conn, *viewer, parents)
            .await?
            .into_iter()
            .map(|row| (row.conversation.id, row))
            .collect())
    }
}

/// The viewer's unread messages and mentions in each conversation.
pub struct UnreadCounts;

impl ChildrenOf for UnreadCounts {
    /// The viewer.
    type Args = Uuid;
    type Value = Unread;

    async fn load(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        viewer: &Uuid,
    ) -> ApiResult<HashMap<Uuid, Unread>> {
        model::unread_in(conn, *viewer, parents).await
    }
}

/// Each conversation's last message outside threads.
pub struct LastMessages;

impl ChildrenOf for LastMessages {
    type Args = ();
    type Value = Message;

    async fn load(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, Message>> {
        model::last_messages(conn, parents).await
    }
}

/// Messages by id.
pub struct MessagesById;

impl ChildrenOf for MessagesById {
    type Args = ();
    type Value = Message;

    async fn load(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, Message>> {
        Ok(model::find_messages(conn, parents)
            .await?
            .into_iter()
            .map(|message| (message.id, message))
            .collect())
    }
}

/// Each conversation's members with their read markers, in the order they joined.
pub struct ReadMarkers;

impl ChildrenOf for ReadMarkers {
    type Args = ();
    type Value = Vec<(Uuid, Option<i64>)>;

    async fn load(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, Self::Value>> {
        model::read_markers(conn, parents).await
    }
}

/// The first people to reply in each thread.
pub struct ThreadParticipants;

impl ThreadParticipants {
    /// Shown on a thread's root.
    pub const SHOWN: i64 = 3;
}

impl ChildrenOf for ThreadParticipants {
    type Args = ();
    type Value = Vec<Uuid>;

    async fn load(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, Vec<Uuid>>> {
        model::thread_participants(conn, parents, Self::SHOWN).await
    }
}

/// Whether each person is online, away or offline.
pub struct PresenceStatuses;

impl ChildrenOf for PresenceStatuses {
    type Args = ();
    type Value = Status;

    async fn load(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        _: &(),
    ) -> ApiResult<HashMap<Uuid, Status>> {
        super::presence::statuses(conn, parents).await
    }
}

/// Whether a person is online, away or offline, with the others of their list.
pub async fn presence_of(ctx: &Context<'_>, person: Uuid) -> ApiResult<Status> {
    Ok(children_of::<PresenceStatuses>(ctx, person, ())
        .await?
        .unwrap_or(Status::Offline))
}

/// Conversation rows as the viewer sees them, with their rooms' groups from the request's
/// loader (those the viewer may not see are left out).
async fn judged(
    ctx: &Context<'_>,
    rows: Vec<ConversationRow>,
) -> ApiResult<Vec<ConversationAccess>> {
    let groups = ctx
        .group_loader()?
        .load_many(groups_of(&rows))
        .await
        .map_err(|error| (*error).clone())?;
    visible(ctx, rows, &groups)
}

/// The groups of rooms among `rows`.
fn groups_of(rows: &[ConversationRow]) -> Vec<Uuid> {
    rows.iter()
        .filter_map(|row| row.conversation.group_id)
        .collect()
}

/// The conversations of `rows` the viewer may see, with their groups.
fn visible(
    ctx: &Context<'_>,
    rows: Vec<ConversationRow>,
    groups: &HashMap<Uuid, GroupAccess>,
) -> ApiResult<Vec<ConversationAccess>> {
    let viewer = ctx.viewer()?;
    Ok(ConversationAccess::with_groups(rows, groups)
        .into_iter()
        .filter(|access| access.decide(viewer, Action::View) != Decision::Hide)
        .collect())
}

/// A conversation the viewer may see, through the request's loaders.
pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<ConversationAccess> {
    let viewer = ctx.viewer()?.id();
    let row = children_of::<ConversationRows>(ctx, id, viewer).await?;
    judged(ctx, row.into_iter().collect())
        .await?
        .pop()
        .ok_or(ApiError::NotFound(CONVERSATION_TYPE))
}

/// A message the viewer may see, with its conversation.
pub async fn load_visible_message(
    ctx: &Context<'_>,
    id: Uuid,
) -> ApiResult<(Message, ConversationAccess)> {
    let message = children_of::<MessagesById>(ctx, id, ())
        .await?
        .ok_or(ApiError::NotFound(MESSAGE_TYPE))?;
    let conversation = load_visible(ctx, message.conversation_id)
        .await
        .map_err(super::hidden_message)?;
    Ok((message, conversation))
}

/// A group's rooms the viewer may see (none when they may not see inside the group).
pub async fn rooms_of(
    ctx: &Context<'_>,
    group: &GroupAccess,
) -> ApiResult<Vec<ConversationAccess>> {
    let viewer = ctx.viewer()?;
    if !policy::can(viewer, Action::ViewContent, Resource::Group(group)).allowed() {
        return Ok(Vec::new());
    }
    let rows = model::rooms_of(&mut *ctx.conn().await?, viewer.id(), group.group.id).await?;
    Ok(rows
        .into_iter()
        .map(|row| ConversationAccess::new(row, Some(group.clone())))
        .filter(|access| access.decide(viewer, Action::View) != Decision::Hide)
        .collect())
}

/// A page of the viewer's conversations, most recently active first.
pub async fn viewer_conversations(
    ctx: &Context<'_>,
    page: PageRequest<ListCursor>,
    filter: ListFilter,
) -> ApiResult<Page<ConversationAccess>> {
    let viewer = ctx.viewer()?.id();
    let rows = {
        let mut conn = ctx.conn().await?;
        model::page_for(&mut conn, viewer, &filter, &page).await?
    };
    // Every group of the page is known: read now rather than after the loader's delay.
    let groups = load_now(ctx.group_loader()?, groups_of(&rows.items)).await?;
    let items = visible(ctx, rows.items, &groups)?;
    prefetch_list(ctx, &items).await?;
    Ok(Page {
        items,
        has_next_page: rows.has_next_page,
        has_previous_page: rows.has_previous_page,
        total_count: rows.total_count,
    })
}

/// Loads what a page of the conversation list shows (unread counts, last messages, participants,
/// then the people among them), each kind in one statement and at once (see `prefetch`).
async fn prefetch_list(ctx: &Context<'_>, items: &[ConversationAccess]) -> ApiResult<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    let viewer = ctx.viewer()?.id();
    let ids = || items.iter().map(|access| access.conversation.id);
    let ((), mut people, authors) = futures::try_join!(
        async {
            if node.field("unreadCount").exists() || node.field("mentionCount").exists() {
                let keys = ids().map(|id| (id, viewer)).collect();
                load_now(ctx.loader::<ChildLoader<UnreadCounts>>()?, keys).await?;
            }
            Ok::<_, ApiError>(())
        },
        async {
            let mut people = Vec::new();
            if node.field("participants").exists() {
                let shown = items
                    .iter()
                    .filter(|access| access.conversation.kind != ConversationKind::GroupRoom);
                let keys = shown.map(|access| (access.conversation.id, ())).collect();
                let markers = load_now(ctx.loader::<ChildLoader<ReadMarkers>>()?, keys).await?;
                people.extend(markers.into_values().flatten().map(|(person, _)| person));
            }
            Ok(people)
        },
        async {
            let last = node.field("lastMessage");
            if !last.exists() {
                return Ok(Vec::new());
            }
            let keys = ids().map(|id| (id, ())).collect();
            let messages = load_now(ctx.loader::<ChildLoader<LastMessages>>()?, keys).await?;
            if !last.field("author").exists() {
                return Ok(Vec::new());
            }
            Ok(messages
                .into_values()
                .filter_map(|message| message.author_id)
                .collect())
        },
    )?;
    people.extend(authors);
    if !people.is_empty() {
        load_now(ctx.user_loader()?, people).await?;
    }
    Ok(())
}

/// The viewer's unread messages and mentions in a conversation (none outside its members).
pub async fn unread(ctx: &Context<'_>, conversation: Uuid) -> ApiResult<Unread> {
    let viewer = ctx.viewer()?.id();
    Ok(children_of::<UnreadCounts>(ctx, conversation, viewer)
        .await?
        .unwrap_or_default())
}

/// The last message of a conversation outside threads.
pub async fn last_message(ctx: &Context<'_>, conversation: Uuid) -> ApiResult<Option<Message>> {
    children_of::<LastMessages>(ctx, conversation, ()).await
}

/// The members of a conversation with their read markers.
pub async fn read_markers(
    ctx: &Context<'_>,
    conversation: Uuid,
) -> ApiResult<Vec<(Uuid, Option<i64>)>> {
    value_of::<ReadMarkers>(ctx, conversation).await
}

/// The first people to reply in a thread.
pub async fn thread_participants(ctx: &Context<'_>, root: Uuid) -> ApiResult<Vec<Uuid>> {
    value_of::<ThreadParticipants>(ctx, root).await
}

/// How the viewer asks for a page of messages: Relay's arguments, or `around` a message (the
/// page holds it in its middle).
pub enum MessagePage {
    Relay(PageRequest<i64>),
    Around { message: Uuid, size: usize },
}

/// A page of a conversation's history (or a thread's replies), in the order they were sent.
pub async fn messages(
    ctx: &Context<'_>,
    timeline: model::Timeline,
    total: i64,
    page: MessagePage,
) -> ApiResult<Page<Message>> {
    let mut conn = ctx.conn().await?;
    let page = match page {
        MessagePage::Relay(page) => model::page_of(&mut conn, timeline, &page, total).await?,
        MessagePage::Around { message, size } => {
            let centre = model::find_message(&mut conn, message)
                .await?
                .filter(|message| model::in_timeline(message, timeline))
                .ok_or_else(|| ApiError::bad_input("around", "is not a message of this list"))?;
            model::page_around(&mut conn, timeline, centre.seq, size, total).await?
        }
    };
    drop(conn);
    prefetch(ctx, &page.items).await?;
    Ok(page)
}

/// Loads the authors and reactions a page of messages shows, together and at once: its
/// resolvers then find them in the request's cache instead of each kind waiting for its
/// loader's batching delay, one after the other.
async fn prefetch(ctx: &Context<'_>, messages: &[Message]) -> ApiResult<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    futures::try_join!(
        async {
            if node.field("author").exists() {
                let authors = messages.iter().filter_map(|message| message.author_id);
                load_now(ctx.user_loader()?, authors.collect()).await?;
            }
            Ok::<_, ApiError>(())
        },
        async {
            if node.field("reactions").exists() {
                let ids = messages.iter().map(|message| message.id).collect();
                load_now(ctx.loader::<ReactionLoader>()?, ids).await?;
            }
            Ok(())
        },
    )?;
    Ok(())
}
