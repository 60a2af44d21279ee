//! Trendyol "Cancel Order Package Item" (updatePackage, unsupplied) and the package list a client
//! reads to find the new package after a split (SPEC §5.3, seed `004_…`).
//!
//! * PUT `/trendyol/integration/order/sellers/{sellerId}/shipment-packages/{packageId}/items/unsupplied`
//!   with `{"lines": [{lineId, quantity}], "reasonId"}` (500–506). `packageId` is the shipment's
//!   `package_id`, `lineId` its `line_id`. Cancelling every unit cancels the package; cancelling
//!   part closes it and opens a successor with what remains — exactly the native partial cancel.
//!   Guard: before HANDOVER ("Shipped"). Success is 200 with an empty body.
//! * GET `/trendyol/integration/order/sellers/{sellerId}/orders?orderNumber=&status=&page=&size=`
//!   lists packages, newest first, with `originPackageIds` (the packages a successor continues).
//!
//! Auth: HTTP Basic, username = key id, password = secret; `sellerId` must be the key's business
//! id; a request without `User-Agent` is refused with 403, before anything else (Trendyol's
//! gateway does the same). Errors: `{"timestamp": <ms>, "exception", "errors": [{key, message,
//! errorCode}]}`.

use super::{
    caller_for_token, check_limit, json_reply, system_now, with_limit, AuthFailure, BodyError,
    Caller, RawJson,
};
use crate::rate_limit::Decision;
use crate::AppState;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use base64::Engine;
use depot_domain::cancel::{CancelGuard, CancelReason, LineCancel, Refusal};
use depot_domain::codes::CodeKind;
use depot_domain::status::ShipmentStatus;
use depot_store::shipments::{CancelCommand, CancelError, Shipment, ShipmentLookup};
use depot_store::tenants::join_token;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

/// Exceptions Depot answers with (Trendyol documents `ClientApiAuthenticationException` for 401;
/// the others follow its naming).
pub const VALIDATION: &str = "ClientApiValidationException";
pub const BUSINESS: &str = "ClientApiBusinessException";
pub const AUTHENTICATION: &str = "ClientApiAuthenticationException";
pub const FORBIDDEN: &str = "ClientApiForbiddenException";
pub const NOT_FOUND: &str = "ClientApiNotFoundException";
pub const METHOD_NOT_ALLOWED: &str = "ClientApiMethodNotAllowedException";
pub const TOO_MANY_REQUESTS: &str = "ClientApiTooManyRequestsException";
pub const INTERNAL: &str = "ClientApiInternalServerException";

/// Documented reason ids for unsupplied items.
pub const REASON_IDS: std::ops::RangeInclusive<i64> = 500..=506;
/// `size` of the package list: default and largest.
pub const DEFAULT_SIZE: i64 = 50;
pub const MAX_SIZE: i64 = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(own_errors(routes!(unsupplied), "PUT"))
        .routes(own_errors(routes!(orders), "GET"))
        .fallback(unknown_path)
}

fn own_errors(
    (schemas, paths, method_router): UtoipaMethodRouter<AppState>,
    allowed: &'static str,
) -> UtoipaMethodRouter<AppState> {
    let method_router = method_router
        .fallback(
            move |State(state): State<AppState>, method: Method| async move {
                error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    state.now(),
                    METHOD_NOT_ALLOWED,
                    "method",
                    &format!("Method {method} is not allowed here; use {allowed}."),
                    "method.not.allowed",
                )
            },
        )
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("trendyol handler panicked");
            internal(system_now())
        }));
    (schemas, paths, method_router)
}

/// `{"timestamp": <ms>, "exception", "errors": [{key, message, errorCode}]}` with one error.
fn error(
    status: StatusCode,
    now: i64,
    exception: &str,
    key: &str,
    message: &str,
    error_code: &str,
) -> Response {
    errors(
        status,
        now,
        exception,
        &[(key.to_string(), message.to_string(), error_code)],
    )
}

fn errors(
    status: StatusCode,
    now: i64,
    exception: &str,
    list: &[(String, String, &str)],
) -> Response {
    let list: Vec<Value> = list
        .iter()
        .map(|(key, message, code)| json!({ "key": key, "message": message, "errorCode": code }))
        .collect();
    json_reply(
        status,
        &json!({ "timestamp": now * 1000, "exception": exception, "errors": list }),
    )
}

