//! `/console/warehouses/{code}/stock`: a business's balances in this warehouse and its
//! ledger (optionally of one product); supervisors and admins adjust a balance with a
//! reason through the operator API's command (`depot_api::ops::floor::apply_adjustment`).

use crate::auth::ConsoleOperator;
use crate::common::{filled, is_shown_on_page, refusal, refusal_status, warehouse};
use crate::receiving::LEVELS;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use depot_api::error::ApiError;
use depot_api::ops::floor::{apply_adjustment, StockAdjustment};
use depot_api::AppState;
use depot_domain::quantity::QuantityDelta;
use depot_store::list::PageRequest;
use depot_store::stock::{StockFilter, StockRow};
use depot_store::users::OperatorRole;
use depot_web::time_fmt::datetime;
use depot_web::{render_with_status, texts, Flash, Form, PageCtx, PageResult};
use serde::Deserialize;

/// Balances and ledger rows shown at most (the reports export the rest).
const SHOWN: i64 = 200;

texts! {
    pub struct StockTexts {
        title: "Tồn kho", "Stock";
        business: "Doanh nghiệp", "Business";
        oasin: "Mã sản phẩm (OASIN)", "Product (OASIN)";
        oasin_hint: "Để trống để xem mọi sản phẩm.", "Leave empty for every product.";
        show: "Xem tồn kho", "Show stock";
        choose: "Chọn một doanh nghiệp để xem tồn kho.", "Choose a business to see its stock.";
        balances: "Tồn kho", "Balances";
        no_balances: "Chưa có tồn kho.", "No stock yet.";
        sku: "SKU", "SKU";
        level: "Cấp", "Level";
        on_hand: "Thực có", "On hand";
        reserved: "Đã giữ", "Reserved";
        available: "Khả dụng", "Available";
        ledger: "Sổ biến động", "Ledger";
        no_ledger: "Chưa có biến động.", "No movement yet.";
        movement: "Loại", "Movement";
        delta: "Thay đổi", "Change";
        reference: "Tham chiếu", "Reference";
        reason: "Lý do", "Reason";
        when: "Thời điểm", "When";
        abnormal: "bất thường", "abnormal";
        adjust: "Điều chỉnh tồn kho", "Adjust stock";
        adjust_hint: "Số dương thêm hàng, số âm bớt hàng; không thể bớt quá phần khả dụng.", "A positive number adds units, a negative one removes them; never below what is reserved.";
        quantity_delta: "Số lượng thay đổi", "Quantity change";
        submit_adjust: "Điều chỉnh", "Adjust";
        adjusted: "Đã điều chỉnh tồn kho", "Stock adjusted:";
        back: "Về kho", "Back to the warehouse";
    }
}

pub struct BusinessOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

pub struct LedgerRow {
    pub oasin: String,
    pub sku: String,
    pub level: String,
    pub movement: String,
    pub delta: String,
    pub reference: String,
    pub reason: String,
    pub abnormal: bool,
    pub when: String,
}

