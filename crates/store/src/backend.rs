//! The two database engines behind [`crate::sql`]: how connections are held, how a statement
//! runs and how rows come back.

use crate::values::{Kind, Output, Row, Value};
use crate::{Engine, Result, SqliteSynchronous, StoreError};
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// SQLite: one writer connection that a transaction holds for its whole life, and reader
/// connections taken from a free list (WAL lets them read beside the writer).
pub(crate) struct Sqlite {
    path: PathBuf,
    writer: Arc<tokio::sync::Mutex<Writer>>,
    idle_readers: Mutex<Vec<rusqlite::Connection>>,
    max_idle_readers: usize,
    /// Dropping it stops the checkpoint thread.
    _stop_checkpoints: mpsc::Sender<()>,
}

/// How many prepared statements each SQLite connection keeps; the store has a few hundred
/// distinct statements, the hot paths a few dozen.
const STATEMENT_CACHE: usize = 256;

impl Sqlite {
    pub(crate) fn open(
        path: PathBuf,
        max_idle_readers: usize,
        synchronous: SqliteSynchronous,
    ) -> Result<Sqlite> {
        let writer = open_connection(&path, false)?;
        // The checkpoint thread moves committed pages into the database file instead; each
        // transaction's savepoint journal stays in memory rather than in a temporary file.
        writer.execute_batch("PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;")?;
        // FULL fsyncs the log in every COMMIT, that is once per group commit; `Answered`
        // commits as NORMAL and has the log fsynced by another thread before answering.
        if synchronous == SqliteSynchronous::Full {
            writer.execute_batch("PRAGMA synchronous = FULL;")?;
        }
        let synced_after_commit = match synchronous {
            SqliteSynchronous::Answered => Some(spawn_wal_syncer(wal_path(&path))?),
            SqliteSynchronous::Full | SqliteSynchronous::Normal => None,
        };
        let writer = Arc::new(tokio::sync::Mutex::new(Writer {
            conn: writer,
            batch: None,
            commit_waits_for_disk: synchronous == SqliteSynchronous::Full,
            synced_after_commit,
        }));
        let (stop, stopped) = mpsc::channel();
        let checkpointer = open_connection(&path, false)?;
        // Only the brief checkpoint that restarts the log waits (for readers still on the
        // log's older frames); it holds the writer meanwhile, so it gives up soon and
        // tries again at the next tick rather than stall every write behind a long read.
        checkpointer.busy_timeout(RESTART_WAIT)?;
        spawn_checkpointer(checkpointer, writer.clone(), stopped)?;
        Ok(Sqlite {
            path,
            writer,
            idle_readers: Mutex::new(Vec::new()),
            max_idle_readers: max_idle_readers.max(1),
            _stop_checkpoints: stop,
        })
    }

    /// Starts a write transaction: waits for the writer, then opens a savepoint in the
    /// current batch (see [`Writer`]).
    pub(crate) async fn begin(&self) -> Result<SqliteTx> {
        let mut writer = self.writer.clone().lock_owned().await;
        writer.join_batch()?;
        Ok(SqliteTx { writer, open: true })
    }

    /// Folds the whole WAL back into the database file and truncates it (after a bulk load).
    pub(crate) fn checkpoint(&self) -> Result<()> {
        open_connection(&self.path, false)?.query_row(
            "PRAGMA wal_checkpoint(TRUNCATE)",
            [],
            |_| Ok(()),
        )?;
        Ok(())
    }

    /// Runs `f` on a reader connection. Reads are short and run on the calling thread.
    pub(crate) fn with_reader<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T>,
    ) -> Result<T> {
        let conn = self.take_reader()?;
        let out = f(&conn);
        self.put_back_reader(conn);
        out
    }

    pub(crate) fn take_reader(&self) -> Result<rusqlite::Connection> {
        let idle = self.idle_readers.lock().expect("reader list").pop();
        match idle {
            Some(conn) => Ok(conn),
            None => open_connection(&self.path, true),
        }
    }

    pub(crate) fn put_back_reader(&self, conn: rusqlite::Connection) {
        let mut idle = self.idle_readers.lock().expect("reader list");
        if idle.len() < self.max_idle_readers {
            idle.push(conn);
        }
    }
}