fn internal(now: i64) -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        now,
        INTERNAL,
        "server",
        "Internal server error.",
        "internal.server.error",
    )
}

fn store_failed(err: depot_store::StoreError, now: i64) -> Response {
    tracing::error!(error = %err, "store error");
    internal(now)
}

async fn unknown_path(State(state): State<AppState>, uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        state.now(),
        NOT_FOUND,
        "path",
        &format!("No endpoint at {}.", uri.path()),
        "endpoint.not.found",
    )
}

/// `Authorization: Basic base64(keyId:secret)` → the full token.
fn basic_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some(join_token(user, password))
}

/// User-Agent, Basic auth, rate limit, then the seller in the path: the checks every Trendyol
/// call makes, in that order. Err is the finished reply.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    seller_id: &str,
) -> Result<(Caller, Option<Decision>), Response> {
    let now = state.now();
    let has_agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    if !has_agent {
        return Err(error(
            StatusCode::FORBIDDEN,
            now,
            FORBIDDEN,
            "User-Agent",
            "Requests without a User-Agent header are refused; send \"<sellerId> - <integrator name>\".",
            "user.agent.required",
        ));
    }
    let unauthorized = || {
        error(
            StatusCode::UNAUTHORIZED,
            now,
            AUTHENTICATION,
            "Authorization",
            "Invalid or missing Basic credentials (username = API key id, password = secret).",
            "unauthorized",
        )
    };
    let Some(token) = basic_token(headers) else {
        return Err(unauthorized());
    };
    let caller = match caller_for_token(state, &token).await {
        Ok(caller) => caller,
        Err(AuthFailure::Invalid) => return Err(unauthorized()),
        Err(AuthFailure::NotApproved) => {
            return Err(error(
                StatusCode::FORBIDDEN,
                now,
                FORBIDDEN,
                "Authorization",
                "The seller account is not approved yet.",
                "seller.not.approved",
            ))
        }
        Err(AuthFailure::Internal) => return Err(internal(now)),
    };
    let limit = check_limit(state, &caller).await;
    if limit.as_ref().is_some_and(|d| d.exceeded()) {
        let res = error(
            StatusCode::TOO_MANY_REQUESTS,
            now,
            TOO_MANY_REQUESTS,
            "rateLimit",
            "Too many requests; retry after the time in Retry-After.",
            "too.many.requests",
        );
        return Err(with_limit(res, &limit));
    }
    if seller_id.trim().parse::<i64>().ok() != Some(caller.business_id) {
        let res = error(
            StatusCode::FORBIDDEN,
            now,
            FORBIDDEN,
            "sellerId",
            &format!("These credentials do not belong to seller {seller_id}."),
            "seller.mismatch",
        );
        return Err(with_limit(res, &limit));
    }
    Ok((caller, limit))
}

/// How Depot's statuses read in Trendyol's vocabulary.
pub fn status_name(status: ShipmentStatus) -> &'static str {
    use ShipmentStatus::*;
    match status {
        New => "Created",
        OutOfStock => "Awaiting",
        Allocated | Picked => "Picking",
        Packed | WaitingHandover => "Invoiced",
        Handover | InTransit | OutForDelivery => "Shipped",
        // Turned back to the warehouse: not delivered, not yet returned.
        DeliveryFailed | Returning => "UnDelivered",
        Delivered => "Delivered",
        ReturnedToSender => "Returned",
        Cancelled | CancelledAfterPacked => "Cancelled",
    }
}

/// The Depot status values a Trendyol status name stands for (case-insensitive).
pub fn statuses_named(name: &str) -> Option<Vec<ShipmentStatus>> {
    let values: Vec<ShipmentStatus> = ShipmentStatus::ALL
        .iter()
        .filter(|s| status_name(**s).eq_ignore_ascii_case(name.trim()))
        .copied()
        .collect();
    (!values.is_empty()).then_some(values)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendyolUnsuppliedLine {
    /// The shipment line's `line_id`.
    pub line_id: i64,
    /// Units of that line to cancel (≤ what remains).
    pub quantity: i64,
}

/// Cancel Order Package Item body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendyolUnsuppliedRequest {
    /// At least one line.
    #[schema(value_type = Vec<TrendyolUnsuppliedLine>, required = true, min_items = 1)]
    pub lines: Option<Vec<TrendyolUnsuppliedLine>>,
    /// 500 Stock Out, 501 Defective Product, 502 Incorrect Price, 503 Incorrect Listing,
    /// 504 Integration Problem, 505 Bulk Purchase, 506 Force Majeure.
    #[schema(value_type = i64, required = true, minimum = 500, maximum = 506, example = 500)]
    pub reason_id: Option<i64>,
}

