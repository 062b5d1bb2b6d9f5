//! Keyset pagination: opaque cursors that encode the sort key of the last row seen.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::expression::SqlLiteral;
use diesel::pg::Pg;
use diesel::prelude::BoxableExpression;
use diesel::sql_types::Untyped;
use diesel::sql_types::{Bool, Text, Timestamptz, Uuid as SqlUuid};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;

/// Which way a page reads its list: forwards (`first`/`after`) or backwards (`last`/`before`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Backward,
}

/// The order a list is shown in, on its sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Ascending,
    Descending,
}

/// A validated request for one page: `size` items after the cursor (forwards) or before it
/// (backwards), or from the start or the end of the list when there is no cursor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest<K> {
    pub size: usize,
    pub cursor: Option<K>,
    pub direction: Direction,
}

impl<K: DeserializeOwned> PageRequest<K> {
    /// The page Relay's four arguments ask for: `first` and `after` page forwards, `last` and
    /// `before` backwards; one connection call takes one pair.
    pub fn parse(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> ApiResult<Self> {
        let backward = last.is_some() || before.is_some();
        if backward && (first.is_some() || after.is_some()) {
            let field = if last.is_some() { "last" } else { "before" };
            return Err(ApiError::bad_input(
                field,
                "cannot be combined with `first` or `after`: page forwards with `first`/`after` \
                 or backwards with `last`/`before`",
            ));
        }
        if backward {
            Ok(Self {
                size: page_size("last", last)?,
                cursor: before
                    .map(|cursor| decode_cursor("before", cursor))
                    .transpose()?,
                direction: Direction::Backward,
            })
        } else {
            Ok(Self {
                size: page_size("first", first)?,
                cursor: after
                    .map(|cursor| decode_cursor("after", cursor))
                    .transpose()?,
                direction: Direction::Forward,
            })
        }
    }
}

fn page_size(field: &str, size: Option<i32>) -> ApiResult<usize> {
    match size {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err(ApiError::bad_input(field, "must not be negative")),
        Some(n) if n as usize > MAX_PAGE_SIZE => Err(ApiError::bad_input(
            field,
            format!("must be at most {MAX_PAGE_SIZE}"),
        )),
        Some(n) => Ok(n as usize),
    }
}

impl<K> PageRequest<K> {
    /// The first `size` items of a list, from its start.
    pub fn first(size: usize) -> Self {
        Self {
            size,
            cursor: None,
            direction: Direction::Forward,
        }
    }

    /// One row more than asked, to learn whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.size as i64 + 1
    }

    /// The order the query reads a list shown in `shown` order: reversed when paging backwards,
    /// so that the rows nearest the cursor come first.
    pub fn read_order(&self, shown: Order) -> Order {
        match (self.direction, shown) {
            (Direction::Forward, order) => order,
            (Direction::Backward, Order::Ascending) => Order::Descending,
            (Direction::Backward, Order::Descending) => Order::Ascending,
        }
    }

