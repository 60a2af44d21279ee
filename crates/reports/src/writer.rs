//! The streaming writers: a header row, then rows as they come.

use crate::zone::Civil;
use crate::{Cell, Column, Format, Kind, ReportError, Zone};
use depot_domain::Lang;
use rust_xlsxwriter::{ExcelDateTime, Format as XlsxFormat, Workbook, Worksheet};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// The most data rows an XLSX report holds (a sheet has 1,048,576 rows; one is the header).
pub const XLSX_MAX_ROWS: u64 = 1_048_575;

/// The longest text an XLSX cell takes, in UTF-16 units; longer texts are cut there.
const XLSX_MAX_TEXT: usize = 32_767;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What [`ReportWriter::with_options`] adds to [`ReportWriter::new`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The XLSX sheet's name (at most 31 characters, none of `[]:*?/\`); "Report" / "Báo cáo"
    /// when not given.
    pub sheet_name: Option<String>,
    /// Where the XLSX writer keeps its temporary file (the rows, until `finish` zips them
    /// into the output); the system's temporary directory when not given.
    pub tempdir: Option<PathBuf>,
    /// The XLSX zip's deflate level, 1 (fastest) to 9 (smallest); 3 when not given.
    pub compression_level: Option<u8>,
}

/// Writes one report file: the header row at once, then each row as it is given, holding no
/// more than one row in memory (XLSX rows go to a temporary file until [`finish`] zips them
/// into `W`).
///
/// Cells are given in column order and must fit their column's [`Kind`]; a text cell whose
/// text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading
/// `'` so that a spreadsheet never runs it as a formula (numbers, times and amounts are not
/// text and are written as they are).
///
/// `W` may be a `&mut File` (to sync it afterwards) or any other `Write + Send`.
///
/// [`finish`]: ReportWriter::finish
pub struct ReportWriter<W: Write + Send> {
    columns: Vec<Column>,
    lang: Lang,
    zone: Zone,
    rows: u64,
    out: Out<W>,
}

enum Out<W: Write + Send> {
    Csv {
        csv: Box<csv::Writer<W>>,
        field: String,
    },
    Xlsx(Box<Xlsx<W>>),
}

struct Xlsx<W> {
    workbook: Workbook,
    sheet: Worksheet,
    writer: W,
    time: XlsxFormat,
    date: XlsxFormat,
    money: XlsxFormat,
    /// The last column's index; None without columns.
    last_col: Option<u16>,
    /// About how many bytes of sheet XML the rows make (to know whether the zip needs
    /// ZIP64, which it needs past 4 GiB).
    xml_bytes: u64,
}

/// Past this much sheet XML (by the estimate, half of zip's 4 GiB limit) the file is written
/// with ZIP64 entries.
const ZIP64_FROM: u64 = 2 << 30;

impl<W: Write + Send> ReportWriter<W> {
    /// Starts a report of `columns`, headers in `lang`, times in `zone`.
    pub fn new(
        format: Format,
        columns: &[Column],
        lang: Lang,
        zone: &Zone,
        writer: W,
    ) -> Result<ReportWriter<W>, ReportError> {
        ReportWriter::with_options(format, columns, lang, zone, &Options::default(), writer)
    }

    pub fn with_options(
        format: Format,
        columns: &[Column],
        lang: Lang,
        zone: &Zone,
        options: &Options,
        mut writer: W,
    ) -> Result<ReportWriter<W>, ReportError> {
        let out = match format {
            Format::Csv => {
                writer.write_all(BOM)?;
                let mut csv = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .quote_style(csv::QuoteStyle::Necessary)
                    .buffer_capacity(64 * 1024)
                    .from_writer(writer);
                csv.write_record(columns.iter().map(|c| c.header(lang)))?;
                Out::Csv {
                    csv: Box::new(csv),
                    field: String::new(),
                }
            }
            Format::Xlsx => Out::Xlsx(Box::new(Xlsx::start(columns, lang, options, writer)?)),
        };
        Ok(ReportWriter {
            columns: columns.to_vec(),
            lang,
            zone: zone.clone(),
            rows: 0,
            out,
        })
    }

    /// The report's language (to pick a label with, e.g. `status.label(report.lang())`).
    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Rows written so far (the header not counted).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes one row, its cells in column order. A row of the wrong length or a cell of the
    /// wrong kind is refused (and nothing of it written).
    pub fn write_row(&mut self, cells: &[Cell]) -> Result<(), ReportError> {
        let row = self.rows + 1;
        if cells.len() != self.columns.len() {
            return Err(ReportError::RowLength {
                row,
                expected: self.columns.len(),
                got: cells.len(),
            });
        }
        for (cell, column) in cells.iter().zip(&self.columns) {
            if !cell.fits(column.kind) {
                return Err(ReportError::CellKind {
                    row,
                    column: column.key,
                    expected: column.kind,
                    got: cell.name(),
                });
            }
        }
        match &mut self.out {
            Out::Csv { csv, field } => {
                for cell in cells {
                    field.clear();
                    csv_field(field, cell, self.lang, &self.zone);
                    csv.write_field(field.as_bytes())?;
                }
                csv.write_record(None::<&[u8]>)?;
            }
            Out::Xlsx(x) => {
                if row > XLSX_MAX_ROWS {
                    return Err(ReportError::TooManyRows {
                        limit: XLSX_MAX_ROWS,
                    });
                }
                x.write_row(row as u32, cells, self.lang, &self.zone)?;
            }
        }
        self.rows = row;
        Ok(())
    }

