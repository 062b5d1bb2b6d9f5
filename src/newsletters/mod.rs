//! Internal newsletters: communicators (and admins) compose one from posts and events they
//! choose and a Markdown intro, preview it, and send it by email to the organization, groups or
//! departments; each recipient's copy holds only what they may see, and its links are tracked
//! (delivery counts, clicks, unique clickers).

pub mod copy;
pub mod graphql;
pub mod loaders;
pub mod model;
pub mod mutations;
pub mod send;

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::policy::{self, Action, Resource};
use model::Newsletter;

pub const TYPE_NAME: &str = "Newsletter";

/// Communicators and admins see, write and send newsletters.
pub fn may_organize(viewer: &Viewer) -> bool {
    policy::can(viewer, Action::Organize, Resource::Organization).allowed()
}

pub fn require_organizer(viewer: &Viewer) -> ApiResult<()> {
    policy::require(
        viewer,
        Action::Organize,
        Resource::Organization,
        TYPE_NAME,
        "Only communicators and admins write and send newsletters.",
    )
}

/// A draft is its author's to change or delete (see `policy`).
pub fn can_edit(viewer: &Viewer, newsletter: &Newsletter) -> bool {
    policy::can(viewer, Action::Edit, Resource::Newsletter(newsletter)).allowed()
}

/// Any communicator or admin may send a draft with something in it, once (see `policy`).
pub fn can_send(viewer: &Viewer, newsletter: &Newsletter) -> bool {
    policy::can(viewer, Action::Post, Resource::Newsletter(newsletter)).allowed()
}
