//! Invitations, activation codes and access changes over GraphQL. Admins run them (each is
//! audited); accepting an invitation and activating an account are for signed-out people.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::invitations::{self, Acceptance, AccountInvitation, InvitationStatus, NewInvitation};
use super::{ACTIVATION_CODE_LIFETIME, activation, invitation_email};
use crate::audit::{Audit, Change};
use crate::auth::request::start_session;
use crate::db::ConnectionFn;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::graphql::connection::{PageConnection, connection};
use crate::graphql::context::ContextExt;
use crate::graphql::ids;
use crate::pagination::PageRequest;
use crate::users::TYPE_NAME as USER_TYPE;
use crate::users::graphql::OrgRoleGql;
use crate::users::{NewUser, OrgRole, User, UserStatus, model as users};
use crate::validation::{self, Limit};

pub const TYPE_NAME: &str = "AccountInvitation";

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AccountInvitationStatus", remote = "InvitationStatus")]
pub enum InvitationStatusGql {
    /// Waiting for the person to use the link.
    Pending,
    Accepted,
    /// The link is too old; resend it.
    Expired,
    Revoked,
}

/// An invitation to join by email (admins see them).
#[Object(name = "AccountInvitation")]
impl AccountInvitation {
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    async fn email(&self) -> &str {
        &self.email
    }
    async fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }
    /// The role the account gets.
    async fn org_role(&self) -> OrgRoleGql {
        self.org_role.into()
    }
    async fn status(&self) -> InvitationStatusGql {
        self.current_status().into()
    }
    async fn invited_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::load_optional(ctx, self.invited_by).await
    }
    /// The account made from it, once accepted.
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::load_optional(ctx, self.accepted_user_id).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
    /// How many links were made (1, plus one per resend).
    async fn sent_count(&self) -> i32 {
        self.sent_count
    }
    async fn last_sent_at(&self) -> DateTime<Utc> {
        self.last_sent_at
    }
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.accepted_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }
    /// Not yet accepted or revoked (expired ones can be resent).
    async fn viewer_can_resend(&self) -> bool {
        self.is_open()
    }
    async fn viewer_can_revoke(&self) -> bool {
        self.is_open()
    }
}

/// `node(id:)` for invitations: admins only, NOT_FOUND for anyone else.
pub async fn load_visible(ctx: &Context<'_>, id: Uuid) -> ApiResult<AccountInvitation> {
    ctx.require_admin()
        .map_err(|_| ApiError::NotFound(TYPE_NAME))?;
    let mut conn = ctx.conn().await?;
    invitations::find(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// Invitations, newest first (admins); `openOnly` keeps those not accepted or revoked.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn account_invitations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] open_only: bool,
    ) -> ApiResult<PageConnection<AccountInvitation>> {
        ctx.require_admin()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let mut conn = ctx.conn().await?;
        let page = invitations::page(&mut conn, open_only, &page).await?;
        Ok(connection(page, |row| (row.created_at, row.id), |row| row))
    }
}

#[derive(InputObject)]
pub struct InviteUserInput {
    pub email: String,
    /// Suggested to the person, who may change it.
    pub display_name: Option<String>,
    /// MEMBER when omitted.
    pub org_role: Option<OrgRoleGql>,
}

/// The link is shown only here (it is stored hashed). When the server sends email (SMTP is
/// configured) it is emailed to the person too; otherwise pass it on yourself.
#[derive(SimpleObject)]
pub struct InvitationPayload {
    pub invitation: AccountInvitation,
    /// Single use; works until `invitation.expiresAt`.
    pub invitation_url: String,
}

#[derive(InputObject)]
pub struct ResendInvitationInput {
    pub invitation_id: ID,
}

#[derive(InputObject)]
pub struct RevokeInvitationInput {
    pub invitation_id: ID,
}

#[derive(SimpleObject)]
pub struct RevokeInvitationPayload {
    pub invitation: AccountInvitation,
}

