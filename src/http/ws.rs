//! GraphQL over WebSocket: the `graphql-transport-ws` protocol (the `graphql-ws` client library)
//! and the legacy `graphql-ws` protocol (subscriptions-transport-ws).
//!
//! Our own implementation, because async-graphql's handler does not follow the close codes of
//! `graphql-transport-ws`: 4400 invalid message, 4401 subscribe before `connection_ack`, 4403
//! rejected credentials, 4408 no `connection_init` in time, 4409 duplicate subscription id, 4429
//! a second `connection_init`. Server shutdown closes with 1001 (going away).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use axum::response::Response;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::auth::{Viewer, authenticate, session_cookie_value};
use crate::graphql::context::RequestContext;
use crate::graphql::limits::RequestTrace;

const TRANSPORT_WS: &str = "graphql-transport-ws";
const LEGACY_WS: &str = "graphql-ws";
const LEGACY_KEEP_ALIVE: Duration = Duration::from_secs(15);
const OUTGOING_BUFFER: usize = 64;

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
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let upgrade = upgrade.protocols([TRANSPORT_WS, LEGACY_WS]);
    let protocol = match upgrade.selected_protocol().map(|p| p.as_bytes()) {
        Some(p) if p == LEGACY_WS.as_bytes() => Protocol::Legacy,
        _ => Protocol::TransportWs,
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
    upgrade.on_upgrade(move |socket| async move {
        app.metrics.websocket_clients.inc();
        Connection::new(app.clone(), protocol, cookie, request_id)
            .run(socket)
            .await;
        app.metrics.websocket_clients.dec();
    })
}

#[derive(Debug, Deserialize)]
struct ClientMessage {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    payload: Option<Value>,
}

enum Outgoing {
    Frame(Value),
    /// A subscription's stream ended; its id may be reused.
    Finished(String),
}

/// Why the server closes the connection.
struct Close(u16, String);

impl Close {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        Self(code, reason.into())
    }
}

struct Connection {
    app: Arc<App>,
    protocol: Protocol,
    cookie: Option<String>,
    request_id: String,
    init_received: bool,
    viewer: Option<Viewer>,
    operations: HashMap<String, JoinHandle<()>>,
    outgoing_tx: mpsc::Sender<Outgoing>,
    outgoing_rx: mpsc::Receiver<Outgoing>,
}

impl Connection {
    fn new(app: Arc<App>, protocol: Protocol, cookie: Option<String>, request_id: String) -> Self {
        let (outgoing_tx, outgoing_rx) = mpsc::channel(OUTGOING_BUFFER);
        Self {
            app,
            protocol,
            cookie,
            request_id,
            init_received: false,
            viewer: None,
            operations: HashMap::new(),
            outgoing_tx,
            outgoing_rx,
        }
    }

