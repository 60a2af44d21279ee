//! The shipping label (SPEC §11 "Pack station"): one A6 page (105 × 148 mm, the size thermal
//! label printers take) stuck on the parcel. From the top: the courier and its tracking code
//! beside the platform; the tracking code as a large Code 128 and in text; the receiver; the
//! sender (merchant and warehouse); COD amount, item count and weight in big figures; the
//! merchant's reference, packing time and note.

use crate::layout::{self, spaced, Anchor, BarcodeBox, Words};
use crate::pdf::{Doc, Style, A6, MM};
use crate::{DocumentError, Warehouse};
use depot_domain::Lang;

/// Everything the label shows. Texts are printed as given (NFC-normalised).
#[derive(Debug, Clone)]
pub struct ShippingLabel {
    /// Depot's tracking code, drawn as Code 128: printable ASCII.
    pub tracking_code: String,
    pub merchant_reference: String,
    pub courier_name: Option<String>,
    pub courier_tracking_code: Option<String>,
    /// `shopee`, `lazada`, `tiktok`, `tiki`, `retail`, as stored.
    pub platform: String,
    /// None when the marketplace's own label carries the address.
    pub receiver: Option<LabelReceiver>,
    /// The merchant as the receiver should see it (shop or business name).
    pub sender_name: Option<String>,
    pub warehouse: Warehouse,
    /// Cash to collect, in hundredths (as Depot stores money); None or 0: nothing to collect.
    pub cod_amount_minor: Option<i64>,
    pub currency: String,
    /// Units in the parcel.
    pub item_count: i64,
    /// The parcel's weight as packed, when weighed.
    pub weight: Option<f64>,
    pub weight_unit: String,
    /// Unix seconds.
    pub packed_time: Option<i64>,
    pub note: Option<String>,
    /// Times are printed at this offset from UTC; Vietnam (UTC+7) by default.
    pub utc_offset_minutes: i32,
}

impl Default for ShippingLabel {
    fn default() -> Self {
        ShippingLabel {
            tracking_code: String::new(),
            merchant_reference: String::new(),
            courier_name: None,
            courier_tracking_code: None,
            platform: String::new(),
            receiver: None,
            sender_name: None,
            warehouse: Warehouse::default(),
            cod_amount_minor: None,
            currency: "VND".into(),
            item_count: 0,
            weight: None,
            weight_unit: "kg".into(),
            packed_time: None,
            note: None,
            utc_offset_minutes: 7 * 60,
        }
    }
}

/// The receiver, with the administrative units already resolved to their names.
#[derive(Debug, Clone, Default)]
pub struct LabelReceiver {
    pub name: String,
    pub phone: String,
    pub address: String,
    pub ward: Option<String>,
    pub district: Option<String>,
    pub province: Option<String>,
}

/// 3 mm around the frame: inside what label printers can print to.
const MARGIN: f32 = 3.0 * MM;
const FRAME_LEFT: f32 = MARGIN;
const FRAME_RIGHT: f32 = A6.width - MARGIN;
const FRAME_TOP: f32 = MARGIN;
const FRAME_BOTTOM: f32 = A6.height - MARGIN;
const PAD: f32 = 7.0;
const LEFT: f32 = FRAME_LEFT + PAD;
const RIGHT: f32 = FRAME_RIGHT - PAD;
const WIDTH: f32 = RIGHT - LEFT;

/// The widest module wanted: 0.5 mm, four dots of a 203 dpi printer.
const MODULE: f32 = 0.5 * MM;
/// A 203 dpi (8 dots/mm) printer's dot: modules are whole dots so every bar prints alike.
const DOT: f32 = 0.125 * MM;
const BARS_HEIGHT: f32 = 22.0 * MM;

const CAPTION: Style = Style::regular(6.5).gray(0.35);

/// Renders the label as a one-page A6 PDF; the label's own words in `lang`.
pub fn shipping_label_pdf(label: &ShippingLabel, lang: Lang) -> Result<Vec<u8>, DocumentError> {
    let w = Words { lang };
    let mut doc = Doc::new(A6)?;
    doc.add_page();
    doc.stroke_rect(
        FRAME_LEFT,
        FRAME_TOP,
        FRAME_RIGHT - FRAME_LEFT,
        FRAME_BOTTOM - FRAME_TOP,
        1.2,
        0.0,
    );
    let mut y = courier(&mut doc, label, &w);
    y = rule(&mut doc, y, 1.2);
    y = tracking(&mut doc, label, y)?;
    y = rule(&mut doc, y, 1.2);
    y = receiver(&mut doc, label, &w, y);
    y = rule(&mut doc, y, 0.6);
    y = sender(&mut doc, label, &w, y);
    y = rule(&mut doc, y, 1.2);
    y = figures(&mut doc, label, &w, y);
    y = rule(&mut doc, y, 1.2);
    references(&mut doc, label, &w, y);
    let title = format!(
        "{} {}",
        w.t("Nhãn vận chuyển", "Shipping label"),
        label.tracking_code
    );
    doc.finish(&title)
}

