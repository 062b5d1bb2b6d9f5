//! Attachments in the database: what was stored, and what uses it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{attachments, storage_garbage};
use crate::error::{ApiError, ApiResult};
use crate::files::model::StoredObject;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = attachments, check_for_backend(diesel::pg::Pg))]
pub struct Attachment {
    pub id: Uuid,
    pub uploaded_by: Option<Uuid>,
    pub name: String,
    pub storage_key: String,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub content_type: String,
    pub thumbnail_key: Option<String>,
    pub post_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub position: i32,
    pub attached_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub message_id: Option<Uuid>,
}

/// What kind of thing a list of attachments belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Post,
    Comment,
    Event,
    Message,
}

/// The post, comment, event or chat message a list of attachments belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: Uuid,
}

impl Subject {
    pub fn post(id: Uuid) -> Self {
        Self {
            kind: SubjectKind::Post,
            id,
        }
    }
    pub fn comment(id: Uuid) -> Self {
        Self {
            kind: SubjectKind::Comment,
            id,
        }
    }
    pub fn event(id: Uuid) -> Self {
        Self {
            kind: SubjectKind::Event,
            id,
        }
    }
    pub fn message(id: Uuid) -> Self {
        Self {
            kind: SubjectKind::Message,
            id,
        }
    }
}

/// Attachments of any of these subjects of one kind.
fn of_kind(kind: SubjectKind, ids: &[Uuid]) -> attachments::BoxedQuery<'static, diesel::pg::Pg> {
    let query = attachments::table.into_boxed();
    let ids = ids.to_vec();
    match kind {
        SubjectKind::Post => query.filter(attachments::post_id.eq_any(ids)),
        SubjectKind::Comment => query.filter(attachments::comment_id.eq_any(ids)),
        SubjectKind::Event => query.filter(attachments::event_id.eq_any(ids)),
        SubjectKind::Message => query.filter(attachments::message_id.eq_any(ids)),
    }
}

impl Attachment {
    /// The subject it is attached to, if any.
    pub fn subject(&self) -> Option<Subject> {
        self.post_id
            .map(Subject::post)
            .or(self.comment_id.map(Subject::comment))
            .or(self.event_id.map(Subject::event))
            .or(self.message_id.map(Subject::message))
    }
}