#[derive(InputObject)]
pub struct AcceptInvitationInput {
    /// The secret at the end of the invitation link.
    pub token: String,
    pub password: String,
    /// Made from the email when omitted.
    pub username: Option<String>,
    /// The invitation's suggestion when omitted.
    pub display_name: Option<String>,
}

/// The person is signed in (the session cookie is set).
#[derive(SimpleObject)]
pub struct SignedInPayload {
    pub user: User,
    pub session_expires_at: DateTime<Utc>,
}

#[derive(InputObject)]
pub struct CreateAccountInput {
    pub username: String,
    pub display_name: String,
    /// MEMBER when omitted.
    pub org_role: Option<OrgRoleGql>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
}

/// The code is shown only here: hand it over with the username.
#[derive(SimpleObject)]
pub struct ActivationCodePayload {
    pub user: User,
    pub activation_code: String,
    pub activation_code_expires_at: DateTime<Utc>,
}

#[derive(InputObject)]
pub struct RenewActivationCodeInput {
    pub user_id: ID,
}

#[derive(InputObject)]
pub struct ActivateAccountInput {
    pub username: String,
    /// As handed over, dashes and case ignored.
    pub activation_code: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct UpdateUserAccessInput {
    pub user_id: ID,
    pub org_role: Option<OrgRoleGql>,
    /// May publish to the whole organization (members only; admins always may).
    pub communicator: Option<bool>,
}

#[derive(SimpleObject)]
pub struct UpdateUserAccessPayload {
    pub user: User,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Invites a person by email (admins): a single-use link that makes their account.
    async fn invite_user(
        &self,
        ctx: &Context<'_>,
        input: InviteUserInput,
    ) -> ApiResult<InvitationPayload> {
        ctx.require_admin()?;
        let audit = Audit::of(ctx)?;
        let email = validation::email("email", &input.email)?;
        let display_name = input
            .display_name
            .map(|name| validation::display_name("displayName", &name))
            .transpose()?;
        let invitation = NewInvitation {
            email,
            display_name,
            org_role: input.org_role.map_or(OrgRole::Member, Into::into),
            invited_by: ctx.viewer()?.id(),
        };
        let services = ctx.services();
        let inviter = &ctx.viewer()?.user;
        let mut conn = ctx.conn().await?;
        let (invitation, secret) = conn
            .transaction::<_, ApiError, _>(async |conn| {
                if users::find_by_email(conn, &invitation.email)
                    .await?
                    .is_some()
                {
                    return Err(ApiError::Conflict(format!(
                        "{} already has an account.",
                        invitation.email
                    )));
                }
                let (row, secret) = invitations::insert(conn, invitation).await?;
                audit
                    .record(conn, Change::of(TYPE_NAME, row.id).after(&row)?)
                    .await?;
                let url = super::page::url(services, &secret);
                invitation_email::enqueue(conn, services, &row, &url, inviter).await?;
                Ok((row, secret))
            })
            .await?;
        Ok(payload(ctx, invitation, &secret))
    }

    /// Makes a new link for an invitation not yet used (the old link stops working) and starts
    /// its time again (admins).
    async fn resend_invitation(
        &self,
        ctx: &Context<'_>,
        input: ResendInvitationInput,
    ) -> ApiResult<InvitationPayload> {
        let id = invitation_id(ctx, &input.invitation_id)?;
        let services = ctx.services();
        let inviter = &ctx.viewer()?.user;
        let (invitation, secret) = change_open_invitation(ctx, id, async |conn| {
            let (row, secret) = invitations::renew(conn, id).await?;
            let url = super::page::url(services, &secret);
            invitation_email::enqueue(conn, services, &row, &url, inviter).await?;
            Ok((row, secret))
        })
        .await?;
        Ok(payload(ctx, invitation, &secret))
    }

    /// Stops an invitation's link from working (admins).
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        input: RevokeInvitationInput,
    ) -> ApiResult<RevokeInvitationPayload> {
        let id = invitation_id(ctx, &input.invitation_id)?;
        let (invitation, ()) = change_open_invitation(ctx, id, async |conn| {
            Ok((invitations::revoke(conn, id).await?, ()))
        })
        .await?;
        Ok(RevokeInvitationPayload { invitation })
    }

