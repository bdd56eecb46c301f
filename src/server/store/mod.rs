//! The database: SQLite (embedded default) or PostgreSQL, chosen by the URL.
//!
//! Both engines run the same SQL (`$1` placeholders work in both); `on_pool!`
//! compiles a query body once per engine so each runs with its native driver.

pub mod accounts;
pub mod audit;
mod audited;
mod backup;
pub mod invitations;
pub mod outbox;
pub mod personal_tokens;
pub mod rotation;
pub mod token_cache;
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

impl Db {
    /// Opens a pool for `url`. SQLite files are created on first use, in WAL mode with
    /// foreign keys enforced.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
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

    /// Waits for in-flight queries, then closes every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}
