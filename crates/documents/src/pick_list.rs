//! A wave's pick list (SPEC §11 "Release"): what a picker takes from the shelves for one wave.
//! A4, the wave id as a Code 128 barcode; quantities grouped by product (SKU, name, barcode,
//! total) with the shipments that need it under each, so the picker takes the total once and
//! sorts it into the shipments; page numbers; boxes for the picker and the checker.

use crate::layout::{
    self, datetime, integer, spaced, Anchor, BarcodeBox, Col, SignatureBox, Words, BODY, CELL_PAD,
    LABEL, LINE,
};
use crate::pdf::{Doc, Style, A4};
use crate::{DocumentError, Warehouse};
use depot_domain::Lang;
use std::collections::BTreeMap;

/// Everything the pick list shows. Texts are printed as given.
#[derive(Debug, Clone)]
pub struct PickList {
    /// Printed and drawn as Code 128: printable ASCII.
    pub wave_id: String,
    pub warehouse: Warehouse,
    /// Unix seconds.
    pub created_time: i64,
    /// Who released the wave (an operator's email), when known.
    pub created_by: Option<String>,
    /// The wave's shipments, in the order they should be listed under a product.
    pub shipments: Vec<PickShipment>,
    /// Times are printed at this offset from UTC; Vietnam (UTC+7) by default.
    pub utc_offset_minutes: i32,
}

