//! The chat operations, each written once whatever calls it: the policy check, one transaction,
//! the audit entry of a moderator's action, and the events that reach subscribers on every
//! instance once the change commits. Conversations here, messages in `messages`.

use std::collections::HashMap;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::model::{
    self, Conversation, ConversationChanges, ConversationKind, Message, NewConversation,
};
use super::{CONVERSATION_TYPE, ConversationAccess, MESSAGE_TYPE};
use crate::audit::{Audit, Change};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::groups::TYPE_NAME as GROUP_TYPE;
use crate::policy::{self, Action, Decision, Judged, Resource};
use crate::services::Services;
use crate::users::User;

use crate::users::visibility::Sight;

mod messages;

pub use messages::*;

/// A message's Markdown, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// People in a group conversation, its creator included.
pub const GROUP_CONVERSATION_SIZE: std::ops::RangeInclusive<usize> = 3..=20;

/// `ids` as `viewer` stands towards each (those that exist): two statements.
pub async fn access_to(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    ids: &[Uuid],
) -> ApiResult<Vec<ConversationAccess>> {
    let rows = model::rows_for(conn, viewer.id(), ids).await?;
    with_groups(conn, viewer, rows).await
}

/// Conversation rows with their rooms' groups as `viewer` stands towards each.
pub async fn with_groups(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    rows: Vec<model::ConversationRow>,
) -> ApiResult<Vec<ConversationAccess>> {
    let groups: Vec<Uuid> = rows
        .iter()
        .filter_map(|row| row.conversation.group_id)
        .collect();
    let access = if groups.is_empty() {
        HashMap::new()
    } else {
        crate::groups::service::access_by_id(conn, viewer.id(), &groups).await?
    };
    Ok(ConversationAccess::with_groups(rows, &access))
}

/// The conversation if `viewer` may see it; NOT_FOUND otherwise, like a missing one.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<ConversationAccess> {
    access_to(conn, viewer, &[id])
        .await?
        .pop()
        .filter(|access| access.decide(viewer, Action::View) != Decision::Hide)
        .ok_or(ApiError::NotFound(CONVERSATION_TYPE))
}

/// A message with its conversation, if `viewer` may see them.
pub async fn visible_message(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<(Message, ConversationAccess)> {
    let message = model::find_message(conn, id)
        .await?
        .ok_or(ApiError::NotFound(MESSAGE_TYPE))?;
    let conversation = visible(conn, viewer, message.conversation_id)
        .await
        .map_err(super::hidden_message)?;
    Ok((message, conversation))
}

/// A new room in a group (its managers and org admins): the group's members are its members.
pub async fn create_room(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    audit: &Audit,
    group_id: Uuid,
    name: String,
    read_only: bool,
) -> ApiResult<Conversation> {
    let found = crate::groups::model::find_access(conn, viewer.id(), &[group_id]).await?;
    let group = crate::groups::service::visible(viewer, found.into_iter().next())?;
    policy::require(
        viewer,
        Action::Manage,
        Resource::Group(&group),
        GROUP_TYPE,
        "Only the group's managers create its chat rooms.",
    )?;
    if group.group.archived_at.is_some() {
        return Err(ApiError::Forbidden(
            "The group is archived: unarchive it to add rooms.".into(),
        ));
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        require_free_name(conn, group_id, &name, None).await?;
        let room = model::insert(
            conn,
            &NewConversation {
                id: Uuid::now_v7(),
                kind: ConversationKind::GroupRoom,
                group_id: Some(group_id),
                name: Some(name),
                read_only,
                direct_key: None,
                created_by: Some(viewer.id()),
            },
        )
        .await?;
        model::add_group_members(conn, room.id, group_id).await?;
        audit
            .record(
                conn,
                Change::of(CONVERSATION_TYPE, room.id)
                    .in_group(group_id)
                    .after(&room)?,
            )
            .await?;
        Ok(room)
    })
    .await
}

