//! Handover manifests (SPEC §11 "Handover"): open one per courier, scan packed parcels onto
//! it, close it to hand every parcel over at once, print it. The work is in
//! [`super::commands`].

use super::commands::{self, parse_id, ManifestView, ParcelResultView, Pdf, PdfBytes};
use crate::auth::Operator;
use crate::envelope::{Created, Data, Envelope, Json, Page, Query, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::paging::{self, Paging};
use crate::AppState;
use axum::extract::{OriginalUri, Path, State};
use depot_domain::floor::ManifestStatus;
use depot_domain::ErrorCode;
use depot_store::floor::manifests::ManifestFilter;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateManifest {
    pub warehouse_code: String,
    /// The courier that takes the parcels; written on each as `courier_name` at close.
    pub courier_name: String,
}

/// Open a manifest (status `OPEN`, no parcels yet).
#[utoipa::path(post, path = "/manifests", tag = "Operator", security(("ops_token" = [])),
    request_body = CreateManifest,
    responses((status = 201, body = Envelope<ManifestView>), (status = 404, description = "WAREHOUSE_NOT_FOUND")))]
pub async fn create_manifest(
    _: Operator,
    State(state): State<AppState>,
    Json(body): Json<CreateManifest>,
) -> ApiResult<Created<ManifestView>> {
    let m = commands::create_manifest(&state, "operator", &body.warehouse_code, &body.courier_name)
        .await?;
    Ok(Created(m.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddParcels {
    /// 1 to 1000 tracking codes, each once.
    pub tracking_codes: Vec<String>,
}

/// Scan parcels onto an OPEN manifest: each PACKED parcel of the manifest's warehouse →
/// WAITING_HANDOVER. Always 200 when the request itself is valid; `data` is one result per
/// code, in request order (a parcel already on this manifest succeeds again).
#[utoipa::path(post, path = "/manifests/{manifest_id}/parcels", tag = "Operator", security(("ops_token" = [])),
    request_body = AddParcels,
    responses((status = 200, body = Envelope<Vec<ParcelResultView>>),
              (status = 400, description = "MANIFEST_NOT_OPEN"),
              (status = 404, description = "MANIFEST_NOT_FOUND")))]
pub async fn add_parcels(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<AddParcels>,
) -> ApiResult<Data<Vec<ParcelResultView>>> {
    let id = parse_id(&id, ErrorCode::ManifestNotFound)?;
    let results = commands::add_parcels(&state, "operator", id, body.tracking_codes).await?;
    Ok(Data(
        results
            .into_iter()
            .map(|r| ParcelResultView::new(r, ctx.lang))
            .collect(),
    ))
}

/// Close an OPEN manifest: every waiting parcel → HANDOVER with the manifest's
/// `courier_name`, in one step. A parcel cancelled while waiting leaves the manifest.
#[utoipa::path(post, path = "/manifests/{manifest_id}/close", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, body = Envelope<ManifestView>),
              (status = 400, description = "MANIFEST_NOT_OPEN"),
              (status = 404, description = "MANIFEST_NOT_FOUND")))]
pub async fn close_manifest(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<ManifestView>> {
    let id = parse_id(&id, ErrorCode::ManifestNotFound)?;
    Ok(Data(
        commands::close_manifest(&state, "operator", id)
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ManifestQuery {
    pub warehouse_code: Option<String>,
    /// `OPEN` or `CLOSED`.
    pub status: Option<String>,
}

/// Manifests, newest first.
#[utoipa::path(get, path = "/manifests", tag = "Operator", security(("ops_token" = [])),
    params(ManifestQuery, Paging), responses((status = 200, body = Envelope<Vec<ManifestView>>)))]
pub async fn list_manifests(
    _: Operator,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ManifestQuery>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<ManifestView>> {
    let page = paging.request()?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            ManifestStatus::parse(s)
                .ok_or_else(|| ApiError::invalid_field("status", "must be OPEN or CLOSED"))?,
        ),
    };
    let filter = ManifestFilter {
        warehouse_code: q
            .warehouse_code
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
        status,
    };
    let found = state.db.list_manifests(&filter, &page).await?;
    Ok(paging::reply(&uri, found, ManifestView::from))
}

/// One manifest and its parcels.
#[utoipa::path(get, path = "/manifests/{manifest_id}", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, body = Envelope<ManifestView>), (status = 404, description = "MANIFEST_NOT_FOUND")))]
pub async fn manifest(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<ManifestView>> {
    let id = parse_id(&id, ErrorCode::ManifestNotFound)?;
    Ok(Data(commands::manifest(&state, id).await?.into()))
}

/// The manifest's document (A4 PDF): every parcel with its barcode, totals, and signature
/// boxes for the warehouse and the courier.
#[utoipa::path(get, path = "/manifests/{manifest_id}/document", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, description = "The manifest", content_type = "application/pdf", body = PdfBytes),
              (status = 404, description = "MANIFEST_NOT_FOUND")))]
pub async fn manifest_document(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Pdf> {
    let id = parse_id(&id, ErrorCode::ManifestNotFound)?;
    commands::manifest_document(&state, id, ctx.lang).await
}
