//! The group tables and the queries on them: groups here, and by theme the viewer's access and
//! lists of groups, memberships, join requests and invitations.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{groups, post_pins, posts};
use crate::error::{ApiError, ApiResult};
use crate::pagination::lists_by_parent;
use crate::posts::Post;
use crate::text_enum;

mod access;
mod members;
mod requests;

pub use access::*;
pub use members::*;
pub use requests::*;

text_enum! {
    /// Who sees a group.
    pub enum Visibility {
        /// Every member of the organization sees it and its content.
        Public => "public",
        /// Listed with name and description; content for members only.
        Private => "private",
        /// Invisible to non-members.
        Secret => "secret",
    }
}

text_enum! {
    /// How people become members.
    pub enum JoinPolicy {
        Open => "open",
        Request => "request",
        InviteOnly => "invite_only",
    }
}

text_enum! {
    /// Who may post.
    pub enum PostingPolicy {
        Members => "members",
        /// Announcement groups.
        Managers => "managers",
    }
}

text_enum! {
    pub enum GroupRole {
        Owner => "owner",
        Manager => "manager",
        Member => "member",
    }
}

impl GroupRole {
    /// Owners and managers run the group.
    pub fn manages(self) -> bool {
        matches!(self, Self::Owner | Self::Manager)
    }

    /// Higher runs more of the group.
    pub fn rank(self) -> u8 {
        match self {
            Self::Owner => 2,
            Self::Manager => 1,
            Self::Member => 0,
        }
    }
}

text_enum! {
    pub enum RequestStatus {
        Pending => "pending",
        Approved => "approved",
        Declined => "declined",
        Cancelled => "cancelled",
    }
}

text_enum! {
    pub enum InvitationStatus {
        Pending => "pending",
        Accepted => "accepted",
        Declined => "declined",
    }
}

/// Serialized as audit snapshots; read from JSON where a statement brings groups along with
/// other rows (`access_json_sql`).
#[derive(
    Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize, serde::Deserialize,
)]
#[diesel(table_name = groups, check_for_backend(diesel::pg::Pg))]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    pub posting_policy: PostingPolicy,
    /// Who may create the group's events (members, or managers only).
    pub event_policy: PostingPolicy,
    /// Who may add and change files in the group's drive.
    pub drive_policy: PostingPolicy,
    /// Uploaded images shown as the group's avatar and cover.
    pub avatar_attachment_id: Option<Uuid>,
    pub cover_attachment_id: Option<Uuid>,
    pub archived_at: Option<DateTime<Utc>>,
    pub member_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = groups)]
pub struct NewGroup {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    pub posting_policy: PostingPolicy,
    pub created_by: Option<Uuid>,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = groups)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<Visibility>,
    pub join_policy: Option<JoinPolicy>,
    pub posting_policy: Option<PostingPolicy>,
    pub event_policy: Option<PostingPolicy>,
    pub drive_policy: Option<PostingPolicy>,
    /// Set once the new images are claimed (see `attachments::service::claim_new_image`).
    pub avatar_attachment_id: Option<Option<Uuid>>,
    pub cover_attachment_id: Option<Option<Uuid>>,
}

impl GroupChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.slug.is_none()
            && self.description.is_none()
            && self.visibility.is_none()
            && self.join_policy.is_none()
            && self.posting_policy.is_none()
            && self.event_policy.is_none()
            && self.drive_policy.is_none()
            && self.avatar_attachment_id.is_none()
            && self.cover_attachment_id.is_none()
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, group: &NewGroup) -> ApiResult<Group> {
    diesel::insert_into(groups::table)
        .values(group)
        .returning(Group::as_returning())
        .get_result(conn)
        .await
        .map_err(|error| slug_conflict(error, &group.slug))
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &GroupChanges,
) -> ApiResult<Group> {
    diesel::update(groups::table.find(id))
        .set(changes)
        .returning(Group::as_returning())
        .get_result(conn)
        .await
        .map_err(|error| slug_conflict(error, changes.slug.as_deref().unwrap_or_default()))
}

fn slug_conflict(error: diesel::result::Error, slug: &str) -> ApiError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &error {
        // Says nothing of the group holding it, which the viewer may not be allowed to see.
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            ApiError::Conflict(format!("The slug \"{slug}\" is not available."))
        }
        Error::DatabaseError(DatabaseErrorKind::CheckViolation, _) => ApiError::bad_input(
            "joinPolicy",
            "private groups are joined by request or invitation, secret groups by invitation only",
        ),
        _ => ApiError::from(error),
    }
}

pub async fn set_archived(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    archived: bool,
) -> ApiResult<Group> {
    let archived_at = archived.then(Utc::now);
    Ok(diesel::update(groups::table.find(id))
        .set(groups::archived_at.eq(archived_at))
        .returning(Group::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    diesel::delete(groups::table.find(id)).execute(conn).await?;
    Ok(())
}

/// Locks the group row until the transaction ends: membership changes of one group run one at a
/// time, so "the last owner" and member counts stay exact under concurrent requests.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Group> {
    groups::table
        .find(id)
        .select(Group::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(ApiError::NotFound("Group"))
}

/// The groups among `ids` that exist, in no particular order.
pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<Vec<Group>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(groups::table
        .filter(groups::id.eq_any(ids))
        .select(Group::as_select())
        .load(conn)
        .await?)
}

pub async fn find_by_slug(conn: &mut AsyncPgConnection, slug: &str) -> ApiResult<Option<Group>> {
    Ok(groups::table
        .filter(
            diesel::dsl::sql::<Bool>("lower(slug) = lower(")
                .bind::<Text, _>(slug.to_owned())
                .sql(")"),
        )
        .select(Group::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The group's avatar and cover images.
pub async fn images(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> ApiResult<(Option<Uuid>, Option<Uuid>)> {
    Ok(groups::table
        .find(id)
        .select((groups::avatar_attachment_id, groups::cover_attachment_id))
        .first(conn)
        .await?)
}

/// The live posts pinned in each group, in their order (the home's pins are the posts'
/// business: `posts::model::pinned_posts`).
pub async fn pinned_posts(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<Post>>> {
    let pinned: Vec<(Uuid, Post)> = post_pins::table
        .inner_join(posts::table)
        .filter(post_pins::group_id.eq_any(groups))
        .filter(posts::deleted_at.is_null())
        .filter(posts::published_at.le(Utc::now()))
        .order((post_pins::position, post_pins::created_at))
        // Home pins (no group) are not among `groups`.
        .select((post_pins::group_id.assume_not_null(), Post::as_select()))
        .load(conn)
        .await?;
    Ok(lists_by_parent(groups, pinned, |(group, _)| *group)
        .into_iter()
        .map(|(group, pins)| (group, pins.into_iter().map(|(_, post)| post).collect()))
        .collect())
}
