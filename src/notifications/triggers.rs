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
use super::model::{Notice, Subject};
use crate::db::schema::{
    comment_mentions, comments, event_attendees, group_memberships, post_group_mentions,
    post_mentions, reactions, users,
};
use crate::error::ApiResult;
use crate::events_calendar::model::AttendanceStatus;
use crate::jobs::{self, Job};
use crate::services::Services;

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

const TITLE_CHARS: usize = 80;

/// A post's title, else the start of its text.
fn post_title(post: &crate::posts::Post) -> String {
    match &post.title {
        Some(title) => title.clone(),
        None => excerpt(&post.body),
    }
}

/// The start of a Markdown text, read as plain text (no `**`, links by their label).
fn excerpt(markdown: &str) -> String {
    let text = crate::markdown::to_plain_text(markdown, |_| None);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= TITLE_CHARS {
        flat
    } else {
        let cut: String = flat.chars().take(TITLE_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn post_subject(id: Uuid) -> Option<Subject> {
    Some(Subject {
        type_name: crate::posts::TYPE_NAME,
        id,
    })
}

fn group_subject(id: Uuid) -> Option<Subject> {
    Some(Subject {
        type_name: crate::groups::TYPE_NAME,
        id,
    })
}

/// A live post with its audience groups (`None` for a deleted, draft or scheduled one).
async fn live_post(
    conn: &mut AsyncPgConnection,
    post_id: Uuid,
) -> ApiResult<Option<(crate::posts::Post, Vec<Uuid>)>> {
    let Some(post) = crate::posts::model::find(conn, post_id).await? else {
        return Ok(None);
    };
    if !post.is_live() {
        return Ok(None);
    }
    let groups = crate::posts::model::audience_of(conn, post.id).await?;
    Ok(Some((post, groups)))
}

/// The notice of `kind` about a post, with `extra` data.
fn post_notice(
    post: &crate::posts::Post,
    groups: &[Uuid],
    kind: NotificationKind,
    extra: serde_json::Value,
) -> Notice {
    let mut data = json!({ "title": post_title(post), "excerpt": excerpt(&post.body) });
    if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        data.extend(extra.clone());
    }
    Notice {
        kind,
        subject: post_subject(post.id),
        groups: groups.to_vec(),
        actor: post.author_id,
        data,
        group_key: format!("{}:{}", kind.as_db(), post.id),
    }
}

async fn post_mentioned(
    conn: &mut AsyncPgConnection,
    services: &Services,
    post_id: Uuid,
    mentioned: &[Uuid],
) -> ApiResult<()> {
    let Some((post, groups)) = live_post(conn, post_id).await? else {
        return Ok(());
    };
    let notice = post_notice(&post, &groups, NotificationKind::Mention, json!({}));
    deliver(conn, services, mentioned, &notice).await.map(drop)
}

async fn post_published(
    conn: &mut AsyncPgConnection,
    services: &Services,
    post_id: Uuid,
) -> ApiResult<()> {
    let Some((post, groups)) = live_post(conn, post_id).await? else {
        return Ok(());
    };
    let notice =
        |kind: NotificationKind, extra: serde_json::Value| post_notice(&post, &groups, kind, extra);
    let mut addressed = Addressed::default();
    let mentioned: Vec<Uuid> = post_mentions::table
        .filter(post_mentions::post_id.eq(post.id))
        .select(post_mentions::user_id)
        .load(conn)
        .await?;
    let recipients = addressed.fresh(mentioned);
    deliver(
        conn,
        services,
        &recipients,
        &notice(NotificationKind::Mention, json!({})),
    )
    .await?;
    let mentioned_groups: Vec<(Uuid, String)> = post_group_mentions::table
        .inner_join(crate::db::schema::groups::table)
        .filter(post_group_mentions::post_id.eq(post.id))
        .select((
            crate::db::schema::groups::id,
            crate::db::schema::groups::name,
        ))
        .load(conn)
        .await?;
    for (group, name) in mentioned_groups {
        let recipients = addressed.fresh(members(conn, &[group]).await?);
        let notice = notice(NotificationKind::GroupMention, json!({ "groupName": name }));
        deliver(conn, services, &recipients, &notice).await?;
    }
    if post.requires_acknowledgement {
        let audience = if post.organisation_wide {
            active_people(conn).await?
        } else {
            members(conn, &groups).await?
        };
        let recipients = addressed.fresh(audience);
        let notice = notice(NotificationKind::AcknowledgementRequested, json!({}));
        deliver(conn, services, &recipients, &notice).await?;
    }
    let followers = addressed.fresh(super::preferences::all_posts_followers(conn, &groups).await?);
    let name = match <[Uuid]>::first(&groups) {
        Some(group) => group_name(conn, *group).await?,
        None => None,
    };
    let notice = notice(NotificationKind::GroupPost, json!({ "groupName": name }));
    deliver(conn, services, &followers, &notice).await.map(drop)
}

async fn comment_added(
    conn: &mut AsyncPgConnection,
    services: &Services,
    comment_id: Uuid,
) -> ApiResult<()> {
    // A comment deleted before the job ran is told of to no one (its excerpt included).
    let comment = crate::posts::model::find_comment(conn, comment_id).await?;
    let Some(comment) = comment.filter(|comment| comment.deleted_at.is_none()) else {
        return Ok(());
    };
    let Some(post) = crate::posts::model::find(conn, comment.post_id).await? else {
        return Ok(());
    };
    let groups = crate::posts::model::audience_of(conn, post.id).await?;
    let notice = |kind: NotificationKind, key: String| Notice {
        kind,
        subject: post_subject(post.id),
        groups: groups.clone(),
        actor: comment.author_id,
        data: json!({ "title": post_title(&post), "commentId": comment.id,
                      "excerpt": excerpt(&comment.body) }),
        group_key: key,
    };
    let mut addressed = Addressed::default();
    let mentioned: Vec<Uuid> = comment_mentions::table
        .filter(comment_mentions::comment_id.eq(comment.id))
        .select(comment_mentions::user_id)
        .load(conn)
        .await?;
    let recipients = addressed.fresh(mentioned);
    let mention = notice(NotificationKind::Mention, format!("mention:{}", comment.id));
    deliver(conn, services, &recipients, &mention).await?;
    if let Some(parent) = comment.parent_id {
        let parent_author: Option<Option<Uuid>> = comments::table
            .find(parent)
            .select(comments::author_id)
            .first(conn)
            .await
            .optional()?;
        let recipients = addressed.fresh(parent_author.flatten().into_iter().collect());
        let reply = notice(NotificationKind::Reply, format!("reply:{parent}"));
        deliver(conn, services, &recipients, &reply).await?;
    }
    let recipients = addressed.fresh(post.author_id.into_iter().collect());
    let on_post = notice(NotificationKind::Comment, format!("comment:{}", post.id));
    deliver(conn, services, &recipients, &on_post)
        .await
        .map(drop)
}

async fn reacted(
    conn: &mut AsyncPgConnection,
    services: &Services,
    subject_id: Uuid,
    user_id: Uuid,
) -> ApiResult<()> {
    let still_there: bool = diesel::select(diesel::dsl::exists(
        reactions::table
            .filter(reactions::subject_id.eq(subject_id))
            .filter(reactions::user_id.eq(user_id)),
    ))
    .get_result(conn)
    .await?;
    if !still_there {
        return Ok(());
    }
    let (post_id, author, on_comment) =
        match crate::posts::model::find_comment(conn, subject_id).await? {
            Some(comment) => (comment.post_id, comment.author_id, true),
            None => match crate::posts::model::find(conn, subject_id).await? {
                Some(post) => (post.id, post.author_id, false),
                None => return Ok(()),
            },
        };
    let Some(post) = crate::posts::model::find(conn, post_id).await? else {
        return Ok(());
    };
    let notice = Notice {
        kind: NotificationKind::Reaction,
        subject: post_subject(post.id),
        groups: crate::posts::model::audience_of(conn, post.id).await?,
        actor: Some(user_id),
        data: json!({ "title": post_title(&post), "onComment": on_comment }),
        group_key: format!("reaction:{subject_id}"),
    };
    let recipients: Vec<Uuid> = author.into_iter().collect();
    deliver(conn, services, &recipients, &notice)
        .await
        .map(drop)
}

async fn group_name(conn: &mut AsyncPgConnection, group: Uuid) -> ApiResult<Option<String>> {
    Ok(crate::db::schema::groups::table
        .find(group)
        .select(crate::db::schema::groups::name)
        .first(conn)
        .await
        .optional()?)
}

async fn group_invitation(
    conn: &mut AsyncPgConnection,
    services: &Services,
    invitation_id: Uuid,
) -> ApiResult<()> {
    let Some(invitation) = crate::groups::model::find_invitation(conn, invitation_id).await? else {
        return Ok(());
    };
    let Some(name) = group_name(conn, invitation.group_id).await? else {
        return Ok(());
    };
    let notice = Notice {
        kind: NotificationKind::GroupInvitation,
        subject: group_subject(invitation.group_id),
        groups: vec![invitation.group_id],
        actor: invitation.invited_by,
        data: json!({ "title": name }),
        group_key: format!("group_invitation:{}", invitation.group_id),
    };
    deliver(conn, services, &[invitation.user_id], &notice)
        .await
        .map(drop)
}

async fn join_requested(
    conn: &mut AsyncPgConnection,
    services: &Services,
    request_id: Uuid,
) -> ApiResult<()> {
    let Some(request) = crate::groups::model::find_join_request(conn, request_id).await? else {
        return Ok(());
    };
    let Some(name) = group_name(conn, request.group_id).await? else {
        return Ok(());
    };
    let managers: Vec<Uuid> = crate::groups::model::member_ids(conn, request.group_id)
        .await?
        .into_iter()
        .filter(|(_, role)| role.manages())
        .map(|(user, _)| user)
        .collect();
    let notice = Notice {
        kind: NotificationKind::JoinRequest,
        subject: group_subject(request.group_id),
        groups: vec![request.group_id],
        actor: Some(request.user_id),
        data: json!({ "title": name }),
        group_key: format!("join_request:{}", request.group_id),
    };
    deliver(conn, services, &managers, &notice).await.map(drop)
}

async fn join_request_decided(
    conn: &mut AsyncPgConnection,
    services: &Services,
    request_id: Uuid,
    approved: bool,
    by: Uuid,
) -> ApiResult<()> {
    let Some(request) = crate::groups::model::find_join_request(conn, request_id).await? else {
        return Ok(());
    };
    let Some(name) = group_name(conn, request.group_id).await? else {
        return Ok(());
    };
    let notice = Notice {
        kind: NotificationKind::JoinRequestDecided,
        subject: group_subject(request.group_id),
        groups: vec![request.group_id],
        actor: Some(by),
        data: json!({ "title": name, "approved": approved }),
        group_key: format!("join_request_decided:{request_id}"),
    };
    deliver(conn, services, &[request.user_id], &notice)
        .await
        .map(drop)
}

fn event_subject(id: Uuid) -> Option<Subject> {
    Some(Subject {
        type_name: crate::events_calendar::access::TYPE_NAME,
        id,
    })
}

async fn event_invitation(
    conn: &mut AsyncPgConnection,
    services: &Services,
    event_id: Uuid,
    invited: &[Uuid],
    by: Uuid,
) -> ApiResult<()> {
    let Some(event) = crate::events_calendar::model::find(conn, event_id).await? else {
        return Ok(());
    };
    let notice = Notice {
        kind: NotificationKind::EventInvitation,
        subject: event_subject(event.id),
        groups: event.group_id.into_iter().collect(),
        actor: Some(by),
        data: json!({ "title": event.title, "startsAt": event.starts_at }),
        group_key: format!("event_invitation:{}", event.id),
    };
    deliver(conn, services, invited, &notice).await.map(drop)
}

async fn event_changed(
    conn: &mut AsyncPgConnection,
    services: &Services,
    event_id: Uuid,
    by: Uuid,
    cancelled: bool,
    occurrence: Option<chrono::DateTime<Utc>>,
) -> ApiResult<()> {
    let Some(event) = crate::events_calendar::model::find(conn, event_id).await? else {
        return Ok(());
    };
    let attendees: Vec<Uuid> = event_attendees::table
        .filter(event_attendees::event_id.eq(event.id))
        .filter(event_attendees::status.eq_any([
            AttendanceStatus::Going,
            AttendanceStatus::Maybe,
            AttendanceStatus::Invited,
        ]))
        .select(event_attendees::user_id)
        .load(conn)
        .await?;
    let kind = if cancelled {
        NotificationKind::EventCancelled
    } else {
        NotificationKind::EventUpdated
    };
    let notice = Notice {
        kind,
        subject: event_subject(event.id),
        groups: event.group_id.into_iter().collect(),
        actor: Some(by),
        data: match occurrence {
            None => json!({ "title": event.title, "startsAt": event.starts_at,
                            "reason": event.cancellation_reason }),
            Some(at) => json!({ "title": event.title, "occurrenceStartsAt": at,
                                "timeZone": event.time_zone }),
        },
        group_key: match occurrence {
            None => format!("{}:{}", kind.as_db(), event.id),
            Some(at) => format!("{}:{}:{}", kind.as_db(), event.id, at.timestamp()),
        },
    };
    deliver(conn, services, &attendees, &notice).await.map(drop)
}

async fn file_changed(
    conn: &mut AsyncPgConnection,
    services: &Services,
    file_id: Uuid,
    by: Uuid,
    new_file: bool,
) -> ApiResult<()> {
    let Some(file) = crate::files::model::find_file(conn, file_id).await? else {
        return Ok(());
    };
    let Some(drive) = crate::files::model::find_drive(conn, file.drive_id).await? else {
        return Ok(());
    };
    let folder = crate::files::model::find_folder(conn, file.folder_id).await?;
    let followers = super::preferences::folder_followers(conn, file.folder_id).await?;
    let kind = if new_file {
        NotificationKind::FileShared
    } else {
        NotificationKind::FileUpdated
    };
    let notice = Notice {
        kind,
        subject: Some(Subject {
            type_name: crate::files::access::FILE_TYPE,
            id: file.id,
        }),
        groups: drive.group_id.into_iter().collect(),
        actor: Some(by),
        data: json!({ "title": file.name, "folderName": folder.map(|folder| folder.name) }),
        group_key: format!("{}:{}", kind.as_db(), file.id),
    };
    deliver(conn, services, &followers, &notice).await.map(drop)
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

/// Tells an event's attendees its occurrence starts in `minutes` (called by the reminder job):
/// when, where and the meeting link.
pub async fn event_reminder(
    conn: &mut AsyncPgConnection,
    services: &Services,
    event: &crate::events_calendar::model::Event,
    attendees: &[Uuid],
    starts_at: chrono::DateTime<Utc>,
    original_starts_at: chrono::DateTime<Utc>,
    minutes: i32,
) -> ApiResult<()> {
    let notice = Notice {
        kind: NotificationKind::EventReminder,
        subject: event_subject(event.id),
        groups: event.group_id.into_iter().collect(),
        actor: None,
        data: json!({ "title": event.title, "occurrenceStartsAt": starts_at,
                      "occurrenceEndsAt": starts_at + event.duration(),
                      "timeZone": event.time_zone, "allDay": event.all_day,
                      "location": event.location, "onlineUrl": event.online_url,
                      "minutesBefore": minutes }),
        group_key: format!(
            "reminder:{}:{}:{minutes}",
            event.id,
            original_starts_at.timestamp()
        ),
    };
    deliver(conn, services, attendees, &notice).await.map(drop)
}
