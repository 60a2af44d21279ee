//! Purchase orders (SPEC §3.3): inbound goods a merchant sends to a warehouse.

use crate::auth::Merchant;
use crate::envelope::{Created, Data, Json, Page, Query, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::merchant::shipments::product_error;
use crate::paging::{self, Paging};
use crate::text::check_text;
use crate::{files, AppState};
use axum::extract::{OriginalUri, Path, State};
use depot_documents::{po_bill_pdf, PoBill, PoBillItem, PoBillPackage, PoBillWarehouse};
use depot_domain::codes::CodeKind;
use depot_domain::quantity::{Quantity, ReceivedQuantity};
use depot_domain::status::PoStatus;
use depot_domain::ErrorCode;
use depot_domain::Lang;
use depot_store::list::{PageOf, PageRequest, TimeRange};
use depot_store::purchase_orders::{
    CreatePoError, NewPackage, NewPurchaseOrder, PoChangeError, PoFilter, PurchaseOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};

const VAS: &[&str] = &["CO_INSPECTION"];

#[derive(Debug, Deserialize, ToSchema)]
pub struct PoItem {
    pub oasin: String,
    pub product_quantity: Quantity,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PoPackage {
    pub package_code: String,
    pub weight: Option<f64>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub items: Vec<PoItem>,
    pub package_note: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PoDocument {
    pub document_type: String,
    pub document_url: String,
    pub print_quantity: Option<ReceivedQuantity>,
}

/// Create PO body (documented fields).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreatePo {
    pub warehouse_code: String,
    /// Value-added services, e.g. `CO_INSPECTION`.
    #[serde(default)]
    pub vas: Vec<String>,
    /// Unique per business.
    pub merchant_po_reference: String,
    pub packages: Vec<PoPackage>,
    pub estimated_arrival_time: Option<i64>,
    #[serde(default)]
    pub po_documents: Vec<PoDocument>,
    pub note: Option<String>,
}

fn validate(body: CreatePo) -> ApiResult<NewPurchaseOrder> {
    check_text(&[
        ("warehouse_code", Some(&body.warehouse_code), true, 50),
        (
            "merchant_po_reference",
            Some(&body.merchant_po_reference),
            true,
            100,
        ),
        ("note", body.note.as_deref(), false, 1000),
    ])?;
    let mut errors: Vec<(String, String)> = Vec::new();
    for (i, v) in body.vas.iter().enumerate() {
        if !VAS.contains(&v.as_str()) {
            errors.push((
                format!("vas[{i}]"),
                format!("must be one of {}", VAS.join(", ")),
            ));
        }
    }
    if body.packages.is_empty() || body.packages.len() > 500 {
        errors.push(("packages".into(), "must hold 1 to 500 packages".into()));
    }
    let mut codes = HashSet::new();
    for (i, p) in body.packages.iter().enumerate() {
        if p.package_code.trim().is_empty() || p.package_code.len() > 100 {
            errors.push((
                format!("packages[{i}].package_code"),
                "must be 1 to 100 characters".into(),
            ));
        } else if !codes.insert(p.package_code.trim()) {
            errors.push((format!("packages[{i}].package_code"), "is repeated".into()));
        }
        for (name, v) in [
            ("weight", p.weight),
            ("length", p.length),
            ("width", p.width),
            ("height", p.height),
        ] {
            if v.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
                errors.push((format!("packages[{i}].{name}"), "must be >= 0".into()));
            }
        }
        if p.items.is_empty() {
            errors.push((
                format!("packages[{i}].items"),
                "must hold at least one line".into(),
            ));
        }
        let mut seen = HashSet::new();
        for (j, item) in p.items.iter().enumerate() {
            if item.oasin.trim().is_empty() {
                errors.push((
                    format!("packages[{i}].items[{j}].oasin"),
                    "is required".into(),
                ));
            } else if !seen.insert(item.oasin.trim()) {
                errors.push((
                    format!("packages[{i}].items[{j}].oasin"),
                    "is repeated in this package".into(),
                ));
            }
        }
    }
    if body.estimated_arrival_time.is_some_and(|t| t < 0) {
        errors.push((
            "estimated_arrival_time".into(),
            "must be a Unix time in seconds".into(),
        ));
    }
    for (i, d) in body.po_documents.iter().enumerate() {
        if d.document_type.trim().is_empty() {
            errors.push((
                format!("po_documents[{i}].document_type"),
                "is required".into(),
            ));
        }
        if d.document_url.trim().is_empty() {
            errors.push((
                format!("po_documents[{i}].document_url"),
                "is required".into(),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok(NewPurchaseOrder {
        warehouse_code: body.warehouse_code.trim().to_string(),
        merchant_po_reference: body.merchant_po_reference.trim().to_string(),
        vas: body.vas,
        packages: body
            .packages
            .into_iter()
            .map(|p| NewPackage {
                package_code: p.package_code.trim().to_string(),
                weight: p.weight,
                length: p.length,
                width: p.width,
                height: p.height,
                items: p
                    .items
                    .into_iter()
                    .map(|i| (i.oasin.trim().to_string(), i.product_quantity.get()))
                    .collect(),
                package_note: p.package_note,
            })
            .collect(),
        estimated_arrival_time: body.estimated_arrival_time,
        po_documents: serde_json::to_value(body.po_documents).unwrap_or(Value::Array(Vec::new())),
        note: body.note,
    })
}

/// Create PO (status TRANSIT).
#[utoipa::path(post, path = "/purchase-orders/create", tag = "PO", security(("api_key" = [])),
    request_body = CreatePo, responses((status = 201, body = crate::envelope::Envelope<Object>)))]
pub async fn create_po(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Json(body): Json<CreatePo>,
) -> ApiResult<Created<Value>> {
    create(&state, m.business_id, body)
        .await
        .map(|po| Created(po.view(ctx.lang)))
}

/// Create PO as the API and the portal do it.
pub async fn create(
    state: &AppState,
    business_id: i64,
    body: CreatePo,
) -> ApiResult<PurchaseOrder> {
    let new = validate(body)?;
    match state
        .db
        .create_purchase_order(business_id, &new, state.now())
        .await?
    {
        Ok(po) => Ok(po),
        Err(CreatePoError::WarehouseNotFound) => Err(ApiError::new(ErrorCode::WarehouseNotFound)),
        Err(CreatePoError::Products(e)) => Err(product_error(e)),
        Err(CreatePoError::DuplicateReference) => Err(ApiError::new(ErrorCode::DuplicateReference)
            .with_detail(json!({ "merchant_po_reference": [new.merchant_po_reference] }))),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PoQuery {
    /// Status value (`100`) or name (`TRANSIT`).
    pub status: Option<String>,
    pub warehouse_code: Option<String>,
    pub po_code: Option<String>,
    pub merchant_po_reference: Option<String>,
}

/// Get PO List, newest first.
#[utoipa::path(get, path = "/purchase-orders", tag = "PO", security(("api_key" = [])),
    params(PoQuery, TimeRange, Paging), responses((status = 200, body = crate::envelope::Envelope<Vec<Object>>)))]
pub async fn list_pos(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PoQuery>,
    Query(times): Query<TimeRange>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<Value>> {
    let page = paging.request()?;
    let found = list(&state, m.business_id, q, times, &page).await?;
    Ok(paging::reply(&uri, found, |p| p.view(ctx.lang)))
}

/// Get PO List as the API and the portal do it.
pub async fn list(
    state: &AppState,
    business_id: i64,
    q: PoQuery,
    times: TimeRange,
    page: &PageRequest,
) -> ApiResult<PageOf<PurchaseOrder>> {
    let status = paging::status_filter(q.status.as_deref(), PoStatus::parse, PoStatus::value)?;
    let filter = PoFilter {
        status,
        warehouse_code: q.warehouse_code,
        po_code: q.po_code,
        merchant_po_reference: q.merchant_po_reference,
        times,
    };
    Ok(state
        .db
        .list_purchase_orders(business_id, &filter, page)
        .await?)
}

/// Get PO Detail as the API and the portal do it: another business's is not found.
pub async fn detail(state: &AppState, business_id: i64, code: &str) -> ApiResult<PurchaseOrder> {
    state
        .db
        .purchase_order(business_id, code)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::PoNotFound))
}

/// Get PO Detail.
#[utoipa::path(get, path = "/purchase-orders/{po_code}/detail", tag = "PO", security(("api_key" = [])),
    responses((status = 200, body = crate::envelope::Envelope<Object>)))]
