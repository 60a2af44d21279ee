//! Depot's storage: one [`Db`] over embedded SQLite or PostgreSQL.
//!
//! Both backends run the same queries through sqlx's `Any` driver, so no feature can exist on
//! one backend only; each backend keeps its own migrations folder for the few DDL differences
//! (identity columns). SQL is written in the common dialect (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`); the rare backend-specific clause (row locks) comes from [`Backend`].
//!
//! SQLite runs with one writer connection (writes are serialised by the pool, so a write
//! transaction never waits on SQLite's own lock) and a small read pool in WAL mode.

pub mod address;
pub mod catalog;
pub mod events;
pub mod files;
pub mod idempotency;
pub mod list;
pub mod products;
pub mod purchase_orders;
pub mod returns;
pub mod shipments;
pub mod stock;
pub mod tenants;
pub mod webhooks;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

pub use sqlx::Any;

/// A database transaction on either backend.
pub type Tx<'a> = sqlx::Transaction<'a, Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The clause that locks the rows a `SELECT` reads until the transaction ends. SQLite
    /// needs none: its single writer already serialises every write transaction.
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// The clause for queue-like claims: lock the rows read, and skip rows another
    /// transaction holds instead of waiting for it. SQLite needs none (one writer).
    pub fn for_update_skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("bad database url: {0}")]
    BadUrl(String),
    #[error("address data: {0}")]
    AddressData(String),
    /// A state the guards should make impossible; the transaction is rolled back.
    #[error("invariant broken: {0}")]
    Invariant(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database handle shared by every request.
#[derive(Clone)]
pub struct Db {
    write: AnyPool,
    read: AnyPool,
    backend: Backend,
}

/// Pool sizes; the defaults suit a small box.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub postgres_max_connections: u32,
    pub sqlite_readers: u32,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            postgres_max_connections: 24,
            sqlite_readers: 4,
        }
    }
}

impl Db {
    /// Connects to `sqlite://path` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str, config: &PoolConfig) -> Result<Db> {
        sqlx::any::install_default_drivers();
        if url.starts_with("sqlite:") {
            let url = sqlite_url(url);
            let write = sqlite_pool(&url, 1).await?;
            let read = sqlite_pool(&url, config.sqlite_readers.max(1)).await?;
            Ok(Db {
                write,
                read,
                backend: Backend::Sqlite,
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = AnyPoolOptions::new()
                .max_connections(config.postgres_max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db {
                write: pool.clone(),
                read: pool,
                backend: Backend::Postgres,
            })
        } else {
            Err(StoreError::BadUrl(format!(
                "{url}: expected sqlite://PATH or postgres://…"
            )))
        }
    }

    /// Applies the backend's migrations, then loads reference data that is still missing.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.write)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.write)
                    .await?
            }
        }
        address::load_if_empty(self).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads outside a transaction.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The pool for single-statement writes outside a transaction.
    pub fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx<'static>> {
        Ok(self.write.begin().await?)
    }

    /// True when the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.read).await.is_ok()
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// `sqlite://depot.db` → `sqlite://depot.db?mode=rwc` so the file is created on first start.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

async fn sqlite_pool(url: &str, max: u32) -> Result<AnyPool> {
    Ok(AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; NORMAL is durable across process
                // crashes in WAL mode (an OS crash may lose the last commits, never corrupt).
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                )
                .await?;
                Ok(())
            })
        })
        .connect(url)
        .await?)
}

/// True when `err` is a unique violation of the named constraint. PostgreSQL reports the
/// constraint's name; SQLite reports the columns (`UNIQUE constraint failed: t.a, t.b`), so
/// callers give both.
pub fn is_unique_violation(err: &sqlx::Error, pg_constraint: &str, sqlite_columns: &str) -> bool {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => match db.constraint() {
            Some(name) => name == pg_constraint,
            None => db.message().contains(sqlite_columns),
        },
        _ => false,
    }
}

/// Reads a column that is NULL or an integer.
pub(crate) fn opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    use sqlx::Row;
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

/// The guarded status update every state machine uses: moves row `id` of `table` from status
/// `from` to `to`, stamping `status_time`, `updated_time` and the milestone column (e.g.
/// `cancelled_time`) with `now`. The row is locked by the caller, so finding it in another
/// status means the data broke an invariant: nothing is committed.
pub(crate) async fn set_status(
    tx: &mut Tx<'_>,
    table: &str,
    id: i64,
    (from, to): (i64, i64),
    milestone: Option<&str>,
    now: i64,
) -> Result<()> {
    let milestone = milestone
        .map(|column| format!(", {column} = $3"))
        .unwrap_or_default();
    let done = sqlx::query(&format!(
        "UPDATE {table} SET status = $2, status_time = $3, updated_time = $3{milestone} WHERE id = $1 AND status = $4"
    ))
    .bind(id)
    .bind(to)
    .bind(now)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Invariant(format!(
            "{table} {id} left status {from} under a lock"
        )));
    }
    Ok(())
}
