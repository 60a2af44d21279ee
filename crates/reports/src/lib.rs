//! Depot's report files (SPEC §8), written row by row so that memory stays flat however many
//! rows a report has. A pure library: it writes to the `std::io::Write` it is given (and, for
//! XLSX, to one temporary file), nothing else.
//!
//! * [`ReportWriter`] writes a header row in the report's language, then one row per
//!   [`ReportWriter::write_row`] call, as CSV or XLSX ([`Format`]).
//! * [`Column`] says what a column holds ([`Kind`]); [`Cell`] is one value of a row.
//! * [`ReportType`] names the five reports of §8 and gives each its columns, so a report job
//!   only maps its models to cells, in column order.
//! * [`Zone`] is the business's time zone (Asia/Ho_Chi_Minh by default), from the IANA
//!   database bundled into the binary.
//!
//! ```
//! use depot_reports::{Cell, Format, ReportType, ReportWriter, Zone};
//! use depot_domain::Lang;
//!
//! let mut out = Vec::new();
//! let mut report = ReportWriter::new(
//!     Format::Csv,
//!     ReportType::StockSnapshot.columns(),
//!     Lang::En,
//!     &Zone::default(),
//!     &mut out,
//! )
//! .unwrap();
//! report
//!     .write_row(&[
//!         Cell::from("WH-HN01"),
//!         Cell::from("OASIN0000001"),
//!         Cell::from("AO-THUN-TRANG-M"),
//!         Cell::from("Áo thun cotton"),
//!         Cell::from("A"),
//!         Cell::from(120),
//!         Cell::from(20),
//!         Cell::from(100),
//!         Cell::from(None::<i64>),
//!     ])
//!     .unwrap();
//! assert_eq!(report.finish().unwrap(), 1);
//! assert!(out.starts_with("\u{feff}Warehouse,OASIN,SKU,".as_bytes()));
//! ```

mod columns;
mod writer;
mod zone;

pub use columns::{ReportType, PURCHASE_ORDERS, RETURNS, SHIPMENTS, STOCK_LEDGER, STOCK_SNAPSHOT};
pub use writer::{Options, ReportWriter, XLSX_MAX_ROWS};
pub use zone::{Zone, DEFAULT_TIME_ZONE};

use std::borrow::Cow;

/// A report file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// UTF-8 with a byte-order mark, comma-separated, CRLF line ends, RFC 4180 quoting.
    Csv,
    /// One sheet, a bold frozen header row, typed cells.
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Csv, Format::Xlsx];

    /// `csv` or `xlsx`, as requests name it.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The file name extension (without the dot).
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    /// The media type to serve the file with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// What a column holds, which decides how its cells are written.
///
/// | kind | CSV | XLSX |
/// |---|---|---|
/// | `Text` | the text | a string |
/// | `Integer` | `-12` | a number |
/// | `Decimal` | `12.5` | a number |
/// | `Money` | `500000.00` (as the API writes amounts) | a number, format `#,##0.00` |
/// | `Time` | `2027-01-15 15:00:00`, in the report's time zone | a date-time, `dd/mm/yyyy hh:mm:ss` (vi) or `yyyy-mm-dd hh:mm:ss` (en) |
/// | `Date` | `2027-01-15` as given | a date, `dd/mm/yyyy` (vi) or `yyyy-mm-dd` (en) |
/// | `Bool` | `TRUE` / `FALSE` | a boolean |
///
/// An empty cell is empty in both formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Text,
    Integer,
    Decimal,
    /// Hundredths of the currency unit, as Depot stores money.
    Money,
    /// Unix seconds.
    Time,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    Bool,
}

/// One column of a report: a stable key (for code and docs), its header in Vietnamese and
/// English, and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    /// (vi, en)
    pub header: (&'static str, &'static str),
    pub kind: Kind,
}

impl Column {
    pub const fn new(key: &'static str, vi: &'static str, en: &'static str, kind: Kind) -> Column {
        Column {
            key,
            header: (vi, en),
            kind,
        }
    }

    /// The header in `lang`.
    pub fn header(&self, lang: depot_domain::Lang) -> &'static str {
        lang.pick(self.header.0, self.header.1)
    }
}

