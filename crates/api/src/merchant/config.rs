//! Config (SPEC §3.1): the warehouse network, brands and the address directory.

use crate::auth::Merchant;
use crate::envelope::{Envelope, Page, Query};
use crate::error::ApiResult;
use crate::AppState;
use axum::extract::State;
use depot_store::address::{District, Province, Ward};
use depot_store::catalog::{Brand, Warehouse};
use serde::Deserialize;
use utoipa::IntoParams;

fn all<T>(items: Vec<T>) -> Page<T> {
    let total = items.len() as i64;
    Page {
        items,
        total,
        next: None,
    }
}

/// Get Warehouse: every warehouse a merchant can ship from or to.
#[utoipa::path(get, path = "/warehouses", tag = "Config", security(("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<Warehouse>>)))]
pub async fn warehouses(_: Merchant, State(state): State<AppState>) -> ApiResult<Page<Warehouse>> {
    Ok(all(state.db.warehouses().await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct BrandQuery {
    /// Part of the brand name, case-insensitive.
    pub keyword: Option<String>,
}

/// Get Brand.
#[utoipa::path(get, path = "/brands", tag = "Config", params(BrandQuery), security(("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<Brand>>)))]
pub async fn brands(
    _: Merchant,
    State(state): State<AppState>,
    Query(q): Query<BrandQuery>,
) -> ApiResult<Page<Brand>> {
    Ok(all(state.db.brands(q.keyword.as_deref()).await?))
}

/// Get Province: the 63 provinces and centrally-run cities.
#[utoipa::path(get, path = "/provinces", tag = "Config", security(("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<Province>>)))]
pub async fn provinces(_: Merchant, State(state): State<AppState>) -> ApiResult<Page<Province>> {
    Ok(all(state.db.provinces().await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DistrictQuery {
    pub province_code: Option<String>,
}

/// Get District, optionally of one province.
#[utoipa::path(get, path = "/districts", tag = "Config", params(DistrictQuery), security(("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<District>>)))]
pub async fn districts(
    _: Merchant,
    State(state): State<AppState>,
    Query(q): Query<DistrictQuery>,
) -> ApiResult<Page<District>> {
    Ok(all(state.db.districts(q.province_code.as_deref()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct WardQuery {
    pub district_code: Option<String>,
}

/// Get Ward, optionally of one district.
#[utoipa::path(get, path = "/wards", tag = "Config", params(WardQuery), security(("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<Ward>>)))]
pub async fn wards(
    _: Merchant,
    State(state): State<AppState>,
    Query(q): Query<WardQuery>,
) -> ApiResult<Page<Ward>> {
    Ok(all(state.db.wards(q.district_code.as_deref()).await?))
}
