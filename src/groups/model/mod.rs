//! The group tables and the queries on them. Lists are filtered by visibility in SQL, and each
//! group comes with the viewer's relation to it (role, pending request, pending invitation), so a
//! page of groups with everything the policy needs costs one statement plus one count.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{group_memberships, groups, post_pins, posts, users};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Page, PageRequest, PerParentRow, lists_by_parent};
use crate::posts::Post;
use crate::text_enum;
use crate::users::{User, UserStatus};

mod requests;
pub use requests::*;

text_enum! {
    /// Who sees a group.
    pub enum Visibility {
        /// Every member of the organisation sees it and its content.
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

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
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

/// A group as one viewer stands towards it: everything the policy needs.
#[derive(Debug, Clone, QueryableByName)]
pub struct GroupAccess {
    #[diesel(embed)]
    pub group: Group,
    #[diesel(sql_type = Nullable<Text>)]
    pub viewer_role: Option<GroupRole>,
    #[diesel(sql_type = Bool)]
    pub viewer_requested: bool,
    #[diesel(sql_type = Bool)]
    pub viewer_invited: bool,
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

/// Which groups a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupScope {
    /// What the viewer may see: public and private groups, and secret ones they belong or are
    /// invited to (guests: only those they belong or are invited to).
    Visible,
    /// Every group, secret ones included (admin queries only).
    All,
}

#[derive(Debug, Clone)]
pub struct GroupFilter {
    pub scope: GroupScope,
    pub query: Option<String>,
    pub joined_only: bool,
    pub visibility: Option<Visibility>,
}

/// The groups page key: by name (ICU collation), ties broken by id.
pub type GroupCursor = (String, Uuid);

/// The viewer's relation to each group, joined to the group row. `$1` is the viewer.
const ACCESS_SELECT: &str = "
    SELECT g.id, g.name, g.slug, g.description, g.visibility, g.join_policy, g.posting_policy,
           g.event_policy, g.drive_policy, g.avatar_attachment_id, g.cover_attachment_id, g.archived_at, g.member_count, g.created_at, g.updated_at,
           m.role AS viewer_role,
           EXISTS (SELECT 1 FROM group_join_requests r
                   WHERE r.group_id = g.id AND r.user_id = $1 AND r.status = 'pending') AS viewer_requested,
           EXISTS (SELECT 1 FROM group_invitations i
                   WHERE i.group_id = g.id AND i.user_id = $1 AND i.status = 'pending') AS viewer_invited
    FROM groups g
    LEFT JOIN group_memberships m ON m.group_id = g.id AND m.user_id = $1";

/// Groups by id, with the viewer's relation to each (visibility is the policy's call).
pub async fn find_access(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
    ids: &[Uuid],
) -> ApiResult<Vec<GroupAccess>> {
    Ok(
        diesel::sql_query(format!("{ACCESS_SELECT} WHERE g.id = ANY($2)"))
            .bind::<SqlUuid, _>(viewer)
            .bind::<diesel::sql_types::Array<SqlUuid>, _>(ids)
            .load(conn)
            .await?,
    )
}

/// The viewer's access to each group a post is shared to: one query whether or not the post
/// exists, so that looking up a missing post costs what looking up a hidden one does.
pub async fn find_access_to_post(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
    post: Uuid,
) -> ApiResult<Vec<GroupAccess>> {
    Ok(diesel::sql_query(format!(
        "{ACCESS_SELECT} WHERE g.id IN (SELECT group_id FROM post_audiences WHERE post_id = $2)"
    ))
    .bind::<SqlUuid, _>(viewer)
    .bind::<SqlUuid, _>(post)
    .load(conn)
    .await?)
}

pub async fn find_access_by_slug(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
    slug: &str,
) -> ApiResult<Option<GroupAccess>> {
    Ok(
        diesel::sql_query(format!("{ACCESS_SELECT} WHERE lower(g.slug) = lower($2)"))
            .bind::<SqlUuid, _>(viewer)
            .bind::<Text, _>(slug)
            .get_result(conn)
            .await
            .optional()?,
    )
}

/// The filters of a groups list, after `ACCESS_SELECT` (`$1` viewer, `$2` guest flag, `$3` scope
/// all, `$4` search patterns (every one must match), `$5` joined only, `$6` visibility).
const LIST_WHERE: &str = "
    WHERE ($3 OR m.role IS NOT NULL
           OR EXISTS (SELECT 1 FROM group_invitations i
                      WHERE i.group_id = g.id AND i.user_id = $1 AND i.status = 'pending')
           OR (NOT $2 AND g.visibility IN ('public', 'private')))
      AND NOT EXISTS (SELECT 1 FROM unnest($4::text[]) AS word (pattern)
                      WHERE g.search_text NOT LIKE parvis_unaccent(word.pattern))
      AND (NOT $5 OR m.role IS NOT NULL)
      AND ($6::text IS NULL OR g.visibility = $6)";

/// One page of groups in name order, filtered by what the viewer may see.
pub async fn page(
    conn: &mut AsyncPgConnection,
    viewer: &User,
    filter: &GroupFilter,
    page: &PageRequest<GroupCursor>,
) -> ApiResult<Page<GroupAccess>> {
    let guest = viewer.org_role == crate::users::OrgRole::Guest;
    let all = filter.scope == GroupScope::All;
    let patterns: Vec<String> = filter
        .query
        .iter()
        .flat_map(|query| query.split_whitespace())
        .map(|word| {
            format!(
                "%{}%",
                crate::users::model::escape_like(&word.to_lowercase())
            )
        })
        .collect();
    let visibility = filter.visibility.map(Visibility::as_db);
    let (after_name, after_id) = page.after.clone().unzip();
    let rows: Vec<GroupAccess> = diesel::sql_query(format!(
        "{ACCESS_SELECT} {LIST_WHERE}
           AND ($7::text IS NULL OR (g.name, g.id) > ($7 COLLATE \"und-x-icu\", $8))
         ORDER BY g.name, g.id
         LIMIT $9"
    ))
    .bind::<SqlUuid, _>(viewer.id)
    .bind::<Bool, _>(guest)
    .bind::<Bool, _>(all)
    .bind::<diesel::sql_types::Array<Text>, _>(&patterns)
    .bind::<Bool, _>(filter.joined_only)
    .bind::<Nullable<Text>, _>(visibility)
    .bind::<Nullable<Text>, _>(after_name)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .bind::<diesel::sql_types::BigInt, _>(page.fetch_limit())
    .load(conn)
    .await?;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let total: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM ({ACCESS_SELECT} {LIST_WHERE}) AS visible"
    ))
    .bind::<SqlUuid, _>(viewer.id)
    .bind::<Bool, _>(guest)
    .bind::<Bool, _>(all)
    .bind::<diesel::sql_types::Array<Text>, _>(&patterns)
    .bind::<Bool, _>(filter.joined_only)
    .bind::<Nullable<Text>, _>(visibility)
    .get_result(conn)
    .await?;
    Ok(page.finish(rows, total.n))
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

pub async fn member_role(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
) -> ApiResult<Option<GroupRole>> {
    Ok(group_memberships::table
        .find((group, user))
        .select(group_memberships::role)
        .first(conn)
        .await
        .optional()?)
}

/// Adds a member; false when they already were one.
pub async fn add_member(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
    role: GroupRole,
) -> ApiResult<bool> {
    let added = diesel::insert_into(group_memberships::table)
        .values((
            group_memberships::group_id.eq(group),
            group_memberships::user_id.eq(user),
            group_memberships::role.eq(role),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(added == 1)
}

pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
) -> ApiResult<bool> {
    let removed = diesel::delete(group_memberships::table.find((group, user)))
        .execute(conn)
        .await?;
    Ok(removed == 1)
}

pub async fn set_role(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
    role: GroupRole,
) -> ApiResult<()> {
    diesel::update(group_memberships::table.find((group, user)))
        .set(group_memberships::role.eq(role))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn joined_at(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    user: Uuid,
) -> ApiResult<DateTime<Utc>> {
    Ok(group_memberships::table
        .find((group, user))
        .select(group_memberships::created_at)
        .first(conn)
        .await?)
}

/// Every member with their role.
pub async fn member_ids(
    conn: &mut AsyncPgConnection,
    group: Uuid,
) -> ApiResult<Vec<(Uuid, GroupRole)>> {
    Ok(group_memberships::table
        .filter(group_memberships::group_id.eq(group))
        .order(group_memberships::user_id)
        .select((group_memberships::user_id, group_memberships::role))
        .load(conn)
        .await?)
}

/// The groups a person belongs to.
pub async fn joined_group_ids(conn: &mut AsyncPgConnection, user: Uuid) -> ApiResult<Vec<Uuid>> {
    Ok(group_memberships::table
        .filter(group_memberships::user_id.eq(user))
        .select(group_memberships::group_id)
        .load(conn)
        .await?)
}

pub async fn owner_count(conn: &mut AsyncPgConnection, group: Uuid) -> ApiResult<i64> {
    Ok(group_memberships::table
        .filter(group_memberships::group_id.eq(group))
        .filter(group_memberships::role.eq(GroupRole::Owner))
        .count()
        .get_result(conn)
        .await?)
}

/// Who joins a group by directory attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAdd {
    /// Once (`addGroupMembersByAttribute`, the company-wide group): ordinary members.
    Once,
    /// Through a membership rule: they leave when they stop matching (see `rules`).
    ByRule,
}

/// Adds every active member of the organisation (never guests: they join their groups one by
/// one) matching the directory attributes, in one statement; returns how many were added.
pub async fn add_members_by_attribute(
    conn: &mut AsyncPgConnection,
    group: Uuid,
    department: Option<&str>,
    site: Option<&str>,
    how: BulkAdd,
) -> ApiResult<usize> {
    Ok(diesel::sql_query(
        "INSERT INTO group_memberships (group_id, user_id, role, added_by_rule)
         SELECT $1, u.id, 'member', $4 FROM users u
         WHERE u.status = 'active' AND u.org_role <> 'guest'
           AND ($2::text IS NULL OR lower(u.department) = lower($2))
           AND ($3::text IS NULL OR lower(u.site) = lower($3))
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(group)
    .bind::<Nullable<Text>, _>(department)
    .bind::<Nullable<Text>, _>(site)
    .bind::<Bool, _>(how == BulkAdd::ByRule)
    .execute(conn)
    .await?)
}

/// Adds every active person (the company-wide group); returns how many were added.
pub async fn add_everyone(conn: &mut AsyncPgConnection, group: Uuid) -> ApiResult<usize> {
    add_members_by_attribute(conn, group, None, None, BulkAdd::Once).await
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

/// Whether two people share a group (what lets a guest see someone).
pub async fn share_a_group(conn: &mut AsyncPgConnection, a: Uuid, b: Uuid) -> ApiResult<bool> {
    let (mine, theirs) = diesel::alias!(group_memberships as mine, group_memberships as theirs);
    Ok(diesel::select(diesel::dsl::exists(
        mine.inner_join(
            theirs.on(theirs
                .field(group_memberships::group_id)
                .eq(mine.field(group_memberships::group_id))),
        )
        .filter(mine.field(group_memberships::user_id).eq(a))
        .filter(theirs.field(group_memberships::user_id).eq(b)),
    ))
    .get_result(conn)
    .await?)
}

/// A member with their role, for member lists.
#[derive(Debug, Clone, QueryableByName)]
pub struct Member {
    #[diesel(embed)]
    pub user: User,
    #[diesel(sql_type = Text)]
    pub role: GroupRole,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub joined_at: DateTime<Utc>,
}

/// A page of each group's members in name order, optionally of one role.
pub async fn member_pages(
    conn: &mut AsyncPgConnection,
    groups: &[Uuid],
    role: Option<GroupRole>,
    page: &PageRequest<crate::users::model::DirectoryCursor>,
) -> ApiResult<HashMap<Uuid, Page<Member>>> {
    let (after_name, after_id) = page.after.clone().unzip();
    let rows: Vec<PerParentRow<Member>> = diesel::sql_query(page.per_parent_sql(
        "SELECT u.*, m.role, m.created_at AS joined_at, m.group_id AS page_parent,
                ($2::text IS NULL OR (u.display_name, u.id) > ($2, $3)) AS page_after
         FROM group_memberships m JOIN users u ON u.id = m.user_id
         WHERE m.group_id = ANY($1) AND ($4::text IS NULL OR m.role = $4)",
        "display_name, id",
    ))
    .bind::<Array<SqlUuid>, _>(groups)
    .bind::<Nullable<Text>, _>(after_name)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .bind::<Nullable<Text>, _>(role)
    .load(conn)
    .await?;
    Ok(page.finish_each(groups, rows))
}

/// Active users among `ids` (invitations go to people who can sign in).
pub async fn active_user_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<Vec<Uuid>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .filter(users::status.eq(UserStatus::Active))
        .select(users::id)
        .load(conn)
        .await?)
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