/// Path parameters, named as Trendyol names them.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Documents the path; the handler reads them as text to answer in Trendyol's shape.
pub struct PackagePath {
    /// The seller: Depot's business id.
    seller_id: i64,
    /// The package: the shipment's `package_id`.
    package_id: i64,
}

/// Trendyol: cancel items of a package (unsupplied). All of them cancels the package; some
/// cancels it and opens a new package (new id, tracking code and line ids, same order number)
/// with the rest. Before HANDOVER only. 200 with an empty body.
#[utoipa::path(put, path = "/integration/order/sellers/{sellerId}/shipment-packages/{packageId}/items/unsupplied",
    tag = "Dialect: Trendyol", security(("trendyol_basic" = [])), params(PackagePath,
        ("User-Agent" = String, Header, description = "Required: \"<sellerId> - <integrator>\"; without it 403")),
    request_body = TrendyolUnsuppliedRequest,
    responses(
        (status = 200, description = "Cancelled; empty body"),
        (status = 400, description = "ClientApiValidationException (body, reasonId, lines) or ClientApiBusinessException (already shipped)", body = Object,
            example = json!({"timestamp": 1800000000000i64, "exception": "ClientApiValidationException", "errors": [{"key": "reasonId", "message": "reasonId must be one of 500, 501, 502, 503, 504, 505, 506.", "errorCode": "invalid.reason.id"}]})),
        (status = 401, description = "ClientApiAuthenticationException", body = Object),
        (status = 403, description = "No User-Agent, wrong seller, or seller not approved", body = Object),
        (status = 404, description = "Unknown package", body = Object),
        (status = 429, description = "Over the key's rate limit; see Retry-After", body = Object),
    ))]
pub async fn unsupplied(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    body: RawJson,
) -> Response {
    let now = state.now();
    let Ok(Path((seller_id, package_id))) = path else {
        return error(
            StatusCode::BAD_REQUEST,
            now,
            VALIDATION,
            "path",
            "The path parameters could not be read.",
            "invalid.path",
        );
    };
    let (caller, limit) = match authenticate(&state, &headers, &seller_id).await {
        Ok(ok) => ok,
        Err(res) => return res,
    };
    let res = cancel_items(&state, &caller, &package_id, body, now).await;
    with_limit(res, &limit)
}

async fn cancel_items(
    state: &AppState,
    caller: &Caller,
    package_id: &str,
    body: RawJson,
    now: i64,
) -> Response {
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            now,
            NOT_FOUND,
            "packageId",
            &format!("Shipment package {package_id} not found."),
            "shipment.package.not.found",
        )
    };
    // A package id that is not a number names no package.
    let Ok(package_id) = package_id.trim().parse::<i64>() else {
        return not_found();
    };
    let body: TrendyolUnsuppliedRequest = match super::parse_body(body) {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                now,
                VALIDATION,
                "body",
                "The request body is too large.",
                "payload.too.large",
            )
        }
        Err(BodyError::NotJson) => {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                now,
                VALIDATION,
                "Content-Type",
                "Content-Type must be application/json.",
                "unsupported.media.type",
            )
        }
        Err(BodyError::Invalid(why)) => {
            return error(
                StatusCode::BAD_REQUEST,
                now,
                VALIDATION,
                "body",
                &format!("Invalid request body: {why}."),
                "invalid.request.body",
            )
        }
    };
    let mut problems: Vec<(String, String, &str)> = Vec::new();
    let lines = body.lines.unwrap_or_default();
    if lines.is_empty() {
        problems.push((
            "lines".into(),
            "At least one line is required.".into(),
            "lines.required",
        ));
    }
    let reason = match body.reason_id {
        Some(id) if REASON_IDS.contains(&id) => CancelReason::from_id(id),
        _ => None,
    };
    if reason.is_none() {
        problems.push((
            "reasonId".into(),
            "reasonId must be one of 500, 501, 502, 503, 504, 505, 506.".into(),
            "invalid.reason.id",
        ));
    }
    let Some(reason) = reason.filter(|_| problems.is_empty()) else {
        return errors(StatusCode::BAD_REQUEST, now, VALIDATION, &problems);
    };

    let cmd = CancelCommand {
        guard: CancelGuard::BeforeHandover,
        reason,
        reason_note: None,
        lines: lines
            .iter()
            .map(|l| LineCancel {
                line_id: Some(l.line_id),
                oasin: None,
                quantity: l.quantity,
            })
            .collect(),
        actor: "trendyol".into(),
    };
    match state
        .db
        .cancel_shipment(caller.business_id, package_id, &cmd, now)
        .await
    {
        Ok(Ok(_)) => Response::new(Body::empty()),
        Ok(Err(CancelError::NotFound)) => not_found(),
        Ok(Err(CancelError::Refused(Refusal::NotCancellable(status)))) => error(
            StatusCode::BAD_REQUEST,
            now,
            BUSINESS,
            "packageId",
            &format!(
                "Package {package_id} is {}; it can no longer be cancelled.",
                status_name(status)
            ),
            "shipment.package.status.not.cancellable",
        ),
        Ok(Err(CancelError::Refused(Refusal::BadLine { field, message }))) => {
            // The policy names lines by `lines[i]`, which is Trendyol's own field path too.
            error(
                StatusCode::BAD_REQUEST,
                now,
                VALIDATION,
                &field,
                &format!("{field} {message}."),
                "invalid.line",
            )
        }
        Err(err) => store_failed(err, now),
    }
}

