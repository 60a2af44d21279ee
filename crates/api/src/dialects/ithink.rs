//! iThink Logistics "Cancel Order V3" (SPEC §5.2, seed `003_…`).
//!
//! POST `/ithink/api_v3/order/cancel.json`, body `{"data": {access_token, secret_key,
//! awb_numbers}}`: the credentials travel in the body (`access_token` = key id, `secret_key` =
//! secret), `awb_numbers` is a comma-separated string of 1–100 AWBs. Each AWB is a shipment's
//! `courier_tracking_code` or its `tracking_code`; they go to `Db::cancel_shipments` (the native
//! bulk cancel's path), each decided on its own, under the native guard (before HANDOVER).
//!
//! Like iThink, the endpoint always answers HTTP 200: the outcome is in the body's `status` /
//! `status_code` (400, 401, 403, 429, 500 on errors) — only a wrong method or an unknown path
//! below `/ithink` answers 405 / 404, since no iThink call was made.

use super::{
    caller_for_token, check_limit, json_reply, live_first, parse_body, system_now, with_limit,
    AuthFailure, BodyError, RawJson,
};
use crate::AppState;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use depot_domain::cancel::{CancelGuard, CancelReason, Refusal};
use depot_domain::codes::CodeKind;
use depot_domain::Lang;
use depot_store::shipments::{CancelCommand, CancelError, Shipment, ShipmentLookup};
use depot_store::tenants::join_token;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

/// Documented: at most 100 AWBs in one request.
pub const MAX_AWBS: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(own_errors(routes!(cancel)))
        .fallback(|| async { error(StatusCode::NOT_FOUND, 404, "Unknown endpoint.") })
}

fn own_errors(
    (schemas, paths, method_router): UtoipaMethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState> {
    let method_router = method_router
        .fallback(|method: Method| async move {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                405,
                &format!("Method {method} not allowed. Use POST."),
            )
        })
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!(time = system_now(), "ithink handler panicked");
            error(StatusCode::OK, 500, "Internal server error.")
        }));
    (schemas, paths, method_router)
}

/// `{"status": "error", "status_code", "html_message", "data": {}}`.
fn error(http: StatusCode, status_code: u16, message: &str) -> Response {
    json_reply(
        http,
        &json!({
            "status": "error",
            "status_code": status_code,
            "html_message": message,
            "data": {},
        }),
    )
}

/// An error the endpoint itself answers: HTTP 200, the code in the body.
fn refused(status_code: u16, message: &str) -> Response {
    error(StatusCode::OK, status_code, message)
}

/// `awb_numbers` as iThink sends it: a comma-separated string (a bare number is read as one AWB).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AwbNumbers {
    Text(String),
    Number(u64),
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct IthinkCancelData {
    /// The API key id (`dpk_…`).
    #[schema(value_type = String, required = true, example = "dpk_0123456789abcdef")]
    pub access_token: Option<String>,
    /// The API key secret.
    #[schema(value_type = String, required = true, example = "65tghjmads9dbcd892ad4987jmn602a7")]
    pub secret_key: Option<String>,
    /// Comma-separated AWBs, 1 to 100; spaces around each are ignored, as are empty entries.
    #[schema(value_type = String, required = true, example = "86210010463,86210010464")]
    pub awb_numbers: Option<AwbNumbers>,
}

/// Cancel Order body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct IthinkCancelRequest {
    #[schema(value_type = IthinkCancelData, required = true)]
    pub data: Option<IthinkCancelData>,
}

/// The AWBs of a request, in order: trimmed, empty entries dropped.
pub fn split_awbs(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

const DOC_OK: &str = r#"{"status":"success","status_code":200,"html_message":"","data":{"1":{"status":"Success","remark":"","refnum":"GK0034","awb_number":"86210010463"},"2":{"status":"Failed","remark":"Shipment already handed over to the carrier (Handed over to the carrier); it cannot be cancelled.","refnum":"GK0035","awb_number":"86210010464"}}}"#;
const DOC_ERROR: &str = r#"{"status":"error","status_code":401,"html_message":"Invalid access_token or secret_key.","data":{}}"#;

/// iThink Logistics: Cancel Order V3. Cancels 1–100 shipments by AWB (courier tracking code or
/// Depot tracking code) before HANDOVER; one result per AWB, keyed by its 1-based position.
/// Always HTTP 200: errors are `status: "error"` with `status_code` 400 (bad request, more than
/// 100 AWBs), 401 (bad credentials), 403 (business not approved), 429 (rate limit), 500.
#[utoipa::path(post, path = "/api_v3/order/cancel.json", tag = "Dialect: iThink Logistics",
    request_body = IthinkCancelRequest,
    responses(
        (status = 200, description = "Per-AWB results, or `status: \"error\"` with the reason", body = Object,
            examples(
                ("results" = (value = json!(serde_json::from_str::<Value>(DOC_OK).unwrap()))),
                ("error" = (value = json!(serde_json::from_str::<Value>(DOC_ERROR).unwrap()))),
            )),
    ))]
