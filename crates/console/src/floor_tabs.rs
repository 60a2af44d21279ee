//! What the warehouse floor's pages share (release, waves, pick, pack, manifests): the tabs
//! between them, a shipment row as their tables show it, and the answer of a refused step.

use crate::auth::ConsoleOperator;
use depot_api::error::ApiError;
use depot_domain::Lang;
use depot_store::shipments::Shipment;
use depot_web::texts;

texts! {
    pub struct FloorTexts {
        tabs: "Công việc kho", "Floor work";
        release: "Phát hành đợt", "Release";
        pick: "Lấy hàng", "Pick";
        pack: "Đóng gói", "Pack";
        manifests: "Bàn giao", "Handover";
        tracking_code: "Mã vận đơn", "Tracking code";
        reference: "Mã tham chiếu", "Reference";
        platform: "Nền tảng", "Platform";
        courier: "Đơn vị vận chuyển", "Courier";
        status: "Trạng thái", "Status";
        created: "Tạo lúc", "Created";
        units: "Số lượng", "Units";
        business: "Doanh nghiệp", "Business";
        none: "Không có vận đơn nào.", "No shipments.";
        shipments: "Danh sách vận đơn", "Shipments";
    }
}

/// A tab of the floor's pages.
pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// The floor's tabs for a warehouse, `current` marked.
pub fn tabs(code: &str, lang: Lang, current: &str) -> Vec<Tab> {
    let t = FloorTexts::get(lang);
    [
        ("release", t.release),
        ("pick", t.pick),
        ("pack", t.pack),
        ("manifests", t.manifests),
    ]
    .into_iter()
    .map(|(page, label)| Tab {
        href: format!("/console/warehouses/{code}/{page}"),
        label,
        current: page == current,
    })
    .collect()
}

/// A shipment as the floor's tables list it.
pub struct ShipmentRow {
    pub tracking_code: String,
    pub business_id: i64,
    pub reference: String,
    pub platform: String,
    pub courier: String,
    pub status: &'static str,
    pub status_name: &'static str,
    pub created: String,
    pub units: i64,
}

impl ShipmentRow {
    pub fn new(s: &Shipment, lang: Lang) -> ShipmentRow {
        ShipmentRow {
            tracking_code: s.tracking_code(),
            business_id: s.business_id,
            reference: s.merchant_tracking_code_reference.clone(),
            platform: s.platform.clone(),
            courier: s.courier_name.clone().unwrap_or_default(),
            status: s.status.label(lang),
            status_name: s.status.name(),
            created: depot_web::time_fmt::datetime(s.created_time),
            units: s
                .lines
                .iter()
                .fold(0i64, |a, l| a.saturating_add(l.open_quantity())),
        }
    }
}

/// The message of a refused step, in the page's language.
pub fn refusal(e: &ApiError, op: &ConsoleOperator) -> String {
    let lang = op.ctx.lang;
    let mut message = e.localized_message(lang);
    // Field-level detail ("tracking_codes: must name at least one…") says which input.
    if let Some(detail) = e.detail.as_deref().and_then(|d| d.as_object()) {
        for (field, v) in detail {
            if let Some(list) = v.as_array() {
                for m in list.iter().filter_map(|m| m.as_str()) {
                    message.push_str(&format!(" — {field}: {m}"));
                }
            }
        }
    }
    message
}
