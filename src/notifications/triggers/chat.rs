//! Chat: the members a message mentions hear of it (through a muted group too, as for a post's
//! direct mentions), by email only in digests.

use diesel_async::AsyncPgConnection;
use serde_json::json;
use uuid::Uuid;

use super::posts::excerpt;
use crate::error::ApiResult;
use crate::notifications::deliver::deliver;
use crate::notifications::kinds::NotificationKind;
use crate::notifications::model::{Notice, Subject};
use crate::services::Services;

pub(super) async fn message_mentioned(
    conn: &mut AsyncPgConnection,
    services: &Services,
    message_id: Uuid,
    people: &[Uuid],
) -> ApiResult<()> {
    let Some(message) = crate::chat::model::find_message(conn, message_id).await? else {
        return Ok(());
    };
    if message.deleted_at.is_some() {
        return Ok(());
    }
    let conversation = crate::chat::model::rows_for(conn, Uuid::nil(), &[message.conversation_id])
        .await?
        .pop()
        .map(|row| row.conversation);
    let Some(conversation) = conversation else {
        return Ok(());
    };
    let notice = Notice {
        kind: NotificationKind::ChatMention,
        subject: Some(Subject {
            type_name: crate::chat::MESSAGE_TYPE,
            id: message.id,
        }),
        groups: conversation.group_id.into_iter().collect(),
        actor: message.author_id,
        data: json!({
            "title": conversation.name.unwrap_or_default(),
            "excerpt": excerpt(&message.body),
        }),
        group_key: format!("chat_mention:{}", message.id),
    };
    deliver(conn, services, people, &notice).await.map(drop)
}
