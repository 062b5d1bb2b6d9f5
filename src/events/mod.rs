//! The cross-instance event bus behind subscriptions.
//!
//! A change publishes a small event (kind + ids) with `pg_notify` inside its transaction, so it is
//! delivered only if the change commits. Every instance LISTENs on the same channel and fans the
//! events out in-process; subscribers re-authorize what the event names, reading it once per
//! instance where many of them receive the same event (`Delivered::read_once`).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures::future::BoxFuture;
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::{OnceCell, broadcast, oneshot};
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

use crate::auth::{LiveViewer, Viewer};
use crate::db::DbSettings;
use crate::error::{ApiError, ApiResult};
use crate::services::Services;

mod barrier;
mod topics;

use topics::Topics;

pub use barrier::TIMEOUT as BARRIER_TIMEOUT;

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
    /// A message was sent in a conversation.
    MessageAdded {
        conversation_id: Uuid,
        message_id: Uuid,
    },
    /// A message was edited or deleted, or its thread grew.
    MessageUpdated {
        conversation_id: Uuid,
        message_id: Uuid,
    },
    /// A conversation was renamed, archived or deleted, or its members changed.
    ConversationUpdated {
        conversation_id: Uuid,
    },
    /// A member moved their read marker (their unread counts changed).
    ConversationRead {
        conversation_id: Uuid,
        user_id: Uuid,
    },
    /// A person came online, went offline, or said they are away or back.
    PresenceChanged {
        user_id: Uuid,
    },
    /// Someone is typing in a conversation (never stored; shown for `chat::TYPING_LASTS`).
    Typing {
        conversation_id: Uuid,
        user_id: Uuid,
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
    /// Raised by the database (triggers of migration 25): a person's account, one of their
    /// sessions or one of their access tokens changed, by whatever path. Instances forget the
    /// credentials they remember of that person.
    AccountChanged {
        user_id: Uuid,
    },
    /// Raised by the database (trigger of migration 26): a person joined or left a group, or
    /// their role in it changed. Instances forget the roles they remember of that person.
    MembershipChanged {
        user_id: Uuid,
    },
    /// Published by an instance that waits until every listening instance applied what it
    /// committed before (`EventBus::barrier`): each listener answers with `BarrierPassed`.
    BarrierRequested {
        id: Uuid,
    },
    /// A listener (`listener`: one per listening connection) got to `BarrierRequested { id }`.
    BarrierPassed {
        id: Uuid,
        listener: Uuid,
    },
    /// Raised by an instance itself, never published: events may have been lost (its listening
    /// connection was down, or a subscriber fell behind). Every subscriber receives it.
    EventsMissed,
}

impl Event {
    /// What the event is about when only that thing's followers want it (a conversation's
    /// messages and typing): they receive it through `subscribe_topic`, waking nobody else.
    pub fn topic(&self) -> Option<Uuid> {
        match self {
            Self::MessageAdded {
                conversation_id, ..
            }
            | Self::MessageUpdated {
                conversation_id, ..
            }
            | Self::Typing {
                conversation_id, ..
            } => Some(*conversation_id),
            _ => None,
        }
    }

    /// Whether only the observers (the instance's caches) need the event: subscribers never
    /// receive it, so a burst of them (a bulk membership change) cannot make them fall behind.
    fn for_observers_only(&self) -> bool {
        matches!(
            self,
            Self::AccountChanged { .. } | Self::MembershipChanged { .. }
        )
    }
}

/// An event as this instance's subscribers receive it, with what they read about it: the first
/// subscriber to need something reads it, and the others share that reading.
pub struct Delivered {
    event: Event,
    reads: Mutex<HashMap<TypeId, Arc<OnceCell<SharedRead>>>>,
}

type SharedRead = Arc<dyn Any + Send + Sync>;

impl Delivered {
    fn new(event: Event) -> Self {
        Self {
            event,
            reads: Mutex::default(),
        }
    }

