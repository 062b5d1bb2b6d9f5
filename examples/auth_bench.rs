//! The smallest request, `{ __typename }`, under 32 concurrent clients against a real server:
//! signed out, with a personal access token, and with a token while the credential cache is off
//! (every request checks the token in the database). Checks every response body and prints the
//! throughput and p50/p99 latencies of each.
//!
//! ```sh
//! DATABASE_URL=postgres://localhost/parvis_bench cargo run --release --example auth_bench
//! ```
//! Options (environment): BENCH_CLIENTS (32), BENCH_SECONDS (10). The clients run in the same
//! process as the server: the figures are lower than a separate load generator's.

mod bench;

use std::sync::Arc;
use std::time::{Duration, Instant};

use parvis::App;
use parvis::config::AppConfig;
use parvis::db::DbSettings;
use serde_json::{Value, json};

use bench::{BoxError, percentile, setting, sorted_latencies};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| "set DATABASE_URL to a PostgreSQL database for the benchmark")?;
    let clients = setting("BENCH_CLIENTS", 32) as usize;
    let seconds = setting("BENCH_SECONDS", 10);
    let mut settings = DbSettings::new(&url);
    settings.pool_size = clients + 8;
    parvis::db::run_migrations(settings.connect().await?).await?;
    let token = bench_token(&settings).await?;

    let cached = serve(&settings, AppConfig::for_address).await?;
    let uncached = serve(&settings, |address| {
        let mut config = AppConfig::for_address(address);
        config.credential_cache_lifetime = Duration::ZERO;
        config
    })
    .await?;
    for (label, endpoint, token) in [
        ("signed out", &cached, None),
        ("personal access token", &cached, Some(&token)),
        ("token, credential cache off", &uncached, Some(&token)),
    ] {
        let (count, p50, p99) = load(endpoint, token.cloned(), clients, seconds).await?;
        println!(
            "{{ __typename }}, {label}, {clients} clients, {seconds} s: {count} requests ({:.0}/s), p50 {p50:?}, p99 {p99:?}",
            count as f64 / seconds as f64
        );
    }
    Ok(())
}

/// A token of the person `auth-bench` (made on first run).
async fn bench_token(settings: &DbSettings) -> Result<String, BoxError> {
    let mut conn = settings.connect().await?;
    let user = match parvis::users::model::find_by_identifier(&mut conn, "auth-bench")
        .await
        .map_err(|_| "look up the bench user")?
    {
        Some(user) => user,
        None => {
            let new_user = parvis::users::NewUser::new("auth-bench", "Auth Bench");
            parvis::users::model::insert(&mut conn, &new_user)
                .await
                .map_err(|_| "create the bench user")?
        }
    };
    let (_, token) = parvis::auth::access_tokens::create(&mut conn, user.id, "auth bench", None)
        .await
        .map_err(|_| "create a token")?;
    Ok(token)
}

/// Starts a server configured by `config`; returns its GraphQL endpoint.
async fn serve(
    settings: &DbSettings,
    config: impl FnOnce(std::net::SocketAddr) -> AppConfig,
) -> Result<String, BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = App::build(config(address), settings.clone()).await?;
    tokio::spawn(app.serve(listener, std::future::pending()));
    Ok(format!("http://{address}/graphql"))
}

/// Requests made in `seconds` by `clients` clients, and their p50 and p99 latencies.
async fn load(
    endpoint: &str,
    token: Option<String>,
    clients: usize,
    seconds: u64,
) -> Result<(usize, Duration, Duration), BoxError> {
    let http = reqwest::Client::new();
    let token = Arc::new(token);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (http, endpoint, token) = (http.clone(), endpoint.to_owned(), token.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let mut request = http
                        .post(&endpoint)
                        .json(&json!({ "query": "{ __typename }" }));
                    if let Some(token) = token.as_deref() {
                        request = request.bearer_auth(token);
                    }
                    let body: Value = request.send().await?.json().await?;
                    if body != json!({ "data": { "__typename": "Query" } }) {
                        return Err::<Vec<Duration>, BoxError>(
                            format!("bad response: {body}").into(),
                        );
                    }
                    latencies.push(started.elapsed());
                }
                Ok(latencies)
            })
        })
        .collect();
    let latencies = sorted_latencies(tasks).await?;
    let percentile = |p: f64| percentile(&latencies, p);
    Ok((latencies.len(), percentile(0.50), percentile(0.99)))
}
