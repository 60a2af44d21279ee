//! `/portal/shipments` (SPEC §10, `OMS_USER` only): the list with status tabs, every API
//! filter plus a search box and keyset paging; bulk cancel of chosen rows; the detail with its
//! timeline and its cancel (full or by lines) and intercept actions; create by form.
//!
//! Every read and every action is the merchant API's own command
//! (`depot_api::merchant::shipments::{load_list, create, cancel, cancel_many}`,
//! `depot_api::merchant::intercept::intercept`), called with the signed-in business, so
//! validation, tenancy (another business's shipment is 404) and effects are the API's.

use crate::auth::OmsUser;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query as UrlQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::envelope::Query;
use depot_api::error::ApiError;
use depot_api::merchant::intercept::{self as intercept_api, InterceptRequest};
use depot_api::merchant::media as media_api;
use depot_api::merchant::shipments::{
    self as api, BulkCancelRequest, CancelRequest, CreateShipment, LineRequest, ShipmentQuery,
    PLATFORMS,
};
use depot_api::paging::Paging;
use depot_api::AppState;
use depot_domain::cancel::CancelReason;
use depot_domain::intercept::{interceptable, InterceptStatus};
use depot_domain::money;
use depot_domain::status::ShipmentStatus;
use depot_domain::{ErrorCode, Lang};
use depot_store::list::TimeRange;
use depot_store::shipments::Shipment;
use depot_web::time_fmt::{datetime, day_start};
use depot_web::{render, render_with_status, texts, Flash, Form, PageCtx, PageError, PageResult};
use serde::Deserialize;
use serde_json::{json, Value};

/// Rows per list page.
pub const PAGE_SIZE: i64 = 50;
const SECONDS_PER_DAY: i64 = 86_400;

texts! {
    pub struct ShipmentTexts {
        title: "Vận đơn", "Shipments";
        intro: "Vận đơn B2C của doanh nghiệp: lọc, tìm, hủy hoặc yêu cầu chặn giao.", "Your B2C shipments: filter, search, cancel or ask for a parcel back.";
        new_shipment: "Tạo vận đơn", "New shipment";
        import: "Nhập từ CSV", "Import CSV";
        tabs: "Lọc theo trạng thái", "Filter by status";
        tab_all: "Tất cả", "All";
        tab_intercept: "Đã yêu cầu chặn giao", "Intercept requested";
        search: "Tìm kiếm", "Search";
        search_label: "Mã vận đơn, mã tham chiếu hoặc mã vận chuyển", "Tracking code, merchant reference or courier code";
        search_button: "Tìm", "Search";
        more_filters: "Bộ lọc khác", "More filters";
        warehouse: "Kho", "Warehouse";
        platform: "Sàn", "Platform";
        tracking_code: "Mã vận đơn", "Tracking code";
        reference: "Mã tham chiếu", "Merchant reference";
        courier_code: "Mã vận chuyển", "Courier code";
        courier_name: "Đơn vị vận chuyển", "Courier";
        intercept: "Chặn giao", "Intercept";
        created_from: "Tạo từ ngày", "Created from";
        created_to: "Tạo đến ngày", "Created to";
        updated_from: "Cập nhật từ ngày", "Updated from";
        updated_to: "Cập nhật đến ngày", "Updated to";
        apply: "Áp dụng", "Apply";
        clear: "Xóa bộ lọc", "Clear filters";
        total: "Tổng số", "Total";
        select: "Chọn", "Select";
        select_row: "Chọn vận đơn", "Select shipment";
        no_shipments: "Chưa có vận đơn nào", "No shipments yet";
        no_shipments_body: "Tạo vận đơn bằng biểu mẫu, nhập từ CSV hoặc gửi qua API.", "Create one with the form, import a CSV, or send them through the API.";
        no_match: "Không có vận đơn nào khớp bộ lọc", "No shipment matches these filters";
        bad_filter: "Bộ lọc không hợp lệ", "A filter is not valid";
        next_page: "Trang sau", "Next page";
        first_page: "Trang đầu", "First page";
        bulk_title: "Hủy các vận đơn đã chọn", "Cancel the selected shipments";
        bulk_cancel: "Hủy vận đơn đã chọn", "Cancel selected shipments";
        bulk_hint: "Mỗi vận đơn được hủy hoặc từ chối riêng; tối đa 100 vận đơn một lần.", "Each shipment is cancelled or refused on its own; at most 100 at once.";
        bulk_none: "Hãy chọn ít nhất một vận đơn.", "Select at least one shipment.";
        bulk_results: "Kết quả hủy hàng loạt", "Bulk cancel results";
        result: "Kết quả", "Result";
        cancelled_ok: "Đã hủy", "Cancelled";
        refused: "Bị từ chối", "Refused";
        reason: "Lý do", "Reason";
        reason_note: "Ghi chú lý do", "Reason note";
        created: "Tạo lúc", "Created";
        updated: "Cập nhật", "Updated";
        back: "Danh sách vận đơn", "All shipments";
        details: "Thông tin", "Details";
        package_id: "Mã kiện", "Package";
        cod: "Tiền thu hộ (COD)", "Cash on delivery";
        note: "Ghi chú", "Note";
        receiver: "Người nhận", "Receiver";
        label_url: "Nhãn vận chuyển", "Shipping label";
        supersedes: "Thay cho vận đơn", "Replaces";
        superseded_by: "Được thay bằng", "Replaced by";
        cancel_reason: "Lý do hủy", "Cancel reason";
        lines: "Sản phẩm", "Items";
        oasin: "OASIN", "OASIN";
        sku: "SKU", "SKU";
        quantity: "Số lượng", "Quantity";
        cancelled_quantity: "Đã hủy", "Cancelled";
        open_quantity: "Còn lại", "Remaining";
        to_cancel: "Số lượng hủy", "Quantity to cancel";
        cancel_title: "Hủy vận đơn", "Cancel shipment";
        cancel_hint: "Hủy toàn bộ, hoặc nhập số lượng cần hủy của từng dòng: phần còn lại chuyển sang vận đơn mới.", "Cancel it all, or enter the quantity to cancel on each line: what remains moves to a new shipment.";
        cancel_full: "Hủy vận đơn", "Cancel shipment";
        cancel_lines: "Hủy số lượng đã chọn", "Cancel chosen quantities";
        confirm_cancel: "Hủy vận đơn này? Không thể hoàn tác.", "Cancel this shipment? This cannot be undone.";
        no_lines: "Hãy nhập số lượng cần hủy ở ít nhất một dòng.", "Enter a quantity to cancel on at least one line.";
        bad_quantity: "Số lượng phải là số nguyên", "Quantities must be whole numbers";
        cancel_done: "Đã hủy vận đơn.", "Shipment cancelled.";
        partial_done: "Đã hủy số lượng đã chọn; phần còn lại ở vận đơn", "The chosen quantities are cancelled; the rest is on shipment";
        intercept_title: "Yêu cầu chặn giao", "Intercept request";
        intercept_hint: "Đơn vị vận chuyển đang giữ kiện hàng: yêu cầu họ chuyển hoàn về kho.", "The carrier holds the parcel: ask for it to be brought back to the warehouse.";
        intercept_button: "Yêu cầu chặn giao", "Request intercept";
        intercept_done: "Đã gửi yêu cầu chặn giao.", "Intercept requested.";
        intercept_status: "Trạng thái chặn giao", "Intercept status";
        not_cancellable: "Vận đơn không thể hủy ở trạng thái này.", "This shipment can no longer be cancelled.";
        timeline: "Lịch sử", "Timeline";
        by: "bởi", "by";
        webhook: "Webhook", "Webhook";
        media: "Video / ảnh", "Video / photo";
        watch: "Xem", "Watch";
        intercept_requested: "Yêu cầu chặn giao", "Intercept requested";
        intercept_resolved: "Kết quả chặn giao", "Intercept answered";
        no_timeline: "Chưa có sự kiện nào.", "Nothing has happened yet.";
        form_title: "Tạo vận đơn", "New shipment";
        form_intro: "Cùng kiểm tra như API: kho, sản phẩm và mã tham chiếu phải hợp lệ.", "Checked exactly as the API checks it: the warehouse, the products and the reference must be valid.";
        choose: "Chọn…", "Choose…";
        items_hint: "Mỗi dòng một sản phẩm (OASIN) và số lượng; để trống các dòng không dùng.", "One product (OASIN) and quantity per line; leave unused lines empty.";
        receiver_hint: "Bắt buộc với sàn retail.", "Required for the retail platform.";
        name: "Họ tên", "Name";
        phone: "Điện thoại", "Phone";
        address: "Địa chỉ", "Address";
        province: "Mã tỉnh/thành", "Province code";
        district: "Mã quận/huyện", "District code";
        ward: "Mã phường/xã", "Ward code";
        create: "Tạo vận đơn", "Create shipment";
        created_done: "Đã tạo vận đơn", "Shipment created:";
        line: "Dòng", "Line";
        optional: "không bắt buộc", "optional";
    }
}

