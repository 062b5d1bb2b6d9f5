//! Migrations embedded in the binary, applied by `parvis migrate` and at `serve` start.

use diesel_async::{AsyncMigrationHarness, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Applies pending migrations; returns how many ran. Needs the multi-threaded runtime.
/// Requests' statement timeout does not apply: a migration rewrites whole tables, which takes
/// longer than any request may on a large organization's data.
pub async fn run_migrations(mut conn: AsyncPgConnection) -> anyhow::Result<usize> {
    conn.batch_execute("SET statement_timeout = 0").await?;
    tokio::task::block_in_place(|| {
        let mut harness = AsyncMigrationHarness::new(conn);
        let applied = harness
            .run_pending_migrations(MIGRATIONS)
            .map_err(|error| anyhow::anyhow!("applying migrations: {error}"))?;
        Ok(applied.len())
    })
}

/// How many embedded migrations the database has not applied yet.
pub async fn pending_migrations(conn: AsyncPgConnection) -> anyhow::Result<usize> {
    tokio::task::block_in_place(|| {
        let mut harness = AsyncMigrationHarness::new(conn);
        let pending = harness
            .pending_migrations(MIGRATIONS)
            .map_err(|error| anyhow::anyhow!("reading migrations: {error}"))?;
        Ok(pending.len())
    })
}
