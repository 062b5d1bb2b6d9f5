//! The inputs and payloads of the account mutations.

use super::*;

/// The person to invite.
#[derive(InputObject)]
pub struct InviteUserInput {
    /// Their email address; CONFLICT when it already has an account or an open invitation.
    pub email: String,
    /// Suggested to the person, who may change it (1 to 100 characters).
    pub display_name: Option<String>,
    /// MEMBER when omitted.
    pub org_role: Option<OrgRoleGql>,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The invitation, as it now stands.
    pub invitation: AccountInvitation,
    /// Single use; works until `invitation.expiresAt`.
    pub invitation_url: String,
}
    /// The result of `inviteUser`: the invitation sent.
    InviteUserPayload;
    /// The result of `resendInvitation`: the invitation, sent again with a new link.
    ResendInvitationPayload;
}

/// The invitation to send again.
#[derive(InputObject)]
pub struct ResendInvitationInput {
    /// The global ID of an invitation not yet accepted or revoked.
    pub invitation_id: ID,
}

/// The invitation to revoke.
#[derive(InputObject)]
pub struct RevokeInvitationInput {
    /// The global ID of an invitation not yet accepted or revoked.
    pub invitation_id: ID,
}

/// The invitation after `revokeInvitation`.
#[derive(SimpleObject)]
pub struct RevokeInvitationPayload {
    /// The invitation, now REVOKED.
    pub invitation: AccountInvitation,
}

/// The invitation link's secret and the new account's password and names.
#[derive(InputObject)]
pub struct AcceptInvitationInput {
    /// The secret at the end of the invitation link.
    pub token: String,
    /// The account's password, 10 to 256 characters.
    pub password: String,
    /// 2 to 40 of `a-z 0-9 . _ -`, starting with a letter or digit; made from the email's local
    /// part when omitted.
    pub username: Option<String>,
    /// 1 to 100 characters; the invitation's suggestion (else the email's local part) when
    /// omitted.
    pub display_name: Option<String>,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The person now signed in.
    pub user: User,
    /// When the session cookie stops working.
    pub session_expires_at: DateTime<Utc>,
}
    /// The result of `acceptInvitation`: the new account, signed in.
    AcceptInvitationPayload;
    /// The result of `activateAccount`: the activated account, signed in.
    ActivateAccountPayload;
}

/// The account to make for a person without email.
#[derive(InputObject)]
pub struct CreateAccountInput {
    /// 2 to 40 of `a-z 0-9 . _ -`, starting with a letter or digit; the person signs in with it.
    pub username: String,
    /// 1 to 100 characters.
    pub display_name: String,
    /// MEMBER when omitted.
    pub org_role: Option<OrgRoleGql>,
    /// Job title, up to 100 characters.
    pub title: Option<String>,
    /// Up to 100 characters; groups with membership rules take the person in once they activate.
    pub department: Option<String>,
    /// Site or location, up to 100 characters (membership rules follow it too).
    pub site: Option<String>,
}

crate::one_type_per_mutation! {
    #[derive(SimpleObject)]
    struct {
    /// The pending account.
    pub user: User,
    /// The one-time code, e.g. `K7QF-9XMD-2PWA` (12 letters and digits that cannot be misread).
    pub activation_code: String,
    /// When the code stops working (30 days after it was made).
    pub activation_code_expires_at: DateTime<Utc>,
}
    /// The result of `createAccount`: where the activation code was sent.
    CreateAccountPayload;
    /// The result of `renewActivationCode`: where the new code was sent.
    RenewActivationCodePayload;
}

/// The pending account that needs a new code.
#[derive(InputObject)]
pub struct RenewActivationCodeInput {
    /// The global ID of a PENDING person.
    pub user_id: ID,
}

/// The pending account to activate, its code and its first password.
#[derive(InputObject)]
pub struct ActivateAccountInput {
    /// The username the admin handed over.
    pub username: String,
    /// As handed over, dashes and case ignored.
    pub activation_code: String,
    /// The account's first password, 10 to 256 characters.
    pub password: String,
}

/// The person whose access changes; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateUserAccessInput {
    /// The person's global ID (not the viewer's own).
    pub user_id: ID,
    /// Their new role in the organization.
    pub org_role: Option<OrgRoleGql>,
    /// May publish to the whole organization (members only; admins always may).
    pub communicator: Option<bool>,
}

/// The person after `updateUserAccess`.
#[derive(SimpleObject)]
pub struct UpdateUserAccessPayload {
    /// The person, with their new access.
    pub user: User,
}