fn rule(doc: &mut Doc, y: f32, width: f32) -> f32 {
    doc.line((FRAME_LEFT, y), (FRAME_RIGHT, y), width, 0.0);
    y
}

/// The courier and its tracking code on the left, the platform as a black badge on the right.
fn courier(doc: &mut Doc, label: &ShippingLabel, w: &Words) -> f32 {
    let top = FRAME_TOP;
    let platform = match label.platform.as_str() {
        "retail" => w.t("BÁN LẺ", "RETAIL").to_string(),
        other => other.to_uppercase(),
    };
    let badge_style = Style::bold(10.0).gray(1.0);
    let badge_width = doc.font.width(&platform, badge_style.size) + 14.0;
    let badge_height = 20.0;
    let badge_x = RIGHT - badge_width;
    doc.fill_rect(badge_x, top + 8.0, badge_width, badge_height, 0.0);
    doc.text_center(
        badge_x + badge_width / 2.0,
        top + 8.0 + 14.0,
        badge_style,
        &platform,
    );

    let room = badge_x - LEFT - 8.0;
    let name = label
        .courier_name
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or(w.t("Chưa chọn đơn vị vận chuyển", "No courier yet"));
    let name = doc.font.fit(name, 14.0, room);
    doc.text(LEFT, top + 20.0, Style::bold(14.0), &name);
    let code = label
        .courier_tracking_code
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or("—");
    let caption = w.t("Mã vận chuyển", "Courier tracking");
    doc.text(LEFT, top + 32.0, CAPTION, caption);
    let x = LEFT + doc.font.width(caption, CAPTION.size) + 4.0;
    let code = doc.font.fit(code, 8.5, badge_x + badge_width - x);
    doc.text(x, top + 32.5, Style::bold(8.5), &code);
    top + 40.0
}

/// The tracking code as bars, then in large text.
fn tracking(doc: &mut Doc, label: &ShippingLabel, top: f32) -> Result<f32, DocumentError> {
    let placed = layout::barcode(
        doc,
        &label.tracking_code,
        BarcodeBox {
            anchor: Anchor::Center((FRAME_LEFT + FRAME_RIGHT) / 2.0),
            top: top + 9.0,
            height: BARS_HEIGHT,
            max_width: FRAME_RIGHT - FRAME_LEFT - 4.0,
            max_module: MODULE,
            dot: Some(DOT),
        },
    )?;
    let text = spaced(&label.tracking_code);
    let text = doc.font.fit(&text, 17.0, WIDTH);
    let baseline = top + 9.0 + BARS_HEIGHT + 19.0;
    doc.text_center(placed.center(), baseline, Style::bold(17.0), &text);
    Ok(baseline + 8.0)
}

/// "NGƯỜI NHẬN": name and phone in bold, the street address, then ward, district and province
/// in bold for the sorting hub.
fn receiver(doc: &mut Doc, label: &ShippingLabel, w: &Words, top: f32) -> f32 {
    let mut y = top + 11.0;
    doc.text(LEFT, y, CAPTION, w.t("NGƯỜI NHẬN", "TO"));
    let Some(r) = &label.receiver else {
        y += 16.0;
        doc.text(
            LEFT,
            y,
            Style::bold(10.0),
            w.t("Theo nhãn của sàn", "See the marketplace label"),
        );
        return y + 10.0;
    };
    y += 17.0;
    let name = doc.font.fit(&r.name, 13.5, WIDTH);
    doc.text(LEFT, y, Style::bold(13.5), &name);
    y += 15.5;
    let phone = doc.font.fit(&r.phone, 12.0, WIDTH);
    doc.text(LEFT, y, Style::bold(12.0), &phone);
    y += 14.0;
    let style = Style::regular(9.5);
    for line in layout::wrap_lines(&doc.font, &r.address, style.size, WIDTH, 3) {
        doc.text(LEFT, y, style, &line);
        y += 11.5;
    }
    let area: Vec<&str> = [&r.ward, &r.district, &r.province]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .filter(|p| !p.trim().is_empty())
        .collect();
    if !area.is_empty() {
        let style = Style::bold(10.0);
        for line in layout::wrap_lines(&doc.font, &area.join(", "), style.size, WIDTH, 2) {
            doc.text(LEFT, y + 1.5, style, &line);
            y += 12.5;
        }
    }
    y - 2.0
}

