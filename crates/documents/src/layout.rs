//! What every document shares: the look of titles, fact lists, table headings, barcodes,
//! signature boxes and page footers, and how numbers, amounts and times are written.

use crate::code128;
use crate::pdf::{Doc, Font, Style};
use crate::DocumentError;
use depot_domain::Lang;

pub const BODY: Style = Style::regular(9.0);
pub const BODY_BOLD: Style = Style::bold(9.0);
/// Small gray captions above a value ("KHO NHẬN HÀNG").
pub const LABEL: Style = Style::regular(7.5).gray(0.35);
pub const LINE: f32 = 12.0;
pub const CELL_PAD: f32 = 4.0;

/// The words of a document in its two languages.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub lang: Lang,
}

impl Words {
    pub fn t(&self, vi: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(vi, en)
    }
}

/// Where a barcode goes and how big it may be.
#[derive(Debug, Clone, Copy)]
pub struct BarcodeBox {
    /// Horizontal anchor of the bars (quiet zones lie outside it).
    pub anchor: Anchor,
    pub top: f32,
    pub height: f32,
    /// Room for the bars and both quiet zones.
    pub max_width: f32,
    /// Widest module wanted, in points.
    pub max_module: f32,
    /// When set, the module is a whole multiple of this (a printer's dot) if at least one fits.
    pub dot: Option<f32>,
}

#[derive(Debug, Clone, Copy)]
pub enum Anchor {
    /// The left quiet zone starts at x.
    Left(f32),
    /// The bars are centred on x.
    Center(f32),
    /// The right quiet zone ends at x.
    Right(f32),
}

/// Where a barcode was drawn.
#[derive(Debug, Clone, Copy)]
pub struct PlacedBarcode {
    pub left: f32,
    pub width: f32,
}

impl PlacedBarcode {
    pub fn center(&self) -> f32 {
        self.left + self.width / 2.0
    }
}

/// Draws `text` as a Code 128 barcode of vector bars.
pub fn barcode(doc: &mut Doc, text: &str, b: BarcodeBox) -> Result<PlacedBarcode, DocumentError> {
    let widths = code128::widths(&code128::symbols(text)?);
    let modules: u32 = widths.iter().map(|&m| u32::from(m)).sum();
    let mut module = (b.max_width / (modules + 2 * code128::QUIET_ZONE) as f32).min(b.max_module);
    if let Some(dot) = b.dot {
        let dots = (module / dot).floor();
        if dots >= 1.0 {
            module = dots * dot;
        }
    }
    let width = modules as f32 * module;
    let quiet = code128::QUIET_ZONE as f32 * module;
    let left = match b.anchor {
        Anchor::Left(x) => x + quiet,
        Anchor::Center(x) => x - width / 2.0,
        Anchor::Right(x) => x - quiet - width,
    };
    let mut x = left;
    let mut bars = Vec::with_capacity(widths.len() / 2 + 1);
    for (i, &m) in widths.iter().enumerate() {
        let w = f32::from(m) * module;
        if i.is_multiple_of(2) {
            bars.push((x, w));
        }
        x += w;
    }
    doc.bars(&bars, b.top, b.height);
    Ok(PlacedBarcode { left, width })
}

/// The largest size up to `size` at which `text` fits `max` (never below 60 % of `size`;
/// past that, the caller cuts the text).
pub fn fitting_size(font: &Font, text: &str, size: f32, max: f32) -> f32 {
    let width = font.width(text, size);
    if width <= max || width == 0.0 {
        size
    } else {
        (size * max / width).max(size * 0.6)
    }
}

/// `text` wrapped to `max`, at most `lines` lines; the last one cut with "…" when more was
/// left.
pub fn wrap_lines(font: &Font, text: &str, size: f32, max: f32, lines: usize) -> Vec<String> {
    let mut out = font.wrap(text, size, max);
    if out.len() > lines {
        out.truncate(lines.max(1));
        let last = out.len() - 1;
        out[last] = font.fit(&format!("{}…", out[last]), size, max);
    }
    out
}

