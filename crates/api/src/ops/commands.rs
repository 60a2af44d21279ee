//! The warehouse floor's commands (SPEC §11): releasing a wave, its pick list, the shipping
//! label, manifests and their document. Each is the one operation behind its `/ops/v1` route
//! and the console page that does the same thing: validation, errors and effects live here,
//! the handlers and pages only translate. `actor` is who acts (an operator's email on the
//! console, `operator` for a token), recorded in every shipment's history.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use depot_documents::{
    manifest_pdf, pick_list_pdf, shipping_label_pdf, LabelReceiver, Manifest as ManifestDoc,
    ManifestParcel, PickItem, PickList, PickShipment, ShippingLabel, Warehouse as DocWarehouse,
};
use depot_domain::codes::CodeKind;
use depot_domain::floor::{check_code_list, label_available, FloorRefusal, ManifestStatus};
use depot_domain::status::ShipmentStatus;
use depot_domain::{ErrorCode, Lang};
use depot_store::catalog::Warehouse;
use depot_store::floor::manifests::{Manifest, ManifestError, ParcelResult};
use depot_store::floor::waves::{ReleaseError, Wave};
use depot_store::shipments::Shipment;
use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

/// A rendered document: its file name and PDF bytes.
pub struct Pdf {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A wave as the API answers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaveView {
    pub wave_id: i64,
    pub warehouse_code: String,
    /// In release order.
    pub tracking_codes: Vec<String>,
    /// Who released it.
    pub created_by: String,
    pub created_time: i64,
}

impl From<Wave> for WaveView {
    fn from(w: Wave) -> WaveView {
        WaveView {
            wave_id: w.id,
            tracking_codes: w.tracking_codes(),
            warehouse_code: w.warehouse_code,
            created_by: w.created_by,
            created_time: w.created_time,
        }
    }
}

/// A handover manifest as the API answers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManifestView {
    pub manifest_id: i64,
    /// `OPEN` or `CLOSED`.
    #[schema(example = "OPEN")]
    pub status: &'static str,
    pub warehouse_code: String,
    pub courier_name: String,
    /// The parcels on it, in scan order.
    pub tracking_codes: Vec<String>,
    pub created_by: String,
    pub created_time: i64,
    pub updated_time: i64,
    pub closed_by: Option<String>,
    pub closed_time: Option<i64>,
}

impl From<Manifest> for ManifestView {
    fn from(m: Manifest) -> ManifestView {
        ManifestView {
            manifest_id: m.id,
            status: m.status.as_str(),
            tracking_codes: m.tracking_codes(),
            warehouse_code: m.warehouse_code,
            courier_name: m.courier_name,
            created_by: m.created_by,
            created_time: m.created_time,
            updated_time: m.updated_time,
            closed_by: m.closed_by,
            closed_time: m.closed_time,
        }
    }
}

/// What scanning one code onto a manifest did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParcelResultView {
    pub tracking_code: String,
    pub success: bool,
    /// The parcel's status now (when it exists).
    #[schema(value_type = Option<Object>)]
    pub status_info: Option<Value>,
    pub error_code: Option<&'static str>,
    pub messages: String,
}

impl ParcelResultView {
    pub fn new(r: ParcelResult, lang: Lang) -> ParcelResultView {
        match r.outcome {
            Ok(s) => ParcelResultView {
                tracking_code: r.tracking_code,
                success: true,
                status_info: Some(json!(s.status.info(lang, Some(s.status_time)))),
                error_code: None,
                messages: "OK".into(),
            },
            Err(refusal) => {
                let (code, status) = refusal_code(refusal);
                ParcelResultView {
                    tracking_code: r.tracking_code,
                    success: false,
                    status_info: status.map(|s| json!(s.info(lang, None))),
                    error_code: Some(code.as_str()),
                    messages: code.message(lang, &[]),
                }
            }
        }
    }
}

fn refusal_code(r: FloorRefusal) -> (ErrorCode, Option<ShipmentStatus>) {
    match r {
        FloorRefusal::NotFound => (ErrorCode::ShipmentNotFound, None),
        FloorRefusal::OtherWarehouse => (ErrorCode::ShipmentNotInWarehouse, None),
        FloorRefusal::WrongStatus(s) => (ErrorCode::InvalidStatusTransition, Some(s)),
    }
}

/// A shipment in the operator's list: the merchant detail with its `business_id` first.
pub fn floor_shipment_view(s: &Shipment, lang: Lang) -> Value {
    let mut out = Map::new();
    out.insert("business_id".into(), json!(s.business_id));
    if let Value::Object(detail) = s.view(lang) {
        out.extend(detail);
    }
    Value::Object(out)
}

