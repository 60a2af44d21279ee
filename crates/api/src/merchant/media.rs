//! Evidence media of a merchant's shipments and returns (SPEC §9): the lists of what the
//! warehouse recorded, each with the capability URL that plays it.

use crate::auth::Merchant;
use crate::envelope::{Envelope, Page, Query};
use crate::error::{ApiError, ApiResult};
use crate::media::{media_object, MediaObject};
use crate::paging::{self, Paging};
use crate::AppState;
use axum::extract::{OriginalUri, Path, State};
use depot_domain::codes::CodeKind;
use depot_domain::ErrorCode;
use depot_store::list::PageRequest;
use depot_store::media::MediaOwner;

/// Evidence media of a shipment (packing videos, photos), newest first. Another business's
/// shipment answers 404.
#[utoipa::path(get, path = "/shipments/{tracking_code}/media", tag = "Shipment", security(("api_key" = [])),
    params(Paging),
    responses((status = 200, body = Envelope<Vec<MediaObject>>),
              (status = 404, description = "SHIPMENT_NOT_FOUND")))]
pub async fn shipment_media(
    m: Merchant,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<MediaObject>> {
    let owner = state.db.media_shipment_owner(&code).await?;
    list(
        &state,
        &m,
        owner,
        ErrorCode::ShipmentNotFound,
        &uri,
        &paging,
    )
    .await
}

/// Evidence media of a return shipment (inspection videos, photos), newest first. Another
/// business's return answers 404.
#[utoipa::path(get, path = "/return-shipments/b2c/{return_tracking_code}/media", tag = "Return", security(("api_key" = [])),
    params(Paging),
    responses((status = 200, body = Envelope<Vec<MediaObject>>),
              (status = 404, description = "RETURN_SHIPMENT_NOT_FOUND")))]
pub async fn return_media(
    m: Merchant,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<MediaObject>> {
    let owner = state.db.media_return_owner(&code).await?;
    list(
        &state,
        &m,
        owner,
        ErrorCode::ReturnShipmentNotFound,
        &uri,
        &paging,
    )
    .await
}

async fn list(
    state: &AppState,
    m: &Merchant,
    owner: Option<MediaOwner>,
    not_found: ErrorCode,
    uri: &axum::http::Uri,
    paging: &Paging,
) -> ApiResult<Page<MediaObject>> {
    let page = paging.request()?;
    // Another business's shipment is answered exactly as a missing one.
    let owner = owner
        .filter(|o| o.business_id() == m.business_id)
        .ok_or_else(|| ApiError::new(not_found))?;
    let found = state.db.list_media(m.business_id, owner, &page).await?;
    Ok(paging::reply(uri, found, |r| media_object(state, &r)))
}

/// Every medium of a business, newest first (and how many there are), each with the code of what it shows (a
/// shipment's tracking code or a return's): the portal's Videos page. Scoped to the business
/// like the lists above.
pub async fn business_media(
    state: &AppState,
    business_id: i64,
    page: &PageRequest,
) -> ApiResult<(Vec<(String, MediaObject)>, i64)> {
    let found = state.db.list_business_media(business_id, page).await?;
    let items = found
        .items
        .iter()
        .map(|r| {
            let owner = match (r.shipment_id, r.return_id) {
                (Some(id), _) => CodeKind::Shipment.format(id),
                (_, Some(id)) => CodeKind::ReturnShipment.format(id),
                _ => String::new(),
            };
            (owner, media_object(state, r))
        })
        .collect();
    Ok((items, found.total))
}
