//! Keyset pagination: opaque cursors that encode the sort key of the last row seen.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;

/// A validated request for one page after an optional sort key.
#[derive(Debug, Clone)]
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
