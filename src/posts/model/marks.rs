//! What each person did with a post: opened it (so what is left unread), acknowledged it.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{post_acknowledgements, post_views};
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest, PerParentRow};

/// Records that `user` opened `post` (only the first time counts).
pub async fn record_view(conn: &mut AsyncPgConnection, post: Uuid, user: Uuid) -> ApiResult<()> {
    diesel::insert_into(post_views::table)
        .values((post_views::post_id.eq(post), post_views::user_id.eq(user)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// For each post, whether `user` opened it and whether they acknowledged it.
pub async fn viewer_marks(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
    user: Uuid,
) -> ApiResult<HashMap<Uuid, ViewerMarks>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Bool)]
        seen: bool,
        #[diesel(sql_type = Bool)]
        acknowledged: bool,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT p.id,
                EXISTS (SELECT 1 FROM post_views v WHERE v.post_id = p.id AND v.user_id = $2) AS seen,
                EXISTS (SELECT 1 FROM post_acknowledgements a WHERE a.post_id = p.id AND a.user_id = $2) AS acknowledged
         FROM unnest($1::uuid[]) AS p (id)",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(posts)
    .bind::<SqlUuid, _>(user)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.id,
                ViewerMarks {
                    seen: row.seen,
                    acknowledged: row.acknowledged,
                },
            )
        })
        .collect())
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ViewerMarks {
    pub seen: bool,
    pub acknowledged: bool,
}

/// Records an acknowledgement (and the view it implies); twice is once.
pub async fn acknowledge(conn: &mut AsyncPgConnection, post: Uuid, user: Uuid) -> ApiResult<()> {
    record_view(conn, post, user).await?;
    diesel::insert_into(post_acknowledgements::table)
        .values((
            post_acknowledgements::post_id.eq(post),
            post_acknowledgements::user_id.eq(user),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether person `u` is in the audience of post `p` (the people it is addressed to): every active
/// member of the organization for organization-wide posts (guests are not), plus the members of
/// its groups, but not its author.
const IN_AUDIENCE: &str = "u.status = 'active' AND u.id IS DISTINCT FROM p.author_id
      AND (p.organization_wide AND u.org_role <> 'guest'
           OR EXISTS (SELECT 1 FROM post_audiences a
                      JOIN group_memberships m ON m.group_id = a.group_id
                      WHERE a.post_id = p.id AND m.user_id = u.id))";

/// Whether person `u` acknowledged post `p`.
const ACKNOWLEDGED: &str =
    "EXISTS (SELECT 1 FROM post_acknowledgements k WHERE k.post_id = p.id AND k.user_id = u.id)";

/// How many of a post's audience acknowledged it, out of how many.
#[derive(Debug, Clone, Copy, Default, QueryableByName)]
pub struct AcknowledgementCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub acknowledged: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub audience: i64,
}

/// The acknowledgement counts of each of `posts`.
pub async fn acknowledgement_counts(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
) -> ApiResult<HashMap<Uuid, AcknowledgementCounts>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        post: Uuid,
        #[diesel(embed)]
        counts: AcknowledgementCounts,
    }
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT p.id AS post, count(u.id) AS audience,
                count(u.id) FILTER (WHERE {ACKNOWLEDGED}) AS acknowledged
         FROM posts p LEFT JOIN users u ON {IN_AUDIENCE}
         WHERE p.id = ANY($1)
         GROUP BY p.id"
    ))
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(posts)
    .load(conn)
    .await?;
    let mut counts: HashMap<Uuid, AcknowledgementCounts> = posts
        .iter()
        .map(|post| (*post, AcknowledgementCounts::default()))
        .collect();
    counts.extend(rows.into_iter().map(|row| (row.post, row.counts)));
    Ok(counts)
}

/// People of a post's audience who did (`acknowledged`) or did not acknowledge it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Acknowledgers {
    pub acknowledged: bool,
    /// Only this person and the members of their groups (what a guest sees of the directory; the
    /// rule of `users::model::in_groups_of`).
    pub limited_to_groups_of: Option<Uuid>,
}

/// A page of each post's `Acknowledgers`, in directory order.
pub async fn acknowledger_pages(
    conn: &mut AsyncPgConnection,
    posts: &[Uuid],
    wanted: &Acknowledgers,
    page: &PageRequest<crate::users::model::DirectoryCursor>,
) -> ApiResult<HashMap<Uuid, Page<crate::users::User>>> {
    let (after_name, after_id) = page.cursor.clone().unzip();
    let beyond = page.beyond_operator(Order::Ascending);
    let rows: Vec<PerParentRow<crate::users::User>> = diesel::sql_query(page.per_parent_sql(
        &format!(
            "SELECT u.*, p.id AS page_parent,
                    ($2::text IS NULL OR (u.display_name, u.id) {beyond} ($2, $3)) AS page_after
             FROM posts p JOIN users u ON {IN_AUDIENCE}
             WHERE p.id = ANY($1) AND {ACKNOWLEDGED} = $4
               AND ($5::uuid IS NULL OR u.id = $5
                    OR EXISTS (SELECT 1 FROM group_memberships mine
                               JOIN group_memberships theirs ON theirs.group_id = mine.group_id
                               WHERE mine.user_id = $5 AND theirs.user_id = u.id))"
        ),
        &["display_name", "id"],
        Order::Ascending,
    ))
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(posts)
    .bind::<Nullable<diesel::sql_types::Text>, _>(after_name)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .bind::<Bool, _>(wanted.acknowledged)
    .bind::<Nullable<SqlUuid>, _>(wanted.limited_to_groups_of)
    .load(conn)
    .await?;
    Ok(page.finish_each(posts, rows))
}

/// For each of the viewer's groups, the live posts they have not opened (their own excluded).
pub async fn unread_counts(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
) -> ApiResult<Vec<(Uuid, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        group_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unread: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT m.group_id, count(p.id) AS unread
         FROM group_memberships m
         JOIN groups g ON g.id = m.group_id
         LEFT JOIN post_audiences a ON a.group_id = m.group_id
         LEFT JOIN posts p ON p.id = a.post_id AND p.deleted_at IS NULL AND p.published_at <= now()
              AND p.author_id IS DISTINCT FROM $1
              AND NOT EXISTS (SELECT 1 FROM post_views v WHERE v.post_id = p.id AND v.user_id = $1)
         WHERE m.user_id = $1
         GROUP BY m.group_id, g.name
         ORDER BY g.name",
    )
    .bind::<SqlUuid, _>(viewer)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.group_id, row.unread))
        .collect())
}