/// A list of tracking codes as a request names them: trimmed, 1 to `MAX_CODES`, each once.
fn codes_from(field: &str, codes: Vec<String>) -> ApiResult<Vec<String>> {
    let codes: Vec<String> = codes.into_iter().map(|c| c.trim().to_string()).collect();
    check_code_list(&codes).map_err(|e| ApiError::invalid_field(field, e.message()))?;
    Ok(codes)
}

fn required_text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    crate::text::check_text(&[(field, Some(value), true, max)])?;
    Ok(value.trim().to_string())
}

/// A wave or manifest id from a path: not a number is simply not found.
pub fn parse_id(raw: &str, not_found: ErrorCode) -> ApiResult<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::new(not_found))
}

/// Releases NEW shipments of a warehouse as one wave (→ ALLOCATED). All or nothing: any code
/// that is not a NEW shipment of this warehouse refuses the whole wave with
/// `SHIPMENTS_NOT_RELEASABLE`, naming each offender and why in `error_detail`.
pub async fn release_wave(
    state: &AppState,
    actor: &str,
    lang: Lang,
    warehouse_code: &str,
    tracking_codes: Vec<String>,
) -> ApiResult<Wave> {
    let warehouse_code = required_text("warehouse_code", warehouse_code, 50)?;
    let codes = codes_from("tracking_codes", tracking_codes)?;
    match state
        .db
        .release_wave(&warehouse_code, &codes, actor, state.now())
        .await?
    {
        Ok(w) => Ok(w),
        Err(ReleaseError::WarehouseNotFound) => Err(ApiError::new(ErrorCode::WarehouseNotFound)),
        Err(ReleaseError::Refused(refused)) => {
            let list: Vec<String> = refused.iter().map(|(c, _)| c.clone()).collect();
            let reasons: Map<String, Value> = refused
                .iter()
                .map(|(code, r)| {
                    let mut reason = json!({ "reason": r.as_str() });
                    if let FloorRefusal::WrongStatus(s) = r {
                        reason["status_info"] = json!(s.info(lang, None));
                    }
                    (code.clone(), reason)
                })
                .collect();
            let mut err = ApiError::products(ErrorCode::ShipmentsNotReleasable, list.clone());
            err.detail = Some(Box::new(
                json!({ "tracking_codes": list, "reasons": reasons }),
            ));
            Err(err)
        }
    }
}

pub async fn wave(state: &AppState, wave_id: i64) -> ApiResult<Wave> {
    state
        .db
        .wave(wave_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::WaveNotFound))
}

fn doc_warehouse(w: Warehouse) -> DocWarehouse {
    DocWarehouse {
        code: w.warehouse_code,
        name: w.name,
        address: w.address,
    }
}

/// Units still to ship.
fn open_units(s: &Shipment) -> i64 {
    s.lines
        .iter()
        .map(|l| l.open_quantity())
        .fold(0i64, |a, q| a.saturating_add(q))
}

fn rendered<E: std::fmt::Display>(what: &str, r: Result<Vec<u8>, E>) -> ApiResult<Vec<u8>> {
    r.map_err(|e| {
        tracing::error!(error = %e, "rendering {what}");
        ApiError::internal()
    })
}

/// A wave's pick list (A4): quantities by product with the shipments under each.
pub async fn pick_list(state: &AppState, wave_id: i64, lang: Lang) -> ApiResult<Pdf> {
    let sheet = state
        .db
        .wave_sheet(wave_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::WaveNotFound))?;
    let list = PickList {
        wave_id: sheet.wave.id.to_string(),
        warehouse: doc_warehouse(sheet.warehouse),
        created_time: sheet.wave.created_time,
        created_by: Some(sheet.wave.created_by.clone()),
        shipments: sheet
            .shipments
            .iter()
            .map(|s| PickShipment {
                tracking_code: s.tracking_code(),
                items: s
                    .lines
                    .iter()
                    .map(|l| {
                        let product = sheet.products.get(&l.product_id);
                        PickItem {
                            oasin: l.oasin(),
                            sku: l.sku.clone(),
                            name: product.map(|p| p.name.clone()).unwrap_or_default(),
                            barcodes: product.map(|p| p.barcodes.clone()).unwrap_or_default(),
                            quantity: l.open_quantity(),
                        }
                    })
                    .collect(),
            })
            .collect(),
        ..PickList::default()
    };
    Ok(Pdf {
        file_name: format!("pick-list-{}.pdf", sheet.wave.id),
        bytes: rendered("a pick list", pick_list_pdf(&list, lang))?,
    })
}