/// The reason choices of a cancel or an intercept (SPEC §3.6): the code the API takes, with
/// a label.
pub fn reason_label(r: CancelReason, lang: Lang) -> &'static str {
    let (vi, en) = match r {
        CancelReason::StockOut => ("Hết hàng", "Out of stock"),
        CancelReason::DefectiveProduct => ("Sản phẩm lỗi", "Defective product"),
        CancelReason::IncorrectPrice => ("Sai giá", "Incorrect price"),
        CancelReason::IncorrectListing => ("Sai thông tin sản phẩm", "Incorrect listing"),
        CancelReason::IntegrationProblem => ("Lỗi tích hợp", "Integration problem"),
        CancelReason::BulkPurchase => ("Mua số lượng lớn", "Bulk purchase"),
        CancelReason::ForceMajeure => ("Bất khả kháng", "Force majeure"),
        CancelReason::CustomerRequest => ("Khách hàng yêu cầu", "Customer request"),
        CancelReason::MarketplaceCancelled => ("Sàn hủy đơn", "Cancelled by the marketplace"),
        CancelReason::Other => ("Lý do khác", "Other"),
    };
    lang.pick(vi, en)
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn reason_choices(lang: Lang) -> Vec<Choice> {
    CancelReason::ALL
        .iter()
        .map(|r| Choice {
            value: r.code().to_string(),
            label: reason_label(*r, lang).to_string(),
            selected: *r == CancelReason::Other,
        })
        .collect()
}

/// The badge colour of a status.
pub fn status_badge(s: ShipmentStatus) -> &'static str {
    use ShipmentStatus::*;
    match s {
        New | Allocated | Picked | Packed | WaitingHandover => "badge-info",
        OutOfStock | DeliveryFailed | Returning => "badge-warn",
        Handover | InTransit | OutForDelivery => "badge-brand",
        Delivered => "badge-ok",
        ReturnedToSender => "badge-muted",
        Cancelled | CancelledAfterPacked => "badge-danger",
    }
}

