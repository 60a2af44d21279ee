//! Shipper "Cancel Sales Order B2C" (SPEC §5.1, seed `001_…`).
//!
//! PATCH `/shipper/v3/fulfillment/outbound/{oms,wms}/cancel`, header `x-api-key: <token>`, body
//! `{"data": {"cancellation": {order_no, warehouse_id, cancel_reason}}}`. `order_no` is the
//! merchant reference, `warehouse_id` the warehouse code; the reason is recorded as `OTHER` with
//! the text as note. Guard (documented): only while no stock is allocated (NEW, OUT_OF_STOCK).
//!
//! `metadata.path` is the path below Shipper's base URL, exactly as the seed shows it
//! (`/v3/fulfillment/outbound/oms/cancel`): a client that switched its base URL to
//! `https://depot…/shipper` sees the same value it saw from Shipper.

use super::{
    caller_for_token, check_limit, iso8601, json_reply, live_first, parse_body, system_now,
    with_limit, AuthFailure, BodyError, RawJson,
};
use crate::AppState;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use depot_domain::cancel::{CancelGuard, CancelReason, Refusal};
use depot_store::shipments::{CancelCommand, CancelError, ShipmentLookup};
use serde::Deserialize;
use serde_json::{json, Value};
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

pub const OMS_PATH: &str = "/v3/fulfillment/outbound/oms/cancel";
pub const WMS_PATH: &str = "/v3/fulfillment/outbound/wms/cancel";

/// Documented codes, and the one Depot adds (806, over the rate limit).
pub const INVALID_INPUT: i64 = 810;
pub const UNAUTHORIZED: i64 = 802;
pub const INTERNAL: i64 = 803;
pub const TOO_MANY_REQUESTS: i64 = 806;
pub const ORDER_NOT_FOUND: i64 = 3012;
pub const ALREADY_ALLOCATED: i64 = 820;

const INVALID_INPUT_MESSAGE: &str = "Invalid Input. Please Validate Your Input.";
const UNAUTHORIZED_MESSAGE: &str =
    "Unauthorized Access. You are not authorized to access this resource.";
const INTERNAL_MESSAGE: &str = "Internal Server error.";
const NOT_FOUND_MESSAGE: &str = "Sales order does not exist.";
const ALLOCATED_MESSAGE: &str = "Sales order already allocated, cannot be cancelled";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(own_errors(routes!(cancel_oms), OMS_PATH))
        .routes(own_errors(routes!(cancel_wms), WMS_PATH))
        .fallback(unknown_path)
}

/// A wrong method or a panic on a Shipper path answers in Shipper's shape, not the envelope.
fn own_errors(
    (schemas, paths, method_router): UtoipaMethodRouter<AppState>,
    path: &'static str,
) -> UtoipaMethodRouter<AppState> {
    let method_router = method_router
        .fallback(
            move |State(state): State<AppState>, method: Method| async move {
                error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    path,
                    state.now(),
                    &[(
                        INVALID_INPUT,
                        format!("Method {method} not allowed. Use PATCH."),
                    )],
                )
            },
        )
        .layer(CatchPanicLayer::custom(move |_| {
            tracing::error!("shipper handler panicked");
            internal_error(path, system_now())
        }));
    (schemas, paths, method_router)
}

/// `{"metadata": {path, http_status_code, http_status, errors: [{code, message}], timestamp}}`.
fn error(status: StatusCode, path: &str, now: i64, errors: &[(i64, String)]) -> Response {
    let errors: Vec<Value> = errors
        .iter()
        .map(|(code, message)| json!({ "code": code, "message": message }))
        .collect();
    json_reply(
        status,
        &json!({ "metadata": {
            "path": path,
            "http_status_code": status.as_u16(),
            "http_status": status.canonical_reason().unwrap_or(""),
            "errors": errors,
            "timestamp": now,
        }}),
    )
}

