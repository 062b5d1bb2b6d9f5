//! Whom a viewer may see, and what they see of them: the one rule behind every GraphQL field and
//! every export that shows people. `policy::can` decides (members and admins see the whole
//! directory, guests themselves and the members of their groups; contact details are not for
//! guests); this module gathers the one fact it needs (whether a guest shares a group with each
//! person, one statement for a whole list) and turns the decision into what a row shows.
//!
//! GraphQL fields that return people go through `users::loading::visible_people` or
//! `visible_person`; exports build their rows with `Sight::row`.

use std::collections::HashSet;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{OrgRole, User, model};
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::policy::{self, Action, Resource};

/// What an export shows in place of the name of someone the viewer may not see.
pub const MASKED_NAME: &str = "(hidden)";

/// What one person's row shows a viewer: `User.email` and `User.phone` in GraphQL, and every
/// export's columns about people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonRow<'a> {
    pub name: &'a str,
    pub department: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

impl<'a> PersonRow<'a> {
    const MASKED: Self = Self {
        name: MASKED_NAME,
        department: None,
        email: None,
        phone: None,
    };

    /// The row of `user` for `viewer`; `shares_group` says whether they share a group (it
    /// matters only for guests looking at others).
    pub fn of(viewer: &Viewer, user: &'a User, shares_group: bool) -> Self {
        let resource = Resource::User { user, shares_group };
        if !policy::can(viewer, Action::View, resource).allowed() {
            return Self::MASKED;
        }
        let contact = policy::can(viewer, Action::ViewContactDetails, resource).allowed();
        Self {
            name: &user.display_name,
            department: user.department.as_deref(),
            email: user.email.as_deref().filter(|_| contact),
            phone: user.phone.as_deref().filter(|_| contact),
        }
    }
}

/// Guests see others only through a shared group, which takes a database look-up.
pub fn needs_shared_group(viewer: &Viewer, user: &User) -> bool {
    viewer.user.org_role == OrgRole::Guest && viewer.id() != user.id
}

/// Whether any of `people` needs the look-up (so callers fetch a connection only then).
pub fn needs_look_up<'p>(viewer: &Viewer, people: impl IntoIterator<Item = &'p User>) -> bool {
    people
        .into_iter()
        .any(|user| needs_shared_group(viewer, user))
}

/// The directory a viewer lists: `None` for the whole of it, else the person whose groups limit
/// it (see `model::in_groups_of`).
pub fn directory_limit(viewer: &Viewer) -> Option<Uuid> {
    let whole = policy::can(viewer, Action::View, Resource::Organization).allowed();
    (!whole).then(|| viewer.id())
}

/// People as one viewer sees them, with the facts gathered once for a whole list.
pub struct Sight<'v> {
    viewer: &'v Viewer,
    in_shared_groups: HashSet<Uuid>,
}

impl<'v> Sight<'v> {
    /// For viewers who need no look-up for these people (see `needs_look_up`).
    pub fn without_look_up(viewer: &'v Viewer) -> Self {
        Self {
            viewer,
            in_shared_groups: HashSet::new(),
        }
    }

    /// One statement for guests, none for anyone else.
    pub async fn of<'p>(
        conn: &mut AsyncPgConnection,
        viewer: &'v Viewer,
        people: impl IntoIterator<Item = &'p User>,
    ) -> ApiResult<Self> {
        let others: Vec<Uuid> = people
            .into_iter()
            .filter(|user| needs_shared_group(viewer, user))
            .map(|user| user.id)
            .collect();
        if others.is_empty() {
            return Ok(Self::without_look_up(viewer));
        }
        let in_shared_groups = model::in_groups_of_among(conn, viewer.id(), &others)
            .await?
            .into_iter()
            .collect();
        Ok(Self {
            viewer,
            in_shared_groups,
        })
    }

    pub fn sees(&self, user: &User) -> bool {
        let shares_group = self.in_shared_groups.contains(&user.id);
        policy::can(
            self.viewer,
            Action::View,
            Resource::User { user, shares_group },
        )
        .allowed()
    }

    pub fn row<'a>(&self, user: &'a User) -> PersonRow<'a> {
        PersonRow::of(self.viewer, user, self.in_shared_groups.contains(&user.id))
    }
}

/// Whether the viewer may see `user`; asks the database only for guests looking at others.
pub async fn visible_to(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    user: &User,
) -> ApiResult<bool> {
    Ok(Sight::of(conn, viewer, [user]).await?.sees(user))
}