impl Default for PickList {
    fn default() -> Self {
        PickList {
            wave_id: String::new(),
            warehouse: Warehouse::default(),
            created_time: 0,
            created_by: None,
            shipments: Vec::new(),
            utc_offset_minutes: 7 * 60,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PickShipment {
    pub tracking_code: String,
    /// The lines still to ship (cancelled units left out); lines of quantity 0 are skipped.
    pub items: Vec<PickItem>,
}

#[derive(Debug, Clone, Default)]
pub struct PickItem {
    /// Products are grouped by OASIN (unique across businesses).
    pub oasin: String,
    pub sku: String,
    pub name: String,
    pub barcodes: Vec<String>,
    pub quantity: i64,
}

const MARGIN: f32 = 36.0;
const RIGHT: f32 = A4.width - MARGIN;
const CONTENT_WIDTH: f32 = A4.width - 2.0 * MARGIN;
const BOTTOM: f32 = A4.height - MARGIN - 28.0;

const COL_NO: Col = Col::left(MARGIN, 24.0);
const COL_SKU: Col = Col::left(MARGIN + 24.0, 136.0);
const COL_NAME: Col = Col::left(MARGIN + 160.0, CONTENT_WIDTH - 160.0 - 64.0 - 40.0);
const COL_QTY: Col = Col::right(RIGHT - 104.0, 64.0);
const COL_DONE: Col = Col::left(RIGHT - 40.0, 40.0);

/// The shipments under a product, this many to a line.
const GRID_COLUMNS: usize = 4;
const GRID_LINE: f32 = 12.0;
const GRID_LEFT: f32 = MARGIN + 24.0;
const MAX_NAME_LINES: usize = 2;
const SIGNATURES_HEIGHT: f32 = 16.0 + 78.0;

/// One product of the wave and the shipments that take it.
struct Product<'a> {
    item: &'a PickItem,
    total: i64,
    shipments: Vec<(&'a str, i64)>,
}

/// Renders the pick list as an A4 PDF; the sheet's own words in `lang`.
pub fn pick_list_pdf(list: &PickList, lang: Lang) -> Result<Vec<u8>, DocumentError> {
    let w = Words { lang };
    let products = group(list);
    let mut doc = Doc::new(A4)?;
    doc.add_page();
    let mut y = header(&mut doc, list, &products, &w)?;
    y = table(&mut doc, list, &products, &w, y);
    if y + SIGNATURES_HEIGHT > BOTTOM {
        y = continuation_page(&mut doc, list, &w) - 10.0;
    }
    signatures(&mut doc, &w, y);
    let left = format!(
        "{} {} · {}",
        w.t("Đợt", "Wave"),
        list.wave_id,
        list.warehouse.code
    );
    layout::footers(&mut doc, MARGIN, lang, &left);
    let title = format!("{} {}", w.t("Phiếu lấy hàng", "Pick list"), list.wave_id);
    doc.finish(&title)
}

/// The wave's lines by product (ordered by SKU, then OASIN), each with its shipments.
fn group(list: &PickList) -> Vec<Product<'_>> {
    let mut by_oasin: BTreeMap<&str, Product> = BTreeMap::new();
    for s in &list.shipments {
        for item in s.items.iter().filter(|i| i.quantity > 0) {
            let p = by_oasin.entry(&item.oasin).or_insert_with(|| Product {
                item,
                total: 0,
                shipments: Vec::new(),
            });
            p.total = p.total.saturating_add(item.quantity);
            p.shipments.push((&s.tracking_code, item.quantity));
        }
    }
    let mut products: Vec<Product> = by_oasin.into_values().collect();
    products.sort_by(|a, b| {
        (a.item.sku.as_str(), a.item.oasin.as_str()).cmp(&(&b.item.sku, &b.item.oasin))
    });
    products
}

fn header(
    doc: &mut Doc,
    list: &PickList,
    products: &[Product],
    w: &Words,
) -> Result<f32, DocumentError> {
    let top = MARGIN;
    let placed = layout::barcode(
        doc,
        &list.wave_id,
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
        &spaced(&list.wave_id),
    );

    doc.text(
        MARGIN,
        top + 16.0,
        Style::bold(18.0),
        w.t("PHIẾU LẤY HÀNG", "PICK LIST"),
    );
    doc.text(
        MARGIN,
        top + 30.0,
        Style::regular(9.0).gray(0.35),
        w.t("Pick list", "Phiếu lấy hàng"),
    );
    doc.text(MARGIN, top + 47.0, LABEL, w.t("Đợt lấy hàng", "Wave"));
    let wave = doc
        .font
        .fit(&list.wave_id, 11.0, CONTENT_WIDTH - 222.0 - 12.0);
    doc.text(MARGIN, top + 60.0, Style::bold(11.0), &wave);
    let mut y = top + 72.0;
    doc.line((MARGIN, y), (RIGHT, y), 1.0, 0.0);
    y += 16.0;

    let col_width = CONTENT_WIDTH / 2.0 - 10.0;
    let right_x = MARGIN + CONTENT_WIDTH / 2.0 + 10.0;
    let mut left_y = y;
    doc.text(MARGIN, left_y, LABEL, w.t("KHO", "WAREHOUSE"));
    left_y += 14.0;
    let title = format!("{} — {}", list.warehouse.code, list.warehouse.name);
    for line in doc.font.wrap(&title, 10.5, col_width).iter().take(2) {
        doc.text(MARGIN, left_y, Style::bold(10.5), line);
        left_y += 13.0;
    }
    for line in doc
        .font
        .wrap(&list.warehouse.address, 9.0, col_width)
        .iter()
        .take(3)
    {
        doc.text(MARGIN, left_y, BODY, line);
        left_y += LINE;
    }

    let facts = [
        (w.t("Mã đợt", "Wave id"), list.wave_id.clone()),
        (
            w.t("Ngày tạo", "Created"),
            datetime(list.created_time, list.utc_offset_minutes),
        ),
        (
            w.t("Người tạo", "Released by"),
            list.created_by.clone().unwrap_or_else(|| "—".into()),
        ),
        (
            w.t("Số vận đơn", "Shipments"),
            integer(list.shipments.len() as i64, w.lang),
        ),
    ];
    let right_y = layout::facts(doc, right_x, y, 92.0, col_width, &facts);
    let y = left_y.max(right_y) + 6.0;

    let units = products
        .iter()
        .fold(0i64, |sum, p| sum.saturating_add(p.total));
    let cells = [
        (
            w.t("Số vận đơn", "Shipments"),
            integer(list.shipments.len() as i64, w.lang),
        ),
        (
            w.t("Số sản phẩm", "Products"),
            integer(products.len() as i64, w.lang),
        ),
        (w.t("Tổng số lượng", "Total units"), integer(units, w.lang)),
    ];
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
            (COL_SKU, "SKU / OASIN"),
            (COL_NAME, w.t("Sản phẩm / Mã vạch", "Product / Barcode")),
            (COL_QTY, w.t("Tổng SL", "Total")),
            (COL_DONE, w.t("Đã lấy", "Picked")),
        ],
    )
}

