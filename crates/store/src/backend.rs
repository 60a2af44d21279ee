//! The two database engines behind [`crate::sql`]: how connections are held, how a statement
//! runs and how rows come back.

use crate::sql::{Kind, Output, Row, Target, Value};
use crate::{Result, StoreError};
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// SQLite: one writer connection that a transaction holds for its whole life, and reader
/// connections taken from a free list (WAL lets them read beside the writer).
pub(crate) struct Sqlite {
    path: PathBuf,
    writer: Arc<tokio::sync::Mutex<rusqlite::Connection>>,
    idle_readers: Mutex<Vec<rusqlite::Connection>>,
    max_idle_readers: usize,
}

/// How many prepared statements each SQLite connection keeps; the store has a few hundred
/// distinct statements, the hot paths a few dozen.
const STATEMENT_CACHE: usize = 256;

impl Sqlite {
    pub(crate) fn open(path: PathBuf, max_idle_readers: usize) -> Result<Sqlite> {
        let writer = open_connection(&path, false)?;
        Ok(Sqlite {
            path,
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            idle_readers: Mutex::new(Vec::new()),
            max_idle_readers: max_idle_readers.max(1),
        })
    }

    /// The writer, for a transaction that keeps it until it ends.
    pub(crate) async fn lock_writer(&self) -> tokio::sync::OwnedMutexGuard<rusqlite::Connection> {
        self.writer.clone().lock_owned().await
    }

    /// Runs `f` on a reader connection. Reads are short and run on the calling thread.
    pub(crate) fn with_reader<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T>,
    ) -> Result<T> {
        let idle = self.idle_readers.lock().expect("reader list").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_connection(&self.path, true)?,
        };
        let out = f(&conn);
        let mut idle = self.idle_readers.lock().expect("reader list");
        if idle.len() < self.max_idle_readers {
            idle.push(conn);
        }
        out
    }
}

fn open_connection(path: &std::path::Path, read_only: bool) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // WAL lets readers run beside the writer; NORMAL is durable across process crashes in WAL
    // mode (an OS crash may lose the last commits, never corrupt the file).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
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

/// Runs one statement on a SQLite connection and reads every row it returns.
pub(crate) fn sqlite_run(conn: &rusqlite::Connection, sql: &str, args: &[Value]) -> Result<Output> {
    let mut stmt = conn.prepare_cached(sql)?;
    for index in 1..=stmt.parameter_count() {
        // `$3` names the third value, wherever it appears in the statement.
        let position = stmt
            .parameter_name(index)
            .and_then(|name| name[1..].parse::<usize>().ok())
            .unwrap_or(index);
        let value = args.get(position - 1).ok_or_else(|| {
            StoreError::Decode(format!("no value bound for ${position} in: {sql}"))
        })?;
        stmt.raw_bind_parameter(index, value)?;
    }
    let columns: Arc<[String]> = stmt.column_names().iter().map(|c| c.to_string()).collect();
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

/// Runs one statement on PostgreSQL.
pub(crate) async fn postgres_run<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    sql: &str,
    args: &[Value],
) -> Result<Output> {
    use futures::TryStreamExt;
    use sqlx::Either;

    let mut query = sqlx::query(sql);
    for value in args {
        query = match value {
            Value::Null(Kind::Int) => query.bind(None::<i64>),
            Value::Null(Kind::Real) => query.bind(None::<f64>),
            Value::Null(Kind::Text) => query.bind(None::<&str>),
            Value::Int(v) => query.bind(*v),
            Value::Real(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.as_str()),
        };
    }
    let mut out = Output {
        rows: Vec::new(),
        rows_affected: 0,
    };
    let mut columns: Option<Arc<[String]>> = None;
    let mut results = executor.fetch_many(query);
    while let Some(item) = results.try_next().await? {
        match item {
            Either::Left(done) => out.rows_affected += done.rows_affected(),
            Either::Right(row) => {
                let columns = columns
                    .get_or_insert_with(|| {
                        use sqlx::Column;
                        sqlx::Row::columns(&row)
                            .iter()
                            .map(|c| c.name().to_string())
                            .collect()
                    })
                    .clone();
                out.rows.push(postgres_row(columns, &row)?);
            }
        }
    }
    Ok(out)
}

fn postgres_row(columns: Arc<[String]>, row: &sqlx::postgres::PgRow) -> Result<Row> {
    use sqlx::{Row as _, TypeInfo, ValueRef as _};
    let mut values = Vec::with_capacity(columns.len());
    for i in 0..columns.len() {
        let raw = row.try_get_raw(i)?;
        let type_name = raw.type_info().name().to_string();
        let null = raw.is_null();
        let value = match type_name.as_str() {
            // What a function returning nothing (pg_advisory_xact_lock) answers.
            "VOID" => Value::Null(Kind::Int),
            "INT8" if null => Value::Null(Kind::Int),
            "INT8" => Value::Int(row.try_get::<i64, _>(i)?),
            "INT4" | "INT2" if null => Value::Null(Kind::Int),
            "INT4" => Value::Int(row.try_get::<i32, _>(i)?.into()),
            "INT2" => Value::Int(row.try_get::<i16, _>(i)?.into()),
            "BOOL" if null => Value::Null(Kind::Int),
            "BOOL" => Value::Int(row.try_get::<bool, _>(i)?.into()),
            "FLOAT8" | "FLOAT4" if null => Value::Null(Kind::Real),
            "FLOAT8" => Value::Real(row.try_get::<f64, _>(i)?),
            "FLOAT4" => Value::Real(row.try_get::<f32, _>(i)?.into()),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" if null => Value::Null(Kind::Text),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::Text(row.try_get::<String, _>(i)?),
            other => {
                return Err(StoreError::Decode(format!(
                    "column {}: unsupported type {other}",
                    columns[i]
                )))
            }
        };
        values.push(value);
    }
    Ok(Row::new(columns, values))
}

/// Runs a statement wherever `target` says.
pub(crate) async fn run(target: Target<'_>, sql: &str, args: &[Value]) -> Result<Output> {
    use crate::{Engine, TxConn};
    match target {
        Target::Tx(TxConn::Sqlite(tx)) => sqlite_run(&tx.conn, sql, args),
        Target::Tx(TxConn::Postgres(tx)) => postgres_run(&mut **tx, sql, args).await,
        Target::Read(db) => match db.engine() {
            Engine::Sqlite(sqlite) => sqlite.with_reader(|conn| sqlite_run(conn, sql, args)),
            Engine::Postgres(pool) => postgres_run(pool, sql, args).await,
        },
        Target::Write(db) => match db.engine() {
            Engine::Sqlite(sqlite) => {
                let conn = sqlite.lock_writer().await;
                sqlite_run(&conn, sql, args)
            }
            Engine::Postgres(pool) => postgres_run(pool, sql, args).await,
        },
    }
}
