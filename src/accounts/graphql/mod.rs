//! Invitations, activation codes and access changes over GraphQL. Admins run them (each is
//! audited); accepting an invitation and activating an account are for signed-out people.

mod inputs;

pub use inputs::*;

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

/// Where an invitation to join the organization stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AccountInvitationStatus", remote = "InvitationStatus")]
pub enum InvitationStatusGql {
    /// Waiting for the person to use the link.
    Pending,
    /// The person used the link: their account exists (`AccountInvitation.user`).
    Accepted,
    /// The link is too old; resend it.
    Expired,
    /// An admin stopped the link from working.
    Revoked,
}

/// An invitation to join by email (admins see them).
#[Object(name = "AccountInvitation")]
impl AccountInvitation {
    /// Opaque global identifier.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE_NAME, self.id)
    }
    /// The address invited, lower-cased; the account gets it.
    async fn email(&self) -> &str {
        &self.email
    }
    /// The name suggested to the person, who may change it; null for none.
    async fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }
    /// The role the account gets.
    async fn org_role(&self) -> OrgRoleGql {
        self.org_role.into()
    }
    /// Where the invitation stands now.
    async fn status(&self) -> InvitationStatusGql {
        self.current_status().into()
    }
    /// The admin who invited the person; null when unknown.
    async fn invited_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::load_optional(ctx, self.invited_by).await
    }
    /// The account made from it, once accepted.
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        crate::users::loading::load_optional(ctx, self.accepted_user_id).await
    }
    /// When the person was first invited.
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    /// When the current link stops working (14 days after it was sent).
    async fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
    /// How many links were made (1, plus one per resend).
    async fn sent_count(&self) -> i32 {
        self.sent_count
    }
    /// When the current link was made.
    async fn last_sent_at(&self) -> DateTime<Utc> {
        self.last_sent_at
    }
    /// When the person used the link; null until then.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.accepted_at
    }
    /// When an admin revoked the invitation; null unless revoked.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }
    /// Not yet accepted or revoked (expired ones can be resent).
    async fn viewer_can_resend(&self) -> bool {
        self.is_open()
    }
    /// Not yet accepted or revoked: `revokeInvitation` would succeed.
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
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn account_invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start, or after `after` (at most 100; default 20)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "A cursor from a previous page's `pageInfo.endCursor`; returns the items after it."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end, or before `before` (at most 100), paging backwards; not with `first` or `after`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "A cursor from a page's `pageInfo.startCursor`; returns the items before it, paging backwards."
        )]
        before: Option<String>,
        #[graphql(
            default = false,
            desc = "Only invitations not yet accepted or revoked (expired ones included)."
        )]
        open_only: bool,
    ) -> ApiResult<PageConnection<AccountInvitation>> {
        ctx.require_admin()?;
        let page = PageRequest::parse(first, after.as_deref(), last, before.as_deref())?;
        let mut conn = ctx.conn().await?;
        let page = invitations::page(&mut conn, open_only, &page).await?;
        Ok(connection(page, |row| (row.created_at, row.id), |row| row))
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Invites a person by email (admins): a single-use link that makes their account.
    async fn invite_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person to invite.")] input: InviteUserInput,
    ) -> ApiResult<InviteUserPayload> {
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
        #[graphql(desc = "The invitation to send again.")] input: ResendInvitationInput,
    ) -> ApiResult<ResendInvitationPayload> {
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
        #[graphql(desc = "The invitation to revoke.")] input: RevokeInvitationInput,
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
        #[graphql(desc = "The link's secret and the new account's password and names.")]
        input: AcceptInvitationInput,
    ) -> ApiResult<AcceptInvitationPayload> {
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
        #[graphql(desc = "The account to make.")] input: CreateAccountInput,
    ) -> ApiResult<CreateAccountPayload> {
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
        Ok(CreateAccountPayload {
            user,
            activation_code: code,
            activation_code_expires_at: expires_at,
        })
    }

    /// A new activation code for a pending account (the old one stops working; admins).
    async fn renew_activation_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pending account that needs a new code.")]
        input: RenewActivationCodeInput,
    ) -> ApiResult<RenewActivationCodePayload> {
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
        Ok(RenewActivationCodePayload {
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
        #[graphql(desc = "The username, its activation code and the first password.")]
        input: ActivateAccountInput,
    ) -> ApiResult<ActivateAccountPayload> {
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
        #[graphql(desc = "The person and their new role or communicator capability.")]
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

/// What `inviteUser` and `resendInvitation` answer: the invitation and its one-time link.
fn payload<P: From<(AccountInvitation, String)>>(
    ctx: &Context<'_>,
    invitation: AccountInvitation,
    secret: &str,
) -> P {
    P::from((invitation, super::page::url(ctx.services(), secret)))
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

/// What `acceptInvitation` and `activateAccount` answer: the person, signed in.
async fn signed_in<P: From<(User, DateTime<Utc>)>>(ctx: &Context<'_>, user: User) -> ApiResult<P> {
    let session_expires_at = start_session(ctx, &user).await?;
    Ok(P::from((user, session_expires_at)))
}
