//! What the warehouse floor does (SPEC §4): stock adjustments, shipment moves, receiving
//! purchase orders and returns.

use crate::auth::Operator;
use crate::envelope::{Data, Envelope, Json, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::text::check_text;
use crate::AppState;
use axum::extract::{Path, State};
use depot_domain::quantity::{QuantityDelta, ReceivedQuantity, MAX_BALANCE};
use depot_domain::status::ShipmentStatus;
use depot_domain::{ErrorCode, Lang};
use depot_store::adjustments::{AdjustError, Adjustment};
use depot_store::purchase_orders::{PoChangeError, PurchaseOrder, ReceiptLine};
use depot_store::returns::{ReturnChangeError, ReturnReceipt, ReturnShipment};
use depot_store::shipments::{Shipment, TransitionError};
use depot_store::stock::StockRow;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct StockAdjustment {
    pub business_id: i64,
    pub warehouse_code: String,
    pub oasin: String,
    /// `A` (sellable), `D1`–`D3` (damaged grades) or `L`.
    pub stock_level: String,
    /// Positive adds stock, negative removes it; never below what is reserved.
    pub quantity_delta: QuantityDelta,
    pub reason: String,
}

/// Correct a balance (movement `ADJUSTMENT`, reported with `is_abnormal: true`). Adding
/// sellable stock wakes shipments waiting for it.
#[utoipa::path(post, path = "/stock/adjustments", tag = "Operator", security(("ops_token" = [])),
    request_body = StockAdjustment, responses((status = 200, body = Envelope<StockRow>)))]
pub async fn adjust_stock(
    _: Operator,
    State(state): State<AppState>,
    Json(body): Json<StockAdjustment>,
) -> ApiResult<Data<StockRow>> {
    apply_adjustment(&state, &body).await.map(Data)
}

/// The stock adjustment command the API and the console share: validates, then applies.
pub async fn apply_adjustment(state: &AppState, body: &StockAdjustment) -> ApiResult<StockRow> {
    check_text(&[
        ("warehouse_code", Some(&body.warehouse_code), true, 50),
        ("oasin", Some(&body.oasin), true, 50),
        ("reason", Some(&body.reason), true, 255),
    ])?;
    if !depot_domain::stock::is_stock_level(&body.stock_level) {
        return Err(ApiError::invalid_field(
            "stock_level",
            "must be one of A, D1, D2, D3, L",
        ));
    }
    if body.quantity_delta.get() == 0 {
        return Err(ApiError::invalid_field("quantity_delta", "must not be 0"));
    }
    let adjustment = Adjustment {
        business_id: body.business_id,
        warehouse_code: body.warehouse_code.trim(),
        oasin: body.oasin.trim(),
        stock_level: &body.stock_level,
        quantity_delta: body.quantity_delta.get(),
        reason: body.reason.trim(),
    };
    let result = state.db.adjust_stock(&adjustment, state.now()).await?;
    match result {
        Ok(row) => Ok(row),
        Err(AdjustError::BusinessNotFound) => Err(ApiError::new(ErrorCode::BusinessNotFound)),
        Err(AdjustError::WarehouseNotFound) => Err(ApiError::new(ErrorCode::WarehouseNotFound)),
        Err(AdjustError::ProductNotFound) => Err(ApiError::new(ErrorCode::ProductNotFound)),
        Err(AdjustError::NotMapped) => Err(ApiError::products(
            ErrorCode::ProductsNotMappedInWarehouse,
            vec![body.oasin.clone()],
        )),
        Err(AdjustError::Insufficient(b)) => Err(ApiError::new(ErrorCode::InsufficientStock)
            .with_detail(json!({
                "on_hand": b.on_hand, "reserved": b.reserved, "available": b.available(),
            }))),
        Err(AdjustError::AboveMaximum(b)) => Err(ApiError::invalid_field(
            "quantity_delta",
            format!(
                "would take on_hand from {} past the most a balance holds ({MAX_BALANCE})",
                b.on_hand
            ),
        )),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ShipmentStatusChange {
    /// A status name of SPEC §2.1, e.g. `PICKED`.
    pub status: String,
    pub courier_tracking_code: Option<String>,
    pub courier_name: Option<String>,
    pub note: Option<String>,
}

/// Move a shipment along the flow (NEW → ALLOCATED → PICKED → PACKED → WAITING_HANDOVER →
/// HANDOVER → IN_TRANSIT …), with its stock effect: PICKED takes the goods off the shelf,
/// RETURNED_TO_SENDER puts them back.
#[utoipa::path(post, path = "/shipments/{tracking_code}/status", tag = "Operator", security(("ops_token" = [])),
    request_body = ShipmentStatusChange, responses((status = 200, body = Envelope<crate::views::ShipmentView>)))]
