//! B2C shipments (SPEC §3.4): create, list, detail, and cancellation — single, partial and
//! bulk. The cancel handlers only translate: the decision is `depot_domain::cancel`, applied by
//! `Db::cancel_shipment(s)`, the same path every provider dialect takes.

use crate::auth::Merchant;
use crate::envelope::{Data, Envelope, Json, OptionalJson, Page, Query, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::paging::{self, Paging};
use crate::text::check_text;
use crate::AppState;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Response};
use depot_domain::cancel::{CancelGuard, CancelReason, LineCancel, Refusal};
use depot_domain::codes::CodeKind;
use depot_domain::intercept::InterceptStatus;
use depot_domain::money;
use depot_domain::quantity::Quantity;
use depot_domain::status::ShipmentStatus;
use depot_domain::{ErrorCode, Lang};
use depot_store::list::{PageOf, TimeRange};
use depot_store::products::LineProductsError;
use depot_store::shipments::{
    CancelCommand, CancelError, CancelOutcome, CreateShipmentError, NewShipment, Shipment,
    ShipmentFilter,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};

pub const PLATFORMS: &[&str] = &["shopee", "lazada", "tiktok", "tiki", "retail"];
const MAX_LINES: usize = 100;
pub const MAX_BULK: usize = 100;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemRequest {
    pub oasin: String,
    pub product_quantity: Quantity,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Receiver {
    pub name: String,
    pub phone: String,
    pub address: String,
    pub province_code: String,
    pub district_code: String,
    pub ward_code: String,
}

/// Create B2C Shipment body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateShipment {
    pub warehouse_code: String,
    /// `shopee`, `lazada`, `tiktok`, `tiki` or `retail`.
    pub platform: String,
    /// Unique per business.
    pub merchant_tracking_code_reference: String,
    pub courier_tracking_code: Option<String>,
    pub courier_name: Option<String>,
    pub shipping_label_url: Option<String>,
    pub items: Vec<ItemRequest>,
    /// Required for `retail`.
    pub receiver: Option<Receiver>,
    pub cod_amount: Option<f64>,
    pub note: Option<String>,
}

pub use crate::views::ShipmentView;

pub(crate) fn product_error(e: LineProductsError) -> ApiError {
    match e {
        LineProductsError::NotFound(list) => {
            ApiError::products(ErrorCode::ProductsByOasinNotFound, list)
        }
        LineProductsError::Inactive(list) => ApiError::products(ErrorCode::ProductsInactive, list),
        LineProductsError::NotMapped(list) => {
            ApiError::products(ErrorCode::ProductsNotMappedInWarehouse, list)
        }
    }
}

