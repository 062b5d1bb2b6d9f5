//! Chat: a group's rooms, direct conversations between two people and group conversations of
//! 3 to 20, with messages in Markdown, threads, read markers and mentions, delivered live over
//! the event bus. `service` holds each operation once; `policy` decides who may do what.

pub mod demo;
pub mod export;
pub mod graphql;
pub mod loading;
pub mod model;
pub mod presence;
pub mod retention;
pub mod service;
pub mod settings;
pub mod snapshot;

use model::{Conversation, ConversationRow};

use crate::auth::Viewer;
use crate::error::ApiError;
use crate::groups::GroupAccess;
use crate::policy::{self, Action, Decision, Judged, Resource};

pub const CONVERSATION_TYPE: &str = "Conversation";
/// How long a typing indicator shows unless `setTyping` is called again.
pub const TYPING_LASTS: std::time::Duration = std::time::Duration::from_secs(5);
pub const MESSAGE_TYPE: &str = "Message";

/// A conversation with what the policy needs to judge it for one viewer.
#[derive(Debug, Clone)]
pub struct ConversationAccess {
    pub conversation: Conversation,
    /// A room's group, as the viewer stands towards it.
    pub group: Option<GroupAccess>,
    /// Whether the viewer is a member (a room's: its group's members and who joined it).
    pub member: bool,
    /// A direct conversation with someone deactivated: readable, read-only.
    pub closed: bool,
}

impl ConversationAccess {
    pub fn new(row: ConversationRow, group: Option<GroupAccess>) -> Self {
        Self {
            conversation: row.conversation,
            group,
            member: row.read_seq.is_some(),
            closed: row.closed,
        }
    }

    /// `rows` with their rooms' groups, taken from `groups` (by id) as the viewer stands
    /// towards each.
    pub fn with_groups(
        rows: Vec<ConversationRow>,
        groups: &std::collections::HashMap<uuid::Uuid, GroupAccess>,
    ) -> Vec<Self> {
        rows.into_iter()
            .map(|row| {
                let group = row
                    .conversation
                    .group_id
                    .and_then(|group| groups.get(&group).cloned());
                Self::new(row, group)
            })
            .collect()
    }

    pub fn can(&self, viewer: &Viewer, action: Action) -> bool {
        self.decide(viewer, action).allowed()
    }
}

impl Judged for ConversationAccess {
    const TYPE_NAME: &'static str = CONVERSATION_TYPE;

    fn resource(&self) -> Resource<'_> {
        Resource::Conversation(self)
    }
}

/// A message's conversation hidden from the viewer hides the message: NOT_FOUND as a message
/// (any other error stays what it is).
pub fn hidden_message(error: ApiError) -> ApiError {
    match error {
        ApiError::NotFound(_) => ApiError::NotFound(MESSAGE_TYPE),
        other => other,
    }
}

/// Whether `viewer` may do `action` to `message` of `conversation`.
pub fn can_on_message(
    viewer: &Viewer,
    action: Action,
    message: &model::Message,
    conversation: &ConversationAccess,
) -> Decision {
    policy::can(
        viewer,
        action,
        Resource::Message {
            message,
            conversation,
        },
    )
}
