//! Who is online, from the signed-in WebSockets open on any instance.
//!
//! Each instance counts its own connections per person in memory and keeps one row per person
//! it holds in `presence_connections`, refreshed every `HEARTBEAT`; a row older than `EXPIRES`
//! (its instance died without saying goodbye) counts for nothing, and any live instance sweeps
//! it. Changes reach `presenceChanged` subscribers through the event bus.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Array, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::presence_away;
use crate::error::ApiResult;
use crate::events::Event;
use crate::services::Services;

/// How often an instance refreshes its rows and sweeps dead instances' ones.
pub const HEARTBEAT: Duration = Duration::from_secs(20);
/// How long a row counts without being refreshed: a dead instance leaves nobody online longer.
pub const EXPIRES_SECONDS: i32 = 60;

crate::text_enum! {
    /// Whether a person is there.
    pub enum Status {
        /// A signed-in connection is open.
        Online => "online",
        /// Connected, but they said they are away.
        Away => "away",
        Offline => "offline",
    }
}

/// This instance's connections per person.
pub struct Presence {
    instance: Uuid,
    open: Mutex<HashMap<Uuid, usize>>,
}

impl Default for Presence {
    fn default() -> Self {
        Self {
            instance: Uuid::new_v4(),
            open: Mutex::default(),
        }
    }
}

impl Presence {
    fn open(&self) -> MutexGuard<'_, HashMap<Uuid, usize>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one more connection of `person`; the first one on this instance shows them
    /// online everywhere. The guard counts it off when dropped.
    pub async fn connected(services: &Arc<Services>, person: Uuid) -> ApiResult<ConnectionGuard> {
        let first = {
            let mut open = services.presence.open();
            let count = open.entry(person).or_default();
            *count += 1;
            *count == 1
        };
        let guard = ConnectionGuard {
            services: services.clone(),
            person,
        };
        if first {
            let mut conn = services.pool.get().await?;
            refresh(&mut conn, services.presence.instance, &[person]).await?;
            announce(&mut conn, services, person).await?;
        }
        Ok(guard)
    }

    fn people(&self) -> Vec<Uuid> {
        self.open().keys().copied().collect()
    }
}

/// One open connection of a person, counted off when dropped.
pub struct ConnectionGuard {
    services: Arc<Services>,
    person: Uuid,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let last = {
            let mut open = self.services.presence.open();
            match open.get_mut(&self.person) {
                Some(count) if *count > 1 => {
                    *count -= 1;
                    false
                }
                _ => {
                    open.remove(&self.person);
                    true
                }
            }
        };
        if last {
            let (services, person) = (self.services.clone(), self.person);
            tokio::spawn(async move {
                if let Err(error) = disconnected(&services, person).await {
                    tracing::warn!(?error, "could not record that someone went offline");
                }
            });
        }
    }
}

async fn disconnected(services: &Services, person: Uuid) -> ApiResult<()> {
    let mut conn = services.pool.get().await?;
    diesel::sql_query("DELETE FROM presence_connections WHERE user_id = $1 AND instance_id = $2")
        .bind::<SqlUuid, _>(person)
        .bind::<SqlUuid, _>(services.presence.instance)
        .execute(&mut conn)
        .await?;
    announce(&mut conn, services, person).await
}

async fn announce(
    conn: &mut AsyncPgConnection,
    services: &Services,
    person: Uuid,
) -> ApiResult<()> {
    services
        .events
        .publish(conn, &Event::PresenceChanged { user_id: person })
        .await
}

/// Marks `people` as connected to `instance` now.
async fn refresh(conn: &mut AsyncPgConnection, instance: Uuid, people: &[Uuid]) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO presence_connections (user_id, instance_id)
         SELECT person, $2 FROM unnest($1::uuid[]) AS person
         ON CONFLICT (user_id, instance_id) DO UPDATE SET seen_at = now()",
    )
    .bind::<Array<SqlUuid>, _>(people)
    .bind::<SqlUuid, _>(instance)
    .execute(conn)
    .await?;
    Ok(())
}

/// One heartbeat: refreshes this instance's rows and drops any it no longer holds (an offline
/// write that failed, as when thousands disconnect at once and the pool runs dry), then sweeps
/// the rows of dead instances; announces who went offline either way.
pub async fn beat(services: &Services) -> ApiResult<()> {
    #[derive(QueryableByName)]
    struct Gone {
        #[diesel(sql_type = SqlUuid)]
        user_id: Uuid,
    }
    let mut conn = services.pool.get().await?;
    let people = services.presence.people();
    let instance = services.presence.instance;
    refresh(&mut conn, instance, &people).await?;
    let mut gone: Vec<Gone> = diesel::sql_query(
        "DELETE FROM presence_connections WHERE instance_id = $2 AND user_id <> ALL($1)
         RETURNING user_id",
    )
    .bind::<Array<SqlUuid>, _>(&people)
    .bind::<SqlUuid, _>(instance)
    .load(&mut conn)
    .await?;
    gone.extend(
        diesel::sql_query(format!(
            "DELETE FROM presence_connections
             WHERE seen_at < now() - interval '{EXPIRES_SECONDS} seconds' RETURNING user_id"
        ))
        .load::<Gone>(&mut conn)
        .await?,
    );
    let went_offline: Vec<Event> = gone
        .into_iter()
        .map(|person| Event::PresenceChanged {
            user_id: person.user_id,
        })
        .collect();
    services.events.publish_all(&mut conn, &went_offline).await
}

/// Beats every `HEARTBEAT` until `stop` flips; then takes this instance's rows away.
pub fn spawn_heartbeat(
    services: Arc<Services>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HEARTBEAT);
        loop {
            tokio::select! {
                _ = every.tick() => {
                    if let Err(error) = beat(&services).await {
                        tracing::warn!(?error, "presence heartbeat failed");
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}

/// Each of `people`'s status now: one statement.
pub async fn statuses(
    conn: &mut AsyncPgConnection,
    people: &[Uuid],
) -> ApiResult<HashMap<Uuid, Status>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        user_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: Status,
    }
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT person AS user_id,
           CASE WHEN NOT EXISTS (
                  SELECT 1 FROM presence_connections c WHERE c.user_id = person
                    AND c.seen_at >= now() - interval '{EXPIRES_SECONDS} seconds') THEN 'offline'
                WHEN EXISTS (SELECT 1 FROM presence_away a WHERE a.user_id = person) THEN 'away'
                ELSE 'online' END AS status
         FROM unnest($1::uuid[]) AS person"
    ))
    .bind::<Array<SqlUuid>, _>(people)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.user_id, row.status))
        .collect())
}

/// Says the viewer is away, or back.
pub async fn set_away(
    conn: &mut AsyncPgConnection,
    services: &Services,
    person: Uuid,
    away: bool,
) -> ApiResult<()> {
    if away {
        diesel::insert_into(presence_away::table)
            .values(presence_away::user_id.eq(person))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    } else {
        diesel::delete(presence_away::table.find(person))
            .execute(conn)
            .await?;
    }
    announce(conn, services, person).await
}
