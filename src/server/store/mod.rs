//! The database: SQLite (embedded default) or PostgreSQL, chosen by the URL.
//!
//! Both engines run the same SQL (`$1` placeholders work in both); `on_pool!`
//! compiles a query body once per engine so each runs with its native driver.

pub mod access_audit;
pub mod accounts;
pub mod audit;
mod audited;
mod backup;
pub mod invitations;
pub mod listener;
pub mod outbox;
pub mod personal_tokens;
pub mod rotation;
mod sql;
pub mod token_cache;
pub mod token_lists;
pub mod token_uses;
pub mod tokens;
mod types;
pub mod workspaces;

pub use backup::{BackupError, backup_sqlite};

use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    migrate::Migrator,
    postgres::{PgPool, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The database: a pool on one of the two engines, and the cache of recently presented
/// tokens that the store's own writes keep true. Cloning is cheap (both are shared).
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    token_cache: Arc<token_cache::TokenCache>,
}

/// A pool on one of the two supported engines.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How many recently presented tokens each instance keeps in memory.
const TOKEN_CACHE_CAPACITY: usize = 100_000;

/// Which engine a [`Db`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// Runs `$body` with `$pool` bound to the engine's own pool type.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db.pool() {
            $crate::server::store::Pool::Sqlite($pool) => $body,
            $crate::server::store::Pool::Postgres($pool) => $body,
        }
    };
}

/// Starting a transaction that writes, on either engine (`pool.begin_write()` inside
/// `on_pool!`).
///
/// On SQLite it is `BEGIN IMMEDIATE`: a deferred transaction that reads and then writes
/// after another connection has written meanwhile fails at once with SQLITE_BUSY_SNAPSHOT
/// (code 517, "database is locked"), whatever the busy timeout — an invitation racing the
/// last-use flush did, answering 500. An immediate one takes the write lock first and waits
/// its turn (sqlite.org/lang_transaction.html; sqlite.org/rescode.html#busy_snapshot).
/// PostgreSQL's transactions need nothing more.
pub trait BeginWrite {
    type Database: sqlx::Database;

    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>> + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;

    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error>> + Send
    {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;

    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error>> + Send
    {
        self.begin()
    }
}

/// Store failures. The text is for operators' logs, never for clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite: or postgres://)")]
    UnsupportedUrl,
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Also a stored value that is not what its column holds (a role, a permission set).
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether the database could not be reached (connection refused or lost, the pool out
    /// of connections for its acquire timeout, PostgreSQL shutting down or not yet
    /// accepting connections): the caller is told to come back (503), not that the server
    /// failed.
    pub fn is_unavailable(&self) -> bool {
        let (StoreError::Connect(error) | StoreError::Query(error)) = self else {
            return false;
        };
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            // SQLSTATE class 08 (connection exception) and 57P (operator intervention:
            // admin or crash shutdown, cannot connect now).
            sqlx::Error::Database(error) => error
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        }
    }
}

impl Db {
    /// Opens a pool for `url`. SQLite files are created on first use, in WAL mode with
    /// foreign keys enforced.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // A request waits at most 3 s for a connection: with the database down it is
            // answered 503 then, never left hanging.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(3))
                .connect(url)
                .await
                .map_err(StoreError::Connect)?;
            // Until this instance listens for other instances' token writes, it caches nothing.
            Ok(Db::new(Pool::Postgres(pool), false))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(StoreError::Connect)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .map_err(StoreError::Connect)?;
            // One instance owns an SQLite file: its own writes are all there is to see.
            Ok(Db::new(Pool::Sqlite(pool), true))
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    fn new(pool: Pool, cache_enabled: bool) -> Db {
        Db {
            pool,
            token_cache: Arc::new(token_cache::TokenCache::new(
                TOKEN_CACHE_CAPACITY,
                cache_enabled,
            )),
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn token_cache(&self) -> &token_cache::TokenCache {
        &self.token_cache
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Brings the schema up to date; a no-op when it already is.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// The newest migration applied, or 0 on an empty database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        let version: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(version)
    }

    /// A round trip to the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: i32 = on_pool!(self, pool => sqlx::query_scalar("SELECT 1").fetch_one(pool).await?);
        Ok(())
    }

    /// The connection pool's use now: (open connections, of which idle, the most it opens).
    pub fn pool_use(&self) -> (u32, usize, u32) {
        on_pool!(self, pool => (pool.size(), pool.num_idle(), pool.options().get_max_connections()))
    }

    /// Waits for in-flight queries, then closes every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}
