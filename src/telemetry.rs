//! Structured logs: human-readable by default, JSON with `PARVIS_LOG_FORMAT=json`; the level
//! comes from `RUST_LOG` (default `info`). Colours only on a terminal: a file, a pipe or a log
//! collector gets plain text.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init_logging() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let json = std::env::var("PARVIS_LOG_FORMAT").is_ok_and(|format| format == "json");
    let result = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.compact().try_init()
    };
    // Already initialised (tests): keep the first subscriber.
    drop(result);
}
