//! What the benchmarks share: their settings from the environment and their latency figures.

use std::time::Duration;

use tokio::task::JoinHandle;

/// The server's allocator (see `src/main.rs`), so that what is measured is what runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The number the environment variable `name` holds, or `default`.
pub fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The latency below which the fraction `p` of `sorted` (ascending, not empty) lies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// The latencies the clients' tasks measured, all together and sorted (the first error if any).
pub async fn sorted_latencies(
    clients: Vec<JoinHandle<Result<Vec<Duration>, BoxError>>>,
) -> Result<Vec<Duration>, BoxError> {
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await??);
    }
    latencies.sort();
    Ok(latencies)
}
