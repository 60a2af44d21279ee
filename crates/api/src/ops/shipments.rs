//! The operator's shipment list (SPEC §11): the merchant list's filters, paging and cursor,
//! across businesses, narrowed by business, wave or manifest.

use super::commands::floor_shipment_view;
use crate::auth::Operator;
use crate::envelope::{Envelope, Page, Query, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::merchant::shipments::ShipmentQuery;
use crate::paging::{self, Paging};
use crate::AppState;
use axum::extract::{OriginalUri, State};
use depot_store::list::TimeRange;
use depot_store::shipments::FloorShipmentFilter;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// Shipment detail (SPEC §3.4) with the `business_id` it belongs to.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct FloorShipmentView(pub Value);

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FloorShipmentQuery {
    pub business_id: Option<String>,
    /// Only the shipments released in this wave.
    pub wave_id: Option<String>,
    /// Only the parcels on this manifest.
    pub manifest_id: Option<String>,
}

fn id_filter(field: &str, raw: Option<&str>) -> ApiResult<Option<i64>> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::invalid_field(field, "must be an integer id")),
    }
}

/// Shipments of every business, newest first, with the merchant list's filters plus
/// `business_id`, `wave_id` and `manifest_id`.
#[utoipa::path(get, path = "/shipments", tag = "Operator", security(("ops_token" = [])),
    params(FloorShipmentQuery, ShipmentQuery, TimeRange, Paging),
    responses((status = 200, body = Envelope<Vec<FloorShipmentView>>)))]
#[allow(clippy::too_many_arguments)] // one extractor per part of the query
pub async fn list_shipments(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(floor): Query<FloorShipmentQuery>,
    Query(q): Query<ShipmentQuery>,
    Query(times): Query<TimeRange>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<Value>> {
    let page = paging.request()?;
    let filter = FloorShipmentFilter {
        business_id: id_filter("business_id", floor.business_id.as_deref())?,
        wave_id: id_filter("wave_id", floor.wave_id.as_deref())?,
        manifest_id: id_filter("manifest_id", floor.manifest_id.as_deref())?,
        shipments: q.filter(times)?,
    };
    let found = state.db.list_floor_shipments(&filter, &page).await?;
    Ok(paging::reply(&uri, found, |s| {
        floor_shipment_view(&s, ctx.lang)
    }))
}