fn intercept_badge(s: InterceptStatus) -> &'static str {
    match s {
        InterceptStatus::Requested => "badge-warn",
        InterceptStatus::Confirmed => "badge-ok",
        InterceptStatus::Failed => "badge-danger",
    }
}

/// `error_detail` as lines: `items[0].oasin: is required`.
pub fn details(e: &ApiError) -> Vec<String> {
    let Some(detail) = e.detail.as_deref() else {
        return Vec::new();
    };
    let Some(map) = detail.as_object() else {
        return Vec::new();
    };
    map.iter()
        .flat_map(|(field, messages)| match messages {
            Value::Array(list) => list
                .iter()
                .map(|m| match m {
                    Value::String(s) => format!("{field}: {s}"),
                    other => format!("{field}: {other}"),
                })
                .collect::<Vec<_>>(),
            Value::Object(_) if field == "status_info" => messages
                .get("label")
                .and_then(Value::as_str)
                .map(|l| vec![l.to_string()])
                .unwrap_or_default(),
            Value::Bool(_) => Vec::new(),
            other => vec![format!("{field}: {other}")],
        })
        .collect()
}

/// An error as one line: its message and its details.
pub fn error_text(e: &ApiError, lang: Lang) -> String {
    let details = details(e);
    if details.is_empty() {
        e.localized_message(lang)
    } else {
        format!("{} — {}", e.localized_message(lang), details.join("; "))
    }
}

// ---------------------------------------------------------------- the list

/// The list's query string: the API's filters by their API names, the search box, the
/// page's date inputs and the cursor. Read as text so a bad value is shown, not a 400.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub warehouse_code: Option<String>,
    pub platform: Option<String>,
    pub tracking_code: Option<String>,
    pub merchant_tracking_code_reference: Option<String>,
    pub courier_tracking_code: Option<String>,
    pub intercept_status: Option<String>,
    pub created_time_from: Option<String>,
    pub created_time_to: Option<String>,
    pub updated_time_from: Option<String>,
    pub updated_time_to: Option<String>,
    /// Days (`yyyy-mm-dd`, Vietnam time) from the page's date inputs.
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub q: Option<String>,
    /// The API's paging: rows per page (default 50) and the keyset cursor.
    pub page_size: Option<String>,
    pub cursor: Option<String>,
}

fn blank(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl ListQuery {
    /// The query string of these filters (without the cursor), in a stable order.
    pub fn filters(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("status", &self.status),
            ("intercept_status", &self.intercept_status),
            ("warehouse_code", &self.warehouse_code),
            ("platform", &self.platform),
            ("tracking_code", &self.tracking_code),
            (
                "merchant_tracking_code_reference",
                &self.merchant_tracking_code_reference,
            ),
            ("courier_tracking_code", &self.courier_tracking_code),
            ("created_from", &self.created_from),
            ("created_to", &self.created_to),
            ("created_time_from", &self.created_time_from),
            ("created_time_to", &self.created_time_to),
            ("updated_time_from", &self.updated_time_from),
            ("updated_time_to", &self.updated_time_to),
            ("page_size", &self.page_size),
        ] {
            if let Some(v) = blank(v) {
                pairs.push((k, v));
            }
        }
        pairs
    }

    pub fn query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.filters() {
            s.append_pair(k, &v);
        }
        s.finish()
    }

    /// The time filters: the API's Unix seconds, or the page's days.
    fn times(&self) -> Result<TimeRange, ApiError> {
        let secs = |name: &str, v: &Option<String>| -> Result<Option<i64>, ApiError> {
            match blank(v) {
                None => Ok(None),
                Some(t) => t
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| ApiError::invalid_field(name, "must be Unix seconds")),
            }
        };
        let day = |name: &str, v: &Option<String>, end: bool| -> Result<Option<i64>, ApiError> {
            match blank(v) {
                None => Ok(None),
                Some(t) => match day_start(&t) {
                    Some(start) if end => Ok(start.checked_add(SECONDS_PER_DAY - 1)),
                    Some(start) => Ok(Some(start)),
                    None => Err(ApiError::invalid_field(name, "must be a date")),
                },
            }
        };
        Ok(TimeRange {
            created_time_from: match day("created_from", &self.created_from, false)? {
                Some(t) => Some(t),
                None => secs("created_time_from", &self.created_time_from)?,
            },
            created_time_to: match day("created_to", &self.created_to, true)? {
                Some(t) => Some(t),
                None => secs("created_time_to", &self.created_time_to)?,
            },
            updated_time_from: secs("updated_time_from", &self.updated_time_from)?,
            updated_time_to: secs("updated_time_to", &self.updated_time_to)?,
        })
    }
}

pub struct Tab {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
    pub count: Option<i64>,
}

pub struct Row {
    pub code: String,
    pub href: String,
    pub reference: String,
    pub courier: String,
    pub platform: String,
    pub warehouse: String,
    pub status: i64,
    pub status_label: &'static str,
    pub badge: &'static str,
    pub intercept: Option<(&'static str, &'static str)>,
    pub created: String,
    pub cancellable: bool,
}

fn row(s: &Shipment, lang: Lang, back: &str) -> Row {
    let code = s.tracking_code();
    Row {
        href: if back.is_empty() {
            format!("/portal/shipments/{code}")
        } else {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("back", back);
            format!("/portal/shipments/{code}?{}", q.finish())
        },
        code,
        reference: s.merchant_tracking_code_reference.clone(),
        courier: s.courier_tracking_code.clone().unwrap_or_default(),
        platform: s.platform.clone(),
        warehouse: s.warehouse_code.clone(),
        status: s.status.value(),
        status_label: s.status.label(lang),
        badge: status_badge(s.status),
        intercept: s
            .intercept
            .as_ref()
            .map(|i| (i.status.as_str(), intercept_badge(i.status))),
        created: datetime(s.created_time),
        cancellable: !s.status.is_cancelled() && !s.status.is_handed_over(),
    }
}