/// One value of a row. Build cells with `Cell::from` (text, integers, decimals, booleans and
/// their `Option`s: `None` is an empty cell) and [`Cell::time`], [`Cell::money`],
/// [`Cell::date`], [`Cell::label`] for the kinds a plain value cannot tell apart.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    /// A fixed text in both languages (a status label), written in the report's language.
    Label {
        vi: &'static str,
        en: &'static str,
    },
    Integer(i64),
    Decimal(f64),
    /// Hundredths of the currency unit.
    Money(i64),
    /// Unix seconds.
    Time(i64),
    /// `YYYY-MM-DD`. Anything else is written as text.
    Date(Cow<'a, str>),
    Bool(bool),
}

impl<'a> Cell<'a> {
    /// A time in Unix seconds; `None` is empty.
    pub fn time(unix: impl Into<Option<i64>>) -> Cell<'a> {
        unix.into().map_or(Cell::Empty, Cell::Time)
    }

    /// An amount in hundredths (`50_000_000` is 500,000.00); `None` is empty.
    pub fn money(minor: impl Into<Option<i64>>) -> Cell<'a> {
        minor.into().map_or(Cell::Empty, Cell::Money)
    }

    /// A `YYYY-MM-DD` date; `None` is empty.
    pub fn date(date: Option<impl Into<Cow<'a, str>>>) -> Cell<'a> {
        date.map_or(Cell::Empty, |d| Cell::Date(d.into()))
    }

    /// A fixed text in both languages.
    pub fn label(vi: &'static str, en: &'static str) -> Cell<'a> {
        Cell::Label { vi, en }
    }

    fn name(&self) -> &'static str {
        match self {
            Cell::Empty => "empty",
            Cell::Text(_) => "text",
            Cell::Label { .. } => "label",
            Cell::Integer(_) => "integer",
            Cell::Decimal(_) => "decimal",
            Cell::Money(_) => "money",
            Cell::Time(_) => "time",
            Cell::Date(_) => "date",
            Cell::Bool(_) => "bool",
        }
    }

    /// Whether a column of `kind` takes this cell (an empty cell fits any column, an
    /// integer fits a decimal one).
    fn fits(&self, kind: Kind) -> bool {
        matches!(
            (self, kind),
            (Cell::Empty, _)
                | (Cell::Text(_) | Cell::Label { .. }, Kind::Text)
                | (Cell::Integer(_), Kind::Integer | Kind::Decimal)
                | (Cell::Decimal(_), Kind::Decimal)
                | (Cell::Money(_), Kind::Money)
                | (Cell::Time(_), Kind::Time)
                | (Cell::Date(_), Kind::Date)
                | (Cell::Bool(_), Kind::Bool)
        )
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Self {
        Cell::Text(Cow::Borrowed(v))
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(v: &'a String) -> Self {
        Cell::Text(Cow::Borrowed(v))
    }
}

impl From<String> for Cell<'_> {
    fn from(v: String) -> Self {
        Cell::Text(Cow::Owned(v))
    }
}

impl From<i64> for Cell<'_> {
    fn from(v: i64) -> Self {
        Cell::Integer(v)
    }
}

impl From<i32> for Cell<'_> {
    fn from(v: i32) -> Self {
        Cell::Integer(v.into())
    }
}

impl From<u32> for Cell<'_> {
    fn from(v: u32) -> Self {
        Cell::Integer(v.into())
    }
}

impl From<f64> for Cell<'_> {
    fn from(v: f64) -> Self {
        Cell::Decimal(v)
    }
}

impl From<bool> for Cell<'_> {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}

impl<'a, T: Into<Cell<'a>>> From<Option<T>> for Cell<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("writing the report: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the XLSX: {0}")]
    Xlsx(String),
    /// A row with more or fewer cells than the report has columns (a bug in the caller).
    #[error("row {row} has {got} cells for {expected} columns")]
    RowLength {
        row: u64,
        expected: usize,
        got: usize,
    },
    /// A cell of the wrong kind for its column (a bug in the caller).
    #[error("row {row}, column {column}: a {got} cell in a {expected:?} column")]
    CellKind {
        row: u64,
        column: &'static str,
        expected: Kind,
        got: &'static str,
    },
    /// An XLSX sheet holds 1,048,576 rows, the header included.
    #[error("an XLSX sheet holds at most {limit} rows: narrow the filters or choose CSV")]
    TooManyRows { limit: u64 },
    #[error("unknown time zone {0:?}")]
    UnknownTimeZone(String),
}

impl From<rust_xlsxwriter::XlsxError> for ReportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ReportError::Xlsx(e.to_string())
    }
}
