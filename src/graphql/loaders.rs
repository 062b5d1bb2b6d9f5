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
        Ok(every_key(
            keys,
            crate::posts::model::audiences(&mut conn, keys)
                .await
                .map_err(Arc::new)?,
        ))
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
        Ok(every_key(
            keys,
            crate::posts::model::comment_summaries(&mut conn, keys, Self::LATEST)
                .await
                .map_err(Arc::new)?,
        ))
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
        Ok(every_key(
            keys,
            crate::posts::model::reaction_summaries(&mut conn, keys, self.viewer)
                .await
                .map_err(Arc::new)?,
        ))
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
        Ok(every_key(
            keys,
            crate::posts::model::viewer_marks(&mut conn, keys, self.viewer)
                .await
                .map_err(Arc::new)?,
        ))
    }
}

/// Where each post is pinned (`None`: the organization's home).
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
        Ok(every_key(
            keys,
            crate::posts::model::pins(&mut conn, keys)
                .await
                .map_err(Arc::new)?,
        ))
    }
}

/// What a field reached through a list loads for each parent of the list (its children, a page
/// of them, or one object it has), for all of them at once.
pub trait ChildrenOf: Send + Sync + 'static {
    /// Whatever narrows what is loaded (the same for every parent of a list).
    type Args: Clone + Eq + Hash + Send + Sync + 'static;
    type Value: Clone + Send + Sync + 'static;

    /// The value of each parent, in a fixed number of statements whatever the number of
    /// parents. A parent left out has none (a loader for lists returns an empty one instead).
    fn load(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        args: &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Self::Value>>> + Send;
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

impl<C: ChildPages> ChildrenOf for C {
    type Args = C::Args;
    type Value = Page<C::Item>;

    fn load(
        conn: &mut AsyncPgConnection,
        parents: &[Uuid],
        args: &Self::Args,
    ) -> impl Future<Output = ApiResult<HashMap<Uuid, Self::Value>>> + Send {
        C::pages(conn, parents, args)
    }
}

/// Batches a field over the parents of a list: one load per distinct set of arguments, whatever
/// the number of parents.
pub struct ChildLoader<C> {
    services: Arc<Services>,
    children: PhantomData<fn() -> C>,
}

/// The loader of a connection field (see [`ChildPages`]).
pub type PageLoader<C> = ChildLoader<C>;

impl<C> ChildLoader<C> {
    pub fn new(services: Arc<Services>) -> Self {
        Self {
            services,
            children: PhantomData,
        }
    }
}

impl<C: ChildrenOf> Loader<(Uuid, C::Args)> for ChildLoader<C> {
    type Value = C::Value;
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
        let mut values = HashMap::with_capacity(keys.len());
        for (args, parents) in parents_by_args {
            let loaded = C::load(&mut conn, &parents, args).await.map_err(Arc::new)?;
            values.extend(
                loaded
                    .into_iter()
                    .map(|(parent, value)| ((parent, args.clone()), value)),
            );
        }
        Ok(values)
    }
}

/// What `parent` has of `C`, loaded with what the other parents of its list have (`None` when
/// the loader left it out).
pub async fn children_of<C: ChildrenOf>(
    ctx: &Context<'_>,
    parent: Uuid,
    args: C::Args,
) -> ApiResult<Option<C::Value>> {
    ctx.loader::<ChildLoader<C>>()?
        .load_one((parent, args))
        .await
        .map_err(|error| (*error).clone())
}

/// What `parent` has of `C` when it takes no arguments, loaded with what the other parents of
/// its list have: a count or summary, whose default (zero, empty) stands for none.
pub async fn value_of<C>(ctx: &Context<'_>, parent: Uuid) -> ApiResult<C::Value>
where
    C: ChildrenOf<Args = ()>,
    C::Value: Default,
{
    Ok(children_of::<C>(ctx, parent, ()).await?.unwrap_or_default())
}

/// The page of `parent`'s children, loaded with those of the other parents of its list.
pub async fn page_of<C: ChildPages>(
    ctx: &Context<'_>,
    parent: Uuid,
    args: C::Args,
) -> ApiResult<Page<C::Item>> {
    children_of::<C>(ctx, parent, args)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no page loaded for {parent}")))
}

/// `found` with an entry for every key: a key the statement found nothing for (a post without
/// reactions, say) gets the empty value, which the DataLoader then caches instead of asking the
/// database for it again on the next call.
pub fn every_key<V: Default>(keys: &[Uuid], mut found: HashMap<Uuid, V>) -> HashMap<Uuid, V> {
    for key in keys {
        found.entry(*key).or_default();
    }
    found
}