/// Query of the package list (unknown parameters are ignored).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Documents the query; the handler parses it itself to answer in Trendyol's shape.
pub struct OrdersQuery {
    /// The merchant reference (`merchant_tracking_code_reference`).
    order_number: Option<String>,
    /// Created, Awaiting, Picking, Invoiced, Shipped, UnDelivered, Delivered, Returned, Cancelled.
    status: Option<String>,
    /// 0-based page (default 0).
    page: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    size: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct SellerPath {
    /// The seller: Depot's business id.
    seller_id: i64,
}

/// Trendyol: list shipment packages, newest first, so a client finds the package a partial
/// cancel created (`originPackageIds` lists the packages it continues, oldest first).
#[utoipa::path(get, path = "/integration/order/sellers/{sellerId}/orders",
    tag = "Dialect: Trendyol", security(("trendyol_basic" = [])),
    params(SellerPath, OrdersQuery,
        ("User-Agent" = String, Header, description = "Required; without it 403")),
    responses(
        (status = 200, description = "A page of packages", body = Object,
            example = json!({"page": 0, "size": 50, "totalPages": 1, "totalElements": 2, "content": [
                {"id": 2, "orderNumber": "ORDER-1", "cargoTrackingNumber": "OASC00000002", "status": "Picking",
                 "lines": [{"id": 3, "lineId": 3, "quantity": 1, "sku": "SKU-A"}], "originPackageIds": [1]},
                {"id": 1, "orderNumber": "ORDER-1", "cargoTrackingNumber": "OASC00000001", "status": "Cancelled",
                 "lines": [{"id": 1, "lineId": 1, "quantity": 2, "sku": "SKU-A"}], "originPackageIds": []}]})),
        (status = 400, description = "Bad status, page or size", body = Object),
        (status = 401, description = "ClientApiAuthenticationException", body = Object),
        (status = 403, description = "No User-Agent, wrong seller, or seller not approved", body = Object),
        (status = 429, description = "Over the key's rate limit", body = Object),
    ))]
pub async fn orders(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let now = state.now();
    let Ok(Path(seller_id)) = path else {
        return error(
            StatusCode::BAD_REQUEST,
            now,
            VALIDATION,
            "path",
            "The path parameters could not be read.",
            "invalid.path",
        );
    };
    let (caller, limit) = match authenticate(&state, &headers, &seller_id).await {
        Ok(ok) => ok,
        Err(res) => return res,
    };
    let res = list_packages(&state, &caller, query.as_deref().unwrap_or(""), now).await;
    with_limit(res, &limit)
}

