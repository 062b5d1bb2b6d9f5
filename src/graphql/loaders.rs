//! DataLoaders: one SQL statement per kind of object per request, however many are asked for.

use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::graphql::context::ContextExt;
use crate::groups::GroupAccess;
use crate::pagination::Page;
use crate::posts::model::{Comment, ReactionCount, ViewerMarks};
use crate::services::Services;
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

/// The children of many parents, a keyset page each: what a connection field asks for when it is
/// reached through a list.
pub trait ChildPages: Send + Sync + 'static {
    /// The page asked for and whatever else narrows it (the same for every parent of a list).
    type Args: Clone + Eq + Hash + Send + Sync + 'static;
    type Item: Clone + Send + Sync + 'static;

    /// The page of each parent (an empty one for a parent without children), in one statement.
    fn pages(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        args: &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Page<Self::Item>>>> + Send;
}

/// Batches the pages of a connection field over the parents of a list: one statement per
/// distinct set of arguments, whatever the number of parents.
pub struct PageLoader<C> {
    services: Arc<Services>,
    children: PhantomData<fn() -> C>,
}

impl<C> PageLoader<C> {
    pub fn new(services: Arc<Services>) -> Self {
        Self {
            services,
            children: PhantomData,
        }
    }
}

impl<C: ChildPages> Loader<(Uuid, C::Args)> for PageLoader<C> {
    type Value = Page<C::Item>;
    type Error = Arc<ApiError>;

    async fn load(
        &self,
        keys: &[(Uuid, C::Args)],
    ) -> Result<HashMap<(Uuid, C::Args), Self::Value>, Self::Error> {
        let mut parents_by_args: HashMap<&C::Args, Vec<Uuid>> = HashMap::new();
        for (parent, args) in keys {
            parents_by_args.entry(args).or_default().push(*parent);
        }
        let mut conn = connection(&self.services).await?;
        let mut pages = HashMap::with_capacity(keys.len());
        for (args, parents) in parents_by_args {
            let loaded = C::pages(&mut conn, &parents, args)
                .await
                .map_err(Arc::new)?;
            pages.extend(
                loaded
                    .into_iter()
                    .map(|(parent, page)| ((parent, args.clone()), page)),
            );
        }
        Ok(pages)
    }
}

/// The page of `parent`'s children, loaded with those of the other parents of its list.
pub async fn page_of<C: ChildPages>(
    ctx: &Context<'_>,
    parent: Uuid,
    args: C::Args,
) -> ApiResult<Page<C::Item>> {
    ctx.loader::<PageLoader<C>>()?
        .load_one((parent, args))
        .await
        .map_err(|error| (*error).clone())?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no page loaded for {parent}")))
}
