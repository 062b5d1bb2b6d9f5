//! What a notification is about (its kind) and how a person hears of it (its delivery).

use crate::text_enum;

text_enum! {
    /// Every kind of notification; each feature that notifies uses one of these.
    pub enum NotificationKind {
        Mention => "mention",
        GroupMention => "group_mention",
        Comment => "comment",
        Reply => "reply",
        Reaction => "reaction",
        GroupInvitation => "group_invitation",
        JoinRequest => "join_request",
        JoinRequestDecided => "join_request_decided",
        GroupPost => "group_post",
        AcknowledgementRequested => "acknowledgement_requested",
        EventInvitation => "event_invitation",
        EventUpdated => "event_updated",
        EventCancelled => "event_cancelled",
        EventReminder => "event_reminder",
        FileShared => "file_shared",
        FileUpdated => "file_updated",
        AdminMessage => "admin_message",
        ChatMention => "chat_mention",
    }
}

text_enum! {
    /// How a person hears of a kind: not at all, in the app only, in the app and by email at once,
    /// or in the app and in the next digest email.
    pub enum Delivery {
        Off => "off",
        InApp => "in_app",
        Email => "email",
        Digest => "digest",
    }
}

impl NotificationKind {
    pub const ALL: [Self; 18] = [
        Self::Mention,
        Self::GroupMention,
        Self::Comment,
        Self::Reply,
        Self::Reaction,
        Self::GroupInvitation,
        Self::JoinRequest,
        Self::JoinRequestDecided,
        Self::GroupPost,
        Self::AcknowledgementRequested,
        Self::EventInvitation,
        Self::EventUpdated,
        Self::EventCancelled,
        Self::EventReminder,
        Self::FileShared,
        Self::FileUpdated,
        Self::AdminMessage,
        Self::ChatMention,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_db() == text)
    }

    /// The delivery when neither the person nor the organization chose one: what is addressed
    /// to the person by name comes by email, the rest waits for the digest or stays in the app.
    pub fn built_in_delivery(self) -> Delivery {
        match self {
            Self::Mention
            | Self::GroupInvitation
            | Self::JoinRequest
            | Self::AcknowledgementRequested
            | Self::EventInvitation
            | Self::EventCancelled
            | Self::AdminMessage => Delivery::Email,
            Self::GroupMention
            | Self::Comment
            | Self::Reply
            | Self::GroupPost
            | Self::EventUpdated
            | Self::FileShared
            | Self::FileUpdated
            | Self::ChatMention => Delivery::Digest,
            Self::Reaction | Self::JoinRequestDecided | Self::EventReminder => Delivery::InApp,
        }
    }

    /// Whether it reaches people who muted the group it happened in: a direct @mention does
    /// (unless they turned mentions off).
    pub fn heard_through_mutes(self) -> bool {
        matches!(self, Self::Mention | Self::ChatMention)
    }

    /// Whether it may be emailed the moment it happens: a chat mention reaches the inbox only
    /// in a digest (a lively conversation would otherwise send an email per message).
    pub fn emailed_at_once(self) -> bool {
        self != Self::ChatMention
    }
}

impl Delivery {
    pub const ALL: [Self; 4] = [Self::Off, Self::InApp, Self::Email, Self::Digest];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|delivery| delivery.as_db() == text)
    }
}