/// Records a stored upload as an attachment nothing uses yet (the object stops being garbage).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    object: &StoredObject,
    uploader: Uuid,
) -> ApiResult<Attachment> {
    diesel::delete(storage_garbage::table.find(&object.storage_key))
        .execute(conn)
        .await?;
    Ok(diesel::insert_into(attachments::table)
        .values((
            attachments::id.eq(Uuid::now_v7()),
            attachments::uploaded_by.eq(uploader),
            attachments::name.eq(&object.uploaded_name),
            attachments::storage_key.eq(&object.storage_key),
            attachments::size_bytes.eq(object.size_bytes),
            attachments::sha256.eq(&object.sha256),
            attachments::content_type.eq(&object.content_type),
        ))
        .returning(Attachment::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Attachment>> {
    Ok(attachments::table
        .find(id)
        .select(Attachment::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The attachments of each of these posts, comments, events or messages (all of one kind), in
/// order.
pub async fn of_subjects(
    conn: &mut AsyncPgConnection,
    kind: SubjectKind,
    ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<Attachment>>> {
    let loaded: Vec<Attachment> = of_kind(kind, ids)
        .select(Attachment::as_select())
        .order((attachments::position.asc(), attachments::id.asc()))
        .load(conn)
        .await?;
    let mut by_subject: HashMap<Uuid, Vec<Attachment>> = HashMap::new();
    for attachment in loaded {
        if let Some(subject) = attachment.subject() {
            by_subject.entry(subject.id).or_default().push(attachment);
        }
    }
    Ok(by_subject)
}

/// Makes `wanted` (in this order) the attachments of `subject`: new ones must be the viewer's
/// own uploads that nothing uses yet; those no longer listed are deleted (their objects become
/// garbage). Run inside the transaction that changes the subject.
pub async fn set_for(
    conn: &mut AsyncPgConnection,
    subject: Subject,
    wanted: &[Uuid],
    viewer: Uuid,
) -> ApiResult<()> {
    let current: Vec<Uuid> = of_kind(subject.kind, &[subject.id])
        .select(attachments::id)
        .load(conn)
        .await?;
    let new: Vec<Uuid> = wanted
        .iter()
        .copied()
        .filter(|id| !current.contains(id))
        .collect();
    let claimable: Vec<Uuid> = attachments::table
        .filter(attachments::id.eq_any(&new))
        .filter(attachments::uploaded_by.eq(viewer))
        .filter(attachments::attached_at.is_null())
        .select(attachments::id)
        .for_update()
        .load(conn)
        .await?;
    if claimable.len() != new.len() {
        return Err(ApiError::bad_input(
            "attachmentIds",
            "each must be an attachment you uploaded that is not attached elsewhere",
        ));
    }
    let removed: Vec<Uuid> = current
        .into_iter()
        .filter(|id| !wanted.contains(id))
        .collect();
    if !removed.is_empty() {
        diesel::delete(attachments::table.filter(attachments::id.eq_any(&removed)))
            .execute(conn)
            .await?;
        crate::files::sweep::schedule(conn, Utc::now()).await?;
    }
    let id = Some(subject.id);
    let (post, comment, event, message) = match subject.kind {
        SubjectKind::Post => (id, None, None, None),
        SubjectKind::Comment => (None, id, None, None),
        SubjectKind::Event => (None, None, id, None),
        SubjectKind::Message => (None, None, None, id),
    };
    for (position, id) in wanted.iter().enumerate() {
        diesel::update(attachments::table.find(id))
            .set((
                attachments::post_id.eq(post),
                attachments::comment_id.eq(comment),
                attachments::event_id.eq(event),
                attachments::message_id.eq(message),
                attachments::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                attachments::attached_at.eq(Some(Utc::now())),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Claims the viewer's unused upload as an image (an avatar or a cover).
pub async fn claim_image(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    viewer: Uuid,
    field: &str,
) -> ApiResult<Attachment> {
    let attachment = attachments::table
        .find(id)
        .filter(attachments::uploaded_by.eq(viewer))
        .filter(attachments::attached_at.is_null())
        .select(Attachment::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| {
            ApiError::bad_input(
                field,
                "must be an image you uploaded that is not used elsewhere",
            )
        })?;
    if !crate::files::thumbnails::can_preview(&attachment.content_type) {
        return Err(ApiError::bad_input(
            field,
            "must be a PNG, JPEG, GIF or WebP image",
        ));
    }
    diesel::update(attachments::table.find(id))
        .set(attachments::attached_at.eq(Some(Utc::now())))
        .execute(conn)
        .await?;
    Ok(attachment)
}

/// Deletes an image that was replaced, unless something still shows it (its objects become
/// garbage).
pub async fn delete_if_unused(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    let deleted = diesel::sql_query(
        "DELETE FROM attachments a WHERE a.id = $1
           AND NOT EXISTS (SELECT 1 FROM users WHERE avatar_attachment_id = a.id)
           AND NOT EXISTS (SELECT 1 FROM groups
                           WHERE avatar_attachment_id = a.id OR cover_attachment_id = a.id)
           AND NOT EXISTS (SELECT 1 FROM events WHERE cover_attachment_id = a.id)",
    )
    .bind::<SqlUuid, _>(id)
    .execute(conn)
    .await?;
    if deleted > 0 {
        crate::files::sweep::schedule(conn, Utc::now()).await?;
    }
    Ok(())
}

/// Uploads nothing used within a day of their upload: deleted (their objects become garbage).
pub async fn delete_unused(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> ApiResult<usize> {
    Ok(diesel::delete(
        attachments::table
            .filter(attachments::attached_at.is_null())
            .filter(attachments::created_at.lt(before)),
    )
    .execute(conn)
    .await?)
}

pub async fn set_thumbnail(conn: &mut AsyncPgConnection, id: Uuid, key: &str) -> ApiResult<()> {
    diesel::update(attachments::table.find(id))
        .set(attachments::thumbnail_key.eq(key))
        .execute(conn)
        .await?;
    Ok(())
}

/// What uses an attachment, for the policy (a chat message is the attachment's own
/// `message_id`).
#[derive(Debug, QueryableByName)]
pub struct Uses {
    /// The post it is attached to, or the post of the (live) comment it is attached to.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub post: Option<Uuid>,
    /// Events it is attached to or is the cover of.
    #[diesel(sql_type = Array<SqlUuid>)]
    pub events: Vec<Uuid>,
    /// People whose avatar it is.
    #[diesel(sql_type = Array<SqlUuid>)]
    pub people: Vec<Uuid>,
    /// Groups whose avatar or cover it is.
    #[diesel(sql_type = Array<SqlUuid>)]
    pub groups: Vec<Uuid>,
}

pub async fn uses(conn: &mut AsyncPgConnection, attachment: &Attachment) -> ApiResult<Uses> {
    Ok(diesel::sql_query(
        "SELECT COALESCE($2, (SELECT post_id FROM comments
                              WHERE id = $3 AND deleted_at IS NULL)) AS post,
                ARRAY(SELECT id FROM events WHERE id = $4 OR cover_attachment_id = $1) AS events,
                ARRAY(SELECT id FROM users WHERE avatar_attachment_id = $1) AS people,
                ARRAY(SELECT id FROM groups
                      WHERE avatar_attachment_id = $1 OR cover_attachment_id = $1) AS groups",
    )
    .bind::<SqlUuid, _>(attachment.id)
    .bind::<Nullable<SqlUuid>, _>(attachment.post_id)
    .bind::<Nullable<SqlUuid>, _>(attachment.comment_id)
    .bind::<Nullable<SqlUuid>, _>(attachment.event_id)
    .get_result(conn)
    .await?)
}
