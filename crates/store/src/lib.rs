//! Depot's storage: one [`Db`] over embedded SQLite or PostgreSQL.
//!
//! Both backends run the same queries through one interface ([`sql`]), so no feature can exist
//! on one backend only; each backend keeps its own migrations folder for the few DDL
//! differences (identity columns, triggers). SQL is written in the common dialect (`$1`
//! placeholders, `RETURNING`, `ON CONFLICT`); the rare backend-specific clause (row locks)
//! comes from [`Backend`].
//!
//! SQLite runs in process through rusqlite, in WAL mode: one writer connection whose
//! transactions commit in groups (see `backend::Writer`), reader connections beside it, and
//! WAL checkpoints on a thread of their own. PostgreSQL runs through sqlx's pool.

pub mod address;
pub mod adjustments;
pub mod api_keys;
pub mod catalog;
pub mod coordination;
pub mod events;
pub mod file_writer;
pub mod files;
pub mod floor;
pub mod idempotency;
pub mod ledger;
pub mod list;
pub mod media;
pub mod overview;
pub mod products;
pub mod purchase_orders;
pub mod reports;
pub mod returns;
pub mod sessions;
pub mod shipments;
pub mod stock;
pub mod support;
pub mod tenants;
pub mod throttle;
pub mod users;
pub mod webhook_test;
pub mod webhooks;

mod backend;
mod migrations;
mod postgres;
pub mod sql;
mod values;

pub use backend::Snapshot;
use backend::Sqlite;
use sql::{Row, Target};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::sync::Arc;
use std::time::Duration;

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
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error("a query expected a row and found none")]
    RowNotFound,
    #[error("reading a row: {0}")]
    Decode(String),
    #[error("migration {0}: {1}")]
    Migrate(String, String),
    /// The group commit a transaction joined did not become durable.
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
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
    engine: Arc<Engine>,
}

pub(crate) enum Engine {
    Sqlite(Sqlite),
    Postgres(PgPool),
}

/// Pool sizes; the defaults suit a small box.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub postgres_max_connections: u32,
    /// How many idle SQLite reader connections are kept open.
    pub sqlite_readers: u32,
    /// When a SQLite commit counts as done.
    pub sqlite_synchronous: SqliteSynchronous,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            postgres_max_connections: 24,
            sqlite_readers: 8,
            sqlite_synchronous: SqliteSynchronous::Full,
        }
    }
}

/// When a SQLite commit counts as done (the database runs in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSynchronous {
    /// SQLite's `synchronous = FULL`: each group commit's `COMMIT` fsyncs the log before
    /// the change becomes visible, so no request, not even a read, ever sees a change that
    /// a power loss could take back. The writer waits for the disk once per group.
    #[default]
    Full,
    /// Every answered change is on disk, as with `Full`, but the group's fsync runs while
    /// the next group already works: other requests may read a change a moment (one fsync)
    /// before it is on disk, and a power loss in that moment loses it although nobody was
    /// told it was done.
    Answered,
    /// SQLite's `synchronous = NORMAL`: commits reach the operating system, not the disk.
    /// They survive a crash of the process, but a power loss or an OS crash may lose the
    /// last ones (never corrupting the file). No fsync per commit.
    Normal,
}

impl std::str::FromStr for SqliteSynchronous {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Ok(SqliteSynchronous::Full),
            "answered" => Ok(SqliteSynchronous::Answered),
            "normal" => Ok(SqliteSynchronous::Normal),
            other => Err(format!("{other:?}: expected full, answered or normal")),
        }
    }
}

