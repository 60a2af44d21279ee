//! The one query interface the store uses on both backends.
//!
//! Every query is written once, in the common dialect (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`), bound with [`Query::bind`] and run on a [`Target`]: a write transaction
//! ([`crate::Tx`]), the read side of the [`Db`] or a single write outside a transaction.
//!
//! * **SQLite** runs through rusqlite on the calling thread. A statement costs a few
//!   microseconds there, where handing it to a connection thread and back costs tens; a write
//!   transaction holds the single writer connection for its whole life, so SQLite's own lock
//!   never makes it wait.
//! * **PostgreSQL** runs through sqlx's asynchronous driver.
//!
//! Rows come back as [`Row`]: named columns holding a [`Value`], read with [`Row::try_get`].

use crate::backend::{sqlite_run, Snapshot};
use crate::postgres::postgres_run;
use crate::{Db, Engine, Result, StoreError};

pub(crate) use crate::values::Output;
pub use crate::values::{ColumnIndex, Decode, Encode, FromRow, HasKind, Kind, Row, Value};

/// Where a query runs.
pub enum Target<'c> {
    /// Inside a write transaction.
    Tx(&'c mut crate::TxConn),
    /// On the read side: a reader connection on SQLite, the pool on PostgreSQL.
    Read(&'c Db),
    /// Reads that belong together (see [`crate::Snapshot`]).
    Snapshot(&'c mut crate::Snapshot),
    /// A single write outside a transaction (committed on its own).
    Write(&'c Db),
}

impl<'c> From<&'c mut crate::TxConn> for Target<'c> {
    fn from(conn: &'c mut crate::TxConn) -> Self {
        Target::Tx(conn)
    }
}

/// A target used again for the next statement (`&mut target`).
impl<'a, 'c> From<&'a mut Target<'c>> for Target<'a> {
    fn from(target: &'a mut Target<'c>) -> Self {
        match target {
            Target::Tx(conn) => Target::Tx(conn),
            Target::Read(db) => Target::Read(db),
            Target::Snapshot(snapshot) => Target::Snapshot(snapshot),
            Target::Write(db) => Target::Write(db),
        }
    }
}

impl<'c> From<&'c mut Snapshot> for Target<'c> {
    fn from(snapshot: &'c mut Snapshot) -> Self {
        Target::Snapshot(snapshot)
    }
}

/// Runs a statement wherever `target` says.
async fn run(target: Target<'_>, sql: &str, args: &[Value]) -> Result<Output> {
    use crate::TxConn;
    match target {
        Target::Tx(TxConn::Sqlite(tx)) => sqlite_run(tx.conn(), sql, args),
        Target::Tx(TxConn::Postgres(tx)) => postgres_run(&mut **tx, sql, args).await,
        Target::Snapshot(snapshot) => match (&snapshot.conn, snapshot.db.engine()) {
            (Some(conn), _) => sqlite_run(conn, sql, args),
            (None, Engine::Postgres(pool)) => postgres_run(pool, sql, args).await,
            (None, Engine::Sqlite(sqlite)) => {
                sqlite.with_reader(|conn| sqlite_run(conn, sql, args))
            }
        },
        Target::Read(db) => match db.engine() {
            Engine::Sqlite(sqlite) => sqlite.with_reader(|conn| sqlite_run(conn, sql, args)),
            Engine::Postgres(pool) => postgres_run(pool, sql, args).await,
        },
        Target::Write(db) => match db.engine() {
            // Through a transaction, so that it is durable when this returns.
            Engine::Sqlite(_) => {
                let tx = db.begin().await?;
                let TxConn::Sqlite(sqlite_tx) = &*tx else {
                    unreachable!("a SQLite database begins SQLite transactions")
                };
                let out = sqlite_run(sqlite_tx.conn(), sql, args)?;
                tx.commit().await?;
                Ok(out)
            }
            Engine::Postgres(pool) => postgres_run(pool, sql, args).await,
        },
    }
}

/// The result of [`Query::execute`].
#[derive(Debug, Clone, Copy)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A statement with its bound values.
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query<'q> {
    sql: &'q str,
    args: Vec<Value>,
}

/// Starts a query; bind its `$1, $2, …` in order.
pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        args: Vec::new(),
    }
}

