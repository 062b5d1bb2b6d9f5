//! Emoji reactions to posts and comments.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::Prepared;
use crate::db::schema::reactions;
use crate::error::ApiResult;

/// A reaction's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Post,
    Comment,
    /// A chat message.
    Message,
}

impl SubjectKind {
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Comment => "comment",
            Self::Message => "message",
        }
    }
}

/// Adds a reaction; reacting twice with the same emoji changes nothing (and returns false).
pub async fn react(
    conn: &mut AsyncPgConnection,
    subject: Uuid,
    kind: SubjectKind,
    user: Uuid,
    emoji: &str,
) -> ApiResult<bool> {
    let added = diesel::insert_into(reactions::table)
        .values((
            reactions::subject_id.eq(subject),
            reactions::subject_kind.eq(kind.as_db()),
            reactions::user_id.eq(user),
            reactions::emoji.eq(emoji),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(added > 0)
}

pub async fn unreact(
    conn: &mut AsyncPgConnection,
    subject: Uuid,
    user: Uuid,
    emoji: &str,
) -> ApiResult<()> {
    diesel::delete(
        reactions::table
            .filter(reactions::subject_id.eq(subject))
            .filter(reactions::user_id.eq(user))
            .filter(reactions::emoji.eq(emoji)),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// For each subject: its reactions by emoji with counts, and whether the viewer used each.
pub async fn reaction_summaries(
    conn: &mut AsyncPgConnection,
    subjects: &[Uuid],
    viewer: Uuid,
) -> ApiResult<HashMap<Uuid, Vec<ReactionCount>>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        subject_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        emoji: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
        #[diesel(sql_type = Bool)]
        mine: bool,
    }
    let rows: Vec<Row> = Prepared(
        diesel::sql_query(
            "SELECT subject_id, emoji, count(*) AS count, bool_or(user_id = $2) AS mine
             FROM reactions WHERE subject_id = ANY($1)
             GROUP BY subject_id, emoji
             ORDER BY subject_id, count(*) DESC, min(created_at)",
        )
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(subjects)
        .bind::<SqlUuid, _>(viewer),
    )
    .load(conn)
    .await?;
    let mut summaries: HashMap<Uuid, Vec<ReactionCount>> = HashMap::new();
    for row in rows {
        summaries
            .entry(row.subject_id)
            .or_default()
            .push(ReactionCount {
                emoji: row.emoji,
                count: row.count,
                viewer_reacted: row.mine,
            });
    }
    Ok(summaries)
}

#[derive(Debug, Clone)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: i64,
    pub viewer_reacted: bool,
}
