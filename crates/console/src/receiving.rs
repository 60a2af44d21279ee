//! `/console/warehouses/{code}/receiving`: scan a purchase order's code, then enter each
//! package line's inbound and putaway quantities, level, batch and dates, and complete it
//! with the operator API's receive command (`depot_api::ops::floor::receive_purchase_order`).
//! A PO bound for another warehouse is not found here.

use crate::auth::ConsoleOperator;
use crate::common::{filled, is_shown_on_page, refusal, refusal_status, warehouse, Scan};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use depot_api::error::ApiError;
use depot_api::ops::floor::{receive_purchase_order, PoReceiptLine};
use depot_api::AppState;
use depot_domain::codes::CodeKind;
use depot_domain::quantity::ReceivedQuantity;
use depot_domain::status::PoStatus;
use depot_domain::ErrorCode;
use depot_store::purchase_orders::PurchaseOrder;
use depot_web::{render_with_status, texts, Flash, Form, PageCtx, PageResult};
use serde::Deserialize;
use std::collections::HashMap;

texts! {
    pub struct ReceivingTexts {
        title: "Nhận hàng nhập", "Receiving";
        scan: "Mã đơn nhập", "Purchase order code";
        scan_hint: "Quét hoặc gõ mã rồi nhấn Enter.", "Scan or type the code, then press Enter.";
        open: "Mở đơn nhập", "Open";
        po: "Đơn nhập", "Purchase order";
        reference: "Mã tham chiếu", "Reference";
        package: "Kiện", "Package";
        product: "Sản phẩm", "Product";
        declared: "Khai báo", "Declared";
        inbound: "Số lượng nhận", "Inbound quantity";
        putaway: "Số lượng cất kho", "Putaway quantity";
        level: "Cấp tồn kho", "Stock level";
        batch: "Số lô", "Batch / lot";
        mfg: "Ngày sản xuất", "Manufacturing date";
        exp: "Hạn sử dụng", "Expiry date";
        complete: "Hoàn tất nhận hàng", "Complete receiving";
        completed: "Đã nhận xong đơn nhập", "Purchase order received:";
        not_receivable: "Đơn nhập này không ở trạng thái chờ nhận; chỉ xem.", "This purchase order is not waiting to be received; view only.";
        back: "Về kho", "Back to the warehouse";
    }
}

pub const LEVELS: &[&str] = &["A", "D1", "D2", "D3", "L"];

pub struct LineRow {
    pub index: usize,
    pub package_code: String,
    pub oasin: String,
    pub sku: String,
    pub name: String,
    pub declared: i64,
    pub inbound: String,
    pub putaway: String,
    pub level: String,
    pub batch: String,
    pub mfg: String,
    pub exp: String,
}

pub struct PoView {
    pub code: String,
    pub reference: String,
    pub status: String,
    pub status_code: &'static str,
    pub receivable: bool,
    pub lines: Vec<LineRow>,
}

#[derive(Template)]
#[template(path = "receiving.html")]
struct ReceivingPage {
    ctx: PageCtx,
    t: &'static ReceivingTexts,
    warehouse: String,
    scan: Scan,
    po: Option<PoView>,
    levels: &'static [&'static str],
    errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ScanQuery {
    pub po_code: Option<String>,
}

/// The lines of a PO as the form shows them: what was entered (after a refusal), what was
/// received (a completed PO), or the declared quantity.
fn view(po: &PurchaseOrder, lang: depot_domain::Lang, entered: &HashMap<String, String>) -> PoView {
    let mut lines = Vec::new();
    for p in &po.packages {
        for l in &p.lines {
            let index = lines.len();
            let get = |name: &str, default: String| {
                entered
                    .get(&format!("l{index}.{name}"))
                    .cloned()
                    .unwrap_or(default)
            };
            let declared = l.product_quantity;
            lines.push(LineRow {
                index,
                package_code: p.package_code.clone(),
                oasin: CodeKind::Product.format(l.product_id),
                sku: l.sku.clone(),
                name: l.name.clone(),
                declared,
                inbound: get(
                    "inbound",
                    l.inbound_quantity.unwrap_or(declared).to_string(),
                ),
                putaway: get(
                    "putaway",
                    l.putaway_quantity.unwrap_or(declared).to_string(),
                ),
                level: get("level", l.stock_level.clone().unwrap_or_else(|| "A".into())),
                batch: get("batch", l.batch_lot_code.clone().unwrap_or_default()),
                mfg: get("mfg", l.manufacturing_date.clone().unwrap_or_default()),
                exp: get("exp", l.expiry_date.clone().unwrap_or_default()),
            });
        }
    }
    PoView {
        code: po.po_code(),
        reference: po.merchant_po_reference.clone(),
        status: po.status.label(lang).to_string(),
        status_code: po.status.name(),
        receivable: po.status == PoStatus::Transit,
        lines,
    }
}