/// Labelled values in two columns (label, value) from `y` down; returns the y under them.
pub fn facts(
    doc: &mut Doc,
    x: f32,
    y: f32,
    label_width: f32,
    width: f32,
    facts: &[(&str, String)],
) -> f32 {
    let mut y = y;
    for (label, value) in facts {
        doc.text(x, y, Style::regular(8.5).gray(0.35), label);
        let value = doc.font.fit(value, 9.0, width - label_width);
        doc.text(x + label_width, y, BODY_BOLD, &value);
        y += 14.0;
    }
    y
}

/// A table column: left edge, width, heading, and whether its values end at its right edge.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub x: f32,
    pub width: f32,
    pub right: bool,
}

impl Col {
    pub const fn left(x: f32, width: f32) -> Col {
        Col {
            x,
            width,
            right: false,
        }
    }
    pub const fn right(x: f32, width: f32) -> Col {
        Col {
            x,
            width,
            right: true,
        }
    }
    pub fn end(&self) -> f32 {
        self.x + self.width
    }
    /// Room for text inside the cell.
    pub fn inner(&self) -> f32 {
        self.width - 2.0 * CELL_PAD
    }
    /// Writes `text` in the cell at `baseline`, cut with "…" to fit.
    pub fn text(&self, doc: &mut Doc, baseline: f32, style: Style, text: &str) {
        let text = doc.font.fit(text, style.size, self.inner());
        if self.right {
            doc.text_right(self.end() - CELL_PAD, baseline, style, &text);
        } else {
            doc.text(self.x + CELL_PAD, baseline, style, &text);
        }
    }
}

pub const HEAD_HEIGHT: f32 = 18.0;

/// Dark column headings across `x`..`x + width`; returns the y under them.
pub fn table_head(doc: &mut Doc, x: f32, width: f32, y: f32, cols: &[(Col, &str)]) -> f32 {
    doc.fill_rect(x, y, width, HEAD_HEIGHT, 0.2);
    let baseline = y + 12.5;
    let head = Style::bold(8.5).gray(1.0);
    for (col, title) in cols {
        col.text(doc, baseline, head, title);
    }
    y + HEAD_HEIGHT
}

/// The short header of a page after the first: title and code on one line, a subtitle under
/// them; returns the y under it.
pub fn continuation_header(
    doc: &mut Doc,
    margin: f32,
    title: &str,
    code: &str,
    subtitle: &str,
) -> f32 {
    let right = doc.size.width - margin;
    doc.text(margin, margin + 12.0, Style::bold(11.0), title);
    doc.text_right(right, margin + 12.0, Style::bold(11.0), code);
    doc.text(
        margin,
        margin + 25.0,
        Style::regular(8.5).gray(0.35),
        subtitle,
    );
    doc.line((margin, margin + 32.0), (right, margin + 32.0), 0.6, 0.0);
    margin + 42.0
}

/// A row of big figures in a box (e.g. "Tổng số lượng 324"); returns the y under it.
pub fn totals_box(doc: &mut Doc, x: f32, y: f32, width: f32, cells: &[(&str, String)]) -> f32 {
    let height = 58.0;
    doc.stroke_rect(x, y, width, height, 1.0, 0.0);
    let cell = width / cells.len().max(1) as f32;
    for (i, (label, value)) in cells.iter().enumerate() {
        let center = x + cell * (i as f32 + 0.5);
        if i > 0 {
            let cx = x + cell * i as f32;
            doc.line((cx, y + 8.0), (cx, y + height - 8.0), 0.5, 0.6);
        }
        let label = doc.font.fit(label, 8.5, cell - 8.0);
        doc.text_center(center, y + 22.0, Style::regular(8.5).gray(0.35), &label);
        let value = doc.font.fit(value, 16.0, cell - 8.0);
        doc.text_center(center, y + 43.0, Style::bold(16.0), &value);
    }
    y + height
}

