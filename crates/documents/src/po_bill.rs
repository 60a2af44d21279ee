//! The purchase-order bill (SPEC §3.3 "Get PO Bill"): the sheet that travels with an inbound
//! shipment and is checked at the warehouse door. A4, the PO code as a Code 128 barcode, the
//! receiving warehouse, every package and its lines, totals, signatures, page numbers.

use crate::layout::{
    self, datetime, decimal, integer, spaced, Anchor, BarcodeBox, Col, SignatureBox, Words, BODY,
    BODY_BOLD, CELL_PAD, LABEL, LINE,
};
use crate::pdf::{Doc, Style, A4};
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

/// The receiving warehouse (the same type every document uses).
pub type PoBillWarehouse = crate::Warehouse;

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
const RIGHT: f32 = A4.width - MARGIN;
const CONTENT_WIDTH: f32 = A4.width - 2.0 * MARGIN;
/// Where content must stop, above the footer.
const BOTTOM: f32 = A4.height - MARGIN - 28.0;

/// Table columns.
const COL_NO: Col = Col::left(MARGIN, 26.0);
const COL_OASIN: Col = Col::left(MARGIN + 26.0, 84.0);
const COL_SKU: Col = Col::left(MARGIN + 110.0, 104.0);
const COL_NAME: Col = Col::left(MARGIN + 214.0, CONTENT_WIDTH - 214.0 - 62.0);
const COL_QTY: Col = Col::right(RIGHT - 62.0, 62.0);
/// Longest product name, in lines, before it is cut with "…".
const MAX_NAME_LINES: usize = 3;

/// Renders the bill as an A4 PDF.
pub fn po_bill_pdf(bill: &PoBill) -> Result<Vec<u8>, DocumentError> {
    let w = Words { lang: bill.lang };
    let mut doc = Doc::new(A4)?;
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
    let block = 210.0;
    let barcode_top = MARGIN;
    let placed = layout::barcode(
        doc,
        &bill.po_code,
        BarcodeBox {
            anchor: Anchor::Right(RIGHT),
            top: barcode_top,
            height: 44.0,
            max_width: block,
            // 1 pt per module (0.35 mm) prints and scans well; narrower only for long codes.
            max_module: 1.0,
            dot: None,
        },
    )?;
    doc.text_center(
        placed.center(),
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
    let right_y = layout::facts(doc, right_x, y, 92.0, col_width, &facts);
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
    layout::table_head(
        doc,
        MARGIN,
        CONTENT_WIDTH,
        y,
        &[
            (COL_NO, "#"),
            (COL_OASIN, "OASIN"),
            (COL_SKU, "SKU"),
            (COL_NAME, w.t("Tên sản phẩm", "Product")),
            (COL_QTY, w.t("Số lượng", "Quantity")),
        ],
    )
}

/// Starts a continuation page with a short header; returns the y under it.
fn continuation_page(doc: &mut Doc, bill: &PoBill, w: &Words) -> f32 {
    doc.add_page();
    layout::continuation_header(
        doc,
        MARGIN,
        w.t("PHIẾU NHẬP KHO", "PURCHASE ORDER BILL"),
        &bill.po_code,
        &format!(
            "{} · {}",
            bill.warehouse.code,
            w.t("(tiếp theo)", "(continued)")
        ),
    )
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
                COL_NAME.x + CELL_PAD,
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
    layout::wrap_lines(
        &doc.font,
        &item.name,
        BODY.size,
        COL_NAME.inner(),
        MAX_NAME_LINES,
    )
}

fn item_height(doc: &Doc, item: &PoBillItem) -> f32 {
    name_lines(doc, item).len().max(1) as f32 * LINE + 6.0
}

fn draw_item(doc: &mut Doc, item: &PoBillItem, line_no: usize, y: f32, lang: Lang) -> f32 {
    let baseline = y + 12.0;
    COL_NO.text(doc, baseline, BODY.gray(0.35), &line_no.to_string());
    COL_OASIN.text(doc, baseline, BODY, &item.oasin);
    COL_SKU.text(doc, baseline, BODY, &item.sku);
    let lines = name_lines(doc, item);
    for (i, line) in lines.iter().enumerate() {
        doc.text(
            COL_NAME.x + CELL_PAD,
            baseline + i as f32 * LINE,
            BODY,
            line,
        );
    }
    COL_QTY.text(
        doc,
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
    layout::totals_box(doc, MARGIN, y, CONTENT_WIDTH, &cells)
}

/// Signature boxes for the hand-over at the warehouse door.
fn signatures(doc: &mut Doc, w: &Words, y: f32) {
    let hint = Some(w.t("(Ký, ghi rõ họ tên)", "(Signature and full name)"));
    let fields = [w.t("Ngày:", "Date:")];
    let boxes = [
        w.t("NGƯỜI GIAO HÀNG", "DELIVERED BY"),
        w.t("NHÂN VIÊN NHẬN HÀNG", "RECEIVED BY (WAREHOUSE)"),
        w.t("THỦ KHO", "WAREHOUSE SUPERVISOR"),
    ]
    .map(|title| SignatureBox {
        title,
        hint,
        fields: &fields,
    });
    layout::signature_boxes(doc, MARGIN, y + 18.0, CONTENT_WIDTH, 96.0, &boxes);
}

/// Page numbers and the PO code at the foot of every page.
fn footers(doc: &mut Doc, bill: &PoBill, w: &Words) {
    let left = format!("{} · {}", bill.po_code, bill.business_name);
    layout::footers(doc, MARGIN, w.lang, &left);
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::inspect::{barcodes, page_texts};
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

        // The PO code, read back from the drawn bars, at 1 pt per module.
        let codes = barcodes(&pdf);
        assert_eq!(codes.len(), 1);
        assert_eq!(codes[0].len(), 1, "{codes:?}");
        assert_eq!(codes[0][0].text, "OAPO000000123");
        assert!((codes[0][0].module - 1.0).abs() < 0.01, "{:?}", codes[0][0]);

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
}