/// 400 code 810; the first error is the documented text, then one per offending field.
fn invalid_input(path: &str, now: i64, details: Vec<String>) -> Response {
    invalid_input_with(StatusCode::BAD_REQUEST, path, now, details)
}

fn invalid_input_with(status: StatusCode, path: &str, now: i64, details: Vec<String>) -> Response {
    let mut errors = vec![(INVALID_INPUT, INVALID_INPUT_MESSAGE.to_string())];
    errors.extend(details.into_iter().map(|d| (INVALID_INPUT, d)));
    error(status, path, now, &errors)
}

fn internal_error(path: &str, now: i64) -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        path,
        now,
        &[(INTERNAL, INTERNAL_MESSAGE.to_string())],
    )
}

/// The documented 401, whose shape differs from the others: `status_code`, `status`,
/// `message`, one `error` object and an ISO-8601 timestamp.
fn unauthorized(path: &str, now: i64) -> Response {
    json_reply(
        StatusCode::UNAUTHORIZED,
        &json!({ "metadata": {
            "path": path,
            "status_code": 401,
            "status": "Unauthorized",
            "message": format!("PATCH {path} [401] Unauthorized"),
            "error": { "code": UNAUTHORIZED, "message": UNAUTHORIZED_MESSAGE },
            "timestamp": iso8601(now),
        }}),
    )
}

/// An unknown path below `/shipper`.
async fn unknown_path(State(state): State<AppState>, uri: axum::http::Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        uri.path(),
        state.now(),
        &[(INVALID_INPUT, "Unknown endpoint.".to_string())],
    )
}

/// `data.cancellation`: all three fields are mandatory.
// Options, checked after parsing, so that a missing field is reported like a too-long one.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ShipperCancellation {
    /// Sales Order No: the shipment's `merchant_tracking_code_reference` (≤ 50).
    #[schema(value_type = String, required = true, max_length = 50, example = "KZFILN0HRC9RDXJTZBJS")]
    pub order_no: Option<String>,
    /// Warehouse ID: the shipment's `warehouse_code` (≤ 20).
    #[schema(value_type = String, required = true, max_length = 20, example = "PMU")]
    pub warehouse_id: Option<String>,
    /// Cancellation reason (≤ 50), recorded as reason `OTHER` with this note.
    #[schema(value_type = String, required = true, max_length = 50, example = "cancel aja")]
    pub cancel_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ShipperCancelData {
    #[schema(value_type = ShipperCancellation, required = true)]
    pub cancellation: Option<ShipperCancellation>,
}

/// Cancel Sales Order B2C body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ShipperCancelRequest {
    #[schema(value_type = ShipperCancelData, required = true)]
    pub data: Option<ShipperCancelData>,
}

/// Validates the body; Ok is (order_no, warehouse_id, cancel_reason), trimmed.
fn validate(body: ShipperCancelRequest) -> Result<(String, String, String), Vec<String>> {
    let c = body
        .data
        .and_then(|d| d.cancellation)
        .ok_or_else(|| vec!["data.cancellation is required".to_string()])?;
    let mut errors = Vec::new();
    let mut field = |name: &str, value: Option<String>, max: usize| -> String {
        let value = value.map(|v| v.trim().to_string()).unwrap_or_default();
        if value.is_empty() {
            errors.push(format!("data.cancellation.{name} is mandatory"));
        } else if value.chars().count() > max {
            errors.push(format!(
                "data.cancellation.{name} must be at most {max} characters"
            ));
        }
        value
    };
    let order_no = field("order_no", c.order_no, 50);
    let warehouse_id = field("warehouse_id", c.warehouse_id, 20);
    let cancel_reason = field("cancel_reason", c.cancel_reason, 50);
    if errors.is_empty() {
        Ok((order_no, warehouse_id, cancel_reason))
    } else {
        Err(errors)
    }
}

