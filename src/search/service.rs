//! Searching, once for every caller: the query read and checked, the viewer's sight, the
//! statements run with the settings they need, and highlights made safe HTML.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::model::{self, Hit, HitCursor, Kind, MARK_END, MARK_START, SearchFilter};
use super::query::ParsedQuery;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::html::escape;
use crate::pagination::{Page, PageRequest};
use crate::policy::search::Sight;

/// Every type a search finds, in the order counts are given.
pub const KINDS: [Kind; 7] = [
    Kind::Person,
    Kind::Group,
    Kind::Post,
    Kind::Comment,
    Kind::Event,
    Kind::File,
    Kind::Message,
];

/// A search as one viewer asked for it.
#[derive(Debug, Clone)]
pub struct Search {
    sight: Sight,
    query: ParsedQuery,
    filter: SearchFilter,
}

impl Search {
    /// BAD_USER_INPUT for a query with nothing to look for, longer than 200 characters, or a
    /// time range that ends before it starts.
    pub fn new(viewer: &Viewer, query: &str, filter: SearchFilter) -> ApiResult<Self> {
        let query = ParsedQuery::parse("query", query)?;
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to < from
        {
            return Err(ApiError::bad_input(
                "filter.to",
                "must not be before `filter.from`",
            ));
        }
        Ok(Self {
            sight: Sight::of(viewer),
            query,
            filter,
        })
    }

    /// One page of hits, best first.
    pub async fn hits(
        &self,
        conn: &mut AsyncPgConnection,
        page: &PageRequest<HitCursor>,
    ) -> ApiResult<Page<Hit>> {
        conn.transaction::<_, ApiError, _>(async |conn| {
            tune(conn).await?;
            model::hits(conn, self.sight, &self.query, &self.filter, page).await
        })
        .await
    }

    /// The first `limit` hits for a search box, people and groups first.
    pub async fn suggestions(
        &self,
        conn: &mut AsyncPgConnection,
        limit: usize,
    ) -> ApiResult<Vec<Hit>> {
        conn.transaction::<_, ApiError, _>(async |conn| {
            tune(conn).await?;
            model::suggestions(conn, self.sight, &self.query, limit as i64).await
        })
        .await
    }

    /// How many hits each type has (every type, none left out), whatever types were asked for.
    pub async fn counts(&self, conn: &mut AsyncPgConnection) -> ApiResult<Vec<(Kind, i64)>> {
        let found = conn
            .transaction::<_, ApiError, _>(async |conn| {
                tune(conn).await?;
                model::counts(conn, self.sight, &self.query, &self.filter).await
            })
            .await?;
        Ok(KINDS
            .iter()
            .map(|kind| {
                let count = found
                    .iter()
                    .find(|(found, _)| found == kind)
                    .map_or(0, |(_, count)| *count);
                (*kind, count)
            })
            .collect())
    }

    /// How many hits the types asked for have.
    pub fn total(&self, counts: &[(Kind, i64)]) -> i64 {
        counts
            .iter()
            .filter(|(kind, _)| {
                self.filter
                    .kinds
                    .as_ref()
                    .is_none_or(|kinds| kinds.contains(kind))
            })
            .map(|(_, count)| count)
            .sum()
    }
}

/// The settings of this transaction's statements: how close a name must be to be a typo's
/// candidate (the edit distance then decides), and no notices for stop words left out.
async fn tune(conn: &mut AsyncPgConnection) -> ApiResult<()> {
    diesel::sql_query(
        "SELECT set_config('pg_trgm.word_similarity_threshold', '0.3', true),
                set_config('client_min_messages', 'warning', true)",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A hit's highlights as safe HTML: the title when a matched word is in it, then passages of
/// its text, the matched words in `<mark>` and everything else escaped.
pub fn highlights(hit: &Hit) -> Vec<String> {
    hit.title_highlight
        .iter()
        .chain(&hit.body_highlights)
        .map(|text| marked_html(text))
        .collect()
}

fn marked_html(text: &str) -> String {
    escape(text)
        .replace(MARK_START, "<mark>")
        .replace(MARK_END, "</mark>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_mark_the_words_found_and_escape_the_rest() {
        let text = format!("<b>{MARK_START}Réunion{MARK_END}</b> & co");
        assert_eq!(
            marked_html(&text),
            "&lt;b&gt;<mark>Réunion</mark>&lt;/b&gt; &amp; co"
        );
    }
}
