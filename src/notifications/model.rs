//! Stored notifications: one row per recipient and grouping key while unread, so repeated
//! activity ("Anna and 4 others reacted") updates one notification instead of piling up.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::kinds::{Delivery, NotificationKind};
use crate::db::schema::notifications;
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest};

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = notifications, check_for_backend(diesel::pg::Pg))]
pub struct Notification {
    pub id: Uuid,
    pub recipient_id: Uuid,
    pub kind: NotificationKind,
    /// The GraphQL type name of the subject (`Post`, `Group`, `Event`, `File`...).
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    /// Most recent first.
    pub actor_ids: Vec<Option<Uuid>>,
    pub actor_count: i32,
    pub data: serde_json::Value,
    pub delivery: Delivery,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
    pub emailed_at: Option<DateTime<Utc>>,
}

impl Notification {
    pub fn actor_ids_in_order(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.actor_ids.iter().flatten().copied()
    }
}

/// What a notification is about: a global ID's type name and the object's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub type_name: &'static str,
    pub id: Uuid,
}

/// One thing that happened, as told to each of its recipients.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NotificationKind,
    pub subject: Option<Subject>,
    /// The groups it happened in (a post may be shared to several): it is silent for those who
    /// muted every one of them; the first is the one the notification names.
    pub groups: Vec<Uuid>,
    /// Who did it (never told of it themselves); `None` for what time did (a reminder).
    pub actor: Option<Uuid>,
    pub data: serde_json::Value,
    /// Notices with the same key collapse into one unread notification per recipient.
    pub group_key: String,
}

impl Notice {
    /// The group the notification names.
    pub fn group_id(&self) -> Option<Uuid> {
        <[Uuid]>::first(&self.groups).copied()
    }
}

