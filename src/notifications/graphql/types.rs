//! The notification types: `Notification`, its kinds and deliveries, the viewer's list, counts
//! and settings (on `User`, for the viewer only) and the admins' defaults.

use std::collections::HashMap;

use async_graphql::parser::types::OperationType;
use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, NaiveTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::kinds::{Delivery, NotificationKind};
use super::super::model::{self, Notification};
use super::super::preferences::{self, GroupLevel};
use super::super::text::{self, Reader};
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::loaders::ChildrenOf;
use crate::graphql::node::Node;
use crate::groups::GroupAccess;
use crate::users::User;
use crate::users::model::DigestFrequency;

pub const TYPE_NAME: &str = "Notification";
const ACTORS_SHOWN: usize = 3;

/// What a notification is about.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "NotificationKind", remote = "NotificationKind")]
pub enum NotificationKindGql {
    /// Someone mentioned you (@username) in a post or comment.
    Mention,
    /// A whole group you are in was mentioned in a post (@group-slug) by one of its managers, an
    /// org admin or its integration.
    GroupMention,
    /// Someone commented on your post.
    Comment,
    /// Someone replied to your comment.
    Reply,
    /// People reacted to your post or comment (collapsed into one).
    Reaction,
    /// Someone invited you to join a group.
    GroupInvitation,
    /// Someone asked to join a group you manage.
    JoinRequest,
    /// Your request to join a group was approved or declined.
    JoinRequestDecided,
    /// A new post in a group you set to all posts.
    GroupPost,
    /// An announcement you are asked to read and acknowledge.
    AcknowledgementRequested,
    /// Someone invited you to an event.
    EventInvitation,
    /// An event (or one of its occurrences) you are going to, may go to or were invited to
    /// changed.
    EventUpdated,
    /// An event (or one of its occurrences) you are going to, may go to or were invited to was
    /// canceled.
    EventCancelled,
    /// An event you are going to (or may go to) starts soon, at the reminder times set on the
    /// event or by you.
    EventReminder,
    /// A file was added to a folder you follow (or to a folder inside it).
    FileShared,
    /// A file in a folder you follow (or in a folder inside it) has a new version.
    FileUpdated,
    /// A message from the admins.
    AdminMessage,
    /// Someone mentioned you (@username) in a chat message (emailed only in digests).
    ChatMention,
}

/// How a person hears of a kind of notification.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "NotificationDelivery", remote = "Delivery")]
pub enum DeliveryGql {
    /// Not at all.
    Off,
    /// In the app only.
    InApp,
    /// In the app, and by email at once (after do-not-disturb hours).
    Email,
    /// In the app, and in the next digest email.
    Digest,
}

/// How often a person who was away gets an email summing up the notifications set to `DIGEST`
/// that they have not read, at 8 a.m. in their time zone.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DigestFrequency", remote = "DigestFrequency")]
pub enum DigestFrequencyGql {
    /// No digest emails: those notifications stay in the app.
    Never,
    /// Each morning, after a day without using Parvis.
    Daily,
    /// Monday mornings, after a week without using Parvis.
    Weekly,
}

/// A person's notifications from a group.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum GroupNotificationLevel {
    /// Mentions, replies and the like.
    Default,
    /// Nothing from the group but direct @mentions of you (unless you turned mentions off).
    Muted,
    /// Also every new post.
    AllPosts,
}

impl GroupNotificationLevel {
    pub(super) fn stored(self) -> Option<GroupLevel> {
        match self {
            Self::Default => None,
            Self::Muted => Some(GroupLevel::Muted),
            Self::AllPosts => Some(GroupLevel::AllPosts),
        }
    }

    pub(in crate::notifications) fn of(level: Option<GroupLevel>) -> Self {
        match level {
            None => Self::Default,
            Some(GroupLevel::Muted) => Self::Muted,
            Some(GroupLevel::AllPosts) => Self::AllPosts,
        }
    }
}

