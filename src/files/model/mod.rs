//! Drives, folders, files and versions in the database: their rows here, their queries by theme.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{drives, file_versions, files, folders};
use crate::error::ApiError;

mod drive;
mod file;
mod folder;
mod garbage;
mod version;

pub use drive::*;
pub use file::*;
pub use folder::*;
pub use garbage::*;
pub use version::*;

/// A drive's default quota: 10 GiB for a group, 2 GiB for a person.
pub const GROUP_QUOTA: i64 = 10 << 30;
pub const PERSONAL_QUOTA: i64 = 2 << 30;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = drives, check_for_backend(diesel::pg::Pg))]
pub struct Drive {
    pub id: Uuid,
    pub group_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub quota_bytes: i64,
    pub used_bytes: i64,
    pub created_at: DateTime<Utc>,
}

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = folders, check_for_backend(diesel::pg::Pg))]
pub struct Folder {
    pub id: Uuid,
    pub drive_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Serialized as audit snapshots.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = files, check_for_backend(diesel::pg::Pg))]
pub struct File {
    pub id: Uuid,
    pub drive_id: Uuid,
    pub folder_id: Uuid,
    pub name: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub version_count: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = file_versions, check_for_backend(diesel::pg::Pg))]
pub struct FileVersion {
    pub id: Uuid,
    pub file_id: Uuid,
    pub number: i32,
    pub storage_key: String,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub content_type: String,
    pub uploaded_name: String,
    pub uploaded_by: Option<Uuid>,
    pub thumbnail_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What was stored for an upload, before any row owns it.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub storage_key: String,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub content_type: String,
    pub uploaded_name: String,
}

/// A unique-name violation as CONFLICT.
pub fn name_clash(error: diesel::result::Error) -> ApiError {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => ApiError::Conflict("Something with this name is already in the folder.".into()),
        other => other.into(),
    }
}
