//! What notifications and emails keep, and for how long (run by the hourly housekeeping).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{notifications, outgoing_emails, unsubscribe_tokens};
use crate::error::ApiResult;

/// Read notifications are kept this long after they were read...
const READ_DAYS: i64 = 90;
/// ...and unread ones this long after they last changed.
const UNREAD_DAYS: i64 = 365;
/// Sent emails keep their row (newsletter counts) but drop their message after this long.
const SENT_MESSAGE_DAYS: i64 = 30;
/// Unsubscribe links work this long.
const UNSUBSCRIBE_DAYS: i64 = 365;

/// Deletes what is past its time; returns how many rows changed.
pub async fn expire(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let now = chrono::Utc::now();
    let days = chrono::Duration::days;
    let read = diesel::delete(
        notifications::table.filter(notifications::read_at.lt(now - days(READ_DAYS))),
    )
    .execute(conn)
    .await?;
    let unread = diesel::delete(
        notifications::table
            .filter(notifications::read_at.is_null())
            .filter(notifications::updated_at.lt(now - days(UNREAD_DAYS))),
    )
    .execute(conn)
    .await?;
    let emails = diesel::update(
        outgoing_emails::table
            .filter(outgoing_emails::sent_at.lt(now - days(SENT_MESSAGE_DAYS)))
            .filter(outgoing_emails::message.ne(Vec::<u8>::new())),
    )
    .set(outgoing_emails::message.eq(Vec::<u8>::new()))
    .execute(conn)
    .await?;
    let tokens = diesel::delete(
        unsubscribe_tokens::table
            .filter(unsubscribe_tokens::created_at.lt(now - days(UNSUBSCRIBE_DAYS))),
    )
    .execute(conn)
    .await?;
    Ok(read + unread + emails + tokens)
}
