//! GraphQL over WebSocket: the `graphql-transport-ws` protocol (the `graphql-ws` client library)
//! and the legacy `graphql-ws` protocol (subscriptions-transport-ws).
//!
//! Our own implementation, because async-graphql's handler does not follow the close codes of
//! `graphql-transport-ws`: 4400 invalid message, 4401 subscribe before `connection_ack`, 4403
//! rejected credentials, 4408 no `connection_init` in time, 4409 duplicate subscription id, 4429
//! a second `connection_init`. Server shutdown closes with 1001 (going away), a server-side failure
//! with 4500. The viewer's credential is re-validated before every operation, and a session or
//! token ended elsewhere closes its connections at once (4403). A client's close frame is
//! answered (the client sees its own code, not 1006). Once signed in, a `graphql-transport-ws`
//! connection gets a `ping` every keep-alive interval, and one that sent nothing for two intervals
//! is dead and closed; legacy connections get `ka` (their clients do not answer).
//! A client that does not read what it is sent (a frame not taken by its socket within the
//! configured `ws_write_timeout`, or `OUTGOING_BUFFER` results waiting) is a slow consumer: its
//! connection closes with 1013 (try again later; counted in the `websocket_slow_consumers`
//! metric), so that neither the server's memory nor other subscribers wait for it.
//! An upgrade that offers only subprotocols other than these two is refused with 400.

mod operation;

use crate::chat::presence::{ConnectionGuard, Presence};
pub use operation::OperationsPerPerson;
use operation::{Operation, OperationSlot};

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::header::{HOST, ORIGIN, SEC_WEBSOCKET_PROTOCOL};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{FutureExt, SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::app::App;
use crate::auth::watch::CredentialWatch;
use crate::auth::{Client, LiveViewer, Viewer, authenticate, session_cookie_value};
use crate::error::{ApiError, RETRY_AFTER_EXTENSION, RETRY_AFTER_SECONDS};
use crate::graphql::context::RequestContext;
use crate::graphql::limits::RequestTrace;

const TRANSPORT_WS: &str = "graphql-transport-ws";
const LEGACY_WS: &str = "graphql-ws";
const OUTGOING_BUFFER: usize = 256;
/// The close code of a slow consumer: 1013, try again later.
const SLOW_CONSUMER: u16 = 1013;
/// Clients send small frames (a subscription is a few hundred bytes); the WebSocket library
/// zeroes its read buffer's free space at each read, so its 128 KiB default cost every wake of
/// every connection, and the buffer stays resident in every open one (messages larger than this
/// still arrive whole, in several reads).
const READ_BUFFER: usize = 1024;
/// How long the closing frame may wait for the client to read what was sent before it: a slow
/// consumer still reading learns why it was closed, one that stopped is dropped after that.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    TransportWs,
    Legacy,
}

impl Protocol {
    fn data_message(self) -> &'static str {
        match self {
            Self::TransportWs => "next",
            Self::Legacy => "data",
        }
    }
}

pub async fn upgrade(
    State(app): State<Arc<App>>,
    client: Client,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let upgrade = upgrade
        .protocols([TRANSPORT_WS, LEGACY_WS])
        .read_buffer_size(READ_BUFFER)
        .max_message_size(app.services.config.body_limit);
    let protocol = match upgrade.selected_protocol().map(|p| p.as_bytes()) {
        Some(p) if p == LEGACY_WS.as_bytes() => Protocol::Legacy,
        Some(_) => Protocol::TransportWs,
        // Offering only others: the client would speak a protocol this server does not.
        None if headers.contains_key(SEC_WEBSOCKET_PROTOCOL) => {
            return (
                StatusCode::BAD_REQUEST,
                "Unsupported WebSocket subprotocol: offer graphql-transport-ws (or the legacy graphql-ws).",
            )
                .into_response();
        }
        None => Protocol::TransportWs,
    };
    // A page from another site must not ride on the viewer's cookie (cross-site WebSocket
    // hijacking); clients without an Origin (not browsers) or from a trusted origin may.
    let host = headers.get(HOST).and_then(|host| host.to_str().ok());
    let trusted = headers
        .get(ORIGIN)
        .and_then(|origin| origin.to_str().ok())
        .is_none_or(|origin| {
            let same_host = origin.split_once("://").map(|(_, authority)| authority) == host;
            same_host || app.services.config.is_trusted_origin(origin)
        });
    let cookie = session_cookie_value(&headers).filter(|_| trusted);
    let request_id = super::request_id(&headers);
    upgrade.on_upgrade(move |socket| {
        let connection = {
            let app = app.clone();
            async move {
                app.metrics.websocket_clients.inc();
                Connection::new(app.clone(), protocol, cookie, request_id, client)
                    .run(socket)
                    .await;
                app.metrics.websocket_clients.dec();
            }
        };
        app.track_websocket(connection)
    })
}