/// One signature box: its title, a hint under it, and labelled lines to fill in at its foot.
pub struct SignatureBox<'a> {
    pub title: &'a str,
    pub hint: Option<&'a str>,
    pub fields: &'a [&'a str],
}

/// Signature boxes side by side across `x`..`x + width`, `height` tall, from `y`.
pub fn signature_boxes(
    doc: &mut Doc,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    boxes: &[SignatureBox],
) {
    let gap = 12.0;
    let n = boxes.len().max(1) as f32;
    let bw = (width - gap * (n - 1.0)) / n;
    let caption = Style::regular(7.5).gray(0.4);
    for (i, b) in boxes.iter().enumerate() {
        let bx = x + i as f32 * (bw + gap);
        doc.stroke_rect(bx, y, bw, height, 0.6, 0.5);
        let title = doc.font.fit(b.title, 8.5, bw - 8.0);
        doc.text_center(bx + bw / 2.0, y + 15.0, Style::bold(8.5), &title);
        if let Some(hint) = b.hint {
            doc.text_center(bx + bw / 2.0, y + 27.0, caption, hint);
        }
        // The fields from the foot up, each with a rule to write on.
        for (j, field) in b.fields.iter().rev().enumerate() {
            let baseline = y + height - 8.0 - j as f32 * 17.0;
            doc.text(bx + 6.0, baseline, caption, field);
            let from = bx + 10.0 + doc.font.width(field, caption.size);
            doc.line(
                (from, baseline + 1.5),
                (bx + bw - 6.0, baseline + 1.5),
                0.3,
                0.7,
            );
        }
    }
}

/// Page numbers ("Trang 1 / 3") and `left` at the foot of every page.
pub fn footers(doc: &mut Doc, margin: f32, lang: Lang, left: &str) {
    let pages = doc.page_count();
    let y = doc.size.height - margin;
    let right = doc.size.width - margin;
    let style = Style::regular(8.0).gray(0.35);
    for page in 0..pages {
        doc.select_page(page);
        doc.line((margin, y - 12.0), (right, y - 12.0), 0.4, 0.6);
        let number = page_number(lang, page + 1, pages);
        let room = right - margin - doc.font.width(&number, style.size) - 12.0;
        let left = doc.font.fit(left, style.size, room);
        doc.text(margin, y, style, &left);
        doc.text_right(right, y, style, &number);
    }
}

pub fn page_number(lang: Lang, page: usize, pages: usize) -> String {
    match lang {
        Lang::Vi => format!("Trang {page} / {pages}"),
        Lang::En => format!("Page {page} of {pages}"),
    }
}

/// An empty square to tick by hand, `size` points wide, its top-left at (`x`, `y`).
pub fn checkbox(doc: &mut Doc, x: f32, y: f32, size: f32) {
    doc.stroke_rect(x, y, size, size, 0.7, 0.2);
}

/// "OAPO000000001" → "OAPO 000 000 001" is harder to misread aloud; keep letters together and
/// group trailing digits by three.
pub fn spaced(code: &str) -> String {
    let digits = code
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits < 6 || !code.is_ascii() {
        return code.to_string();
    }
    let (head, tail) = code.split_at(code.len() - digits);
    let mut groups: Vec<&str> = Vec::new();
    let first = digits % 3;
    if first > 0 {
        groups.push(&tail[..first]);
    }
    let mut i = first;
    while i < digits {
        groups.push(&tail[i..i + 3]);
        i += 3;
    }
    format!("{head} {}", groups.join(" "))
}