pub async fn shipment_status(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Json(body): Json<ShipmentStatusChange>,
) -> ApiResult<Data<Value>> {
    let s = move_shipment(&state, ctx.lang, &code, &body, None, OPERATOR_ACTOR).await?;
    Ok(Data(s.view(ctx.lang)))
}

/// The actor recorded for a change made with an operator token.
pub const OPERATOR_ACTOR: &str = "operator";

/// A shipment outside `warehouse` (when given) is answered as not found: a console page
/// works in one warehouse.
async fn shipment_in(state: &AppState, code: &str, warehouse: Option<&str>) -> ApiResult<()> {
    if let Some(w) = warehouse {
        let found = state.db.shipment_any(code).await?;
        if found.is_none_or(|s| s.warehouse_code != w) {
            return Err(ApiError::new(ErrorCode::ShipmentNotFound));
        }
    }
    Ok(())
}

/// The shipment move command the API and the console share: validates, checks the
/// warehouse scope (a console page's warehouse), moves with the stock effect and records
/// `actor` in the history.
pub async fn move_shipment(
    state: &AppState,
    lang: Lang,
    code: &str,
    body: &ShipmentStatusChange,
    warehouse: Option<&str>,
    actor: &str,
) -> ApiResult<Shipment> {
    check_text(&[
        (
            "courier_tracking_code",
            body.courier_tracking_code.as_deref(),
            false,
            100,
        ),
        ("courier_name", body.courier_name.as_deref(), false, 100),
        ("note", body.note.as_deref(), false, 1000),
    ])?;
    let to = ShipmentStatus::from_name(body.status.trim())
        .ok_or_else(|| ApiError::invalid_field("status", "is not a shipment status name"))?;
    shipment_in(state, code, warehouse).await?;
    let courier = (
        body.courier_tracking_code.as_deref(),
        body.courier_name.as_deref(),
    );
    match state
        .db
        .transition_shipment_as(code, to, courier, body.note.as_deref(), actor, state.now())
        .await?
    {
        Ok(s) => Ok(s),
        Err(TransitionError::NotFound) => Err(ApiError::new(ErrorCode::ShipmentNotFound)),
        Err(TransitionError::NotAllowed(current)) => Err(ApiError::new(
            ErrorCode::InvalidStatusTransition,
        )
        .with_detail(json!({ "status_info": current.info(lang, None), "requested": to.name() }))),
        Err(TransitionError::InsufficientStock) => Err(ApiError::new(ErrorCode::InsufficientStock)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PoReceiptLine {
    pub package_code: String,
    pub oasin: String,
    /// Units that arrived (at most the declared quantity).
    pub inbound_quantity: ReceivedQuantity,
    /// Units put away into stock (at most the inbound quantity).
    pub putaway_quantity: ReceivedQuantity,
    /// `A` (default, sellable), `D1`–`D3`, `L`.
    pub stock_level: Option<String>,
    pub batch_lot_code: Option<String>,
    /// `YYYY-MM-DD`.
    pub manufacturing_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub expiry_date: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PoReceipt {
    pub items: Vec<PoReceiptLine>,
}

fn check_date(errors: &mut Vec<(String, String)>, field: String, value: &Option<String>) {
    if let Some(v) = value {
        let ok = v.len() == 10
            && v.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !ok {
            errors.push((field, "must be a date YYYY-MM-DD".into()));
        }
    }
}

/// Receive a TRANSIT purchase order: putaway quantities enter stock (`PUTAWAY`) and wake
/// shipments waiting for them; the PO ends COMPLETED.
#[utoipa::path(post, path = "/purchase-orders/{po_code}/receive", tag = "Operator", security(("ops_token" = [])),
    request_body = PoReceipt, responses((status = 200, body = Envelope<Object>)))]
pub async fn receive_po(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Json(body): Json<PoReceipt>,
) -> ApiResult<Data<Value>> {
    let po = receive_purchase_order(&state, ctx.lang, &code, body.items, None).await?;
    Ok(Data(po.view(ctx.lang)))
}

/// The receiving command the API and the console share. With `warehouse`, a PO bound for
/// another warehouse is not found.
pub async fn receive_purchase_order(
    state: &AppState,
    lang: Lang,
    code: &str,
    items: Vec<PoReceiptLine>,
    warehouse: Option<&str>,
) -> ApiResult<PurchaseOrder> {
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        check_date(
            &mut errors,
            format!("items[{i}].manufacturing_date"),
            &item.manufacturing_date,
        );
        check_date(
            &mut errors,
            format!("items[{i}].expiry_date"),
            &item.expiry_date,
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    if let Some(w) = warehouse {
        let found = state.db.purchase_order_any(code).await?;
        if found.is_none_or(|po| po.warehouse_code != w) {
            return Err(ApiError::new(ErrorCode::PoNotFound));
        }
    }
    let receipt: Vec<ReceiptLine> = items
        .into_iter()
        .map(|i| ReceiptLine {
            package_code: i.package_code,
            oasin: i.oasin,
            inbound_quantity: i.inbound_quantity.get(),
            putaway_quantity: i.putaway_quantity.get(),
            stock_level: i.stock_level.unwrap_or_else(|| "A".into()),
            batch_lot_code: i.batch_lot_code,
            manufacturing_date: i.manufacturing_date,
            expiry_date: i.expiry_date,
        })
        .collect();
    match state
        .db
        .receive_purchase_order(code, &receipt, state.now())
        .await?
    {
        Ok(po) => Ok(po),
        Err(PoChangeError::NotFound) => Err(ApiError::new(ErrorCode::PoNotFound)),
        Err(PoChangeError::WrongStatus(s)) => {
            Err(ApiError::new(ErrorCode::InvalidStatusTransition)
                .with_detail(json!({ "status_info": s.info(lang, None) })))
        }
        Err(PoChangeError::BadLines(lines)) => Err(ApiError::invalid_fields(lines)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnReceiptLine {
    pub oasin: String,
    pub received_quantity: ReceivedQuantity,
    /// `A` (default, sellable), `D1`–`D3`, `L`. Report one line per grade.
    pub stock_level: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnReceiptBody {
    pub items: Vec<ReturnReceiptLine>,
    pub note: Option<String>,
}

/// Receive and grade a NEW return: COMPLETED when every unit came back sellable, PROBLEM
/// otherwise; sellable units restock (`RETURN_RESTOCK`).
#[utoipa::path(post, path = "/return-shipments/{return_tracking_code}/receive", tag = "Operator", security(("ops_token" = [])),
    request_body = ReturnReceiptBody, responses((status = 200, body = Envelope<Object>)))]
pub async fn receive_return(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Json(body): Json<ReturnReceiptBody>,
) -> ApiResult<Data<Value>> {
    let r = receive_return_shipment(&state, ctx.lang, &code, body, None).await?;
    Ok(Data(r.view(ctx.lang)))
}

/// The return grading command the API and the console share. With `warehouse`, a return
/// to another warehouse is not found.
pub async fn receive_return_shipment(
    state: &AppState,
    lang: Lang,
    code: &str,
    body: ReturnReceiptBody,
    warehouse: Option<&str>,
) -> ApiResult<ReturnShipment> {
    check_text(&[("note", body.note.as_deref(), false, 1000)])?;
    if let Some(w) = warehouse {
        let found = state.db.return_shipment_any(code).await?;
        if found.is_none_or(|r| r.warehouse_code != w) {
            return Err(ApiError::new(ErrorCode::ReturnShipmentNotFound));
        }
    }
    let receipts: Vec<ReturnReceipt> = body
        .items
        .into_iter()
        .map(|i| ReturnReceipt {
            oasin: i.oasin,
            received_quantity: i.received_quantity.get(),
            stock_level: i.stock_level.unwrap_or_else(|| "A".into()),
        })
        .collect();
    match state
        .db
        .receive_return(code, &receipts, body.note.as_deref(), state.now())
        .await?
    {
        Ok(r) => Ok(r),
        Err(ReturnChangeError::NotFound) => Err(ApiError::new(ErrorCode::ReturnShipmentNotFound)),
        Err(ReturnChangeError::WrongStatus(s)) => {
            Err(ApiError::new(ErrorCode::InvalidStatusTransition)
                .with_detail(json!({ "status_info": s.info(lang, None) })))
        }
        Err(ReturnChangeError::BadLines(lines)) => Err(ApiError::invalid_fields(lines)),
    }
}
