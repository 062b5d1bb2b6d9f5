//! Messages: numbered in order within their conversation, a conversation's history and its
//! threads paged on those numbers, and who each message mentions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::Prepared;
use crate::db::schema::{conversations, message_mentions, messages};
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest};

/// Serialized as audit snapshots (a moderator's deletion).
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct Message {
    pub id: Uuid,
    pub conversation_id: Uuid,
    /// Its number in the conversation: the order of the history.
    pub seq: i64,
    pub author_id: Option<Uuid>,
    /// Markdown; empty once deleted.
    pub body: String,
    pub body_html: String,
    pub reply_to_id: Option<Uuid>,
    pub reply_count: i32,
    pub last_reply_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = messages)]
pub struct NewMessage {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub seq: i64,
    pub author_id: Option<Uuid>,
    pub client_id: Option<String>,
    pub body: String,
    pub body_html: String,
    pub reply_to_id: Option<Uuid>,
}

/// Takes the next message number of a (locked) conversation and marks it active; a message
/// outside threads also counts in its history.
pub async fn take_seq(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    in_history: bool,
) -> ApiResult<i64> {
    Ok(diesel::update(conversations::table.find(conversation))
        .set((
            conversations::last_seq.eq(conversations::last_seq + 1),
            conversations::message_count.eq(conversations::message_count + i64::from(in_history)),
            conversations::last_message_at.eq(diesel::dsl::now),
        ))
        .returning(conversations::last_seq)
        .get_result(conn)
        .await?)
}

pub async fn insert_message(conn: &mut AsyncPgConnection, new: &NewMessage) -> ApiResult<Message> {
    Ok(diesel::insert_into(messages::table)
        .values(new)
        .returning(Message::as_returning())
        .get_result(conn)
        .await?)
}

