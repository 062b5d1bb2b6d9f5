//! What resolvers read from the request: the viewer, the services and the DataLoaders.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;

use crate::app::Services;
use crate::auth::Viewer;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::graphql::loaders::{GroupLoader, UserLoader};

/// Per-request data attached to every GraphQL request.
#[derive(Clone)]
pub struct RequestContext {
    pub viewer: Option<Viewer>,
    pub request_id: String,
    /// Shared by the operations of one HTTP request (a batch), which may sign in once.
    pub login_attempted: Arc<AtomicBool>,
}

impl RequestContext {
    pub fn new(viewer: Option<Viewer>, request_id: String) -> Self {
        Self {
            viewer,
            request_id,
            login_attempted: Arc::default(),
        }
    }
}

impl RequestContext {
    /// Adds this context and fresh DataLoaders to a request.
    pub fn attach(
        self,
        services: &Arc<Services>,
        request: async_graphql::Request,
    ) -> async_graphql::Request {
        let mut request = request.data(DataLoader::new(
            UserLoader::new(services.clone()),
            tokio::spawn,
        ));
        if let Some(viewer) = &self.viewer {
            let groups = GroupLoader::new(services.clone(), viewer.id());
            request = request.data(DataLoader::new(groups, tokio::spawn));
        }
        request.data(self)
    }
}

pub trait ContextExt {
    fn services(&self) -> &Arc<Services>;
    fn request(&self) -> &RequestContext;
    /// The signed-in viewer, or UNAUTHENTICATED.
    fn viewer(&self) -> ApiResult<&Viewer>;
    fn user_loader(&self) -> &DataLoader<UserLoader>;
    /// Present whenever there is a viewer.
    fn group_loader(&self) -> ApiResult<&DataLoader<GroupLoader>>;
    fn conn(&self) -> impl Future<Output = ApiResult<DbConn>> + Send;
}

impl ContextExt for Context<'_> {
    fn services(&self) -> &Arc<Services> {
        self.data_unchecked::<Arc<Services>>()
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

    fn user_loader(&self) -> &DataLoader<UserLoader> {
        self.data_unchecked::<DataLoader<UserLoader>>()
    }

    fn group_loader(&self) -> ApiResult<&DataLoader<GroupLoader>> {
        self.data::<DataLoader<GroupLoader>>()
            .map_err(|_| ApiError::Unauthenticated)
    }

    fn conn(&self) -> impl Future<Output = ApiResult<DbConn>> + Send {
        let pool = self.services().pool.clone();
        async move { Ok(pool.get().await?) }
    }
}