    /// Uses an invitation link: makes the account and signs the person in. One password is set
    /// per HTTP request (a batch included).
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        input: AcceptInvitationInput,
    ) -> ApiResult<SignedInPayload> {
        validation::max_chars("token", &input.token, Limit::SHORT_TEXT)?;
        let user = invitations::accept(
            ctx.services(),
            &ctx.request().client,
            Acceptance {
                secret: input.token,
                username: input.username,
                display_name: input.display_name,
                password: input.password,
            },
        )
        .await?;
        signed_in(ctx, user).await
    }

    /// Makes an account for a person without email (admins): it stays pending until the person
    /// activates it with the username and the one-time code returned here.
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        input: CreateAccountInput,
    ) -> ApiResult<ActivationCodePayload> {
        ctx.require_admin()?;
        let audit = Audit::of(ctx)?;
        let optional = |field: &str, value: Option<String>| -> ApiResult<Option<String>> {
            let value = value.map(|text| text.trim().to_owned());
            if let Some(text) = &value {
                validation::max_chars(field, text, Limit::SHORT_TEXT)?;
            }
            Ok(value.filter(|text| !text.is_empty()))
        };
        let mut user = NewUser::new(
            validation::username("username", &input.username)?,
            validation::display_name("displayName", &input.display_name)?,
        );
        user.org_role = input.org_role.map_or(OrgRole::Member, Into::into);
        user.title = optional("title", input.title)?;
        user.department = optional("department", input.department)?;
        user.site = optional("site", input.site)?;
        user.status = UserStatus::Pending;
        user.activated_at = None;
        user.created_by = Some(ctx.viewer()?.id());
        let code = activation::new_code();
        let expires_at = Utc::now() + ACTIVATION_CODE_LIFETIME;
        user.activation_code_hash = Some(activation::hash(&code));
        user.activation_expires_at = Some(expires_at);
        let mut conn = ctx.conn().await?;
        let user = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let user = users::insert(conn, &user).await?;
                audit
                    .record(conn, Change::of(USER_TYPE, user.id).after(&user)?)
                    .await?;
                Ok(user)
            })
            .await?;
        Ok(ActivationCodePayload {
            user,
            activation_code: code,
            activation_code_expires_at: expires_at,
        })
    }

    /// A new activation code for a pending account (the old one stops working; admins).
    async fn renew_activation_code(
        &self,
        ctx: &Context<'_>,
        input: RenewActivationCodeInput,
    ) -> ApiResult<ActivationCodePayload> {
        ctx.require_admin()?;
        let id = ids::decode_as(&input.user_id, USER_TYPE, "userId")?;
        let code = activation::new_code();
        let expires_at = Utc::now() + ACTIVATION_CODE_LIFETIME;
        let user = change_user(
            ctx,
            id,
            |before| match before.status {
                UserStatus::Pending => Ok(()),
                _ => Err(ApiError::Conflict(
                    "This account is already activated.".into(),
                )),
            },
            async |conn| activation::set_code(conn, id, &code, expires_at).await,
        )
        .await?;
        Ok(ActivationCodePayload {
            user,
            activation_code: code,
            activation_code_expires_at: expires_at,
        })
    }

    /// Activates a pending account with its username and code, sets its first password and
    /// signs the person in. Attempts are throttled like password sign-ins, and one password is
    /// set per HTTP request (a batch included).
    async fn activate_account(
        &self,
        ctx: &Context<'_>,
        input: ActivateAccountInput,
    ) -> ApiResult<SignedInPayload> {
        validation::max_chars("username", &input.username, Limit::USERNAME)?;
        validation::max_chars("activationCode", &input.activation_code, Limit::SHORT_TEXT)?;
        let user = activation::activate_with_code(
            ctx.services(),
            &ctx.request().client,
            &input.username,
            &input.activation_code,
            input.password,
        )
        .await?;
        signed_in(ctx, user).await
    }

    /// Changes a person's org role or communicator capability (admins, not on themselves).
    async fn update_user_access(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserAccessInput,
    ) -> ApiResult<UpdateUserAccessPayload> {
        ctx.require_admin()?;
        let viewer = ctx.viewer()?;
        let id = ids::decode_as(&input.user_id, USER_TYPE, "userId")?;
        if id == viewer.id() {
            return Err(ApiError::Forbidden(
                "Admins may not change their own access (another admin must).".into(),
            ));
        }
        let role: Option<OrgRole> = input.org_role.map(Into::into);
        let services = ctx.services().clone();
        let user = change_user(
            ctx,
            id,
            |before| {
                let communicator = input.communicator.unwrap_or(before.communicator);
                if communicator && role.unwrap_or(before.org_role) == OrgRole::Guest {
                    return Err(ApiError::bad_input(
                        "communicator",
                        "guests cannot publish to the whole organization",
                    ));
                }
                Ok(())
            },
            async |conn| {
                let after = users::set_access(conn, id, role, input.communicator).await?;
                services
                    .events
                    .publish(conn, &Event::UserUpdated { id })
                    .await?;
                Ok(after)
            },
        )
        .await?;
        Ok(UpdateUserAccessPayload { user })
    }
}

