//! The chat tables and the queries on them: conversations and their members' read markers
//! here, messages (numbered in order within each conversation) in `messages`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{conversation_members, conversations};
use crate::db::{ByIds, Prepared};
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest};

mod messages;

pub use messages::*;

crate::text_enum! {
    /// What a conversation is.
    pub enum ConversationKind {
        /// One of a group's chat rooms.
        GroupRoom => "group_room",
        /// Two people.
        Direct => "direct",
        /// 3 to 20 people.
        GroupDirect => "group_direct",
    }
}

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = conversations, check_for_backend(diesel::pg::Pg))]
pub struct Conversation {
    pub id: Uuid,
    pub kind: ConversationKind,
    pub group_id: Option<Uuid>,
    pub name: Option<String>,
    pub read_only: bool,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
    /// The number of the last message.
    pub last_seq: i64,
    /// Messages outside threads.
    pub message_count: i64,
    pub last_message_at: Option<DateTime<Utc>>,
}

impl Conversation {
    /// When something last happened in it: the order of a person's conversation list.
    pub fn last_activity_at(&self) -> DateTime<Utc> {
        self.last_message_at.unwrap_or(self.created_at)
    }
}

/// A conversation as one person stands towards it.
#[derive(Debug, Clone, QueryableByName)]
pub struct ConversationRow {
    #[diesel(embed)]
    pub conversation: Conversation,
    /// The person's read marker, when they are a member.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub read_seq: Option<i64>,
    /// A direct conversation with someone deactivated: it stays readable, read-only.
    #[diesel(sql_type = Bool)]
    pub closed: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = conversations)]
pub struct NewConversation {
    pub id: Uuid,
    pub kind: ConversationKind,
    pub group_id: Option<Uuid>,
    pub name: Option<String>,
    pub read_only: bool,
    pub direct_key: Option<String>,
    pub created_by: Option<Uuid>,
}

/// What a rename, archive or change of a room's rules sets (`None` keeps it).
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = conversations)]
pub struct ConversationChanges {
    pub name: Option<Option<String>>,
    pub read_only: Option<bool>,
    pub archived_at: Option<Option<DateTime<Utc>>>,
}

/// A member's unread messages and mentions in one conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unread {
    pub messages: i64,
    pub mentions: i64,
}

/// Unread messages are counted up to this many (a badge shows "999+"), so that a person far
/// behind in a busy room costs no more than anyone else.
pub const UNREAD_COUNT_CAP: i64 = 1000;

/// The columns of `ConversationRow` for the person bound as `$1`, conversations as `c` and their
/// membership as `m`.
const ROW_COLUMNS: &str = concat!(row_base_columns!(), ",\n    ", closed_column!("c"));

/// A `ConversationRow`'s columns but `closed`, from `c` (the conversation) and `m` (the person's
/// membership).
macro_rules! row_base_columns {
    () => {
        "c.id, c.kind, c.group_id, c.name, c.read_only, c.created_by,
    c.created_at, c.updated_at, c.archived_at, c.last_seq, c.message_count, c.last_message_at,
    m.read_seq"
    };
}
use row_base_columns;

/// `closed` of the conversation `$alias`: a direct one with someone deactivated (read-only).
macro_rules! closed_column {
    ($alias:literal) => {
        concat!(
            "(",
            $alias,
            ".kind = 'direct' AND EXISTS (
        SELECT 1 FROM conversation_members o JOIN users u ON u.id = o.user_id
        WHERE o.conversation_id = ",
            $alias,
            ".id AND u.status <> 'active')) AS closed"
        )
    };
}
use closed_column;

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewConversation,
) -> ApiResult<Conversation> {
    Ok(diesel::insert_into(conversations::table)
        .values(new)
        .returning(Conversation::as_returning())
        .get_result(conn)
        .await?)
}

