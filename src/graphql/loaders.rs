//! DataLoaders: one SQL statement per kind of object per request, however many are asked for.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::app::Services;
use crate::error::ApiError;
use crate::groups::GroupAccess;
use crate::posts::model::{Comment, ReactionCount, ViewerMarks};
use crate::users::{User, model};

/// A pooled connection, with the error shape DataLoaders need.
pub async fn connection(services: &Services) -> Result<crate::db::DbConn, Arc<ApiError>> {
    services
        .pool
        .get()
        .await
        .map_err(|error| Arc::new(error.into()))
}

pub struct UserLoader {
    services: Arc<Services>,
}

impl UserLoader {
    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Uuid> for UserLoader {
    type Value = User;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, User>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        let users = model::find_many(&mut conn, keys).await.map_err(Arc::new)?;
        Ok(users.into_iter().map(|user| (user.id, user)).collect())
    }
}

/// Groups with the viewer's relation to each (role, pending request, invitation).
pub struct GroupLoader {
    services: Arc<Services>,
    viewer: Uuid,
}

impl GroupLoader {
    pub fn new(services: Arc<Services>, viewer: Uuid) -> Self {
        Self { services, viewer }
    }
}

impl Loader<Uuid> for GroupLoader {
    type Value = GroupAccess;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, GroupAccess>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        let groups = crate::groups::model::find_access(&mut conn, self.viewer, keys)
            .await
            .map_err(Arc::new)?;
        Ok(groups
            .into_iter()
            .map(|access| (access.group.id, access))
            .collect())
    }
}

/// The groups each post was published in.
pub struct AudienceLoader {
    services: Arc<Services>,
}

impl AudienceLoader {
    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Uuid> for AudienceLoader {
    type Value = Vec<Uuid>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Uuid>>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        crate::posts::model::audiences(&mut conn, keys)
            .await
            .map_err(Arc::new)
    }
}

/// How many comments each post has, with its latest two.
pub struct CommentSummaryLoader {
    services: Arc<Services>,
}

impl CommentSummaryLoader {
    pub const LATEST: i64 = 2;

    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Uuid> for CommentSummaryLoader {
    type Value = (i64, Vec<Comment>);
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        crate::posts::model::comment_summaries(&mut conn, keys, Self::LATEST)
            .await
            .map_err(Arc::new)
    }
}

/// Reactions of posts and comments by emoji, with the viewer's own marked.
pub struct ReactionLoader {
    services: Arc<Services>,
    viewer: Uuid,
}

impl ReactionLoader {
    pub fn new(services: Arc<Services>, viewer: Uuid) -> Self {
        Self { services, viewer }
    }
}

impl Loader<Uuid> for ReactionLoader {
    type Value = Vec<ReactionCount>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        crate::posts::model::reaction_summaries(&mut conn, keys, self.viewer)
            .await
            .map_err(Arc::new)
    }
}

/// Whether the viewer opened and acknowledged each post.
pub struct ViewerMarksLoader {
    services: Arc<Services>,
    viewer: Uuid,
}

impl ViewerMarksLoader {
    pub fn new(services: Arc<Services>, viewer: Uuid) -> Self {
        Self { services, viewer }
    }
}

impl Loader<Uuid> for ViewerMarksLoader {
    type Value = ViewerMarks;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        crate::posts::model::viewer_marks(&mut conn, keys, self.viewer)
            .await
            .map_err(Arc::new)
    }
}

/// Where each post is pinned (`None`: the organisation's home).
pub struct PinLoader {
    services: Arc<Services>,
}

impl PinLoader {
    pub fn new(services: Arc<Services>) -> Self {
        Self { services }
    }
}

impl Loader<Uuid> for PinLoader {
    type Value = Vec<Option<Uuid>>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = connection(&self.services).await?;
        crate::posts::model::pins(&mut conn, keys)
            .await
            .map_err(Arc::new)
    }
}
