//! The cross-instance event bus behind subscriptions.
//!
//! A change publishes a small event (kind + ids) with `pg_notify` inside its transaction, so it is
//! delivered only if the change commits. Every instance LISTENs on the same channel and fans the
//! events out in-process; subscribers re-read and re-authorize what the event names.

use std::sync::Arc;
use std::time::Duration;

use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures::future::BoxFuture;
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, oneshot};
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::DbSettings;
use crate::error::{ApiError, ApiResult};
use crate::services::Services;

/// Something that changed; only identifiers, never content (NOTIFY payloads are small and public
/// to every listener on the database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    UserUpdated {
        id: Uuid,
    },
    PostPublished {
        id: Uuid,
    },
    /// Edited or deleted.
    PostUpdated {
        id: Uuid,
    },
    CommentAdded {
        post_id: Uuid,
        comment_id: Uuid,
    },
    ReactionsChanged {
        subject_id: Uuid,
    },
    /// Something in a drive changed (a file or folder added, renamed, moved, deleted...).
    DriveChanged {
        drive_id: Uuid,
    },
    /// An event was changed, cancelled or answered.
    EventUpdated {
        id: Uuid,
    },
    /// A notification was delivered to (or updated for) its recipient.
    NotificationReceived {
        recipient_id: Uuid,
        notification_id: Uuid,
    },
    /// A session ended or a personal access token was revoked (`credential_id`), or all of a
    /// person's credentials stopped working (deactivation): the WebSocket connections opened
    /// with them close at once.
    CredentialsRevoked {
        user_id: Uuid,
        /// Named `session_id` before tokens raised it too; instances still sending that decode.
        #[serde(alias = "session_id")]
        credential_id: Option<Uuid>,
    },
    /// Raised by an instance itself, never published: events may have been lost (its listening
    /// connection was down, or a subscriber fell behind). Every subscriber receives it.
    EventsMissed,
}

const FAN_OUT_CAPACITY: usize = 1024;
const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(30);
const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(10);
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

pub struct EventBus {
    channel: String,
    sender: broadcast::Sender<Arc<Event>>,
    listener: tokio::task::JoinHandle<()>,
}

impl EventBus {
    /// Starts listening on `channel`; returns once the first LISTEN is in place, so no event
    /// published after this returns is missed.
    pub async fn start(settings: DbSettings, channel: String) -> anyhow::Result<Self> {
        let (sender, _) = broadcast::channel(FAN_OUT_CAPACITY);
        let (ready_tx, ready_rx) = oneshot::channel();
        let listener = tokio::spawn(listen_forever(
            settings,
            channel.clone(),
            sender.clone(),
            ready_tx,
        ));
        ready_rx
            .await
            .map_err(|_| anyhow::anyhow!("the event listener stopped before it started"))??;
        Ok(Self {
            channel,
            sender,
            listener,
        })
    }