/// How often the WAL is folded back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// WAL frames (pages, 4 KiB each: 64 MiB) beyond which the checkpoint thread makes the log
/// start again from the top. What it costs does not depend on this size (see
/// [`spawn_checkpointer`]), only how often it happens, so the bound is what a log file may
/// reasonably take on disk and in the WAL index readers search. Below `journal_size_limit`,
/// so a restarted log file is reused as it is, never truncated and grown again.
const WAL_RESTART_FRAMES: i64 = 16_384;

/// A catch-up pass that had at most this many frames to copy (4 MiB) took a few
/// milliseconds, so few frames came in meanwhile: what is left is small enough to copy
/// while the writer waits.
const TAIL_FRAMES: i64 = 1_024;

/// Catch-up passes at most before the writer is held anyway (when writes outpace the
/// checkpoint, holding it is what bounds the log).
const CATCH_UP_PASSES: usize = 8;

/// How long the restarting checkpoint waits for readers still on old frames of the log.
const RESTART_WAIT: Duration = Duration::from_millis(20);

/// What `PRAGMA wal_checkpoint` answers: whether it could not finish, the frames in the log
/// and how many of them are in the database file.
#[derive(Debug, Clone, Copy)]
struct Checkpointed {
    busy: bool,
    log: i64,
    done: i64,
}

fn wal_checkpoint(conn: &rusqlite::Connection, mode: &str) -> rusqlite::Result<Checkpointed> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok(Checkpointed {
            busy: r.get::<_, i64>(0)? != 0,
            log: r.get(1)?,
            done: r.get(2)?,
        })
    })
}

/// Checkpoints the WAL on its own thread, so that no write transaction pays for copying
/// pages and for the fsyncs that follow (SQLite would do it inside the commit that crosses
/// 1,000 pages, holding the writer meanwhile).
///
/// Every [`CHECKPOINT_EVERY`] a PASSIVE checkpoint copies what was committed since the last
/// one; it blocks neither the writer nor the readers. The log only starts again from the
/// top when a write transaction begins while every frame of it is in the database file,
/// which under steady writes hardly ever happens (each batch begins as the previous one
/// commits), so past [`WAL_RESTART_FRAMES`] the thread makes it happen: PASSIVE passes
/// without the writer until one had little to copy (the frames written meanwhile are few),
/// then it holds the writer only to commit the open batch and run a RESTART checkpoint of
/// that small tail (a copy and an fsync or two), and the next batch starts the log again.
/// The writer is never held while the bulk of the log is copied. If readers still use old
/// frames of the log for longer than [`RESTART_WAIT`], it lets go and tries at the next
/// tick. It stops when the [`Sqlite`] that started it is dropped.
fn spawn_checkpointer(
    conn: rusqlite::Connection,
    writer: Arc<tokio::sync::Mutex<Writer>>,
    stopped: mpsc::Receiver<()>,
) -> Result<()> {
    let warn = |e: rusqlite::Error| tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY)
            {
                let mut last = match wal_checkpoint(&conn, "PASSIVE") {
                    Ok(c) => c,
                    Err(e) => {
                        warn(e);
                        continue;
                    }
                };
                if last.log <= WAL_RESTART_FRAMES {
                    continue;
                }
                let started = std::time::Instant::now();
                let mut passes = 1;
                let mut restarted_meanwhile = false;
                while passes < CATCH_UP_PASSES {
                    let next = match wal_checkpoint(&conn, "PASSIVE") {
                        Ok(c) => c,
                        Err(e) => {
                            warn(e);
                            break;
                        }
                    };
                    passes += 1;
                    if next.log < last.log {
                        // A batch began on a fully copied log and started it again itself.
                        restarted_meanwhile = true;
                        break;
                    }
                    let copied = next.done - last.done;
                    last = next;
                    if copied <= TAIL_FRAMES && next.log - next.done <= TAIL_FRAMES {
                        break;
                    }
                }
                if restarted_meanwhile {
                    continue;
                }
                let catch_up = started.elapsed();
                let paused = std::time::Instant::now();
                let mut writer = writer.blocking_lock();
                let waited = paused.elapsed();
                // Commit the open batch first: a transaction that began before the
                // checkpoint finished would keep reading the log, and it could not start
                // again from the top.
                writer.flush();
                let outcome = wal_checkpoint(&conn, "RESTART");
                let held = paused.elapsed() - waited;
                drop(writer);
                match outcome {
                    Ok(c) => tracing::debug!(
                        wal_frames = c.log,
                        tail_frames = c.log - last.done,
                        restarted = !c.busy,
                        passes,
                        catch_up_ms = catch_up.as_millis() as u64,
                        waited_ms = waited.as_millis() as u64,
                        held_ms = held.as_millis() as u64,
                        "writer held to restart the WAL"
                    ),
                    Err(e) => warn(e),
                }
            }
        })?;
    Ok(())
}

