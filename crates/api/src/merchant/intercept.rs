//! Intercept requests (SPEC §7): asking for a parcel back once the carrier holds it, one
//! shipment or up to 100 at once. The handlers only translate: the decision is
//! `depot_domain::intercept`, applied by `Db::request_intercepts` in one transaction.

use super::shipments::{parse_reason, MAX_BULK};
use crate::auth::Merchant;
use crate::envelope::{Data, Envelope, Json, OptionalJson, Page, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use depot_domain::codes::CodeKind;
use depot_domain::{ErrorCode, Lang};
use depot_store::shipments::{InterceptCommand, InterceptError, Shipment};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

/// Body of an intercept request; both fields optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct InterceptRequest {
    /// One of SPEC §3.6 (default `OTHER`).
    pub reason_code: Option<String>,
    /// At most 255 characters.
    pub reason_note: Option<String>,
}

/// The intercept object: `{status, requested_time, resolved_time, reason {code, note}, note}`.
#[derive(Debug, serde::Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct InterceptObject(pub Value);

fn command(code: Option<&str>, note: Option<&String>) -> ApiResult<InterceptCommand> {
    let (reason, reason_note) = parse_reason(code, note)?;
    Ok(InterceptCommand {
        reason,
        reason_note,
        actor: "merchant".into(),
    })
}

/// The intercept object of a shipment a request succeeded for (it always has one).
fn object(shipment: &Shipment) -> Value {
    serde_json::to_value(shipment.intercept.as_ref().map(|i| i.view()))
        .expect("an intercept serialises")
}

/// The native answer to a refused request.
pub fn intercept_error(e: &InterceptError, lang: Lang) -> ApiError {
    match e {
        InterceptError::NotFound => ApiError::new(ErrorCode::ShipmentNotFound),
        InterceptError::NotInterceptable(status, time) => {
            ApiError::new(ErrorCode::ShipmentCannotIntercept)
                .with_detail(json!({ "status_info": status.info(lang, Some(*time)) }))
        }
    }
}

/// The intercept command every face calls for one shipment: the intercept object.
pub async fn intercept(
    state: &AppState,
    business_id: i64,
    code: &str,
    body: InterceptRequest,
    actor: &str,
    lang: Lang,
) -> ApiResult<Value> {
    let mut cmd = command(body.reason_code.as_deref(), body.reason_note.as_ref())?;
    cmd.actor = actor.into();
    let Some(id) = CodeKind::Shipment.parse(code) else {
        return Err(ApiError::new(ErrorCode::ShipmentNotFound));
    };
    let mut results = state
        .db
        .request_intercepts(business_id, &[Some(id)], &cmd, state.now())
        .await?;
    match results.pop().expect("one result per id") {
        Ok(shipment) => Ok(object(&shipment)),
        Err(e) => Err(intercept_error(&e, lang)),
    }
}

/// Intercept a B2C shipment: ask the carrier to bring back a parcel it holds (HANDOVER,
/// IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERY_FAILED). Repeating it while a request is open, or
/// after it was confirmed, answers that request; after a FAILED one a new request is made.
#[utoipa::path(post, path = "/shipments/b2c/{tracking_code}/intercept", tag = "Shipment", security(("api_key" = [])),
    request_body(content = InterceptRequest, description = "Optional"),
    responses((status = 200, body = Envelope<InterceptObject>)))]
pub async fn intercept_shipment(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
    OptionalJson(body): OptionalJson<InterceptRequest>,
) -> ApiResult<Data<Value>> {
    let reply = intercept(&state, m.business_id, &code, body, "merchant", ctx.lang).await?;
    Ok(Data(reply))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkInterceptRequest {
    /// 1 to 100 tracking codes.
    pub tracking_codes: Vec<String>,
    pub reason_code: Option<String>,
    pub reason_note: Option<String>,
}

/// Bulk intercept: one result per requested code, in request order, each
/// `{tracking_code, success, status_info, intercept, error_code, messages}`; each code is
/// requested or refused on its own.
#[utoipa::path(post, path = "/shipments/b2c/intercept", tag = "Shipment", security(("api_key" = [])),
    request_body = BulkInterceptRequest, responses((status = 200, body = Envelope<Vec<Object>>)))]
pub async fn bulk_intercept(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Json(body): Json<BulkInterceptRequest>,
) -> ApiResult<Page<Value>> {
    if body.tracking_codes.is_empty() || body.tracking_codes.len() > MAX_BULK {
        return Err(ApiError::invalid_field(
            "tracking_codes",
            format!("must hold 1 to {MAX_BULK} codes"),
        ));
    }
    let cmd = command(body.reason_code.as_deref(), body.reason_note.as_ref())?;
    let ids: Vec<Option<i64>> = body
        .tracking_codes
        .iter()
        .map(|c| CodeKind::Shipment.parse(c))
        .collect();
    let results = state
        .db
        .request_intercepts(m.business_id, &ids, &cmd, state.now())
        .await?;
    let items: Vec<Value> = body
        .tracking_codes
        .iter()
        .zip(results)
        .map(|(code, result)| match result {
            Ok(s) => json!({
                "tracking_code": code,
                "success": true,
                "status_info": s.status.info(ctx.lang, Some(s.status_time)),
                "intercept": object(&s),
                "error_code": null,
                "messages": "OK",
            }),
            Err(e) => {
                let current = match &e {
                    InterceptError::NotInterceptable(status, time) => {
                        json!(status.info(ctx.lang, Some(*time)))
                    }
                    InterceptError::NotFound => Value::Null,
                };
                let error = intercept_error(&e, ctx.lang);
                json!({
                    "tracking_code": code,
                    "success": false,
                    "status_info": current,
                    "intercept": null,
                    "error_code": error.code.as_str(),
                    "messages": error.localized_message(ctx.lang),
                })
            }
        })
        .collect();
    let total = items.len() as i64;
    Ok(Page {
        items,
        total,
        next: None,
    })
}
