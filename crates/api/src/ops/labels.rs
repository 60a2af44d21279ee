//! The shipping label (SPEC §11 "Pack station").

use super::commands::{self, Pdf, PdfBytes};
use crate::auth::Operator;
use crate::envelope::ReplyContext;
use crate::error::ApiResult;
use crate::AppState;
use axum::extract::{Path, State};

/// A parcel's shipping label (A6 PDF): tracking code as Code 128, merchant reference,
/// receiver, COD amount, courier, warehouse. From PACKED on; a shipment not yet packed (or
/// cancelled) answers `SHIPMENT_NOT_PACKED` with its `status_info`.
#[utoipa::path(get, path = "/shipments/{tracking_code}/label", tag = "Operator", security(("ops_token" = [])),
    responses((status = 200, description = "The label", content_type = "application/pdf", body = PdfBytes),
              (status = 400, description = "SHIPMENT_NOT_PACKED"),
              (status = 404, description = "SHIPMENT_NOT_FOUND")))]
pub async fn shipping_label(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Pdf> {
    commands::shipping_label(&state, &code, ctx.lang).await
}
