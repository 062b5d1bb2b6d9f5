//! `GET /admin/conversations/{id}/export.jsonl`: a whole conversation for a legal hold, org
//! admins only (direct conversations included), each export audited. The first line describes
//! the conversation and its members; then one line per message, threads' replies included, in
//! the order they were sent (deleted ones as tombstones), with the names and hashes of the files
//! they carry. Streamed in batches, so a long history costs the server a batch of memory at a
//! time.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::model::Message;
use super::{CONVERSATION_TYPE, ConversationAccess, service};
use crate::attachments;
use crate::attachments::model::{Attachment, SubjectKind};
use crate::audit::{Audit, Change};
use crate::auth::{SignedIn, Viewer};
use crate::db::schema::{conversation_members, messages, users};
use crate::error::{ApiError, ApiResult};
use crate::files::download::{internal, status};
use crate::policy::{Action, Judged};
use crate::services::Services;

/// Messages read per statement.
const BATCH: i64 = 500;

pub async fn conversation_jsonl(
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    SignedIn(viewer): SignedIn,
) -> Response {
    let Some(id) = crate::graphql::ids::from_path(&id, CONVERSATION_TYPE) else {
        return status(StatusCode::NOT_FOUND, "Not found");
    };
    let request_id = headers
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let header = async {
        let mut conn = services.pool.get().await?;
        let access = authorized(&mut conn, &viewer, id).await?;
        let audit = Audit::outside_graphql(viewer.id(), "exportConversation", request_id);
        let change =
            Change::of(CONVERSATION_TYPE, id).in_group_if_any(access.conversation.group_id);
        conn.transaction::<_, ApiError, _>(async |conn| audit.record(conn, change).await)
            .await?;
        header_line(&mut conn, &access).await
    }
    .await;
    match header {
        Ok(header) => (
            [
                (CONTENT_TYPE, "application/x-ndjson; charset=utf-8"),
                (
                    CONTENT_DISPOSITION,
                    "attachment; filename=\"conversation.jsonl\"",
                ),
                (CACHE_CONTROL, "private, no-store"),
            ],
            Body::from_stream(futures::TryStreamExt::map_err(
                lines(services, id, header),
                |error| {
                    // Headers are gone: the client sees a cut-off download; the cause is logged.
                    tracing::warn!(?error, "a conversation export failed midway");
                    std::io::Error::other("the export failed")
                },
            )),
        )
            .into_response(),
        Err(ApiError::NotFound(_)) => status(StatusCode::NOT_FOUND, "Not found"),
        Err(ApiError::Forbidden(message)) => (StatusCode::FORBIDDEN, message).into_response(),
        Err(error) => internal(error),
    }
}

/// The conversation, if the viewer may export it (NOT_FOUND for one they may not see at all).
async fn authorized(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<ConversationAccess> {
    let access = service::access_to(conn, viewer, &[id])
        .await?
        .pop()
        .ok_or(ApiError::NotFound(CONVERSATION_TYPE))?;
    access.require(
        viewer,
        Action::Administer,
        "Only org admins export conversations.",
    )?;
    Ok(access)
}

async fn header_line(
    conn: &mut AsyncPgConnection,
    access: &ConversationAccess,
) -> ApiResult<Bytes> {
    let members: Vec<String> = conversation_members::table
        .inner_join(users::table)
        .filter(conversation_members::conversation_id.eq(access.conversation.id))
        .select(users::username)
        .order(conversation_members::joined_at)
        .load(conn)
        .await?;
    let conversation = &access.conversation;
    let line = json!({
        "conversation": crate::graphql::ids::encode(CONVERSATION_TYPE, conversation.id).0,
        "kind": conversation.kind,
        "name": conversation.name,
        "group": access.group.as_ref().map(|group| &group.group.name),
        "members": members,
        "exportedAt": chrono::Utc::now(),
    });
    Ok(Bytes::from(format!("{line}\n")))
}

/// The header, then the messages batch by batch.
fn lines(
    services: Arc<Services>,
    id: Uuid,
    header: Bytes,
) -> impl futures::Stream<Item = ApiResult<Bytes>> {
    let first = futures::stream::once(async move { Ok(header) });
    let rest = futures::stream::try_unfold(Some(0_i64), move |after| {
        let services = services.clone();
        async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let mut conn = services.pool.get().await?;
            let batch = batch_after(&mut conn, id, after).await?;
            let next = (batch.len() as i64 == BATCH)
                .then(|| batch.last().map(|(m, _)| m.seq))
                .flatten();
            if batch.is_empty() {
                return Ok(None);
            }
            let ids: Vec<Uuid> = batch.iter().map(|(message, _)| message.id).collect();
            let files =
                attachments::model::of_subjects(&mut conn, SubjectKind::Message, &ids).await?;
            let text: String = batch
                .iter()
                .map(|(message, author)| {
                    let carried = files.get(&message.id).map(Vec::as_slice).unwrap_or(&[]);
                    message_line(message, author.as_deref(), carried)
                })
                .collect();
            Ok(Some((Bytes::from(text), next)))
        }
    });
    futures::StreamExt::chain(first, rest)
}

async fn batch_after(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    after: i64,
) -> ApiResult<Vec<(Message, Option<String>)>> {
    Ok(messages::table
        .left_join(users::table)
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::seq.gt(after))
        .order(messages::seq)
        .limit(BATCH)
        .select((Message::as_select(), users::username.nullable()))
        .load(conn)
        .await?)
}

fn message_line(message: &Message, author: Option<&str>, carried: &[Attachment]) -> String {
    let id = |id| crate::graphql::ids::encode(super::MESSAGE_TYPE, id).0;
    let line = json!({
        "message": id(message.id),
        "seq": message.seq,
        "author": author,
        "createdAt": message.created_at,
        "editedAt": message.edited_at,
        "deletedAt": message.deleted_at,
        "replyTo": message.reply_to_id.map(id),
        "body": message.body,
        "attachments": carried.iter().map(attachment_entry).collect::<Vec<_>>(),
    });
    format!("{line}\n")
}

/// What the export says of a file a message carries (its bytes stay in storage).
fn attachment_entry(attachment: &Attachment) -> serde_json::Value {
    json!({
        "attachment": crate::graphql::ids::encode(attachments::access::TYPE_NAME, attachment.id).0,
        "name": attachment.name,
        "contentType": attachment.content_type,
        "sizeBytes": attachment.size_bytes,
        "sha256": crate::files::storage::hex(&attachment.sha256),
    })
}