async fn page(
    state: &AppState,
    op: ConsoleOperator,
    code: &str,
    scanned: Option<String>,
    entered: HashMap<String, String>,
    mut errors: Vec<String>,
    mut status: StatusCode,
) -> PageResult {
    let w = warehouse(state, &op, code).await?;
    let lang = op.ctx.lang;
    let t = ReceivingTexts::get(lang);
    let scanned = scanned.unwrap_or_default();
    let mut po = None;
    if !scanned.is_empty() {
        match state.db.purchase_order_any(&scanned).await? {
            Some(found) if found.warehouse_code == w.warehouse_code => {
                po = Some(view(&found, lang, &entered));
            }
            _ => {
                errors.push(ApiError::new(ErrorCode::PoNotFound).localized_message(lang));
                status = StatusCode::NOT_FOUND;
            }
        }
    }
    Ok(render_with_status(
        status,
        &ReceivingPage {
            t,
            scan: Scan {
                action: format!("/console/warehouses/{}/receiving", w.warehouse_code),
                label: t.scan,
                name: "po_code",
                hint: t.scan_hint,
                button: t.open,
                value: scanned,
            },
            warehouse: w.warehouse_code,
            po,
            levels: LEVELS,
            errors,
            ctx: op.ctx,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Query(q): Query<ScanQuery>,
) -> PageResult {
    let scanned = filled(q.po_code.as_ref());
    page(
        &state,
        op,
        &code,
        scanned,
        HashMap::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// Reads the form's lines into the receive command's items; a quantity that is not one is
/// a field error named as the API names it.
fn items(fields: &HashMap<String, String>) -> Result<Vec<PoReceiptLine>, Vec<(String, String)>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for i in 0.. {
        let Some(package_code) = fields.get(&format!("l{i}.package_code")) else {
            break;
        };
        let get = |name: &str| filled(fields.get(&format!("l{i}.{name}")));
        let quantity = |name: &str, api: &str, errors: &mut Vec<(String, String)>| {
            let raw = get(name).unwrap_or_default();
            match raw
                .parse::<i64>()
                .map_err(|_| "must be a whole number".to_string())
                .and_then(ReceivedQuantity::new)
            {
                Ok(q) => Some(q),
                Err(e) => {
                    errors.push((format!("items[{i}].{api}"), e));
                    None
                }
            }
        };
        let inbound = quantity("inbound", "inbound_quantity", &mut errors);
        let putaway = quantity("putaway", "putaway_quantity", &mut errors);
        if let (Some(inbound_quantity), Some(putaway_quantity)) = (inbound, putaway) {
            items.push(PoReceiptLine {
                package_code: package_code.clone(),
                oasin: get("oasin").unwrap_or_default(),
                inbound_quantity,
                putaway_quantity,
                stock_level: get("level"),
                batch_lot_code: get("batch"),
                manufacturing_date: get("mfg"),
                expiry_date: get("exp"),
            });
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

pub async fn complete(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, po_code)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    warehouse(&state, &op, &code).await?;
    let lang = op.ctx.lang;
    let fields: HashMap<String, String> = pairs.into_iter().collect();
    let result = match items(&fields) {
        Ok(items) => receive_purchase_order(&state, lang, &po_code, items, Some(&code)).await,
        Err(errors) => Err(ApiError::invalid_fields(errors)),
    };
    match result {
        Ok(po) => {
            let t = ReceivingTexts::get(lang);
            op.session
                .flash(Flash::success(format!("{} {}", t.completed, po.po_code())))
                .await?;
            Ok(Redirect::to(&format!(
                "/console/warehouses/{code}/receiving?po_code={}",
                po.po_code()
            ))
            .into_response())
        }
        Err(e) if is_shown_on_page(&e) => {
            let status = refusal_status(&e);
            page(
                &state,
                op,
                &code,
                Some(po_code),
                fields,
                refusal(&e, lang),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