/// One bulk cancel result.
pub struct BulkRow {
    pub code: String,
    pub success: bool,
    pub status_label: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "shipments.html")]
struct ListPage {
    ctx: PageCtx,
    t: &'static ShipmentTexts,
    tabs: Vec<Tab>,
    q: ListQuery,
    statuses: Vec<Choice>,
    platforms: Vec<Choice>,
    intercepts: Vec<Choice>,
    warehouses: Vec<Choice>,
    advanced_open: bool,
    filtered: bool,
    error: Option<String>,
    rows: Vec<Row>,
    total: i64,
    next: Option<String>,
    first: Option<String>,
    reasons: Vec<Choice>,
    results: Vec<BulkRow>,
    bulk_error: Option<String>,
}

fn choices(values: &[(String, String)], selected: Option<&str>) -> Vec<Choice> {
    values
        .iter()
        .map(|(value, label)| Choice {
            value: value.clone(),
            label: label.clone(),
            selected: selected.is_some_and(|s| s.eq_ignore_ascii_case(value)),
        })
        .collect()
}

async fn list_page(
    state: &AppState,
    user: OmsUser,
    q: ListQuery,
    results: Vec<BulkRow>,
    bulk_error: Option<String>,
) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = ShipmentTexts::get(lang);
    let business_id = user.business.business_id;
    let mut error = None;
    let times = match q.times() {
        Ok(times) => times,
        Err(e) => {
            error = Some(error_text(&e, lang));
            TimeRange::default()
        }
    };
    let query = ShipmentQuery {
        status: blank(&q.status),
        warehouse_code: blank(&q.warehouse_code),
        platform: blank(&q.platform),
        tracking_code: blank(&q.tracking_code),
        merchant_tracking_code_reference: blank(&q.merchant_tracking_code_reference),
        courier_tracking_code: blank(&q.courier_tracking_code),
        intercept_status: blank(&q.intercept_status),
    };
    let paging = Paging {
        page: None,
        page_size: Some(blank(&q.page_size).unwrap_or_else(|| PAGE_SIZE.to_string())),
        cursor: blank(&q.cursor),
    };
    let found = if error.is_some() {
        None
    } else {
        match api::load_list(state, business_id, query, blank(&q.q), times, &paging).await {
            Ok(found) => Some(found),
            Err(e) if e.code == ErrorCode::InvalidPayload => {
                error = Some(error_text(&e, lang));
                None
            }
            Err(e) => return Err(e.into()),
        }
    };
    let filters = q.query_string();
    let list_url = |extra: &str| -> String {
        match (filters.is_empty(), extra.is_empty()) {
            (true, true) => "/portal/shipments".to_string(),
            (true, false) => format!("/portal/shipments?{extra}"),
            (false, true) => format!("/portal/shipments?{filters}"),
            (false, false) => format!("/portal/shipments?{filters}&{extra}"),
        }
    };
    let (rows, total, next) = match found {
        Some(found) => {
            let next = found.next.map(|c| {
                let mut s = form_urlencoded::Serializer::new(String::new());
                s.append_pair("cursor", &c.encode());
                list_url(&s.finish())
            });
            let rows = found.items.iter().map(|s| row(s, lang, &filters)).collect();
            (rows, found.total, next)
        }
        None => (Vec::new(), 0, None),
    };
    let first = blank(&q.cursor).map(|_| list_url(""));

    // Tabs: a status (or the intercept filter) each, with the per-status counts the store
    // keeps (a few rows, whatever the number of shipments).
    let totals = state.db.shipment_status_totals(business_id).await?;
    let count_of = |s: ShipmentStatus| {
        totals
            .iter()
            .find(|(v, _)| *v == s.value())
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let only_tab = q.filters().iter().all(|(k, _)| *k == "status")
        || q.filters().iter().all(|(k, _)| *k == "intercept_status");
    let status_now = blank(&q.status).and_then(|s| ShipmentStatus::parse(&s));
    let intercept_now = blank(&q.intercept_status).and_then(|s| InterceptStatus::parse(&s));
    let mut tabs = vec![Tab {
        label: t.tab_all,
        href: "/portal/shipments".into(),
        current: q.filters().is_empty(),
        count: Some(totals.iter().map(|(_, n)| n).sum()),
    }];
    for s in [
        ShipmentStatus::OutOfStock,
        ShipmentStatus::New,
        ShipmentStatus::Allocated,
        ShipmentStatus::Packed,
        ShipmentStatus::Handover,
        ShipmentStatus::InTransit,
        ShipmentStatus::Delivered,
        ShipmentStatus::Cancelled,
    ] {
        tabs.push(Tab {
            label: s.label(lang),
            href: format!("/portal/shipments?status={}", s.name()),
            current: only_tab && status_now == Some(s) && intercept_now.is_none(),
            count: Some(count_of(s)),
        });
    }
    tabs.push(Tab {
        label: t.tab_intercept,
        href: "/portal/shipments?intercept_status=REQUESTED".into(),
        current: only_tab
            && intercept_now == Some(InterceptStatus::Requested)
            && status_now.is_none(),
        count: None,
    });

    let statuses: Vec<(String, String)> = ShipmentStatus::ALL
        .iter()
        .map(|s| (s.name().to_string(), s.label(lang).to_string()))
        .collect();
    let platforms: Vec<(String, String)> = PLATFORMS
        .iter()
        .map(|p| (p.to_string(), p.to_string()))
        .collect();
    let intercepts: Vec<(String, String)> = InterceptStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.as_str().to_string()))
        .collect();
    let warehouses: Vec<(String, String)> = state
        .db
        .warehouses()
        .await?
        .into_iter()
        .map(|w| (w.warehouse_code.clone(), w.warehouse_code))
        .collect();
    let advanced_open = q
        .filters()
        .iter()
        .any(|(k, _)| !matches!(*k, "q" | "status" | "intercept_status" | "page_size"));
    let page = ListPage {
        t,
        tabs,
        statuses: choices(&statuses, blank(&q.status).as_deref()),
        platforms: choices(&platforms, blank(&q.platform).as_deref()),
        intercepts: choices(&intercepts, blank(&q.intercept_status).as_deref()),
        warehouses: choices(&warehouses, blank(&q.warehouse_code).as_deref()),
        advanced_open,
        filtered: !q.filters().is_empty(),
        error,
        rows,
        total,
        next,
        first,
        reasons: reason_choices(lang),
        results,
        bulk_error,
        q,
        ctx: user.ctx,
    };
    Ok(render(&page))
}

