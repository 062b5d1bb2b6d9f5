//! Join requests and invitations: asking to join a group, and being asked by its managers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{group_invitations, group_join_requests, users};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Order, Page, PageRequest, PerParentRow};
use crate::users::UserStatus;

use super::{InvitationStatus, RequestStatus};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = group_join_requests, check_for_backend(diesel::pg::Pg))]
pub struct JoinRequest {
    pub id: Uuid,
    pub group_id: Uuid,
    pub user_id: Uuid,
    pub message: Option<String>,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
}

pub async fn create_join_request(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
    message: Option<String>,
) -> ApiResult<JoinRequest> {
    diesel::insert_into(group_join_requests::table)
        .values((
            group_join_requests::id.eq(Uuid::now_v7()),
            group_join_requests::group_id.eq(group),
            group_join_requests::user_id.eq(user),
            group_join_requests::message.eq(message),
        ))
        .returning(JoinRequest::as_returning())
        .get_result(conn)
        .await
        .map_err(|error| match error {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => ApiError::Conflict("You have already asked to join this group.".into()),
            other => other.into(),
        })
}

pub async fn find_join_request(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> ApiResult<Option<JoinRequest>> {
    Ok(group_join_requests::table
        .find(id)
        .select(JoinRequest::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn pending_join_request(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
) -> ApiResult<Option<JoinRequest>> {
    Ok(group_join_requests::table
        .filter(group_join_requests::group_id.eq(group))
        .filter(group_join_requests::user_id.eq(user))
        .filter(group_join_requests::status.eq(RequestStatus::Pending))
        .select(JoinRequest::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Closes the pending requests of a group that stopped taking them.
pub async fn cancel_pending_join_requests(
    conn: &mut AsyncPgConnection,
    group: Uuid,
) -> ApiResult<()> {
    diesel::update(
        group_join_requests::table
            .filter(group_join_requests::group_id.eq(group))
            .filter(group_join_requests::status.eq(RequestStatus::Pending)),
    )
    .set(group_join_requests::status.eq(RequestStatus::Cancelled))
    .execute(conn)
    .await?;
    Ok(())
}

/// Closes a pending request; returns it, or `None` when it was no longer pending.
pub async fn close_join_request(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: RequestStatus,
    decided_by: Option<Uuid>,
) -> ApiResult<Option<JoinRequest>> {
    Ok(diesel::update(
        group_join_requests::table
            .find(id)
            .filter(group_join_requests::status.eq(RequestStatus::Pending)),
    )
    .set((
        group_join_requests::status.eq(status),
        group_join_requests::decided_by.eq(decided_by),
        group_join_requests::decided_at.eq(Some(Utc::now())),
    ))
    .returning(JoinRequest::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// A page of each group's pending join requests, oldest first.
pub async fn pending_join_request_pages(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    page: &PageRequest<(DateTime<Utc>, Uuid)>,
) -> ApiResult<HashMap<Uuid, Page<JoinRequest>>> {
    let (after_at, after_id) = page.cursor.unzip();
    let beyond = page.beyond_operator(Order::Ascending);
    let rows: Vec<PerParentRow<JoinRequest>> = diesel::sql_query(page.per_parent_sql(
        &format!(
            "SELECT r.id, r.group_id, r.user_id, r.message, r.status, r.created_at,
                    r.group_id AS page_parent,
                    ($2::timestamptz IS NULL OR (r.created_at, r.id) {beyond} ($2, $3)) AS page_after
             FROM group_join_requests r WHERE r.group_id = ANY($1) AND r.status = 'pending'"
        ),
        &["created_at", "id"],
        Order::Ascending,
    ))
    .bind::<Array<SqlUuid>, _>(groups)
    .bind::<Nullable<diesel::sql_types::Timestamptz>, _>(after_at)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .load(conn)
    .await?;
    Ok(page.finish_each(groups, rows))
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = group_invitations, check_for_backend(diesel::pg::Pg))]
pub struct Invitation {
    pub id: Uuid,
    pub group_id: Uuid,
    pub user_id: Uuid,
    pub invited_by: Option<Uuid>,
    pub status: InvitationStatus,
    pub created_at: DateTime<Utc>,
}

/// Invites people who are neither members nor already invited; returns the new invitations.
pub async fn invite(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    users: &[Uuid],
    invited_by: Uuid,
) -> ApiResult<Vec<Invitation>> {
    let new_ids: Vec<Uuid> = users.iter().map(|_| Uuid::now_v7()).collect();
    Ok(diesel::sql_query(
        "INSERT INTO group_invitations (id, group_id, user_id, invited_by)
         SELECT invitee.new_id, $1, u.id, $3
         FROM unnest($2::uuid[], $4::uuid[]) AS invitee (user_id, new_id)
         JOIN users u ON u.id = invitee.user_id
         WHERE u.status = 'active'
           AND NOT EXISTS (SELECT 1 FROM group_memberships m WHERE m.group_id = $1 AND m.user_id = u.id)
         ON CONFLICT DO NOTHING
         RETURNING id, group_id, user_id, invited_by, status, created_at",
    )
    .bind::<SqlUuid, _>(group)
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(users)
    .bind::<SqlUuid, _>(invited_by)
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(new_ids)
    .load::<InvitationRow>(conn)
    .await?
    .into_iter()
    .map(Invitation::from)
    .collect())
}

#[derive(QueryableByName)]
struct InvitationRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    group_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    invited_by: Option<Uuid>,
    #[diesel(sql_type = Text)]
    status: InvitationStatus,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: DateTime<Utc>,
}

impl From<InvitationRow> for Invitation {
    fn from(row: InvitationRow) -> Self {
        Self {
            id: row.id,
            group_id: row.group_id,
            user_id: row.user_id,
            invited_by: row.invited_by,
            status: row.status,
            created_at: row.created_at,
        }
    }
}

pub async fn find_invitation(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> ApiResult<Option<Invitation>> {
    Ok(group_invitations::table
        .find(id)
        .select(Invitation::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Closes a pending invitation; `None` when it was no longer pending.
pub async fn close_invitation(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: InvitationStatus,
) -> ApiResult<Option<Invitation>> {
    Ok(diesel::update(
        group_invitations::table
            .find(id)
            .filter(group_invitations::status.eq(InvitationStatus::Pending)),
    )
    .set(group_invitations::status.eq(status))
    .returning(Invitation::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Whose pending invitations a page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationsOf {
    /// To a group.
    Group,
    /// Of a person.
    Invitee,
}

/// A page of the pending invitations of each group or person, oldest first.
pub async fn pending_invitation_pages(
    conn: &mut AsyncPgConnection,
    of: InvitationsOf,
    parents: &[Uuid],
    page: &PageRequest<(DateTime<Utc>, Uuid)>,
) -> ApiResult<HashMap<Uuid, Page<Invitation>>> {
    let parent = match of {
        InvitationsOf::Group => "group_id",
        InvitationsOf::Invitee => "user_id",
    };
    let (after_at, after_id) = page.cursor.unzip();
    let beyond = page.beyond_operator(Order::Ascending);
    let rows: Vec<PerParentRow<Invitation>> = diesel::sql_query(page.per_parent_sql(
        &format!(
            "SELECT i.id, i.group_id, i.user_id, i.invited_by, i.status, i.created_at,
                    i.{parent} AS page_parent,
                    ($2::timestamptz IS NULL OR (i.created_at, i.id) {beyond} ($2, $3)) AS page_after
             FROM group_invitations i WHERE i.{parent} = ANY($1) AND i.status = 'pending'"
        ),
        &["created_at", "id"],
        Order::Ascending,
    ))
    .bind::<Array<SqlUuid>, _>(parents)
    .bind::<Nullable<diesel::sql_types::Timestamptz>, _>(after_at)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .load(conn)
    .await?;
    Ok(page.finish_each(parents, rows))
}

/// Active users among `ids` (invitations go to people who can sign in).
pub async fn active_user_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<Vec<Uuid>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .filter(users::status.eq(UserStatus::Active))
        .select(users::id)
        .load(conn)
        .await?)
}