    /// Completes the file (for XLSX: zips the sheet into the output) and flushes the output;
    /// returns the number of rows written.
    pub fn finish(self) -> Result<u64, ReportError> {
        match self.out {
            Out::Csv { csv, .. } => {
                let mut writer = (*csv).into_inner().map_err(|e| e.into_error())?;
                writer.flush()?;
            }
            Out::Xlsx(x) => (*x).finish(self.rows)?,
        }
        Ok(self.rows)
    }
}

/// The text of a cell in a CSV file.
fn csv_field(out: &mut String, cell: &Cell, lang: Lang, zone: &Zone) {
    match cell {
        Cell::Empty => {}
        Cell::Text(t) => out.push_str(&guard(t)),
        Cell::Label { vi, en } => out.push_str(&guard(lang.pick(vi, en))),
        Cell::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        Cell::Decimal(x) => {
            let _ = write!(out, "{x}");
        }
        Cell::Money(minor) => {
            let sign = if *minor < 0 { "-" } else { "" };
            let abs = minor.unsigned_abs();
            let _ = write!(out, "{sign}{}.{:02}", abs / 100, abs % 100);
        }
        Cell::Time(unix) => match zone.civil(*unix) {
            Some(c) => iso(out, &c),
            None => {
                let _ = write!(out, "{unix}");
            }
        },
        Cell::Date(d) => out.push_str(&guard(d)),
        Cell::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
    }
}

/// `2027-01-15 15:00:00`.
fn iso(out: &mut String, c: &Civil) {
    let _ = write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
}

/// Text a spreadsheet could take for a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading `'`.
pub(crate) fn guard(text: &str) -> Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// A `YYYY-MM-DD` date, when it is one.
fn parse_date(text: &str) -> Option<(u16, u8, u8)> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some((
        text.get(0..4)?.parse().ok()?,
        text.get(5..7)?.parse().ok()?,
        text.get(8..10)?.parse().ok()?,
    ))
}

/// At most `XLSX_MAX_TEXT` UTF-16 units of `text`.
fn xlsx_text(text: Cow<'_, str>) -> Cow<'_, str> {
    // Cheap test first: a text of at most 16,383 bytes is within the limit.
    if text.len() <= XLSX_MAX_TEXT / 2 || text.encode_utf16().count() <= XLSX_MAX_TEXT {
        return text;
    }
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > XLSX_MAX_TEXT {
            break;
        }
        end = i + c.len_utf8();
    }
    Cow::Owned(text[..end].to_string())
}