pub async fn po_detail(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Data<Value>> {
    detail(&state, m.business_id, &code)
        .await
        .map(|p| Data(p.view(ctx.lang)))
}

/// Get PO Inspection Detail: one row per package × product, once the PO is COMPLETED.
#[utoipa::path(get, path = "/purchase-orders/{po_code}/inspection-list", tag = "PO", security(("api_key" = [])),
    responses((status = 200, body = crate::envelope::Envelope<Vec<Object>>)))]
pub async fn inspection_list(
    m: Merchant,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Page<Value>> {
    let po = state
        .db
        .purchase_order(m.business_id, &code)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::PoNotFound))?;
    if po.status != PoStatus::Completed {
        return Err(ApiError::new(ErrorCode::PoNotCompleted));
    }
    let items = po.inspection_rows();
    let total = items.len() as i64;
    Ok(Page {
        items,
        total,
        next: None,
    })
}

/// Cancel PO: only in TRANSIT. Cancelling a cancelled PO succeeds again.
#[utoipa::path(put, path = "/purchase-orders/{po_code}/cancel", tag = "PO", security(("api_key" = [])),
    responses((status = 200, body = crate::envelope::Envelope<Object>)))]
pub async fn cancel_po(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Data<Value>> {
    cancel(&state, m.business_id, &code, ctx.lang)
        .await
        .map(|po| Data(json!({ "po_code": po.po_code(), "success": true })))
}

/// Cancel PO as the API and the portal do it.
pub async fn cancel(
    state: &AppState,
    business_id: i64,
    code: &str,
    lang: Lang,
) -> ApiResult<PurchaseOrder> {
    match state
        .db
        .cancel_purchase_order(business_id, code, state.now())
        .await?
    {
        Ok(po) => Ok(po),
        Err(PoChangeError::NotFound) => Err(ApiError::new(ErrorCode::PoNotFound)),
        Err(PoChangeError::WrongStatus(s)) => Err(ApiError::new(ErrorCode::PoCannotCancel)
            .with_detail(json!({ "status_info": s.info(lang, None) }))),
        Err(PoChangeError::BadLines(lines)) => Err(ApiError::invalid_fields(lines)),
    }
}

/// Get PO Bill: renders the printable bill (A4 PDF, the PO code as a Code 128 barcode, the
/// warehouse, every package and line) and answers the URL that serves it.
#[utoipa::path(get, path = "/purchase-orders/{po_code}/export-po-bill", tag = "PO", security(("api_key" = [])),
    responses((status = 200, body = crate::envelope::Envelope<Object>)))]