/// The message a sender already sent with this `client_id` in the conversation.
pub async fn find_sent(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    author: Uuid,
    client_id: &str,
) -> ApiResult<Option<Message>> {
    Ok(messages::table
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::author_id.eq(author))
        .filter(messages::client_id.eq(client_id))
        .select(Message::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_message(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Message>> {
    Ok(messages::table
        .find(id)
        .select(Message::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_messages(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<Vec<Message>> {
    Ok(messages::table
        .filter(messages::id.eq_any(ids))
        .select(Message::as_select())
        .load(conn)
        .await?)
}

/// Where a page of messages reads: a conversation's history (messages outside threads), or one
/// thread's replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timeline {
    History(Uuid),
    Thread(Uuid),
}

/// One page of a timeline in the order of the messages' numbers; `total` is the timeline's
/// count, kept on its conversation or root (no count over the messages).
pub async fn page_of(
    conn: &mut AsyncPgConnection,
    timeline: Timeline,
    page: &PageRequest<i64>,
    total: i64,
) -> ApiResult<Page<Message>> {
    let mut query = messages::table
        .select(Message::as_select())
        .order(page.order_by(&["messages.seq"], Order::Ascending))
        .limit(page.fetch_limit())
        .into_boxed();
    query = match timeline {
        Timeline::History(conversation) => query
            .filter(messages::conversation_id.eq(conversation))
            .filter(messages::reply_to_id.is_null()),
        Timeline::Thread(root) => query.filter(messages::reply_to_id.eq(root)),
    };
    if let Some(cursor) = page.cursor {
        query = match page.read_order(Order::Ascending) {
            Order::Ascending => query.filter(messages::seq.gt(cursor)),
            Order::Descending => query.filter(messages::seq.lt(cursor)),
        };
    }
    let rows = query.load(conn).await?;
    Ok(page.finish(rows, total))
}

/// Whether `message` belongs to `timeline`.
pub fn in_timeline(message: &Message, timeline: Timeline) -> bool {
    match timeline {
        Timeline::History(conversation) => {
            message.conversation_id == conversation && message.reply_to_id.is_none()
        }
        Timeline::Thread(root) => message.reply_to_id == Some(root),
    }
}

/// A page of `size` messages of a timeline around message number `centre`: half of them
/// before it, it and the rest after.
pub async fn page_around(
    conn: &mut AsyncPgConnection,
    timeline: Timeline,
    centre: i64,
    size: usize,
    total: i64,
) -> ApiResult<Page<Message>> {
    let before_size = size / 2;
    let mut before = page_of(
        conn,
        timeline,
        &PageRequest {
            size: before_size,
            cursor: Some(centre),
            direction: crate::pagination::Direction::Backward,
        },
        total,
    )
    .await?;
    let after = page_of(
        conn,
        timeline,
        &PageRequest {
            size: size - before.items.len(),
            cursor: Some(centre - 1),
            direction: crate::pagination::Direction::Forward,
        },
        total,
    )
    .await?;
    before.items.extend(after.items);
    Ok(Page {
        items: before.items,
        has_previous_page: before.has_previous_page,
        has_next_page: after.has_next_page,
        total_count: total,
    })
}

/// The last message outside threads of each of `conversations`: one index seek each.
pub async fn last_messages(
    conn: &mut AsyncPgConnection,
    conversations: &[Uuid],
) -> ApiResult<HashMap<Uuid, Message>> {
    // Prepared, so its columns are named: a prepared `SELECT *` fails once a migration adds one.
    let rows: Vec<Message> = Prepared(
        diesel::sql_query(
            "SELECT last.* FROM unnest($1::uuid[]) AS c (id)
             CROSS JOIN LATERAL (
               SELECT id, conversation_id, seq, author_id, body, body_html, reply_to_id,
                      reply_count, last_reply_at, created_at, edited_at, deleted_at
               FROM messages
               WHERE conversation_id = c.id AND reply_to_id IS NULL
               ORDER BY seq DESC LIMIT 1) AS last",
        )
        .bind::<Array<SqlUuid>, _>(conversations),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|message| (message.conversation_id, message))
        .collect())
}

/// The members of each of `conversations` with their read markers, in the order they joined;
/// `None` for those who send no read receipts.
pub async fn read_markers(
    conn: &mut AsyncPgConnection,
    conversations: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<(Uuid, Option<i64>)>>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        conversation_id: Uuid,
        #[diesel(sql_type = SqlUuid)]
        user_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
        read_seq: Option<i64>,
    }
    let rows: Vec<Row> = Prepared(
        diesel::sql_query(
            "SELECT m.conversation_id, m.user_id,
               CASE WHEN r.user_id IS NULL THEN m.read_seq END AS read_seq
             FROM conversation_members m LEFT JOIN read_receipts_off r ON r.user_id = m.user_id
             WHERE m.conversation_id = ANY($1)
             ORDER BY m.conversation_id, m.joined_at",
        )
        .bind::<Array<SqlUuid>, _>(conversations),
    )
    .load(conn)
    .await?;
    let mut markers: HashMap<Uuid, Vec<(Uuid, Option<i64>)>> = HashMap::new();
    for row in rows {
        let marker = (row.user_id, row.read_seq);
        markers.entry(row.conversation_id).or_default().push(marker);
    }
    Ok(markers)
}

/// Counts a reply on its root.
pub async fn count_reply(conn: &mut AsyncPgConnection, root: Uuid) -> ApiResult<()> {
    diesel::update(messages::table.find(root))
        .set((
            messages::reply_count.eq(messages::reply_count + 1),
            messages::last_reply_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The first people to reply in each thread of `roots`, at most `limit` each, in order.
pub async fn thread_participants(
    conn: &mut AsyncPgConnection,
    roots: &[Uuid],
    limit: i64,
) -> ApiResult<HashMap<Uuid, Vec<Uuid>>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        root: Uuid,
        #[diesel(sql_type = SqlUuid)]
        person: Uuid,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT root, person FROM (
           SELECT root, person, row_number() OVER (PARTITION BY root ORDER BY first_seq) AS rank
           FROM (SELECT reply_to_id AS root, author_id AS person, min(seq) AS first_seq
                 FROM messages WHERE reply_to_id = ANY($1) AND author_id IS NOT NULL
                 GROUP BY reply_to_id, author_id) AS firsts) AS ranked
         WHERE rank <= $2 ORDER BY root, rank",
    )
    .bind::<Array<SqlUuid>, _>(roots)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    let mut participants: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in rows {
        participants.entry(row.root).or_default().push(row.person);
    }
    Ok(participants)
}

pub async fn edit_message(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    body: &str,
    body_html: &str,
) -> ApiResult<Message> {
    Ok(diesel::update(messages::table.find(id))
        .set((
            messages::body.eq(body),
            messages::body_html.eq(body_html),
            messages::edited_at.eq(diesel::dsl::now),
        ))
        .returning(Message::as_returning())
        .get_result(conn)
        .await?)
}

/// Empties a message, leaving a tombstone in the history (and its thread's replies).
pub async fn tombstone(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Message> {
    diesel::delete(message_mentions::table.filter(message_mentions::message_id.eq(id)))
        .execute(conn)
        .await?;
    Ok(diesel::update(messages::table.find(id))
        .set((
            messages::body.eq(""),
            messages::body_html.eq(""),
            messages::deleted_at.eq(diesel::dsl::now),
        ))
        .returning(Message::as_returning())
        .get_result(conn)
        .await?)
}

/// Records who a message mentions: only members of its conversation (nobody else learns of it).
pub async fn record_mentions(
    conn: &mut AsyncPgConnection,
    message: &Message,
    people: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    Ok(diesel::sql_query(
        "INSERT INTO message_mentions (message_id, user_id, conversation_id, seq)
         SELECT $1, m.user_id, m.conversation_id, $3 FROM conversation_members m
         WHERE m.conversation_id = $2 AND m.user_id = ANY($4)
         ON CONFLICT DO NOTHING
         RETURNING user_id",
    )
    .bind::<SqlUuid, _>(message.id)
    .bind::<SqlUuid, _>(message.conversation_id)
    .bind::<BigInt, _>(message.seq)
    .bind::<Array<SqlUuid>, _>(people)
    .load::<MentionedRow>(conn)
    .await?
    .into_iter()
    .map(|row| row.user_id)
    .collect())
}

#[derive(QueryableByName)]
struct MentionedRow {
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
}

/// Deletes the reactions to a conversation's messages (before the conversation goes: reactions
/// name their subject without a foreign key).
pub async fn delete_reactions_in(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
) -> ApiResult<()> {
    diesel::sql_query(
        "DELETE FROM reactions WHERE subject_kind = 'message'
           AND subject_id IN (SELECT id FROM messages WHERE conversation_id = $1)",
    )
    .bind::<SqlUuid, _>(conversation)
    .execute(conn)
    .await?;
    Ok(())
}
