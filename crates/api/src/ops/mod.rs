//! The operator API (`/ops/v1`): what the warehouse team does. Every handler takes
//! [`Operator`], so none runs without a valid operator token.

use crate::auth::Operator;
use crate::envelope::{Created, Data, Envelope, Json, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use depot_domain::status::ShipmentStatus;
use depot_domain::ErrorCode;
use depot_store::catalog::{Brand, NewWarehouse, Warehouse};
use depot_store::shipments::TransitionError;
use depot_store::stock::{AdjustError, Adjustment, StockRow};
use depot_store::tenants::{Business, NewApiKey};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_business))
        .routes(routes!(business))
        .routes(routes!(approve_business))
        .routes(routes!(create_api_key))
        .routes(routes!(revoke_api_key))
        .routes(routes!(reset_api_key))
        .routes(routes!(create_warehouse))
        .routes(routes!(create_brand))
        .routes(routes!(adjust_stock))
        .routes(routes!(shipment_status))
}

/// Checks text fields: required ones must be non-blank, all within `max` characters.
pub(crate) fn check_text(fields: &[(&str, Option<&str>, bool, usize)]) -> ApiResult<()> {
    let mut errors = Vec::new();
    for (name, value, required, max) in fields {
        match value.map(str::trim) {
            None | Some("") if *required => {
                errors.push((name.to_string(), "is required".to_string()))
            }
            Some(v) if v.chars().count() > *max => errors.push((
                name.to_string(),
                format!("must be at most {max} characters"),
            )),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_fields(errors))
    }
}

fn business_id(raw: &str) -> ApiResult<i64> {
    raw.parse()
        .map_err(|_| ApiError::new(ErrorCode::BusinessNotFound))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateBusiness {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessCreated {
    pub business_id: i64,
    pub status: &'static str,
}

/// Register a business (status PENDING until approved).
#[utoipa::path(post, path = "/businesses", tag = "Operator", security(("ops_token" = [])),
    request_body = CreateBusiness, responses((status = 201, body = Envelope<BusinessCreated>)))]
pub async fn create_business(
    _: Operator,
    State(state): State<AppState>,
    Json(body): Json<CreateBusiness>,
) -> ApiResult<Created<BusinessCreated>> {
    check_text(&[
        ("name", Some(&body.name), true, 255),
        ("email", Some(&body.email), true, 255),
    ])?;
    if !body.email.contains('@') {
        return Err(ApiError::invalid_field("email", "must be an email address"));
    }
    let b = state
        .db
        .create_business(body.name.trim(), body.email.trim(), state.now())
        .await?;
    Ok(Created(BusinessCreated {
        business_id: b.business_id,
        status: b.status.as_str(),
    }))
}

/// A business and its status.
#[utoipa::path(get, path = "/businesses/{business_id}", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, body = Envelope<Business>)))]
pub async fn business(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<Business>> {
    let b = state.db.business(business_id(&id)?).await?;
    b.map(Data)
        .ok_or_else(|| ApiError::new(ErrorCode::BusinessNotFound))
}

/// Approve a business so its keys may call the merchant API.
#[utoipa::path(post, path = "/businesses/{business_id}/approve", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, body = Envelope<Business>)))]
pub async fn approve_business(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<Business>> {
    let b = state
        .db
        .approve_business(business_id(&id)?, state.now())
        .await?;
    b.map(Data)
        .ok_or_else(|| ApiError::new(ErrorCode::BusinessNotFound))
}

/// Issue an API key. The secret is shown in this reply only.
#[utoipa::path(post, path = "/businesses/{business_id}/api-keys", tag = "Operator", security(("ops_token" = [])),
    responses((status = 201, body = Envelope<NewApiKey>)))]
pub async fn create_api_key(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Created<NewApiKey>> {
    let key = state
        .db
        .create_api_key(business_id(&id)?, state.now())
        .await?;
    key.map(Created)
        .ok_or_else(|| ApiError::new(ErrorCode::BusinessNotFound))
}

/// Revoke an API key; calls with it answer 401 from now on.
#[utoipa::path(post, path = "/api-keys/{key_id}/revoke", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, body = Envelope<serde_json::Value>)))]
pub async fn revoke_api_key(
    _: Operator,
    State(state): State<AppState>,
    Path(key_id): Path<String>,
) -> ApiResult<Data<serde_json::Value>> {
    if !state.db.revoke_api_key(&key_id, state.now()).await? {
        return Err(ApiError::new(ErrorCode::ApiKeyNotFound));
    }
    Ok(Data(json!({ "key_id": key_id, "revoked": true })))
}

/// Reset an API key: a new key for the same business, and the old one revoked.
#[utoipa::path(post, path = "/api-keys/{key_id}/reset", tag = "Operator", security(("ops_token" = [])),
    responses((status = 201, body = Envelope<NewApiKey>)))]