impl<W: Write + Send> Xlsx<W> {
    fn start(
        columns: &[Column],
        lang: Lang,
        options: &Options,
        writer: W,
    ) -> Result<Xlsx<W>, ReportError> {
        let mut workbook = Workbook::new();
        workbook.set_zip_compression_level(options.compression_level.unwrap_or(3).clamp(1, 9));
        if let Some(dir) = &options.tempdir {
            workbook.set_tempdir(dir)?;
        }
        let mut sheet = workbook.new_worksheet_with_constant_memory()?;
        let name = options
            .sheet_name
            .clone()
            .unwrap_or_else(|| lang.pick("Báo cáo", "Report").to_string());
        sheet.set_name(name)?;
        let (time, date) = match lang {
            Lang::Vi => ("dd/mm/yyyy hh:mm:ss", "dd/mm/yyyy"),
            Lang::En => ("yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"),
        };
        let header = XlsxFormat::new().set_bold();
        // Column widths go before the first row in constant-memory mode.
        for (i, c) in columns.iter().enumerate() {
            sheet.set_column_width(i as u16, width(c, lang))?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (i, c) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, i as u16, c.header(lang), &header)?;
        }
        Ok(Xlsx {
            workbook,
            sheet,
            writer,
            time: XlsxFormat::new().set_num_format(time),
            date: XlsxFormat::new().set_num_format(date),
            money: XlsxFormat::new().set_num_format("#,##0.00"),
            last_col: columns.len().checked_sub(1).map(|c| c as u16),
            xml_bytes: 0,
        })
    }

    fn write_row(
        &mut self,
        row: u32,
        cells: &[Cell],
        lang: Lang,
        zone: &Zone,
    ) -> Result<(), ReportError> {
        // `<row r="…">` and, per cell, `<c r="AB123" s="1" t="inlineStr"><is><t>…</t></is></c>`
        // or `<c r="AB123"><v>…</v></c>`; text may grow when escaped.
        self.xml_bytes += 24;
        for (i, cell) in cells.iter().enumerate() {
            let col = i as u16;
            self.xml_bytes += match cell {
                Cell::Empty => 0,
                Cell::Text(t) | Cell::Date(t) => 48 + 2 * t.len() as u64,
                Cell::Label { vi, en } => 48 + 2 * lang.pick(vi, en).len() as u64,
                _ => 48,
            };
            let sheet = &mut self.sheet;
            match cell {
                Cell::Empty => {}
                Cell::Text(t) => {
                    sheet.write_string(row, col, xlsx_text(guard(t)))?;
                }
                Cell::Label { vi, en } => {
                    sheet.write_string(row, col, guard(lang.pick(vi, en)))?;
                }
                Cell::Integer(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Decimal(x) if x.is_finite() => {
                    sheet.write_number(row, col, *x)?;
                }
                Cell::Decimal(_) => {}
                Cell::Money(minor) => {
                    sheet.write_number_with_format(row, col, *minor as f64 / 100.0, &self.money)?;
                }
                Cell::Time(unix) => {
                    let when = zone.civil(*unix).and_then(|c| {
                        ExcelDateTime::from_ymd(c.year as u16, c.month as u8, c.day as u8)
                            .and_then(|d| d.and_hms(c.hour as u16, c.minute as u8, c.second))
                            .ok()
                    });
                    match when {
                        Some(when) => {
                            sheet.write_datetime_with_format(row, col, &when, &self.time)?;
                        }
                        None => {
                            sheet.write_number(row, col, *unix as f64)?;
                        }
                    }
                }
                Cell::Date(text) => {
                    let date = parse_date(text)
                        .filter(|(y, _, _)| *y >= 1900)
                        .and_then(|(y, m, d)| ExcelDateTime::from_ymd(y, m, d).ok());
                    match date {
                        Some(date) => {
                            sheet.write_datetime_with_format(row, col, &date, &self.date)?;
                        }
                        None => {
                            sheet.write_string(row, col, xlsx_text(guard(text)))?;
                        }
                    }
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(row, col, *b)?;
                }
            }
        }
        Ok(())
    }

    fn finish(self, rows: u64) -> Result<(), ReportError> {
        let Xlsx {
            mut workbook,
            mut sheet,
            mut writer,
            last_col,
            xml_bytes,
            ..
        } = self;
        if xml_bytes > ZIP64_FROM {
            workbook.use_zip_large_file(true);
        }
        if let Some(last_col) = last_col {
            // A filter button on every header, over the rows written.
            sheet.autofilter(0, 0, rows as u32, last_col)?;
        }
        workbook.push_worksheet(sheet);
        workbook.save_to_writer(&mut writer)?;
        writer.flush()?;
        Ok(())
    }
}

/// A column's width in characters: its header's length, or what its values need.
fn width(c: &Column, lang: Lang) -> f64 {
    let values: f64 = match c.kind {
        Kind::Text => 16.0,
        Kind::Integer => 10.0,
        Kind::Decimal => 10.0,
        Kind::Money => 14.0,
        Kind::Time => 19.0,
        Kind::Date => 11.0,
        Kind::Bool => 8.0,
    };
    let header = c.header(lang).chars().count() as f64 * 1.1 + 2.0;
    values.max(header).min(40.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_get_a_quote() {
        for t in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard(t), format!("'{t}"));
        }
        for t in ["", "1-1", "a=b", " =1", "'=already", "Đơn"] {
            assert_eq!(guard(t), t);
        }
    }

    #[test]
    fn dates_parse_only_when_they_are_dates() {
        assert_eq!(parse_date("2027-01-15"), Some((2027, 1, 15)));
        assert_eq!(parse_date("2027-1-15"), None);
        assert_eq!(parse_date("15/01/2027"), None);
        assert_eq!(parse_date("2027-01-1x"), None);
    }

    #[test]
    fn long_texts_are_cut_to_what_a_cell_holds() {
        let short = "Đơn hàng".repeat(100);
        assert_eq!(xlsx_text(Cow::Borrowed(&short)), short);
        // 😀 is two UTF-16 units: the cut never splits one.
        let long = "😀".repeat(20_000);
        let cut = xlsx_text(Cow::Borrowed(&long));
        assert_eq!(cut.encode_utf16().count(), XLSX_MAX_TEXT - 1);
        let long = "a".repeat(40_000);
        assert_eq!(xlsx_text(Cow::Borrowed(&long)).len(), XLSX_MAX_TEXT);
    }
}