#[derive(Debug, Deserialize)]
struct ClientMessage {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    payload: Option<Value>,
}

/// Each operation gets a generation number, so frames still queued by an operation that was
/// stopped are never mistaken for those of a new operation reusing its id.
type Generation = u64;

/// What an operation hands its connection, boxed: tokio's channel allocates its slots 32 at a
/// time as it is made, so every open connection holds 32 of them whether or not anything is sent
/// (2 KiB of `Outgoing`s, 256 bytes of boxes).
type Queued = Box<Outgoing>;

enum Outgoing {
    /// A result (`next` / `data`) of a running operation.
    Result {
        id: String,
        generation: Generation,
        frame: String,
    },
    /// The operation's last frame (`complete` or `error`); its id is free again once sent.
    Last {
        id: String,
        generation: Generation,
        frame: String,
    },
}

/// Why a frame was not sent.
enum Unsent {
    /// The connection is gone.
    Failed,
    /// The client has not read what it was sent for the configured `ws_write_timeout`.
    TimedOut,
}

/// Why the server closes the connection.
struct Close(u16, String);

impl Close {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        Self(code, reason.into())
    }

    fn slow_consumer() -> Self {
        Self::new(
            SLOW_CONSUMER,
            "Slow consumer: messages were not read in time",
        )
    }

    /// WebSocket close reasons are limited to 123 bytes.
    fn into_frame(self) -> CloseFrame {
        let mut reason = self.1;
        while reason.len() > 123 {
            reason.pop();
        }
        CloseFrame {
            code: self.0,
            reason: reason.into(),
        }
    }
}

struct Connection {
    app: Arc<App>,
    /// Who opened the connection; its operations share one password allowance, as the
    /// operations of an HTTP batch do.
    client: Client,
    protocol: Protocol,
    cookie: Option<String>,
    request_id: String,
    init_received: bool,
    viewer: Option<LiveViewer>,
    /// Ends as the credential signed in with is revoked (on any instance).
    watch: Option<CredentialWatch>,
    /// Shows the signed-in person online while the connection is open.
    presence: Option<ConnectionGuard>,
    operations: HashMap<String, (Generation, JoinHandle<()>)>,
    next_generation: Generation,
    outgoing_tx: mpsc::Sender<Queued>,
    outgoing_rx: mpsc::Receiver<Queued>,
    /// Raised by an operation whose results the connection cannot send as fast as they come.
    fell_behind: Arc<Notify>,
}

impl Connection {
    fn new(
        app: Arc<App>,
        protocol: Protocol,
        cookie: Option<String>,
        request_id: String,
        client: Client,
    ) -> Self {
        let (outgoing_tx, outgoing_rx) = mpsc::channel(OUTGOING_BUFFER);
        Self {
            app,
            client,
            protocol,
            cookie,
            request_id,
            init_received: false,
            viewer: None,
            watch: None,
            presence: None,
            operations: HashMap::new(),
            next_generation: 0,
            outgoing_tx,
            outgoing_rx,
            fell_behind: Arc::default(),
        }
    }