/// Stores `notice` for `recipient`: a new notification, or the unread one with the same key
/// updated (the actor moved to the front, unseen again).
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    recipient: Uuid,
    notice: &Notice,
    delivery: Delivery,
) -> ApiResult<Notification> {
    Ok(diesel::sql_query(
        "INSERT INTO notifications (id, recipient_id, kind, subject_type, subject_id, group_id,
                                    actor_ids, actor_count, data, group_key, delivery)
         VALUES ($1, $2, $3, $4, $5, $6,
                 CASE WHEN $7::uuid IS NULL THEN '{}' ELSE ARRAY[$7::uuid] END,
                 CASE WHEN $7::uuid IS NULL THEN 0 ELSE 1 END, $8, $9, $10)
         ON CONFLICT (recipient_id, group_key) WHERE read_at IS NULL DO UPDATE SET
             actor_ids = CASE WHEN $7::uuid IS NULL THEN notifications.actor_ids
                              ELSE $7::uuid || array_remove(notifications.actor_ids, $7::uuid) END,
             actor_count = CASE WHEN $7::uuid IS NULL THEN notifications.actor_count
                                ELSE cardinality(array_remove(notifications.actor_ids, $7::uuid)) + 1 END,
             data = EXCLUDED.data,
             delivery = EXCLUDED.delivery,
             updated_at = now(),
             seen_at = NULL
         RETURNING *",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(recipient)
    .bind::<Text, _>(notice.kind)
    .bind::<Nullable<Text>, _>(notice.subject.map(|subject| subject.type_name))
    .bind::<Nullable<SqlUuid>, _>(notice.subject.map(|subject| subject.id))
    .bind::<Nullable<SqlUuid>, _>(notice.group_id())
    .bind::<Nullable<SqlUuid>, _>(notice.actor)
    .bind::<Jsonb, _>(&notice.data)
    .bind::<Text, _>(&notice.group_key)
    .bind::<Text, _>(delivery)
    .get_result(conn)
    .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Notification>> {
    Ok(notifications::table
        .find(id)
        .select(Notification::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Records that an email (immediate or digest) told of these notifications.
pub async fn mark_emailed(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<()> {
    diesel::update(notifications::table.filter(notifications::id.eq_any(ids)))
        .set(notifications::emailed_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// The recipient's notifications waiting for their digest (unread, not emailed yet), most
/// recently active first.
pub async fn pending_digest(
    conn: &mut AsyncPgConnection,
    recipient: Uuid,
) -> ApiResult<Vec<Notification>> {
    Ok(notifications::table
        .filter(notifications::recipient_id.eq(recipient))
        .filter(notifications::delivery.eq(Delivery::Digest))
        .filter(notifications::emailed_at.is_null())
        .filter(notifications::read_at.is_null())
        .order((notifications::updated_at.desc(), notifications::id.desc()))
        .select(Notification::as_select())
        .load(conn)
        .await?)
}

/// Which of a person's notifications a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub unread_only: bool,
    /// Any kind when empty.
    pub kinds: Vec<NotificationKind>,
}

pub type Cursor = (DateTime<Utc>, Uuid);

fn filtered(
    recipient: Uuid,
    filter: &Filter,
) -> notifications::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = notifications::table
        .filter(notifications::recipient_id.eq(recipient))
        .into_boxed();
    if filter.unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    if !filter.kinds.is_empty() {
        query = query.filter(notifications::kind.eq_any(filter.kinds.clone()));
    }
    query
}

/// One page of a person's notifications, most recently active first.
pub async fn page(
    conn: &mut AsyncPgConnection,
    recipient: Uuid,
    filter: &Filter,
    page: &PageRequest<Cursor>,
) -> ApiResult<Page<Notification>> {
    let mut query = filtered(recipient, filter)
        .select(Notification::as_select())
        .order(page.order_by(
            &["notifications.updated_at", "notifications.id"],
            Order::Descending,
        ))
        .limit(page.fetch_limit());
    if let Some(beyond) = page.beyond_cursor(
        "notifications.updated_at, notifications.id",
        Order::Descending,
    ) {
        query = query.filter(beyond);
    }
    let rows = query.load(conn).await?;
    let total_count = filtered(recipient, filter).count().get_result(conn).await?;
    Ok(page.finish(rows, total_count))
}

/// Unread notifications, and of those the ones not yet seen (the badge).
pub async fn unread_counts(conn: &mut AsyncPgConnection, recipient: Uuid) -> ApiResult<(i64, i64)> {
    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unread: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unseen: i64,
    }
    let counts: Counts = diesel::sql_query(
        "SELECT count(*) AS unread, count(*) FILTER (WHERE seen_at IS NULL) AS unseen
         FROM notifications WHERE recipient_id = $1 AND read_at IS NULL",
    )
    .bind::<SqlUuid, _>(recipient)
    .get_result(conn)
    .await?;
    Ok((counts.unread, counts.unseen))
}

/// Which notifications a mark applies to: these, or all of them up to an instant.
#[derive(Debug, Clone)]
pub enum Selection {
    Ids(Vec<Uuid>),
    Before(DateTime<Utc>),
}

/// Marks the recipient's unread notifications read (and seen); returns those it changed.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    recipient: Uuid,
    selection: &Selection,
) -> ApiResult<Vec<Notification>> {
    let (ids, before) = selection.parts();
    Ok(diesel::sql_query(
        "UPDATE notifications SET read_at = now(), seen_at = coalesce(seen_at, now())
         WHERE recipient_id = $1 AND read_at IS NULL
           AND (id = ANY($2) OR updated_at <= $3)
         RETURNING *",
    )
    .bind::<SqlUuid, _>(recipient)
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Nullable<Timestamptz>, _>(before)
    .load(conn)
    .await?)
}

/// Marks the recipient's unseen notifications seen (the badge is cleared, they stay unread).
pub async fn mark_seen(
    conn: &mut AsyncPgConnection,
    recipient: Uuid,
    selection: &Selection,
) -> ApiResult<usize> {
    let (ids, before) = selection.parts();
    Ok(diesel::sql_query(
        "UPDATE notifications SET seen_at = now()
         WHERE recipient_id = $1 AND seen_at IS NULL
           AND (id = ANY($2) OR updated_at <= $3)",
    )
    .bind::<SqlUuid, _>(recipient)
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Nullable<Timestamptz>, _>(before)
    .execute(conn)
    .await?)
}

impl Selection {
    fn parts(&self) -> (&[Uuid], Option<DateTime<Utc>>) {
        match self {
            Self::Ids(ids) => (ids, None),
            Self::Before(at) => (&[], Some(*at)),
        }
    }
}