pub async fn index(
    State(state): State<AppState>,
    user: OmsUser,
    UrlQuery(q): UrlQuery<ListQuery>,
) -> PageResult {
    list_page(&state, user, q, Vec::new(), None).await
}

/// The bulk cancel form: `tracking_codes` (repeated, the checked rows), `reason_code`,
/// `reason_note`, and the list's filters (`back`) to show the list again.
pub async fn bulk_cancel(
    State(state): State<AppState>,
    user: OmsUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let lang = user.0.ctx.lang;
    let t = ShipmentTexts::get(lang);
    let mut codes = Vec::new();
    let (mut reason_code, mut reason_note, mut back) = (None, None, String::new());
    for (k, v) in pairs {
        match k.as_str() {
            "tracking_codes" => codes.push(v),
            "reason_code" => reason_code = Some(v),
            "reason_note" => reason_note = Some(v).filter(|n| !n.trim().is_empty()),
            "back" => back = v,
            _ => {}
        }
    }
    let q: ListQuery = serde_urlencoded::from_str(&back).unwrap_or_default();
    if codes.is_empty() {
        return list_page(&state, user, q, Vec::new(), Some(t.bulk_none.into())).await;
    }
    let body = BulkCancelRequest {
        tracking_codes: codes,
        reason_code,
        reason_note,
    };
    let business_id = user.0.business.business_id;
    let actor = user.0.actor();
    match api::cancel_many(&state, business_id, body, &actor, lang).await {
        Ok(items) => {
            let results = items
                .iter()
                .map(|r| {
                    let success = r["success"].as_bool().unwrap_or(false);
                    BulkRow {
                        code: r["tracking_code"].as_str().unwrap_or_default().to_string(),
                        success,
                        status_label: r["status_info"]["label"]
                            .as_str()
                            .unwrap_or("—")
                            .to_string(),
                        message: if success {
                            String::new()
                        } else {
                            r["messages"].as_str().unwrap_or_default().to_string()
                        },
                    }
                })
                .collect();
            list_page(&state, user, q, results, None).await
        }
        Err(e) if e.code == ErrorCode::InvalidPayload => {
            let message = error_text(&e, lang);
            list_page(&state, user, q, Vec::new(), Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- the detail

pub struct LineRow {
    pub line_id: i64,
    pub oasin: String,
    pub sku: String,
    pub quantity: i64,
    pub cancelled: i64,
    pub open: i64,
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

/// One entry of the timeline, newest first.
pub struct Moment {
    pub time: i64,
    pub when: String,
    /// `status`, `intercept`, `webhook` or `media`.
    pub kind: &'static str,
    pub title: String,
    pub badge: &'static str,
    pub detail: String,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "shipment.html")]
struct DetailPage {
    ctx: PageCtx,
    t: &'static ShipmentTexts,
    code: String,
    back: String,
    reference: String,
    status_label: &'static str,
    status_name: &'static str,
    badge: &'static str,
    intercept: Option<(&'static str, &'static str)>,
    facts: Vec<Fact>,
    lines: Vec<LineRow>,
    cancellable: bool,
    can_intercept: bool,
    reasons: Vec<Choice>,
    timeline: Vec<Moment>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    pub back: Option<String>,
}

/// A list query string to go back to; anything else is dropped (it is put after a fixed path).
fn back_link(back: Option<&str>) -> String {
    match back.map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => {
            let q: ListQuery = serde_urlencoded::from_str(b).unwrap_or_default();
            let s = q.query_string();
            if s.is_empty() {
                "/portal/shipments".into()
            } else {
                format!("/portal/shipments?{s}")
            }
        }
        None => "/portal/shipments".into(),
    }
}

async fn load(state: &AppState, business_id: i64, code: &str) -> PageResult<Shipment> {
    // Another business's shipment is as missing as one that never existed (the API's rule).
    state
        .db
        .shipment(business_id, code)
        .await?
        .ok_or(PageError::NotFound)
}

async fn detail_page(
    state: &AppState,
    user: OmsUser,
    code: &str,
    back: String,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = ShipmentTexts::get(lang);
    let business_id = user.business.business_id;
    let s = load(state, business_id, code).await?;
    let code = s.tracking_code();
    let mut facts = vec![
        Fact {
            label: t.warehouse,
            value: s.warehouse_code.clone(),
            href: None,
        },
        Fact {
            label: t.platform,
            value: s.platform.clone(),
            href: None,
        },
        Fact {
            label: t.package_id,
            value: s.id.to_string(),
            href: None,
        },
    ];
    let mut push = |label: &'static str, value: Option<String>, href: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            facts.push(Fact { label, value, href });
        }
    };
    push(t.courier_name, s.courier_name.clone(), None);
    push(t.courier_code, s.courier_tracking_code.clone(), None);
    push(
        t.label_url,
        s.shipping_label_url.clone(),
        s.shipping_label_url
            .clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
    );
    push(t.cod, s.cod_amount_minor.map(money::format_minor), None);
    push(t.created, Some(datetime(s.created_time)), None);
    push(t.updated, Some(datetime(s.updated_time)), None);
    if let Some(r) = s.receiver.as_ref() {
        let part = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
        push(
            t.receiver,
            Some(format!(
                "{} · {} · {} ({}/{}/{})",
                part("name"),
                part("phone"),
                part("address"),
                part("province_code"),
                part("district_code"),
                part("ward_code")
            )),
            None,
        );
    }
    push(t.note, s.note.clone(), None);
    if let Some(c) = s.cancel_reason_code.as_deref() {
        let label = CancelReason::from_code(c)
            .map(|r| reason_label(r, lang))
            .unwrap_or(c);
        let note = s.cancel_reason_note.clone().unwrap_or_default();
        push(
            t.cancel_reason,
            Some(if note.is_empty() {
                label.to_string()
            } else {
                format!("{label} — {note}")
            }),
            None,
        );
    }
    for (label, id) in [
        (t.supersedes, s.supersedes_id),
        (t.superseded_by, s.superseded_by_id),
    ] {
        if let Some(id) = id {
            let other = depot_domain::codes::CodeKind::Shipment.format(id);
            push(
                label,
                Some(other.clone()),
                Some(format!("/portal/shipments/{other}")),
            );
        }
    }

    let lines = s
        .lines
        .iter()
        .map(|l| LineRow {
            line_id: l.line_id,
            oasin: l.oasin(),
            sku: l.sku.clone(),
            quantity: l.product_quantity,
            cancelled: l.cancelled_quantity,
            open: l.open_quantity(),
        })
        .collect();

    // The timeline: history, the intercept, webhook deliveries of its events, media.
    let mut timeline: Vec<Moment> = s
        .history
        .iter()
        .map(|h| Moment {
            time: h.created_time,
            when: datetime(h.created_time),
            kind: "status",
            title: h.status.label(lang).to_string(),
            badge: status_badge(h.status),
            detail: match &h.note {
                Some(n) if !n.is_empty() => format!("{} {} · {n}", t.by, h.actor),
                _ => format!("{} {}", t.by, h.actor),
            },
            href: None,
        })
        .collect();
    if let Some(i) = s.intercept.as_ref() {
        let reason = CancelReason::from_code(&i.reason_code)
            .map(|r| reason_label(r, lang))
            .unwrap_or(&i.reason_code);
        timeline.push(Moment {
            time: i.requested_time,
            when: datetime(i.requested_time),
            kind: "intercept",
            title: t.intercept_requested.to_string(),
            badge: "badge-warn",
            detail: format!(
                "{reason}{} · {} {}",
                i.reason_note
                    .as_deref()
                    .map(|n| format!(" — {n}"))
                    .unwrap_or_default(),
                t.by,
                i.requested_by
            ),
            href: None,
        });
        if let Some(resolved) = i.resolved_time {
            timeline.push(Moment {
                time: resolved,
                when: datetime(resolved),
                kind: "intercept",
                title: format!("{}: {}", t.intercept_resolved, i.status.as_str()),
                badge: intercept_badge(i.status),
                detail: i.note.clone().unwrap_or_default(),
                href: None,
            });
        }
    }
    let deliveries = state
        .db
        .shipment_deliveries(business_id, &code, s.created_time, 50)
        .await?;
    for d in deliveries {
        let time = d.last_attempt_time.unwrap_or(d.created_time);
        timeline.push(Moment {
            time,
            when: datetime(time),
            kind: "webhook",
            title: format!("{} {}", t.webhook, d.event_code),
            badge: match d.status {
                depot_store::webhooks::DeliveryStatus::Pending => "badge-warn",
                depot_store::webhooks::DeliveryStatus::Succeeded => "badge-ok",
                depot_store::webhooks::DeliveryStatus::Failed => "badge-danger",
            },
            detail: format!(
                "{} · HTTP {} · #{}",
                d.status.as_str(),
                d.last_http_status
                    .map(|h| h.to_string())
                    .unwrap_or_else(|| "—".into()),
                d.attempt_count
            ),
            href: Some(format!("/portal/webhooks/{}", d.webhook_id)),
        });
    }
    let uri: axum::http::Uri = format!("/api/v1/shipments/{code}/media")
        .parse()
        .map_err(|_| PageError::Internal)?;
    let media = media_api::shipment_media(
        user.merchant(),
        State(state.clone()),
        OriginalUri(uri),
        Path(code.clone()),
        Query(Paging {
            page: None,
            page_size: Some("50".into()),
            cursor: None,
        }),
    )
    .await?;
    for m in media.items {
        timeline.push(Moment {
            time: m.created_time,
            when: datetime(m.created_time),
            kind: "media",
            title: format!("{} {}", t.media, m.kind),
            badge: "badge-muted",
            detail: format!(
                "{}{}",
                m.file_name,
                m.station
                    .as_deref()
                    .map(|s| format!(" · {s}"))
                    .unwrap_or_default()
            ),
            href: Some(m.url),
        });
    }
    timeline.sort_by_key(|m| std::cmp::Reverse(m.time));

    let cancellable = !s.status.is_cancelled() && !s.status.is_handed_over();
    let open_intercept = s
        .intercept
        .as_ref()
        .is_some_and(|i| i.status != InterceptStatus::Failed);
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    let page = DetailPage {
        t,
        back,
        reference: s.merchant_tracking_code_reference.clone(),
        status_label: s.status.label(lang),
        status_name: s.status.name(),
        badge: status_badge(s.status),
        intercept: s
            .intercept
            .as_ref()
            .map(|i| (i.status.as_str(), intercept_badge(i.status))),
        facts,
        lines,
        cancellable,
        can_intercept: interceptable(s.status) && !open_intercept,
        reasons: reason_choices(lang),
        timeline,
        error,
        code,
        ctx: user.ctx,
    };
    Ok(render_with_status(status, &page))
}

pub async fn show(
    State(state): State<AppState>,
    user: OmsUser,
    Path(code): Path<String>,
    UrlQuery(q): UrlQuery<DetailQuery>,
) -> PageResult {
    detail_page(&state, user, &code, back_link(q.back.as_deref()), None).await
}

/// The cancel form: `mode` (`full` or `lines`), `reason_code`, `reason_note`, and for a
/// partial cancel `qty_<line_id>` per line (empty or 0: keep the line).
pub async fn cancel(
    State(state): State<AppState>,
    user: OmsUser,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let lang = user.0.ctx.lang;
    let t = ShipmentTexts::get(lang);
    let business_id = user.0.business.business_id;
    // The page of a shipment that is not the business's is 404 before any form is read.
    load(&state, business_id, &code).await?;
    let (mut mode, mut reason_code, mut reason_note) = (String::new(), None, None);
    let mut lines = Vec::new();
    let mut bad_quantity = false;
    for (k, v) in pairs {
        match k.as_str() {
            "mode" => mode = v,
            "reason_code" => reason_code = Some(v),
            "reason_note" => reason_note = Some(v).filter(|n| !n.trim().is_empty()),
            _ => {
                if let Some(line_id) = k.strip_prefix("qty_").and_then(|l| l.parse::<i64>().ok()) {
                    match v.trim() {
                        "" | "0" => {}
                        text => match text.parse::<i64>() {
                            Ok(quantity) => lines.push(LineRequest {
                                line_id: Some(line_id),
                                oasin: None,
                                quantity,
                            }),
                            Err(_) => bad_quantity = true,
                        },
                    }
                }
            }
        }
    }
    let partial = mode == "lines";
    if partial && bad_quantity {
        return refuse(&state, user, &code, t.bad_quantity.into()).await;
    }
    if partial && lines.is_empty() {
        return refuse(&state, user, &code, t.no_lines.into()).await;
    }
    let body = CancelRequest {
        reason_code,
        reason_note,
        lines: if partial { lines } else { Vec::new() },
    };
    let actor = user.0.actor();
    match api::cancel(&state, business_id, &code, body, &actor, lang).await {
        Ok(reply) => {
            let message = match reply["successor_tracking_code"].as_str() {
                Some(successor) => format!("{} {successor}.", t.partial_done),
                None => t.cancel_done.to_string(),
            };
            user.0.session.flash(Flash::success(message)).await?;
            Ok(Redirect::to(&format!("/portal/shipments/{code}")).into_response())
        }
        Err(e) if e.code == ErrorCode::ShipmentNotFound => Err(PageError::NotFound),
        Err(e) => refuse(&state, user, &code, error_text(&e, lang)).await,
    }
}

/// The detail again with why an action was refused (422).
async fn refuse(state: &AppState, user: OmsUser, code: &str, message: String) -> PageResult {
    detail_page(
        state,
        user,
        code,
        "/portal/shipments".into(),
        Some((StatusCode::UNPROCESSABLE_ENTITY, message)),
    )
    .await
}

/// The intercept form: `reason_code`, `reason_note`.
pub async fn intercept(
    State(state): State<AppState>,
    user: OmsUser,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let lang = user.0.ctx.lang;
    let t = ShipmentTexts::get(lang);
    let business_id = user.0.business.business_id;
    load(&state, business_id, &code).await?;
    let mut body = InterceptRequest::default();
    for (k, v) in pairs {
        match k.as_str() {
            "reason_code" => body.reason_code = Some(v),
            "reason_note" => body.reason_note = Some(v).filter(|n| !n.trim().is_empty()),
            _ => {}
        }
    }
    let actor = user.0.actor();
    match intercept_api::intercept(&state, business_id, &code, body, &actor, lang).await {
        Ok(_) => {
            user.0
                .session
                .flash(Flash::success(t.intercept_done))
                .await?;
            Ok(Redirect::to(&format!("/portal/shipments/{code}")).into_response())
        }
        Err(e) if e.code == ErrorCode::ShipmentNotFound => Err(PageError::NotFound),
        Err(e) => refuse(&state, user, &code, error_text(&e, lang)).await,
    }
}

// ---------------------------------------------------------------- create by form

/// Item lines on the form.
const FORM_LINES: usize = 5;

#[derive(Debug, Default, Clone)]
pub struct ItemField {
    pub n: usize,
    pub oasin: String,
    pub quantity: String,
}

#[derive(Template)]
#[template(path = "shipment_new.html")]
struct NewPage {
    ctx: PageCtx,
    t: &'static ShipmentTexts,
    warehouses: Vec<Choice>,
    platforms: Vec<Choice>,
    items: Vec<ItemField>,
    v: std::collections::HashMap<String, String>,
    error: Option<String>,
    details: Vec<String>,
}

impl NewPage {
    fn val(&self, name: &str) -> &str {
        self.v.get(name).map(String::as_str).unwrap_or("")
    }
}

/// A create request from text fields named as the API's body (`receiver.name` for the
/// receiver's, `cod_amount` a number), read by the API's own JSON reader so every check and
/// every message is the API's.
pub fn create_body(
    fields: &std::collections::HashMap<String, String>,
    items: &[(String, String)],
) -> Result<CreateShipment, ApiError> {
    let text = |k: &str| fields.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut body = serde_json::Map::new();
    for k in [
        "warehouse_code",
        "platform",
        "merchant_tracking_code_reference",
    ] {
        body.insert(k.into(), json!(text(k).unwrap_or("")));
    }
    for k in [
        "courier_tracking_code",
        "courier_name",
        "shipping_label_url",
        "note",
    ] {
        if let Some(v) = text(k) {
            body.insert(k.into(), json!(v));
        }
    }
    if let Some(cod) = text("cod_amount") {
        // A number when it reads as one; otherwise the text, which the API's reader refuses
        // with its own message.
        body.insert(
            "cod_amount".into(),
            match cod.parse::<f64>() {
                Ok(n) if n.is_finite() => json!(n),
                _ => json!(cod),
            },
        );
    }
    let receiver_keys = [
        "name",
        "phone",
        "address",
        "province_code",
        "district_code",
        "ward_code",
    ];
    if receiver_keys
        .iter()
        .any(|k| text(&format!("receiver.{k}")).is_some())
    {
        let mut r = serde_json::Map::new();
        for k in receiver_keys {
            r.insert(
                k.into(),
                json!(text(&format!("receiver.{k}")).unwrap_or("")),
            );
        }
        body.insert("receiver".into(), Value::Object(r));
    }
    let lines: Vec<Value> = items
        .iter()
        .filter(|(o, q)| !o.trim().is_empty() || !q.trim().is_empty())
        .map(|(oasin, quantity)| {
            let q = quantity.trim();
            json!({
                "oasin": oasin.trim(),
                "product_quantity": q.parse::<i64>().map(|n| json!(n)).unwrap_or_else(|_| json!(q)),
            })
        })
        .collect();
    body.insert("items".into(), Value::Array(lines));
    let bytes = serde_json::to_vec(&Value::Object(body)).map_err(|_| ApiError::internal())?;
    depot_api::envelope::parse_json(&bytes)
}

async fn new_page(
    state: &AppState,
    user: OmsUser,
    v: std::collections::HashMap<String, String>,
    items: Vec<ItemField>,
    error: Option<ApiError>,
) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = ShipmentTexts::get(lang);
    let warehouses: Vec<(String, String)> = state
        .db
        .warehouses()
        .await?
        .into_iter()
        .map(|w| {
            (
                w.warehouse_code.clone(),
                format!("{} — {}", w.warehouse_code, w.name),
            )
        })
        .collect();
    let platforms: Vec<(String, String)> = PLATFORMS
        .iter()
        .map(|p| (p.to_string(), p.to_string()))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = NewPage {
        t,
        warehouses: choices(&warehouses, v.get("warehouse_code").map(String::as_str)),
        platforms: choices(&platforms, v.get("platform").map(String::as_str)),
        items,
        error: error.as_ref().map(|e| e.localized_message(lang)),
        details: error.as_ref().map(details).unwrap_or_default(),
        v,
        ctx: user.ctx,
    };
    Ok(render_with_status(status, &page))
}

