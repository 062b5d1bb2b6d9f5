//! What the WebSocket benchmarks share: the server in a process of its own (this program
//! started again with `BENCH_ROLE=server`, so that each process needs one file descriptor per
//! subscriber and the clients' work is not counted as the server's), and `graphql-transport-ws`
//! clients.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use parvis::App;
use parvis::config::AppConfig;
use parvis::db::DbSettings;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::bench::BoxError;

/// Whether this process is the benchmark's server.
pub fn is_server() -> bool {
    std::env::var("BENCH_ROLE").as_deref() == Ok("server")
}

/// Serves the API on a free port, printing its address on the first line of stdout, until
/// stdin closes (the benchmark ended).
pub async fn serve(settings: DbSettings) -> Result<(), BoxError> {
    let _telemetry = parvis::telemetry::init(None)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let mut config = AppConfig::for_address(address);
    // Connecting ten thousand sockets takes longer than two ping intervals, and the sockets only
    // read once the benchmark sends: no pings while they wait.
    config.ws_keep_alive = Duration::from_secs(3600);
    let app = App::build(config, settings).await?;
    println!("{address}");
    let stdin_closed = async {
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().lines().count()).await;
    };
    app.serve(listener, stdin_closed).await?;
    Ok(())
}

/// The server process, stopped when the benchmark ends (however it ends).
pub struct Server {
    child: Child,
    pub address: SocketAddr,
}

impl Server {
    /// This program again as the server.
    pub fn start() -> Result<Self, BoxError> {
        // Its log (on stderr, shared with the benchmark's) shows warnings only.
        let log = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned());
        let mut child = Command::new(std::env::current_exe()?)
            .env("BENCH_ROLE", "server")
            .env("RUST_LOG", log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let address = line
            .trim()
            .parse()
            .map_err(|_| format!("the server did not start: {line:?}"))?;
        Ok(Self { child, address })
    }

    /// The server's resident memory, in KiB (Linux).
    pub fn rss_kib(&self) -> Result<u64, BoxError> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|line| line.starts_with("VmRSS:"))
            .ok_or("no VmRSS")?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .ok_or("no VmRSS value")?
            .parse()?)
    }

    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.address)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql/ws", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `graphql-transport-ws` connection signed in with `token`, acknowledged.
pub async fn connect(url: &str, token: &str) -> Result<Socket, BoxError> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    send(&mut socket, &init).await?;
    let ack = next_json(&mut socket).await?;
    if ack["type"] != "connection_ack" {
        return Err(format!("no connection_ack: {ack}").into());
    }
    Ok(socket)
}

/// Sends a frame (`subscribe`, say).
pub async fn send(socket: &mut Socket, frame: &Value) -> Result<(), BoxError> {
    socket.send(Message::Text(frame.to_string().into())).await?;
    Ok(())
}

/// The next JSON frame (pings answered).
pub async fn next_json(socket: &mut Socket) -> Result<Value, BoxError> {
    loop {
        match socket.next().await.ok_or("the socket closed")?? {
            Message::Text(text) => {
                let message: Value = serde_json::from_str(&text)?;
                if message["type"] == "ping" {
                    send(socket, &json!({ "type": "pong" })).await?;
                    continue;
                }
                return Ok(message);
            }
            Message::Close(frame) => return Err(format!("closed: {frame:?}").into()),
            _ => {}
        }
    }
}