async fn validate(state: &AppState, body: CreateShipment) -> ApiResult<NewShipment> {
    check_text(&[
        ("warehouse_code", Some(&body.warehouse_code), true, 50),
        (
            "merchant_tracking_code_reference",
            Some(&body.merchant_tracking_code_reference),
            true,
            100,
        ),
        (
            "courier_tracking_code",
            body.courier_tracking_code.as_deref(),
            false,
            100,
        ),
        ("courier_name", body.courier_name.as_deref(), false, 100),
        (
            "shipping_label_url",
            body.shipping_label_url.as_deref(),
            false,
            2000,
        ),
        ("note", body.note.as_deref(), false, 1000),
    ])?;
    if !PLATFORMS.contains(&body.platform.as_str()) {
        return Err(ApiError::new(ErrorCode::PlatformNotSupported).with_detail(
            json!({ "platform": [format!("must be one of {}", PLATFORMS.join(", "))] }),
        ));
    }
    let mut errors: Vec<(String, String)> = Vec::new();
    if body.items.is_empty() || body.items.len() > MAX_LINES {
        errors.push(("items".into(), format!("must hold 1 to {MAX_LINES} lines")));
    }
    let mut seen = HashSet::new();
    for (i, item) in body.items.iter().enumerate() {
        if item.oasin.trim().is_empty() {
            errors.push((format!("items[{i}].oasin"), "is required".into()));
        } else if !seen.insert(item.oasin.trim()) {
            errors.push((
                format!("items[{i}].oasin"),
                "is repeated; put the whole quantity on one line".into(),
            ));
        }
    }
    let cod_amount_minor = match body.cod_amount {
        None => None,
        Some(a) => match money::to_minor(a) {
            Some(m) => Some(m),
            None => {
                errors.push(("cod_amount".into(), "must be a non-negative amount".into()));
                None
            }
        },
    };
    match &body.receiver {
        None if body.platform == "retail" => {
            errors.push(("receiver".into(), "is required for retail".into()))
        }
        None => {}
        Some(r) => {
            for (name, value, max) in [
                ("name", &r.name, 255),
                ("phone", &r.phone, 30),
                ("address", &r.address, 500),
                ("province_code", &r.province_code, 10),
                ("district_code", &r.district_code, 10),
                ("ward_code", &r.ward_code, 10),
            ] {
                if value.trim().is_empty() || value.chars().count() > max {
                    errors.push((
                        format!("receiver.{name}"),
                        format!("must be 1 to {max} characters"),
                    ));
                }
            }
            if !r
                .phone
                .chars()
                .all(|c| c.is_ascii_digit() || "+ -().".contains(c))
            {
                errors.push(("receiver.phone".into(), "must be a phone number".into()));
            }
            if errors.is_empty()
                && !state
                    .db
                    .address_consistent(&r.province_code, &r.district_code, &r.ward_code)
                    .await?
            {
                errors.push((
                    "receiver.ward_code".into(),
                    "must be a ward of the district, in the province (see /wards)".into(),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok(NewShipment {
        warehouse_code: body.warehouse_code.trim().to_string(),
        platform: body.platform,
        merchant_tracking_code_reference: body.merchant_tracking_code_reference.trim().to_string(),
        courier_tracking_code: body.courier_tracking_code,
        courier_name: body.courier_name,
        shipping_label_url: body.shipping_label_url,
        items: body
            .items
            .into_iter()
            .map(|i| (i.oasin.trim().to_string(), i.product_quantity.get()))
            .collect(),
        receiver: body
            .receiver
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null)),
        cod_amount_minor,
        note: body.note,
    })
}

fn create_error(e: CreateShipmentError, new: &NewShipment) -> ApiError {
    match e {
        CreateShipmentError::WarehouseNotFound => ApiError::new(ErrorCode::WarehouseNotFound),
        CreateShipmentError::Products(e) => product_error(e),
        CreateShipmentError::DuplicateReference => ApiError::new(ErrorCode::DuplicateReference)
            .with_detail(
                json!({ "merchant_tracking_code_reference": [new.merchant_tracking_code_reference] }),
            ),
    }
}

/// The create command every face calls: the API's validation, then the store's create.
pub async fn create(
    state: &AppState,
    business_id: i64,
    body: CreateShipment,
    actor: &str,
) -> ApiResult<Shipment> {
    let new = validate(state, body).await?;
    state
        .db
        .create_shipment(business_id, &new, actor, state.now())
        .await?
        .map_err(|e| create_error(e, &new))
}

/// What [`create`] would answer, without creating anything: the same validation and the same
/// look-ups (warehouse, products, reference). The portal's CSV import runs it as a dry run.
pub async fn check_create(
    state: &AppState,
    business_id: i64,
    body: CreateShipment,
) -> ApiResult<()> {
    let new = validate(state, body).await?;
    state
        .db
        .check_shipment(business_id, &new)
        .await?
        .map_err(|e| create_error(e, &new))
}

/// Create B2C Shipment: reserves stock for every line (NEW) or waits for it (OUT_OF_STOCK).
#[utoipa::path(post, path = "/shipments/b2c/create", tag = "Shipment", security(("api_key" = [])),
    request_body = CreateShipment, responses((status = 200, body = Envelope<ShipmentView>)))]
pub async fn create_shipment(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Json(body): Json<CreateShipment>,
) -> ApiResult<Response> {
    let s = create(&state, m.business_id, body, "merchant").await?;
    Ok(Data(s.detail(ctx.lang)).into_response())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ShipmentQuery {
    /// Status value (`490`) or name (`CANCELLED`).
    pub status: Option<String>,
    pub warehouse_code: Option<String>,
    pub platform: Option<String>,
    pub tracking_code: Option<String>,
    pub merchant_tracking_code_reference: Option<String>,
    pub courier_tracking_code: Option<String>,
    /// The latest intercept request's status: `REQUESTED`, `CONFIRMED` or `FAILED` (SPEC §7).
    pub intercept_status: Option<String>,
}

impl ShipmentQuery {
    /// The list's filters, validated: the one reading of them, shared by the merchant list
    /// and the operator's (`/ops/v1/shipments`).
    pub fn filter(self, times: TimeRange) -> ApiResult<ShipmentFilter> {
        let q = self;
        let status = paging::status_filter(
            q.status.as_deref(),
            ShipmentStatus::parse,
            ShipmentStatus::value,
        )?;
        let intercept_status = match q.intercept_status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(InterceptStatus::parse(s).ok_or_else(|| {
                ApiError::invalid_field(
                    "intercept_status",
                    "must be one of REQUESTED, CONFIRMED, FAILED",
                )
            })?),
        };
        Ok(ShipmentFilter {
            status,
            warehouse_code: q.warehouse_code,
            platform: q.platform,
            tracking_code: q.tracking_code,
            merchant_tracking_code_reference: q.merchant_tracking_code_reference,
            courier_tracking_code: q.courier_tracking_code,
            times,
            intercept_status,
            search: None,
        })
    }
}

/// The list every face loads: the API's filters (checked as the API checks them), plus the
/// portal's search box (`search`: exact tracking code, merchant reference or courier code).
pub async fn load_list(
    state: &AppState,
    business_id: i64,
    q: ShipmentQuery,
    search: Option<String>,
    times: TimeRange,
    paging: &Paging,
) -> ApiResult<PageOf<Shipment>> {
    let page = paging.request()?;
    let filter = ShipmentFilter {
        search,
        ..q.filter(times)?
    };
    Ok(state.db.list_shipments(business_id, &filter, &page).await?)
}

/// Get B2C Shipment List, newest first.
#[utoipa::path(get, path = "/shipments/b2c", tag = "Shipment", security(("api_key" = [])),
    params(ShipmentQuery, TimeRange, Paging), responses((status = 200, body = Envelope<Vec<ShipmentView>>)))]
