//! `/portal/purchase-orders` and `/portal/purchase-orders/{po_code}` (OMS_USER): inbound
//! goods. The list with a status filter, create by form (lines grouped into packages by
//! their package code), the detail with its packages and, once received, the inspection
//! (inbound and put-away quantities, level, batch), the printable bill and cancel (while in
//! transit). Every action is the API's operation (`depot_api::merchant::purchase_orders`).

use crate::auth::OmsUser;
use crate::catalog::{
    self, po_badge, product_choices, warehouse_choices, Choice, FormError, Pager,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::error::ApiError;
use depot_api::merchant::purchase_orders::{self as api, CreatePo, PoItem, PoPackage, PoQuery};
use depot_api::AppState;
use depot_domain::codes::CodeKind;
use depot_domain::quantity::Quantity;
use depot_domain::status::PoStatus;
use depot_domain::{ErrorCode, Lang};
use depot_store::list::TimeRange;
use depot_store::purchase_orders::PurchaseOrder;
use depot_web::time_fmt::{datetime, datetime_or, day_start};
use depot_web::{render_with_status, texts, Flash, Form, PageCtx, PageError, PageResult};
use serde::Deserialize;

/// Line rows on the create form.
pub const FORM_LINES: usize = 6;

texts! {
    pub struct PoTexts {
        title: "Nhập kho (PO)", "Inbound (POs)";
        intro: "Đơn nhập hàng (PO) báo trước cho kho những kiện hàng bạn gửi tới. Kho nhận, kiểm và cất hàng; số lượng cất kho vào tồn bán được.", "A purchase order tells the warehouse which packages you are sending. The warehouse receives, inspects and puts them away; what is put away becomes stock.";
        new_po: "Tạo PO", "New PO";
        create: "Tạo PO", "Create PO";
        created_done: "Đã tạo PO", "PO created:";
        po_code: "Mã PO", "PO code";
        col_reference: "Tham chiếu", "Reference";
        col_warehouse: "Kho", "Warehouse";
        reference: "Mã tham chiếu của bạn", "Your PO reference";
        warehouse: "Kho nhận", "Receiving warehouse";
        eta: "Dự kiến đến", "Estimated arrival";
        note: "Ghi chú", "Note";
        co_inspection: "Đồng kiểm (CO_INSPECTION)", "Co-inspection (CO_INSPECTION)";
        services: "Dịch vụ cộng thêm", "Value-added services";
        lines: "Hàng gửi", "Goods sent";
        lines_hint: "Mỗi dòng là một sản phẩm trong một kiện; các dòng cùng mã kiện thuộc cùng kiện. Dòng để trống bị bỏ qua.", "Each row is one product in one package; rows with the same package code share a package. Empty rows are ignored.";
        package: "Mã kiện", "Package code";
        product: "Sản phẩm", "Product";
        choose: "Chọn sản phẩm", "Choose a product";
        quantity: "Số lượng", "Quantity";
        row: "Dòng", "Row";
        packages: "Kiện", "Packages";
        units: "Số lượng", "Units";
        units_word: "đơn vị", "units";
        packages_word: "kiện", "packages";
        no_pos: "Chưa có PO nào", "No purchase orders yet";
        no_pos_body: "Tạo PO để báo kho hàng bạn sắp gửi tới.", "Create a PO to tell the warehouse what you are sending.";
        no_match: "Không có PO nào khớp bộ lọc.", "No PO matches the filter.";
        no_products: "Hãy gán sản phẩm vào kho trước: chỉ sản phẩm Đang hoạt động mới nhập được.", "Assign products to a warehouse first: only Active products can be received.";
        page: "Trang", "Page";
        previous: "Trang trước", "Previous";
        next: "Trang sau", "Next";
        back: "Tất cả PO", "All POs";
        details: "Thông tin", "Details";
        received: "Nhận lúc", "Received";
        completed: "Hoàn thành lúc", "Completed";
        cancelled: "Hủy lúc", "Cancelled";
        declared: "Khai báo", "Declared";
        inbound: "Thực nhận", "Received";
        putaway: "Cất kho", "Put away";
        level: "Cấp hàng", "Level";
        batch: "Lô / hạn dùng", "Batch / expiry";
        inspection: "Kết quả kiểm hàng", "Inspection";
        inspection_pending: "Kho chưa nhận PO này; số lượng thực nhận sẽ hiện ở đây.", "The warehouse has not received this PO yet; received quantities appear here.";
        dims: "Kích thước", "Size";
        bill: "In phiếu nhập (PDF)", "Print the PO bill (PDF)";
        cancel: "Hủy PO", "Cancel PO";
        cancelled_done: "Đã hủy PO", "PO cancelled:";
        confirm_cancel: "Hủy PO này? Kho sẽ không nhận các kiện của PO.", "Cancel this PO? The warehouse will not receive its packages.";
    }
}

pub struct PoRow {
    pub po_code: String,
    pub reference: String,
    pub warehouse_code: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub badge: &'static str,
    pub packages: usize,
    pub units: String,
    pub eta: String,
    pub created: String,
}

impl PoRow {
    fn new(po: &PurchaseOrder, lang: Lang) -> PoRow {
        let units: i64 = po
            .packages
            .iter()
            .flat_map(|p| p.lines.iter())
            .map(|l| l.product_quantity)
            .fold(0i64, |a, b| a.saturating_add(b));
        PoRow {
            po_code: po.po_code(),
            reference: po.merchant_po_reference.clone(),
            warehouse_code: po.warehouse_code.clone(),
            status: po.status.name(),
            status_label: po.status.label(lang),
            badge: po_badge(po.status),
            packages: po.packages.len(),
            units: catalog::units(units),
            // An arrival is a day: `15/01/2027`.
            eta: po
                .estimated_arrival_time
                .map(|t| datetime(t).chars().take(10).collect())
                .unwrap_or_else(|| "—".to_string()),
            created: datetime(po.created_time),
        }
    }
}

/// One line row of the create form as typed.
#[derive(Debug, Default, Clone)]
pub struct LineInput {
    pub package: String,
    pub oasin: String,
    pub quantity: String,
}

/// The create form as typed (repeated line fields in order).
#[derive(Debug, Default)]
pub struct PoForm {
    pub warehouse_code: String,
    pub reference: String,
    pub eta: String,
    pub note: String,
    pub co_inspection: bool,
    pub lines: Vec<LineInput>,
}

impl PoForm {
    fn read(pairs: Vec<(String, String)>) -> PoForm {
        let mut form = PoForm::default();
        let (mut packages, mut oasins, mut quantities) = (Vec::new(), Vec::new(), Vec::new());
        for (k, v) in pairs {
            match k.as_str() {
                "warehouse_code" => form.warehouse_code = v,
                "merchant_po_reference" => form.reference = v,
                "eta" => form.eta = v,
                "note" => form.note = v,
                "co_inspection" => form.co_inspection = true,
                "package" => packages.push(v),
                "oasin" => oasins.push(v),
                "quantity" => quantities.push(v),
                _ => {}
            }
        }
        let n = packages.len().max(oasins.len()).max(quantities.len());
        form.lines = (0..n.min(100))
            .map(|i| LineInput {
                package: packages.get(i).cloned().unwrap_or_default(),
                oasin: oasins.get(i).cloned().unwrap_or_default(),
                quantity: quantities.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        form
    }

    /// The API's body, or the rows the page could not read (named as the form's rows).
    fn request(&self, t: &PoTexts) -> Result<CreatePo, ApiError> {
        let mut errors: Vec<(String, String)> = Vec::new();
        let mut packages: Vec<PoPackage> = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let (package, oasin, quantity) =
                (line.package.trim(), line.oasin.trim(), line.quantity.trim());
            if package.is_empty() && oasin.is_empty() && quantity.is_empty() {
                continue;
            }
            let row = format!("{} {}", t.row, i + 1);
            let quantity = match quantity
                .parse::<i64>()
                .map_err(|_| String::new())
                .and_then(Quantity::new)
            {
                Ok(q) => q,
                Err(why) => {
                    let why = if why.is_empty() {
                        format!("must be {} to {}", Quantity::MIN, Quantity::MAX)
                    } else {
                        why
                    };
                    errors.push((format!("{row} · {}", t.quantity), why));
                    continue;
                }
            };
            let item = PoItem {
                oasin: oasin.to_string(),
                product_quantity: quantity,
            };
            match packages.iter_mut().find(|p| p.package_code == package) {
                Some(p) => p.items.push(item),
                None => packages.push(PoPackage {
                    package_code: package.to_string(),
                    weight: None,
                    length: None,
                    width: None,
                    height: None,
                    items: vec![item],
                    package_note: None,
                }),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        Ok(CreatePo {
            warehouse_code: self.warehouse_code.clone(),
            vas: if self.co_inspection {
                vec!["CO_INSPECTION".to_string()]
            } else {
                Vec::new()
            },
            merchant_po_reference: self.reference.clone(),
            packages,
            // The day as typed; a text that is no date is sent as it is so the API refuses it.
            estimated_arrival_time: catalog::opt(&self.eta).map(|d| day_start(&d).unwrap_or(-1)),
            po_documents: Vec::new(),
            note: catalog::opt(&self.note),
        })
    }
}

fn field_label(t: &PoTexts, field: &str) -> String {
    // `packages[1].items[0].oasin` → "Packages 2 · Product".
    let tail = field.rsplit('.').next().unwrap_or(field);
    let name = match tail.split('[').next().unwrap_or(tail) {
        "warehouse_code" => t.warehouse,
        "merchant_po_reference" => t.reference,
        "estimated_arrival_time" => t.eta,
        "note" => t.note,
        "packages" | "items" => t.lines,
        "package_code" => t.package,
        "oasin" => t.product,
        "product_quantity" => t.quantity,
        "vas" => t.services,
        _ => return field.to_string(),
    };
    match field
        .strip_prefix("packages[")
        .and_then(|r| r.split(']').next())
    {
        Some(n) if field.contains('.') => {
            let n = n.parse::<usize>().map(|n| n + 1).unwrap_or(0);
            format!("{} {n} · {name}", t.packages)
        }
        _ => name.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub page: Option<String>,
}

pub struct Tab {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "purchase_orders.html")]
struct PoListPage {
    ctx: PageCtx,
    t: &'static PoTexts,
    rows: Vec<PoRow>,
    tabs: Vec<Tab>,
    status: String,
    pager: Pager,
    warehouses: Vec<Choice>,
    products: Vec<Choice>,
    form: PoForm,
    lines: Vec<(usize, LineInput)>,
    error: Option<FormError>,
}

async fn list_page(
    state: &AppState,
    user: OmsUser,
    q: ListQuery,
    form: Option<PoForm>,
    error: Option<ApiError>,
) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = PoTexts::get(lang);
    let business_id = user.business.business_id;
    let status = q
        .status
        .as_deref()
        .and_then(PoStatus::from_name)
        .map(|s| s.name().to_string())
        .unwrap_or_default();
    let page = catalog::page_number(q.page.as_deref());
    let found = api::list(
        state,
        business_id,
        PoQuery {
            status: catalog::opt(&status),
            ..PoQuery::default()
        },
        TimeRange::default(),
        &catalog::page_request(page),
    )
    .await?;
    let form = form.unwrap_or_default();
    let mut lines: Vec<LineInput> = form.lines.clone();
    lines.resize(lines.len().max(FORM_LINES), LineInput::default());
    let products = product_choices(state, business_id).await?;
    let http = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_with_status(
        http,
        &PoListPage {
            t,
            rows: found.items.iter().map(|p| PoRow::new(p, lang)).collect(),
            tabs: PoStatus::ALL
                .iter()
                .map(|s| Tab {
                    value: s.name(),
                    label: s.label(lang),
                    selected: status == s.name(),
                })
                .collect(),
            pager: Pager::new(
                "/portal/purchase-orders",
                &[("status", &status)],
                page,
                found.total,
            ),
            status,
            warehouses: warehouse_choices(state, &form.warehouse_code).await?,
            products,
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
    let form = PoForm::read(pairs);
    let lang = user.0.ctx.lang;
    let t = PoTexts::get(lang);
    let outcome = match form.request(t) {
        Ok(body) => api::create(&state, user.0.business.business_id, body).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(po) => {
            let code = po.po_code();
            user.0
                .session
                .flash(Flash::success(format!("{} {code}", t.created_done)))
                .await?;
            Ok(Redirect::to(&format!("/portal/purchase-orders/{code}")).into_response())
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
    pub name: String,
    pub declared: i64,
    pub inbound: String,
    pub putaway: String,
    pub level: String,
    pub batch: String,
    pub short: bool,
}

pub struct PackageView {
    pub code: String,
    pub dims: String,
    pub note: String,
    pub lines: Vec<LineView>,
}

#[derive(Template)]
#[template(path = "purchase_order.html")]
struct PoPage {
    ctx: PageCtx,
    t: &'static PoTexts,
    po: PoRow,
    note: String,
    vas: String,
    received: String,
    completed: String,
    cancelled: String,
    inspected: bool,
    can_cancel: bool,
    packages: Vec<PackageView>,
}

fn fmt_num(v: Option<f64>) -> Option<String> {
    v.map(|v| {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: OmsUser,
    Path(code): Path<String>,
) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = PoTexts::get(lang);
    let po = api::detail(&state, user.business.business_id, &code).await?;
    let inspected = po.received_time.is_some()
        || po
            .packages
            .iter()
            .flat_map(|p| p.lines.iter())
            .any(|l| l.inbound_quantity.is_some());
    let packages = po
        .packages
        .iter()
        .map(|p| PackageView {
            code: p.package_code.clone(),
            dims: {
                let dims = [p.length, p.width, p.height]
                    .into_iter()
                    .map(fmt_num)
                    .collect::<Option<Vec<_>>>()
                    .map(|d| format!("{} cm", d.join(" × ")));
                let weight = fmt_num(p.weight).map(|w| format!("{w} kg"));
                [dims, weight]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ")
            },
            note: p.package_note.clone().unwrap_or_default(),
            lines: p
                .lines
                .iter()
                .map(|l| LineView {
                    oasin: CodeKind::Product.format(l.product_id),
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    declared: l.product_quantity,
                    inbound: l
                        .inbound_quantity
                        .map(|q| q.to_string())
                        .unwrap_or_else(|| "—".into()),
                    putaway: l
                        .putaway_quantity
                        .map(|q| q.to_string())
                        .unwrap_or_else(|| "—".into()),
                    level: l.stock_level.clone().unwrap_or_default(),
                    batch: [l.batch_lot_code.clone(), l.expiry_date.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                    short: l.inbound_quantity.is_some_and(|q| q < l.product_quantity),
                })
                .collect(),
        })
        .collect();
    let vas = po
        .vas
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Ok(render_with_status(
        StatusCode::OK,
        &PoPage {
            t,
            note: po.note.clone().unwrap_or_default(),
            vas,
            received: datetime_or(po.received_time, "—"),
            completed: datetime_or(po.completed_time, "—"),
            cancelled: datetime_or(po.cancelled_time, "—"),
            inspected,
            can_cancel: po.status == PoStatus::Transit,
            packages,
            po: PoRow::new(&po, lang),
            ctx: user.ctx,
        },
    ))
}

/// The bill: rendered by the API's Get PO Bill, then the browser goes to its file.
pub async fn bill(
    State(state): State<AppState>,
    user: OmsUser,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let user = user.0;
    let url = api::bill(&state, user.business.business_id, &code, user.ctx.lang).await?;
    Ok(Redirect::to(&url).into_response())
}

pub async fn cancel(
    State(state): State<AppState>,
    user: OmsUser,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = PoTexts::get(lang);
    let back = format!("/portal/purchase-orders/{code}");
    match api::cancel(&state, user.business.business_id, &code, lang).await {
        Ok(po) => {
            user.session
                .flash(Flash::success(format!(
                    "{} {}",
                    t.cancelled_done,
                    po.po_code()
                )))
                .await?;
            Ok(Redirect::to(&back).into_response())
        }
        Err(e) if e.code == ErrorCode::PoNotFound => Err(PageError::NotFound),
        Err(e) if e.status().is_client_error() => {
            user.session
                .flash(Flash::error(e.localized_message(lang)))
                .await?;
            Ok(Redirect::to(&back).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