fn continuation_page(doc: &mut Doc, list: &PickList, w: &Words) -> f32 {
    doc.add_page();
    layout::continuation_header(
        doc,
        MARGIN,
        w.t("PHIẾU LẤY HÀNG", "PICK LIST"),
        &list.wave_id,
        &format!(
            "{} · {}",
            list.warehouse.code,
            w.t("(tiếp theo)", "(continued)")
        ),
    )
}

fn continue_table(doc: &mut Doc, list: &PickList, w: &Words) -> f32 {
    let y = continuation_page(doc, list, w);
    table_head(doc, w, y)
}

/// How one product's row is laid out.
struct Row {
    sku: String,
    name: Vec<String>,
    barcodes: Option<String>,
    height: f32,
}

fn row(doc: &Doc, p: &Product, w: &Words) -> Row {
    let max = COL_NAME.inner();
    let name = layout::wrap_lines(&doc.font, &p.item.name, BODY.size, max, MAX_NAME_LINES);
    let barcodes = (!p.item.barcodes.is_empty()).then(|| {
        let text = format!(
            "{} {}",
            w.t("Mã vạch:", "Barcode:"),
            p.item.barcodes.join(", ")
        );
        doc.font.fit(&text, 8.0, max)
    });
    let text_lines = name.len().max(1) as f32 * LINE + if barcodes.is_some() { 11.0 } else { 0.0 };
    Row {
        sku: p.item.sku.clone(),
        height: text_lines.max(2.0 * LINE - 1.0) + 8.0,
        name,
        barcodes,
    }
}

fn grid_lines(p: &Product) -> usize {
    p.shipments.len().div_ceil(GRID_COLUMNS)
}

fn table(doc: &mut Doc, list: &PickList, products: &[Product], w: &Words, top: f32) -> f32 {
    let mut y = table_head(doc, w, top);
    if products.is_empty() {
        doc.text(
            MARGIN + CELL_PAD,
            y + 14.0,
            BODY.gray(0.35),
            w.t(
                "Đợt này không có hàng cần lấy.",
                "Nothing to pick in this wave.",
            ),
        );
        return y + 22.0;
    }
    for (index, p) in products.iter().enumerate() {
        let r = row(doc, p, w);
        // Keep a product's row with at least its first line of shipments.
        if y + r.height + GRID_LINE + 8.0 > BOTTOM {
            y = continue_table(doc, list, w);
        }
        y = draw_row(doc, p, &r, index + 1, y, w.lang);
        let lines = grid_lines(p);
        let mut line = 0;
        while line < lines {
            if y + GRID_LINE + 6.0 > BOTTOM {
                y = continue_table(doc, list, w);
                y = draw_continued(doc, p, &r, w, y);
            }
            // As many grid lines as fit on this page, on one shaded band.
            let room = ((BOTTOM - y - 6.0) / GRID_LINE).floor().max(1.0) as usize;
            let take = room.min(lines - line);
            y = draw_grid(doc, p, line, take, y, w.lang);
            line += take;
        }
        doc.line((MARGIN, y), (RIGHT, y), 0.5, 0.55);
    }
    y
}