const DOC_OK: &str = r#"{"metadata":{"path":"/v3/fulfillment/outbound/oms/cancel","http_status_code":200,"http_status":"OK","timestamp":1637907242}}"#;
const DOC_400: &str = r#"{"metadata":{"path":"/v3/fulfillment/outbound/oms/cancel","http_status_code":400,"http_status":"Bad Request","errors":[{"code":810,"message":"Invalid Input. Please Validate Your Input."}],"timestamp":1637907103}}"#;
const DOC_401: &str = r#"{"metadata":{"path":"/v3/fulfillment/outbound/oms/cancel","status_code":401,"status":"Unauthorized","message":"PATCH /v3/fulfillment/outbound/oms/cancel [401] Unauthorized","error":{"code":802,"message":"Unauthorized Access. You are not authorized to access this resource."},"timestamp":"2022-05-12T04:04:19Z"}}"#;
const DOC_500: &str = r#"{"metadata":{"path":"/v3/fulfillment/outbound/oms/cancel","http_status_code":500,"http_status":"Internal Server Error","errors":[{"code":803,"message":"Internal Server error."}],"timestamp":1652326659}}"#;

/// Shipper: Cancel Sales Order B2C (OMS). Cancels the live shipment with this merchant
/// reference in this warehouse, only while no stock is allocated (NEW or OUT_OF_STOCK).
/// 400 codes: 810 invalid input, 3012 order does not exist, 820 already allocated.
#[utoipa::path(patch, path = "/v3/fulfillment/outbound/oms/cancel", tag = "Dialect: Shipper",
    security(("shipper_api_key" = [])), request_body = ShipperCancelRequest,
    responses(
        (status = 200, description = "Cancelled (or already cancelled)", body = Object, example = json!(serde_json::from_str::<Value>(DOC_OK).unwrap())),
        (status = 400, description = "810 invalid input, 3012 order does not exist, 820 already allocated", body = Object, example = json!(serde_json::from_str::<Value>(DOC_400).unwrap())),
        (status = 401, description = "802 unknown, revoked or unapproved key", body = Object, example = json!(serde_json::from_str::<Value>(DOC_401).unwrap())),
        (status = 429, description = "806 over the key's rate limit (Depot's code); see Retry-After", body = Object),
        (status = 500, description = "803", body = Object, example = json!(serde_json::from_str::<Value>(DOC_500).unwrap())),
    ))]
pub async fn cancel_oms(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: RawJson,
) -> Response {
    cancel(&state, &headers, body, OMS_PATH).await
}

/// Shipper: Cancel Sales Order B2C (WMS). The same call as the OMS path.
#[utoipa::path(patch, path = "/v3/fulfillment/outbound/wms/cancel", tag = "Dialect: Shipper",
    security(("shipper_api_key" = [])), request_body = ShipperCancelRequest,
    responses(
        (status = 200, description = "Cancelled (or already cancelled)", body = Object),
        (status = 400, description = "810 invalid input, 3012 order does not exist, 820 already allocated", body = Object),
        (status = 401, description = "802", body = Object),
        (status = 429, description = "806 (Depot's code)", body = Object),
        (status = 500, description = "803", body = Object),
    ))]
pub async fn cancel_wms(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: RawJson,
) -> Response {
    cancel(&state, &headers, body, WMS_PATH).await
}

async fn cancel(
    state: &AppState,
    headers: &HeaderMap,
    body: RawJson,
    path: &'static str,
) -> Response {
    let now = state.now();
    let token = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    let caller = match caller_for_token(state, token).await {
        Ok(caller) => caller,
        Err(AuthFailure::Internal) => return internal_error(path, now),
        Err(AuthFailure::Invalid | AuthFailure::NotApproved) => return unauthorized(path, now),
    };
    let limit = check_limit(state, &caller).await;
    if limit.as_ref().is_some_and(|d| d.exceeded()) {
        let res = error(
            StatusCode::TOO_MANY_REQUESTS,
            path,
            now,
            &[(
                TOO_MANY_REQUESTS,
                "Too Many Requests. Please retry after the time in Retry-After.".to_string(),
            )],
        );
        return with_limit(res, &limit);
    }
    let res = cancel_for(state, caller.business_id, body, path, now).await;
    with_limit(res, &limit)
}

