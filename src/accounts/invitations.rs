//! The `account_invitations` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::secrets;
use crate::db::schema::account_invitations;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Order, Page, PageRequest};
use crate::users::OrgRole;

/// Serialized (without its token) as audit snapshots.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = account_invitations, check_for_backend(diesel::pg::Pg))]
pub struct AccountInvitation {
    pub id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    pub org_role: OrgRole,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub sent_count: i32,
    pub last_sent_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_user_id: Option<Uuid>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

impl AccountInvitation {
    pub fn current_status(&self) -> InvitationStatus {
        if self.accepted_at.is_some() {
            InvitationStatus::Accepted
        } else if self.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if self.expires_at <= Utc::now() {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }

    /// Not yet accepted or revoked: it can be resent (an expired one too).
    pub fn is_open(&self) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none()
    }
}

pub struct NewInvitation {
    pub email: String,
    pub display_name: Option<String>,
    pub org_role: OrgRole,
    pub invited_by: Uuid,
}

/// Inserts an invitation and returns it with the secret of its link.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    invitation: NewInvitation,
) -> ApiResult<(AccountInvitation, String)> {
    let secret = secrets::generate("pvi_");
    let row = diesel::insert_into(account_invitations::table)
        .values((
            account_invitations::id.eq(Uuid::now_v7()),
            account_invitations::email.eq(&invitation.email),
            account_invitations::display_name.eq(&invitation.display_name),
            account_invitations::org_role.eq(invitation.org_role),
            account_invitations::token_hash.eq(secrets::hash(&secret)),
            account_invitations::invited_by.eq(invitation.invited_by),
            account_invitations::expires_at.eq(Utc::now() + super::INVITATION_LIFETIME),
        ))
        .returning(AccountInvitation::as_returning())
        .get_result(conn)
        .await
        .map_err(|error| match error {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => ApiError::Conflict(format!(
                "{} already has an open invitation; resend it instead.",
                invitation.email
            )),
            other => other.into(),
        })?;
    Ok((row, secret))
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<AccountInvitation>> {
    Ok(account_invitations::table
        .find(id)
        .select(AccountInvitation::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// The open, unexpired invitation a link's secret belongs to, locked (in a transaction) for
/// accepting.
pub async fn find_usable(
    conn: &mut AsyncPgConnection,
    secret: &str,
) -> ApiResult<Option<AccountInvitation>> {
    Ok(account_invitations::table
        .filter(account_invitations::token_hash.eq(secrets::hash(secret)))
        .filter(account_invitations::accepted_at.is_null())
        .filter(account_invitations::revoked_at.is_null())
        .filter(account_invitations::expires_at.gt(Utc::now()))
        .select(AccountInvitation::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// A new link (the old one stops working) and a new expiry.
pub async fn renew(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> ApiResult<(AccountInvitation, String)> {
    let secret = secrets::generate("pvi_");
    let row = diesel::update(account_invitations::table.find(id))
        .set((
            account_invitations::token_hash.eq(secrets::hash(&secret)),
            account_invitations::expires_at.eq(Utc::now() + super::INVITATION_LIFETIME),
            account_invitations::sent_count.eq(account_invitations::sent_count + 1),
            account_invitations::last_sent_at.eq(Utc::now()),
        ))
        .returning(AccountInvitation::as_returning())
        .get_result(conn)
        .await?;
    Ok((row, secret))
}

pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<AccountInvitation> {
    Ok(diesel::update(account_invitations::table.find(id))
        .set(account_invitations::revoked_at.eq(Utc::now()))
        .returning(AccountInvitation::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn mark_accepted(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    user_id: Uuid,
) -> ApiResult<AccountInvitation> {
    Ok(diesel::update(account_invitations::table.find(id))
        .set((
            account_invitations::accepted_at.eq(Utc::now()),
            account_invitations::accepted_user_id.eq(user_id),
        ))
        .returning(AccountInvitation::as_returning())
        .get_result(conn)
        .await?)
}

/// Newest first.
pub type Cursor = (DateTime<Utc>, Uuid);

/// Invitations newest first; `open_only` keeps those not accepted or revoked.
pub async fn page(
    conn: &mut AsyncPgConnection,
    open_only: bool,
    page: &PageRequest<Cursor>,
) -> ApiResult<Page<AccountInvitation>> {
    let filtered = || {
        let mut query = account_invitations::table.into_boxed();
        if open_only {
            query = query
                .filter(account_invitations::accepted_at.is_null())
                .filter(account_invitations::revoked_at.is_null());
        }
        query
    };
    let mut query = filtered()
        .select(AccountInvitation::as_select())
        .order(page.order_by(
            &["account_invitations.created_at", "account_invitations.id"],
            Order::Descending,
        ))
        .limit(page.fetch_limit());
    if let Some(beyond) = page.beyond_cursor(
        "account_invitations.created_at, account_invitations.id",
        Order::Descending,
    ) {
        query = query.filter(beyond);
    }
    let rows = query.load(conn).await?;
    let total_count = filtered().count().get_result(conn).await?;
    Ok(page.finish(rows, total_count))
}

/// What a person gives when they accept an invitation.
pub struct Acceptance {
    pub secret: String,
    /// Derived from the email when absent.
    pub username: Option<String>,
    /// The invitation's, or the email's local part, when absent.
    pub display_name: Option<String>,
    pub password: String,
}

/// Makes the invited person's account and spends the invitation. The link and the names are
/// checked before the password is hashed, so a wrong link costs no hashing; the invitation is
/// then locked and checked again in the transaction that spends it.
pub async fn accept(
    services: &crate::services::Services,
    client: &crate::auth::Client,
    acceptance: Acceptance,
) -> ApiResult<crate::users::User> {
    use diesel_async::AsyncConnection;

    use crate::users::model as users;

    let invitation = {
        let mut conn = services.pool.get().await?;
        find_usable(&mut conn, &acceptance.secret)
            .await?
            .ok_or_else(unusable)?
    };
    let mut user = account_for(&invitation, &acceptance)?;
    user.password_hash =
        Some(crate::auth::password::hash_limited(services, client, acceptance.password).await?);
    let mut conn = services.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let invitation = find_usable(conn, &acceptance.secret)
            .await?
            .ok_or_else(unusable)?;
        let user = users::insert(conn, &user).await?;
        mark_accepted(conn, invitation.id, user.id).await?;
        Ok(user)
    })
    .await
}

fn unusable() -> ApiError {
    ApiError::bad_input(
        "token",
        "this invitation link is invalid, has expired or was already used",
    )
}

/// The account an invitation makes, with the names the person chose (or the invitation's).
fn account_for(
    invitation: &AccountInvitation,
    acceptance: &Acceptance,
) -> ApiResult<crate::users::NewUser> {
    use crate::validation;

    let local_part = invitation
        .email
        .split_once('@')
        .map_or(invitation.email.as_str(), |(local, _)| local);
    let username = match &acceptance.username {
        Some(username) => validation::username("username", username)?,
        None => validation::username("username", &validation::ascii_fold(local_part))?,
    };
    let display_name = match acceptance.display_name.as_deref() {
        Some(name) => validation::display_name("displayName", name)?,
        None => invitation
            .display_name
            .clone()
            .unwrap_or_else(|| local_part.to_owned()),
    };
    let mut user = crate::users::NewUser::new(username, display_name);
    user.email = Some(invitation.email.clone());
    user.org_role = invitation.org_role;
    user.created_by = invitation.invited_by;
    Ok(user)
}
