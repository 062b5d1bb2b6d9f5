//! Marking read and seen, the viewer's preferences, following folders, and the admins' defaults
//! and messages: parse the input, call the service, shape the payload.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveTime, Utc};
use uuid::Uuid;

use super::super::model::{self, Notification, Selection};
use super::super::{preferences, service};
use super::types::{
    DeliveryGql, DigestFrequencyGql, GroupNotificationLevel, NotificationDefault,
    NotificationKindGql, NotificationSettings, TYPE_NAME, defaults_list, settings_of,
};
use crate::analytics::{Activity, ActivityKind};
use crate::audit::Audit;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::groups::GroupAccess;

/// At most this many ids per mark.
const MAX_IDS: usize = 100;

/// Which of the viewer's notifications: these ids, or every one up to `before` (now when both
/// are left out).
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// These notifications of the viewer's, at most 100; not with `before`.
    pub notification_ids: Option<Vec<ID>>,
    /// Every notification of the viewer's last updated at or before this time; not with
    /// `notificationIds`.
    pub before: Option<DateTime<Utc>>,
}

/// Which of the viewer's notifications: these ids, or every one up to `before` (now when both
/// are left out).
#[derive(InputObject)]
pub struct MarkNotificationsSeenInput {
    /// These notifications of the viewer's, at most 100; not with `before`.
    pub notification_ids: Option<Vec<ID>>,
    /// Every notification of the viewer's last updated at or before this time; not with
    /// `notificationIds`.
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

/// The result of `markNotificationsRead`.
#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// The notifications this marked read.
    pub notifications: Vec<Notification>,
    /// How many of the viewer's notifications are still unread.
    pub unread_notification_count: i64,
}

/// The result of `markNotificationsSeen`.
#[derive(SimpleObject)]
pub struct MarkNotificationsSeenPayload {
    /// How many of the viewer's unread notifications are still unseen (the badge).
    pub unseen_notification_count: i64,
}

/// How the viewer wants to hear of one kind of notification.
#[derive(InputObject)]
pub struct NotificationPreferenceInput {
    /// The kind to change.
    pub kind: NotificationKindGql,
    /// Null goes back to the organization's default.
    pub delivery: Option<DeliveryGql>,
}

/// Daily do-not-disturb hours in the viewer's time zone (`start` and `end` must differ); emails
/// wait until they end.
#[derive(InputObject)]
pub struct QuietHoursInput {
    /// Local time the quiet hours start, e.g. `22:00:00`.
    pub start: NaiveTime,
    /// Local time they end, e.g. `07:30:00` (before `start`: they run past midnight).
    pub end: NaiveTime,
}

/// What to change in how the viewer hears of things; what is left out stays as it is.
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
    /// How often to get a digest email; unchanged when omitted.
    pub digest_frequency: Option<DigestFrequencyGql>,
}

/// The result of `updateNotificationSettings`.
#[derive(SimpleObject)]
pub struct UpdateNotificationSettingsPayload {
    /// The viewer's settings as they are now.
    pub notification_settings: NotificationSettings,
}

/// A group and what the viewer wants to hear from it.
#[derive(InputObject)]
pub struct SetGroupNotificationLevelInput {
    /// The group (one the viewer may see).
    pub group_id: ID,
    /// What the viewer hears from it from now on.
    pub level: GroupNotificationLevel,
}

/// The result of `setGroupNotificationLevel`.
#[derive(SimpleObject)]
pub struct SetGroupNotificationLevelPayload {
    /// The group, with the viewer's new `viewerNotificationLevel`.
    pub group: GroupAccess,
}

crate::one_type_per_mutation! {
    #[derive(InputObject)]
    struct {
    /// A folder the viewer may read.
    pub folder_id: ID,
}
    /// The folder to follow.
    FollowFolderInput;
    /// The folder to stop following.
    UnfollowFolderInput;
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The folder, with the viewer's new `viewerFollows`.
    pub folder: crate::files::graphql::FolderView,
}
    /// The result of `followFolder`: the folder, followed.
    FollowFolderPayload;
    /// The result of `unfollowFolder`: the folder, no longer followed.
    UnfollowFolderPayload;
}

/// A kind of notification and its new default delivery.
#[derive(InputObject)]
pub struct NotificationDefaultInput {
    /// The kind to change.
    pub kind: NotificationKindGql,
    /// How it reaches people who chose nothing themselves.
    pub delivery: DeliveryGql,
}

/// The organization's default deliveries to change.
#[derive(InputObject)]
pub struct UpdateNotificationDefaultsInput {
    /// Kinds to change; the others keep their default.
    pub defaults: Vec<NotificationDefaultInput>,
}

/// The result of `updateNotificationDefaults`.
#[derive(SimpleObject)]
pub struct UpdateNotificationDefaultsPayload {
    /// Every kind with its default delivery, as it is now.
    pub notification_defaults: Vec<NotificationDefault>,
}