fn draw_row(doc: &mut Doc, p: &Product, r: &Row, no: usize, y: f32, lang: Lang) -> f32 {
    let baseline = y + 13.0;
    COL_NO.text(doc, baseline, BODY.gray(0.35), &no.to_string());
    COL_SKU.text(doc, baseline, Style::bold(9.5), &r.sku);
    COL_SKU.text(
        doc,
        baseline + LINE,
        Style::regular(8.0).gray(0.35),
        &p.item.oasin,
    );
    for (i, line) in r.name.iter().enumerate() {
        doc.text(
            COL_NAME.x + CELL_PAD,
            baseline + i as f32 * LINE,
            BODY,
            line,
        );
    }
    if let Some(barcodes) = &r.barcodes {
        let by = baseline + r.name.len().max(1) as f32 * LINE - 1.0;
        doc.text(
            COL_NAME.x + CELL_PAD,
            by,
            Style::regular(8.0).gray(0.3),
            barcodes,
        );
    }
    COL_QTY.text(
        doc,
        baseline + 2.0,
        Style::bold(14.0),
        &integer(p.total, lang),
    );
    layout::checkbox(
        doc,
        COL_DONE.x + (COL_DONE.width - 13.0) / 2.0,
        y + 4.0,
        13.0,
    );
    y + r.height
}

/// The product's line again at the top of a page its shipments run over to.
fn draw_continued(doc: &mut Doc, p: &Product, r: &Row, w: &Words, y: f32) -> f32 {
    let text = format!("{} — {} {}", r.sku, p.item.name, w.t("(tiếp)", "(cont.)"));
    let text = doc.font.fit(&text, 8.5, CONTENT_WIDTH - 2.0 * CELL_PAD);
    doc.text(
        MARGIN + CELL_PAD,
        y + 12.0,
        Style::bold(8.5).gray(0.25),
        &text,
    );
    y + 16.0
}

/// `count` lines of the product's shipments from grid line `from`: tracking code × quantity.
fn draw_grid(doc: &mut Doc, p: &Product, from: usize, count: usize, y: f32, lang: Lang) -> f32 {
    let height = count as f32 * GRID_LINE + 6.0;
    let width = RIGHT - GRID_LEFT;
    doc.fill_rect(GRID_LEFT, y, width, height, 0.95);
    let cell = width / GRID_COLUMNS as f32;
    let code_style = Style::regular(8.0);
    let qty_style = Style::bold(8.0);
    for (i, (code, qty)) in p
        .shipments
        .iter()
        .enumerate()
        .skip(from * GRID_COLUMNS)
        .take(count * GRID_COLUMNS)
    {
        let line = i / GRID_COLUMNS - from;
        let x = GRID_LEFT + (i % GRID_COLUMNS) as f32 * cell + CELL_PAD;
        let baseline = y + 3.0 + (line as f32 + 1.0) * GRID_LINE - 3.0;
        let qty = format!("× {}", integer(*qty, lang));
        let qty_width = doc.font.width(&qty, qty_style.size);
        let code = doc.font.fit(
            code,
            code_style.size,
            cell - 2.0 * CELL_PAD - qty_width - 5.0,
        );
        doc.text(x, baseline, code_style, &code);
        let after = x + doc.font.width(&code, code_style.size) + 5.0;
        doc.text(after, baseline, qty_style, &qty);
        // A thin divider between neighbours on a line.
        if i % GRID_COLUMNS > 0 {
            let dx = x - CELL_PAD;
            doc.line((dx, baseline - 7.5), (dx, baseline + 2.0), 0.4, 0.75);
        }
    }
    y + height
}