impl<'q> Query<'q> {
    pub fn bind(mut self, value: impl Encode) -> Self {
        self.args.push(value.encode());
        self
    }

    /// Binds each value in turn (the values behind a [`placeholders`] list).
    pub fn bind_each<T: Encode>(mut self, values: impl IntoIterator<Item = T>) -> Self {
        for value in values {
            self = self.bind(value);
        }
        self
    }

    pub(crate) fn bind_value(mut self, value: Value) -> Self {
        self.args.push(value);
        self
    }

    async fn run<'c>(self, on: impl Into<Target<'c>>) -> Result<Output> {
        run(on.into(), self.sql, &self.args).await
    }

    pub async fn execute<'c>(self, on: impl Into<Target<'c>>) -> Result<Done> {
        let out = self.run(on).await?;
        Ok(Done {
            rows_affected: out.rows_affected,
        })
    }

    pub async fn fetch_all<'c>(self, on: impl Into<Target<'c>>) -> Result<Vec<Row>> {
        Ok(self.run(on).await?.rows)
    }

    pub async fn fetch_optional<'c>(self, on: impl Into<Target<'c>>) -> Result<Option<Row>> {
        Ok(self.run(on).await?.rows.into_iter().next())
    }

    pub async fn fetch_one<'c>(self, on: impl Into<Target<'c>>) -> Result<Row> {
        self.fetch_optional(on)
            .await?
            .ok_or(StoreError::RowNotFound)
    }
}

/// `$first, $first+1, …` for `count` values. A list of ids is bound rather than written into
/// the statement, so its text depends only on how many there are and its prepared form is
/// reused.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($first, …), (…), …`: the VALUES of a multi-row INSERT with `columns` values per row,
/// numbered from `$first`. One statement writes a whole batch; its text depends only on
/// the batch size, so a repeated size reuses the prepared form.
pub fn value_rows(first: usize, columns: usize, rows: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(first + r * columns, columns)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A query whose rows are read into `T` (a tuple of its columns).
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryAs<'q, T> {
    query: Query<'q>,
    _row: std::marker::PhantomData<fn() -> T>,
}

pub fn query_as<T: FromRow>(sql: &str) -> QueryAs<'_, T> {
    QueryAs {
        query: query(sql),
        _row: std::marker::PhantomData,
    }
}

impl<'q, T: FromRow> QueryAs<'q, T> {
    pub fn bind(mut self, value: impl Encode) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub async fn fetch_all<'c>(self, on: impl Into<Target<'c>>) -> Result<Vec<T>> {
        self.query
            .fetch_all(on)
            .await?
            .iter()
            .map(T::from_row)
            .collect()
    }

    pub async fn fetch_optional<'c>(self, on: impl Into<Target<'c>>) -> Result<Option<T>> {
        self.query
            .fetch_optional(on)
            .await?
            .as_ref()
            .map(T::from_row)
            .transpose()
    }

    pub async fn fetch_one<'c>(self, on: impl Into<Target<'c>>) -> Result<T> {
        T::from_row(&self.query.fetch_one(on).await?)
    }
}

/// A query whose first column is the answer.
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryScalar<'q, T> {
    query: Query<'q>,
    _value: std::marker::PhantomData<fn() -> T>,
}

pub fn query_scalar<T: Decode>(sql: &str) -> QueryScalar<'_, T> {
    QueryScalar {
        query: query(sql),
        _value: std::marker::PhantomData,
    }
}

impl<'q, T: Decode> QueryScalar<'q, T> {
    pub fn bind(mut self, value: impl Encode) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub async fn fetch_all<'c>(self, on: impl Into<Target<'c>>) -> Result<Vec<T>> {
        self.query
            .fetch_all(on)
            .await?
            .iter()
            .map(|r| r.try_get(0usize))
            .collect()
    }

    pub async fn fetch_optional<'c>(self, on: impl Into<Target<'c>>) -> Result<Option<T>> {
        self.query
            .fetch_optional(on)
            .await?
            .map(|r| r.try_get(0usize))
            .transpose()
    }

    pub async fn fetch_one<'c>(self, on: impl Into<Target<'c>>) -> Result<T> {
        self.query.fetch_one(on).await?.try_get(0usize)
    }
}