/// A message from the admins, delivered as an `ADMIN_MESSAGE` notification.
#[derive(InputObject)]
pub struct SendAdminMessageInput {
    /// Up to 200 characters; the notification's text.
    pub title: String,
    /// Plain text, up to 10,000 characters.
    pub body: String,
    /// Only the members of these groups (everyone when empty).
    #[graphql(default)]
    pub group_ids: Vec<ID>,
}

/// The result of `sendAdminMessage`.
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
        #[graphql(desc = "Which of the viewer's notifications to mark read.")]
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
        #[graphql(desc = "Which of the viewer's notifications to mark seen.")]
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
        #[graphql(desc = "The preferences, quiet hours and digest frequency to change.")]
        input: UpdateNotificationSettingsInput,
    ) -> ApiResult<UpdateNotificationSettingsPayload> {
        let viewer = ctx.viewer()?.id();
        let quiet_hours = match (input.quiet_hours, input.clear_quiet_hours) {
            (Some(_), true) => {
                return Err(ApiError::bad_input(
                    "clearQuietHours",
                    "give quietHours or clearQuietHours, not both",
                ));
            }
            (Some(hours), false) => Some(Some((hours.start, hours.end))),
            (None, true) => Some(None),
            (None, false) => None,
        };
        let change = service::SettingsChange {
            preferences: input
                .preferences
                .iter()
                .map(|preference| (preference.kind.into(), preference.delivery.map(Into::into)))
                .collect(),
            quiet_hours,
            digest_frequency: input.digest_frequency.map(Into::into),
        };
        let mut conn = ctx.conn().await?;
        let user = service::update_settings(&mut conn, viewer, change).await?;
        Ok(UpdateNotificationSettingsPayload {
            notification_settings: settings_of(&mut conn, &user).await?,
        })
    }

    /// Mutes a group (all but direct @mentions of the viewer), asks for all its posts, or goes
    /// back to the usual (for the viewer).
    async fn set_group_notification_level(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group and the viewer's new level for it.")]
        input: SetGroupNotificationLevelInput,
    ) -> ApiResult<SetGroupNotificationLevelPayload> {
        let viewer = ctx.viewer()?.id();
        let id = ids::decode_as(&input.group_id, crate::groups::TYPE_NAME, "groupId")?;
        let group = crate::groups::loading::load_visible(ctx, id).await?;
        preferences::set_group_level(&mut *ctx.conn().await?, viewer, id, input.level.stored())
            .await?;
        Ok(SetGroupNotificationLevelPayload { group })
    }

    /// The viewer hears of new and updated files in the folder (and the folders inside it).
    async fn follow_folder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The folder to follow.")] input: FollowFolderInput,
    ) -> ApiResult<FollowFolderPayload> {
        set_followed(ctx, &input.folder_id, true)
            .await
            .map(Into::into)
    }

    /// The viewer stops following the folder (following a folder it is in still tells them of
    /// its files).
    async fn unfollow_folder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The folder to stop following.")] input: UnfollowFolderInput,
    ) -> ApiResult<UnfollowFolderPayload> {
        set_followed(ctx, &input.folder_id, false)
            .await
            .map(Into::into)
    }

    /// Sets how kinds of notification reach people who chose nothing themselves (admins).
    async fn update_notification_defaults(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The kinds whose default delivery changes, and how.")]
        input: UpdateNotificationDefaultsInput,
    ) -> ApiResult<UpdateNotificationDefaultsPayload> {
        let defaults: Vec<_> = input
            .defaults
            .iter()
            .map(|default| (default.kind.into(), default.delivery.into()))
            .collect();
        let mut conn = ctx.conn().await?;
        service::update_defaults(&mut conn, ctx.viewer()?, &Audit::of(ctx)?, &defaults).await?;
        Ok(UpdateNotificationDefaultsPayload {
            notification_defaults: defaults_list(&mut conn).await?,
        })
    }

    /// Sends a notification from the admins to everyone, or to the members of some groups (admins
    /// only).
    async fn send_admin_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message and who receives it.")] input: SendAdminMessageInput,
    ) -> ApiResult<SendAdminMessagePayload> {
        let viewer = ctx.viewer()?;
        let message = service::AdminMessage {
            title: input.title,
            body: input.body,
            group_ids: input
                .group_ids
                .iter()
                .map(|id| ids::decode_as(id, crate::groups::TYPE_NAME, "groupIds"))
                .collect::<ApiResult<_>>()?,
        };
        let audit = Audit::of(ctx)?;
        let message_id =
            service::send_admin_message(&mut *ctx.conn().await?, viewer, &audit, message).await?;
        Ok(SendAdminMessagePayload {
            queued: true,
            message_id: ids::encode(service::ADMIN_MESSAGE_TYPE, message_id),
        })
    }
}

async fn set_followed(
    ctx: &Context<'_>,
    folder_id: &ID,
    followed: bool,
) -> ApiResult<crate::files::graphql::FolderView> {
    let viewer = ctx.viewer()?.id();
    let id = ids::decode_as(folder_id, crate::files::access::FOLDER_TYPE, "folderId")?;
    let folder = crate::files::loading::load_folder(ctx, id).await?;
    preferences::set_folder_followed(&mut *ctx.conn().await?, viewer, id, followed).await?;
    Ok(folder)
}