/// A parcel's A6 shipping label, once it is packed (until a cancellation).
pub async fn shipping_label(state: &AppState, tracking_code: &str, lang: Lang) -> ApiResult<Pdf> {
    let not_found = || ApiError::new(ErrorCode::ShipmentNotFound);
    let id = CodeKind::Shipment
        .parse(tracking_code.trim())
        .ok_or_else(not_found)?;
    let business_id = state
        .db
        .shipment_business(id)
        .await?
        .ok_or_else(not_found)?;
    let s = state
        .db
        .shipment_by_id(business_id, id)
        .await?
        .ok_or_else(not_found)?;
    if !label_available(s.status) {
        return Err(ApiError::new(ErrorCode::ShipmentNotPacked)
            .with_detail(json!({ "status_info": s.status.info(lang, Some(s.status_time)) })));
    }
    let business = state.db.business(s.business_id).await?;
    let warehouse = state
        .db
        .warehouse_by_code(&s.warehouse_code)
        .await?
        .ok_or_else(ApiError::internal)?;
    let receiver = match &s.receiver {
        Some(r) => {
            let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
            let [province, district, ward] = state
                .db
                .address_names(
                    text("province_code").as_deref(),
                    text("district_code").as_deref(),
                    text("ward_code").as_deref(),
                )
                .await?;
            Some(LabelReceiver {
                name: text("name").unwrap_or_default(),
                phone: text("phone").unwrap_or_default(),
                address: text("address").unwrap_or_default(),
                ward,
                district,
                province,
            })
        }
        None => None,
    };
    let label = ShippingLabel {
        tracking_code: s.tracking_code(),
        merchant_reference: s.merchant_tracking_code_reference.clone(),
        courier_name: s.courier_name.clone(),
        courier_tracking_code: s.courier_tracking_code.clone(),
        platform: s.platform.clone(),
        receiver,
        sender_name: business.map(|b| b.name),
        warehouse: doc_warehouse(warehouse),
        cod_amount_minor: s.cod_amount_minor,
        item_count: open_units(&s),
        packed_time: s.packed_time,
        weight: s.packed_weight_grams.map(kg),
        note: s.note.clone(),
        ..ShippingLabel::default()
    };
    Ok(Pdf {
        file_name: format!("label-{}.pdf", label.tracking_code),
        bytes: rendered("a shipping label", shipping_label_pdf(&label, lang))?,
    })
}

/// Opens a manifest for a courier in a warehouse.
pub async fn create_manifest(
    state: &AppState,
    actor: &str,
    warehouse_code: &str,
    courier_name: &str,
) -> ApiResult<Manifest> {
    let warehouse_code = required_text("warehouse_code", warehouse_code, 50)?;
    let courier_name = required_text("courier_name", courier_name, 100)?;
    state
        .db
        .create_manifest(&warehouse_code, &courier_name, actor, state.now())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::WarehouseNotFound))
}

fn manifest_error(e: ManifestError) -> ApiError {
    match e {
        ManifestError::NotFound => ApiError::new(ErrorCode::ManifestNotFound),
        ManifestError::NotOpen => ApiError::new(ErrorCode::ManifestNotOpen)
            .with_detail(json!({ "status": ManifestStatus::Closed.as_str() })),
    }
}

pub async fn manifest(state: &AppState, manifest_id: i64) -> ApiResult<Manifest> {
    state
        .db
        .manifest(manifest_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::ManifestNotFound))
}

/// Scans parcels onto an OPEN manifest: each PACKED parcel of its warehouse → WAITING_HANDOVER;
/// a result per code, in request order.
pub async fn add_parcels(
    state: &AppState,
    actor: &str,
    manifest_id: i64,
    tracking_codes: Vec<String>,
) -> ApiResult<Vec<ParcelResult>> {
    let codes = codes_from("tracking_codes", tracking_codes)?;
    state
        .db
        .add_parcels(manifest_id, &codes, actor, state.now())
        .await?
        .map_err(manifest_error)
}

/// Closes an OPEN manifest: every waiting parcel → HANDOVER with the courier's name, at once.
pub async fn close_manifest(
    state: &AppState,
    actor: &str,
    manifest_id: i64,
) -> ApiResult<Manifest> {
    state
        .db
        .close_manifest(manifest_id, actor, state.now())
        .await?
        .map_err(manifest_error)
}