    async fn run(mut self, mut socket: WebSocket) {
        let mut shutdown = self.app.shutdown_signal();
        let init_deadline = tokio::time::sleep(self.app.services.config.ws_init_timeout);
        tokio::pin!(init_deadline);
        let keep_alive_every = self.app.services.config.ws_keep_alive;
        let mut keep_alive = tokio::time::interval_at(
            tokio::time::Instant::now() + keep_alive_every,
            keep_alive_every,
        );
        // Ticks missed before sign-in do not come all at once after it.
        keep_alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_heard = tokio::time::Instant::now();
        let close = loop {
            if *shutdown.borrow_and_update() {
                break Some(Close::new(1001, "Server shutting down"));
            }
            tokio::select! {
                incoming = socket.recv() => {
                    last_heard = tokio::time::Instant::now();
                    match incoming {
                    Some(Ok(Message::Close(_))) => {
                        // Sends the reply the WebSocket library queued: the client's own code.
                        let _ = socket.flush().await;
                        break None;
                    }
                    Some(Ok(Message::Text(text))) => {
                        // Boxed: signing in and starting operations take large futures, which
                        // would otherwise stay in every open connection's task.
                        let handled = Box::pin(self.handle_text(&mut socket, text.as_str()));
                        if let Err(close) = handled.await {
                            break Some(close);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        break Some(Close::new(4400, "Binary messages are not supported"));
                    }
                    None | Some(Err(_)) => break None,
                    Some(Ok(_)) => {}
                    }
                },
                Some(outgoing) = self.outgoing_rx.recv() => {
                    // Boxed, as sending waits with a timer: room for it in every open connection's
                    // task would cost more than an allocation per frame.
                    match Box::pin(self.deliver(&mut socket, outgoing)).await {
                        Ok(()) => {}
                        Err(Unsent::Failed) => break None,
                        Err(Unsent::TimedOut) => break Some(Close::slow_consumer()),
                    }
                }
                _ = self.fell_behind.notified() => break Some(Close::slow_consumer()),
                _ = revoked(&self.watch) => break Some(Close::new(4403, "Forbidden")),
                _ = &mut init_deadline, if !self.init_received => {
                    break Some(Close::new(4408, "Connection initialisation timeout"));
                }
                _ = keep_alive.tick(), if self.viewer.is_some() => {
                    let silent = last_heard.elapsed();
                    if self.protocol == Protocol::TransportWs && silent > 2 * keep_alive_every {
                        break Some(Close::new(4408, "No answer to pings"));
                    }
                    let beat = match self.protocol {
                        Protocol::TransportWs => json!({ "type": "ping" }),
                        Protocol::Legacy => json!({ "type": "ka" }),
                    };
                    if send(&mut socket, &beat).await.is_err() {
                        break None;
                    }
                }
                _ = shutdown.changed() => {}
            }
        };
        for (_, (_, operation)) in self.operations.drain() {
            operation.abort();
        }
        if let Some(close) = close {
            if close.0 == SLOW_CONSUMER {
                self.app.metrics.websocket_slow_consumers.inc();
            }
            let frame = Message::Close(Some(close.into_frame()));
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.send(frame)).await;
        }
    }

