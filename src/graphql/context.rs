//! What resolvers read from the request: the viewer, the services and the DataLoaders.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};

use crate::analytics::Activity;
use crate::attachments::loading::AttachmentLoader;
use crate::auth::{Client, Viewer};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::events_calendar::loaders::{
    EventSummaryLoader, ViewerAttendanceLoader, VisibleEventLoader,
};
use crate::graphql::loaders::{
    AudienceLoader, ChildLoader, CommentSummaryLoader, GroupLoader, PinLoader, ReactionLoader,
    UserLoader, ViewerMarksLoader,
};
use crate::policy;
use crate::posts::loaders::{AcknowledgementCountLoader, PollLoader, PostLoader, VersionLoader};
use crate::services::Services;

/// The DataLoaders of one request: batched by key, and each key loaded once per request (a
/// resolver can prefetch what its children will ask for).
pub type RequestLoader<L> = DataLoader<L, HashMapCache>;

/// Per-request data attached to every GraphQL request.
#[derive(Clone)]
pub struct RequestContext {
    pub viewer: Option<Viewer>,
    pub request_id: String,
    /// Who sent the HTTP request: its address and the one password hash or check it may cost,
    /// shared by the operations of a batch.
    pub client: Client,
    /// The client's `User-Agent`, shown in the list of sessions a sign-in opens.
    pub user_agent: Option<String>,
    /// Files sent with a multipart request, for the mutations that take them.
    pub uploads: Arc<crate::files::upload::StagedUploads>,
    /// The person a sign-in mutation of this request signed in: the request still runs as
    /// `viewer`, but the person is shown to themselves in that mutation's payload.
    pub signed_in: Arc<std::sync::OnceLock<Viewer>>,
    /// A subscription (resolved again for each event), not a single request.
    pub live: bool,
}

impl RequestContext {
    pub fn new(viewer: Option<Viewer>, request_id: String) -> Self {
        Self {
            viewer,
            request_id,
            client: Client::default(),
            user_agent: None,
            uploads: Arc::default(),
            signed_in: Arc::default(),
            live: false,
        }
    }
}

impl RequestContext {
    /// Adds this context and its DataLoaders (made as resolvers first ask for them) to a request.
    pub fn attach(
        self,
        services: &Arc<Services>,
        request: async_graphql::Request,
    ) -> async_graphql::Request {
        // A subscription resolves each of its events with the same data: what one event loaded
        // must not answer for the next.
        let loaders = Loaders {
            services: services.clone(),
            viewer: self.viewer.clone(),
            cached: !self.live,
            made: Mutex::default(),
        };
        request.data(loaders).data(self)
    }
}

/// A loader of the DataLoaders of a request, as the request makes it.
pub trait RequestScoped: Sized + Send + Sync + 'static {
    /// `None` when it works for a viewer and the request has none.
    fn for_request(services: &Arc<Services>, viewer: Option<&Viewer>) -> Option<Self>;
}

/// Loaders of anything, made from the services alone.
macro_rules! scoped_to_services {
    ($($loader:ty),* $(,)?) => {$(
        impl RequestScoped for $loader {
            fn for_request(services: &Arc<Services>, _: Option<&Viewer>) -> Option<Self> {
                Some(Self::new(services.clone()))
            }
        }
    )*};
}

/// Loaders of what a viewer sees, made from the services and the viewer (or their id).
macro_rules! scoped_to_viewer {
    ($($loader:ty => $viewer:ident $(. $id:ident ())?),* $(,)?) => {$(
        impl RequestScoped for $loader {
            fn for_request(services: &Arc<Services>, viewer: Option<&Viewer>) -> Option<Self> {
                let $viewer = viewer?;
                Some(Self::new(services.clone(), $viewer.clone() $(. $id ())?))
            }
        }
    )*};
}

scoped_to_services!(
    UserLoader,
    PostLoader,
    AudienceLoader,
    CommentSummaryLoader,
    PinLoader,
    EventSummaryLoader,
    AttachmentLoader,
    VersionLoader,
    AcknowledgementCountLoader,
);

scoped_to_viewer!(
    GroupLoader => viewer.id(),
    ReactionLoader => viewer.id(),
    ViewerMarksLoader => viewer.id(),
    ViewerAttendanceLoader => viewer.id(),
    PollLoader => viewer,
    VisibleEventLoader => viewer,
);

impl<C: Send + Sync + 'static> RequestScoped for ChildLoader<C> {
    fn for_request(services: &Arc<Services>, _: Option<&Viewer>) -> Option<Self> {
        Some(Self::new(services.clone()))
    }
}

