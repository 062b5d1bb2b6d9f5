//! What each person did with a post: opened it, acknowledged it.

use super::*;

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

/// The people a post is addressed to: every active member of the organisation for
/// organisation-wide posts (guests are not), plus the members of its groups, but not its author.
/// `$1` is the post.
const AUDIENCE: &str = "
    SELECT u.id FROM users u
    WHERE u.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM posts WHERE id = $1 AND author_id = u.id)
      AND ((SELECT organisation_wide FROM posts WHERE id = $1) AND u.org_role <> 'guest'
           OR EXISTS (SELECT 1 FROM post_audiences a
                      JOIN group_memberships m ON m.group_id = a.group_id
                      WHERE a.post_id = $1 AND m.user_id = u.id))";

/// How many of its audience acknowledged a post, out of how many.
pub async fn acknowledgement_counts(
    conn: &mut AsyncPgConnection,
    post: Uuid,
) -> ApiResult<(i64, i64)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        audience: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        acknowledged: i64,
    }
    let row: Row = diesel::sql_query(format!(
        "SELECT count(*) AS audience,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM post_acknowledgements k
                                               WHERE k.post_id = $1 AND k.user_id = audience.id)) AS acknowledged
         FROM ({AUDIENCE}) AS audience"
    ))
    .bind::<SqlUuid, _>(post)
    .get_result(conn)
    .await?;
    Ok((row.acknowledged, row.audience))
}

/// People of a post's audience who did (`acknowledged`) or did not acknowledge it.
pub struct Acknowledgers {
    pub post: Uuid,
    pub acknowledged: bool,
    /// Only this person and the members of their groups (what a guest sees of the directory).
    pub limited_to_groups_of: Option<Uuid>,
}

/// One page of `Acknowledgers`, in directory order.
pub async fn acknowledgers_page(
    conn: &mut AsyncPgConnection,
    wanted: &Acknowledgers,
    page: &PageRequest<crate::users::model::DirectoryCursor>,
) -> ApiResult<Page<crate::users::User>> {
    let post = wanted.post;
    let audience = || {
        let mut query = users::table
            .filter(
                diesel::dsl::sql::<Bool>(
                    "users.status = 'active'
                     AND NOT EXISTS (SELECT 1 FROM posts WHERE author_id = users.id AND id = ",
                )
                .bind::<SqlUuid, _>(post)
                .sql(
                    ")
                     AND ((SELECT organisation_wide FROM posts WHERE id = ",
                )
                .bind::<SqlUuid, _>(post)
                .sql(
                    ") AND users.org_role <> 'guest'
                          OR EXISTS (SELECT 1 FROM post_audiences a
                                     JOIN group_memberships m ON m.group_id = a.group_id
                                     WHERE m.user_id = users.id AND a.post_id = ",
                )
                .bind::<SqlUuid, _>(post)
                .sql(if wanted.acknowledged {
                    ")) AND EXISTS"
                } else {
                    ")) AND NOT EXISTS"
                })
                .sql(
                    " (SELECT 1 FROM post_acknowledgements k
                       WHERE k.user_id = users.id AND k.post_id = ",
                )
                .bind::<SqlUuid, _>(post)
                .sql(")"),
            )
            .into_boxed();
        if let Some(viewer) = wanted.limited_to_groups_of {
            query = query.filter(crate::users::model::in_groups_of(viewer));
        }
        query
    };
    let mut query = audience()
        .select(crate::users::User::as_select())
        .order((users::display_name.asc(), users::id.asc()))
        .limit(page.fetch_limit());
    if let Some(key) = &page.after {
        query = query.filter(crate::users::model::after_directory_key(key));
    }
    let rows = query.load(conn).await?;
    let total = audience().count().get_result(conn).await?;
    Ok(page.finish(rows, total))
}
