//! `/portal/returns` and `/portal/returns/{return_tracking_code}` (OMS_USER): B2C returns.
//! The list with a status filter, register a return by form, the detail (what was
//! registered, what the warehouse received by grade, the inspection media) and cancel while
//! NEW. Every action is the API's operation (`depot_api::merchant::returns`).

use crate::auth::OmsUser;
use crate::catalog::{
    self, product_choices, return_badge, warehouse_choices, Choice, FormError, Pager,
};
use crate::purchase_orders::Tab;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::error::ApiError;
use depot_api::media::media_object;
use depot_api::merchant::returns::{self as api, CreateReturn, ReturnItem, ReturnQuery};
use depot_api::AppState;
use depot_domain::codes::CodeKind;
use depot_domain::quantity::Quantity;
use depot_domain::status::ReturnStatus;
use depot_domain::{ErrorCode, Lang};
use depot_store::list::PageRequest;
use depot_store::media::MediaOwner;
use depot_store::returns::ReturnShipment;
use depot_web::time_fmt::{datetime, datetime_or};
use depot_web::{render_with_status, texts, Flash, Form, PageCtx, PageError, PageResult};
use serde::Deserialize;

const FORM_LINES: usize = 4;

texts! {
    pub struct ReturnTexts {
        title: "Hàng hoàn", "Returns";
        intro: "Đăng ký đơn hoàn để kho nhận, kiểm và phân loại hàng khách trả. Hàng loại A được nhập lại tồn bán được.", "Register a return so the warehouse receives, inspects and grades what the customer sends back. Grade-A units go back into sellable stock.";
        new_return: "Đăng ký hàng hoàn", "Register a return";
        create: "Đăng ký hàng hoàn", "Register return";
        created_done: "Đã đăng ký hàng hoàn", "Return registered:";
        code: "Mã hoàn", "Return code";
        col_shipment: "Vận đơn gốc", "Shipment";
        col_reference: "Tham chiếu", "Reference";
        col_warehouse: "Kho", "Warehouse";
        shipment: "Mã vận đơn gốc", "Original shipment";
        shipment_hint: "Vận đơn đã bàn giao cho hãng vận chuyển, ví dụ OASC…", "A shipment already handed to the carrier, e.g. OASC…";
        reference: "Mã tham chiếu của bạn", "Your return reference";
        courier_code: "Mã vận đơn chiều hoàn", "Return courier tracking code";
        warehouse: "Kho nhận hàng hoàn", "Receiving warehouse";
        note: "Ghi chú", "Note";
        lines: "Hàng hoàn", "Items returned";
        lines_hint: "Tối đa bằng số lượng đã gửi trong vận đơn gốc. Dòng để trống bị bỏ qua.", "At most what the original shipment carried. Empty rows are ignored.";
        product: "Sản phẩm", "Product";
        choose: "Chọn sản phẩm", "Choose a product";
        quantity: "Số lượng", "Quantity";
        row: "Dòng", "Row";
        units: "Số lượng", "Units";
        no_returns: "Chưa có đơn hoàn nào", "No returns yet";
        no_returns_body: "Khi khách trả hàng, đăng ký đơn hoàn để kho biết và kiểm hàng.", "When a customer sends goods back, register a return so the warehouse expects and inspects it.";
        no_match: "Không có đơn hoàn nào khớp bộ lọc.", "No return matches the filter.";
        page: "Trang", "Page";
        previous: "Trang trước", "Previous";
        next: "Trang sau", "Next";
        back: "Tất cả đơn hoàn", "All returns";
        details: "Thông tin", "Details";
        registered: "Đăng ký", "Registered";
        received: "Đã nhận", "Received";
        received_at: "Nhận lúc", "Received";
        cancelled_at: "Hủy lúc", "Cancelled";
        grades: "Phân loại", "Grades";
        not_received: "Kho chưa nhận hàng hoàn này.", "The warehouse has not received this return yet.";
        media: "Video kiểm hàng", "Inspection videos";
        no_media: "Chưa có video kiểm hàng.", "No inspection video yet.";
        cancel: "Hủy đơn hoàn", "Cancel return";
        cancelled_done: "Đã hủy đơn hoàn", "Return cancelled:";
        confirm_cancel: "Hủy đơn hoàn này?", "Cancel this return?";
    }
}

pub struct ReturnRow {
    pub code: String,
    pub shipment: String,
    pub reference: String,
    pub warehouse_code: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub badge: &'static str,
    pub units: String,
    pub created: String,
}

