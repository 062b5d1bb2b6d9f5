//! A WebSocket GraphQL client for tests, speaking the frames of either protocol by hand.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct WsClient {
    socket: Socket,
}

/// What the server did next.
#[derive(Debug, PartialEq)]
pub enum Received {
    Message(Value),
    Closed { code: u16, reason: String },
}

impl WsClient {
    pub async fn connect(url: &str, protocol: &str) -> Self {
        Self::connect_with_headers(url, protocol, &[]).await
    }

    pub async fn connect_with_headers(
        url: &str,
        protocol: &str,
        headers: &[(&'static str, &str)],
    ) -> Self {
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocol).expect("protocol header"),
        );
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(*name, HeaderValue::from_str(value).expect("header value"));
        }
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket handshake");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .map(|v| v.to_str().unwrap_or_default()),
            Some(protocol)
        );
        Self { socket }
    }

    /// Connects with `graphql-transport-ws` and completes `connection_init` with a token.
    pub async fn connect_authenticated(url: &str, token: &str) -> Self {
        let mut client = Self::connect(url, "graphql-transport-ws").await;
        client
            .send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }))
            .await;
        assert_eq!(client.next_message().await["type"], "connection_ack");
        client
    }

    pub async fn send(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .expect("send a frame");
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next frame within 10 seconds (pings from the server are skipped).
    pub async fn receive(&mut self) -> Received {
        self.receive_within(Duration::from_secs(10))
            .await
            .expect("nothing received within 10 s")
    }

    /// Runs `act` (given the attempt's number) until a message arrives, and returns it: a
    /// subscription registers asynchronously, so what happens before it is missed.
    pub async fn until_delivered<F, Fut>(&mut self, mut act: F) -> Value
    where
        F: FnMut(usize) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        for attempt in 0..50 {
            act(attempt).await;
            if let Some(Received::Message(message)) =
                self.receive_within(Duration::from_millis(200)).await
            {
                return message;
            }
        }
        panic!("nothing delivered after 50 attempts");
    }

    pub async fn receive_within(&mut self, limit: Duration) -> Option<Received> {
        loop {
            let frame = tokio::time::timeout(limit, self.socket.next()).await.ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Some(Received::Message(
                        serde_json::from_str(&text).expect("JSON frame"),
                    ));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(match frame {
                        Some(frame) => Received::Closed {
                            code: frame.code.into(),
                            reason: frame.reason.to_string(),
                        },
                        None => Received::Closed {
                            code: 1005,
                            reason: String::new(),
                        },
                    });
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    return Some(Received::Closed {
                        code: 1006,
                        reason: String::new(),
                    });
                }
            }
        }
    }

    pub async fn next_message(&mut self) -> Value {
        match self.receive().await {
            Received::Message(message) => message,
            closed => panic!("expected a message, the server closed: {closed:?}"),
        }
    }

    /// Starts the closing handshake with `code`.
    pub async fn close(&mut self, code: u16) {
        use tokio_tungstenite::tungstenite::protocol::CloseFrame;
        self.socket
            .send(Message::Close(Some(CloseFrame {
                code: code.into(),
                reason: "".into(),
            })))
            .await
            .expect("send close frame");
    }

    /// The close code the server ends the connection with.
    pub async fn close_code(&mut self) -> u16 {
        loop {
            match self.receive().await {
                Received::Closed { code, .. } => return code,
                Received::Message(_) => continue,
            }
        }
    }
}