/// The direct conversation of a pair, made if there is none (two people opening it at once get
/// the same one); whether it was made.
pub async fn insert_direct(
    conn: &mut AsyncPgConnection,
    new: &NewConversation,
) -> ApiResult<(Conversation, bool)> {
    let made = diesel::insert_into(conversations::table)
        .values(new)
        .on_conflict(conversations::direct_key)
        .do_nothing()
        .returning(Conversation::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    match made {
        Some(conversation) => Ok((conversation, true)),
        None => {
            let key = new.direct_key.as_deref().unwrap_or_default();
            let found = find_direct(conn, key).await?;
            found
                .map(|conversation| (conversation, false))
                .ok_or_else(|| {
                    crate::error::ApiError::internal(anyhow::anyhow!(
                        "direct conversation vanished"
                    ))
                })
        }
    }
}

/// Adds `people` as members, their history read up to the conversation's last message.
pub async fn add_members(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    people: &[Uuid],
) -> ApiResult<usize> {
    Ok(diesel::sql_query(
        "INSERT INTO conversation_members (conversation_id, user_id, read_seq)
         SELECT c.id, person, c.last_seq FROM conversations c, unnest($2::uuid[]) AS person
         WHERE c.id = $1
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(conversation)
    .bind::<Array<SqlUuid>, _>(people)
    .execute(conn)
    .await?)
}

/// Makes a new room's group's members its members (the database keeps them in step afterwards:
/// see the chat migration).
pub async fn add_group_members(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    group: Uuid,
) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO conversation_members (conversation_id, user_id)
         SELECT $1, user_id FROM group_memberships WHERE group_id = $2
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(conversation)
    .bind::<SqlUuid, _>(group)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    person: Uuid,
) -> ApiResult<bool> {
    let removed = diesel::delete(
        conversation_members::table
            .filter(conversation_members::conversation_id.eq(conversation))
            .filter(conversation_members::user_id.eq(person)),
    )
    .execute(conn)
    .await?;
    Ok(removed > 0)
}

/// The members of a conversation (for a group room: its group's members and who joined it).
pub async fn members_of(conn: &mut AsyncPgConnection, conversation: Uuid) -> ApiResult<Vec<Uuid>> {
    Ok(conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation))
        .select(conversation_members::user_id)
        .order(conversation_members::joined_at)
        .load(conn)
        .await?)
}