/// Whole numbers with thousands separators: 1.234.567 (vi) or 1,234,567 (en).
pub fn integer(n: i64, lang: Lang) -> String {
    let sep = match lang {
        Lang::Vi => '.',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Up to three decimals, no trailing zeros: 2,5 (vi) or 2.5 (en).
pub fn decimal(x: f64, lang: Lang) -> String {
    let rounded = (x * 1000.0).round() / 1000.0;
    let whole = rounded.trunc() as i64;
    let fraction = format!("{:.3}", (rounded - rounded.trunc()).abs());
    let fraction = fraction[2..].trim_end_matches('0');
    let mut out = integer(whole, lang);
    if whole == 0 && rounded < 0.0 {
        out.insert(0, '-');
    }
    if !fraction.is_empty() {
        out.push(match lang {
            Lang::Vi => ',',
            Lang::En => '.',
        });
        out.push_str(fraction);
    }
    out
}

/// An amount in hundredths (as Depot stores money), without its currency: `1.250.000` (vi),
/// `1,250,000` (en); hundredths only when there are any (`19,99` vi, `19.99` en).
pub fn amount(minor: i64, lang: Lang) -> String {
    let whole = integer(minor / 100, lang);
    let cents = (minor % 100).unsigned_abs();
    let sign = if minor < 0 && minor / 100 == 0 {
        "-"
    } else {
        ""
    };
    if cents == 0 {
        format!("{sign}{whole}")
    } else {
        let point = match lang {
            Lang::Vi => ',',
            Lang::En => '.',
        };
        format!("{sign}{whole}{point}{cents:02}")
    }
}

/// `dd/mm/yyyy HH:MM GMT+7` at the given offset from UTC.
pub fn datetime(unix: i64, offset_minutes: i32) -> String {
    let t = unix + i64::from(offset_minutes) * 60;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{d:02}/{m:02}/{y} {:02}:{:02} {}",
        secs / 3600,
        secs % 3600 / 60,
        gmt_offset(offset_minutes)
    )
}

/// `GMT+7`, `GMT-5:30`, `GMT`.
fn gmt_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    match (m / 60, m % 60) {
        (0, 0) => "GMT".to_string(),
        (h, 0) => format!("GMT{sign}{h}"),
        (h, mm) => format!("GMT{sign}{h}:{mm:02}"),
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times_read_the_local_way() {
        assert_eq!(integer(1_234_567, Lang::Vi), "1.234.567");
        assert_eq!(integer(1_234_567, Lang::En), "1,234,567");
        assert_eq!(integer(999, Lang::Vi), "999");
        assert_eq!(integer(-1000, Lang::En), "-1,000");
        assert_eq!(decimal(2.5, Lang::Vi), "2,5");
        assert_eq!(decimal(2.5, Lang::En), "2.5");
        assert_eq!(decimal(1200.0, Lang::Vi), "1.200");
        assert_eq!(decimal(0.1234, Lang::En), "0.123");
        assert_eq!(decimal(-0.5, Lang::En), "-0.5");
        // 1_800_000_000 is 2027-01-15 08:00 UTC.
        assert_eq!(datetime(1_800_000_000, 0), "15/01/2027 08:00 GMT");
        assert_eq!(datetime(1_800_000_000, 420), "15/01/2027 15:00 GMT+7");
        assert_eq!(datetime(0, 0), "01/01/1970 00:00 GMT");
        assert_eq!(datetime(951_782_400, 0), "29/02/2000 00:00 GMT");
        assert_eq!(datetime(1_800_000_000, -330), "15/01/2027 02:30 GMT-5:30");
    }

    #[test]
    fn amounts_read_the_local_way() {
        assert_eq!(amount(125_000_000, Lang::Vi), "1.250.000");
        assert_eq!(amount(125_000_000, Lang::En), "1,250,000");
        assert_eq!(amount(0, Lang::Vi), "0");
        assert_eq!(amount(1999, Lang::En), "19.99");
        assert_eq!(amount(1999, Lang::Vi), "19,99");
        assert_eq!(amount(5, Lang::En), "0.05");
        assert_eq!(amount(-5, Lang::En), "-0.05");
        assert_eq!(amount(-150_000, Lang::En), "-1,500");
    }

    #[test]
    fn codes_are_grouped_for_reading() {
        assert_eq!(spaced("OAPO000000001"), "OAPO 000 000 001");
        assert_eq!(spaced("OAPO12345678901"), "OAPO 12 345 678 901");
        assert_eq!(spaced("OASC00000001"), "OASC 00 000 001");
        assert_eq!(spaced("PO-1"), "PO-1");
    }
}