/// The DataLoaders of one request, each made the first time a resolver asks for it: a request
/// pays only for those its selection uses, and a subscription (open for hours, one per chat
/// room on screen) holds only those.
struct Loaders {
    services: Arc<Services>,
    viewer: Option<Viewer>,
    /// Whether a key loaded once answers for the rest of the request.
    cached: bool,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Loaders {
    /// `L`'s DataLoader; `None` when it works for a viewer and there is none.
    fn get<L: RequestScoped>(&self) -> Option<Arc<RequestLoader<L>>> {
        // A panic while holding the lock leaves at worst a loader made twice.
        let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        let loader = match made.entry(TypeId::of::<L>()) {
            Entry::Occupied(entry) => entry.get().clone(),
            Entry::Vacant(entry) => {
                let loader = L::for_request(&self.services, self.viewer.as_ref())?;
                let loader = DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default());
                loader.enable_all_cache(self.cached);
                entry.insert(Arc::new(loader)).clone()
            }
        };
        // Always the type it was made as: entries are keyed by it.
        loader.downcast().ok()
    }
}

pub trait ContextExt {
    fn services(&self) -> &Arc<Services>;
    fn request(&self) -> &RequestContext;
    /// The signed-in viewer, or UNAUTHENTICATED.
    fn viewer(&self) -> ApiResult<&Viewer>;
    /// Admins only; anyone else is told FORBIDDEN.
    fn require_admin(&self) -> ApiResult<()>;
    fn user_loader(&self) -> ApiResult<Arc<RequestLoader<UserLoader>>>;
    /// Present whenever there is a viewer.
    fn group_loader(&self) -> ApiResult<Arc<RequestLoader<GroupLoader>>>;
    /// The request's DataLoader of `L`s.
    fn loader<L: RequestScoped>(&self) -> ApiResult<Arc<RequestLoader<L>>>;
    fn conn(&self) -> impl Future<Output = ApiResult<DbConn>> + Send;
    /// Queues what the viewer did for analytics (never waits).
    fn record_activity(&self, activity: Activity);
}

impl ContextExt for Context<'_> {
    fn services(&self) -> &Arc<Services> {
        self.data_unchecked::<Arc<Services>>()
    }

    fn record_activity(&self, activity: Activity) {
        self.services().activity.record(activity);
    }

    fn request(&self) -> &RequestContext {
        self.data_unchecked::<RequestContext>()
    }

    fn viewer(&self) -> ApiResult<&Viewer> {
        self.request()
            .viewer
            .as_ref()
            .ok_or(ApiError::Unauthenticated)
    }

    fn require_admin(&self) -> ApiResult<()> {
        policy::require_admin(self.viewer()?)
    }

    fn user_loader(&self) -> ApiResult<Arc<RequestLoader<UserLoader>>> {
        self.loader::<UserLoader>()
    }

    fn group_loader(&self) -> ApiResult<Arc<RequestLoader<GroupLoader>>> {
        self.loader::<GroupLoader>()
    }

    fn loader<L: RequestScoped>(&self) -> ApiResult<Arc<RequestLoader<L>>> {
        // Viewer-specific loaders are missing only for signed-out requests.
        self.data_unchecked::<Loaders>()
            .get::<L>()
            .ok_or(ApiError::Unauthenticated)
    }

    fn conn(&self) -> impl Future<Output = ApiResult<DbConn>> + Send {
        let pool = self.services().pool.clone();
        async move { Ok(pool.get().await?) }
    }
}

/// Loads `keys` into `loader` at once, in one statement, and answers their values: when a
/// resolver knows every key its children will ask for, waiting for the loader's batching delay
/// (async-graphql's 1 ms) would only add to the request's time. Keys that may already be in the
/// request's cache go through `load_many` instead, which reads them from it.
pub async fn load_now<K, L>(
    loader: Arc<RequestLoader<L>>,
    keys: Vec<K>,
) -> ApiResult<HashMap<K, L::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    L: async_graphql::dataloader::Loader<K, Error = Arc<ApiError>>,
{
    let keys: Vec<K> = keys
        .into_iter()
        .collect::<std::collections::HashSet<K>>()
        .into_iter()
        .collect();
    let values = loader
        .loader()
        .load(&keys)
        .await
        .map_err(|error| (*error).clone())?;
    loader.feed_many(values.clone()).await;
    Ok(values)
}