async fn list_packages(state: &AppState, caller: &Caller, query: &str, now: i64) -> Response {
    let params: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut problems: Vec<(String, String, &str)> = Vec::new();
    if let Some(name) = crate::text::first_refused_param(query) {
        problems.push((
            name.clone(),
            format!("{name} {}.", crate::text::MESSAGE),
            "invalid.parameter",
        ));
    }
    let page = match param("page").map(str::parse::<i64>) {
        None => 0,
        Some(Ok(p)) if p >= 0 => p,
        Some(_) => {
            problems.push((
                "page".into(),
                "page must be an integer ≥ 0.".into(),
                "invalid.page",
            ));
            0
        }
    };
    let size = match param("size").map(str::parse::<i64>) {
        None => DEFAULT_SIZE,
        Some(Ok(s)) if (1..=MAX_SIZE).contains(&s) => s,
        Some(_) => {
            problems.push((
                "size".into(),
                format!("size must be an integer from 1 to {MAX_SIZE}."),
                "invalid.size",
            ));
            DEFAULT_SIZE
        }
    };
    let mut lookup = ShipmentLookup::default();
    if let Some(status) = param("status") {
        match statuses_named(status) {
            Some(statuses) => lookup.statuses = statuses,
            None => problems.push((
                "status".into(),
                "status must be one of Created, Awaiting, Picking, Invoiced, Shipped, UnDelivered, Delivered, Returned, Cancelled.".into(),
                "invalid.status",
            )),
        }
    }
    if !problems.is_empty() {
        return errors(StatusCode::BAD_REQUEST, now, VALIDATION, &problems);
    }
    lookup.merchant_reference = param("orderNumber").map(str::to_string);
    let (packages, total) = match state
        .db
        .find_shipments_page(caller.business_id, &lookup, page.saturating_mul(size), size)
        .await
    {
        Ok(found) => found,
        Err(err) => return store_failed(err, now),
    };
    // The packages each split package continues: walk `supersedes` within its order number.
    let mut chains: HashMap<String, HashMap<i64, Option<i64>>> = HashMap::new();
    let mut content = Vec::with_capacity(packages.len());
    for p in &packages {
        let mut origins = Vec::new();
        if p.supersedes_id.is_some() {
            let reference = &p.merchant_tracking_code_reference;
            if !chains.contains_key(reference) {
                let same_order = ShipmentLookup {
                    merchant_reference: Some(reference.clone()),
                    ..Default::default()
                };
                match state
                    .db
                    .find_shipments(caller.business_id, &same_order)
                    .await
                {
                    Ok(found) => {
                        let links = found.iter().map(|s| (s.id, s.supersedes_id)).collect();
                        chains.insert(reference.clone(), links);
                    }
                    Err(err) => return store_failed(err, now),
                }
            }
            let links = &chains[reference];
            let mut next = p.supersedes_id;
            while let Some(id) = next {
                if origins.contains(&id) {
                    break;
                }
                origins.push(id);
                next = links.get(&id).copied().flatten();
            }
            origins.reverse();
        }
        content.push(package_view(p, origins));
    }
    let total_pages = (total + size - 1) / size;
    json_reply(
        StatusCode::OK,
        &json!({
            "page": page,
            "size": size,
            "totalPages": total_pages,
            "totalElements": total,
            "content": content,
        }),
    )
}

fn package_view(s: &Shipment, origins: Vec<i64>) -> Value {
    json!({
        "id": s.id,
        "orderNumber": s.merchant_tracking_code_reference,
        "cargoTrackingNumber": CodeKind::Shipment.format(s.id),
        "status": status_name(s.status),
        "lines": s.lines.iter().map(|l| json!({
            "id": l.line_id,
            "lineId": l.line_id,
            "quantity": l.product_quantity,
            "sku": l.sku,
        })).collect::<Vec<_>>(),
        "originPackageIds": origins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_name_and_names_round_trip() {
        for s in ShipmentStatus::ALL {
            let values = statuses_named(status_name(*s)).unwrap();
            assert!(values.contains(s));
        }
        let values = |name| statuses_named(name).map(|v| v.iter().map(|s| s.value()).collect());
        assert_eq!(values("cancelled"), Some(vec![490, 500]));
        assert_eq!(values("Picking"), Some(vec![200, 210]));
        assert_eq!(statuses_named("Unknown"), None);
    }

    #[test]
    fn basic_credentials_join_into_a_token() {
        let mut headers = HeaderMap::new();
        let encoded = base64::engine::general_purpose::STANDARD.encode("dpk_abc:secret");
        headers.insert(AUTHORIZATION, format!("Basic {encoded}").parse().unwrap());
        assert_eq!(basic_token(&headers).as_deref(), Some("dpk_abc_secret"));
        headers.insert(AUTHORIZATION, "Bearer x".parse().unwrap());
        assert_eq!(basic_token(&headers), None);
        headers.insert(AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(basic_token(&headers), None);
    }
}