/// "NGƯỜI GỬI": the merchant, and the warehouse that ships for it.
fn sender(doc: &mut Doc, label: &ShippingLabel, w: &Words, top: f32) -> f32 {
    let mut y = top + 10.0;
    doc.text(LEFT, y, CAPTION, w.t("NGƯỜI GỬI", "FROM"));
    y += 11.0;
    let name = label
        .sender_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(&label.warehouse.name);
    let name = doc.font.fit(name, 9.0, WIDTH);
    doc.text(LEFT, y, Style::bold(9.0), &name);
    y += 10.5;
    let warehouse = format!(
        "{} {} — {}",
        w.t("Kho", "Warehouse"),
        label.warehouse.code,
        label.warehouse.name
    );
    let warehouse = doc.font.fit(&warehouse, 7.5, WIDTH);
    doc.text(LEFT, y, Style::regular(7.5), &warehouse);
    y += 9.0;
    let address = doc.font.fit(&label.warehouse.address, 7.0, WIDTH);
    doc.text(LEFT, y, Style::regular(7.0).gray(0.3), &address);
    y + 6.0
}

/// COD, units and weight in big figures, side by side.
fn figures(doc: &mut Doc, label: &ShippingLabel, w: &Words, top: f32) -> f32 {
    let height = 44.0;
    let cod = label.cod_amount_minor.unwrap_or(0);
    let widths = [0.5, 0.22, 0.28];
    let full = FRAME_RIGHT - FRAME_LEFT;
    let weight = label
        .weight
        .map(|kg| format!("{} {}", layout::decimal(kg, w.lang), label.weight_unit))
        .unwrap_or_else(|| "—".into());
    // The amount in figures as large as fit, the currency after it in small type.
    let cells = [
        (
            w.t("THU HỘ (COD)", "COLLECT (COD)"),
            layout::amount(cod, w.lang),
            Some(label.currency.as_str()),
            18.0,
        ),
        (
            w.t("SỐ SẢN PHẨM", "ITEMS"),
            layout::integer(label.item_count, w.lang),
            None,
            18.0,
        ),
        (w.t("KHỐI LƯỢNG", "WEIGHT"), weight, None, 12.0),
    ];
    let mut x = FRAME_LEFT;
    for (i, ((caption, value, unit, size), share)) in cells.iter().zip(widths).enumerate() {
        let cw = full * share;
        if i > 0 {
            doc.line((x, top), (x, top + height), 0.6, 0.0);
        }
        doc.text(x + PAD, top + 11.0, CAPTION, caption);
        let unit_style = Style::bold(8.0);
        let unit_width = unit.map_or(0.0, |u| doc.font.width(u, unit_style.size) + 3.0);
        let room = cw - 2.0 * PAD - unit_width;
        let size = layout::fitting_size(&doc.font, value, *size, room);
        let value = doc.font.fit(value, size, room);
        doc.text(x + PAD, top + 33.0, Style::bold(size), &value);
        if let Some(unit) = unit {
            let after = x + PAD + doc.font.width(&value, size) + 3.0;
            doc.text(after, top + 33.0, unit_style, unit);
        }
        x += cw;
    }
    top + height
}

