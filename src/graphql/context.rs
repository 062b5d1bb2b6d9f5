//! What resolvers read from the request: the viewer, the services and the DataLoaders.

use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache};

use crate::analytics::Activity;
use crate::attachments::loading::AttachmentLoader;
use crate::auth::{Client, Viewer};
use crate::chat::loading::{
    ConversationRows, LastMessages, MessagesById, PresenceStatuses, ReadMarkers,
    ThreadParticipants, UnreadCounts,
};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::events_calendar::loaders::{
    AttendeeLists, EventExceptions, EventSummaryLoader, ViewerAttendanceLoader, VisibleEventLoader,
};
use crate::files::graphql::{
    FilePages, FileVersions, FoldersById, GroupDrives, RootFolders, Subfolders,
};
use crate::graphql::loaders::{
    AudienceLoader, ChildLoader, CommentSummaryLoader, GroupLoader, PageLoader, PinLoader,
    ReactionLoader, UserLoader, ViewerMarksLoader,
};
use crate::groups::graphql::{InvitationPages, JoinRequestPages, MemberPages, PinnedPosts};
use crate::groups::rules::RuleLists;
use crate::groups::webhooks::graphql::WebhookLists;
use crate::newsletters::loaders::NewsletterStatistics;
use crate::notifications::graphql::{FolderFollows, GroupLevels};
use crate::policy;
use crate::posts::graphql::{AcknowledgerPages, CommentPages};
use crate::posts::loaders::{AcknowledgementCountLoader, PollLoader, PostLoader, VersionLoader};
use crate::services::Services;
use crate::surveys::graphql::TextAnswerPages;
use crate::surveys::loaders::{AudienceSizes, ResponseCounts, Tallies};

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
    /// Adds this context and fresh DataLoaders to a request.
    pub fn attach(
        self,
        services: &Arc<Services>,
        request: async_graphql::Request,
    ) -> async_graphql::Request {
        fn loader<L: Send + Sync + 'static>(cached: bool, loader: L) -> RequestLoader<L> {
            let loader = DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default());
            loader.enable_all_cache(cached);
            loader
        }
        // A subscription resolves each of its events with the same data: what one event loaded
        // must not answer for the next.
        let cached = !self.live;
        let mut request = request
            .data(loader(cached, UserLoader::new(services.clone())))
            .data(loader(cached, PostLoader::new(services.clone())))
            .data(loader(cached, AudienceLoader::new(services.clone())))
            .data(loader(cached, CommentSummaryLoader::new(services.clone())))
            .data(loader(cached, PinLoader::new(services.clone())))
            .data(loader(cached, EventSummaryLoader::new(services.clone())))
            .data(loader(cached, AttachmentLoader::new(services.clone())))
            .data(loader(
                cached,
                PageLoader::<CommentPages>::new(services.clone()),
            ))
            .data(loader(
                cached,
                PageLoader::<AcknowledgerPages>::new(services.clone()),
            ))
            .data(loader(cached, VersionLoader::new(services.clone())))
            .data(loader(
                cached,
                AcknowledgementCountLoader::new(services.clone()),
            ))
            .data(loader(
                cached,
                PageLoader::<MemberPages>::new(services.clone()),
            ))
            .data(loader(
                cached,
                PageLoader::<JoinRequestPages>::new(services.clone()),
            ))
            .data(loader(
                cached,
                PageLoader::<InvitationPages>::new(services.clone()),
            ))
            .data(loader(
                cached,
                PageLoader::<FilePages>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<GroupDrives>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<RootFolders>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<FoldersById>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<Subfolders>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<FileVersions>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<PinnedPosts>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<RuleLists>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<WebhookLists>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<GroupLevels>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<FolderFollows>::new(services.clone()),
            ))
            .data(loader(
                cached,
                PageLoader::<TextAnswerPages>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<ResponseCounts>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<AudienceSizes>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<Tallies>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<NewsletterStatistics>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<AttendeeLists>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<EventExceptions>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<ConversationRows>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<UnreadCounts>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<LastMessages>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<MessagesById>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<ReadMarkers>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<PresenceStatuses>::new(services.clone()),
            ))
            .data(loader(
                cached,
                ChildLoader::<ThreadParticipants>::new(services.clone()),
            ));
        if let Some(viewer) = &self.viewer {
            request = request
                .data(loader(
                    cached,
                    GroupLoader::new(services.clone(), viewer.id()),
                ))
                .data(loader(
                    cached,
                    ReactionLoader::new(services.clone(), viewer.id()),
                ))
                .data(loader(
                    cached,
                    PollLoader::new(services.clone(), viewer.clone()),
                ))
                .data(loader(
                    cached,
                    ViewerMarksLoader::new(services.clone(), viewer.id()),
                ))
                .data(loader(
                    cached,
                    ViewerAttendanceLoader::new(services.clone(), viewer.id()),
                ))
                .data(loader(
                    cached,
                    VisibleEventLoader::new(services.clone(), viewer.clone()),
                ));
        }
        request.data(self)
    }
}

pub trait ContextExt {
    fn services(&self) -> &Arc<Services>;
    fn request(&self) -> &RequestContext;
    /// The signed-in viewer, or UNAUTHENTICATED.
    fn viewer(&self) -> ApiResult<&Viewer>;
    /// Admins only; anyone else is told FORBIDDEN.
    fn require_admin(&self) -> ApiResult<()>;
    fn user_loader(&self) -> &RequestLoader<UserLoader>;
    /// Present whenever there is a viewer.
    fn group_loader(&self) -> ApiResult<&RequestLoader<GroupLoader>>;
    /// Any loader attached to every request.
    fn loader<L: Send + Sync + 'static>(&self) -> ApiResult<&RequestLoader<L>>;
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

    fn user_loader(&self) -> &RequestLoader<UserLoader> {
        self.data_unchecked::<RequestLoader<UserLoader>>()
    }

    fn group_loader(&self) -> ApiResult<&RequestLoader<GroupLoader>> {
        self.loader::<GroupLoader>()
    }

    fn loader<L: Send + Sync + 'static>(&self) -> ApiResult<&RequestLoader<L>> {
        // Viewer-specific loaders are missing only for signed-out requests.
        self.data::<RequestLoader<L>>()
            .map_err(|_| ApiError::Unauthenticated)
    }

    fn conn(&self) -> impl Future<Output = ApiResult<DbConn>> + Send {
        let pool = self.services().pool.clone();
        async move { Ok(pool.get().await?) }
    }
}