fn wal_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// `Answered`: fsyncs the log for the batches committed so far, then tells their members;
/// batches committed during an fsync wait for the next one, so each fsync serves every
/// batch that committed while the previous one ran. The writer meanwhile goes on with the
/// next batch. The log is appended to in order and each frame's checksum covers the ones
/// before it, so what survives a power loss is always a prefix of the commits, and every
/// answered commit is in it. Stops when the writer is dropped.
fn spawn_wal_syncer(wal: PathBuf) -> Result<mpsc::Sender<Outcome>> {
    let (tx, rx) = mpsc::channel::<Outcome>();
    std::thread::Builder::new()
        .name("sqlite-wal-sync".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut waiting = vec![first];
                waiting.extend(rx.try_iter());
                // Opened each time: a few microseconds beside the fsync, and never a stale
                // file if the log was ever replaced.
                let synced = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&wal)
                    .and_then(|f| f.sync_data())
                    .map_err(|e| {
                        tracing::error!(error = %e, "fsync of the WAL failed");
                        format!("the commit may not be on disk: fsync of the WAL failed: {e}")
                    });
                for outcome in waiting {
                    outcome.send_replace(Some(synced.clone()));
                }
            }
        })?;
    Ok(tx)
}

/// The writer connection with its group commit.
///
/// Transactions take turns on the writer. Each runs inside a savepoint of one SQLite
/// transaction, the *batch*; when it commits, its savepoint is released into the batch and
/// it waits, without the writer, until the batch's `COMMIT` has made it durable. Whoever
/// commits first queues a flush behind the transactions already waiting for the writer
/// (the writer's lock is fair), so everything that queued meanwhile lands in the same
/// `COMMIT`. Under load one commit writes each changed page once for many transactions
/// instead of once per transaction; alone, a transaction waits only for its own flush.
/// A transaction that fails rolls back to its savepoint and leaves the batch untouched.
pub(crate) struct Writer {
    conn: rusqlite::Connection,
    batch: Option<Batch>,
    /// The COMMIT fsyncs (`synchronous = FULL`): it runs on a blocking thread, so that
    /// the runtime's workers go on serving requests meanwhile.
    commit_waits_for_disk: bool,
    /// `Answered`: where committed batches wait for the fsync of the log.
    synced_after_commit: Option<mpsc::Sender<Outcome>>,
}

/// Where a batch's members learn whether it is durable.
type Outcome = tokio::sync::watch::Sender<Option<Result<(), String>>>;

struct Batch {
    /// Set once, by the flush: the batch is durable, or why it is not.
    outcome: Outcome,
    /// Transactions released into the batch so far.
    members: usize,
    flush_queued: bool,
}

