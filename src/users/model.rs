//! The `users` table and the queries on it.

use chrono::{DateTime, Utc};
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::users;
use crate::error::{ApiError, ApiResult};
use crate::notifications::preferences::QuietHours;
use crate::pagination::{Order, Page, PageRequest};
use crate::text_enum;

text_enum! {
    /// A person's role in the organization.
    pub enum OrgRole {
        Admin => "admin",
        Member => "member",
        /// External people: see only what they are explicitly given.
        Guest => "guest",
    }
}

text_enum! {
    pub enum UserStatus {
        Active => "active",
        /// Signed out everywhere at once; content kept.
        Deactivated => "deactivated",
        /// Made by an admin, waiting for its activation code.
        Pending => "pending",
    }
}

text_enum! {
    /// How often a person who was away gets a summary of what they missed.
    pub enum DigestFrequency {
        Never => "never",
        Daily => "daily",
        /// On Mondays.
        Weekly => "weekly",
    }
}

/// Serialized (secrets left out) as audit snapshots.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: Option<String>,
    pub username: String,
    pub display_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub phone: Option<String>,
    pub bio: Option<String>,
    pub locale: String,
    pub time_zone: String,
    pub org_role: OrgRole,
    pub status: UserStatus,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A picture URL from the identity provider.
    pub avatar_url: Option<String>,
    /// An uploaded avatar, shown instead of the provider's picture.
    pub avatar_attachment_id: Option<Uuid>,
    /// May publish to the whole organization without being an admin.
    pub communicator: bool,
    #[serde(skip)]
    pub activation_code_hash: Option<Vec<u8>>,
    pub activation_expires_at: Option<DateTime<Utc>>,
    /// The admin who made the account (none for sign-ups through SSO or invitations).
    pub created_by: Option<Uuid>,
    /// When the person first could sign in; `None` while pending.
    pub activated_at: Option<DateTime<Utc>>,
    /// Do-not-disturb hours, local time (both or neither).
    pub quiet_hours_start: Option<chrono::NaiveTime>,
    pub quiet_hours_end: Option<chrono::NaiveTime>,
    pub digest_frequency: DigestFrequency,
    /// When every credential of the person was last revoked (deactivation); identity providers'
    /// tokens issued before then are refused.
    pub credentials_revoked_at: Option<DateTime<Utc>>,
}

impl User {
    /// The person's do-not-disturb hours, in their time zone.
    pub fn quiet_hours(&self) -> Option<QuietHours> {
        Some(QuietHours {
            start: self.quiet_hours_start?,
            end: self.quiet_hours_end?,
            zone: self.time_zone.parse().unwrap_or(chrono_tz::UTC),
        })
    }

    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }

    pub fn is_admin(&self) -> bool {
        self.org_role == OrgRole::Admin
    }

    /// Publishes to the whole organization: admins and communicators.
    pub fn is_communicator(&self) -> bool {
        self.is_admin() || (self.communicator && self.org_role == OrgRole::Member)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: Uuid,
    pub email: Option<String>,
    pub username: String,
    pub display_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub phone: Option<String>,
    pub locale: String,
    pub time_zone: String,
    pub org_role: OrgRole,
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub activated_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub activation_code_hash: Option<Vec<u8>>,
    pub activation_expires_at: Option<DateTime<Utc>>,
}

impl NewUser {
    pub fn new(username: impl Into<String>, display_name: impl Into<String>) -> Self {
        Self {
            id: Uuid::now_v7(),
            email: None,
            username: username.into(),
            display_name: display_name.into(),
            title: None,
            department: None,
            site: None,
            phone: None,
            locale: "en".into(),
            time_zone: "UTC".into(),
            org_role: OrgRole::Member,
            password_hash: None,
            status: UserStatus::Active,
            activated_at: Some(Utc::now()),
            created_by: None,
            activation_code_hash: None,
            activation_expires_at: None,
        }
    }
}

/// Profile fields a person (or an admin) may change; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub title: Option<Option<String>>,
    pub department: Option<Option<String>>,
    pub site: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    /// Set once the new image is claimed (see `attachments::service::claim_new_image`).
    pub avatar_attachment_id: Option<Option<Uuid>>,
}

/// Directory search: every word must appear in name, username, email, title, department or site,
/// accents and case ignored.
#[derive(Debug, Clone)]
pub struct DirectoryFilter {
    /// Active people make the directory; the other accounts are listed for admins.
    pub status: UserStatus,
    pub query: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    /// Only this person and the members of their groups (the directory a guest sees).
    pub limited_to_groups_of: Option<Uuid>,
}

diesel::define_sql_function! {
    /// `unaccent` pinned to its dictionary (see the identity migration).
    fn parvis_unaccent(text: Text) -> Text;
}

pub async fn insert(conn: &mut AsyncPgConnection, user: &NewUser) -> ApiResult<User> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .map_err(|error| unique_violation_as_conflict(error, user))
}

fn unique_violation_as_conflict(error: diesel::result::Error, user: &NewUser) -> ApiError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            match info.constraint_name() {
                Some("users_email_key") => ApiError::Conflict(format!(
                    "The email {} is already used by another account.",
                    user.email.as_deref().unwrap_or_default()
                )),
                _ => {
                    ApiError::Conflict(format!("The username {} is already taken.", user.username))
                }
            }
        }
        _ => ApiError::from(error),
    }
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<Vec<User>> {
    // One id as `id = $1`: PostgreSQL plans it once per connection (see `db::ByIds`).
    if let [id] = ids {
        return Ok(find(conn, *id).await?.into_iter().collect());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select(User::as_select())
        .load(conn)
        .await?)
}

