//! A person's chat settings: whether they send read receipts.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::read_receipts_off;
use crate::error::ApiResult;

/// Whether `person` lets others see when they read a message (on unless turned off).
pub async fn sends_read_receipts(conn: &mut AsyncPgConnection, person: Uuid) -> ApiResult<bool> {
    let off: bool = diesel::select(diesel::dsl::exists(read_receipts_off::table.find(person)))
        .get_result(conn)
        .await?;
    Ok(!off)
}

/// Turns `person`'s read receipts on or off.
pub async fn set_read_receipts(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    on: bool,
) -> ApiResult<()> {
    if on {
        diesel::delete(read_receipts_off::table.find(person))
            .execute(conn)
            .await?;
    } else {
        diesel::insert_into(read_receipts_off::table)
            .values(read_receipts_off::user_id.eq(person))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}
