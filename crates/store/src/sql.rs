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

use crate::{Db, Result, StoreError};
use std::sync::Arc;

/// The value kinds the schema uses: every column is a 64-bit integer, a float or text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
}

/// A bound parameter or a column value. A NULL keeps its kind, because PostgreSQL types
/// every parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null(Kind),
    Int(i64),
    Real(f64),
    Text(String),
}

/// A Rust value that can be bound to a placeholder.
pub trait Encode {
    fn encode(self) -> Value;
}

/// The kind of a Rust type, for its NULL.
pub trait HasKind {
    const KIND: Kind;
}

macro_rules! int_encode {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(self) -> Value {
                Value::Int(i64::from(self))
            }
        }
        impl HasKind for $t {
            const KIND: Kind = Kind::Int;
        }
        impl Encode for &$t {
            fn encode(self) -> Value {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
int_encode!(i64, i32, u32, bool);

impl Encode for f64 {
    fn encode(self) -> Value {
        Value::Real(self)
    }
}
impl HasKind for f64 {
    const KIND: Kind = Kind::Real;
}
impl Encode for &str {
    fn encode(self) -> Value {
        Value::Text(self.to_string())
    }
}
impl HasKind for &str {
    const KIND: Kind = Kind::Text;
}
impl Encode for String {
    fn encode(self) -> Value {
        Value::Text(self)
    }
}
impl HasKind for String {
    const KIND: Kind = Kind::Text;
}
impl Encode for &String {
    fn encode(self) -> Value {
        Value::Text(self.clone())
    }
}
impl HasKind for &String {
    const KIND: Kind = Kind::Text;
}
impl<T: Encode + HasKind> Encode for Option<T> {
    fn encode(self) -> Value {
        match self {
            Some(v) => v.encode(),
            None => Value::Null(T::KIND),
        }
    }
}
impl<T: Encode + HasKind + Clone> Encode for &Option<T> {
    fn encode(self) -> Value {
        self.clone().encode()
    }
}
impl Encode for Value {
    fn encode(self) -> Value {
        self
    }
}

/// A Rust value a column can be read into.
pub trait Decode: Sized {
    fn decode(value: &Value) -> Option<Self>;
}

impl Decode for i64 {
    fn decode(value: &Value) -> Option<Self> {
        match value {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }
}
impl Decode for i32 {
    fn decode(value: &Value) -> Option<Self> {
        i64::decode(value).and_then(|v| i32::try_from(v).ok())
    }
}
impl Decode for bool {
    fn decode(value: &Value) -> Option<Self> {
        i64::decode(value).map(|v| v != 0)
    }
}
impl Decode for f64 {
    fn decode(value: &Value) -> Option<Self> {
        match value {
            Value::Real(v) => Some(*v),
            // SQLite stores a whole REAL value written as an integer literal as an integer.
            Value::Int(v) => Some(*v as f64),
            _ => None,
        }
    }
}
impl Decode for String {
    fn decode(value: &Value) -> Option<Self> {
        match value {
            Value::Text(v) => Some(v.clone()),
            _ => None,
        }
    }
}
impl<T: Decode> Decode for Option<T> {
    fn decode(value: &Value) -> Option<Self> {
        match value {
            Value::Null(_) => Some(None),
            v => T::decode(v).map(Some),
        }
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

/// A column by name or by position.
pub trait ColumnIndex {
    fn position(&self, columns: &[String]) -> Option<usize>;
    fn describe(&self) -> String;
}
impl ColumnIndex for &str {
    fn position(&self, columns: &[String]) -> Option<usize> {
        columns.iter().position(|c| c == self)
    }
    fn describe(&self) -> String {
        (*self).to_string()
    }
}
impl ColumnIndex for usize {
    fn position(&self, columns: &[String]) -> Option<usize> {
        (*self < columns.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("#{self}")
    }
}

impl Row {
    /// Reads a column; a missing column or a value of the wrong kind is an error.
    pub fn try_get<T: Decode, I: ColumnIndex>(&self, index: I) -> Result<T> {
        let value = index
            .position(&self.columns)
            .map(|i| &self.values[i])
            .ok_or_else(|| StoreError::Decode(format!("no column {}", index.describe())))?;
        T::decode(value).ok_or_else(|| {
            StoreError::Decode(format!(
                "column {}: cannot read {value:?} as {}",
                index.describe(),
                std::any::type_name::<T>()
            ))
        })
    }
}

/// Reads a whole row into a Rust value (tuples of columns, in order).
pub trait FromRow: Sized {
    fn from_row(row: &Row) -> Result<Self>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Decode),+> FromRow for ($($t,)+) {
            fn from_row(row: &Row) -> Result<Self> {
                Ok(($(row.try_get::<$t, usize>($i)?,)+))
            }
        }
    };
}
tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);

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

/// What a statement produced.
pub(crate) struct Output {
    pub rows: Vec<Row>,
    pub rows_affected: u64,
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
        crate::backend::run(on.into(), self.sql, &self.args).await
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

impl Row {
    pub(crate) fn new(columns: Arc<[String]>, values: Vec<Value>) -> Row {
        Row { columns, values }
    }
}