pub async fn list_shipments(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ShipmentQuery>,
    Query(times): Query<TimeRange>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<Value>> {
    let found = load_list(&state, m.business_id, q, None, times, &paging).await?;
    Ok(paging::reply(&uri, found, |s| s.view(ctx.lang)))
}

/// Get B2C Shipment Detail.
#[utoipa::path(get, path = "/shipments/{tracking_code}/detail", tag = "Shipment", security(("api_key" = [])),
    responses((status = 200, body = Envelope<ShipmentView>)))]
pub async fn shipment_detail(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let s = state.db.shipment(m.business_id, &code).await?;
    // Serialised straight from the shipment, while it is borrowed.
    s.map(|s| Data(s.detail(ctx.lang)).into_response())
        .ok_or_else(|| ApiError::new(ErrorCode::ShipmentNotFound))
}

/// Get B2C Shipment Detail (the same call under the `b2c` path, also documented).
#[utoipa::path(get, path = "/shipments/b2c/{tracking_code}/detail", tag = "Shipment", security(("api_key" = [])),
    responses((status = 200, body = Envelope<ShipmentView>)))]
pub async fn b2c_shipment_detail(
    m: Merchant,
    ctx: ReplyContext,
    state: State<AppState>,
    code: Path<String>,
) -> ApiResult<Response> {
    shipment_detail(m, ctx, state, code).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    pub line_id: Option<i64>,
    pub oasin: Option<String>,
    /// Checked by the cancel policy (`depot_domain::cancel`), the same for every dialect.
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub quantity: i64,
}

