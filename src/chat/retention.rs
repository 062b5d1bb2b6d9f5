//! The organization's message retention: messages older than its setting are deleted by the
//! hourly housekeeping, in bounded batches (their replies, mentions, reactions and attachments
//! with them; the attachments' objects become storage garbage).

use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::error::ApiResult;

/// Messages deleted per statement...
const BATCH: i64 = 10_000;
/// ...and statements per run: a first retention on a long history spreads over several hours.
const BATCHES_PER_RUN: usize = 10;

/// Deletes the messages past the organization's retention; returns how many.
pub async fn expire(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let mut deleted = 0;
    for _ in 0..BATCHES_PER_RUN {
        let batch = expire_batch(conn).await?;
        deleted += batch;
        if (batch as i64) < BATCH {
            break;
        }
    }
    Ok(deleted)
}

/// One batch, oldest first. A reply is never older than its thread's first message, so a
/// thread goes with its root and only conversations' counts of messages outside threads change.
async fn expire_batch(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    Ok(diesel::sql_query(
        "WITH expired AS (
           DELETE FROM messages WHERE id IN (
             SELECT m.id FROM messages m, organization o
             WHERE o.message_retention_days IS NOT NULL
               AND m.created_at < now() - make_interval(days => o.message_retention_days)
             ORDER BY m.created_at LIMIT $1)
           RETURNING id, conversation_id, reply_to_id),
         unreacted AS (
           DELETE FROM reactions WHERE subject_kind = 'message' AND subject_id IN (
             SELECT id FROM expired
             UNION ALL SELECT m.id FROM messages m JOIN expired e ON m.reply_to_id = e.id)),
         counted AS (
           UPDATE conversations c SET message_count = c.message_count - e.roots
           FROM (SELECT conversation_id, count(*) FILTER (WHERE reply_to_id IS NULL) AS roots
                 FROM expired GROUP BY conversation_id) AS e
           WHERE c.id = e.conversation_id)
         SELECT 1 FROM expired",
    )
    .bind::<BigInt, _>(BATCH)
    .execute(conn)
    .await?)
}
