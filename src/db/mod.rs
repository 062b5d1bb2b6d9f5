//! Database plumbing: the connection pool, migrations and the embedded PostgreSQL cluster.

pub mod embedded;
mod instrumentation;
mod migrations;
mod prepared;
pub mod schema;
mod text_enum;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use deadpool::Status;
use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures::{FutureExt, TryFutureExt};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use instrumentation::ConnectionInstrumentation;
pub use migrations::{pending_migrations, run_migrations};
pub use prepared::{ByIds, Prepared};

/// The connection pool. Each checkout is timed: a pool too small for its load shows as waits
/// (the `db_pool_wait_seconds` metric) well before requests fail with a timeout.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<AsyncPgConnection>,
    waits: Histogram,
}

impl DbPool {
    /// A connection, waiting at most the pool's wait timeout for one to be free.
    pub async fn get(&self) -> Result<DbConn, PoolError> {
        let started = Instant::now();
        let checkout = self.pool.get().await;
        self.waits.observe(started.elapsed().as_secs_f64());
        checkout
    }

    pub fn status(&self) -> Status {
        self.pool.status()
    }
}

const POOL_WAIT_TIMEOUT: Duration = Duration::from_secs(5);
pub type DbConn = Object<AsyncPgConnection>;

/// How to reach the database and how each connection is set up.
#[derive(Clone, Debug)]
pub struct DbSettings {
    pub url: String,
    pub pool_size: usize,
    /// Applied to every connection so one runaway query cannot hold the database.
    pub statement_timeout: Duration,
    /// Set on every connection; the test harness gives each test its own schema this way.
    pub search_path: Option<String>,
    /// SQL statements run by the pool's connections (exported as a metric; tests use it to prove
    /// that a request runs a constant number of statements). The same hook traces them.
    pub statements: Arc<AtomicU64>,
    /// How long each checkout from the pool waited for a connection, in seconds.
    pub pool_waits: Histogram,
}

impl DbSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool_size: 16,
            statement_timeout: Duration::from_secs(10),
            search_path: None,
            statements: Arc::default(),
            // 0.1 ms to about 6.5 s: an idle connection is handed over in microseconds, and
            // the wait timeout is 5 s.
            pool_waits: Histogram::new(exponential_buckets(0.0001, 2.0, 17)),
        }
    }

    fn session_setup_sql(&self) -> String {
        // JIT compilation pays off for long analytical queries; a request's statements last a
        // millisecond or two, and PostgreSQL compiles any whose estimate passes
        // `jit_above_cost` (the conversation list's word filter does) at ~40 ms a time.
        let mut sql = format!(
            "SET statement_timeout = {}; SET TIME ZONE 'UTC'; SET jit = off;",
            self.statement_timeout.as_millis()
        );
        if let Some(path) = &self.search_path {
            sql.push_str(&format!(" SET search_path TO {path};"));
        }
        sql
    }

    /// One connection outside the pool, set up like the pooled ones.
    pub async fn connect(&self) -> Result<AsyncPgConnection, ConnectionError> {
        establish(self.url.clone(), self.session_setup_sql()).await
    }

    pub fn build_pool(&self) -> anyhow::Result<DbPool> {
        let setup_sql = self.session_setup_sql();
        let statements = self.statements.clone();
        let mut config = ManagerConfig::default();
        // The default (`Verified`) sends `SELECT 1` on every checkout: one more round trip for
        // each resolver. A broken connection is reported by its first real query instead.
        config.recycling_method = RecyclingMethod::Fast;
        config.custom_setup = Box::new(move |url| {
            let statements = statements.clone();
            establish(url.to_owned(), setup_sql.clone())
                .map_ok(move |mut conn| {
                    conn.set_instrumentation(ConnectionInstrumentation::new(statements));
                    conn
                })
                .boxed()
        });
        let manager =
            AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(&self.url, config);
        let pool = Pool::builder(manager)
            .max_size(self.pool_size)
            // A request waits this long for a connection, then fails instead of piling up.
            .wait_timeout(Some(POOL_WAIT_TIMEOUT))
            .create_timeout(Some(POOL_WAIT_TIMEOUT))
            .runtime(deadpool::Runtime::Tokio1)
            .build()?;
        Ok(DbPool {
            pool,
            waits: self.pool_waits.clone(),
        })
    }
}

async fn establish(url: String, setup_sql: String) -> Result<AsyncPgConnection, ConnectionError> {
    let mut conn = AsyncPgConnection::establish(&url).await?;
    conn.batch_execute(&setup_sql)
        .await
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

/// Whether the database answers.
pub async fn ping(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    diesel::sql_query("SELECT 1").execute(conn).await?;
    Ok(())
}

/// Name of the current schema, which scopes the event channel so that several Parvis databases
/// (or test schemas) on one server never hear each other.
pub async fn current_schema(conn: &mut AsyncPgConnection) -> anyhow::Result<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let row: Row = diesel::sql_query("SELECT current_schema() AS name")
        .get_result(conn)
        .await?;
    Ok(row.name)
}

/// An async closure over a connection whose future is `Send`, so generic helpers can run it inside
/// `AsyncConnection::transaction` (the same device diesel-async uses for its own bound).
pub trait ConnectionFn<'c, R>:
    AsyncFnOnce(&'c mut AsyncPgConnection) -> R
    + FnOnce(&'c mut AsyncPgConnection) -> <Self as ConnectionFn<'c, R>>::Fut
{
    type Fut: Future<Output = R> + Send;
}

impl<'c, F, Fut, R> ConnectionFn<'c, R> for F
where
    F: AsyncFnOnce(&'c mut AsyncPgConnection) -> R + FnOnce(&'c mut AsyncPgConnection) -> Fut,
    Fut: Future<Output = R> + Send,
{
    type Fut = Fut;
}