async fn require_free_name(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    name: &str,
    other_than: Option<Uuid>,
) -> ApiResult<()> {
    if model::room_named(conn, group, name, other_than).await? {
        return Err(ApiError::Conflict(format!(
            "The group already has a room named {name}."
        )));
    }
    Ok(())
}

/// Renames, archives or restores a room (its group's managers) or renames a group
/// conversation (its members).
pub async fn update(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    audit: &Audit,
    id: Uuid,
    changes: ConversationChanges,
) -> ApiResult<Conversation> {
    let access = visible(conn, viewer, id).await?;
    access.require(
        viewer,
        Action::Manage,
        "You may not change this conversation.",
    )?;
    let before = &access.conversation;
    let room = before.kind == ConversationKind::GroupRoom;
    if changes.name == Some(None) && room {
        return Err(ApiError::bad_input("name", "a room needs a name"));
    }
    if !room && (changes.read_only.is_some() || changes.archived_at.is_some()) {
        return Err(ApiError::bad_input(
            "readOnly",
            "only a group's rooms are read-only or archived",
        ));
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        if let (Some(Some(name)), Some(group)) = (&changes.name, before.group_id) {
            require_free_name(conn, group, name, Some(id)).await?;
        }
        let after = model::update(conn, id, &changes).await?;
        if room {
            audit
                .record(
                    conn,
                    Change::of(CONVERSATION_TYPE, id)
                        .in_group_if_any(after.group_id)
                        .before(before)?
                        .after(&after)?,
                )
                .await?;
        }
        publish_changed(conn, services, id).await?;
        Ok(after)
    })
    .await
}

/// Deletes a room with its history (its group's managers and org admins; audited).
pub async fn delete_room(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    audit: &Audit,
    id: Uuid,
) -> ApiResult<()> {
    let access = visible(conn, viewer, id).await?;
    access.require(
        viewer,
        Action::Delete,
        "Only a group's managers delete its rooms.",
    )?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        model::delete_reactions_in(conn, id).await?;
        model::delete(conn, id).await?;
        audit
            .record(
                conn,
                Change::of(CONVERSATION_TYPE, id)
                    .in_group_if_any(access.conversation.group_id)
                    .before(&access.conversation)?,
            )
            .await?;
        publish_changed(conn, services, id).await
    })
    .await
}

/// The people `viewer` names for a conversation, each one they may see in the directory and
/// whose account is active; `field` names the input in errors.
async fn visible_people(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    ids: &[Uuid],
    field: &str,
) -> ApiResult<Vec<User>> {
    let found = crate::users::model::find_many(conn, ids).await?;
    let sight = Sight::of(conn, viewer, &found).await?;
    let mut people = Vec::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        let person = found
            .iter()
            .find(|user| user.id == *id && sight.sees(user))
            .ok_or_else(|| {
                ApiError::bad_input(format!("{field}[{index}]"), "is not a person you can see")
            })?;
        if !person.is_active() {
            return Err(ApiError::bad_input(
                format!("{field}[{index}]"),
                "is not an active account",
            ));
        }
        people.push(person.clone());
    }
    Ok(people)
}

/// The direct conversation of `viewer` and `other`, opened if there is none yet (idempotent).
/// Only with someone the viewer may see in the directory; an existing conversation with a
/// deactivated person still opens (read-only).
pub async fn open_direct(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    other: Uuid,
) -> ApiResult<Conversation> {
    if other == viewer.id() {
        return Err(ApiError::bad_input("userId", "is yourself"));
    }
    let key = model::direct_key(viewer.id(), other);
    if let Some(existing) = model::find_direct(conn, &key).await? {
        return Ok(existing);
    }
    visible_people(conn, viewer, &[other], "userId")
        .await
        .map_err(|error| match error {
            ApiError::BadUserInput { message, .. } => ApiError::bad_input("userId", message),
            other => other,
        })?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let (conversation, made) = model::insert_direct(
            conn,
            &NewConversation {
                id: Uuid::now_v7(),
                kind: ConversationKind::Direct,
                group_id: None,
                name: None,
                read_only: false,
                direct_key: Some(key.clone()),
                created_by: Some(viewer.id()),
            },
        )
        .await?;
        if made {
            model::add_members(conn, conversation.id, &[viewer.id(), other]).await?;
        }
        Ok(conversation)
    })
    .await
}

