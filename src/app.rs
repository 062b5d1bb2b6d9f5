//! The application, built once by `App::build` and used by the server, the CLI and the tests.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_util::task::TaskTracker;

use crate::analytics::ActivityRecorder;
use crate::auth::cache::CredentialCache;
use crate::auth::watch::CredentialWatches;
use crate::config::AppConfig;
use crate::db::{self, DbSettings};
use crate::email::Mailer;
use crate::events::{EventBus, Observer};
use crate::files::storage::Storage;
use crate::graphql::Schemas;
use crate::groups::roles::GroupRoles;
use crate::http::health::Readiness;
use crate::http::metrics::Metrics;
use crate::http::ws::OperationsPerPerson;
use crate::services::Services;
use crate::sso::Sso;

const WEBSOCKET_CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

pub struct App {
    pub services: Arc<Services>,
    pub schemas: Schemas,
    pub metrics: Metrics,
    pub readiness: Readiness,
    pub operations_per_person: OperationsPerPerson,
    shutdown: watch::Sender<bool>,
    /// Open WebSocket connections, which outlive the HTTP requests axum waits for at shutdown.
    websockets: TaskTracker,
    /// The job worker, until shutdown waits for it.
    jobs: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The presence heartbeat (see `chat::presence`).
    presence: tokio::task::JoinHandle<()>,
}

/// Extractors shared by the HTTP layer's routes and the features' routes read the services.
impl AsRef<Services> for Arc<App> {
    fn as_ref(&self) -> &Services {
        &self.services
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(jobs) = self.jobs.get_mut().ok().and_then(Option::take) {
            jobs.abort();
        }
        self.presence.abort();
    }
}

impl App {
    /// Connects to the database (migrations must already be applied) and starts the event bus.
    pub async fn build(config: AppConfig, db: DbSettings) -> anyhow::Result<Arc<Self>> {
        let pool = db.build_pool()?;
        let schema_name = {
            let mut conn = pool.get().await?;
            db::current_schema(&mut conn).await?
        };
        let credentials = Arc::new(CredentialCache::new(config.credential_cache_lifetime));
        let group_roles = Arc::new(GroupRoles::default());
        let credential_watches = Arc::new(CredentialWatches::default());
        let observer: Observer = {
            let (credentials, group_roles, watches) = (
                credentials.clone(),
                group_roles.clone(),
                credential_watches.clone(),
            );
            Arc::new(move |event| {
                credentials.observe(event);
                group_roles.observe(event);
                watches.observe(event);
            })
        };
        // The channel's name is also in migration 25's trigger.
        let channel = format!("parvis_events_{schema_name}");
        let events = EventBus::start(db.clone(), channel, observer).await?;
        let services = Arc::new(Services {
            config: config.clone(),
            db,
            pool: pool.clone(),
            events,
            credentials,
            group_roles,
            presence: Default::default(),
            credential_watches,
            password_checks: Semaphore::new(
                std::thread::available_parallelism().map_or(2, |cores| cores.get()),
            ),
            sso: Sso::new(&config)?,
            storage: Storage::open_with(&config.storage_url, config.storage_options.clone())?,
            activity: if config.activity_capture {
                ActivityRecorder::start(pool.clone())
            } else {
                ActivityRecorder::disabled()
            },
            mailer: config.smtp.as_ref().map(Mailer::new).transpose()?,
        });
        let schemas = Schemas::build(services.clone(), &config.limits);
        let shutdown = watch::channel(false).0;
        let jobs = crate::jobs::spawn_worker(
            services.clone(),
            config.job_poll_interval,
            shutdown.subscribe(),
        );
        let presence =
            crate::chat::presence::spawn_heartbeat(services.clone(), shutdown.subscribe());
        let metrics = Metrics::new(&services.db);
        Ok(Arc::new(Self {
            services,
            schemas,
            metrics,
            readiness: Readiness::default(),
            operations_per_person: OperationsPerPerson::default(),
            shutdown,
            websockets: TaskTracker::new(),
            jobs: std::sync::Mutex::new(Some(jobs)),
            presence,
        }))
    }

    /// Flips to `true` when the server starts shutting down (WebSockets close on it).
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Runs a WebSocket connection so that shutdown waits for its close frame.
    pub fn track_websocket<F: Future<Output = ()>>(
        &self,
        connection: F,
    ) -> impl Future<Output = ()> + use<F> {
        self.websockets.track_future(connection)
    }

    /// Serves HTTP on `listener` until `stop` resolves, then finishes in-flight requests and
    /// closes WebSockets with 1001 (going away).
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = crate::http::router(self.clone());
        let shutdown = self.shutdown.clone();
        // Peers' addresses reach handlers (`auth::Client`), for the sign-in throttle.
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                stop.await;
                shutdown.send_replace(true);
            })
            .await?;
        // Upgraded connections are not axum's to wait for: give them time to say goodbye.
        self.websockets.close();
        let _ = tokio::time::timeout(WEBSOCKET_CLOSE_GRACE, self.websockets.wait()).await;
        self.stop_background_work().await;
        Ok(())
    }

    /// Lets the job worker finish the jobs in hand, then writes the activity recorded so far and
    /// ends its writer: nothing works on the database after this (an embedded cluster stops
    /// right after).
    async fn stop_background_work(&self) {
        self.shutdown.send_replace(true);
        let jobs = self.jobs.lock().ok().and_then(|mut jobs| jobs.take());
        if let Some(jobs) = jobs {
            let _ = jobs.await;
        }
        self.services.activity.close().await;
    }
}