impl Db {
    /// Connects to `sqlite://path` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str, config: &PoolConfig) -> Result<Db> {
        let engine = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            Engine::Sqlite(Sqlite::open(
                path.into(),
                config.sqlite_readers as usize,
                config.sqlite_synchronous,
            )?)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres(
                PgPoolOptions::new()
                    .max_connections(config.postgres_max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?,
            )
        } else {
            return Err(StoreError::BadUrl(format!(
                "{url}: expected sqlite://PATH or postgres://…"
            )));
        };
        Ok(Db {
            engine: Arc::new(engine),
        })
    }

    /// Applies the backend's migrations, then loads reference data that is still missing.
    pub async fn migrate(&self) -> Result<()> {
        migrations::run(self).await?;
        address::load_if_empty(self).await
    }

    pub fn backend(&self) -> Backend {
        match *self.engine {
            Engine::Sqlite(_) => Backend::Sqlite,
            Engine::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Where reads outside a transaction run.
    pub fn reader(&self) -> Target<'_> {
        Target::Read(self)
    }

    /// Reads that see one state of the database (a detail with its lines and history, a
    /// page with its total).
    pub fn snapshot(&self) -> Result<Snapshot> {
        Snapshot::begin(self)
    }

    /// Where single-statement writes outside a transaction run.
    pub fn writer(&self) -> Target<'_> {
        Target::Write(self)
    }

    /// Starts a write transaction. On SQLite it holds the one writer connection until it
    /// commits or is dropped (which rolls it back).
    pub async fn begin(&self) -> Result<Tx> {
        let conn = match self.engine() {
            Engine::Sqlite(sqlite) => TxConn::Sqlite(sqlite.begin().await?),
            Engine::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
        };
        Ok(Tx { conn })
    }

    /// SQLite: folds the write-ahead log back into the database file now (the background
    /// checkpoints do it a little at a time). PostgreSQL: nothing to do.
    pub async fn checkpoint(&self) -> Result<()> {
        match self.engine() {
            Engine::Sqlite(sqlite) => sqlite.checkpoint(),
            Engine::Postgres(_) => Ok(()),
        }
    }

    /// True when the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sql::query("SELECT 1").execute(self.reader()).await.is_ok()
    }

    pub async fn close(&self) {
        if let Engine::Postgres(pool) = self.engine() {
            pool.close().await;
        }
    }
}

/// A write transaction on either backend. Queries run on `&mut *tx` (or `&mut **tx` through
/// a `&mut Tx`); dropping it without [`Tx::commit`] rolls it back.
pub struct Tx {
    conn: TxConn,
}

/// The connection a [`Tx`] holds.
pub enum TxConn {
    Sqlite(backend::SqliteTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await,
            TxConn::Postgres(tx) => Ok(tx.commit().await?),
        }
    }
}

impl Tx {
    /// Runs several statements with no parameters (migrations).
    pub(crate) async fn execute_batch(&mut self, sql: &str) -> Result<()> {
        match &mut self.conn {
            TxConn::Sqlite(tx) => Ok(tx.conn().execute_batch(sql)?),
            TxConn::Postgres(tx) => {
                sqlx::raw_sql(sql).execute(&mut **tx).await?;
                Ok(())
            }
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = TxConn;
    fn deref(&self) -> &TxConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut TxConn {
        &mut self.conn
    }
}

impl<'c> From<&'c mut Tx> for Target<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        Target::Tx(&mut tx.conn)
    }
}

/// True when `err` is a unique violation of the named constraint. PostgreSQL reports the
/// constraint's name; SQLite reports the columns (`UNIQUE constraint failed: t.a, t.b`), so
/// callers give both.
pub fn is_unique_violation(err: &StoreError, pg_constraint: &str, sqlite_columns: &str) -> bool {
    match err {
        StoreError::Postgres(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            db.constraint() == Some(pg_constraint)
        }
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, Some(message))) => {
            // A primary key is reported as its own kind of unique constraint.
            [
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE,
                rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
            ]
            .contains(&e.extended_code)
                && message.contains(sqlite_columns)
        }
        _ => false,
    }
}

/// Reads a column that is NULL or an integer.
pub(crate) fn opt_i64(row: &Row, col: &str) -> Result<Option<i64>> {
    row.try_get::<Option<i64>, _>(col)
}

/// The guarded status update every state machine uses: moves row `id` of `table` from status
/// `from` to `to`, stamping `status_time`, `updated_time` and the milestone column (e.g.
/// `cancelled_time`) with `now`. The row is locked by the caller, so finding it in another
/// status means the data broke an invariant: nothing is committed.
pub(crate) async fn set_status(
    tx: &mut Tx,
    table: &str,
    id: i64,
    (from, to): (i64, i64),
    milestone: Option<&str>,
    now: i64,
) -> Result<()> {
    let milestone = milestone
        .map(|column| format!(", {column} = $3"))
        .unwrap_or_default();
    let done = crate::sql::query(&format!(
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