    async fn run(mut self, mut socket: WebSocket) {
        let mut shutdown = self.app.shutdown_signal();
        let init_deadline = tokio::time::sleep(self.app.services.config.ws_init_timeout);
        tokio::pin!(init_deadline);
        let mut keep_alive = tokio::time::interval(LEGACY_KEEP_ALIVE);
        let close = loop {
            tokio::select! {
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        if let Err(close) = self.handle_text(&mut socket, text.as_str()).await {
                            break Some(close);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        break Some(Close::new(4400, "Binary messages are not supported"));
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                    Some(Ok(_)) => {}
                },
                Some(outgoing) = self.outgoing_rx.recv() => match outgoing {
                    Outgoing::Frame(frame) => {
                        if send(&mut socket, &frame).await.is_err() {
                            break None;
                        }
                    }
                    Outgoing::Finished(id) => {
                        self.operations.remove(&id);
                    }
                },
                _ = &mut init_deadline, if !self.init_received => {
                    break Some(Close::new(4408, "Connection initialisation timeout"));
                }
                _ = keep_alive.tick(), if self.protocol == Protocol::Legacy && self.viewer.is_some() => {
                    if send(&mut socket, &json!({ "type": "ka" })).await.is_err() {
                        break None;
                    }
                }
                _ = shutdown.changed() => {
                    break Some(Close::new(1001, "Server shutting down"));
                }
            }
        };
        for (_, operation) in self.operations.drain() {
            operation.abort();
        }
        if let Some(Close(code, reason)) = close {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = socket.send(Message::Close(Some(frame))).await;
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
                self.start_operation(message).await
            }
            (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
                if let Some(operation) = message.id.and_then(|id| self.operations.remove(&id)) {
                    operation.abort();
                }
                Ok(())
            }
            (Protocol::Legacy, "connection_terminate") => Err(Close::new(1000, "Terminated")),
            _ => Err(Close::new(
                4400,
                format!("Unknown message type {:?}", message.kind),
            )),
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
        let viewer = async {
            let mut conn = self.app.services.pool.get().await?;
            authenticate(&mut conn, authorization.as_deref(), self.cookie.as_deref()).await
        }
        .await;
        match viewer {
            Ok(Some(viewer)) => {
                self.viewer = Some(viewer);
                send(socket, &json!({ "type": "connection_ack" }))
                    .await
                    .map_err(|_| closed())
            }
            Ok(None) | Err(_) => {
                if self.protocol == Protocol::Legacy {
                    let error = json!({ "type": "connection_error", "payload": { "message": "Forbidden" } });
                    let _ = send(socket, &error).await;
                }
                Err(Close::new(4403, "Forbidden"))
            }
        }
    }

    async fn start_operation(&mut self, message: ClientMessage) -> Result<(), Close> {
        let Some(viewer) = self.viewer.clone() else {
            return Err(Close::new(4401, "Unauthorized"));
        };
        let Some(id) = message.id else {
            return Err(Close::new(4400, "The subscribe message has no id"));
        };
        if self.operations.contains_key(&id) {
            return Err(Close::new(
                4409,
                format!("Subscriber for {id} already exists"),
            ));
        }
        let request: async_graphql::Request = message
            .payload
            .and_then(|payload| serde_json::from_value(payload).ok())
            .ok_or_else(|| Close::new(4400, "Invalid subscribe payload"))?;
        let trace = RequestTrace::default();
        let context = RequestContext {
            viewer: Some(viewer),
            request_id: self.request_id.clone(),
        };
        let request = context
            .attach(&self.app.services, request)
            .data(trace.clone());
        let schema = self.app.schemas.signed_in.clone();
        let outgoing = self.outgoing_tx.clone();
        let protocol = self.protocol;
        let operation_id = id.clone();
        let request_id = self.request_id.clone();
        let task = tokio::spawn(async move {
            let mut responses = std::pin::pin!(schema.execute_stream(request));
            while let Some(mut response) = responses.next().await {
                super::graphql::complete_error_codes(&mut response.errors, &request_id);
                let frame = if !trace.get().valid && response.is_err() {
                    // Refused before execution (parse or validation): an `error` message, and the
                    // operation is over without `complete`.
                    let _ = outgoing
                        .send(Outgoing::Frame(json!({ "type": "error", "id": operation_id, "payload": response.errors })))
                        .await;
                    let _ = outgoing.send(Outgoing::Finished(operation_id)).await;
                    return;
                } else {
                    json!({ "type": protocol.data_message(), "id": operation_id, "payload": response })
                };
                if outgoing.send(Outgoing::Frame(frame)).await.is_err() {
                    return;
                }
            }
            let _ = outgoing
                .send(Outgoing::Frame(
                    json!({ "type": "complete", "id": operation_id }),
                ))
                .await;
            let _ = outgoing.send(Outgoing::Finished(operation_id)).await;
        });
        self.operations.insert(id, task);
        Ok(())
    }
}

fn closed() -> Close {
    Close::new(1000, "")
}

async fn send(socket: &mut WebSocket, frame: &Value) -> Result<(), axum::Error> {
    socket.send(Message::Text(frame.to_string().into())).await
}
