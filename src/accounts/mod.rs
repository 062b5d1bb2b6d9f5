//! Getting people in: invitations by email (a single-use link that expires), accounts made by an
//! admin for people without email (a one-time activation code handed over on site), and the
//! org role and communicator capability admins grant.

pub mod activation;
pub mod graphql;
pub mod invitation_email;
pub mod invitations;
pub mod page;

/// How long an invitation link works.
pub const INVITATION_LIFETIME: chrono::Duration = chrono::Duration::days(14);
/// How long an activation code works.
pub const ACTIVATION_CODE_LIFETIME: chrono::Duration = chrono::Duration::days(30);