/// Optional body of a cancel (Depot's extensions). Unknown fields are refused: a misspelt
/// `lines` would otherwise turn a partial cancel into a full one, which cannot be undone.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// One of SPEC §3.6 (default `OTHER`).
    pub reason_code: Option<String>,
    pub reason_note: Option<String>,
    /// Cancel only these quantities; a successor shipment carries the rest.
    #[serde(default)]
    pub lines: Vec<LineRequest>,
}

pub(crate) fn parse_reason(
    code: Option<&str>,
    note: Option<&String>,
) -> ApiResult<(CancelReason, Option<String>)> {
    let reason = match code.filter(|c| !c.is_empty()) {
        None => CancelReason::Other,
        Some(c) => CancelReason::from_code(c).ok_or_else(|| {
            let codes: Vec<&str> = CancelReason::ALL.iter().map(|r| r.code()).collect();
            ApiError::invalid_field(
                "reason_code",
                format!("must be one of {}", codes.join(", ")),
            )
        })?,
    };
    if note.is_some_and(|n| n.chars().count() > 255) {
        return Err(ApiError::invalid_field(
            "reason_note",
            "must be at most 255 characters",
        ));
    }
    Ok((reason, note.cloned()))
}

/// The documented cancel reply, plus the successor of a partial cancel.
pub fn cancel_reply(o: &CancelOutcome, lang: Lang) -> Value {
    let mut body = json!({
        "success": true,
        "status_info": o.status.info(lang, Some(o.cancelled_time)),
        "cancelled_time": o.cancelled_time,
    });
    if let Some(successor) = o.successor_id {
        body["successor_tracking_code"] = json!(CodeKind::Shipment.format(successor));
        body["cancelled_items"] = o
            .cancelled_items
            .iter()
            .map(|(line_id, oasin, sku, q)| json!({"line_id": line_id, "oasin": oasin, "sku": sku, "quantity": q}))
            .collect();
    }
    body
}

/// The native API's answer to a refused or failed cancel.
pub fn cancel_error(e: CancelError, lang: Lang, status_time: Option<i64>) -> ApiError {
    match e {
        CancelError::NotFound => ApiError::new(ErrorCode::ShipmentNotFound),
        CancelError::Refused(Refusal::NotCancellable(status)) => {
            let mut detail = json!({ "status_info": status.info(lang, status_time) });
            // The carrier holds the parcel: it can still be asked back (SPEC §7).
            if depot_domain::intercept::interceptable(status) {
                detail["intercept_available"] = json!(true);
            }
            ApiError::new(ErrorCode::ShipmentCannotCancel).with_detail(detail)
        }
        CancelError::Refused(Refusal::BadLine { field, message }) => {
            ApiError::invalid_field(field, message)
        }
    }
}

/// The cancel command every face calls: one shipment, in full or by lines; the reply is the
/// API's `data`.
pub async fn cancel(
    state: &AppState,
    business_id: i64,
    code: &str,
    body: CancelRequest,
    actor: &str,
    lang: Lang,
) -> ApiResult<Value> {
    let (reason, reason_note) =
        parse_reason(body.reason_code.as_deref(), body.reason_note.as_ref())?;
    let lines = body
        .lines
        .into_iter()
        .map(|l| LineCancel {
            line_id: l.line_id,
            oasin: l.oasin,
            quantity: l.quantity,
        })
        .collect();
    let cmd = CancelCommand {
        guard: CancelGuard::BeforeHandover,
        reason,
        reason_note,
        lines,
        actor: actor.into(),
    };
    let Some(id) = CodeKind::Shipment.parse(code) else {
        return Err(ApiError::new(ErrorCode::ShipmentNotFound));
    };
    match state
        .db
        .cancel_shipment(business_id, id, &cmd, state.now())
        .await?
    {
        Ok(outcome) => Ok(cancel_reply(&outcome, lang)),
        Err(e) => {
            let status_time = state
                .db
                .shipment_by_id(business_id, id)
                .await?
                .map(|s| s.status_time);
            Err(cancel_error(e, lang, status_time))
        }
    }
}