    /// Sends a frame of a live operation; frames of stopped operations are dropped.
    async fn deliver(&mut self, socket: &mut WebSocket, outgoing: Queued) -> Result<(), Unsent> {
        let (id, generation, frame, last) = match *outgoing {
            Outgoing::Result {
                id,
                generation,
                frame,
            } => (id, generation, frame, false),
            Outgoing::Last {
                id,
                generation,
                frame,
            } => (id, generation, frame, true),
        };
        if self.operations.get(&id).map(|(live, _)| *live) != Some(generation) {
            return Ok(());
        }
        if last {
            self.operations.remove(&id);
        }
        let write_timeout = self.app.services.config.ws_write_timeout;
        let sent = socket.send(Message::Text(frame.into()));
        match tokio::time::timeout(write_timeout, sent).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Unsent::Failed),
            Err(_) => Err(Unsent::TimedOut),
        }
    }

    async fn handle_text(&mut self, socket: &mut WebSocket, text: &str) -> Result<(), Close> {
        let message: ClientMessage =
            serde_json::from_str(text).map_err(|_| Close::new(4400, "Invalid message received"))?;
        match (self.protocol, message.kind.as_str()) {
            (_, "connection_init") => self.initialise(socket, message.payload).await,
            (Protocol::TransportWs, "ping") => send(socket, &json!({ "type": "pong" }))
                .await
                .map_err(|_| closed()),
            (Protocol::TransportWs, "pong") => Ok(()),
            (Protocol::TransportWs, "subscribe") | (Protocol::Legacy, "start") => {
                self.start_operation(socket, message).await
            }
            (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
                if let Some((_, operation)) = message.id.and_then(|id| self.operations.remove(&id))
                {
                    operation.abort();
                }
                Ok(())
            }
            (Protocol::Legacy, "connection_terminate") => Err(Close::new(1000, "Terminated")),
            _ => Err(Close::new(4400, "Unknown message type")),
        }
    }

    /// Authenticates with the `Authorization` of the init payload, else the session cookie.
    async fn initialise(
        &mut self,
        socket: &mut WebSocket,
        payload: Option<Value>,
    ) -> Result<(), Close> {
        if self.init_received {
            return Err(Close::new(4429, "Too many initialisation requests"));
        }
        self.init_received = true;
        let authorization = payload.as_ref().and_then(|payload| {
            ["Authorization", "authorization"]
                .iter()
                .find_map(|key| payload.get(*key)?.as_str())
                .map(str::to_owned)
        });
        let viewer = authenticate(
            &self.app.services,
            authorization.as_deref(),
            self.cookie.as_deref(),
        )
        .await;
        match viewer {
            Ok(Some(viewer)) => {
                self.watch = Some(self.app.services.credential_watches.watch(&viewer));
                match Presence::connected(&self.app.services, viewer.id()).await {
                    Ok(guard) => self.presence = Some(guard),
                    Err(error) => {
                        tracing::warn!(?error, "could not record a connection's presence")
                    }
                }
                self.viewer = Some(LiveViewer::new(&self.app.services, viewer));
                send(socket, &json!({ "type": "connection_ack" }))
                    .await
                    .map_err(|_| closed())
            }
            Ok(None) | Err(ApiError::Unauthenticated) => {
                if self.protocol == Protocol::Legacy {
                    let error = json!({ "type": "connection_error", "payload": { "message": "Forbidden" } });
                    let _ = send(socket, &error).await;
                }
                Err(Close::new(4403, "Forbidden"))
            }
            Err(error) => Err(internal_close(error)),
        }
    }

    /// The viewer as they are now; a credential that stopped working closes the connection.
    async fn current_viewer(&mut self) -> Result<Viewer, Close> {
        let Some(viewer) = &mut self.viewer else {
            return Err(Close::new(4401, "Unauthorized"));
        };
        viewer
            .current(&self.app.services)
            .await
            .map_err(internal_close)?
            .ok_or_else(|| Close::new(4403, "Forbidden"))
    }

    async fn start_operation(
        &mut self,
        socket: &mut WebSocket,
        message: ClientMessage,
    ) -> Result<(), Close> {
        let viewer = self.current_viewer().await?;
        let Some(id) = message.id else {
            return Err(Close::new(4400, "The subscribe message has no id"));
        };
        if self.operations.contains_key(&id) {
            return Err(Close::new(
                4409,
                format!("Subscriber for {id} already exists"),
            ));
        }
        let slot = match self.reserve_operation(viewer.id()) {
            Ok(slot) => slot,
            Err(message) => {
                // A slot frees when one of the viewer's operations ends, at no known time: the
                // client is asked to wait the usual few seconds.
                let extensions = json!({
                    "code": "RATE_LIMITED",
                    RETRY_AFTER_EXTENSION: RETRY_AFTER_SECONDS,
                });
                let error = json!({ "message": message, "extensions": extensions });
                let refusal = json!({ "type": "error", "id": id, "payload": [error] });
                return send(socket, &refusal).await.map_err(|_| closed());
            }
        };
        let request: async_graphql::Request = message
            .payload
            .and_then(|payload| serde_json::from_value(payload).ok())
            .ok_or_else(|| Close::new(4400, "Invalid subscribe payload"))?;
        let trace = RequestTrace::default();
        let mut context = RequestContext::new(Some(viewer), self.request_id.clone());
        context.client = self.client.clone();
        context.live = true;
        let request = context
            .attach(&self.app.services, request)
            .data(trace.clone());
        self.next_generation += 1;
        let operation = Operation {
            app: self.app.clone(),
            id: id.clone(),
            generation: self.next_generation,
            protocol: self.protocol,
            request_id: self.request_id.clone(),
            outgoing: self.outgoing_tx.clone(),
            fell_behind: self.fell_behind.clone(),
        };
        // Made here rather than in the task (it runs only once polled there): the task then
        // holds the stream alone, not also the request it was made from.
        let responses = self.app.schemas.signed_in.execute_stream(request);
        let open = crate::http::metrics::OpenOperation::new(&self.app.metrics.websocket_operations);
        let task = tokio::spawn(async move {
            operation.run(responses, trace).await;
            drop((slot, open));
        });
        self.operations.insert(id, (self.next_generation, task));
        Ok(())
    }
}

impl Connection {
    /// A place for one more operation, within this connection's and this person's limits.
    fn reserve_operation(&self, person: Uuid) -> Result<OperationSlot, String> {
        let limits = &self.app.services.config.limits;
        if self.operations.len() >= limits.max_operations_per_socket {
            return Err(format!(
                "This connection already runs {} operations, the limit; complete some first.",
                limits.max_operations_per_socket
            ));
        }
        self.app
            .operations_per_person
            .reserve(person, limits.max_subscriptions_per_person)
            .ok_or_else(|| {
                format!(
                    "You already have {} subscriptions open, the limit; complete some first.",
                    limits.max_subscriptions_per_person
                )
            })
    }
}

/// Returns once the connection's credential is revoked; never before sign-in.
async fn revoked(watch: &Option<CredentialWatch>) {
    match watch {
        Some(watch) => watch.ended().await,
        None => std::future::pending().await,
    }
}

/// A server-side failure: logged, and the client is told only that it was ours (4500).
fn internal_close(error: ApiError) -> Close {
    if let ApiError::Internal(cause) = &error {
        tracing::error!(error = ?cause, "WebSocket connection failed");
    }
    Close::new(4500, "Internal server error")
}

fn closed() -> Close {
    Close::new(1000, "")
}

async fn send(socket: &mut WebSocket, frame: &Value) -> Result<(), axum::Error> {
    socket.send(Message::Text(frame.to_string().into())).await
}