impl Writer {
    fn join_batch(&mut self) -> Result<()> {
        if self.batch.is_some() && self.conn.is_autocommit() {
            // SQLite rolled the whole batch back on its own (an I/O error, a full disk):
            // its members learn it from the flush that finds nothing to commit.
            self.fail_batch("the transaction was rolled back by the database");
        }
        if self.batch.is_none() {
            sqlite_run(&self.conn, "BEGIN IMMEDIATE", &[])?;
            self.batch = Some(Batch {
                outcome: tokio::sync::watch::channel(None).0,
                members: 0,
                flush_queued: false,
            });
        }
        sqlite_run(&self.conn, "SAVEPOINT tx", &[])?;
        Ok(())
    }

    /// Commits the open batch (the flush).
    fn flush(&mut self) {
        let Some(batch) = self.batch.take() else {
            return;
        };
        let outcome = if self.conn.is_autocommit() {
            Err("the transaction was rolled back by the database".to_string())
        } else {
            sqlite_run(&self.conn, "COMMIT", &[])
                .map(drop)
                .map_err(|e| {
                    if !self.conn.is_autocommit() {
                        let _ = self.conn.execute_batch("ROLLBACK");
                    }
                    e.to_string()
                })
        };
        match (&outcome, &self.synced_after_commit) {
            // Committed, not yet on disk: the syncer answers once it is.
            (Ok(()), Some(syncer)) => {
                if let Err(mpsc::SendError(outcome)) = syncer.send(batch.outcome) {
                    outcome.send_replace(Some(Err("the WAL syncer stopped".into())));
                }
            }
            _ => {
                batch.outcome.send_replace(Some(outcome));
            }
        }
    }

    fn fail_batch(&mut self, why: &str) {
        if let Some(batch) = self.batch.take() {
            batch.outcome.send_replace(Some(Err(why.to_string())));
        }
    }
}

/// A write transaction on the SQLite writer; rolled back to its savepoint when dropped open.
pub struct SqliteTx {
    writer: tokio::sync::OwnedMutexGuard<Writer>,
    open: bool,
}

impl SqliteTx {
    pub(crate) fn conn(&self) -> &rusqlite::Connection {
        &self.writer.conn
    }

    /// Releases the savepoint into the batch and returns once the batch is durable.
    pub(crate) async fn commit(mut self) -> Result<()> {
        sqlite_run(&self.writer.conn, "RELEASE tx", &[])?;
        self.open = false;
        let batch = self
            .writer
            .batch
            .as_mut()
            .expect("a transaction runs inside a batch");
        batch.members += 1;
        let mut outcome = batch.outcome.subscribe();
        if !batch.flush_queued {
            batch.flush_queued = true;
            let writer = tokio::sync::OwnedMutexGuard::mutex(&self.writer).clone();
            tokio::spawn(async move {
                let mut writer = writer.lock_owned().await;
                if writer.commit_waits_for_disk {
                    let flushed = tokio::task::spawn_blocking(move || writer.flush()).await;
                    if let Err(e) = flushed {
                        tracing::error!(error = %e, "the group commit's thread failed");
                    }
                } else {
                    writer.flush();
                }
            });
        }
        drop(self); // lets the queued transactions and then the flush have the writer
        let outcome = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|_| StoreError::Commit("the writer stopped before committing".into()))?
            .clone();
        outcome
            .expect("waited for an outcome")
            .map_err(StoreError::Commit)
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let writer = &mut *self.writer;
        if let Err(e) = writer.conn.execute_batch("ROLLBACK TO tx; RELEASE tx;") {
            tracing::error!(error = %e, "rolling back a dropped transaction failed");
        }
        // A batch nobody committed into holds nothing worth keeping open.
        if writer.batch.as_ref().is_some_and(|b| b.members == 0) {
            writer.batch = None;
            if !writer.conn.is_autocommit() {
                let _ = writer.conn.execute_batch("ROLLBACK");
            }
        }
    }
}

fn open_connection(path: &std::path::Path, read_only: bool) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL lets readers run beside the writer. NORMAL here is for readers and checkpoints
    // (which fsync the log before copying it and the database file after, either way); the
    // writer's commits take the configured setting (Sqlite::open).
    // journal_size_limit trims the WAL file back after a burst has been checkpointed.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA journal_size_limit = 134217728;",
    )?;
    if read_only {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    Ok(conn)
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null(_) => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Real(v) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
        })
    }
}

