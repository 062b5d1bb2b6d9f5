//! Keyset pagination: opaque cursors that encode the sort key of the last row seen.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::QueryableByName;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;

/// A validated request for one page after an optional sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest<K> {
    pub first: usize,
    pub after: Option<K>,
}

impl<K: DeserializeOwned> PageRequest<K> {
    pub fn parse(first: Option<i32>, after: Option<&str>) -> ApiResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => return Err(ApiError::bad_input("first", "must not be negative")),
            Some(n) if n as usize > MAX_PAGE_SIZE => {
                return Err(ApiError::bad_input(
                    "first",
                    format!("must be at most {MAX_PAGE_SIZE}"),
                ));
            }
            Some(n) => n as usize,
        };
        let after = after.map(decode_cursor).transpose()?;
        Ok(Self { first, after })
    }
}

impl<K> PageRequest<K> {
    /// One row more than asked, to learn whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.first as i64 + 1
    }

    pub fn finish<T>(&self, mut rows: Vec<T>, total_count: i64) -> Page<T> {
        let has_next_page = rows.len() > self.first;
        rows.truncate(self.first);
        Page {
            items: rows,
            has_next_page,
            has_previous_page: self.after.is_some(),
            total_count,
        }
    }

    /// The SQL of this page for each of many parents, in one statement. `candidates` selects
    /// every child of the parents, with its parent as `page_parent` and whether it comes after
    /// the cursor as `page_after` (true without a cursor); `order` orders one parent's children.
    /// Each row tells its parent's `page_total`; a parent with children but none after the
    /// cursor still gets one row (not `page_after`), for its total.
    pub fn per_parent_sql(&self, candidates: &str, order: &str) -> String {
        format!(
            "SELECT * FROM (
               SELECT candidate.*,
                      count(*) OVER (PARTITION BY candidate.page_parent) AS page_total,
                      row_number() OVER (PARTITION BY candidate.page_parent, candidate.page_after
                                         ORDER BY {order}) AS page_position
               FROM ({candidates}) candidate) ranked
             WHERE page_position <= CASE WHEN page_after THEN {limit} ELSE 1 END
             ORDER BY page_parent, page_after, page_position",
            limit = self.fetch_limit()
        )
    }

    /// The page of each of `parents` from the rows of [`Self::per_parent_sql`] (an empty one for
    /// a parent without children).
    pub fn finish_each<T>(
        &self,
        parents: &[Uuid],
        rows: Vec<PerParentRow<T>>,
    ) -> HashMap<Uuid, Page<T>> {
        let mut found: HashMap<Uuid, (Vec<T>, i64)> = HashMap::new();
        for row in rows {
            let (items, _) = found
                .entry(row.page_parent)
                .or_insert_with(|| (Vec::new(), row.page_total));
            if row.page_after {
                items.push(row.item);
            }
        }
        parents
            .iter()
            .map(|parent| {
                let (items, total) = found.remove(parent).unwrap_or_default();
                (*parent, self.finish(items, total))
            })
            .collect()
    }
}

/// `children` in lists by parent, in the order they came: a list for each of `parents`, an
/// empty one for a parent without children (what a loader of lists returns).
pub fn lists_by_parent<T>(
    parents: &[Uuid],
    children: impl IntoIterator<Item = T>,
    parent_of: impl Fn(&T) -> Uuid,
) -> HashMap<Uuid, Vec<T>> {
    let mut lists: HashMap<Uuid, Vec<T>> =
        parents.iter().map(|parent| (*parent, Vec::new())).collect();
    for child in children {
        lists.entry(parent_of(&child)).or_default().push(child);
    }
    lists
}

/// A row of [`PageRequest::per_parent_sql`].
#[derive(QueryableByName)]
pub struct PerParentRow<T> {
    #[diesel(embed)]
    pub item: T,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub page_parent: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub page_total: i64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub page_after: bool,
}

/// One page of rows in order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: i64,
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> ApiResult<K> {
    let invalid = || ApiError::bad_input("after", "is not a cursor returned by this connection");
    let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&json).map_err(|_| invalid())
}