    /// Queues `event` for delivery when the surrounding transaction commits.
    pub async fn publish(&self, conn: &mut AsyncPgConnection, event: &Event) -> ApiResult<()> {
        let payload = serde_json::to_string(event).map_err(ApiError::internal)?;
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(&self.channel)
            .bind::<Text, _>(payload)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Events from every instance that satisfy `wanted`, from now on.
    pub fn subscribe_matching<F>(&self, wanted: F) -> impl Stream<Item = Arc<Event>> + Send + use<F>
    where
        F: Fn(&Event) -> bool + Send + 'static,
    {
        BroadcastStream::new(self.sender.subscribe()).filter_map(move |received| {
            let event = match received {
                Ok(event) if *event == Event::EventsMissed || wanted(&event) => Some(event),
                Ok(_) => None,
                Err(lagged) => {
                    tracing::warn!(%lagged, "a subscriber fell behind and missed events");
                    Some(Arc::new(Event::EventsMissed))
                }
            };
            std::future::ready(event)
        })
    }
}

/// Turns matching events into what the subscriber may see: for each event, re-validates the
/// viewer's credential and account (the stream ends with UNAUTHENTICATED once they no longer
/// work; it yields an EVENTS_MISSED error, and goes on, when events may have been lost), then
/// `load` re-reads what the event names for the viewer as they are now, applying the
/// policy; `None` means this event is not for this subscriber and nothing is sent.
pub fn reauthorized<T, L>(
    events: impl Stream<Item = Arc<Event>> + Send + 'static,
    services: Arc<Services>,
    viewer: Viewer,
    load: L,
) -> impl Stream<Item = ApiResult<T>> + Send + 'static
where
    T: Send + 'static,
    L: for<'c> Fn(
            &'c mut AsyncPgConnection,
            &'c Viewer,
            &'c Event,
        ) -> BoxFuture<'c, ApiResult<Option<T>>>
        + Send
        + Sync
        + 'static,
{
    let state = (Box::pin(events), services, viewer, Arc::new(load));
    futures::stream::unfold(Some(state), |state| async move {
        let (mut events, services, viewer, load) = state?;
        let result = loop {
            let event = events.next().await?;
            if *event == Event::EventsMissed {
                break Err(ApiError::EventsMissed);
            }
            let delivery = async {
                let mut conn = services.pool.get().await?;
                let current = crate::auth::revalidate(&mut conn, &viewer)
                    .await?
                    .ok_or(ApiError::Unauthenticated)?;
                load(&mut conn, &current, &event).await
            }
            .await;
            match delivery {
                Ok(None) => continue,
                Ok(Some(item)) => break Ok(item),
                Err(error) => break Err(error),
            }
        };
        let next = match result {
            Err(ApiError::Unauthenticated) => None,
            _ => Some((events, services, viewer, load)),
        };
        Some((result, next))
    })
}

impl Drop for EventBus {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

async fn listen_forever(
    settings: DbSettings,
    channel: String,
    sender: broadcast::Sender<Arc<Event>>,
    ready: oneshot::Sender<anyhow::Result<()>>,
) {
    let mut ready = Some(ready);
    loop {
        let result = listen_once(&settings, &channel, &sender, &mut ready).await;
        if let Some(ready) = ready.take() {
            // The first connection failed: the server cannot start without its event bus.
            let _ = ready.send(result);
            return;
        }
        if let Err(error) = result {
            tracing::warn!(%error, "event listener lost its connection; reconnecting");
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// Listens on one connection until it fails.
async fn listen_once(
    settings: &DbSettings,
    channel: &str,
    sender: &broadcast::Sender<Arc<Event>>,
    ready: &mut Option<oneshot::Sender<anyhow::Result<()>>>,
) -> anyhow::Result<()> {
    let mut conn = settings.connect().await?;
    diesel::sql_query(format!("LISTEN \"{}\"", channel.replace('"', "\"\"")))
        .execute(&mut conn)
        .await?;
    match ready.take() {
        Some(ready) => drop(ready.send(Ok(()))),
        // Listening again after an outage: what was published meanwhile never arrived here.
        None => drop(sender.send(Arc::new(Event::EventsMissed))),
    }
    loop {
        {
            let notifications = conn.notifications_stream();
            let mut notifications = std::pin::pin!(notifications);
            let deadline = tokio::time::sleep(HEALTH_CHECK_EVERY);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    notification = notifications.next() => match notification {
                        Some(Ok(notification)) => deliver(sender, &notification.payload),
                        Some(Err(error)) => return Err(error.into()),
                        None => anyhow::bail!("notification stream ended"),
                    },
                    _ = &mut deadline => break,
                }
            }
        }
        // Notifications arriving meanwhile are buffered by the connection. A half-open TCP
        // connection would never answer: give up on it and reconnect.
        tokio::time::timeout(HEALTH_CHECK_TIMEOUT, crate::db::ping(&mut conn))
            .await
            .map_err(|_| anyhow::anyhow!("the listening connection stopped answering"))??;
    }
}

fn deliver(sender: &broadcast::Sender<Arc<Event>>, payload: &str) {
    match serde_json::from_str::<Event>(payload) {
        // No receivers is not an error: nobody is subscribed on this instance.
        Ok(event) => drop(sender.send(Arc::new(event))),
        Err(error) => tracing::warn!(%error, payload, "ignoring an unreadable event"),
    }
}