/// The direct conversation of a pair (see `direct_key`).
pub async fn find_direct(
    conn: &mut AsyncPgConnection,
    key: &str,
) -> ApiResult<Option<Conversation>> {
    Ok(conversations::table
        .filter(conversations::direct_key.eq(key))
        .select(Conversation::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The key that makes a direct conversation one per pair, whoever opens it.
pub fn direct_key(a: Uuid, b: Uuid) -> String {
    let (first, second) = if a < b { (a, b) } else { (b, a) };
    format!("{first}:{second}")
}

/// The conversation, locked until the transaction ends (a message takes its next number).
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Conversation>> {
    Ok(conversations::table
        .find(id)
        .select(Conversation::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Whether one of a group's rooms is named `name` (whatever the case).
pub async fn room_named(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    name: &str,
    other_than: Option<Uuid>,
) -> ApiResult<bool> {
    let mut query = conversations::table
        .filter(conversations::group_id.eq(group))
        .filter(
            diesel::dsl::sql::<Bool>("lower(name) = lower(")
                .bind::<Text, _>(name.to_owned())
                .sql(")"),
        )
        .into_boxed();
    if let Some(id) = other_than {
        query = query.filter(conversations::id.ne(id));
    }
    Ok(diesel::select(diesel::dsl::exists(query))
        .get_result(conn)
        .await?)
}

/// `ids` as `person` stands towards each.
pub async fn rows_for(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    ids: &[Uuid],
) -> ApiResult<Vec<ConversationRow>> {
    // Prepared: every message sent reads its conversation this way, twice (the sender's
    // access, then the snapshot its subscribers are judged from).
    let ids = ByIds::new(ids);
    let query = diesel::sql_query(format!(
        "SELECT {ROW_COLUMNS} FROM conversations c
         LEFT JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $1
         WHERE {}",
        ids.condition("c.id", 2)
    ))
    .into_boxed()
    .bind::<SqlUuid, _>(person);
    Ok(Prepared(ids.bind(query)).load(conn).await?)
}

/// A group's rooms as `person` stands towards each, by name.
pub async fn rooms_of(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    group: Uuid,
) -> ApiResult<Vec<ConversationRow>> {
    Ok(diesel::sql_query(format!(
        "SELECT {ROW_COLUMNS} FROM conversations c
         LEFT JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $1
         WHERE c.group_id = $2
         ORDER BY c.archived_at IS NOT NULL, lower(c.name), c.id"
    ))
    .bind::<SqlUuid, _>(person)
    .bind::<SqlUuid, _>(group)
    .load(conn)
    .await?)
}

/// Which of a person's conversations a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListFilter {
    pub kind: Option<ConversationKind>,
    pub unread_only: bool,
    /// Words each found in the name, or (outside rooms) in another member's name.
    pub query: Option<String>,
}

/// The cursor of a person's conversation list: last activity, then id.
pub type ListCursor = (DateTime<Utc>, Uuid);

/// The conversations `person` is a member of (archived rooms left out) that `filter` keeps, as
/// the common table `listed` of a statement binding the person as `$1`, then `kind`, and the
/// query's LIKE patterns as `$2` and `$3`. Only the filters in use are written: each
/// combination is a statement of its own, which PostgreSQL plans once per connection (see
/// `db::Prepared`); planning one with every filter optional cost more than running it.
fn listed_sql(filter: &ListFilter) -> String {
    let mut sql = format!(
        "WITH listed AS (
    SELECT {}, coalesce(c.last_message_at, c.created_at) AS activity
    FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.user_id = $1 AND c.archived_at IS NULL",
        row_base_columns!()
    );
    if filter.kind.is_some() {
        sql.push_str("\n      AND c.kind = $2");
    }
    if filter.unread_only {
        sql.push_str("\n      AND c.last_seq > m.read_seq");
    }
    if filter.query.is_some() {
        sql.push_str(
            "
      AND NOT EXISTS (
        SELECT 1 FROM unnest($3::text[]) AS word (pattern)
        WHERE lower(parvis_unaccent(coalesce(c.name, ''))) NOT LIKE parvis_unaccent(word.pattern)
          AND NOT (c.kind <> 'group_room' AND EXISTS (
            SELECT 1 FROM conversation_members o JOIN users u ON u.id = o.user_id
            WHERE o.conversation_id = c.id AND o.user_id <> $1
              AND u.search_text LIKE parvis_unaccent(word.pattern))))",
        );
    }
    sql.push(')');
    sql
}

/// The statement `select` (reading `listed`, see `listed_sql`) with the person and filter
/// bound (`$4` on are the caller's).
fn listed_query(
    select: &str,
    person: Uuid,
    filter: &ListFilter,
) -> diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>
{
    let words: Vec<String> = filter
        .query
        .iter()
        .flat_map(|query| query.split_whitespace())
        .map(|word| {
            format!(
                "%{}%",
                crate::users::model::escape_like(&word.to_lowercase())
            )
        })
        .collect();
    diesel::sql_query(format!("{} {select}", listed_sql(filter)))
        .into_boxed()
        .bind::<SqlUuid, _>(person)
        .bind::<Nullable<Text>, _>(filter.kind.map(ConversationKind::as_db))
        .bind::<Array<Text>, _>(words)
}

/// One page of the conversations `person` is a member of (archived rooms left out), most
/// recently active first, with the total: one statement (two for a page past the end).
pub async fn page_for(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    filter: &ListFilter,
    page: &PageRequest<ListCursor>,
) -> ApiResult<Page<ConversationRow>> {
    #[derive(QueryableByName)]
    struct Listed {
        #[diesel(embed)]
        conversation: ConversationRow,
        #[diesel(sql_type = BigInt)]
        total: i64,
    }
    let (cursor_at, cursor_id) = page.cursor.unzip();
    let beyond = match page.cursor {
        Some(_) => format!(
            "WHERE (activity, id) {} ($4, $5)",
            page.beyond_operator(Order::Descending)
        ),
        None => String::new(),
    };
    let select = format!(
        // `closed` is read for the page's rows only, once they are sorted and cut. The limit is
        // written rather than bound: bound, it keeps PostgreSQL from its generic plan.
        "SELECT *, {closed}, (SELECT count(*) FROM listed) AS total FROM listed {beyond}
         ORDER BY {order}
         LIMIT {limit}",
        closed = closed_column!("listed"),
        order = page.order_by_sql(&["activity", "id"], Order::Descending),
        limit = page.fetch_limit(),
    );
    let rows: Vec<Listed> = Prepared(
        listed_query(&select, person, filter)
            .bind::<Nullable<Timestamptz>, _>(cursor_at)
            .bind::<Nullable<SqlUuid>, _>(cursor_id),
    )
    .load(conn)
    .await?;
    let total = match rows.as_slice().first() {
        Some(row) => row.total,
        None if page.cursor.is_some() => count_for(conn, person, filter).await?,
        None => 0,
    };
    Ok(page.finish(
        rows.into_iter().map(|listed| listed.conversation).collect(),
        total,
    ))
}

/// How many conversations a person's list holds.
async fn count_for(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    filter: &ListFilter,
) -> ApiResult<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        total: i64,
    }
    let count: Count = Prepared(listed_query(
        "SELECT count(*) AS total FROM listed",
        person,
        filter,
    ))
    .get_result(conn)
    .await?;
    Ok(count.total)
}

/// How many of a person's conversations have messages they have not read (the badge).
pub async fn unread_conversations(conn: &mut AsyncPgConnection, person: Uuid) -> ApiResult<i64> {
    Ok(conversation_members::table
        .inner_join(conversations::table)
        .filter(conversation_members::user_id.eq(person))
        .filter(conversations::archived_at.is_null())
        .filter(conversations::last_seq.gt(conversation_members::read_seq))
        .count()
        .get_result(conn)
        .await?)
}

/// A person's unread messages (others', not deleted; at most `UNREAD_COUNT_CAP`) and mentions
/// in each of `conversations` they are a member of: one statement.
pub async fn unread_in(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    conversations: &[Uuid],
) -> ApiResult<HashMap<Uuid, Unread>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        conversation_id: Uuid,
        #[diesel(sql_type = BigInt)]
        messages: i64,
        #[diesel(sql_type = BigInt)]
        mentions: i64,
    }
    let rows: Vec<Row> = Prepared(
        diesel::sql_query(
            "SELECT m.conversation_id,
           (SELECT count(*) FROM (
              SELECT 1 FROM messages x
              WHERE x.conversation_id = m.conversation_id AND x.seq > m.read_seq
                AND x.author_id IS DISTINCT FROM m.user_id AND x.deleted_at IS NULL
              LIMIT $3) AS unread) AS messages,
           (SELECT count(*) FROM message_mentions n
            WHERE n.user_id = m.user_id AND n.conversation_id = m.conversation_id
              AND n.seq > m.read_seq) AS mentions
         FROM conversation_members m
         WHERE m.user_id = $1 AND m.conversation_id = ANY($2)",
        )
        .bind::<SqlUuid, _>(person)
        .bind::<Array<SqlUuid>, _>(conversations)
        .bind::<BigInt, _>(UNREAD_COUNT_CAP),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let unread = Unread {
                messages: row.messages,
                mentions: row.mentions,
            };
            (row.conversation_id, unread)
        })
        .collect())
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &ConversationChanges,
) -> ApiResult<Conversation> {
    Ok(diesel::update(conversations::table.find(id))
        .set((changes, conversations::updated_at.eq(diesel::dsl::now)))
        .returning(Conversation::as_returning())
        .get_result(conn)
        .await?)
}

/// Deletes a conversation with its messages and members.
pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    diesel::delete(conversations::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a member's read marker forward to `seq` (never back); whether it moved.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    conversation: Uuid,
    person: Uuid,
    seq: i64,
) -> ApiResult<bool> {
    let moved = diesel::update(
        conversation_members::table
            .filter(conversation_members::conversation_id.eq(conversation))
            .filter(conversation_members::user_id.eq(person))
            .filter(conversation_members::read_seq.lt(seq)),
    )
    .set(conversation_members::read_seq.eq(seq))
    .execute(conn)
    .await?;
    Ok(moved > 0)
}