/// What running a statement needs to know of its text beyond the prepared form: the value
/// each parameter takes, and the names of the result columns.
struct Shape {
    /// For each parameter (in SQLite's order), the 0-based position of its value: `$3`
    /// names the third value, wherever it appears in the statement.
    positions: Vec<usize>,
    columns: Arc<[String]>,
}

thread_local! {
    /// Shapes by statement text. A statement's shape never changes; working it out costs a
    /// name lookup per parameter that is linear in SQLite (quadratic for a batch INSERT),
    /// and rows share one copy of the column names instead of allocating them on every run.
    static SHAPES: std::cell::RefCell<std::collections::HashMap<String, Rc<Shape>>> =
        Default::default();
}

fn shape(sql: &str, stmt: &rusqlite::Statement<'_>) -> Rc<Shape> {
    SHAPES.with_borrow_mut(|cache| {
        if let Some(shape) = cache.get(sql) {
            return shape.clone();
        }
        if cache.len() >= STATEMENT_CACHE {
            cache.clear(); // statements built from many different texts; start again
        }
        let positions = (1..=stmt.parameter_count())
            .map(|index| {
                stmt.parameter_name(index)
                    .and_then(|name| name[1..].parse::<usize>().ok())
                    .unwrap_or(index)
                    - 1
            })
            .collect();
        let columns: Arc<[String]> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let shape = Rc::new(Shape { positions, columns });
        cache.insert(sql.to_string(), shape.clone());
        shape
    })
}

/// Several reads that see one state of the database: on SQLite one reader connection inside
/// one read transaction; on PostgreSQL each statement reads what is committed when it runs
/// (a transaction there would cost two more round trips per request).
pub struct Snapshot {
    pub(crate) db: crate::Db,
    pub(crate) conn: Option<rusqlite::Connection>,
}

impl Snapshot {
    pub(crate) fn begin(db: &crate::Db) -> Result<Snapshot> {
        let conn = match db.engine() {
            Engine::Sqlite(sqlite) => {
                let conn = sqlite.take_reader()?;
                sqlite_run(&conn, "BEGIN", &[])?;
                Some(conn)
            }
            Engine::Postgres(_) => None,
        };
        Ok(Snapshot {
            db: db.clone(),
            conn,
        })
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        let (Some(conn), Engine::Sqlite(sqlite)) = (self.conn.take(), self.db.engine()) else {
            return;
        };
        // A reader whose transaction cannot end is not reused.
        if sqlite_run(&conn, "COMMIT", &[]).is_ok() {
            sqlite.put_back_reader(conn);
        }
    }
}

/// Runs one statement on a SQLite connection and reads every row it returns.
pub(crate) fn sqlite_run(conn: &rusqlite::Connection, sql: &str, args: &[Value]) -> Result<Output> {
    let mut stmt = conn.prepare_cached(sql)?;
    let shape = shape(sql, &stmt);
    for (index, &position) in shape.positions.iter().enumerate() {
        let value = args.get(position).ok_or_else(|| {
            StoreError::Decode(format!("no value bound for ${} in: {sql}", position + 1))
        })?;
        stmt.raw_bind_parameter(index + 1, value)?;
    }
    let columns = shape.columns.clone();
    let mut rows = Vec::new();
    let mut cursor = stmt.raw_query();
    while let Some(row) = cursor.next()? {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => Value::Null(Kind::Int),
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => Value::Real(v),
                ValueRef::Text(v) => Value::Text(
                    std::str::from_utf8(v)
                        .map_err(|e| StoreError::Decode(format!("column {i}: {e}")))?
                        .to_string(),
                ),
                ValueRef::Blob(_) => {
                    return Err(StoreError::Decode(format!("column {i}: unexpected blob")))
                }
            });
        }
        rows.push(Row::new(columns.clone(), values));
    }
    Ok(Output {
        rows,
        rows_affected: conn.changes(),
    })
}