pub async fn reset_api_key(
    _: Operator,
    State(state): State<AppState>,
    Path(key_id): Path<String>,
) -> ApiResult<Created<NewApiKey>> {
    let key = state.db.reset_api_key(&key_id, state.now()).await?;
    key.map(Created)
        .ok_or_else(|| ApiError::new(ErrorCode::ApiKeyNotFound))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWarehouse {
    pub warehouse_code: String,
    pub name: String,
    pub address: String,
    pub province_code: Option<String>,
    pub district_code: Option<String>,
    pub ward_code: Option<String>,
}

/// Add a warehouse to the network.
#[utoipa::path(post, path = "/warehouses", tag = "Operator", security(("ops_token" = [])),
    request_body = CreateWarehouse, responses((status = 201, body = Envelope<Warehouse>)))]
pub async fn create_warehouse(
    _: Operator,
    State(state): State<AppState>,
    Json(body): Json<CreateWarehouse>,
) -> ApiResult<Created<Warehouse>> {
    check_text(&[
        ("warehouse_code", Some(&body.warehouse_code), true, 20),
        ("name", Some(&body.name), true, 255),
        ("address", Some(&body.address), true, 500),
        ("province_code", body.province_code.as_deref(), false, 10),
        ("district_code", body.district_code.as_deref(), false, 10),
        ("ward_code", body.ward_code.as_deref(), false, 10),
    ])?;
    let warehouse = Warehouse {
        id: 0,
        warehouse_code: body.warehouse_code.trim().to_string(),
        name: body.name.trim().to_string(),
        address: body.address.trim().to_string(),
        province_code: body.province_code,
        district_code: body.district_code,
        ward_code: body.ward_code,
    };
    match state.db.create_warehouse(&warehouse, state.now()).await? {
        NewWarehouse::Created(w) => Ok(Created(w)),
        NewWarehouse::CodeTaken => Err(ApiError::new(ErrorCode::WarehouseAlreadyExists)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateBrand {
    pub name: String,
}

/// Add a brand merchants can put on products.
#[utoipa::path(post, path = "/brands", tag = "Operator", security(("ops_token" = [])),
    request_body = CreateBrand, responses((status = 201, body = Envelope<Brand>)))]
pub async fn create_brand(
    _: Operator,
    State(state): State<AppState>,
    Json(body): Json<CreateBrand>,
) -> ApiResult<Created<Brand>> {
    check_text(&[("name", Some(&body.name), true, 255)])?;
    Ok(Created(
        state.db.create_brand(body.name.trim(), state.now()).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StockAdjustment {
    pub business_id: i64,
    pub warehouse_code: String,
    pub oasin: String,
    /// `A` (sellable), `D1`–`D3` (damaged grades) or `L`.
    pub stock_level: String,
    /// Positive adds stock, negative removes it; never below what is reserved.
    pub quantity_delta: i64,
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
    if body.quantity_delta == 0 {
        return Err(ApiError::invalid_field("quantity_delta", "must not be 0"));
    }
    let adjustment = Adjustment {
        business_id: body.business_id,
        warehouse_code: body.warehouse_code.trim(),
        oasin: body.oasin.trim(),
        stock_level: &body.stock_level,
        quantity_delta: body.quantity_delta,
        reason: body.reason.trim(),
    };
    let result = state.db.adjust_stock(&adjustment, state.now()).await?;
    match result {
        Ok(row) => Ok(Data(row)),
        Err(AdjustError::BusinessNotFound) => Err(ApiError::new(ErrorCode::BusinessNotFound)),
        Err(AdjustError::WarehouseNotFound) => Err(ApiError::new(ErrorCode::WarehouseNotFound)),
        Err(AdjustError::ProductNotFound) => Err(ApiError::new(ErrorCode::ProductNotFound)),
        Err(AdjustError::NotMapped) => Err(ApiError::products(
            ErrorCode::ProductsNotMappedInWarehouse,
            vec![body.oasin],
        )),
        Err(AdjustError::Insufficient(b)) => Err(ApiError::new(ErrorCode::InsufficientStock)
            .with_detail(json!({
                "on_hand": b.on_hand, "reserved": b.reserved, "available": b.available(),
            }))),
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
    request_body = ShipmentStatusChange, responses((status = 200, body = Envelope<crate::merchant::shipments::ShipmentView>)))]
pub async fn shipment_status(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Json(body): Json<ShipmentStatusChange>,
) -> ApiResult<Data<serde_json::Value>> {
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
    let courier = (
        body.courier_tracking_code.as_deref(),
        body.courier_name.as_deref(),
    );
    match state
        .db
        .transition_shipment(&code, to, courier, body.note.as_deref(), state.now())
        .await?
    {
        Ok(s) => Ok(Data(s.view(ctx.lang))),
        Err(TransitionError::NotFound) => Err(ApiError::new(ErrorCode::ShipmentNotFound)),
        Err(TransitionError::NotAllowed(current)) => Err(ApiError::new(
            ErrorCode::InvalidStatusTransition,
        )
        .with_detail(
            json!({ "status_info": current.info(ctx.lang, None), "requested": to.name() }),
        )),
        Err(TransitionError::InsufficientStock) => Err(ApiError::new(ErrorCode::InsufficientStock)),
    }
}
