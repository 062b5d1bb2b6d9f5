//! The notifications API: the viewer's list and counts (on `User`, for the viewer only),
//! marking read and seen, preferences, admin defaults and messages, and `notificationReceived`.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject, Subscription};
use chrono::{DateTime, NaiveTime, Utc};
use diesel_async::AsyncConnection;
use futures::Stream;
use uuid::Uuid;

use super::kinds::{Delivery, NotificationKind};
use super::model::{self, Filter, Notification, Selection};
use super::preferences::{self, GroupLevel};
use super::text::{self, Reader};
use super::triggers::{self, Trigger};
use crate::analytics::{Activity, ActivityKind};
use crate::audit::{Audit, Change};
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, reauthorized};
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::graphql::node::Node;
use crate::groups::GroupAccess;
use crate::pagination::PageRequest;
use crate::users::User;
use crate::users::model::DigestFrequency;
use crate::validation;

pub const TYPE_NAME: &str = "Notification";
const ADMIN_MESSAGE_TYPE: &str = "AdminMessage";
/// At most this many ids per mark.
const MAX_IDS: usize = 100;
const ACTORS_SHOWN: usize = 3;
const MESSAGE_TITLE_CHARS: usize = 200;
const MESSAGE_BODY_CHARS: usize = 10_000;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "NotificationKind", remote = "NotificationKind")]
pub enum NotificationKindGql {
    /// Someone mentioned you (@username) in a post or comment.
    Mention,
    /// A group manager mentioned a whole group you are in.
    GroupMention,
    /// Someone commented on your post.
    Comment,
    /// Someone replied to your comment.
    Reply,
    /// People reacted to your post or comment (collapsed into one).
    Reaction,
    GroupInvitation,
    /// Someone asked to join a group you manage.
    JoinRequest,
    /// Your request to join a group was approved or declined.
    JoinRequestDecided,
    /// A new post in a group you set to all posts.
    GroupPost,
    /// An announcement you are asked to read and acknowledge.
    AcknowledgementRequested,
    EventInvitation,
    /// An event you attend or were invited to changed.
    EventUpdated,
    EventCancelled,
    EventReminder,
    /// A file was added to a folder you follow.
    FileShared,
    /// A file in a folder you follow has a new version.
    FileUpdated,
    /// A message from the admins.
    AdminMessage,
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

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DigestFrequency", remote = "DigestFrequency")]
pub enum DigestFrequencyGql {
    Never,
    /// Each morning, after a day away.
    Daily,
    /// Monday mornings, after a week away.
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
    fn stored(self) -> Option<GroupLevel> {
        match self {
            Self::Default => None,
            Self::Muted => Some(GroupLevel::Muted),
            Self::AllPosts => Some(GroupLevel::AllPosts),
        }
    }

