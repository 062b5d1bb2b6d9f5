//! Groups as one viewer stands towards them. Lists are filtered by visibility in SQL, and each
//! group comes with the viewer's relation to it (role, pending request, pending invitation), so a
//! page of groups with everything the policy needs costs one statement plus one count.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Bool, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::{ByIds, Prepared};
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest};
use crate::users::User;

use super::{Group, GroupRole, Visibility};

/// A group as one viewer stands towards it: everything the policy needs.
#[derive(Debug, Clone, QueryableByName, serde::Deserialize)]
pub struct GroupAccess {
    #[diesel(embed)]
    #[serde(flatten)]
    pub group: Group,
    #[diesel(sql_type = Nullable<Text>)]
    pub viewer_role: Option<GroupRole>,
    #[diesel(sql_type = Bool)]
    pub viewer_requested: bool,
    #[diesel(sql_type = Bool)]
    pub viewer_invited: bool,
}

/// Which groups a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupScope {
    /// What the viewer may see: public and private groups, and secret ones they belong or are
    /// invited to (guests: only those they belong or are invited to).
    Visible,
    /// Every group, secret ones included (admin queries only).
    All,
}

#[derive(Debug, Clone)]
pub struct GroupFilter {
    pub scope: GroupScope,
    pub query: Option<String>,
    pub joined_only: bool,
    pub visibility: Option<Visibility>,
}

/// The groups page key: by name (ICU collation), ties broken by id.
pub type GroupCursor = (String, Uuid);

/// The viewer's relation to each group, joined to the group row. `$1` is the viewer.
const ACCESS_SELECT: &str = "
    SELECT g.id, g.name, g.slug, g.description, g.visibility, g.join_policy, g.posting_policy,
           g.event_policy, g.drive_policy, g.avatar_attachment_id, g.cover_attachment_id, g.archived_at, g.member_count, g.created_at, g.updated_at,
           m.role AS viewer_role,
           EXISTS (SELECT 1 FROM group_join_requests r
                   WHERE r.group_id = g.id AND r.user_id = $1 AND r.status = 'pending') AS viewer_requested,
           EXISTS (SELECT 1 FROM group_invitations i
                   WHERE i.group_id = g.id AND i.user_id = $1 AND i.status = 'pending') AS viewer_invited
    FROM groups g
    LEFT JOIN group_memberships m ON m.group_id = g.id AND m.user_id = $1";

/// Groups by id, with the viewer's relation to each (visibility is the policy's call).
pub async fn find_access(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
    ids: &[Uuid],
) -> ApiResult<Vec<GroupAccess>> {
    let ids = ByIds::new(ids);
    let query = diesel::sql_query(format!(
        "{ACCESS_SELECT} WHERE {}",
        ids.condition("g.id", 2)
    ))
    .into_boxed()
    .bind::<SqlUuid, _>(viewer);
    Ok(Prepared(ids.bind(query)).load(conn).await?)
}

/// A JSON array (as text) of the viewer's access (`GroupAccess`) to each group `post` (an SQL
/// expression) is shared to, for a statement that reads posts and what deciding on them needs at
/// once. `$1` is the viewer.
pub fn access_json_sql(post: &str) -> String {
    format!(
        "(SELECT coalesce(json_agg(access), '[]')::text FROM ({}) access)",
        access_to_post_sql(post)
    )
}

/// The viewer's access (`$1`) to each group `post` (an SQL expression) is shared to.
fn access_to_post_sql(post: &str) -> String {
    format!(
        "{ACCESS_SELECT} WHERE g.id IN (SELECT a.group_id FROM post_audiences a WHERE a.post_id = {post})"
    )
}

/// The viewer's access to each group a post is shared to: one query whether or not the post
/// exists, so that looking up a missing post costs what looking up a hidden one does.
pub async fn find_access_to_post(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
    post: Uuid,
) -> ApiResult<Vec<GroupAccess>> {
    Ok(diesel::sql_query(access_to_post_sql("$2"))
        .bind::<SqlUuid, _>(viewer)
        .bind::<SqlUuid, _>(post)
        .load(conn)
        .await?)
}

pub async fn find_access_by_slug(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
    slug: &str,
) -> ApiResult<Option<GroupAccess>> {
    Ok(
        diesel::sql_query(format!("{ACCESS_SELECT} WHERE lower(g.slug) = lower($2)"))
            .bind::<SqlUuid, _>(viewer)
            .bind::<Text, _>(slug)
            .get_result(conn)
            .await
            .optional()?,
    )
}

/// The filters of a groups list, after `ACCESS_SELECT` (`$1` viewer, `$2` guest flag, `$3` scope
/// all, `$4` search patterns (every one must match), `$5` joined only, `$6` visibility).
const LIST_WHERE: &str = "
    WHERE ($3 OR m.role IS NOT NULL
           OR EXISTS (SELECT 1 FROM group_invitations i
                      WHERE i.group_id = g.id AND i.user_id = $1 AND i.status = 'pending')
           OR (NOT $2 AND g.visibility IN ('public', 'private')))
      AND NOT EXISTS (SELECT 1 FROM unnest($4::text[]) AS word (pattern)
                      WHERE g.search_text NOT LIKE parvis_unaccent(word.pattern))
      AND (NOT $5 OR m.role IS NOT NULL)
      AND ($6::text IS NULL OR g.visibility = $6)";

/// A query on `ACCESS_SELECT` and `LIST_WHERE` with the list's parameters bound (`$7` on are the
/// caller's).
fn filtered(
    sql: String,
    viewer: &User,
    filter: &GroupFilter,
) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    let patterns: Vec<String> = filter
        .query
        .iter()
        .flat_map(|query| query.split_whitespace())
        .map(|word| {
            format!(
                "%{}%",
                crate::users::model::escape_like(&word.to_lowercase())
            )
        })
        .collect();
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<SqlUuid, _>(viewer.id)
        .bind::<Bool, _>(viewer.org_role == crate::users::OrgRole::Guest)
        .bind::<Bool, _>(filter.scope == GroupScope::All)
        .bind::<diesel::sql_types::Array<Text>, _>(patterns)
        .bind::<Bool, _>(filter.joined_only)
        .bind::<Nullable<Text>, _>(filter.visibility.map(Visibility::as_db))
}

/// One page of groups in name order, filtered by what the viewer may see.
pub async fn page(
    conn: &mut AsyncPgConnection,
    viewer: &User,
    filter: &GroupFilter,
    page: &PageRequest<GroupCursor>,
) -> ApiResult<Page<GroupAccess>> {
    let (after_name, after_id) = page.cursor.clone().unzip();
    let beyond = page.beyond_operator(Order::Ascending);
    let order = page.order_by_sql(&["g.name", "g.id"], Order::Ascending);
    let page_sql = format!(
        "{ACCESS_SELECT} {LIST_WHERE}
           AND ($7::text IS NULL OR (g.name, g.id) {beyond} ($7 COLLATE \"und-x-icu\", $8))
         ORDER BY {order}
         LIMIT $9"
    );
    let rows: Vec<GroupAccess> = filtered(page_sql, viewer, filter)
        .bind::<Nullable<Text>, _>(after_name)
        .bind::<Nullable<SqlUuid>, _>(after_id)
        .bind::<diesel::sql_types::BigInt, _>(page.fetch_limit())
        .load(conn)
        .await?;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count_sql = format!("SELECT count(*) AS n FROM ({ACCESS_SELECT} {LIST_WHERE}) AS visible");
    let total: Count = filtered(count_sql, viewer, filter).get_result(conn).await?;
    Ok(page.finish(rows, total.n))
}
