//! Waves (SPEC §11 "Release"): release NEW shipments of a warehouse to the floor together,
//! list and read waves, print a wave's pick list. The work is in [`super::commands`].

use super::commands::{self, parse_id, Pdf, PdfBytes, WaveView};
use crate::auth::Operator;
use crate::envelope::{Created, Data, Envelope, Json, Page, Query, ReplyContext};
use crate::error::ApiResult;
use crate::paging::{self, Paging};
use crate::AppState;
use axum::extract::{OriginalUri, Path, State};
use depot_domain::ErrorCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWave {
    pub warehouse_code: String,
    /// 1 to 1000 tracking codes, each a NEW shipment of the warehouse, each once.
    pub tracking_codes: Vec<String>,
}

/// Release a wave: every shipment → ALLOCATED, with the stock effects, history and webhooks
/// of any status move. All or nothing: a code that is not a NEW shipment of this warehouse
/// releases none, with `SHIPMENTS_NOT_RELEASABLE` and the offenders in `error_detail`.
#[utoipa::path(post, path = "/waves", tag = "Operator", security(("ops_token" = [])),
    request_body = CreateWave,
    responses((status = 201, body = Envelope<WaveView>),
              (status = 400, description = "SHIPMENTS_NOT_RELEASABLE: `error_detail.tracking_codes` and `error_detail.reasons`")))]
pub async fn create_wave(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Json(body): Json<CreateWave>,
) -> ApiResult<Created<WaveView>> {
    let wave = commands::release_wave(
        &state,
        "operator",
        ctx.lang,
        &body.warehouse_code,
        body.tracking_codes,
    )
    .await?;
    Ok(Created(wave.into()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct WaveQuery {
    pub warehouse_code: Option<String>,
}

/// Waves, newest first.
#[utoipa::path(get, path = "/waves", tag = "Operator", security(("ops_token" = [])),
    params(WaveQuery, Paging), responses((status = 200, body = Envelope<Vec<WaveView>>)))]
pub async fn list_waves(
    _: Operator,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<WaveQuery>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<WaveView>> {
    let page = paging.request()?;
    let code = q
        .warehouse_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let found = state.db.list_waves(code, &page).await?;
    Ok(paging::reply(&uri, found, WaveView::from))
}

/// One wave and its shipments.
#[utoipa::path(get, path = "/waves/{wave_id}", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, body = Envelope<WaveView>), (status = 404, description = "WAVE_NOT_FOUND")))]
pub async fn wave(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<WaveView>> {
    let id = parse_id(&id, ErrorCode::WaveNotFound)?;
    Ok(Data(commands::wave(&state, id).await?.into()))
}

/// The wave's pick list (A4 PDF): quantities by product (SKU, name, barcode, total) with the
/// shipments under each; the wave id as a Code 128 barcode.
#[utoipa::path(get, path = "/waves/{wave_id}/pick-list", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, description = "The pick list", content_type = "application/pdf", body = PdfBytes),
              (status = 404, description = "WAVE_NOT_FOUND")))]
pub async fn pick_list(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Pdf> {
    let id = parse_id(&id, ErrorCode::WaveNotFound)?;
    commands::pick_list(&state, id, ctx.lang).await
}