/// What the adjustment form had (shown again after a refusal).
#[derive(Debug, Default, Deserialize, Clone)]
pub struct AdjustForm {
    pub business_id: Option<String>,
    pub oasin: Option<String>,
    pub stock_level: Option<String>,
    pub quantity_delta: Option<String>,
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "stock.html")]
struct StockPage {
    ctx: PageCtx,
    t: &'static StockTexts,
    warehouse: String,
    businesses: Vec<BusinessOption>,
    business_id: Option<i64>,
    oasin: String,
    balances: Vec<StockRow>,
    ledger: Vec<LedgerRow>,
    can_adjust: bool,
    levels: &'static [&'static str],
    form: AdjustForm,
    errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct StockQuery {
    pub business_id: Option<String>,
    pub oasin: Option<String>,
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    op: ConsoleOperator,
    code: &str,
    business_id: Option<i64>,
    oasin: Option<String>,
    form: AdjustForm,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let w = warehouse(state, &op, code).await?;
    let t = StockTexts::get(op.ctx.lang);
    let (all, _) = state.db.support_businesses(None, 1, 1000).await?;
    let business_id = business_id.filter(|id| all.iter().any(|b| b.business_id == *id));
    let businesses = all
        .into_iter()
        .map(|b| BusinessOption {
            selected: Some(b.business_id) == business_id,
            id: b.business_id,
            name: b.name,
        })
        .collect();
    let (mut balances, mut ledger) = (Vec::new(), Vec::new());
    if let Some(id) = business_id {
        let filter = StockFilter {
            warehouse_code: Some(w.warehouse_code.clone()),
            oasin: oasin.clone(),
            sku: None,
        };
        let page = PageRequest {
            page: 1,
            page_size: SHOWN,
            after: None,
        };
        balances = state.db.stock(id, &filter, &page).await?.0;
        ledger = state
            .db
            .ledger_entries(id, &w.warehouse_code, oasin.as_deref(), SHOWN)
            .await?
            .into_iter()
            .map(|e| LedgerRow {
                oasin: e.oasin,
                sku: e.sku,
                level: e.stock_level,
                movement: e.movement_type,
                delta: signed(e.on_hand_delta),
                reference: e.reference_code,
                reason: e.reason.unwrap_or_default(),
                abnormal: e.is_abnormal,
                when: datetime(e.created_time),
            })
            .collect();
    }
    let can_adjust = op.role() >= OperatorRole::Supervisor;
    Ok(render_with_status(
        status,
        &StockPage {
            t,
            warehouse: w.warehouse_code,
            businesses,
            business_id,
            oasin: oasin.unwrap_or_default(),
            balances,
            ledger,
            can_adjust,
            levels: LEVELS,
            form,
            errors,
            ctx: op.ctx,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Query(q): Query<StockQuery>,
) -> PageResult {
    let business_id = filled(q.business_id.as_ref()).and_then(|b| b.parse().ok());
    let oasin = filled(q.oasin.as_ref());
    page(
        &state,
        op,
        &code,
        business_id,
        oasin,
        AdjustForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn adjust(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Form(form): Form<AdjustForm>,
) -> PageResult {
    warehouse(&state, &op, &code).await?;
    op.require(OperatorRole::Supervisor)?;
    let lang = op.ctx.lang;
    let business_id = filled(form.business_id.as_ref()).and_then(|b| b.parse::<i64>().ok());
    let delta = filled(form.quantity_delta.as_ref())
        .unwrap_or_default()
        .parse::<i64>()
        .map_err(|_| "must be a whole number".to_string())
        .and_then(QuantityDelta::new);
    let result = match (business_id, delta) {
        (None, _) => Err(ApiError::invalid_field("business_id", "is required")),
        (_, Err(e)) => Err(ApiError::invalid_field("quantity_delta", e)),
        (Some(business_id), Ok(quantity_delta)) => {
            let body = StockAdjustment {
                business_id,
                warehouse_code: code.clone(),
                oasin: filled(form.oasin.as_ref()).unwrap_or_default(),
                stock_level: filled(form.stock_level.as_ref()).unwrap_or_else(|| "A".into()),
                quantity_delta,
                reason: form.reason.clone().unwrap_or_default(),
            };
            apply_adjustment(&state, &body).await
        }
    };
    match result {
        Ok(row) => {
            let t = StockTexts::get(lang);
            op.session
                .flash(Flash::success(format!(
                    "{} {} {} → {}",
                    t.adjusted, row.oasin, row.stock_level, row.on_hand
                )))
                .await?;
            let to = format!(
                "/console/warehouses/{code}/stock?business_id={}&oasin={}",
                business_id.unwrap_or_default(),
                row.oasin
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) if is_shown_on_page(&e) => {
            let status = refusal_status(&e);
            let oasin = filled(form.oasin.as_ref());
            page(
                &state,
                op,
                &code,
                business_id,
                oasin,
                form,
                refusal(&e, lang),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