fn blank_items() -> Vec<ItemField> {
    (1..=FORM_LINES)
        .map(|n| ItemField {
            n,
            ..ItemField::default()
        })
        .collect()
}

pub async fn new_form(State(state): State<AppState>, user: OmsUser) -> PageResult {
    new_page(&state, user, Default::default(), blank_items(), None).await
}

/// The create form: the API's body fields by name (`receiver.*`), `oasin_<n>` and
/// `quantity_<n>` per item line.
pub async fn create(
    State(state): State<AppState>,
    user: OmsUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let mut fields = std::collections::HashMap::new();
    let mut items = blank_items();
    for (k, v) in pairs {
        if let Some(n) = k
            .strip_prefix("oasin_")
            .and_then(|n| n.parse::<usize>().ok())
        {
            if let Some(item) = items.get_mut(n.wrapping_sub(1)) {
                item.oasin = v;
            }
        } else if let Some(n) = k
            .strip_prefix("quantity_")
            .and_then(|n| n.parse::<usize>().ok())
        {
            if let Some(item) = items.get_mut(n.wrapping_sub(1)) {
                item.quantity = v;
            }
        } else if k != "csrf" {
            fields.insert(k, v);
        }
    }
    let pairs: Vec<(String, String)> = items
        .iter()
        .map(|i| (i.oasin.clone(), i.quantity.clone()))
        .collect();
    let business_id = user.0.business.business_id;
    let actor = user.0.actor();
    let result = match create_body(&fields, &pairs) {
        Ok(body) => api::create(&state, business_id, body, &actor).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => {
            let t = ShipmentTexts::get(user.0.ctx.lang);
            let code = s.tracking_code();
            user.0
                .session
                .flash(Flash::success(format!("{} {code}", t.created_done)))
                .await?;
            Ok(Redirect::to(&format!("/portal/shipments/{code}")).into_response())
        }
        Err(e) if (400..500).contains(&e.code.http_status()) => {
            new_page(&state, user, fields, items, Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}