    fn of(level: Option<GroupLevel>) -> Self {
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
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
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
        let found = if type_name == crate::posts::graphql::TYPE_NAME {
            crate::posts::graphql::load_visible(ctx, id)
                .await
                .map(Node::Post)
        } else {
            crate::graphql::node::load_node(ctx, &ids::encode(type_name, id), "subject").await
        };
        match found {
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
        match crate::groups::graphql::load_visible(ctx, id).await {
            Ok(group) => Ok(Some(group)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }
    /// Details of the kind: `title` (of the subject), `commentId`, `excerpt` (plain text),
    /// `approved`, `startsAt`, an occurrence's `occurrenceStartsAt`, `occurrenceEndsAt` and the
    /// event's `timeZone`, a reminder's `location`, `onlineUrl` and `minutesBefore`, an admin
    /// message's `body`...
    async fn data(&self) -> Json<serde_json::Value> {
        Json(self.data.clone())
    }
    /// How the viewer chose to hear of it.
    async fn delivery(&self) -> DeliveryGql {
        self.delivery.into()
    }
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
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.read_at
    }
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
            match crate::users::graphql::load_visible(ctx, id).await {
                Ok(user) => shown.push(user),
                Err(ApiError::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(shown)
    }
}

#[derive(InputObject, Default)]
pub struct NotificationFilter {
    #[graphql(default)]
    pub unread_only: bool,
    /// Only these kinds (any when empty).
    #[graphql(default)]
    pub kinds: Vec<NotificationKindGql>,
}

/// The viewer's notifications, most recently active first (for `User.notifications`).
pub async fn viewer_notifications(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<NotificationFilter>,
) -> ApiResult<PageConnection<Notification>> {
    let viewer = ctx.viewer()?.id();
    let page = PageRequest::parse(first, after.as_deref())?;
    let filter = filter.unwrap_or_default();
    let filter = Filter {
        unread_only: filter.unread_only,
        kinds: filter.kinds.into_iter().map(Into::into).collect(),
    };
    let page = model::page(&mut *ctx.conn().await?, viewer, &filter, &page).await?;
    Ok(connection(
        page,
        |notification| (notification.updated_at, notification.id),
        |notification| notification,
    ))
}

/// One of the viewer's own notifications; anyone else's is NOT_FOUND.
pub async fn load_own(ctx: &Context<'_>, id: Uuid) -> ApiResult<Notification> {
    let viewer = ctx.viewer()?.id();
    model::find(&mut *ctx.conn().await?, id)
        .await?
        .filter(|notification| notification.recipient_id == viewer)
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

/// The viewer's unread notifications and, of those, the ones not yet seen.
pub async fn viewer_counts(ctx: &Context<'_>) -> ApiResult<(i64, i64)> {
    let viewer = ctx.viewer()?.id();
    model::unread_counts(&mut *ctx.conn().await?, viewer).await
}

/// How the viewer hears of one kind.
#[derive(SimpleObject)]
pub struct NotificationPreference {
    pub kind: NotificationKindGql,
    pub delivery: DeliveryGql,
    /// The organisation's default for the kind (what `delivery` is unless `custom`).
    pub organisation_default: DeliveryGql,
    /// Whether the viewer chose `delivery` themselves.
    pub custom: bool,
}

/// Daily do-not-disturb hours, in the person's time zone; emails wait until they end.
#[derive(SimpleObject)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

#[derive(SimpleObject)]
pub struct NotificationSettings {
    /// One entry per kind.
    pub preferences: Vec<NotificationPreference>,
    pub quiet_hours: Option<QuietHours>,
    pub digest_frequency: DigestFrequencyGql,
}

/// The viewer's settings (for `User.notificationSettings`).
pub async fn viewer_settings(ctx: &Context<'_>) -> ApiResult<NotificationSettings> {
    let viewer = ctx.viewer()?;
    settings_of(&mut *ctx.conn().await?, &viewer.user).await
}

async fn settings_of(
    conn: &mut diesel_async::AsyncPgConnection,
    user: &User,
) -> ApiResult<NotificationSettings> {
    let defaults = preferences::organisation_defaults(conn).await?;
    let own = preferences::own_choices(conn, user.id).await?;
    let preferences = NotificationKind::ALL
        .into_iter()
        .map(|kind| {
            let organisation_default = defaults
                .get(&kind)
                .copied()
                .unwrap_or_else(|| kind.built_in_delivery());
            let chosen = own.get(&kind).copied();
            NotificationPreference {
                kind: kind.into(),
                delivery: chosen.unwrap_or(organisation_default).into(),
                organisation_default: organisation_default.into(),
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

/// The organisation's default delivery of one kind.
#[derive(SimpleObject)]
pub struct NotificationDefault {
    pub kind: NotificationKindGql,
    pub delivery: DeliveryGql,
}

async fn defaults_list(
    conn: &mut diesel_async::AsyncPgConnection,
) -> ApiResult<Vec<NotificationDefault>> {
    let defaults = preferences::organisation_defaults(conn).await?;
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

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// How each kind of notification reaches people who chose nothing themselves (admins).
    async fn notification_defaults(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<NotificationDefault>> {
        crate::audit::graphql::require_admin(ctx)?;
        defaults_list(&mut *ctx.conn().await?).await
    }
}

/// Which of the viewer's notifications: these ids, or every one up to `before` (now when both
/// are left out).
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    pub notification_ids: Option<Vec<ID>>,
    pub before: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct MarkNotificationsSeenInput {
    pub notification_ids: Option<Vec<ID>>,
    pub before: Option<DateTime<Utc>>,
}

fn selection(ids: Option<Vec<ID>>, before: Option<DateTime<Utc>>) -> ApiResult<Selection> {
    match (ids, before) {
        (Some(_), Some(_)) => Err(ApiError::bad_input(
            "notificationIds",
            "give notificationIds or before, not both",
        )),
        (Some(ids), None) => {
            if ids.len() > MAX_IDS {
                return Err(ApiError::bad_input(
                    "notificationIds",
                    format!("at most {MAX_IDS} ids at once"),
                ));
            }
            ids.iter()
                .map(|id| ids::decode_as(id, TYPE_NAME, "notificationIds"))
                .collect::<ApiResult<Vec<Uuid>>>()
                .map(Selection::Ids)
        }
        (None, before) => Ok(Selection::Before(before.unwrap_or_else(Utc::now))),
    }
}

#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// The notifications this marked read.
    pub notifications: Vec<Notification>,
    pub unread_notification_count: i64,
}

#[derive(SimpleObject)]
pub struct MarkNotificationsSeenPayload {
    pub unseen_notification_count: i64,
}

#[derive(InputObject)]
pub struct NotificationPreferenceInput {
    pub kind: NotificationKindGql,
    /// Null goes back to the organisation's default.
    pub delivery: Option<DeliveryGql>,
}

#[derive(InputObject)]
pub struct QuietHoursInput {
    /// Local time the quiet hours start, e.g. `22:00:00`.
    pub start: NaiveTime,
    /// Local time they end, e.g. `07:30:00` (before `start`: they run past midnight).
    pub end: NaiveTime,
}

#[derive(InputObject)]
pub struct UpdateNotificationSettingsInput {
    /// Kinds to change; the others keep their delivery.
    #[graphql(default)]
    pub preferences: Vec<NotificationPreferenceInput>,
    /// New do-not-disturb hours.
    pub quiet_hours: Option<QuietHoursInput>,
    /// Turns do-not-disturb hours off.
    #[graphql(default)]
    pub clear_quiet_hours: bool,
    pub digest_frequency: Option<DigestFrequencyGql>,
}

#[derive(SimpleObject)]
pub struct UpdateNotificationSettingsPayload {
    pub notification_settings: NotificationSettings,
}

#[derive(InputObject)]
pub struct SetGroupNotificationLevelInput {
    pub group_id: ID,
    pub level: GroupNotificationLevel,
}

#[derive(SimpleObject)]
pub struct SetGroupNotificationLevelPayload {
    pub group: GroupAccess,
}

#[derive(InputObject)]
pub struct FollowFolderInput {
    pub folder_id: ID,
}

#[derive(SimpleObject)]
pub struct FollowFolderPayload {
    pub folder: crate::files::graphql::FolderView,
}

#[derive(InputObject)]
pub struct NotificationDefaultInput {
    pub kind: NotificationKindGql,
    pub delivery: DeliveryGql,
}

#[derive(InputObject)]
pub struct UpdateNotificationDefaultsInput {
    pub defaults: Vec<NotificationDefaultInput>,
}

#[derive(SimpleObject)]
pub struct UpdateNotificationDefaultsPayload {
    pub notification_defaults: Vec<NotificationDefault>,
}

#[derive(InputObject)]
pub struct SendAdminMessageInput {
    /// Up to 200 characters; the notification's text.
    pub title: String,
    /// Up to 10,000 characters.
    pub body: String,
    /// Only the members of these groups (everyone when empty).
    #[graphql(default)]
    pub group_ids: Vec<ID>,
}

#[derive(SimpleObject)]
pub struct SendAdminMessagePayload {
    /// The message is on its way to its audience (delivered by the job queue).
    pub queued: bool,
    /// The message, as the audit log names it.
    pub message_id: ID,
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks the viewer's notifications read (and seen).
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsReadInput,
    ) -> ApiResult<MarkNotificationsReadPayload> {
        let viewer = ctx.viewer()?.id();
        let selection = selection(input.notification_ids, input.before)?;
        let mut conn = ctx.conn().await?;
        let notifications = model::mark_read(&mut conn, viewer, &selection).await?;
        for notification in &notifications {
            ctx.record_activity(
                Activity::by(viewer, ActivityKind::NotificationOpened)
                    .in_group(notification.group_id),
            );
        }
        let (unread, _) = model::unread_counts(&mut conn, viewer).await?;
        Ok(MarkNotificationsReadPayload {
            notifications,
            unread_notification_count: unread,
        })
    }

    /// Marks the viewer's notifications seen: the badge clears, they stay unread.
    async fn mark_notifications_seen(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsSeenInput,
    ) -> ApiResult<MarkNotificationsSeenPayload> {
        let viewer = ctx.viewer()?.id();
        let selection = selection(input.notification_ids, input.before)?;
        let mut conn = ctx.conn().await?;
        model::mark_seen(&mut conn, viewer, &selection).await?;
        let (_, unseen) = model::unread_counts(&mut conn, viewer).await?;
        Ok(MarkNotificationsSeenPayload {
            unseen_notification_count: unseen,
        })
    }

    /// Changes how the viewer hears of things.
    async fn update_notification_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateNotificationSettingsInput,
    ) -> ApiResult<UpdateNotificationSettingsPayload> {
        let viewer = ctx.viewer()?.id();
        if input.clear_quiet_hours && input.quiet_hours.is_some() {
            return Err(ApiError::bad_input(
                "clearQuietHours",
                "give quietHours or clearQuietHours, not both",
            ));
        }
        if let Some(hours) = &input.quiet_hours
            && hours.start == hours.end
        {
            return Err(ApiError::bad_input(
                "quietHours.end",
                "must differ from quietHours.start",
            ));
        }
        let quiet_hours = match (input.quiet_hours, input.clear_quiet_hours) {
            (Some(hours), _) => Some(Some((hours.start, hours.end))),
            (None, true) => Some(None),
            (None, false) => None,
        };
        let mut conn = ctx.conn().await?;
        let user = conn
            .transaction::<_, ApiError, _>(async |conn| {
                for preference in &input.preferences {
                    let delivery = preference.delivery.map(Into::into);
                    preferences::set_own_choice(conn, viewer, preference.kind.into(), delivery)
                        .await?;
                }
                let frequency = input.digest_frequency.map(Into::into);
                preferences::set_personal(conn, viewer, quiet_hours, frequency).await
            })
            .await?;
        Ok(UpdateNotificationSettingsPayload {
            notification_settings: settings_of(&mut conn, &user).await?,
        })
    }

    /// Mutes a group (all but direct @mentions of the viewer), asks for all its posts, or goes
    /// back to the usual (for the viewer).
    async fn set_group_notification_level(
        &self,
        ctx: &Context<'_>,
        input: SetGroupNotificationLevelInput,
    ) -> ApiResult<SetGroupNotificationLevelPayload> {
        let viewer = ctx.viewer()?.id();
        let id = ids::decode_as(
            &input.group_id,
            crate::groups::graphql::TYPE_NAME,
            "groupId",
        )?;
        let group = crate::groups::graphql::load_visible(ctx, id).await?;
        preferences::set_group_level(&mut *ctx.conn().await?, viewer, id, input.level.stored())
            .await?;
        Ok(SetGroupNotificationLevelPayload { group })
    }

    /// The viewer hears of new and updated files in the folder (and the folders inside it).
    async fn follow_folder(
        &self,
        ctx: &Context<'_>,
        input: FollowFolderInput,
    ) -> ApiResult<FollowFolderPayload> {
        set_followed(ctx, &input.folder_id, true).await
    }

    async fn unfollow_folder(
        &self,
        ctx: &Context<'_>,
        input: FollowFolderInput,
    ) -> ApiResult<FollowFolderPayload> {
        set_followed(ctx, &input.folder_id, false).await
    }

    /// Sets how kinds of notification reach people who chose nothing themselves (admins).
    async fn update_notification_defaults(
        &self,
        ctx: &Context<'_>,
        input: UpdateNotificationDefaultsInput,
    ) -> ApiResult<UpdateNotificationDefaultsPayload> {
        crate::audit::graphql::require_admin(ctx)?;
        let audit = Audit::of(ctx)?;
        let mut conn = ctx.conn().await?;
        let notification_defaults = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let before = defaults_snapshot(conn).await?;
                for default in &input.defaults {
                    preferences::set_organisation_default(
                        conn,
                        default.kind.into(),
                        default.delivery.into(),
                    )
                    .await?;
                }
                let change = Change::of("NotificationDefaults", Uuid::nil())
                    .before(&before)?
                    .after(&defaults_snapshot(conn).await?)?;
                audit.record(conn, change).await?;
                defaults_list(conn).await
            })
            .await?;
        Ok(UpdateNotificationDefaultsPayload {
            notification_defaults,
        })
    }

    /// Sends a notification from the admins to everyone, or to the members of some groups.
    async fn send_admin_message(
        &self,
        ctx: &Context<'_>,
        input: SendAdminMessageInput,
    ) -> ApiResult<SendAdminMessagePayload> {
        crate::audit::graphql::require_admin(ctx)?;
        let audit = Audit::of(ctx)?;
        let viewer = ctx.viewer()?.id();
        let title = validation::name("title", &input.title, MESSAGE_TITLE_CHARS)?;
        let body = input.body.trim().to_owned();
        validation::max_chars("body", &body, MESSAGE_BODY_CHARS)?;
        let mut group_ids = Vec::with_capacity(input.group_ids.len());
        for id in &input.group_ids {
            let id = ids::decode_as(id, crate::groups::graphql::TYPE_NAME, "groupIds")?;
            group_ids.push(
                crate::groups::graphql::load_visible(ctx, id)
                    .await?
                    .group
                    .id,
            );
        }
        let message_id = Uuid::now_v7();
        let mut conn = ctx.conn().await?;
        conn.transaction::<_, ApiError, _>(async |conn| {
            let snapshot =
                serde_json::json!({ "title": title, "body": body, "groupIds": group_ids });
            audit
                .record(
                    conn,
                    Change::of(ADMIN_MESSAGE_TYPE, message_id).after(&snapshot)?,
                )
                .await?;
            let trigger = Trigger::AdminMessage {
                message_id,
                title,
                body,
                group_ids,
                by: viewer,
            };
            triggers::enqueue(conn, trigger).await
        })
        .await?;
        Ok(SendAdminMessagePayload {
            queued: true,
            message_id: ids::encode(ADMIN_MESSAGE_TYPE, message_id),
        })
    }
}

async fn defaults_snapshot(
    conn: &mut diesel_async::AsyncPgConnection,
) -> ApiResult<std::collections::BTreeMap<&'static str, &'static str>> {
    Ok(preferences::organisation_defaults(conn)
        .await?
        .into_iter()
        .map(|(kind, delivery)| (kind.as_db(), delivery.as_db()))
        .collect())
}

async fn set_followed(
    ctx: &Context<'_>,
    folder_id: &ID,
    followed: bool,
) -> ApiResult<FollowFolderPayload> {
    let viewer = ctx.viewer()?.id();
    let id = ids::decode_as(folder_id, crate::files::access::FOLDER_TYPE, "folderId")?;
    let folder = crate::files::graphql::load_folder(ctx, id).await?;
    preferences::set_folder_followed(&mut *ctx.conn().await?, viewer, id, followed).await?;
    Ok(FollowFolderPayload { folder })
}

/// The viewer's setting for a group (for `Group.viewerNotificationLevel`).
pub async fn viewer_group_level(
    ctx: &Context<'_>,
    group: Uuid,
) -> ApiResult<GroupNotificationLevel> {
    let viewer = ctx.viewer()?.id();
    let level = preferences::group_level(&mut *ctx.conn().await?, viewer, group).await?;
    Ok(GroupNotificationLevel::of(level))
}

/// Whether the viewer follows a folder (for `Folder.viewerFollows`).
pub async fn viewer_follows(ctx: &Context<'_>, folder: Uuid) -> ApiResult<bool> {
    let viewer = ctx.viewer()?.id();
    preferences::follows_folder(&mut *ctx.conn().await?, viewer, folder).await
}

#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// Each notification the viewer receives (or that is updated: "and 4 others"), from any
    /// server instance; never one about something the viewer may no longer see.
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = ApiResult<Notification>> + use<>, ApiError> {
        let viewer = ctx.viewer()?.clone();
        let me = viewer.id();
        let services = ctx.services().clone();
        let events = services.events.subscribe_matching(move |event| {
            matches!(event, Event::NotificationReceived { recipient_id, .. } if *recipient_id == me)
        });
        Ok(reauthorized(
            events,
            services,
            viewer,
            |conn, viewer, event| {
                Box::pin(async move {
                    let Event::NotificationReceived {
                        notification_id, ..
                    } = event
                    else {
                        return Ok(None);
                    };
                    let Some(notification) = model::find(conn, *notification_id).await? else {
                        return Ok(None);
                    };
                    if notification.recipient_id != viewer.id() {
                        return Ok(None);
                    }
                    if let (Some(type_name), Some(id)) =
                        (&notification.subject_type, notification.subject_id)
                        && !super::visibility::can_see_stored(conn, viewer, type_name, id).await?
                    {
                        return Ok(None);
                    }
                    Ok(Some(notification))
                })
            },
        ))
    }
}
