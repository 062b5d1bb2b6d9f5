//! Raw SQL run as a prepared statement that each connection keeps (diesel's `sql_query` is
//! parsed and planned again on every call).

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, BoxedSqlQuery, Query, QueryFragment, QueryId, SqlQuery};
use diesel::sql_types::{Array, Uuid as SqlUuid};
use uuid::Uuid;

/// A `sql_query` whose text comes from a fixed set of pieces (never from values, which are
/// bound): each distinct text is prepared once per connection, then reused. PostgreSQL may then
/// plan it generically after a few calls, so write one text per combination of optional filters
/// rather than `$n IS NULL OR ...`.
pub struct Prepared<Q>(pub Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: the statement cache keys it by its text and bind types.
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

/// A prepared statement reading rows by id: `column = $n` (one id bound) or `column = ANY($n)`
/// (an array bound). PostgreSQL keeps a generic plan for the first after five calls (planning
/// then costs nothing), but not for an array: its generic plan guesses ten elements, so it
/// plans again at every call (0.4 to 1.2 ms for a conversation or a group with the viewer's
/// relation, more than running it). Most look-ups through a DataLoader are of one id.
pub struct ByIds<'a> {
    ids: &'a [Uuid],
}

impl<'a> ByIds<'a> {
    pub fn new(ids: &'a [Uuid]) -> Self {
        Self { ids }
    }

    /// The condition on `column`, the ids bound as parameter `$n`.
    pub fn condition(&self, column: &str, n: usize) -> String {
        match self.ids {
            [_] => format!("{column} = ${n}"),
            _ => format!("{column} = ANY(${n})"),
        }
    }

    /// `query` with the ids bound as its next parameter.
    pub fn bind<'f>(
        &self,
        query: BoxedSqlQuery<'f, Pg, SqlQuery>,
    ) -> BoxedSqlQuery<'f, Pg, SqlQuery> {
        match self.ids {
            [id] => query.bind::<SqlUuid, _>(*id),
            ids => query.bind::<Array<SqlUuid>, _>(ids.to_vec()),
        }
    }
}