/// A manifest's document (A4): its parcels with barcodes and signature boxes.
pub async fn manifest_document(state: &AppState, manifest_id: i64, lang: Lang) -> ApiResult<Pdf> {
    let sheet = state
        .db
        .manifest_sheet(manifest_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::ManifestNotFound))?;
    let doc = ManifestDoc {
        manifest_id: sheet.manifest.id.to_string(),
        warehouse: doc_warehouse(sheet.warehouse),
        courier_name: sheet.manifest.courier_name.clone(),
        created_time: sheet.manifest.created_time,
        closed_time: sheet.manifest.closed_time,
        created_by: Some(sheet.manifest.created_by.clone()),
        parcels: sheet
            .parcels
            .iter()
            .map(|s| ManifestParcel {
                tracking_code: s.tracking_code(),
                merchant_reference: s.merchant_tracking_code_reference.clone(),
                courier_tracking_code: s.courier_tracking_code.clone(),
                item_count: open_units(s),
                weight: s.packed_weight_grams.map(kg),
            })
            .collect(),
        ..ManifestDoc::default()
    };
    Ok(Pdf {
        file_name: format!("manifest-{}.pdf", sheet.manifest.id),
        bytes: rendered("a manifest", manifest_pdf(&doc, lang))?,
    })
}

/// Grams as the documents' kg.
fn kg(grams: i64) -> f64 {
    grams as f64 / 1000.0
}

/// A PDF as served: shown in place (it is printed from the browser), never cached by others.
impl axum::response::IntoResponse for Pdf {
    fn into_response(self) -> axum::response::Response {
        use axum::http::header::CONTENT_DISPOSITION;
        let mut res = axum::body::Body::from(self.bytes).into_response();
        let headers = res.headers_mut();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/pdf"),
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&crate::files::content_disposition(
            true,
            &self.file_name,
        )) {
            headers.insert(CONTENT_DISPOSITION, v);
        }
        headers.insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("private, no-store"),
        );
        headers.insert(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        );
        res
    }
}

/// A PDF's bytes, as served (documentation only).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct PdfBytes(Vec<u8>);

/// A shipment of the warehouse, looked up for a floor step: `SHIPMENT_NOT_FOUND`, or
/// `SHIPMENT_NOT_IN_WAREHOUSE` when it is another warehouse's.
pub async fn warehouse_shipment(
    state: &AppState,
    warehouse_code: &str,
    tracking_code: &str,
) -> ApiResult<Shipment> {
    let s = state
        .db
        .floor_shipment(tracking_code)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::ShipmentNotFound))?;
    if s.warehouse_code != warehouse_code {
        return Err(ApiError::new(ErrorCode::ShipmentNotInWarehouse));
    }
    Ok(s)
}

fn refused_move(s: &Shipment, lang: Lang, to: ShipmentStatus) -> ApiError {
    ApiError::new(ErrorCode::InvalidStatusTransition).with_detail(json!({
        "status_info": s.status.info(lang, Some(s.status_time)), "requested": to.name(),
    }))
}

/// One shipment of the warehouse moved by a floor step (the pick confirm): the status move
/// with `actor` in the history.
pub async fn floor_move(
    state: &AppState,
    actor: &str,
    lang: Lang,
    warehouse_code: &str,
    tracking_code: &str,
    to: ShipmentStatus,
    note: Option<&str>,
) -> ApiResult<Shipment> {
    let s = warehouse_shipment(state, warehouse_code, tracking_code).await?;
    match state
        .db
        .transition_shipment_as(
            &s.tracking_code(),
            to,
            (None, None),
            note,
            actor,
            state.now(),
        )
        .await?
    {
        Ok(moved) => Ok(moved),
        Err(depot_store::shipments::TransitionError::NotAllowed(current)) => {
            let mut now = s.clone();
            now.status = current;
            Err(refused_move(&now, lang, to))
        }
        Err(depot_store::shipments::TransitionError::NotFound) => {
            Err(ApiError::new(ErrorCode::ShipmentNotFound))
        }
        Err(depot_store::shipments::TransitionError::InsufficientStock) => {
            Err(ApiError::new(ErrorCode::InsufficientStock))
        }
    }
}

/// What the pack station checks a box against: units still to ship by product, and which
/// product each barcode names.
pub struct PackBox {
    pub shipment: Shipment,
    pub products: std::collections::HashMap<i64, depot_store::floor::ProductLabel>,
    pub expected: std::collections::BTreeMap<i64, i64>,
}

impl PackBox {
    pub fn product_of(&self, barcode: &str) -> Option<i64> {
        let barcode = barcode.trim();
        self.products
            .iter()
            .find(|(_, p)| p.barcodes.iter().any(|b| b == barcode))
            .map(|(id, _)| *id)
    }

