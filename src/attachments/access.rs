//! Attachments as one viewer stands towards them: the things using an attachment are loaded as
//! the policy needs them, and the policy decides.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{self, Attachment};
use crate::auth::Viewer;
use crate::chat::ConversationAccess;
use crate::chat::model::Message;
use crate::error::{ApiError, ApiResult};
use crate::policy::{self, Action, Resource};

pub const TYPE_NAME: &str = "Attachment";

/// An attachment the viewer may see; NOT_FOUND otherwise.
pub async fn readable(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<Attachment> {
    let attachment = model::find(conn, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))?;
    decide(conn, viewer, &attachment, Action::View).await?;
    Ok(attachment)
}

/// The policy's answer about `attachment`, as a result.
pub async fn decide(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    attachment: &Attachment,
    action: Action,
) -> ApiResult<()> {
    let uses = model::uses(conn, attachment).await?;
    let post = match uses.post {
        Some(id) => crate::posts::model::find(conn, id).await?,
        None => None,
    };
    let audience_ids = match &post {
        Some(post) => crate::posts::model::audience_of(conn, post.id).await?,
        None => Vec::new(),
    };
    let mut group_ids = audience_ids.clone();
    group_ids.extend(&uses.groups);
    let groups = if group_ids.is_empty() {
        Vec::new()
    } else {
        crate::groups::model::find_access(conn, viewer.id(), &group_ids).await?
    };
    let audiences: Vec<_> = groups
        .iter()
        .filter(|group| audience_ids.contains(&group.group.id))
        .cloned()
        .collect();
    let events = if uses.events.is_empty() {
        Vec::new()
    } else {
        let events = crate::events_calendar::model::find_many(conn, &uses.events).await?;
        crate::events_calendar::access::visible(conn, viewer, events).await?
    };
    let mut people = Vec::new();
    for id in &uses.people {
        if let Some(user) = crate::users::model::find(conn, *id).await? {
            let shares_group = crate::users::visibility::visible_to(conn, viewer, &user).await?;
            people.push((user, shares_group));
        }
    }
    let message = match attachment.message_id {
        Some(id) => message_as_seen(conn, viewer, id).await?,
        None => None,
    };
    let mut used_by: Vec<Resource<'_>> = Vec::new();
    if let Some(post) = &post {
        used_by.push(Resource::Post {
            post,
            audiences: &audiences,
        });
    }
    if let Some((message, conversation)) = &message {
        used_by.push(Resource::Message {
            message,
            conversation,
        });
    }
    used_by.extend(events.iter().map(|view| Resource::Event {
        event: &view.event,
        group: view.group.as_ref(),
        organizer: view.organizer,
    }));
    used_by.extend(people.iter().map(|(user, shares_group)| Resource::User {
        user,
        shares_group: *shares_group,
    }));
    used_by.extend(
        groups
            .iter()
            .filter(|group| uses.groups.contains(&group.group.id))
            .map(Resource::Group),
    );
    // Something uses it that is gone or no longer shown (a deleted comment, a deleted event):
    // it counts as used, and so hidden, rather than falling back to its uploader.
    let used = uses.post.is_some()
        || attachment.comment_id.is_some()
        || attachment.message_id.is_some()
        || !uses.events.is_empty()
        || !uses.people.is_empty()
        || !uses.groups.is_empty();
    if used && used_by.is_empty() {
        return Err(ApiError::NotFound(TYPE_NAME));
    }
    policy::require(
        viewer,
        action,
        Resource::Attachment {
            uploaded_by: attachment.uploaded_by,
            used_by: &used_by,
        },
        TYPE_NAME,
        "Only its uploader changes an attachment that nothing uses yet.",
    )
}

/// The chat message carrying an attachment with its conversation, if the viewer sees them.
async fn message_as_seen(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<Option<(Message, ConversationAccess)>> {
    match crate::chat::service::visible_message(conn, viewer, id).await {
        Ok(seen) => Ok(Some(seen)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(error) => Err(error),
    }
}