#[cfg(test)]
mod tests {
    use crate::sql::{query, query_scalar};
    use crate::{Db, PoolConfig, SqliteSynchronous};

    /// Many writers share batches; those that fail or are dropped roll back alone, and every
    /// commit is visible to readers (and to a fresh connection) once it has returned.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_keeps_each_transaction_atomic_and_durable() {
        group_commit(SqliteSynchronous::Full).await;
    }

    /// The same when the fsync of a group runs beside the next group (`answered`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_with_the_fsync_after_the_commit() {
        group_commit(SqliteSynchronous::Answered).await;
    }

    /// The same without an fsync per commit (`normal`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_without_fsync() {
        group_commit(SqliteSynchronous::Normal).await;
    }

    /// Each setting reaches the writer connection: FULL (2) only for `full`.
    #[tokio::test]
    async fn the_writer_commits_with_the_configured_synchronous() {
        for (mode, expected) in [
            (SqliteSynchronous::Full, 2),
            (SqliteSynchronous::Answered, 1),
            (SqliteSynchronous::Normal, 1),
        ] {
            let path = std::env::temp_dir().join(format!(
                "depot-synchronous-{}.db",
                uuid::Uuid::new_v4().simple()
            ));
            let sqlite = super::Sqlite::open(path.clone(), 1, mode).unwrap();
            let level: i64 = sqlite
                .writer
                .lock()
                .await
                .conn
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap();
            assert_eq!(level, expected, "{mode:?}");
            assert_eq!(
                sqlite.writer.lock().await.synced_after_commit.is_some(),
                mode == SqliteSynchronous::Answered
            );
            drop(sqlite);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }

    async fn group_commit(synchronous: SqliteSynchronous) {
        let path = std::env::temp_dir().join(format!(
            "depot-group-commit-{}.db",
            uuid::Uuid::new_v4().simple()
        ));
        let url = format!("sqlite://{}", path.display());
        let config = PoolConfig {
            sqlite_synchronous: synchronous,
            ..PoolConfig::default()
        };
        let db = Db::connect(&url, &config).await.unwrap();
        query("CREATE TABLE t (x INTEGER PRIMARY KEY, note TEXT NOT NULL)")
            .execute(db.writer())
            .await
            .unwrap();

        // All start together, so they queue for the writer and share batches with the
        // transactions that fail.
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(300));
        let mut tasks = Vec::new();
        for i in 0..300_i64 {
            let (db, start) = (db.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                let mut tx = db.begin().await.unwrap();
                query("INSERT INTO t (x, note) VALUES ($1, 'first')")
                    .bind(i)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                match i % 3 {
                    // Fails half-way (a duplicate key), then is dropped: rolls back alone.
                    0 => {
                        let duplicate = query("INSERT INTO t (x, note) VALUES ($1, 'again')")
                            .bind(i)
                            .execute(&mut *tx)
                            .await;
                        assert!(duplicate.is_err());
                        drop(tx);
                        false
                    }
                    // Dropped without committing.
                    1 => {
                        tokio::task::yield_now().await;
                        drop(tx);
                        false
                    }
                    _ => {
                        tx.commit().await.unwrap();
                        let seen: i64 = query_scalar("SELECT COUNT(*) FROM t WHERE x = $1")
                            .bind(i)
                            .fetch_one(db.reader())
                            .await
                            .unwrap();
                        assert_eq!(seen, 1, "commit of {i} returned before readers saw it");
                        true
                    }
                }
            }));
        }
        let mut committed = Vec::new();
        for (i, task) in tasks.into_iter().enumerate() {
            if task.await.unwrap() {
                committed.push(i as i64);
            }
        }
        drop(db);

        let reopened = Db::connect(&url, &PoolConfig::default()).await.unwrap();
        let stored: Vec<i64> = query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(reopened.reader())
            .await
            .unwrap();
        assert_eq!(stored, committed);
        drop(reopened);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
