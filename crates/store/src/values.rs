//! The values a statement binds and returns, shared by both engines and the query API:
//! [`Value`] and its [`Kind`], the [`Encode`] / [`Decode`] conversions from and to Rust types,
//! and [`Row`]. The lowest layer of the store's SQL: it knows no connection.

use crate::{Result, StoreError};
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

/// What a statement produced.
pub(crate) struct Output {
    pub rows: Vec<Row>,
    pub rows_affected: u64,
}

impl Row {
    pub(crate) fn new(columns: Arc<[String]>, values: Vec<Value>) -> Row {
        Row { columns, values }
    }
}