    /// What `read` gives for this event, read once on this instance whatever the number of
    /// subscribers asking (they wait for the first one's reading). `S` names what is read: every
    /// subscriber asking for an `S` of this event gets the same one. A failed read is not kept.
    pub async fn read_once<S, R, F>(&self, read: R) -> ApiResult<Arc<S>>
    where
        S: Send + Sync + 'static,
        R: FnOnce() -> F,
        F: Future<Output = ApiResult<S>>,
    {
        let cell = self
            .reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(TypeId::of::<S>())
            .or_default()
            .clone();
        // The read is boxed so that this future stays small for every subscriber that only waits.
        let shared = cell
            .get_or_try_init(|| async {
                Ok::<SharedRead, ApiError>(Arc::new(Box::pin(read()).await?))
            })
            .await?;
        shared.clone().downcast::<S>().map_err(|_| {
            ApiError::internal(anyhow::anyhow!(
                "a shared read of an event has another type"
            ))
        })
    }
}

impl Deref for Delivered {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.event
    }
}

const FAN_OUT_CAPACITY: usize = 1024;
const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(30);
const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(10);
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

pub struct EventBus {
    channel: String,
    sender: broadcast::Sender<Arc<Delivered>>,
    topics: Arc<Topics>,
    listener: tokio::task::JoinHandle<()>,
}

/// Called by the listener with each event as it arrives, before any subscriber sees it, and
/// with `EventsMissed` whenever the listening connection is lost or found again: for state each
/// instance keeps in step with the database (remembered credentials).
pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

impl EventBus {
    /// Starts listening on `channel`; returns once the first LISTEN is in place, so no event
    /// published after this returns is missed.
    pub async fn start(
        settings: DbSettings,
        channel: String,
        observer: Observer,
    ) -> anyhow::Result<Self> {
        let (sender, _) = broadcast::channel(FAN_OUT_CAPACITY);
        let topics = Arc::new(Topics::new());
        let (ready_tx, ready_rx) = oneshot::channel();
        let delivery = Delivery {
            sender: sender.clone(),
            topics: topics.clone(),
            observer,
        };
        let listener = tokio::spawn(listen_forever(
            settings,
            channel.clone(),
            delivery,
            ready_tx,
        ));
        ready_rx
            .await
            .map_err(|_| anyhow::anyhow!("the event listener stopped before it started"))??;
        Ok(Self {
            channel,
            sender,
            topics,
            listener,
        })
    }

    /// Queues `event` for delivery when the surrounding transaction commits.
    pub async fn publish(&self, conn: &mut AsyncPgConnection, event: &Event) -> ApiResult<()> {
        self.publish_all(conn, std::slice::from_ref(event)).await
    }