    /// The SQL comparison that keeps the rows beyond the cursor, in read order: a row
    /// comparison `(key columns) {op} (cursor)` seeks in the key's index.
    pub fn beyond_operator(&self, shown: Order) -> &'static str {
        match self.read_order(shown) {
            Order::Ascending => ">",
            Order::Descending => "<",
        }
    }

    /// An `ORDER BY` list of `columns`, each in the read order of a list shown in `shown` order.
    pub fn order_by_sql(&self, columns: &[&str], shown: Order) -> String {
        let direction = match self.read_order(shown) {
            Order::Ascending => "ASC",
            Order::Descending => "DESC",
        };
        columns
            .iter()
            .map(|column| format!("{column} {direction}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The same, as an expression diesel's `order` takes.
    pub fn order_by(&self, columns: &[&str], shown: Order) -> SqlLiteral<Untyped> {
        diesel::dsl::sql::<Untyped>(&self.order_by_sql(columns, shown))
    }

    /// The filter that keeps the rows beyond the cursor (`None` without one), for a list keyed
    /// by `columns` (SQL, in key order) and shown in `shown` order.
    pub fn beyond_cursor<QS>(&self, columns: &str, shown: Order) -> Option<SqlFilter<QS>>
    where
        K: SqlKey,
    {
        let operator = self.beyond_operator(shown);
        self.cursor
            .as_ref()
            .map(|key| key.compared(columns, operator))
    }

    /// The page from rows read in read order (at most [`Self::fetch_limit`] of them), put back in
    /// the list's order.
    pub fn finish<T>(&self, mut rows: Vec<T>, total_count: i64) -> Page<T> {
        let more = rows.len() > self.size;
        rows.truncate(self.size);
        let from_cursor = self.cursor.is_some();
        match self.direction {
            Direction::Forward => Page {
                items: rows,
                has_next_page: more,
                has_previous_page: from_cursor,
                total_count,
            },
            Direction::Backward => {
                rows.reverse();
                Page {
                    items: rows,
                    has_next_page: from_cursor,
                    has_previous_page: more,
                    total_count,
                }
            }
        }
    }

    /// This page of a whole list already in memory, sorted on its key in ascending order.
    pub fn of_sorted<T>(&self, sorted: Vec<T>, key: impl Fn(&T) -> K) -> Page<T>
    where
        K: PartialOrd,
    {
        let total = sorted.len() as i64;
        let limit = self.size + 1;
        let beyond = |item: &T, wanted: std::cmp::Ordering| {
            self.cursor
                .as_ref()
                .is_none_or(|cursor| key(item).partial_cmp(cursor) == Some(wanted))
        };
        let rows = match self.direction {
            Direction::Forward => sorted
                .into_iter()
                .filter(|item| beyond(item, std::cmp::Ordering::Greater))
                .take(limit)
                .collect(),
            Direction::Backward => sorted
                .into_iter()
                .rev()
                .filter(|item| beyond(item, std::cmp::Ordering::Less))
                .take(limit)
                .collect(),
        };
        self.finish(rows, total)
    }

    /// The SQL of this page for each of many parents, in one statement. `candidates` selects
    /// every child of the parents, with its parent as `page_parent` and whether it lies beyond
    /// the cursor as `page_after` (true without a cursor; compare with
    /// [`Self::beyond_operator`]); `columns` order one parent's children, shown in `shown` order.
    /// Each row tells its parent's `page_total`; a parent with children but none beyond the
    /// cursor still gets one row (not `page_after`), for its total.
    pub fn per_parent_sql(&self, candidates: &str, columns: &[&str], shown: Order) -> String {
        let order = self.order_by_sql(columns, shown);
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

/// A boolean SQL condition on the rows of `QS`.
pub type SqlFilter<QS> = Box<dyn BoxableExpression<QS, Pg, SqlType = Bool>>;

/// A sort key its list's query compares with its columns.
pub trait SqlKey {
    /// `(columns) operator (key)`: a row comparison, so PostgreSQL seeks in the key's index
    /// instead of filtering every row before the page (a text column's collation applies to the
    /// bound value too).
    fn compared<QS>(&self, columns: &str, operator: &str) -> SqlFilter<QS>;
}

impl SqlKey for (DateTime<Utc>, Uuid) {
    fn compared<QS>(&self, columns: &str, operator: &str) -> SqlFilter<QS> {
        Box::new(
            diesel::dsl::sql::<Bool>(&format!("({columns}) {operator} ("))
                .bind::<Timestamptz, _>(self.0)
                .sql(", ")
                .bind::<SqlUuid, _>(self.1)
                .sql(")"),
        )
    }
}

impl SqlKey for (String, Uuid) {
    fn compared<QS>(&self, columns: &str, operator: &str) -> SqlFilter<QS> {
        Box::new(
            diesel::dsl::sql::<Bool>(&format!("({columns}) {operator} ("))
                .bind::<Text, _>(self.0.clone())
                .sql(", ")
                .bind::<SqlUuid, _>(self.1)
                .sql(")"),
        )
    }
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

fn decode_cursor<K: DeserializeOwned>(field: &str, cursor: &str) -> ApiResult<K> {
    let invalid = || ApiError::bad_input(field, "is not a cursor returned by this connection");
    let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&json).map_err(|_| invalid())
}
