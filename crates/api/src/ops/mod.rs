//! The operator API (`/ops/v1`): what the warehouse team does. Every handler takes
//! [`Operator`], so none runs without a valid operator token. Tenants and the network are
//! here; what the warehouse floor does is in [`floor`].

pub mod businesses;
pub mod commands;
pub mod floor;
pub mod intercept;
mod labels;
mod manifests;
pub mod media;
mod shipments;
mod waves;

use crate::auth::Operator;
use crate::envelope::{Created, Data, Envelope, Json};
use crate::error::{ApiError, ApiResult};
use crate::text::check_text;
use crate::AppState;
use axum::extract::{Path, State};
use depot_domain::ErrorCode;
use depot_store::catalog::{Brand, NewWarehouse, Warehouse};
use depot_store::tenants::{Business, NewApiKey};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_business, businesses::list_businesses))
        .routes(routes!(business, businesses::update_business))
        .routes(routes!(businesses::approve_business))
        .routes(routes!(businesses::reject_business))
        .routes(routes!(businesses::suspend_business))
        .routes(routes!(businesses::reactivate_business))
        .routes(routes!(set_time_zone))
        .routes(routes!(create_api_key))
        .routes(routes!(revoke_api_key))
        .routes(routes!(reset_api_key))
        .routes(routes!(create_warehouse))
        .routes(routes!(create_brand))
        .routes(routes!(floor::adjust_stock))
        .routes(routes!(floor::shipment_status))
        .routes(routes!(intercept::answer_intercept))
        .routes(routes!(floor::receive_po))
        .routes(routes!(floor::receive_return))
        .merge(media::router())
        .merge(floor_router())
}

/// The warehouse floor's waves, labels and manifests (SPEC §11).
fn floor_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(shipments::list_shipments))
        .routes(routes!(labels::shipping_label))
        .routes(routes!(waves::create_wave, waves::list_waves))
        .routes(routes!(waves::wave))
        .routes(routes!(waves::pick_list))
        .routes(routes!(
            manifests::create_manifest,
            manifests::list_manifests
        ))
        .routes(routes!(manifests::manifest))
        .routes(routes!(manifests::add_parcels))
        .routes(routes!(manifests::close_manifest))
        .routes(routes!(manifests::manifest_document))
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct TimeZoneSetting {
    /// An IANA time zone name; report times are written in it.
    #[schema(example = "Asia/Ho_Chi_Minh")]
    pub time_zone: String,
}

/// Set the business's time zone (`Asia/Ho_Chi_Minh` until set): the times of its reports
/// are written in it.
#[utoipa::path(put, path = "/businesses/{business_id}/time-zone", tag = "Operator", security(("ops_token" = [])),
    request_body = TimeZoneSetting, responses((status = 200, body = Envelope<Business>)))]
pub async fn set_time_zone(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<TimeZoneSetting>,
) -> ApiResult<Data<Business>> {
    let id = business_id(&id)?;
    let zone = body.time_zone.trim();
    if depot_reports::Zone::named(zone).is_err() {
        return Err(ApiError::invalid_field(
            "time_zone",
            "must be an IANA time zone name, e.g. Asia/Ho_Chi_Minh",
        ));
    }
    let b = state
        .db
        .set_business_time_zone(id, zone, state.now())
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
    businesses::issue_api_key(&state, business_id(&id)?)
        .await
        .map(Created)
}

/// Revoke an API key; calls with it answer 401 from now on.
#[utoipa::path(post, path = "/api-keys/{key_id}/revoke", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, body = Envelope<serde_json::Value>)))]
pub async fn revoke_api_key(
    _: Operator,
    State(state): State<AppState>,
    Path(key_id): Path<String>,
) -> ApiResult<Data<serde_json::Value>> {
    let revoked = state.db.revoke_api_key(&key_id, state.now()).await?;
    state.keys.forget(&key_id);
    if !revoked {
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
    state.keys.forget(&key_id);
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
