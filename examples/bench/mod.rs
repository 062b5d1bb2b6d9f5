//! What the benchmarks share: their settings from the environment and their latency figures.

use std::time::Duration;

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
