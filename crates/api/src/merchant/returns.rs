//! B2C return shipments (SPEC §3.5).

use crate::auth::Merchant;
use crate::envelope::{Data, Json, Page, Query, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::paging::{self, Paging};
use crate::text::check_text;
use crate::AppState;
use axum::extract::{OriginalUri, Path, State};
use depot_domain::quantity::Quantity;
use depot_domain::status::ReturnStatus;
use depot_domain::{ErrorCode, Lang};
use depot_store::list::{PageOf, PageRequest};
use depot_store::returns::{
    CreateReturnError, NewReturn, ReturnChangeError, ReturnFilter, ReturnShipment,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnItem {
    pub oasin: String,
    pub product_quantity: Quantity,
}

/// Create Return B2C Shipment body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateReturn {
    pub warehouse_code: String,
    /// A shipment of this business that reached HANDOVER.
    pub shipment_tracking_code: String,
    /// Unique per business.
    pub merchant_return_tracking_code_reference: String,
    pub partner_tracking_code: Option<String>,
    pub return_courier_tracking_code: Option<String>,
    /// At most what the shipment carried, less earlier returns.
    pub items: Vec<ReturnItem>,
    pub note: Option<String>,
}

/// Create Return B2C Shipment (status NEW).
#[utoipa::path(post, path = "/return-shipments/b2c/create", tag = "Return", security(("api_key" = [])),
    request_body = CreateReturn, responses((status = 200, body = crate::envelope::Envelope<Object>)))]
pub async fn create_return(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Json(body): Json<CreateReturn>,
) -> ApiResult<Data<Value>> {
    create(&state, m.business_id, body, ctx.lang)
        .await
        .map(|r| Data(r.view(ctx.lang)))
}