pub async fn cancel(State(state): State<AppState>, body: RawJson) -> Response {
    let body: IthinkCancelRequest = match parse_body(body) {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return refused(400, "The request body is too large."),
        Err(BodyError::NotJson) => {
            return refused(
                415,
                "Invalid request: Content-Type must be application/json.",
            )
        }
        Err(BodyError::Invalid(why)) => return refused(400, &format!("Invalid request: {why}.")),
    };
    let data = body.data.unwrap_or_default();
    let (Some(key_id), Some(secret)) = (
        data.access_token
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
        data.secret_key
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    ) else {
        return refused(401, "access_token and secret_key are required.");
    };
    let caller = match caller_for_token(&state, &join_token(key_id, secret)).await {
        Ok(caller) => caller,
        Err(AuthFailure::Invalid) => return refused(401, "Invalid access_token or secret_key."),
        Err(AuthFailure::NotApproved) => return refused(403, "This account is not approved yet."),
        Err(AuthFailure::Internal) => return refused(500, "Internal server error."),
    };
    let limit = check_limit(&state, &caller).await;
    if limit.as_ref().is_some_and(|d| d.exceeded()) {
        let res = refused(
            429,
            "Too many requests. Please retry after the time in Retry-After.",
        );
        return with_limit(res, &limit);
    }
    let awbs = match &data.awb_numbers {
        Some(AwbNumbers::Text(raw)) => split_awbs(raw),
        Some(AwbNumbers::Number(n)) => vec![n.to_string()],
        None => Vec::new(),
    };
    let res = if awbs.is_empty() {
        refused(400, "awb_numbers is required: at least one AWB number.")
    } else if awbs.len() > MAX_AWBS {
        refused(
            400,
            &format!(
                "You can cancel at most {MAX_AWBS} AWB numbers at a time ({} given).",
                awbs.len()
            ),
        )
    } else {
        match cancel_awbs(&state, caller.business_id, &awbs).await {
            Ok(res) => res,
            Err(err) => {
                tracing::error!(error = %err, "store error");
                refused(500, "Internal server error.")
            }
        }
    };
    with_limit(res, &limit)
}

/// The shipment an AWB names: by courier tracking code or tracking code, the live one first.
/// Two look-ups, each on its own index (the tracking code is the primary key; the courier code
/// has `shipments_courier_code`): one query with an OR, or a UNION under the business filter,
/// makes SQLite read every shipment of the merchant.
async fn resolve(
    state: &AppState,
    business_id: i64,
    awb: &str,
) -> depot_store::Result<Option<Shipment>> {
    let by_courier = ShipmentLookup {
        courier_tracking_code: Some(awb.to_string()),
        ..Default::default()
    };
    let mut found = state.db.find_shipments(business_id, &by_courier).await?;
    if let Some(id) = CodeKind::Shipment.parse(awb) {
        if let Some(s) = state.db.shipment_by_id(business_id, id).await? {
            if found.iter().all(|f| f.id != s.id) {
                found.push(s);
            }
        }
    }
    // Newest first, as a single query would have listed them.
    found.sort_by_key(|s| std::cmp::Reverse(s.id));
    Ok(live_first(found))
}

async fn cancel_awbs(
    state: &AppState,
    business_id: i64,
    awbs: &[String],
) -> depot_store::Result<Response> {
    let mut found = Vec::with_capacity(awbs.len());
    for awb in awbs {
        found.push(resolve(state, business_id, awb).await?);
    }
    let ids: Vec<Option<i64>> = found.iter().map(|s| s.as_ref().map(|s| s.id)).collect();
    let cmd = CancelCommand {
        guard: CancelGuard::BeforeHandover,
        reason: CancelReason::Other,
        reason_note: None,
        lines: Vec::new(),
        actor: "ithink".into(),
    };
    let results = state
        .db
        .cancel_shipments(business_id, &ids, &cmd, state.now())
        .await?;
    // Keys in request order ("1", "2", … "10"): serde_json keeps insertion order here.
    let mut data = Map::new();
    for (i, ((awb, shipment), result)) in awbs.iter().zip(&found).zip(results).enumerate() {
        let refnum = shipment
            .as_ref()
            .map(|s| s.merchant_tracking_code_reference.clone())
            .unwrap_or_default();
        let (status, remark) = match result {
            Ok(_) => ("Success", String::new()),
            Err(CancelError::NotFound) => ("Failed", "AWB number not found.".to_string()),
            Err(CancelError::Refused(Refusal::NotCancellable(current))) => (
                "Failed",
                format!(
                    "Shipment already handed over to the carrier ({}); it cannot be cancelled.",
                    current.label(Lang::En)
                ),
            ),
            Err(CancelError::Refused(Refusal::BadLine { message, .. })) => ("Failed", message),
        };
        data.insert(
            (i + 1).to_string(),
            json!({ "status": status, "remark": remark, "refnum": refnum, "awb_number": awb }),
        );
    }
    Ok(json_reply(
        StatusCode::OK,
        &json!({ "status": "success", "status_code": 200, "html_message": "", "data": data }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn awbs_are_trimmed_and_empty_entries_dropped() {
        assert_eq!(
            split_awbs(" 86210010463 ,,86210010464, "),
            vec!["86210010463", "86210010464"]
        );
        assert!(split_awbs(" , ").is_empty());
    }

    #[test]
    fn the_documented_examples_are_json() {
        for doc in [DOC_OK, DOC_ERROR] {
            serde_json::from_str::<Value>(doc).unwrap();
        }
    }
}