/// The merchant's reference, when it was packed, and the note, in what room is left.
fn references(doc: &mut Doc, label: &ShippingLabel, w: &Words, top: f32) {
    let mut y = top + 12.0;
    let line = |doc: &mut Doc, y: f32, caption: &str, value: &str| {
        doc.text(LEFT, y, CAPTION, caption);
        let x = LEFT + 62.0;
        let value = doc.font.fit(value, 8.5, RIGHT - x);
        doc.text(x, y, Style::bold(8.5), &value);
    };
    line(
        doc,
        y,
        w.t("Mã đơn hàng", "Order ref."),
        &label.merchant_reference,
    );
    y += 11.0;
    let packed = label
        .packed_time
        .map(|t| layout::datetime(t, label.utc_offset_minutes))
        .unwrap_or_else(|| "—".into());
    line(doc, y, w.t("Đóng gói", "Packed"), &packed);
    y += 11.0;
    if let Some(note) = label.note.as_deref().filter(|n| !n.trim().is_empty()) {
        doc.text(LEFT, y, CAPTION, w.t("Ghi chú", "Note"));
        let x = LEFT + 62.0;
        let style = Style::regular(7.5);
        let room = ((FRAME_BOTTOM - 4.0 - y) / 9.0).floor().max(1.0) as usize;
        let lines = layout::wrap_lines(&doc.font, note, style.size, RIGHT - x, room);
        for l in &lines {
            doc.text(x, y, style, l);
            y += 9.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::{barcodes, page_sizes, page_texts, text_runs};
    use crate::sample;

    #[test]
    fn a_label_is_one_a6_page_with_a_scannable_tracking_code() {
        let label = sample::label();
        let pdf = shipping_label_pdf(&label, Lang::Vi).unwrap();
        let sizes = page_sizes(&pdf);
        assert_eq!(sizes.len(), 1);
        // 105 × 148 mm.
        assert!((sizes[0].0 / MM - 105.0).abs() < 0.05, "{sizes:?}");
        assert!((sizes[0].1 / MM - 148.0).abs() < 0.05, "{sizes:?}");

        let codes = barcodes(&pdf);
        assert_eq!(codes[0].len(), 1, "{codes:?}");
        let code = &codes[0][0];
        assert_eq!(code.text, "OASC00012345");
        // Big enough for a handheld scanner at arm's length and a 203 dpi printer: 0.5 mm
        // modules (four dots), 22 mm tall bars, 10 modules of clear space inside the frame.
        assert!((code.module / MM - 0.5).abs() < 0.01, "{code:?}");
        assert!((code.height / MM - 22.0).abs() < 0.01, "{code:?}");
        let quiet = 10.0 * code.module;
        assert!(code.left - quiet >= FRAME_LEFT, "{code:?}");
        assert!(code.left + code.width + quiet <= FRAME_RIGHT, "{code:?}");

        let text = &page_texts(&pdf)[0];
        for expected in [
            "Giao Hàng Nhanh",
            "GHN5XK29TVN",
            "SHOPEE",
            "OASC 00 012 345",
            "SHOPEE-250115-8QK2NX",
            "Nguyễn Thị Thu Hường",
            "0912 345 678",
            "Số 12 ngõ 34 phố Nguyễn Văn Cừ",
            "Phường Bồ Đề, Quận Long Biên, Thành phố Hà Nội",
            "Công ty TNHH Thương mại Điện tử Ánh Dương",
            "Kho WH-HN01 — Kho Hà Nội 01 — Long Biên",
            "THU HỘ (COD)",
            "THU HỘ (COD)\n1.250.000\nVND",
            "SỐ SẢN PHẨM",
            "1,25 kg",
            "15/01/2027 15:00 GMT+7",
            "Gọi trước khi giao",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn english_words_and_decomposed_vietnamese() {
        let mut label = sample::label();
        // "Hường" typed with combining marks prints as the composed letters.
        label.receiver.as_mut().unwrap().name =
            "Nguye\u{0302}\u{0303}n Thi\u{0323} Thu Hu\u{031B}o\u{031B}\u{0300}ng".into();
        let text = &page_texts(&shipping_label_pdf(&label, Lang::En).unwrap())[0];
        assert!(text.contains("Nguyễn Thị Thu Hường"), "{text}");
        for expected in [
            "COLLECT (COD)",
            "1,250,000\nVND",
            "ITEMS",
            "1.25 kg",
            "TO",
            "FROM",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn a_bare_label_still_renders() {
        let label = ShippingLabel {
            tracking_code: "OASC00000001".into(),
            merchant_reference: "REF-1".into(),
            platform: "retail".into(),
            ..ShippingLabel::default()
        };
        let pdf = shipping_label_pdf(&label, Lang::Vi).unwrap();
        assert_eq!(barcodes(&pdf)[0][0].text, "OASC00000001");
        let text = &page_texts(&pdf)[0];
        for expected in [
            "BÁN LẺ",
            "Theo nhãn của sàn",
            "0\nVND",
            "Chưa chọn đơn vị vận chuyển",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn long_texts_stay_inside_the_label() {
        let mut label = sample::label();
        let long = "Rất dài ".repeat(60);
        label.note = Some(long.clone());
        label.merchant_reference = long.clone();
        let r = label.receiver.as_mut().unwrap();
        r.address = long.clone();
        r.name = long;
        let pdf = shipping_label_pdf(&label, Lang::Vi).unwrap();
        assert_eq!(page_sizes(&pdf).len(), 1);
        let text = &page_texts(&pdf)[0];
        assert!(text.contains('…'));
        assert_eq!(barcodes(&pdf)[0][0].text, "OASC00012345");
        // Every string starts and ends inside the frame.
        let font = crate::pdf::Font::load().unwrap();
        for run in &text_runs(&pdf)[0] {
            let end = run.x + font.width(&run.text, run.size);
            assert!(
                run.x >= FRAME_LEFT && end <= FRAME_RIGHT + 0.01,
                "{run:?} ends at {end}"
            );
            assert!(run.y > FRAME_TOP && run.y < FRAME_BOTTOM - 2.0, "{run:?}");
        }
    }
}
