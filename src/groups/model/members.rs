//! Memberships: who belongs to a group and with which role, one by one or by directory attribute.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::group_memberships;
use crate::error::ApiResult;
use crate::pagination::{Order, Page, PageRequest, PerParentRow};
use crate::users::User;

use super::GroupRole;

pub async fn member_role(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
) -> ApiResult<Option<GroupRole>> {
    Ok(group_memberships::table
        .find((group, user))
        .select(group_memberships::role)
        .first(conn)
        .await
        .optional()?)
}

/// Adds a member; false when they already were one.
pub async fn add_member(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
    role: GroupRole,
) -> ApiResult<bool> {
    let added = diesel::insert_into(group_memberships::table)
        .values((
            group_memberships::group_id.eq(group),
            group_memberships::user_id.eq(user),
            group_memberships::role.eq(role),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(added == 1)
}

pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
) -> ApiResult<bool> {
    let removed = diesel::delete(group_memberships::table.find((group, user)))
        .execute(conn)
        .await?;
    Ok(removed == 1)
}

pub async fn set_role(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
    role: GroupRole,
) -> ApiResult<()> {
    diesel::update(group_memberships::table.find((group, user)))
        .set(group_memberships::role.eq(role))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn joined_at(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
) -> ApiResult<DateTime<Utc>> {
    Ok(group_memberships::table
        .find((group, user))
        .select(group_memberships::created_at)
        .first(conn)
        .await?)
}

/// Every member with their role.
pub async fn member_ids(
    conn: &mut AsyncPgConnection,
    group: Uuid,
) -> ApiResult<Vec<(Uuid, GroupRole)>> {
    Ok(group_memberships::table
        .filter(group_memberships::group_id.eq(group))
        .order(group_memberships::user_id)
        .select((group_memberships::user_id, group_memberships::role))
        .load(conn)
        .await?)
}

/// Each group a person belongs to, with their role in it.
pub async fn roles_of(
    conn: &mut AsyncPgConnection,
    user: Uuid,
) -> ApiResult<Vec<(Uuid, GroupRole)>> {
    Ok(group_memberships::table
        .filter(group_memberships::user_id.eq(user))
        .select((group_memberships::group_id, group_memberships::role))
        .load(conn)
        .await?)
}

/// The groups a person belongs to.
pub async fn joined_group_ids(conn: &mut AsyncPgConnection, user: Uuid) -> ApiResult<Vec<Uuid>> {
    Ok(group_memberships::table
        .filter(group_memberships::user_id.eq(user))
        .select(group_memberships::group_id)
        .load(conn)
        .await?)
}

pub async fn owner_count(conn: &mut AsyncPgConnection, group: Uuid) -> ApiResult<i64> {
    Ok(group_memberships::table
        .filter(group_memberships::group_id.eq(group))
        .filter(group_memberships::role.eq(GroupRole::Owner))
        .count()
        .get_result(conn)
        .await?)
}

/// Who joins a group by directory attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAdd {
    /// Once (`addGroupMembersByAttribute`, the company-wide group): ordinary members.
    Once,
    /// Through a membership rule: they leave when they stop matching (see `rules`).
    ByRule,
}

/// Adds every active member of the organization (never guests: they join their groups one by
/// one) matching the directory attributes, in one statement; returns how many were added.
pub async fn add_members_by_attribute(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    department: Option<&str>,
    site: Option<&str>,
    how: BulkAdd,
) -> ApiResult<usize> {
    Ok(diesel::sql_query(
        "INSERT INTO group_memberships (group_id, user_id, role, added_by_rule)
         SELECT $1, u.id, 'member', $4 FROM users u
         WHERE u.status = 'active' AND u.org_role <> 'guest'
           AND ($2::text IS NULL OR parvis_fold(u.department) = parvis_fold($2))
           AND ($3::text IS NULL OR parvis_fold(u.site) = parvis_fold($3))
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(group)
    .bind::<Nullable<Text>, _>(department)
    .bind::<Nullable<Text>, _>(site)
    .bind::<Bool, _>(how == BulkAdd::ByRule)
    .execute(conn)
    .await?)
}

/// Adds every active person (the company-wide group); returns how many were added.
pub async fn add_everyone(conn: &mut AsyncPgConnection, group: Uuid) -> ApiResult<usize> {
    add_members_by_attribute(conn, group, None, None, BulkAdd::Once).await
}

/// Whether two people share a group (what lets a guest see someone).
pub async fn share_a_group(conn: &mut AsyncPgConnection, a: Uuid, b: Uuid) -> ApiResult<bool> {
    let (mine, theirs) = diesel::alias!(group_memberships as mine, group_memberships as theirs);
    Ok(diesel::select(diesel::dsl::exists(
        mine.inner_join(
            theirs.on(theirs
                .field(group_memberships::group_id)
                .eq(mine.field(group_memberships::group_id))),
        )
        .filter(mine.field(group_memberships::user_id).eq(a))
        .filter(theirs.field(group_memberships::user_id).eq(b)),
    ))
    .get_result(conn)
    .await?)
}

/// A member with their role, for member lists.
#[derive(Debug, Clone, QueryableByName)]
pub struct Member {
    #[diesel(embed)]
    pub user: User,
    #[diesel(sql_type = Text)]
    pub role: GroupRole,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub joined_at: DateTime<Utc>,
}

/// A page of each group's members in name order, optionally of one role.
pub async fn member_pages(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    role: Option<GroupRole>,
    page: &PageRequest<crate::users::model::DirectoryCursor>,
) -> ApiResult<HashMap<Uuid, Page<Member>>> {
    let (after_name, after_id) = page.cursor.clone().unzip();
    let beyond = page.beyond_operator(Order::Ascending);
    let rows: Vec<PerParentRow<Member>> = diesel::sql_query(page.per_parent_sql(
        &format!(
            "SELECT u.*, m.role, m.created_at AS joined_at, m.group_id AS page_parent,
                    ($2::text IS NULL OR (u.display_name, u.id) {beyond} ($2, $3)) AS page_after
             FROM group_memberships m JOIN users u ON u.id = m.user_id
             WHERE m.group_id = ANY($1) AND ($4::text IS NULL OR m.role = $4)"
        ),
        &["display_name", "id"],
        Order::Ascending,
    ))
    .bind::<Array<SqlUuid>, _>(groups)
    .bind::<Nullable<Text>, _>(after_name)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .bind::<Nullable<Text>, _>(role)
    .load(conn)
    .await?;
    Ok(page.finish_each(groups, rows))
}
