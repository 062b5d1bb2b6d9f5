//! What makes notifications: each feature enqueues a `Trigger` in the transaction of its change
//! (so it exists if and only if the change commits); the job queue then works out who hears of
//! it, off the request path. Each recipient gets one notification per trigger, of the kind that
//! concerns them most (a mention beats a new post in a followed group).

use std::collections::HashSet;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::deliver::deliver;
use super::kinds::NotificationKind;
use super::model::Notice;
use crate::db::schema::{group_memberships, users};
use crate::error::ApiResult;
use crate::jobs::{self, Job};
use crate::services::Services;

mod chat;
mod events;
mod files;
mod groups;
mod posts;
use chat::message_mentioned;
use events::{event_changed, event_invitation};
use files::file_changed;
use groups::{group_invitation, join_request_decided, join_requested};
use posts::{comment_added, post_mentioned, post_published, reacted};

pub use events::event_reminder;

/// Something that happened that people may need to hear of; only ids, read again when the job
/// runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum Trigger {
    /// A post went out (at once, or at its scheduled time).
    PostPublished {
        post_id: Uuid,
    },
    /// An edit of a published post mentions these people for the first time.
    PostMentioned {
        post_id: Uuid,
        user_ids: Vec<Uuid>,
    },
    CommentAdded {
        comment_id: Uuid,
    },
    /// `user_id` reacted to a post or comment.
    Reacted {
        subject_id: Uuid,
        user_id: Uuid,
    },
    GroupInvitation {
        invitation_id: Uuid,
    },
    JoinRequested {
        request_id: Uuid,
    },
    JoinRequestDecided {
        request_id: Uuid,
        approved: bool,
        by: Uuid,
    },
    EventInvitation {
        event_id: Uuid,
        user_ids: Vec<Uuid>,
        by: Uuid,
    },
    /// An event was changed, or cancelled as a whole (`cancelled`, decided when it happened:
    /// a change just before a cancellation is still a change), by `by`.
    EventChanged {
        event_id: Uuid,
        by: Uuid,
        cancelled: bool,
        /// The one occurrence (by its original start) that changed; none for the whole event.
        #[serde(default)]
        occurrence: Option<chrono::DateTime<Utc>>,
    },
    /// A file was added (`new_file`) or given a new version.
    FileChanged {
        file_id: Uuid,
        by: Uuid,
        new_file: bool,
    },
    /// A chat message mentions these members for the first time.
    MessageMentioned {
        message_id: Uuid,
        user_ids: Vec<Uuid>,
    },
    /// A message from the admins to everyone, or to the members of some groups.
    AdminMessage {
        message_id: Uuid,
        title: String,
        body: String,
        group_ids: Vec<Uuid>,
        by: Uuid,
    },
}

/// Enqueues `trigger` in the caller's transaction.
pub async fn enqueue(conn: &mut AsyncPgConnection, trigger: Trigger) -> ApiResult<()> {
    jobs::enqueue(conn, &Job::Notify { trigger }, Utc::now()).await
}

/// Runs a trigger: works out the recipients of each kind and delivers.
pub async fn run(
    conn: &mut AsyncPgConnection,
    services: &Services,
    trigger: &Trigger,
) -> ApiResult<()> {
    match trigger {
        Trigger::PostPublished { post_id } => post_published(conn, services, *post_id).await,
        Trigger::PostMentioned { post_id, user_ids } => {
            post_mentioned(conn, services, *post_id, user_ids).await
        }
        Trigger::CommentAdded { comment_id } => comment_added(conn, services, *comment_id).await,
        Trigger::Reacted {
            subject_id,
            user_id,
        } => reacted(conn, services, *subject_id, *user_id).await,
        Trigger::GroupInvitation { invitation_id } => {
            group_invitation(conn, services, *invitation_id).await
        }
        Trigger::JoinRequested { request_id } => join_requested(conn, services, *request_id).await,
        Trigger::JoinRequestDecided {
            request_id,
            approved,
            by,
        } => join_request_decided(conn, services, *request_id, *approved, *by).await,
        Trigger::EventInvitation {
            event_id,
            user_ids,
            by,
        } => event_invitation(conn, services, *event_id, user_ids, *by).await,
        Trigger::EventChanged {
            event_id,
            by,
            cancelled,
            occurrence,
        } => event_changed(conn, services, *event_id, *by, *cancelled, *occurrence).await,
        Trigger::FileChanged {
            file_id,
            by,
            new_file,
        } => file_changed(conn, services, *file_id, *by, *new_file).await,
        Trigger::MessageMentioned {
            message_id,
            user_ids,
        } => message_mentioned(conn, services, *message_id, user_ids).await,
        Trigger::AdminMessage {
            message_id,
            title,
            body,
            group_ids,
            by,
        } => {
            let recipients = if group_ids.is_empty() {
                active_people(conn).await?
            } else {
                members(conn, group_ids).await?
            };
            let notice = Notice {
                kind: NotificationKind::AdminMessage,
                subject: None,
                groups: Vec::new(),
                actor: Some(*by),
                data: json!({ "title": title, "body": body }),
                group_key: format!("admin_message:{message_id}"),
            };
            deliver(conn, services, &recipients, &notice)
                .await
                .map(drop)
        }
    }
}

/// Recipients already told of this trigger, so each hears of it once.
#[derive(Default)]
struct Addressed(HashSet<Uuid>);

impl Addressed {
    /// Those of `people` not yet told, now counted as told.
    fn fresh(&mut self, people: Vec<Uuid>) -> Vec<Uuid> {
        people
            .into_iter()
            .filter(|person| self.0.insert(*person))
            .collect()
    }
}

/// The members of any of `groups`.
async fn members(conn: &mut AsyncPgConnection, groups: &[Uuid]) -> ApiResult<Vec<Uuid>> {
    Ok(group_memberships::table
        .filter(group_memberships::group_id.eq_any(groups))
        .select(group_memberships::user_id)
        .distinct()
        .load(conn)
        .await?)
}

/// Everyone who can sign in.
async fn active_people(conn: &mut AsyncPgConnection) -> ApiResult<Vec<Uuid>> {
    Ok(users::table
        .filter(users::status.eq(crate::users::UserStatus::Active))
        .select(users::id)
        .load(conn)
        .await?)
}
