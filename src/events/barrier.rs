//! Barriers: waiting until every instance has applied what one instance committed.
//!
//! PostgreSQL delivers notifications to each listening connection in commit order. An instance
//! that committed a change (a revoked token) publishes `BarrierRequested` afterwards; each
//! listener reaches it only after the change's own events, which its observers applied first,
//! and answers `BarrierPassed`. The requester counts the listeners first: the connections that
//! name themselves after the channel (`application_name`), which is every instance whose
//! caches follow the bus (one whose listening connection is down has forgotten everything).

use std::collections::HashSet;
use std::time::Duration;

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::{Event, EventBus};

/// How long a barrier waits for the listeners' answers before it gives up, with a warning.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Names a listening connection after its channel, so that barriers can count the listeners.
pub async fn name_listener(conn: &mut AsyncPgConnection, channel: &str) -> anyhow::Result<()> {
    diesel::sql_query("SELECT set_config('application_name', $1, false)")
        .bind::<Text, _>(channel)
        .execute(conn)
        .await?;
    Ok(())
}

/// A listener's answer to a barrier, on its own listening connection.
pub async fn answer(
    conn: &mut AsyncPgConnection,
    channel: &str,
    passed: &Event,
) -> anyhow::Result<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(channel)
        .bind::<Text, _>(serde_json::to_string(passed)?)
        .execute(conn)
        .await?;
    Ok(())
}

/// See `EventBus::barrier`.
pub async fn pass(bus: &EventBus, conn: &mut AsyncPgConnection) {
    let id = Uuid::new_v4();
    // Watching from before the request, so no answer is missed.
    let mut answers = bus.sender.subscribe();
    let requested = async {
        let listeners = listeners(conn, &bus.channel).await?;
        bus.publish(conn, &Event::BarrierRequested { id }).await?;
        Ok::<_, crate::error::ApiError>(listeners)
    };
    let listeners = match requested.await {
        // This instance listens, at least, even where other sessions cannot be seen.
        Ok(listeners) => listeners.max(1),
        Err(error) => {
            tracing::warn!(?error, "a barrier could not be requested");
            return;
        }
    };
    let passed = async {
        let mut heard_from = HashSet::new();
        while heard_from.len() < listeners {
            match answers.recv().await {
                Ok(event) => {
                    if let Event::BarrierPassed {
                        id: passed,
                        listener,
                    } = **event
                        && passed == id
                    {
                        heard_from.insert(listener);
                    }
                }
                // Over a thousand events went by meanwhile: the answers may still come.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    };
    if tokio::time::timeout(TIMEOUT, passed).await.is_err() {
        tracing::warn!(listeners, "not every instance passed a barrier in time");
    }
}

/// How many connections listen on `channel` now.
async fn listeners(conn: &mut AsyncPgConnection, channel: &str) -> diesel::QueryResult<usize> {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let count: Count =
        diesel::sql_query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1")
            .bind::<Text, _>(channel)
            .get_result(conn)
            .await?;
    Ok(count.n as usize)
}
