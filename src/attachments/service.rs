//! Setting what a post, comment, event, avatar or cover carries, inside the transaction that
//! changes it: every feature with attachments or images calls these (not the GraphQL module).

use async_graphql::ID;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::TYPE_NAME;
use super::model::{self, Subject};
use crate::error::{ApiError, ApiResult};
use crate::graphql::ids;

/// Files one post, comment, event or message may carry.
pub const MAX_PER_SUBJECT: usize = 10;

/// `attachmentIds` of an input: at most `MAX_PER_SUBJECT`, no repeats.
pub fn parse_ids(ids: &[ID]) -> ApiResult<Vec<Uuid>> {
    if ids.len() > MAX_PER_SUBJECT {
        return Err(ApiError::bad_input(
            "attachmentIds",
            format!("at most {MAX_PER_SUBJECT} attachments"),
        ));
    }
    let mut parsed = Vec::with_capacity(ids.len());
    for id in ids {
        let id = ids::decode_as(id, TYPE_NAME, "attachmentIds")?;
        if parsed.contains(&id) {
            return Err(ApiError::bad_input(
                "attachmentIds",
                "an attachment is listed twice",
            ));
        }
        parsed.push(id);
    }
    Ok(parsed)
}

/// Sets the attachments of a subject, inside the transaction that changes it.
pub async fn set(
    conn: &mut AsyncPgConnection,
    subject: Subject,
    ids: &[Uuid],
    viewer: Uuid,
) -> ApiResult<()> {
    model::set_for(conn, subject, ids, viewer).await
}

/// The first half of an avatar or cover change, inside the transaction that makes it:
/// `wanted` is `None` to keep the current image, `Some(None)` to remove it, or the viewer's unused
/// image upload, which is claimed. Returns the new value when it changes; the caller stores it,
/// then calls `drop_if_unused` with the image it replaced.
pub async fn claim_new_image(
    conn: &mut AsyncPgConnection,
    current: Option<Uuid>,
    wanted: Option<Option<Uuid>>,
    viewer: Uuid,
    field: &str,
) -> ApiResult<Option<Option<Uuid>>> {
    match wanted {
        Some(new) if new != current => {
            if let Some(id) = new {
                model::claim_image(conn, id, viewer, field).await?;
            }
            Ok(Some(new))
        }
        _ => Ok(None),
    }
}

/// Deletes a replaced image once nothing shows it any more (a split event series may share one).
pub async fn drop_if_unused(conn: &mut AsyncPgConnection, replaced: Option<Uuid>) -> ApiResult<()> {
    match replaced {
        Some(id) => model::delete_if_unused(conn, id).await,
        None => Ok(()),
    }
}

/// An optional image ID of an update input: absent keeps, null removes.
pub fn parse_image_id(
    value: &async_graphql::MaybeUndefined<ID>,
    field: &str,
) -> ApiResult<Option<Option<Uuid>>> {
    Ok(match value {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(id) => {
            Some(Some(ids::decode_as(id, TYPE_NAME, field)?))
        }
    })
}
