//! The purchase-order bill (SPEC §3.3 "Get PO Bill"): the sheet that travels with an inbound
//! shipment and is checked at the warehouse door. A4, the PO code as a Code 128 barcode, the
//! receiving warehouse, every package and its lines, totals, signatures, page numbers.

use crate::code128;
use crate::pdf::{Doc, Style, PAGE_HEIGHT, PAGE_WIDTH};
use crate::DocumentError;
use depot_domain::Lang;

/// Everything the bill shows. Texts are printed as given (any Vietnamese included).
#[derive(Debug, Clone)]
pub struct PoBill {
    pub po_code: String,
    pub merchant_po_reference: Option<String>,
    pub business_name: String,
    pub warehouse: PoBillWarehouse,
    /// Unix seconds; None when the merchant gave none.
    pub estimated_arrival_time: Option<i64>,
    /// Unix seconds.
    pub created_time: i64,
    /// The status's label, already in `lang`.
    pub status_label: String,
    pub note: Option<String>,
    pub packages: Vec<PoBillPackage>,
    /// The language of the sheet's own words (headings, labels).
    pub lang: Lang,
    /// Times are printed in this offset from UTC; Vietnam (UTC+7) by default.
    pub utc_offset_minutes: i32,
    pub weight_unit: String,
    pub length_unit: String,
}

