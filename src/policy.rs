//! The one authorization policy: every path (queries, `node`, subscriptions, downloads, exports)
//! asks these functions who may see and do what. What a viewer may not see is NOT_FOUND.

use crate::auth::Viewer;
use crate::auth::access_tokens::AccessToken;
use crate::users::{OrgRole, User};

/// Members and admins see the whole directory; guests (external people) see only themselves
/// until groups give them more.
pub fn can_view_user(viewer: &Viewer, user: &User) -> bool {
    viewer.id() == user.id || viewer.user.org_role != OrgRole::Guest
}

pub fn can_browse_directory(viewer: &Viewer) -> bool {
    viewer.user.org_role != OrgRole::Guest
}

/// People edit their own profile; admins edit everyone's.
pub fn can_edit_profile(viewer: &Viewer, user: &User) -> bool {
    viewer.id() == user.id || viewer.user.is_admin()
}

/// Email and phone are for colleagues, not for guests.
pub fn can_view_contact_details(viewer: &Viewer, user: &User) -> bool {
    viewer.id() == user.id || viewer.user.org_role != OrgRole::Guest
}

/// Tokens are private to their owner.
pub fn can_view_access_token(viewer: &Viewer, token: &AccessToken) -> bool {
    token.user_id == viewer.id()
}