/// Create Return B2C Shipment as the API and the portal do it.
pub async fn create(
    state: &AppState,
    business_id: i64,
    body: CreateReturn,
    lang: Lang,
) -> ApiResult<ReturnShipment> {
    check_text(&[
        ("warehouse_code", Some(&body.warehouse_code), true, 50),
        (
            "shipment_tracking_code",
            Some(&body.shipment_tracking_code),
            true,
            50,
        ),
        (
            "merchant_return_tracking_code_reference",
            Some(&body.merchant_return_tracking_code_reference),
            true,
            100,
        ),
        (
            "partner_tracking_code",
            body.partner_tracking_code.as_deref(),
            false,
            100,
        ),
        (
            "return_courier_tracking_code",
            body.return_courier_tracking_code.as_deref(),
            false,
            100,
        ),
        ("note", body.note.as_deref(), false, 1000),
    ])?;
    let mut errors = Vec::new();
    if body.items.is_empty() || body.items.len() > 100 {
        errors.push(("items".to_string(), "must hold 1 to 100 lines".to_string()));
    }
    let mut seen = HashSet::new();
    for (i, item) in body.items.iter().enumerate() {
        if !seen.insert(item.oasin.trim()) {
            errors.push((format!("items[{i}].oasin"), "is repeated".into()));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let new = NewReturn {
        warehouse_code: body.warehouse_code.trim().to_string(),
        shipment_tracking_code: body.shipment_tracking_code.trim().to_string(),
        merchant_return_tracking_code_reference: body
            .merchant_return_tracking_code_reference
            .trim()
            .to_string(),
        partner_tracking_code: body.partner_tracking_code,
        return_courier_tracking_code: body.return_courier_tracking_code,
        items: body
            .items
            .into_iter()
            .map(|i| (i.oasin.trim().to_string(), i.product_quantity.get()))
            .collect(),
        note: body.note,
    };
    match state.db.create_return(business_id, &new, state.now()).await? {
        Ok(r) => Ok(r),
        Err(CreateReturnError::WarehouseNotFound) => Err(ApiError::new(ErrorCode::WarehouseNotFound)),
        Err(CreateReturnError::ShipmentNotFound) => Err(ApiError::new(ErrorCode::ShipmentNotFound)),
        Err(CreateReturnError::NotReturnable(s)) => Err(ApiError::new(ErrorCode::ShipmentNotReturnable)
            .with_detail(json!({ "status_info": s.info(lang, None) }))),
        Err(CreateReturnError::NotInShipment(list)) => Err(ApiError::products(ErrorCode::ProductsByOasinNotFound, list)),
        Err(CreateReturnError::NotMapped(list)) => Err(ApiError::products(ErrorCode::ProductsNotMappedInWarehouse, list)),
        Err(CreateReturnError::TooMany(fields)) => Err(ApiError::invalid_fields(fields)),
        Err(CreateReturnError::DuplicateReference) => Err(ApiError::new(ErrorCode::DuplicateReference)
            .with_detail(json!({ "merchant_return_tracking_code_reference": [new.merchant_return_tracking_code_reference] }))),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ReturnQuery {
    /// Status value (`350`) or name (`PROBLEM`).
    pub status: Option<String>,
    pub shipment_tracking_code: Option<String>,
    pub return_tracking_code: Option<String>,
    pub warehouse_code: Option<String>,
}

/// Get Return B2C Shipment List, newest first.
#[utoipa::path(get, path = "/return-shipments/b2c", tag = "Return", security(("api_key" = [])),
    params(ReturnQuery, Paging), responses((status = 200, body = crate::envelope::Envelope<Vec<Object>>)))]
pub async fn list_returns(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ReturnQuery>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<Value>> {
    let page = paging.request()?;
    let found = list(&state, m.business_id, q, &page).await?;
    Ok(paging::reply(&uri, found, |r| r.view(ctx.lang)))
}

/// Get Return B2C Shipment List as the API and the portal do it.
pub async fn list(
    state: &AppState,
    business_id: i64,
    q: ReturnQuery,
    page: &PageRequest,
) -> ApiResult<PageOf<ReturnShipment>> {
    let status = paging::status_filter(
        q.status.as_deref(),
        ReturnStatus::parse,
        ReturnStatus::value,
    )?;
    let filter = ReturnFilter {
        status,
        shipment_tracking_code: q.shipment_tracking_code,
        return_tracking_code: q.return_tracking_code,
        warehouse_code: q.warehouse_code,
    };
    Ok(state.db.list_returns(business_id, &filter, page).await?)
}

/// Get Return B2C Shipment Detail as the API and the portal do it.
pub async fn detail(state: &AppState, business_id: i64, code: &str) -> ApiResult<ReturnShipment> {
    state
        .db
        .return_shipment(business_id, code)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::ReturnShipmentNotFound))
}

/// Get Return B2C Shipment Detail.
#[utoipa::path(get, path = "/return-shipments/b2c/{return_tracking_code}/detail", tag = "Return", security(("api_key" = [])),
    responses((status = 200, body = crate::envelope::Envelope<Object>)))]
pub async fn return_detail(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Data<Value>> {
    detail(&state, m.business_id, &code)
        .await
        .map(|r| Data(r.view(ctx.lang)))
}

/// Cancel Return B2C Shipment: only while NEW; cancelling again succeeds with the same result.
#[utoipa::path(put, path = "/return-shipments/b2c/{return_tracking_code}/cancel", tag = "Return", security(("api_key" = [])),
    responses((status = 200, body = crate::envelope::Envelope<Object>)))]
pub async fn cancel_return(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Data<Value>> {
    let r = cancel(&state, m.business_id, &code, ctx.lang).await?;
    Ok(Data(json!({
        "success": true,
        "status_info": r.status.info(ctx.lang, Some(r.status_time)),
        "cancelled_time": r.cancelled_time,
    })))
}

/// Cancel Return B2C Shipment as the API and the portal do it.
pub async fn cancel(
    state: &AppState,
    business_id: i64,
    code: &str,
    lang: Lang,
) -> ApiResult<ReturnShipment> {
    match state
        .db
        .cancel_return(business_id, code, state.now())
        .await?
    {
        Ok(r) => Ok(r),
        Err(ReturnChangeError::NotFound) => Err(ApiError::new(ErrorCode::ReturnShipmentNotFound)),
        Err(ReturnChangeError::WrongStatus(s)) => {
            Err(ApiError::new(ErrorCode::ReturnShipmentCannotCancel)
                .with_detail(json!({ "status_info": s.info(lang, None) })))
        }
        Err(ReturnChangeError::BadLines(lines)) => Err(ApiError::invalid_fields(lines)),
    }
}
