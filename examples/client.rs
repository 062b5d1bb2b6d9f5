//! A minimal Parvis API client: signs in with a personal access token, runs a query over HTTP and
//! prints the viewer's profile changes as they arrive over WebSocket (`graphql-transport-ws`).
//!
//! ```sh
//! cargo run --example client -- http://127.0.0.1:8080 "$PARVIS_TOKEN"
//! ```
//! Then change your profile (GraphiQL, `UpdateProfile.graphql`) and watch the events.

use std::io::Write;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const VIEWER: &str = include_str!("operations/Viewer.graphql");
const USER_UPDATED: &str = include_str!("operations/UserUpdated.graphql");

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let base_url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let token = args
        .next()
        .or_else(|| std::env::var("PARVIS_TOKEN").ok())
        .ok_or("give a personal access token as the second argument or PARVIS_TOKEN")?;
    run(&base_url, &token, None, &mut std::io::stdout()).await
}

/// Prints the viewer, then up to `max_events` profile changes (forever when `None`).
pub async fn run(
    base_url: &str,
    token: &str,
    max_events: Option<usize>,
    out: &mut (impl Write + Send),
) -> Result<(), BoxError> {
    let response: Value = reqwest::Client::new()
        .post(format!("{base_url}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": VIEWER }))
        .send()
        .await?
        .json()
        .await?;
    if let Some(errors) = response.get("errors") {
        return Err(format!("the query failed: {errors}").into());
    }
    let viewer = &response["data"]["viewer"];
    writeln!(
        out,
        "Signed in as {} ({})",
        plain(&viewer["displayName"]),
        plain(&viewer["username"])
    )?;

    let ws_url = format!("{}/graphql/ws", base_url.replacen("http", "ws", 1));
    let mut request = ws_url.into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let send = |message: Value| Message::Text(message.to_string().into());
    socket
        .send(send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })))
        .await?;
    socket
        .send(send(json!({
            "id": "profile",
            "type": "subscribe",
            "payload": { "query": USER_UPDATED, "variables": { "id": viewer["id"] } }
        })))
        .await?;
    writeln!(out, "Waiting for profile changes...")?;
    out.flush()?;

    let mut received = 0;
    while max_events.is_none_or(|max| received < max) {
        let Some(frame) = socket.next().await else {
            break;
        };
        let Message::Text(text) = frame? else {
            continue;
        };
        let message: Value = serde_json::from_str(&text)?;
        match message["type"].as_str() {
            Some("next") => {
                let user = &message["payload"]["data"]["userUpdated"];
                writeln!(
                    out,
                    "Profile changed: {} / {}",
                    plain(&user["displayName"]),
                    plain(&user["title"])
                )?;
                out.flush()?;
                received += 1;
            }
            Some("ping") => socket.send(send(json!({ "type": "pong" }))).await?,
            Some("error") => {
                return Err(format!("subscription refused: {}", message["payload"]).into());
            }
            _ => {}
        }
    }
    socket.close(None).await?;
    Ok(())
}

/// A string field as people read it (no JSON quotes), "-" when it is empty.
fn plain(value: &Value) -> &str {
    value.as_str().unwrap_or("-")
}