/// Something the viewer should know about.
#[Object(name = "Notification")]
impl Notification {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// What it is about.
    async fn kind(&self) -> NotificationKindGql {
        self.kind.into()
    }
    /// What happened, in one line in the viewer's language ("Anna and 4 others reacted to
    /// your post “Q3 results”").
    async fn text(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let reader = Reader::of(&ctx.viewer()?.user);
        let names: Vec<String> = self
            .visible_actors(ctx, 2)
            .await?
            .into_iter()
            .map(|user| user.display_name)
            .collect();
        let who = text::actors(&names, self.actor_count.max(0) as usize, reader.language);
        Ok(text::headline(self.kind, &who, &self.data, &reader))
    }
    /// The latest people who did it (up to 3 the viewer may see), most recent first.
    async fn actors(&self, ctx: &Context<'_>) -> ApiResult<Vec<User>> {
        self.visible_actors(ctx, ACTORS_SHOWN).await
    }
    /// How many people did it in all.
    async fn actor_count(&self) -> i32 {
        self.actor_count
    }
    /// What it is about (a post, group, event, file...); null when there is none, or when the
    /// viewer may no longer see it.
    async fn subject(&self, ctx: &Context<'_>) -> ApiResult<Option<Node>> {
        let (Some(type_name), Some(id)) = (&self.subject_type, self.subject_id) else {
            return Ok(None);
        };
        match load_subject(ctx, type_name, id).await {
            Ok(node) => Ok(Some(node)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }
    /// The group it happened in, if the viewer may see it.
    async fn group(&self, ctx: &Context<'_>) -> ApiResult<Option<GroupAccess>> {
        let Some(id) = self.group_id else {
            return Ok(None);
        };
        match crate::groups::loading::load_visible(ctx, id).await {
            Ok(group) => Ok(Some(group)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }
    /// Details of the kind, as a JSON object: `title` (of the subject), `excerpt` (plain text),
    /// `commentId`, `onComment`, `groupName`, `folderName`, `approved`, `startsAt` (RFC 3339), a
    /// cancellation's `reason`, an occurrence's `occurrenceStartsAt` and the event's `timeZone`, a
    /// reminder's `occurrenceEndsAt`, `allDay`, `location`, `onlineUrl` and `minutesBefore`, an
    /// admin message's `body` (plain text)... The keys of each kind are listed in docs/api.md;
    /// `commentId` is the comment's global ID, as `Comment.id` gives it.
    async fn data(&self) -> Json<serde_json::Value> {
        Json(with_global_ids(self.data.clone()))
    }
    /// How it reached the viewer: their choice for its kind when it arrived (or was last
    /// updated), else the organization's default.
    async fn delivery(&self) -> DeliveryGql {
        self.delivery.into()
    }
    /// When it first arrived.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When it last changed (someone else reacted too).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
    /// When the viewer saw it in a list (it no longer counts in the badge).
    async fn seen_at(&self) -> Option<DateTime<Utc>> {
        self.seen_at
    }
    /// When the viewer read it (`markNotificationsRead`); null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.read_at
    }
    /// Whether the viewer has read it.
    async fn read(&self) -> bool {
        self.read_at.is_some()
    }
}

impl Notification {
    async fn visible_actors(&self, ctx: &Context<'_>, limit: usize) -> ApiResult<Vec<User>> {
        let mut shown = Vec::with_capacity(limit);
        for id in self.actor_ids_in_order() {
            if shown.len() == limit {
                break;
            }
            match crate::users::loading::load_visible(ctx, id).await {
                Ok(user) => shown.push(user),
                Err(ApiError::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(shown)
    }
}

/// What a notification is about, NOT_FOUND when the viewer may not see it. In a list, posts and
/// events, the subjects of most notifications, are read with the other subjects of the page
/// through the request's DataLoaders, so a page costs the same statements whatever its size; a
/// post is not counted as viewed (`node(id:)` would count it). A subscription's loaders live as
/// long as it does and would show a subject as it was first read: `notificationReceived` reads
/// each one afresh (one notification at a time, batching gains nothing there).
async fn load_subject(ctx: &Context<'_>, type_name: &str, id: Uuid) -> ApiResult<Node> {
    let live = ctx.query_env.operation.node.ty == OperationType::Subscription;
    match type_name {
        crate::posts::TYPE_NAME if live => {
            crate::posts::service::visible(&mut *ctx.conn().await?, ctx.viewer()?, id)
                .await
                .map(Node::Post)
        }
        crate::posts::TYPE_NAME => crate::posts::loading::load_visible_batched(ctx, id)
            .await
            .map(Node::Post),
        crate::events_calendar::access::TYPE_NAME if !live => {
            crate::events_calendar::loading::load_visible_batched(ctx, id)
                .await
                .map(Node::Event)
        }
        _ => crate::graphql::node::load_node(ctx, &ids::encode(type_name, id), "subject").await,
    }
}

/// Which of the viewer's notifications a list shows.
#[derive(InputObject, Default)]
pub struct NotificationFilter {
    /// Only those not read yet (default: all).
    #[graphql(default)]
    pub unread_only: bool,
    /// Only these kinds (any when empty).
    #[graphql(default)]
    pub kinds: Vec<NotificationKindGql>,
}

/// One of the viewer's own notifications; anyone else's is NOT_FOUND.
pub async fn load_own(ctx: &Context<'_>, id: Uuid) -> ApiResult<Notification> {
    let viewer = ctx.viewer()?.id();
    model::find(&mut *ctx.conn().await?, id)
        .await?
        .filter(|notification| notification.recipient_id == viewer)
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

/// How the viewer hears of one kind.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct NotificationPreference {
    /// The kind of notification.
    pub kind: NotificationKindGql,
    /// How the viewer hears of it: their own choice, else the organization's default.
    pub delivery: DeliveryGql,
    /// The organization's default for the kind (what `delivery` is unless `custom`).
    pub organization_default: DeliveryGql,
    /// Whether the viewer chose `delivery` themselves.
    pub custom: bool,
}

#[ComplexObject]
impl NotificationPreference {
    /// The old spelling of `organizationDefault`.
    #[graphql(name = "organisationDefault", deprecation = "Use organizationDefault.")]
    async fn deprecated_organization_default(&self) -> DeliveryGql {
        self.organization_default
    }
}

/// Daily do-not-disturb hours, in the person's time zone; emails wait until they end.
#[derive(SimpleObject)]
pub struct QuietHours {
    /// Local time they start, e.g. `22:00:00`.
    pub start: NaiveTime,
    /// Local time they end, e.g. `07:30:00` (before `start`: they run past midnight).
    pub end: NaiveTime,
}

/// How the viewer hears of things: per kind of notification, quiet hours and digests.
#[derive(SimpleObject)]
pub struct NotificationSettings {
    /// One entry per kind.
    pub preferences: Vec<NotificationPreference>,
    /// Daily do-not-disturb hours; null when the viewer has none.
    pub quiet_hours: Option<QuietHours>,
    /// How often the viewer gets a digest email after being away.
    pub digest_frequency: DigestFrequencyGql,
}

/// A person's settings: every kind with its delivery, quiet hours, digest frequency.
pub(in crate::notifications) async fn settings_of(
    conn: &mut diesel_async::AsyncPgConnection,
    user: &User,
) -> ApiResult<NotificationSettings> {
    let defaults = preferences::organization_defaults(conn).await?;
    let own = preferences::own_choices(conn, user.id).await?;
    let preferences = NotificationKind::ALL
        .into_iter()
        .map(|kind| {
            let organization_default = defaults
                .get(&kind)
                .copied()
                .unwrap_or_else(|| kind.built_in_delivery());
            let chosen = own.get(&kind).copied();
            NotificationPreference {
                kind: kind.into(),
                delivery: chosen.unwrap_or(organization_default).into(),
                organization_default: organization_default.into(),
                custom: chosen.is_some(),
            }
        })
        .collect();
    Ok(NotificationSettings {
        preferences,
        quiet_hours: user.quiet_hours().map(|hours| QuietHours {
            start: hours.start,
            end: hours.end,
        }),
        digest_frequency: user.digest_frequency.into(),
    })
}

/// The organization's default delivery of one kind.
#[derive(SimpleObject)]
pub struct NotificationDefault {
    /// The kind of notification.
    pub kind: NotificationKindGql,
    /// How it reaches people who chose nothing themselves.
    pub delivery: DeliveryGql,
}

pub(super) async fn defaults_list(
    conn: &mut diesel_async::AsyncPgConnection,
) -> ApiResult<Vec<NotificationDefault>> {
    let defaults = preferences::organization_defaults(conn).await?;
    Ok(NotificationKind::ALL
        .into_iter()
        .map(|kind| NotificationDefault {
            kind: kind.into(),
            delivery: defaults
                .get(&kind)
                .copied()
                .unwrap_or_else(|| kind.built_in_delivery())
                .into(),
        })
        .collect())
}

/// The settings of a person (the argument) for groups.
pub struct GroupLevels;

impl ChildrenOf for GroupLevels {
    type Args = Uuid;
    type Value = GroupLevel;

    fn load(
        conn: &mut AsyncPgConnection,
        groups: &[Uuid],
        user: &Uuid,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Self::Value>>> + Send {
        preferences::group_levels(conn, *user, groups)
    }
}

/// Whether a person (the argument) follows folders.
pub struct FolderFollows;

impl ChildrenOf for FolderFollows {
    type Args = Uuid;
    type Value = bool;

    fn load(
        conn: &mut AsyncPgConnection,
        folders: &[Uuid],
        user: &Uuid,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Self::Value>>> + Send {
        preferences::follows_folders(conn, *user, folders)
    }
}

/// The stored details with the ids they hold as global IDs: rows keep the comment's UUID, clients
/// get the ID `node(id:)` takes.
fn with_global_ids(mut data: serde_json::Value) -> serde_json::Value {
    let comment = data
        .get("commentId")
        .and_then(serde_json::Value::as_str)
        .and_then(|id| uuid::Uuid::parse_str(id).ok());
    if let Some(comment) = comment {
        data["commentId"] =
            serde_json::Value::String(ids::encode(crate::posts::COMMENT_TYPE, comment).0);
    }
    data
}
