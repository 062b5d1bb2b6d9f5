//! Liveness and readiness probes.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use tokio::sync::Mutex;

use crate::app::App;

/// Remembers once every migration is applied (they are not un-applied under a running server),
/// so frequent probes cost one pooled `SELECT 1`, and checks run one at a time until then.
#[derive(Default)]
pub struct Readiness {
    migrations_applied: Mutex<bool>,
}

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The database answers and every migration is applied.
pub async fn readyz(State(app): State<Arc<App>>) -> (StatusCode, &'static str) {
    let reachable = async {
        let mut conn = app.services.pool.get().await?;
        crate::db::ping(&mut conn).await
    };
    if let Err(error) = reachable.await {
        tracing::warn!(%error, "readiness: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n");
    }
    let mut applied = app.readiness.migrations_applied.lock().await;
    if !*applied {
        let pending = async {
            let conn = app.services.db.connect().await?;
            crate::db::pending_migrations(conn).await
        };
        match pending.await {
            Ok(0) => *applied = true,
            Ok(_) => return (StatusCode::SERVICE_UNAVAILABLE, "migrations pending\n"),
            Err(error) => {
                tracing::warn!(%error, "readiness: reading migrations");
                return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n");
            }
        }
    }
    (StatusCode::OK, "ready\n")
}