async fn cancel_for(
    state: &AppState,
    business_id: i64,
    body: RawJson,
    path: &'static str,
    now: i64,
) -> Response {
    let body: ShipperCancelRequest = match parse_body(body) {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return invalid_input_with(
                StatusCode::PAYLOAD_TOO_LARGE,
                path,
                now,
                vec!["the body is too large".into()],
            )
        }
        Err(BodyError::NotJson) => {
            return invalid_input_with(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                path,
                now,
                vec!["Content-Type must be application/json".into()],
            )
        }
        Err(BodyError::Invalid(why)) => return invalid_input(path, now, vec![why]),
    };
    let (order_no, warehouse_id, cancel_reason) = match validate(body) {
        Ok(fields) => fields,
        Err(errors) => return invalid_input(path, now, errors),
    };

    // order_no is the merchant reference: the original and any successors of partial cancels
    // share it; the live one is meant.
    let lookup = ShipmentLookup {
        merchant_reference: Some(order_no),
        warehouse_code: Some(warehouse_id),
        ..Default::default()
    };
    let in_warehouse = match state.db.find_shipments(business_id, &lookup).await {
        Ok(found) => found,
        Err(err) => {
            tracing::error!(error = %err, "store error");
            return internal_error(path, now);
        }
    };
    let not_found = || {
        error(
            StatusCode::BAD_REQUEST,
            path,
            now,
            &[(ORDER_NOT_FOUND, NOT_FOUND_MESSAGE.to_string())],
        )
    };
    let Some(shipment) = live_first(in_warehouse) else {
        return not_found();
    };

    let cmd = CancelCommand {
        guard: CancelGuard::BeforeAllocation,
        reason: CancelReason::Other,
        reason_note: Some(cancel_reason),
        lines: Vec::new(),
        actor: "shipper".into(),
    };
    match state
        .db
        .cancel_shipment(business_id, shipment.id, &cmd, now)
        .await
    {
        Ok(Ok(_)) => json_reply(
            StatusCode::OK,
            &json!({ "metadata": {
                "path": path,
                "http_status_code": 200,
                "http_status": "OK",
                "timestamp": now,
            }}),
        ),
        Ok(Err(CancelError::NotFound)) => not_found(),
        Ok(Err(CancelError::Refused(Refusal::NotCancellable(_)))) => error(
            StatusCode::BAD_REQUEST,
            path,
            now,
            &[(ALREADY_ALLOCATED, ALLOCATED_MESSAGE.to_string())],
        ),
        // A full cancel names no lines, so the policy cannot refuse one; answer it anyway.
        Ok(Err(CancelError::Refused(Refusal::BadLine { field, message }))) => {
            invalid_input(path, now, vec![format!("{field}: {message}")])
        }
        Err(err) => {
            tracing::error!(error = %err, "store error");
            internal_error(path, now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_every_bad_field() {
        let body = ShipperCancelRequest {
            data: Some(ShipperCancelData {
                cancellation: Some(ShipperCancellation {
                    order_no: Some("x".repeat(51)),
                    warehouse_id: Some("  ".into()),
                    cancel_reason: Some("ok".into()),
                }),
            }),
        };
        assert_eq!(
            validate(body).unwrap_err(),
            vec![
                "data.cancellation.order_no must be at most 50 characters".to_string(),
                "data.cancellation.warehouse_id is mandatory".to_string(),
            ]
        );
        assert!(validate(ShipperCancelRequest::default()).is_err());
    }

    #[test]
    fn the_documented_examples_are_json() {
        for doc in [DOC_OK, DOC_400, DOC_401, DOC_500] {
            serde_json::from_str::<Value>(doc).unwrap();
        }
    }
}