    /// Publishes `events`, in order, in one statement whatever their number.
    pub async fn publish_all(
        &self,
        conn: &mut AsyncPgConnection,
        events: &[Event],
    ) -> ApiResult<()> {
        let payloads = events
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(ApiError::internal)?;
        diesel::sql_query(
            "SELECT pg_notify($1, payload)
             FROM unnest($2::text[]) WITH ORDINALITY AS event (payload, position)
             ORDER BY position",
        )
        .bind::<Text, _>(&self.channel)
        .bind::<diesel::sql_types::Array<Text>, _>(payloads)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Returns once every instance listening on the bus has applied the events `conn` committed
    /// before (each listener's observers first: remembered credentials are forgotten), so that
    /// what acknowledges a revocation is true on every instance; after `BARRIER_TIMEOUT`, with a
    /// warning, if a listener never answers. See `barrier`.
    pub async fn barrier(&self, conn: &mut AsyncPgConnection) {
        barrier::pass(self, conn).await;
    }

    /// Events from every instance that satisfy `wanted`, from now on.
    pub fn subscribe_matching<F>(
        &self,
        wanted: F,
    ) -> impl Stream<Item = Arc<Delivered>> + Send + use<F>
    where
        F: Fn(&Event) -> bool + Send + 'static,
    {
        matching(self.sender.subscribe(), wanted)
    }

    /// Events about `topic` (`Event::topic`) from every instance that satisfy `wanted`, from
    /// now on: events about other topics do not wake this subscriber.
    pub fn subscribe_topic<F>(
        &self,
        topic: Uuid,
        wanted: F,
    ) -> impl Stream<Item = Arc<Delivered>> + Send + use<F>
    where
        F: Fn(&Event) -> bool + Send + 'static,
    {
        matching(self.topics.subscribe(topic), wanted)
    }
}

/// The events of `receiver` that satisfy `wanted`, and `EventsMissed` (also when the
/// subscriber fell behind).
fn matching<F>(
    receiver: broadcast::Receiver<Arc<Delivered>>,
    wanted: F,
) -> impl Stream<Item = Arc<Delivered>> + Send + use<F>
where
    F: Fn(&Event) -> bool + Send + 'static,
{
    BroadcastStream::new(receiver).filter_map(move |received| {
        let event = match received {
            Ok(event) if **event == Event::EventsMissed || wanted(&event) => Some(event),
            Ok(_) => None,
            Err(lagged) => {
                tracing::warn!(%lagged, "a subscriber fell behind and missed events");
                Some(Arc::new(Delivered::new(Event::EventsMissed)))
            }
        };
        std::future::ready(event)
    })
}

/// Turns matching events into what the subscriber may see: for each event, re-validates the
/// viewer's credential and account through `LiveViewer` (the stream ends with UNAUTHENTICATED
/// once they no longer work; it yields an EVENTS_MISSED error, and goes on, when events may have
/// been lost), then `load` re-reads what the event names for the viewer as they are now,
/// applying the policy; `None` means this event is not for this subscriber and nothing is sent.
/// Each subscriber reads on its own: for events that many receive, see `judged`.
pub fn reauthorized<T, L>(
    events: impl Stream<Item = Arc<Delivered>> + Send + 'static,
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
    let load = Arc::new(load);
    judged(events, services, viewer, move |services, viewer, event| {
        let load = load.clone();
        Box::pin(async move {
            let mut conn = services.pool.get().await?;
            load(&mut conn, viewer, event).await
        })
    })
}

/// Like `reauthorized`, but `judge` decides for each subscriber from what `Delivered::read_once`
/// read for all of this instance's subscribers, and from what the instance keeps in memory: a
/// subscriber costs the database nothing, so one event reaches thousands of them at once.
pub fn judged<T, J>(
    events: impl Stream<Item = Arc<Delivered>> + Send + 'static,
    services: Arc<Services>,
    viewer: Viewer,
    judge: J,
) -> impl Stream<Item = ApiResult<T>> + Send + 'static
where
    T: Send + 'static,
    J: for<'c> Fn(&'c Services, &'c Viewer, &'c Delivered) -> BoxFuture<'c, ApiResult<Option<T>>>
        + Send
        + Sync
        + 'static,
{
    let viewer = LiveViewer::new(&services, viewer);
    let state = (Box::pin(events), services, viewer, Arc::new(judge));
    futures::stream::unfold(Some(state), |state| async move {
        let (mut events, services, mut viewer, judge) = state?;
        let result = loop {
            let event = events.next().await?;
            if **event == Event::EventsMissed {
                break Err(ApiError::EventsMissed);
            }
            let delivery = async {
                let current = viewer
                    .current(&services)
                    .await?
                    .ok_or(ApiError::Unauthenticated)?;
                judge(&services, &current, &event).await
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
            _ => Some((events, services, viewer, judge)),
        };
        Some((result, next))
    })
}

impl Drop for EventBus {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// Where the listener hands events: the observer first, then the subscribers.
struct Delivery {
    sender: broadcast::Sender<Arc<Delivered>>,
    topics: Arc<Topics>,
    observer: Observer,
}

impl Delivery {
    fn send(&self, event: Event) {
        (self.observer)(&event);
        if event.for_observers_only() {
            return;
        }
        let delivered = Arc::new(Delivered::new(event));
        match delivered.topic() {
            Some(topic) => self.topics.send(topic, &delivered),
            None if **delivered == Event::EventsMissed => self.topics.send_to_all(&delivered),
            None => {}
        }
        // Every event also reaches the subscribers matching on all of them. No receivers is not
        // an error: nobody is subscribed on this instance.
        drop(self.sender.send(delivered));
    }

    /// Delivers a notification's event; answers the id of a barrier to pass, which the listener
    /// answers once the events before it were delivered.
    fn deliver(&self, payload: &str) -> Option<Uuid> {
        match serde_json::from_str::<Event>(payload) {
            Ok(Event::BarrierRequested { id }) => Some(id),
            Ok(event) => {
                self.send(event);
                None
            }
            Err(error) => {
                tracing::warn!(%error, payload, "ignoring an unreadable event");
                None
            }
        }
    }
}

async fn listen_forever(
    settings: DbSettings,
    channel: String,
    delivery: Delivery,
    ready: oneshot::Sender<anyhow::Result<()>>,
) {
    let mut ready = Some(ready);
    loop {
        let result = listen_once(&settings, &channel, &delivery, &mut ready).await;
        if let Some(ready) = ready.take() {
            // The first connection failed: the server cannot start without its event bus.
            let _ = ready.send(result);
            return;
        }
        if let Err(error) = result {
            tracing::warn!(%error, "event listener lost its connection; reconnecting");
        }
        // Until listening again, nothing published is heard here.
        (delivery.observer)(&Event::EventsMissed);
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// Listens on one connection until it fails.
async fn listen_once(
    settings: &DbSettings,
    channel: &str,
    delivery: &Delivery,
    ready: &mut Option<oneshot::Sender<anyhow::Result<()>>>,
) -> anyhow::Result<()> {
    let mut conn = settings.connect().await?;
    diesel::sql_query(format!("LISTEN \"{}\"", channel.replace('"', "\"\"")))
        .execute(&mut conn)
        .await?;
    // Counted by barriers from now on, when it hears them.
    barrier::name_listener(&mut conn, channel).await?;
    let listener = Uuid::new_v4();
    match ready.take() {
        Some(ready) => drop(ready.send(Ok(()))),
        // Listening again after an outage: what was published meanwhile never arrived here.
        None => delivery.send(Event::EventsMissed),
    }
    let deadline = tokio::time::sleep(HEALTH_CHECK_EVERY);
    tokio::pin!(deadline);
    loop {
        let barrier = {
            let notifications = conn.notifications_stream();
            let mut notifications = std::pin::pin!(notifications);
            loop {
                tokio::select! {
                    notification = notifications.next() => match notification {
                        Some(Ok(notification)) => {
                            if let Some(id) = delivery.deliver(&notification.payload) {
                                break Some(id);
                            }
                        }
                        Some(Err(error)) => return Err(error.into()),
                        None => anyhow::bail!("notification stream ended"),
                    },
                    _ = &mut deadline => break None,
                }
            }
        };
        // Notifications arriving meanwhile are buffered by the connection.
        let answer = async {
            match barrier {
                Some(id) => {
                    let passed = Event::BarrierPassed { id, listener };
                    barrier::answer(&mut conn, channel, &passed).await
                }
                None => {
                    deadline
                        .as_mut()
                        .reset(tokio::time::Instant::now() + HEALTH_CHECK_EVERY);
                    crate::db::ping(&mut conn).await
                }
            }
        };
        // A half-open TCP connection would never answer: give up on it and reconnect.
        tokio::time::timeout(HEALTH_CHECK_TIMEOUT, answer)
            .await
            .map_err(|_| anyhow::anyhow!("the listening connection stopped answering"))??;
    }
}
