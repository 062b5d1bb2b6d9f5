//! The one-row `organization` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::organization;
use crate::error::ApiResult;

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = organization, check_for_backend(diesel::pg::Pg))]
pub struct Organization {
    pub name: String,
    pub logo_attachment_id: Option<Uuid>,
    pub favicon_attachment_id: Option<Uuid>,
    pub primary_color: String,
    pub accent_color: String,
    pub login_message: Option<String>,
    /// A `text[]` column (elements nullable to diesel; never null here).
    pub allowed_email_domains: Vec<Option<String>>,
    pub time_zone: String,
    pub activity_retention_days: i32,
    /// Chat messages older than this many days are deleted; `None` keeps them.
    pub message_retention_days: Option<i32>,
    pub updated_at: DateTime<Utc>,
}

impl Organization {
    /// Whether an account may be made for `email` (any, when no domain is listed).
    pub fn allows_email(&self, email: Option<&str>) -> bool {
        if self.allowed_domains().next().is_none() {
            return true;
        }
        let domain = email
            .and_then(|email| email.rsplit_once('@'))
            .map(|(_, domain)| domain.to_lowercase());
        domain.is_some_and(|domain| self.allowed_domains().any(|allowed| allowed == domain))
    }

    pub fn allowed_domains(&self) -> impl Iterator<Item = &str> {
        self.allowed_email_domains
            .iter()
            .flatten()
            .map(String::as_str)
    }
}

/// `None` leaves a setting as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = organization)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub logo_attachment_id: Option<Option<Uuid>>,
    pub favicon_attachment_id: Option<Option<Uuid>>,
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
    pub login_message: Option<Option<String>>,
    pub allowed_email_domains: Option<Vec<Option<String>>>,
    pub time_zone: Option<String>,
    pub activity_retention_days: Option<i32>,
    pub message_retention_days: Option<Option<i32>>,
}

impl OrganizationChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.logo_attachment_id.is_none()
            && self.favicon_attachment_id.is_none()
            && self.primary_color.is_none()
            && self.accent_color.is_none()
            && self.login_message.is_none()
            && self.allowed_email_domains.is_none()
            && self.time_zone.is_none()
            && self.activity_retention_days.is_none()
            && self.message_retention_days.is_none()
    }
}

pub async fn get(conn: &mut AsyncPgConnection) -> ApiResult<Organization> {
    Ok(organization::table
        .select(Organization::as_select())
        .first(conn)
        .await?)
}

/// Reads the row under a lock, for a change that depends on it.
pub async fn lock(conn: &mut AsyncPgConnection) -> ApiResult<Organization> {
    Ok(organization::table
        .select(Organization::as_select())
        .for_update()
        .first(conn)
        .await?)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    changes: &OrganizationChanges,
) -> ApiResult<Organization> {
    Ok(diesel::update(organization::table)
        .set(changes)
        .returning(Organization::as_returning())
        .get_result(conn)
        .await?)
}