    /// Replays the scans in order: the units in the box by product, or the first refused
    /// scan (its position and why).
    pub fn replay(
        &self,
        barcodes: &[String],
    ) -> Result<std::collections::BTreeMap<i64, i64>, (usize, ErrorCode)> {
        use depot_domain::floor::{scan_unit, UnitScan};
        let mut scanned = std::collections::BTreeMap::new();
        for (i, b) in barcodes.iter().enumerate() {
            match scan_unit(&self.expected, &scanned, self.product_of(b)) {
                UnitScan::Accepted(p) => *scanned.entry(p).or_insert(0) += 1,
                UnitScan::WrongProduct => return Err((i, ErrorCode::UnitNotInShipment)),
                UnitScan::Extra(_) => return Err((i, ErrorCode::UnitAlreadyPacked)),
            }
        }
        Ok(scanned)
    }

    pub fn complete(&self, scanned: &std::collections::BTreeMap<i64, i64>) -> bool {
        depot_domain::floor::box_complete(&self.expected, scanned)
    }
}

/// The pack station's view of a PICKED shipment of the warehouse.
pub async fn pack_box(
    state: &AppState,
    lang: Lang,
    warehouse_code: &str,
    tracking_code: &str,
) -> ApiResult<PackBox> {
    let s = warehouse_shipment(state, warehouse_code, tracking_code).await?;
    if s.status != ShipmentStatus::Picked {
        return Err(refused_move(&s, lang, ShipmentStatus::Packed));
    }
    let products = state.db.floor_products(std::slice::from_ref(&s)).await?;
    let mut expected = std::collections::BTreeMap::new();
    for l in &s.lines {
        *expected.entry(l.product_id).or_insert(0) += l.open_quantity();
    }
    Ok(PackBox {
        shipment: s,
        products,
        expected,
    })
}

/// The heaviest parcel the pack station takes, in kg.
pub const MAX_WEIGHT_KG: f64 = 1000.0;

/// A weight in kg as whole grams: above 0 (at least 1 g once rounded) and at most
/// [`MAX_WEIGHT_KG`]; anything else (not a number, infinite, out of range) is `None`.
pub fn weight_grams(weight_kg: f64) -> Option<i64> {
    if !(weight_kg.is_finite() && weight_kg > 0.0 && weight_kg <= MAX_WEIGHT_KG) {
        return None;
    }
    // In range, so the product is at most 1,000,000 and the cast cannot overflow.
    let grams = (weight_kg * 1000.0).round() as i64;
    (1..=1_000_000).contains(&grams).then_some(grams)
}

/// Packs a PICKED shipment once every unit was scanned (a wrong product or an extra unit is
/// refused, so is a box with units missing) and weighed: → PACKED with its weight in grams
/// (for the label and the manifest), and the weight in the history.
pub async fn pack(
    state: &AppState,
    actor: &str,
    lang: Lang,
    warehouse_code: &str,
    tracking_code: &str,
    barcodes: &[String],
    weight_kg: f64,
) -> ApiResult<Shipment> {
    let Some(grams) = weight_grams(weight_kg) else {
        return Err(ApiError::invalid_field(
            "weight",
            format!("must be a weight in kg from 0.001 to {MAX_WEIGHT_KG}"),
        ));
    };
    let b = pack_box(state, lang, warehouse_code, tracking_code).await?;
    let scanned = b.replay(barcodes).map_err(|(i, code)| {
        ApiError::new(code).with_detail(json!({ "barcode": barcodes[i], "position": i }))
    })?;
    if !b.complete(&scanned) {
        return Err(ApiError::new(ErrorCode::PackIncomplete));
    }
    let note = format!("weight {weight_kg} kg");
    let s = &b.shipment;
    match state
        .db
        .pack_shipment(&s.tracking_code(), grams, Some(&note), actor, state.now())
        .await?
    {
        Ok(moved) => Ok(moved),
        Err(depot_store::shipments::TransitionError::NotAllowed(current)) => {
            let mut now = s.clone();
            now.status = current;
            Err(refused_move(&now, lang, ShipmentStatus::Packed))
        }
        Err(depot_store::shipments::TransitionError::NotFound) => {
            Err(ApiError::new(ErrorCode::ShipmentNotFound))
        }
        Err(depot_store::shipments::TransitionError::InsufficientStock) => {
            Err(ApiError::new(ErrorCode::InsufficientStock))
        }
    }
}