fn signatures(doc: &mut Doc, w: &Words, y: f32) {
    let fields = [w.t("Họ tên:", "Name:"), w.t("Thời gian:", "Time:")];
    let boxes = [
        w.t("NGƯỜI LẤY HÀNG", "PICKED BY"),
        w.t("NGƯỜI KIỂM TRA", "CHECKED BY"),
    ]
    .map(|title| SignatureBox {
        title,
        hint: None,
        fields: &fields,
    });
    layout::signature_boxes(doc, MARGIN, y + 16.0, CONTENT_WIDTH, 78.0, &boxes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::{barcodes, page_sizes, page_texts};
    use crate::sample;

    #[test]
    fn a_pick_list_groups_the_wave_by_product() {
        let list = sample::pick_list(5);
        let pdf = pick_list_pdf(&list, Lang::Vi).unwrap();
        assert_eq!(page_sizes(&pdf), vec![(595.28, 841.89)]);
        let codes = barcodes(&pdf);
        assert_eq!(codes[0].len(), 1);
        assert_eq!(codes[0][0].text, list.wave_id);

        let text = &page_texts(&pdf)[0];
        for expected in [
            "PHIẾU LẤY HÀNG",
            "WAVE-20270115-0007",
            "WH-HN01 — Kho Hà Nội 01 — Long Biên",
            "15/01/2027 15:00 GMT+7",
            "kho.hn01@anhduong.vn",
            "Trang 1 / 1",
            "Áo thun cotton cổ tròn màu trắng, size M",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        let barcode = &list.shipments[0].items[0].barcodes[0];
        assert!(text.contains(&format!("Mã vạch: {barcode}")), "{text}");
        // Five shipments: 0..5 each take product (i % 3) and product 3.
        let products = group(&list);
        assert_eq!(products.len(), 4);
        let total: i64 = products.iter().map(|p| p.total).sum();
        let ordered: i64 = list
            .shipments
            .iter()
            .flat_map(|s| &s.items)
            .map(|i| i.quantity)
            .sum();
        assert_eq!(total, ordered);
        // Every product's total, then every shipment under it with its quantity.
        for p in &products {
            let at = text.find(&p.item.sku).unwrap();
            assert!(text[at..].contains(&integer(p.total, Lang::Vi)));
            for (code, qty) in &p.shipments {
                assert!(text.contains(code), "{code}");
                assert!(text.contains(&format!("× {qty}")));
            }
        }
        // Products in SKU order.
        let mut skus: Vec<&str> = products.iter().map(|p| p.item.sku.as_str()).collect();
        let positions: Vec<usize> = skus.iter().map(|s| text.find(s).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        skus.sort();
        assert_eq!(
            skus,
            products
                .iter()
                .map(|p| p.item.sku.as_str())
                .collect::<Vec<_>>()
        );
        // The totals box: shipments, products, units.
        assert!(text.contains(&format!("Tổng số lượng\n{}", integer(total, Lang::Vi))));
    }

    #[test]
    fn a_big_wave_paginates_without_losing_a_shipment() {
        let list = sample::pick_list(400);
        let pdf = pick_list_pdf(&list, Lang::En).unwrap();
        let pages = page_texts(&pdf);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let n = pages.len();
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(&format!("Page {} of {n}", i + 1)), "page {i}");
            assert!(page.contains(&list.wave_id), "page {i} names the wave");
        }
        assert!(pages[1].contains("SKU / OASIN\nProduct / Barcode\nTotal"));
        // The barcode is on the first page only.
        let codes = barcodes(&pdf);
        assert_eq!(codes[0].len(), 1);
        assert!(codes[1..].iter().all(|c| c.is_empty()));
        // Every shipment of every product exactly as often as it has that product.
        let all = pages.join("\n");
        for s in &list.shipments {
            let expected = s.items.len();
            assert_eq!(
                all.matches(&s.tracking_code).count(),
                expected,
                "{}",
                s.tracking_code
            );
        }
        // A product whose shipments run over a page says so at the top of the next one.
        assert!(all.contains("(cont.)"));
        let end = pages.last().unwrap();
        assert!(
            end.contains("PICKED BY") && end.contains("CHECKED BY"),
            "{end}"
        );
    }

    #[test]
    fn an_empty_wave_still_renders() {
        let list = PickList {
            wave_id: "WAVE-1".into(),
            ..PickList::default()
        };
        let text = &page_texts(&pick_list_pdf(&list, Lang::En).unwrap())[0];
        assert!(text.contains("Nothing to pick in this wave."), "{text}");
    }

    #[test]
    fn a_wave_id_that_cannot_be_a_barcode_is_an_error() {
        let list = PickList {
            wave_id: "Đợt 1".into(),
            ..PickList::default()
        };
        assert!(matches!(
            pick_list_pdf(&list, Lang::Vi),
            Err(DocumentError::Barcode(_))
        ));
    }
}