impl Default for PoBill {
    fn default() -> Self {
        PoBill {
            po_code: String::new(),
            merchant_po_reference: None,
            business_name: String::new(),
            warehouse: PoBillWarehouse::default(),
            estimated_arrival_time: None,
            created_time: 0,
            status_label: String::new(),
            note: None,
            packages: Vec::new(),
            lang: Lang::Vi,
            utc_offset_minutes: 7 * 60,
            weight_unit: "kg".to_string(),
            length_unit: "cm".to_string(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PoBillWarehouse {
    pub code: String,
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, Default)]
pub struct PoBillPackage {
    pub package_code: String,
    pub weight: Option<f64>,
    /// Length, width, height.
    pub dimensions: Option<(f64, f64, f64)>,
    pub items: Vec<PoBillItem>,
    pub package_note: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PoBillItem {
    pub oasin: String,
    pub sku: String,
    pub name: String,
    pub product_quantity: i64,
}

const MARGIN: f32 = 36.0;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Where content must stop, above the footer.
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN - 28.0;

const BODY: Style = Style::regular(9.0);
const BODY_BOLD: Style = Style::bold(9.0);
const LABEL: Style = Style::regular(7.5).gray(0.35);
const LINE: f32 = 12.0;

/// Table columns: (left edge, width).
const COL_NO: (f32, f32) = (MARGIN, 26.0);
const COL_OASIN: (f32, f32) = (MARGIN + 26.0, 84.0);
const COL_SKU: (f32, f32) = (MARGIN + 110.0, 104.0);
const COL_NAME: (f32, f32) = (MARGIN + 214.0, CONTENT_WIDTH - 214.0 - 62.0);
const COL_QTY: (f32, f32) = (RIGHT - 62.0, 62.0);
const CELL_PAD: f32 = 4.0;
/// Longest product name, in lines, before it is cut with "…".
const MAX_NAME_LINES: usize = 3;

/// The words of the sheet in its two languages.
struct Words {
    lang: Lang,
}

impl Words {
    fn t(&self, vi: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(vi, en)
    }
}

/// Renders the bill as an A4 PDF.
pub fn po_bill_pdf(bill: &PoBill) -> Result<Vec<u8>, DocumentError> {
    let w = Words { lang: bill.lang };
    let mut doc = Doc::new()?;
    doc.add_page();
    let mut y = header(&mut doc, bill, &w)?;
    y = table(&mut doc, bill, &w, y);
    // The totals and the signatures stay together, on a page of their own if need be.
    if y + TOTALS_HEIGHT + SIGNATURES_HEIGHT > BOTTOM {
        y = continuation_page(&mut doc, bill, &w) - 12.0;
    }
    y = totals(&mut doc, bill, &w, y);
    signatures(&mut doc, &w, y);
    footers(&mut doc, bill, &w);
    let title = format!(
        "{} {}",
        w.t("Phiếu nhập kho", "Purchase order bill"),
        bill.po_code
    );
    doc.finish(&title)
}

/// Title, barcode, warehouse and PO facts; returns where the table starts.
fn header(doc: &mut Doc, bill: &PoBill, w: &Words) -> Result<f32, DocumentError> {
    // The barcode block on the right: bars, then the code in plain text under them.
    let symbols = code128::symbols(&bill.po_code)?;
    let widths = code128::widths(&symbols);
    let modules: u32 = widths.iter().map(|&m| u32::from(m)).sum::<u32>() + 2 * code128::QUIET_ZONE;
    let block = 210.0;
    // 1 pt per module (0.35 mm) prints and scans well; narrower only for very long codes.
    let module = (block / modules as f32).min(1.0);
    let bars_width = (modules - 2 * code128::QUIET_ZONE) as f32 * module;
    let mut x = RIGHT - bars_width - code128::QUIET_ZONE as f32 * module;
    let mut bars = Vec::new();
    for (i, &m) in widths.iter().enumerate() {
        let width = f32::from(m) * module;
        if i.is_multiple_of(2) {
            bars.push((x, width));
        }
        x += width;
    }
    let bars_center = RIGHT - code128::QUIET_ZONE as f32 * module - bars_width / 2.0;
    let barcode_top = MARGIN;
    doc.bars(&bars, barcode_top, 44.0);
    doc.text_center(
        bars_center,
        barcode_top + 57.0,
        Style::bold(12.0),
        &spaced(&bill.po_code),
    );

    // The title on the left.
    let left_width = CONTENT_WIDTH - block - 12.0;
    doc.text(
        MARGIN,
        MARGIN + 16.0,
        Style::bold(18.0),
        w.t("PHIẾU NHẬP KHO", "PURCHASE ORDER BILL"),
    );
    doc.text(
        MARGIN,
        MARGIN + 30.0,
        Style::regular(9.0).gray(0.35),
        w.t("Purchase order bill", "Phiếu nhập kho"),
    );
    let mut y = MARGIN + 47.0;
    doc.text(MARGIN, y, LABEL, w.t("Khách hàng", "Merchant"));
    y += 12.0;
    for line in doc
        .font
        .wrap(&bill.business_name, 11.0, left_width)
        .iter()
        .take(2)
    {
        doc.text(MARGIN, y, Style::bold(11.0), line);
        y += 13.0;
    }
    let mut y = y.max(barcode_top + 66.0) + 6.0;
    doc.line((MARGIN, y), (RIGHT, y), 1.0, 0.0);
    y += 16.0;

    // Two columns: the warehouse on the left, the PO's facts on the right.
    let col_width = CONTENT_WIDTH / 2.0 - 10.0;
    let right_x = MARGIN + CONTENT_WIDTH / 2.0 + 10.0;
    let mut left_y = y;
    doc.text(
        MARGIN,
        left_y,
        LABEL,
        w.t("KHO NHẬN HÀNG", "RECEIVING WAREHOUSE"),
    );
    left_y += 14.0;
    let title = format!("{} — {}", bill.warehouse.code, bill.warehouse.name);
    for line in doc.font.wrap(&title, 10.5, col_width) {
        doc.text(MARGIN, left_y, Style::bold(10.5), &line);
        left_y += 13.0;
    }
    for line in doc
        .font
        .wrap(&bill.warehouse.address, 9.0, col_width)
        .iter()
        .take(4)
    {
        doc.text(MARGIN, left_y, BODY, line);
        left_y += LINE;
    }

    let facts: Vec<(&str, String)> = vec![
        (w.t("Mã đơn nhập", "PO code"), bill.po_code.clone()),
        (
            w.t("Mã tham chiếu", "Merchant reference"),
            bill.merchant_po_reference
                .clone()
                .unwrap_or_else(|| "—".into()),
        ),
        (w.t("Trạng thái", "Status"), bill.status_label.clone()),
        (
            w.t("Ngày tạo", "Created"),
            datetime(bill.created_time, bill.utc_offset_minutes),
        ),
        (
            w.t("Dự kiến đến kho", "Estimated arrival"),
            bill.estimated_arrival_time
                .map(|t| datetime(t, bill.utc_offset_minutes))
                .unwrap_or_else(|| w.t("Chưa có", "Not given").into()),
        ),
    ];
    let label_width = 92.0;
    let mut right_y = y;
    for (label, value) in facts {
        doc.text(right_x, right_y, Style::regular(8.5).gray(0.35), label);
        let value = doc.font.fit(&value, 9.0, col_width - label_width);
        doc.text(right_x + label_width, right_y, BODY_BOLD, &value);
        right_y += 14.0;
    }
    let mut y = left_y.max(right_y) + 4.0;

    if let Some(note) = bill.note.as_deref().filter(|n| !n.trim().is_empty()) {
        doc.text(MARGIN, y, LABEL, w.t("GHI CHÚ", "NOTE"));
        y += 12.0;
        for line in doc.font.wrap(note, 9.0, CONTENT_WIDTH).iter().take(6) {
            doc.text(MARGIN, y, BODY, line);
            y += LINE;
        }
    }
    Ok(y + 10.0)
}

/// The column headings; returns the y under them.
fn table_head(doc: &mut Doc, w: &Words, y: f32) -> f32 {
    let h = 18.0;
    doc.fill_rect(MARGIN, y, CONTENT_WIDTH, h, 0.2);
    let baseline = y + 12.5;
    let head = Style::bold(8.5).gray(1.0);
    doc.text(COL_NO.0 + CELL_PAD, baseline, head, "#");
    doc.text(COL_OASIN.0 + CELL_PAD, baseline, head, "OASIN");
    doc.text(COL_SKU.0 + CELL_PAD, baseline, head, "SKU");
    doc.text(
        COL_NAME.0 + CELL_PAD,
        baseline,
        head,
        w.t("Tên sản phẩm", "Product"),
    );
    doc.text_right(
        COL_QTY.0 + COL_QTY.1 - CELL_PAD,
        baseline,
        head,
        w.t("Số lượng", "Quantity"),
    );
    y + h
}

/// Starts a continuation page with a short header; returns the y under it.
fn continuation_page(doc: &mut Doc, bill: &PoBill, w: &Words) -> f32 {
    doc.add_page();
    doc.text(
        MARGIN,
        MARGIN + 12.0,
        Style::bold(11.0),
        w.t("PHIẾU NHẬP KHO", "PURCHASE ORDER BILL"),
    );
    doc.text_right(RIGHT, MARGIN + 12.0, Style::bold(11.0), &bill.po_code);
    doc.text(
        MARGIN,
        MARGIN + 25.0,
        Style::regular(8.5).gray(0.35),
        &format!(
            "{} · {}",
            bill.warehouse.code,
            w.t("(tiếp theo)", "(continued)")
        ),
    );
    doc.line((MARGIN, MARGIN + 32.0), (RIGHT, MARGIN + 32.0), 0.6, 0.0);
    MARGIN + 42.0
}

/// A continuation page inside the table: the short header, then the column headings.
fn continue_table(doc: &mut Doc, bill: &PoBill, w: &Words) -> f32 {
    let y = continuation_page(doc, bill, w);
    table_head(doc, w, y)
}

/// The packages and their lines, paginated; returns the y under the table.
fn table(doc: &mut Doc, bill: &PoBill, w: &Words, top: f32) -> f32 {
    let mut y = table_head(doc, w, top);
    if bill.packages.is_empty() {
        doc.text(
            MARGIN + CELL_PAD,
            y + 14.0,
            BODY.gray(0.35),
            w.t("Không có kiện hàng.", "No packages."),
        );
        return y + 22.0;
    }
    let count = bill.packages.len();
    let mut line_no = 0;
    for (index, package) in bill.packages.iter().enumerate() {
        let heading = package_heading(doc, bill, w, index, count, package);
        // Keep a package's heading with at least its first line.
        let first_row = package
            .items
            .first()
            .map(|i| item_height(doc, i))
            .unwrap_or(0.0);
        if y + heading.height + first_row > BOTTOM {
            y = continue_table(doc, bill, w);
        }
        y = draw_heading(doc, &heading, y, false, w);
        for item in &package.items {
            let h = item_height(doc, item);
            if y + h > BOTTOM {
                y = continue_table(doc, bill, w);
                y = draw_heading(doc, &heading, y, true, w);
            }
            line_no += 1;
            y = draw_item(doc, item, line_no, y, w.lang);
        }
        if package.items.is_empty() {
            doc.text(
                COL_NAME.0 + CELL_PAD,
                y + 12.0,
                BODY.gray(0.35),
                w.t("(kiện trống)", "(empty package)"),
            );
            y += 17.0;
        }
    }
    doc.line((MARGIN, y), (RIGHT, y), 0.8, 0.0);
    y
}

struct Heading {
    title: String,
    facts: String,
    note: Vec<String>,
    height: f32,
}

fn package_heading(
    doc: &Doc,
    bill: &PoBill,
    w: &Words,
    index: usize,
    count: usize,
    package: &PoBillPackage,
) -> Heading {
    let units: i64 = package.items.iter().map(|i| i.product_quantity).sum();
    let title = format!(
        "{} {}/{}: {}",
        w.t("Kiện", "Package"),
        index + 1,
        count,
        package.package_code
    );
    let mut facts = Vec::new();
    if let Some(weight) = package.weight {
        facts.push(format!("{} {}", decimal(weight, w.lang), bill.weight_unit));
    }
    if let Some((l, wd, h)) = package.dimensions {
        facts.push(format!(
            "{} × {} × {} {}",
            decimal(l, w.lang),
            decimal(wd, w.lang),
            decimal(h, w.lang),
            bill.length_unit
        ));
    }
    facts.push(format!(
        "{} {}",
        integer(units, w.lang),
        w.t("sản phẩm", "units")
    ));
    let note = package
        .package_note
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .map(|n| {
            let mut lines = doc.font.wrap(n, 8.0, CONTENT_WIDTH - 2.0 * CELL_PAD);
            lines.truncate(3);
            lines
        })
        .unwrap_or_default();
    let height = 17.0 + note.len() as f32 * 10.0;
    Heading {
        title,
        facts: facts.join("   ·   "),
        note,
        height,
    }
}

fn draw_heading(doc: &mut Doc, h: &Heading, y: f32, continued: bool, w: &Words) -> f32 {
    doc.fill_rect(MARGIN, y, CONTENT_WIDTH, h.height, 0.9);
    let baseline = y + 12.0;
    let title = if continued {
        format!("{} {}", h.title, w.t("(tiếp)", "(cont.)"))
    } else {
        h.title.clone()
    };
    let facts_width = doc.font.width(&h.facts, 8.5);
    let title = doc
        .font
        .fit(&title, 9.5, CONTENT_WIDTH - facts_width - 3.0 * CELL_PAD);
    doc.text(MARGIN + CELL_PAD, baseline, Style::bold(9.5), &title);
    doc.text_right(RIGHT - CELL_PAD, baseline, Style::regular(8.5), &h.facts);
    let mut ny = baseline;
    for line in &h.note {
        ny += 10.0;
        doc.text(MARGIN + CELL_PAD, ny, Style::regular(8.0).gray(0.25), line);
    }
    y + h.height
}

fn name_lines(doc: &Doc, item: &PoBillItem) -> Vec<String> {
    let max = COL_NAME.1 - 2.0 * CELL_PAD;
    let mut lines = doc.font.wrap(&item.name, BODY.size, max);
    if lines.len() > MAX_NAME_LINES {
        lines.truncate(MAX_NAME_LINES);
        let last = format!("{}…", lines[MAX_NAME_LINES - 1]);
        lines[MAX_NAME_LINES - 1] = doc.font.fit(&last, BODY.size, max);
    }
    lines
}

fn item_height(doc: &Doc, item: &PoBillItem) -> f32 {
    name_lines(doc, item).len().max(1) as f32 * LINE + 6.0
}

fn draw_item(doc: &mut Doc, item: &PoBillItem, line_no: usize, y: f32, lang: Lang) -> f32 {
    let baseline = y + 12.0;
    let fit = |doc: &Doc, text: &str, col: (f32, f32)| {
        doc.font.fit(text, BODY.size, col.1 - 2.0 * CELL_PAD)
    };
    doc.text(
        COL_NO.0 + CELL_PAD,
        baseline,
        BODY.gray(0.35),
        &line_no.to_string(),
    );
    let oasin = fit(doc, &item.oasin, COL_OASIN);
    doc.text(COL_OASIN.0 + CELL_PAD, baseline, BODY, &oasin);
    let sku = fit(doc, &item.sku, COL_SKU);
    doc.text(COL_SKU.0 + CELL_PAD, baseline, BODY, &sku);
    let lines = name_lines(doc, item);
    for (i, line) in lines.iter().enumerate() {
        doc.text(
            COL_NAME.0 + CELL_PAD,
            baseline + i as f32 * LINE,
            BODY,
            line,
        );
    }
    doc.text_right(
        COL_QTY.0 + COL_QTY.1 - CELL_PAD,
        baseline,
        BODY_BOLD,
        &integer(item.product_quantity, lang),
    );
    let bottom = y + lines.len().max(1) as f32 * LINE + 6.0;
    doc.line((MARGIN, bottom), (RIGHT, bottom), 0.3, 0.7);
    bottom
}

/// Room the totals box takes, with the space above it.
const TOTALS_HEIGHT: f32 = 12.0 + 58.0;
/// Room the signature boxes take, with the space above them.
const SIGNATURES_HEIGHT: f32 = 18.0 + 96.0;

/// The totals box; returns the y under it.
fn totals(doc: &mut Doc, bill: &PoBill, w: &Words, y: f32) -> f32 {
    let height = 58.0;
    let y = y + 12.0;
    let lines: usize = bill.packages.iter().map(|p| p.items.len()).sum();
    let units: i64 = bill
        .packages
        .iter()
        .flat_map(|p| &p.items)
        .map(|i| i.product_quantity)
        .sum();
    let weight: Option<f64> = bill.packages.iter().map(|p| p.weight).sum();
    let mut cells = vec![
        (
            w.t("Tổng số kiện", "Packages"),
            integer(bill.packages.len() as i64, w.lang),
        ),
        (
            w.t("Tổng số dòng hàng", "Lines"),
            integer(lines as i64, w.lang),
        ),
        (w.t("Tổng số lượng", "Total units"), integer(units, w.lang)),
    ];
    if let Some(weight) = weight.filter(|_| !bill.packages.is_empty()) {
        cells.push((
            w.t("Tổng khối lượng", "Total weight"),
            format!("{} {}", decimal(weight, w.lang), bill.weight_unit),
        ));
    }
    doc.stroke_rect(MARGIN, y, CONTENT_WIDTH, height, 1.0, 0.0);
    let cell = CONTENT_WIDTH / cells.len() as f32;
    for (i, (label, value)) in cells.iter().enumerate() {
        let center = MARGIN + cell * (i as f32 + 0.5);
        if i > 0 {
            let x = MARGIN + cell * i as f32;
            doc.line((x, y + 8.0), (x, y + height - 8.0), 0.5, 0.6);
        }
        doc.text_center(center, y + 22.0, Style::regular(8.5).gray(0.35), label);
        doc.text_center(center, y + 43.0, Style::bold(16.0), value);
    }
    y + height
}

/// Signature boxes for the hand-over at the warehouse door.
fn signatures(doc: &mut Doc, w: &Words, y: f32) {
    let height = 96.0;
    let y = y + 18.0;
    let boxes = [
        w.t("NGƯỜI GIAO HÀNG", "DELIVERED BY"),
        w.t("NHÂN VIÊN NHẬN HÀNG", "RECEIVED BY (WAREHOUSE)"),
        w.t("THỦ KHO", "WAREHOUSE SUPERVISOR"),
    ];
    let gap = 12.0;
    let bw = (CONTENT_WIDTH - gap * 2.0) / 3.0;
    for (i, title) in boxes.iter().enumerate() {
        let x = MARGIN + i as f32 * (bw + gap);
        doc.stroke_rect(x, y, bw, height, 0.6, 0.5);
        doc.text_center(x + bw / 2.0, y + 15.0, Style::bold(8.5), title);
        doc.text_center(
            x + bw / 2.0,
            y + 27.0,
            Style::regular(7.5).gray(0.4),
            w.t("(Ký, ghi rõ họ tên)", "(Signature and full name)"),
        );
        doc.text(
            x + 6.0,
            y + height - 8.0,
            Style::regular(7.5).gray(0.4),
            w.t("Ngày:", "Date:"),
        );
    }
}

/// Page numbers and the PO code at the foot of every page.
fn footers(doc: &mut Doc, bill: &PoBill, w: &Words) {
    let pages = doc.page_count();
    let y = PAGE_HEIGHT - MARGIN;
    for page in 0..pages {
        doc.select_page(page);
        doc.line((MARGIN, y - 12.0), (RIGHT, y - 12.0), 0.4, 0.6);
        let style = Style::regular(8.0).gray(0.35);
        doc.text(
            MARGIN,
            y,
            style,
            &format!("{} · {}", bill.po_code, bill.business_name),
        );
        let number = match w.lang {
            Lang::Vi => format!("Trang {} / {}", page + 1, pages),
            Lang::En => format!("Page {} of {}", page + 1, pages),
        };
        doc.text_right(RIGHT, y, style, &number);
    }
}

/// "OAPO000000001" → "OAPO 000 000 001" is harder to misread aloud; keep letters together and
/// group trailing digits by three.
fn spaced(code: &str) -> String {
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
fn integer(n: i64, lang: Lang) -> String {
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
fn decimal(x: f64, lang: Lang) -> String {
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

/// `dd/mm/yyyy HH:MM GMT+7` at the given offset from UTC.
fn datetime(unix: i64, offset_minutes: i32) -> String {
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

    use crate::extract::page_texts;
    use crate::sample;

    #[test]
    fn a_bill_is_a_pdf_showing_its_code_warehouse_and_lines() {
        let bill = sample::bill(3, 3);
        let pdf = po_bill_pdf(&bill).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.ends_with(b"%%EOF") || pdf.ends_with(b"%%EOF\n"));
        // A4, and the font embedded (as a subset: the PDF stays small).
        assert!(find(&pdf, b"/MediaBox [0 0 595.28 841.89]"));
        assert!(find(&pdf, b"/FontFile2"));
        assert!(pdf.len() < 60_000, "{} bytes", pdf.len());

        let pages = page_texts(&pdf);
        assert_eq!(pages.len(), 1);
        let text = &pages[0];
        for expected in [
            "PHIẾU NHẬP KHO",
            "OAPO000000123",
            "OAPO 000 000 123",
            "NCC-2027/01-0042",
            "WH-HN01 — Kho Hà Nội 01 — Long Biên",
            "Công ty TNHH Thương mại Điện tử Ánh Dương",
            "Đang vận chuyển",
            "15/01/2027 15:00 GMT+7",
            "16/01/2027 15:00 GMT+7",
            "Kiện 2/3: THUNG-002",
            "Áo thun cotton cổ tròn màu trắng, size M",
            "Trang 1 / 1",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        for n in 1..=9 {
            assert!(text.contains(&format!("OASIN{n:07}")), "line {n}");
        }
    }

    #[test]
    fn decomposed_vietnamese_prints_as_composed_letters() {
        let mut bill = sample::bill(1, 1);
        // "Nguyễn" typed with combining marks (NFD), as some keyboards and systems send it.
        bill.business_name = "Nguye\u{0302}\u{0303}n Thi\u{0323} Ho\u{0302}\u{0300}ng".into();
        let pages = page_texts(&po_bill_pdf(&bill).unwrap());
        assert!(pages[0].contains("Nguyễn Thị Hồng"), "{}", pages[0]);
    }

    #[test]
    fn a_long_bill_paginates_without_losing_a_line() {
        let mut bill = sample::bill(6, 20);
        bill.lang = Lang::En;
        let pdf = po_bill_pdf(&bill).unwrap();
        let pages = page_texts(&pdf);
        assert!(pages.len() >= 4, "{} pages", pages.len());
        let n = pages.len();
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(&format!("Page {} of {n}", i + 1)), "page {i}");
            assert!(page.contains("OAPO000000123"), "page {i} names the PO");
        }
        // Continuation pages repeat the column headings.
        assert!(pages[1].contains("OASIN\nSKU\nProduct"));
        // Every line exactly once, in order.
        let all = pages.join("\n");
        let mut last = 0;
        for line in 1..=120 {
            let code = format!("OASIN{line:07}");
            assert_eq!(all.matches(&code).count(), 1, "{code}");
            let at = all.find(&code).unwrap();
            assert!(at > last, "{code} in order");
            last = at;
        }
        // Totals and signatures, together on the last page.
        let end = pages.last().unwrap();
        assert!(
            end.contains("Total units") && end.contains("DELIVERED BY"),
            "{end}"
        );
        let units: i64 = bill
            .packages
            .iter()
            .flat_map(|p| &p.items)
            .map(|i| i.product_quantity)
            .sum();
        assert!(end.contains(&integer(units, Lang::En)));
    }

    #[test]
    fn an_empty_bill_still_renders() {
        let bill = PoBill {
            po_code: "OAPO000000001".into(),
            ..PoBill::default()
        };
        let pages = page_texts(&po_bill_pdf(&bill).unwrap());
        assert!(pages[0].contains("Không có kiện hàng."));
        assert!(pages[0].contains("Chưa có"), "no estimated arrival");
    }

    #[test]
    fn a_code_that_cannot_be_a_barcode_is_an_error() {
        let bill = PoBill {
            po_code: "Mã đơn".into(),
            ..sample::bill(1, 1)
        };
        assert!(matches!(po_bill_pdf(&bill), Err(DocumentError::Barcode(_))));
    }

    fn find(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn codes_are_grouped_for_reading() {
        assert_eq!(spaced("OAPO000000001"), "OAPO 000 000 001");
        assert_eq!(spaced("OAPO12345678901"), "OAPO 12 345 678 901");
        assert_eq!(spaced("PO-1"), "PO-1");
    }
}