/// Looks a person up by email or username, case-insensitively.
pub async fn find_by_identifier(
    conn: &mut AsyncPgConnection,
    identifier: &str,
) -> ApiResult<Option<User>> {
    let lowered = identifier.trim().to_lowercase();
    Ok(users::table
        .filter(
            diesel::dsl::sql::<Bool>("lower(username) = ")
                .bind::<Text, _>(lowered.clone())
                .sql(" OR lower(email) = ")
                .bind::<Text, _>(lowered),
        )
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> ApiResult<Option<User>> {
    Ok(users::table
        .filter(
            diesel::dsl::sql::<Bool>("lower(email) = ")
                .bind::<Text, _>(email.trim().to_lowercase()),
        )
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn update_profile(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &ProfileChanges,
) -> ApiResult<User> {
    Ok(diesel::update(users::table.find(id))
        .set(changes)
        .returning(User::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: UserStatus,
) -> ApiResult<User> {
    Ok(diesel::update(users::table.find(id))
        .set(users::status.eq(status))
        .returning(User::as_returning())
        .get_result(conn)
        .await?)
}

/// Stamps the revocation of every credential of the person (see `auth::revoke_credentials`) and
/// spends an activation code they still had.
pub async fn mark_credentials_revoked(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::credentials_revoked_at.eq(Utc::now()),
            users::activation_code_hash.eq(None::<Vec<u8>>),
            users::activation_expires_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count_all(conn: &mut AsyncPgConnection) -> ApiResult<i64> {
    Ok(users::table.count().get_result(conn).await?)
}

/// The directory key: people are listed by display name, ties broken by id.
pub type DirectoryCursor = (String, Uuid);

/// One page of the directory (the people of one status), ordered by display name (ICU collation)
/// then id.
pub async fn directory_page(
    conn: &mut AsyncPgConnection,
    filter: &DirectoryFilter,
    page: &PageRequest<DirectoryCursor>,
) -> ApiResult<Page<User>> {
    let mut query = directory_query(filter)
        .select(User::as_select())
        .order(page.order_by(&["users.display_name", "users.id"], Order::Ascending))
        .limit(page.fetch_limit());
    if let Some(beyond) = page.beyond_cursor("users.display_name, users.id", Order::Ascending) {
        query = query.filter(beyond);
    }
    let rows = query.load(conn).await?;
    let total_count = directory_query(filter).count().get_result(conn).await?;
    Ok(page.finish(rows, total_count))
}

fn directory_query(filter: &DirectoryFilter) -> users::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = users::table
        .filter(users::status.eq(filter.status))
        .into_boxed();
    for word in filter.query.iter().flat_map(|q| q.split_whitespace()) {
        let pattern = format!("%{}%", escape_like(&word.to_lowercase()));
        // The pattern is lower-cased here (Unicode-aware), then unaccented like `search_text`.
        query = query.filter(users::search_text.like(parvis_unaccent(pattern).nullable()));
    }
    if let Some(department) = &filter.department {
        query = query.filter(
            diesel::dsl::sql::<Bool>("parvis_fold(department) = parvis_fold(")
                .bind::<Text, _>(department.clone())
                .sql(")"),
        );
    }
    if let Some(viewer) = filter.limited_to_groups_of {
        query = query.filter(in_groups_of(viewer));
    }
    if let Some(site) = &filter.site {
        query = query.filter(
            diesel::dsl::sql::<Bool>("parvis_fold(site) = parvis_fold(")
                .bind::<Text, _>(site.clone())
                .sql(")"),
        );
    }
    query
}

/// `users` rows that are `viewer` or share a group with them (the directory a guest sees), for
/// any query that lists people.
pub fn in_groups_of<QS>(
    viewer: Uuid,
) -> Box<dyn BoxableExpression<QS, diesel::pg::Pg, SqlType = Bool>> {
    Box::new(
        diesel::dsl::sql::<Bool>("(users.id = ")
            .bind::<diesel::sql_types::Uuid, _>(viewer)
            .sql(
                " OR EXISTS (SELECT 1 FROM group_memberships mine
                   JOIN group_memberships theirs ON theirs.group_id = mine.group_id
                   WHERE mine.user_id = ",
            )
            .bind::<diesel::sql_types::Uuid, _>(viewer)
            .sql(" AND theirs.user_id = users.id))"),
    )
}

/// Which of `people` are `viewer` or share a group with them (one statement).
pub async fn in_groups_of_among(
    conn: &mut AsyncPgConnection,
    viewer: Uuid,
    people: &[Uuid],
) -> ApiResult<Vec<Uuid>> {
    Ok(users::table
        .filter(users::id.eq_any(people))
        .filter(in_groups_of(viewer))
        .select(users::id)
        .load(conn)
        .await?)
}

pub(crate) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The person's row, locked for a change that depends on it.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Changes the org role and the communicator capability (`None` keeps each).
pub async fn set_access(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    role: Option<OrgRole>,
    communicator: Option<bool>,
) -> ApiResult<User> {
    let current = lock(conn, id).await?.ok_or(ApiError::NotFound("User"))?;
    Ok(diesel::update(users::table.find(id))
        .set((
            users::org_role.eq(role.unwrap_or(current.org_role)),
            users::communicator.eq(communicator.unwrap_or(current.communicator)),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await?)
}
