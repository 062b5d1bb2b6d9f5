//! What every feature shares: configuration, the database, the event bus, storage, the mailer.
//! Plumbing only: it knows nothing of HTTP or GraphQL, so features can depend on it without
//! depending on the layers that call them.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::analytics::ActivityRecorder;
use crate::auth::cache::CredentialCache;
use crate::auth::watch::CredentialWatches;
use crate::config::AppConfig;
use crate::db::{DbPool, DbSettings};
use crate::email::Mailer;
use crate::events::EventBus;
use crate::files::storage::Storage;
use crate::groups::roles::GroupRoles;
use crate::sso::Sso;

/// What resolvers and handlers share: configuration, the database and the event bus.
pub struct Services {
    pub config: AppConfig,
    pub db: DbSettings,
    pub pool: DbPool,
    pub events: EventBus,
    /// Credentials verified a moment ago (see `auth::cache`).
    pub credentials: Arc<CredentialCache>,
    /// This instance's WebSocket connections by credential, closed as it is revoked.
    pub credential_watches: Arc<CredentialWatches>,
    /// People's roles in groups, for subscriptions (see `groups::roles`).
    pub group_roles: Arc<GroupRoles>,
    /// This instance's signed-in WebSockets per person (see `chat::presence`).
    pub presence: crate::chat::presence::Presence,
    /// Password hashes and checks allowed at once, for every request that does one (see
    /// `auth::password`).
    pub password_checks: Semaphore,
    pub sso: Sso,
    pub storage: Storage,
    pub activity: ActivityRecorder,
    /// None when no SMTP server is configured (no email is sent).
    pub mailer: Option<Mailer>,
}