pub async fn export_po_bill(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Data<Value>> {
    let url = bill(&state, m.business_id, &code, ctx.lang).await?;
    Ok(Data(json!({ "po_bill_url": url })))
}

/// Renders a PO's bill and stores it; answers the capability URL that serves it (the API's
/// Get PO Bill and the portal's bill link).
pub async fn bill(state: &AppState, business_id: i64, code: &str, lang: Lang) -> ApiResult<String> {
    let po = detail(state, business_id, code).await?;
    let business = state
        .db
        .business(business_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let warehouse = state
        .db
        .warehouse_by_code(&po.warehouse_code)
        .await?
        .ok_or_else(ApiError::internal)?;
    let bill = PoBill {
        po_code: po.po_code(),
        merchant_po_reference: Some(po.merchant_po_reference.clone()),
        business_name: business.name,
        warehouse: PoBillWarehouse {
            code: warehouse.warehouse_code,
            name: warehouse.name,
            address: warehouse.address,
        },
        estimated_arrival_time: po.estimated_arrival_time,
        created_time: po.created_time,
        status_label: po.status.label(lang).to_string(),
        note: po.note.clone(),
        packages: po
            .packages
            .iter()
            .map(|p| PoBillPackage {
                package_code: p.package_code.clone(),
                weight: p.weight,
                dimensions: match (p.length, p.width, p.height) {
                    (Some(l), Some(w), Some(h)) => Some((l, w, h)),
                    _ => None,
                },
                items: p
                    .lines
                    .iter()
                    .map(|l| PoBillItem {
                        oasin: CodeKind::Product.format(l.product_id),
                        sku: l.sku.clone(),
                        name: l.name.clone(),
                        product_quantity: l.product_quantity,
                    })
                    .collect(),
                package_note: p.package_note.clone(),
            })
            .collect(),
        lang,
        ..PoBill::default()
    };
    let pdf = po_bill_pdf(&bill).map_err(|e| {
        tracing::error!(error = %e, po = %bill.po_code, "rendering PO bill");
        ApiError::internal()
    })?;
    let stored = files::save(
        state,
        business_id,
        &format!("{}.pdf", bill.po_code),
        "application/pdf",
        &pdf,
    )
    .await?;
    Ok(stored.url)
}
