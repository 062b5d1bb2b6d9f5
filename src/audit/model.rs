//! The `audit_log` table: inserts and filtered, newest-first pages.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::audit_log;
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewEntry {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct Entry {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: String,
}

pub async fn insert(conn: &mut AsyncPgConnection, entry: &NewEntry) -> ApiResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub target_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first: the key is `(occurred_at, id)`, descending.
pub type Cursor = (DateTime<Utc>, Uuid);

pub async fn page(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    page: &PageRequest<Cursor>,
) -> ApiResult<Page<Entry>> {
    let mut query = filtered(filter)
        .select(Entry::as_select())
        .order(page.order_by(
            &["audit_log.occurred_at", "audit_log.id"],
            Order::Descending,
        ))
        .limit(page.fetch_limit());
    if let Some(beyond) =
        page.beyond_cursor("audit_log.occurred_at, audit_log.id", Order::Descending)
    {
        query = query.filter(beyond);
    }
    let rows = query.load(conn).await?;
    let total_count = filtered(filter).count().get_result(conn).await?;
    Ok(page.finish(rows, total_count))
}

fn filtered(filter: &Filter) -> audit_log::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = audit_log::table.into_boxed();
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(target) = filter.target_id {
        query = query.filter(audit_log::target_id.eq(target));
    }
    if let Some(group) = filter.group_id {
        query = query.filter(audit_log::group_id.eq(group));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::occurred_at.lt(to));
    }
    query
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<Entry>> {
    Ok(audit_log::table
        .find(id)
        .select(Entry::as_select())
        .first(conn)
        .await
        .optional()?)
}