/// Cancel B2C Shipment: in full, or by lines with a body. Repeating a cancel returns the
/// first cancellation's result.
#[utoipa::path(put, path = "/shipments/b2c/{tracking_code}/cancel", tag = "Shipment", security(("api_key" = [])),
    request_body(content = CancelRequest, description = "Optional"), responses((status = 200, body = Envelope<Object>)))]
pub async fn cancel_shipment(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
    OptionalJson(body): OptionalJson<CancelRequest>,
) -> ApiResult<Data<Value>> {
    let reply = cancel(&state, m.business_id, &code, body, "merchant", ctx.lang).await?;
    Ok(Data(reply))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkCancelRequest {
    /// 1 to 100 tracking codes.
    pub tracking_codes: Vec<String>,
    pub reason_code: Option<String>,
    pub reason_note: Option<String>,
}

/// The bulk cancel command every face calls: one result per requested code, in request
/// order (the API's `data`).
pub async fn cancel_many(
    state: &AppState,
    business_id: i64,
    body: BulkCancelRequest,
    actor: &str,
    lang: Lang,
) -> ApiResult<Vec<Value>> {
    if body.tracking_codes.is_empty() || body.tracking_codes.len() > MAX_BULK {
        return Err(ApiError::invalid_field(
            "tracking_codes",
            format!("must hold 1 to {MAX_BULK} codes"),
        ));
    }
    let (reason, reason_note) =
        parse_reason(body.reason_code.as_deref(), body.reason_note.as_ref())?;
    let cmd = CancelCommand {
        guard: CancelGuard::BeforeHandover,
        reason,
        reason_note,
        lines: Vec::new(),
        actor: actor.into(),
    };
    let ids: Vec<Option<i64>> = body
        .tracking_codes
        .iter()
        .map(|c| CodeKind::Shipment.parse(c))
        .collect();
    let results = state
        .db
        .cancel_shipments(business_id, &ids, &cmd, state.now())
        .await?;
    let mut items = Vec::with_capacity(results.len());
    for (code, result) in body.tracking_codes.iter().zip(results) {
        items.push(match result {
            Ok(o) => {
                let mut r = cancel_reply(&o, lang);
                r["tracking_code"] = json!(code);
                r["error_code"] = Value::Null;
                r["messages"] = json!("OK");
                r
            }
            Err(e) => {
                let current = match &e {
                    CancelError::Refused(Refusal::NotCancellable(status)) => {
                        let time = state
                            .db
                            .shipment(business_id, code)
                            .await?
                            .map(|s| s.status_time);
                        json!(status.info(lang, time))
                    }
                    _ => Value::Null,
                };
                let error = cancel_error(e, lang, None);
                json!({
                    "tracking_code": code,
                    "success": false,
                    "status_info": current,
                    "cancelled_time": null,
                    "error_code": error.code.as_str(),
                    "messages": error.localized_message(lang),
                })
            }
        });
    }
    Ok(items)
}

/// Bulk cancel: one result per requested code, in request order; each is cancelled or refused
/// on its own.
#[utoipa::path(post, path = "/shipments/b2c/cancel", tag = "Shipment", security(("api_key" = [])),
    request_body = BulkCancelRequest, responses((status = 200, body = Envelope<Vec<Object>>)))]
pub async fn bulk_cancel(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Json(body): Json<BulkCancelRequest>,
) -> ApiResult<Page<Value>> {
    let items = cancel_many(&state, m.business_id, body, "merchant", ctx.lang).await?;
    let total = items.len() as i64;
    Ok(Page {
        items,
        total,
        next: None,
    })
}
