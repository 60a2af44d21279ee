//! The carrier side's answer to an intercept request (SPEC §7).

use crate::auth::Operator;
use crate::envelope::{Data, Envelope, Json, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::text::check_text;
use crate::AppState;
use axum::extract::{Path, State};
use depot_domain::intercept::Outcome;
use depot_domain::{ErrorCode, Lang};
use depot_store::shipments::{AnswerError, Shipment};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct InterceptAnswer {
    /// `CONFIRMED` (the parcel turns back: 360 RETURNING) or `FAILED` (it goes on).
    pub outcome: String,
    /// The carrier's words, shown as the intercept's `note` (at most 1000 characters).
    pub note: Option<String>,
}

/// What a refused answer shows: the current status and the latest request.
fn current(shipment: &Shipment, lang: Lang) -> Value {
    json!({
        "status_info": shipment.status.info(lang, Some(shipment.status_time)),
        "intercept": shipment.intercept.as_ref().map(|i| i.view()),
    })
}

/// Answer a shipment's intercept request. CONFIRMED moves the shipment to 360 RETURNING,
/// from which only RETURNED_TO_SENDER follows; FAILED leaves the status. Repeating the same
/// answer changes nothing. Answers the shipment's detail.
#[utoipa::path(post, path = "/shipments/{tracking_code}/intercept", tag = "Operator", security(("ops_token" = [])),
    request_body = InterceptAnswer, responses((status = 200, body = Envelope<crate::views::ShipmentView>)))]
pub async fn answer_intercept(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Json(body): Json<InterceptAnswer>,
) -> ApiResult<Data<Value>> {
    let s = resolve_intercept(
        &state,
        ctx.lang,
        &code,
        &body,
        None,
        super::floor::OPERATOR_ACTOR,
    )
    .await?;
    Ok(Data(s.view(ctx.lang)))
}

/// The intercept answer command the API and the console share. With `warehouse`, a
/// shipment of another warehouse is not found; `actor` is recorded with the answer.
pub async fn resolve_intercept(
    state: &AppState,
    lang: Lang,
    code: &str,
    body: &InterceptAnswer,
    warehouse: Option<&str>,
    actor: &str,
) -> ApiResult<Shipment> {
    check_text(&[("note", body.note.as_deref(), false, 1000)])?;
    let outcome = Outcome::parse(&body.outcome)
        .ok_or_else(|| ApiError::invalid_field("outcome", "must be CONFIRMED or FAILED"))?;
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(w) = warehouse {
        let found = state.db.shipment_any(code).await?;
        if found.is_none_or(|s| s.warehouse_code != w) {
            return Err(ApiError::new(ErrorCode::ShipmentNotFound));
        }
    }
    match state
        .db
        .answer_intercept(code, outcome, note, actor, state.now())
        .await?
    {
        Ok(s) => Ok(s),
        Err(AnswerError::NotFound) => Err(ApiError::new(ErrorCode::ShipmentNotFound)),
        Err(AnswerError::NoRequest(s)) => {
            Err(ApiError::new(ErrorCode::InterceptNotFound).with_detail(current(&s, lang)))
        }
        Err(AnswerError::AlreadyResolved(s)) => {
            Err(ApiError::new(ErrorCode::InterceptAlreadyResolved).with_detail(current(&s, lang)))
        }
        Err(AnswerError::NotInterceptable(s)) => {
            Err(ApiError::new(ErrorCode::ShipmentCannotIntercept).with_detail(current(&s, lang)))
        }
    }
}