fn payload(ctx: &Context<'_>, invitation: AccountInvitation, secret: &str) -> InvitationPayload {
    InvitationPayload {
        invitation,
        invitation_url: super::page::url(ctx.services(), secret),
    }
}

/// An invitation's id, for admins only.
fn invitation_id(ctx: &Context<'_>, id: &ID) -> ApiResult<Uuid> {
    ctx.require_admin()?;
    ids::decode_as(id, TYPE_NAME, "invitationId")
}

/// Changes an invitation not yet accepted or revoked (admins), audited with its before and after;
/// `change` returns the invitation as changed and what else the caller needs (a new link's secret).
async fn change_open_invitation<T, F>(
    ctx: &Context<'_>,
    id: Uuid,
    change: F,
) -> ApiResult<(AccountInvitation, T)>
where
    T: Send,
    F: for<'c> ConnectionFn<'c, ApiResult<(AccountInvitation, T)>> + Send,
{
    let audit = Audit::of(ctx)?;
    let mut conn = ctx.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = lock_open(conn, id).await?;
        let (after, extra) = change(conn).await?;
        let entry = Change::of(TYPE_NAME, id).before(&before)?.after(&after)?;
        audit.record(conn, entry).await?;
        Ok((after, extra))
    })
    .await
}

/// Changes a person's account (admins), audited with its before and after, in one transaction
/// holding the account's row lock: `check` judges the account as it is under the lock, `change`
/// writes it and returns it as changed.
async fn change_user<F>(
    ctx: &Context<'_>,
    id: Uuid,
    check: impl FnOnce(&User) -> ApiResult<()> + Send,
    change: F,
) -> ApiResult<User>
where
    F: for<'c> ConnectionFn<'c, ApiResult<User>> + Send,
{
    let audit = Audit::of(ctx)?;
    let mut conn = ctx.conn().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = users::lock(conn, id)
            .await?
            .ok_or(ApiError::NotFound(USER_TYPE))?;
        check(&before)?;
        let after = change(conn).await?;
        let entry = Change::of(USER_TYPE, id).before(&before)?.after(&after)?;
        audit.record(conn, entry).await?;
        Ok(after)
    })
    .await
}

/// The invitation, locked; CONFLICT once it was accepted or revoked.
async fn lock_open(
    conn: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
) -> ApiResult<AccountInvitation> {
    let invitation = invitations::find(conn, id)
        .await?
        .ok_or(ApiError::NotFound(TYPE_NAME))?;
    if !invitation.is_open() {
        return Err(ApiError::Conflict(
            "This invitation was already accepted or revoked.".into(),
        ));
    }
    Ok(invitation)
}

async fn signed_in(ctx: &Context<'_>, user: User) -> ApiResult<SignedInPayload> {
    let session_expires_at = start_session(ctx, &user).await?;
    Ok(SignedInPayload {
        user,
        session_expires_at,
    })
}
