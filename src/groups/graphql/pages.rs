//! The lists a group's fields read through DataLoaders: pinned posts, and the pages of its
//! members, join requests and invitations (one statement for every group of a response).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::GroupRole;
use super::super::model::{self, Invitation, InvitationsOf, JoinRequest, Member};
use crate::error::ApiResult;
use crate::graphql::loaders::{ChildPages, ChildrenOf};
use crate::pagination::{Page, PageRequest};
use crate::users::model::DirectoryCursor;

/// The posts pinned in groups, in order.
pub struct PinnedPosts;

impl ChildrenOf for PinnedPosts {
    type Args = ();
    type Value = Vec<crate::posts::Post>;

    fn load(
        conn: &mut AsyncPgConnection,
        groups: &[Uuid],
        _: &(),
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Self::Value>>> + Send {
        model::pinned_posts(conn, groups)
    }
}

/// The members of groups by name, optionally of one role.
pub struct MemberPages;

impl ChildPages for MemberPages {
    type Args = (PageRequest<DirectoryCursor>, Option<GroupRole>);
    type Item = Member;

    fn pages(
        conn: &mut AsyncPgConnection,
        groups: &[Uuid],
        (page, role): &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Page<Member>>>> + Send {
        model::member_pages(conn, groups, *role, page)
    }
}

/// The pending join requests of groups, oldest first.
pub struct JoinRequestPages;

impl ChildPages for JoinRequestPages {
    type Args = PageRequest<(DateTime<Utc>, Uuid)>;
    type Item = JoinRequest;

    fn pages(
        conn: &mut AsyncPgConnection,
        groups: &[Uuid],
        page: &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Page<JoinRequest>>>> + Send {
        model::pending_join_request_pages(conn, groups, page)
    }
}

/// The pending invitations of groups, oldest first.
pub struct InvitationPages;

impl ChildPages for InvitationPages {
    type Args = PageRequest<(DateTime<Utc>, Uuid)>;
    type Item = Invitation;

    fn pages(
        conn: &mut AsyncPgConnection,
        groups: &[Uuid],
        page: &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Page<Invitation>>>> + Send {
        model::pending_invitation_pages(conn, InvitationsOf::Group, groups, page)
    }
}