impl ReturnRow {
    fn new(r: &ReturnShipment, lang: Lang) -> ReturnRow {
        let units = r
            .lines
            .iter()
            .map(|l| l.product_quantity)
            .fold(0i64, |a, b| a.saturating_add(b));
        ReturnRow {
            code: r.return_tracking_code(),
            shipment: CodeKind::Shipment.format(r.shipment_id),
            reference: r.merchant_return_tracking_code_reference.clone(),
            warehouse_code: r.warehouse_code.clone(),
            status: r.status.name(),
            status_label: r.status.label(lang),
            badge: return_badge(r.status),
            units: catalog::units(units),
            created: datetime(r.created_time),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct LineInput {
    pub oasin: String,
    pub quantity: String,
}

#[derive(Debug, Default)]
pub struct ReturnForm {
    pub warehouse_code: String,
    pub shipment: String,
    pub reference: String,
    pub courier_code: String,
    pub note: String,
    pub lines: Vec<LineInput>,
}

impl ReturnForm {
    fn read(pairs: Vec<(String, String)>) -> ReturnForm {
        let mut form = ReturnForm::default();
        let (mut oasins, mut quantities) = (Vec::new(), Vec::new());
        for (k, v) in pairs {
            match k.as_str() {
                "warehouse_code" => form.warehouse_code = v,
                "shipment_tracking_code" => form.shipment = v,
                "merchant_return_tracking_code_reference" => form.reference = v,
                "return_courier_tracking_code" => form.courier_code = v,
                "note" => form.note = v,
                "oasin" => oasins.push(v),
                "quantity" => quantities.push(v),
                _ => {}
            }
        }
        let n = oasins.len().max(quantities.len()).min(100);
        form.lines = (0..n)
            .map(|i| LineInput {
                oasin: oasins.get(i).cloned().unwrap_or_default(),
                quantity: quantities.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        form
    }

    fn request(&self, t: &ReturnTexts) -> Result<CreateReturn, ApiError> {
        let mut errors = Vec::new();
        let mut items = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            let (oasin, quantity) = (l.oasin.trim(), l.quantity.trim());
            if oasin.is_empty() && quantity.is_empty() {
                continue;
            }
            let row = format!("{} {}", t.row, i + 1);
            if oasin.is_empty() {
                errors.push((format!("{row} · {}", t.product), "is required".to_string()));
                continue;
            }
            match quantity.parse::<i64>().ok().map(Quantity::new) {
                Some(Ok(q)) => items.push(ReturnItem {
                    oasin: oasin.to_string(),
                    product_quantity: q,
                }),
                _ => errors.push((
                    format!("{row} · {}", t.quantity),
                    format!("must be {} to {}", Quantity::MIN, Quantity::MAX),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        Ok(CreateReturn {
            warehouse_code: self.warehouse_code.clone(),
            shipment_tracking_code: self.shipment.clone(),
            merchant_return_tracking_code_reference: self.reference.clone(),
            partner_tracking_code: None,
            return_courier_tracking_code: catalog::opt(&self.courier_code),
            items,
            note: catalog::opt(&self.note),
        })
    }
}

fn field_label(t: &ReturnTexts, field: &str) -> String {
    let base = field.split(['[', '.']).next().unwrap_or(field);
    let name = match base {
        "warehouse_code" => t.warehouse,
        "shipment_tracking_code" => t.shipment,
        "merchant_return_tracking_code_reference" => t.reference,
        "return_courier_tracking_code" => t.courier_code,
        "note" => t.note,
        "items" => t.lines,
        _ => return field.to_string(),
    };
    match field
        .strip_prefix("items[")
        .and_then(|r| r.split(']').next())
    {
        Some(n) => {
            let n = n.parse::<usize>().map(|n| n + 1).unwrap_or(0);
            format!("{} {n}", t.row)
        }
        None => name.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub page: Option<String>,
    /// Pre-fills the form (a link from a shipment).
    pub shipment: Option<String>,
}

#[derive(Template)]
#[template(path = "returns.html")]
struct ReturnsPage {
    ctx: PageCtx,
    t: &'static ReturnTexts,
    rows: Vec<ReturnRow>,
    tabs: Vec<Tab>,
    status: String,
    pager: Pager,
    warehouses: Vec<Choice>,
    products: Vec<Choice>,
    form: ReturnForm,
    lines: Vec<(usize, LineInput)>,
    error: Option<FormError>,
}

async fn list_page(
    state: &AppState,
    user: OmsUser,
    q: ListQuery,
    form: Option<ReturnForm>,
    error: Option<ApiError>,
) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = ReturnTexts::get(lang);
    let business_id = user.business.business_id;
    let status = q
        .status
        .as_deref()
        .and_then(ReturnStatus::from_name)
        .map(|s| s.name().to_string())
        .unwrap_or_default();
    let page = catalog::page_number(q.page.as_deref());
    let found = api::list(
        state,
        business_id,
        ReturnQuery {
            status: catalog::opt(&status),
            ..ReturnQuery::default()
        },
        &catalog::page_request(page),
    )
    .await?;
    let mut form = form.unwrap_or_default();
    if let Some(s) = q.shipment.as_deref() {
        form.shipment = s.trim().to_string();
    }
    let mut lines = form.lines.clone();
    lines.resize(lines.len().max(FORM_LINES), LineInput::default());
    let http = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_with_status(
        http,
        &ReturnsPage {
            t,
            rows: found
                .items
                .iter()
                .map(|r| ReturnRow::new(r, lang))
                .collect(),
            tabs: ReturnStatus::ALL
                .iter()
                .map(|s| Tab {
                    value: s.name(),
                    label: s.label(lang),
                    selected: status == s.name(),
                })
                .collect(),
            pager: Pager::new("/portal/returns", &[("status", &status)], page, found.total),
            status,
            warehouses: warehouse_choices(state, &form.warehouse_code).await?,
            products: product_choices(state, business_id).await?,
            lines: lines.into_iter().enumerate().collect(),
            form,
            error: error.map(|e| FormError::new(&e, lang, |f| field_label(t, f))),
            ctx: user.ctx,
        },
    ))
}

pub async fn index(
    State(state): State<AppState>,
    user: OmsUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    list_page(&state, user, q, None, None).await
}

pub async fn create(
    State(state): State<AppState>,
    user: OmsUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let form = ReturnForm::read(pairs);
    let lang = user.0.ctx.lang;
    let t = ReturnTexts::get(lang);
    let outcome = match form.request(t) {
        Ok(body) => api::create(&state, user.0.business.business_id, body, lang).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(r) => {
            let code = r.return_tracking_code();
            user.0
                .session
                .flash(Flash::success(format!("{} {code}", t.created_done)))
                .await?;
            Ok(Redirect::to(&format!("/portal/returns/{code}")).into_response())
        }
        Err(e) if e.status().is_client_error() => {
            Ok(
                list_page(&state, user, ListQuery::default(), Some(form), Some(e))
                    .await?
                    .into_response(),
            )
        }
        Err(e) => Err(e.into()),
    }
}

pub struct LineView {
    pub oasin: String,
    pub sku: String,
    pub registered: i64,
    pub received: String,
    pub grades: Vec<(String, i64)>,
}

#[derive(Template)]
#[template(path = "return.html")]
struct ReturnPage {
    ctx: PageCtx,
    t: &'static ReturnTexts,
    r: ReturnRow,
    courier_code: String,
    note: String,
    received_at: String,
    cancelled_at: String,
    cancelled: bool,
    can_cancel: bool,
    lines: Vec<LineView>,
    media: Vec<crate::videos::VideoCard>,
}

pub async fn show(
    State(state): State<AppState>,
    user: OmsUser,
    Path(code): Path<String>,
) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = ReturnTexts::get(lang);
    let business_id = user.business.business_id;
    let r = api::detail(&state, business_id, &code).await?;
    let owner = MediaOwner::Return {
        id: r.id,
        business_id,
    };
    let page = PageRequest {
        page: 1,
        page_size: 20,
        after: None,
    };
    let media = state
        .db
        .list_media(business_id, owner, &page)
        .await?
        .items
        .iter()
        .map(|m| {
            crate::videos::VideoCard::new(
                &r.return_tracking_code(),
                &media_object(&state, m),
                lang,
                false,
            )
        })
        .collect();
    Ok(render_with_status(
        StatusCode::OK,
        &ReturnPage {
            t,
            courier_code: r.return_courier_tracking_code.clone().unwrap_or_default(),
            note: r.note.clone().unwrap_or_default(),
            received_at: datetime_or(r.received_time, "—"),
            cancelled_at: datetime_or(r.cancelled_time, "—"),
            cancelled: r.status == ReturnStatus::Cancelled,
            can_cancel: r.status == ReturnStatus::New,
            lines: r
                .lines
                .iter()
                .map(|l| LineView {
                    oasin: CodeKind::Product.format(l.product_id),
                    sku: l.sku.clone(),
                    registered: l.product_quantity,
                    received: if l.received.is_empty() {
                        "—".to_string()
                    } else {
                        l.received
                            .values()
                            .fold(0i64, |a, b| a.saturating_add(*b))
                            .to_string()
                    },
                    grades: l.received.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                })
                .collect(),
            media,
            r: ReturnRow::new(&r, lang),
            ctx: user.ctx,
        },
    ))
}

pub async fn cancel(
    State(state): State<AppState>,
    user: OmsUser,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = ReturnTexts::get(lang);
    let back = format!("/portal/returns/{code}");
    match api::cancel(&state, user.business.business_id, &code, lang).await {
        Ok(r) => {
            user.session
                .flash(Flash::success(format!(
                    "{} {}",
                    t.cancelled_done,
                    r.return_tracking_code()
                )))
                .await?;
            Ok(Redirect::to(&back).into_response())
        }
        Err(e) if e.code == ErrorCode::ReturnShipmentNotFound => Err(PageError::NotFound),
        Err(e) if e.status().is_client_error() => {
            user.session
                .flash(Flash::error(e.localized_message(lang)))
                .await?;
            Ok(Redirect::to(&back).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
