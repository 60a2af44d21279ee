//! The handover manifest (SPEC §11 "Handover"): the list a courier signs for when it takes a
//! batch of parcels. A4, the manifest id as a Code 128 barcode; the warehouse, courier and
//! times; one row per parcel with its tracking code as a barcode the courier can scan; totals;
//! a statement and signature boxes for both sides; page numbers.

use crate::layout::{
    self, datetime, decimal, integer, spaced, Anchor, BarcodeBox, Col, SignatureBox, Words, BODY,
    BODY_BOLD, CELL_PAD, LABEL, LINE,
};
use crate::pdf::{Doc, Style, A4};
use crate::{DocumentError, Warehouse};
use depot_domain::Lang;

/// Everything the manifest shows. Texts are printed as given.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Printed and drawn as Code 128: printable ASCII.
    pub manifest_id: String,
    pub warehouse: Warehouse,
    pub courier_name: String,
    /// Unix seconds.
    pub created_time: i64,
    /// None while the manifest is open.
    pub closed_time: Option<i64>,
    /// Who opened the manifest (an operator's email), when known.
    pub created_by: Option<String>,
    pub parcels: Vec<ManifestParcel>,
    /// Times are printed at this offset from UTC; Vietnam (UTC+7) by default.
    pub utc_offset_minutes: i32,
    pub weight_unit: String,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            manifest_id: String::new(),
            warehouse: Warehouse::default(),
            courier_name: String::new(),
            created_time: 0,
            closed_time: None,
            created_by: None,
            parcels: Vec::new(),
            utc_offset_minutes: 7 * 60,
            weight_unit: "kg".into(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ManifestParcel {
    /// Drawn as Code 128: printable ASCII.
    pub tracking_code: String,
    pub merchant_reference: String,
    pub courier_tracking_code: Option<String>,
    /// Units in the parcel.
    pub item_count: i64,
    pub weight: Option<f64>,
}

const MARGIN: f32 = 36.0;
const RIGHT: f32 = A4.width - MARGIN;
const CONTENT_WIDTH: f32 = A4.width - 2.0 * MARGIN;
const BOTTOM: f32 = A4.height - MARGIN - 28.0;

const COL_NO: Col = Col::left(MARGIN, 26.0);
const COL_CODE: Col = Col::left(MARGIN + 26.0, 150.0);
const COL_REF: Col = Col::left(MARGIN + 176.0, 116.0);
const COL_COURIER: Col = Col::left(MARGIN + 292.0, 108.0);
const COL_ITEMS: Col = Col::right(MARGIN + 400.0, 40.0);
const COL_WEIGHT: Col = Col::right(MARGIN + 440.0, 50.0);
const COL_CHECK: Col = Col::left(MARGIN + 490.0, CONTENT_WIDTH - 490.0);

const ROW_HEIGHT: f32 = 46.0;
const BARS_HEIGHT: f32 = 24.0;
/// 0.3 mm modules: what a courier's handheld scanner reads off a laser-printed sheet.
const MODULE: f32 = 0.85;
const CLOSING_HEIGHT: f32 = 14.0 + 26.0 + 118.0;

/// Renders the manifest as an A4 PDF; the sheet's own words in `lang`.
pub fn manifest_pdf(manifest: &Manifest, lang: Lang) -> Result<Vec<u8>, DocumentError> {
    let w = Words { lang };
    let mut doc = Doc::new(A4)?;
    doc.add_page();
    let mut y = header(&mut doc, manifest, &w)?;
    y = table(&mut doc, manifest, &w, y)?;
    if y + CLOSING_HEIGHT > BOTTOM {
        y = continuation_page(&mut doc, manifest, &w) - 10.0;
    }
    closing(&mut doc, manifest, &w, y);
    let left = format!(
        "{} {} · {} · {}",
        w.t("Biên bản", "Manifest"),
        manifest.manifest_id,
        manifest.warehouse.code,
        manifest.courier_name
    );
    layout::footers(&mut doc, MARGIN, lang, &left);
    let title = format!(
        "{} {}",
        w.t("Biên bản bàn giao", "Handover manifest"),
        manifest.manifest_id
    );
    doc.finish(&title)
}

fn units(m: &Manifest) -> i64 {
    m.parcels
        .iter()
        .fold(0i64, |sum, p| sum.saturating_add(p.item_count))
}

fn weight(m: &Manifest) -> Option<f64> {
    m.parcels.iter().map(|p| p.weight).sum()
}

fn header(doc: &mut Doc, m: &Manifest, w: &Words) -> Result<f32, DocumentError> {
    let top = MARGIN;
    let placed = layout::barcode(
        doc,
        &m.manifest_id,
        BarcodeBox {
            anchor: Anchor::Right(RIGHT),
            top,
            height: 44.0,
            max_width: 210.0,
            max_module: 1.0,
            dot: None,
        },
    )?;
    doc.text_center(
        placed.center(),
        top + 57.0,
        Style::bold(12.0),
        &spaced(&m.manifest_id),
    );
    doc.text(
        MARGIN,
        top + 16.0,
        Style::bold(18.0),
        w.t("BIÊN BẢN BÀN GIAO", "HANDOVER MANIFEST"),
    );
    doc.text(
        MARGIN,
        top + 30.0,
        Style::regular(9.0).gray(0.35),
        w.t("Handover manifest", "Biên bản bàn giao"),
    );
    doc.text(
        MARGIN,
        top + 47.0,
        LABEL,
        w.t("Đơn vị vận chuyển", "Courier"),
    );
    let courier = doc
        .font
        .fit(&m.courier_name, 12.0, CONTENT_WIDTH - 222.0 - 12.0);
    doc.text(MARGIN, top + 61.0, Style::bold(12.0), &courier);
    let mut y = top + 72.0;
    doc.line((MARGIN, y), (RIGHT, y), 1.0, 0.0);
    y += 16.0;

    let col_width = CONTENT_WIDTH / 2.0 - 10.0;
    let right_x = MARGIN + CONTENT_WIDTH / 2.0 + 10.0;
    let mut left_y = y;
    doc.text(
        MARGIN,
        left_y,
        LABEL,
        w.t("KHO BÀN GIAO", "HANDING-OVER WAREHOUSE"),
    );
    left_y += 14.0;
    let title = format!("{} — {}", m.warehouse.code, m.warehouse.name);
    for line in doc.font.wrap(&title, 10.5, col_width).iter().take(2) {
        doc.text(MARGIN, left_y, Style::bold(10.5), line);
        left_y += 13.0;
    }
    for line in doc
        .font
        .wrap(&m.warehouse.address, 9.0, col_width)
        .iter()
        .take(3)
    {
        doc.text(MARGIN, left_y, BODY, line);
        left_y += LINE;
    }
    let facts = [
        (w.t("Mã biên bản", "Manifest id"), m.manifest_id.clone()),
        (
            w.t("Trạng thái", "Status"),
            match m.closed_time {
                Some(_) => w.t("Đã bàn giao", "Handed over"),
                None => w.t("Đang mở", "Open"),
            }
            .to_string(),
        ),
        (
            w.t("Ngày tạo", "Created"),
            datetime(m.created_time, m.utc_offset_minutes),
        ),
        (
            w.t("Ngày đóng", "Closed"),
            m.closed_time
                .map(|t| datetime(t, m.utc_offset_minutes))
                .unwrap_or_else(|| w.t("Chưa đóng", "Not closed").into()),
        ),
        (
            w.t("Người tạo", "Opened by"),
            m.created_by.clone().unwrap_or_else(|| "—".into()),
        ),
    ];
    let right_y = layout::facts(doc, right_x, y, 92.0, col_width, &facts);
    let y = left_y.max(right_y) + 6.0;

    let mut cells = vec![
        (
            w.t("Số kiện", "Parcels"),
            integer(m.parcels.len() as i64, w.lang),
        ),
        (
            w.t("Tổng số sản phẩm", "Total units"),
            integer(units(m), w.lang),
        ),
    ];
    if let Some(kg) = weight(m).filter(|_| !m.parcels.is_empty()) {
        cells.push((
            w.t("Tổng khối lượng", "Total weight"),
            format!("{} {}", decimal(kg, w.lang), m.weight_unit),
        ));
    }
    let y = layout::totals_box(doc, MARGIN, y, CONTENT_WIDTH, &cells);
    Ok(y + 16.0)
}

fn table_head(doc: &mut Doc, w: &Words, y: f32) -> f32 {
    layout::table_head(
        doc,
        MARGIN,
        CONTENT_WIDTH,
        y,
        &[
            (COL_NO, "#"),
            (COL_CODE, w.t("Mã vận đơn", "Tracking code")),
            (COL_REF, w.t("Mã đơn hàng", "Merchant reference")),
            (COL_COURIER, w.t("Mã vận chuyển", "Courier tracking")),
            (COL_ITEMS, w.t("SL", "Units")),
            (COL_WEIGHT, w.t("KL", "Weight")),
            (COL_CHECK, "✓"),
        ],
    )
}

fn continuation_page(doc: &mut Doc, m: &Manifest, w: &Words) -> f32 {
    doc.add_page();
    layout::continuation_header(
        doc,
        MARGIN,
        w.t("BIÊN BẢN BÀN GIAO", "HANDOVER MANIFEST"),
        &m.manifest_id,
        &format!(
            "{} · {} · {}",
            m.warehouse.code,
            m.courier_name,
            w.t("(tiếp theo)", "(continued)")
        ),
    )
}

fn table(doc: &mut Doc, m: &Manifest, w: &Words, top: f32) -> Result<f32, DocumentError> {
    let mut y = table_head(doc, w, top);
    if m.parcels.is_empty() {
        doc.text(
            MARGIN + CELL_PAD,
            y + 14.0,
            BODY.gray(0.35),
            w.t("Chưa có kiện hàng nào.", "No parcels yet."),
        );
        return Ok(y + 22.0);
    }
    for (i, parcel) in m.parcels.iter().enumerate() {
        if y + ROW_HEIGHT > BOTTOM {
            let top = continuation_page(doc, m, w);
            y = table_head(doc, w, top);
        }
        y = row(doc, m, parcel, i + 1, y, w.lang)?;
    }
    doc.line((MARGIN, y), (RIGHT, y), 0.8, 0.0);
    Ok(y)
}

fn row(
    doc: &mut Doc,
    m: &Manifest,
    p: &ManifestParcel,
    no: usize,
    y: f32,
    lang: Lang,
) -> Result<f32, DocumentError> {
    let bars_top = y + 6.0;
    let placed = layout::barcode(
        doc,
        &p.tracking_code,
        BarcodeBox {
            anchor: Anchor::Left(COL_CODE.x),
            top: bars_top,
            height: BARS_HEIGHT,
            max_width: COL_CODE.width,
            max_module: MODULE,
            dot: None,
        },
    )?;
    doc.text_center(
        placed.center(),
        bars_top + BARS_HEIGHT + 10.0,
        Style::bold(8.5),
        &p.tracking_code,
    );
    let baseline = y + ROW_HEIGHT / 2.0 + 3.5;
    COL_NO.text(doc, baseline, BODY.gray(0.35), &no.to_string());
    COL_REF.text(doc, baseline, BODY, &p.merchant_reference);
    COL_COURIER.text(
        doc,
        baseline,
        BODY,
        p.courier_tracking_code.as_deref().unwrap_or("—"),
    );
    COL_ITEMS.text(doc, baseline, BODY_BOLD, &integer(p.item_count, lang));
    let weight = p
        .weight
        .map(|kg| format!("{} {}", decimal(kg, lang), m.weight_unit))
        .unwrap_or_else(|| "—".into());
    COL_WEIGHT.text(doc, baseline, BODY, &weight);
    layout::checkbox(
        doc,
        COL_CHECK.x + (COL_CHECK.width - 12.0) / 2.0,
        y + (ROW_HEIGHT - 12.0) / 2.0,
        12.0,
    );
    let bottom = y + ROW_HEIGHT;
    doc.line((MARGIN, bottom), (RIGHT, bottom), 0.3, 0.7);
    Ok(bottom)
}

/// The statement both sides sign, and their boxes.
fn closing(doc: &mut Doc, m: &Manifest, w: &Words, y: f32) {
    let n = integer(m.parcels.len() as i64, w.lang);
    let units = integer(units(m), w.lang);
    let statement = match w.lang {
        Lang::Vi => format!(
            "Hai bên xác nhận kho đã bàn giao và {} đã nhận đủ {n} kiện hàng ({units} sản phẩm) \
             trong biên bản này, bao bì nguyên vẹn.",
            m.courier_name
        ),
        Lang::En => format!(
            "Both parties confirm that the warehouse handed over, and {} received, the {n} \
             parcels ({units} units) listed in this manifest, with their packaging intact.",
            m.courier_name
        ),
    };
    let mut y = y + 14.0;
    for line in doc.font.wrap(&statement, 9.0, CONTENT_WIDTH).iter().take(2) {
        y += LINE;
        doc.text(MARGIN, y, Style::regular(9.0), line);
    }
    let fields = [
        w.t("Chữ ký:", "Signature:"),
        w.t("Họ tên:", "Name:"),
        w.t("Thời gian:", "Time:"),
    ];
    let boxes = [
        w.t("ĐẠI DIỆN KHO", "FOR THE WAREHOUSE"),
        w.t("ĐẠI DIỆN ĐƠN VỊ VẬN CHUYỂN", "FOR THE COURIER"),
    ]
    .map(|title| SignatureBox {
        title,
        hint: Some(w.t("(Ký, ghi rõ họ tên)", "(Signature and full name)")),
        fields: &fields,
    });
    layout::signature_boxes(doc, MARGIN, y + 12.0, CONTENT_WIDTH, 118.0, &boxes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::{barcodes, page_sizes, page_texts};
    use crate::sample;

    #[test]
    fn a_manifest_lists_every_parcel_with_a_barcode() {
        let m = sample::manifest(6);
        let pdf = manifest_pdf(&m, Lang::Vi).unwrap();
        assert_eq!(page_sizes(&pdf), vec![(595.28, 841.89)]);
        let codes = barcodes(&pdf);
        let texts: Vec<&str> = codes[0].iter().map(|c| c.text.as_str()).collect();
        let mut expected = vec![m.manifest_id.as_str()];
        expected.extend(m.parcels.iter().map(|p| p.tracking_code.as_str()));
        assert_eq!(texts, expected);
        // Parcel barcodes at 0.85 pt (0.3 mm) per module, clear of the number column.
        for c in &codes[0][1..] {
            assert!((c.module - MODULE).abs() < 0.01, "{c:?}");
            assert!(c.left - 10.0 * c.module >= COL_CODE.x - 0.01, "{c:?}");
            assert!(
                c.left + c.width + 10.0 * c.module <= COL_CODE.end() + 0.01,
                "{c:?}"
            );
        }
        let text = &page_texts(&pdf)[0];
        for expected in [
            "BIÊN BẢN BÀN GIAO",
            "Giao Hàng Nhanh",
            "MF-20270115-0003",
            "WH-HN01 — Kho Hà Nội 01 — Long Biên",
            "15/01/2027 15:00 GMT+7",
            "15/01/2027 17:30 GMT+7",
            "Đã bàn giao",
            "SHOPEE-250115-0001",
            "GHN0000001VN",
            "Số kiện\n6",
            "ĐẠI DIỆN KHO",
            "ĐẠI DIỆN ĐƠN VỊ VẬN CHUYỂN",
            "Họ tên:",
            "Chữ ký:",
            "Thời gian:",
            "đã nhận đủ 6 kiện hàng",
            "Trang 1 / 1",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        let units: i64 = m.parcels.iter().map(|p| p.item_count).sum();
        assert!(
            text.contains(&format!("Tổng số sản phẩm\n{units}")),
            "{text}"
        );
    }

    #[test]
    fn a_long_manifest_paginates_without_losing_a_parcel() {
        let m = sample::manifest(120);
        let pdf = manifest_pdf(&m, Lang::En).unwrap();
        let pages = page_texts(&pdf);
        assert!(pages.len() >= 7, "{} pages", pages.len());
        let n = pages.len();
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(&format!("Page {} of {n}", i + 1)), "page {i}");
            assert!(page.contains(&m.manifest_id), "page {i} names the manifest");
        }
        assert!(pages[1].contains("Tracking code\nMerchant reference\nCourier tracking"));
        // Every parcel's barcode exactly once, in order, across the pages.
        let read: Vec<String> = barcodes(&pdf)
            .into_iter()
            .flatten()
            .map(|c| c.text)
            .filter(|t| t != &m.manifest_id)
            .collect();
        let expected: Vec<String> = m.parcels.iter().map(|p| p.tracking_code.clone()).collect();
        assert_eq!(read, expected);
        let end = pages.last().unwrap();
        assert!(
            end.contains("FOR THE WAREHOUSE") && end.contains("FOR THE COURIER"),
            "{end}"
        );
        assert!(end.contains("the 120 parcels"), "{end}");
    }

    #[test]
    fn an_open_empty_manifest_still_renders() {
        let m = Manifest {
            manifest_id: "MF-1".into(),
            courier_name: "J&T Express".into(),
            ..Manifest::default()
        };
        let text = &page_texts(&manifest_pdf(&m, Lang::En).unwrap())[0];
        for expected in ["No parcels yet.", "Not closed", "Open", "J&T Express"] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn a_tracking_code_that_cannot_be_a_barcode_is_an_error() {
        let mut m = sample::manifest(1);
        m.parcels[0].tracking_code = "Mã 1".into();
        assert!(matches!(
            manifest_pdf(&m, Lang::Vi),
            Err(DocumentError::Barcode(_))
        ));
    }
}