/// A group conversation of the viewer and `others` (3 to 20 people in all), optionally named.
pub async fn create_group_conversation(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    others: Vec<Uuid>,
    name: Option<String>,
) -> ApiResult<Conversation> {
    let mut people: Vec<Uuid> = vec![viewer.id()];
    for person in others {
        if !people.contains(&person) {
            people.push(person);
        }
    }
    if !GROUP_CONVERSATION_SIZE.contains(&people.len()) {
        return Err(ApiError::bad_input(
            "userIds",
            format!(
                "a group conversation has {} to {} people, you included",
                GROUP_CONVERSATION_SIZE.start(),
                GROUP_CONVERSATION_SIZE.end()
            ),
        ));
    }
    visible_people(conn, viewer, &people[1..], "userIds").await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let conversation = model::insert(
            conn,
            &NewConversation {
                id: Uuid::now_v7(),
                kind: ConversationKind::GroupDirect,
                group_id: None,
                name,
                read_only: false,
                direct_key: None,
                created_by: Some(viewer.id()),
            },
        )
        .await?;
        model::add_members(conn, conversation.id, &people).await?;
        Ok(conversation)
    })
    .await
}

/// Adds people to a group conversation (any member; at most 20 people in all).
pub async fn add_people(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
    people: Vec<Uuid>,
) -> ApiResult<ConversationAccess> {
    let access = visible(conn, viewer, id).await?;
    access.require(
        viewer,
        Action::Manage,
        "Only group conversations take more people.",
    )?;
    visible_people(conn, viewer, &people, "userIds").await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        model::lock(conn, id).await?;
        let members = model::members_of(conn, id).await?;
        let mut newcomers: Vec<Uuid> = people
            .iter()
            .filter(|person| !members.contains(person))
            .copied()
            .collect();
        newcomers.sort_unstable();
        newcomers.dedup();
        if members.len() + newcomers.len() > *GROUP_CONVERSATION_SIZE.end() {
            return Err(ApiError::bad_input(
                "userIds",
                format!(
                    "a group conversation has at most {} people",
                    GROUP_CONVERSATION_SIZE.end()
                ),
            ));
        }
        model::add_members(conn, id, &people).await?;
        publish_changed(conn, services, id).await
    })
    .await?;
    Ok(access)
}

/// Joins a room of a public group the viewer is not a member of (their other devices' lists
/// learn it through `conversationUpdated`).
pub async fn join(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<ConversationAccess> {
    let mut access = visible(conn, viewer, id).await?;
    access.require(viewer, Action::Join, "You may not join this conversation.")?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        model::add_members(conn, id, &[viewer.id()]).await?;
        publish_changed(conn, services, id).await
    })
    .await?;
    access.member = true;
    Ok(access)
}

/// Leaves a group conversation, or a room joined without being in its group.
pub async fn leave(
    conn: &mut AsyncPgConnection,
    services: &Services,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<()> {
    let access = visible(conn, viewer, id).await?;
    access.require(
        viewer,
        Action::Leave,
        "You may not leave this conversation (leave a group to leave its rooms).",
    )?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        model::remove_member(conn, id, viewer.id()).await?;
        publish_changed(conn, services, id).await
    })
    .await
}

/// Tells subscribers that a conversation changed (renamed, archived, deleted, its members).
async fn publish_changed(
    conn: &mut AsyncPgConnection,
    services: &Services,
    id: Uuid,
) -> ApiResult<()> {
    let changed = Event::ConversationUpdated {
        conversation_id: id,
    };
    services.events.publish(conn, &changed).await
}
