//! `/console/warehouses/{code}/pack` (SPEC §11 "Pack station"): scan a PICKED shipment's
//! tracking code, then each unit's barcode — a wrong product or an extra unit is refused on
//! screen — then its weight → PACKED, print the shipping label and attach the packing video
//! (also offered when a PACKED parcel is scanned again). The box's state travels
//! in the form (the scans so far), and every scan is checked again by the operator API's
//! command, which alone decides. Keyboard-wedge friendly: the next field has the focus and
//! Enter submits.

use crate::auth::ConsoleOperator;
use crate::floor_tabs::{refusal, tabs, FloorTexts, Tab};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::ops::commands::{self, PackBox};
use depot_api::ops::media::attach_shipment_media;
use depot_api::AppState;
use depot_domain::status::ShipmentStatus;
use depot_domain::ErrorCode;
use depot_web::{render_with_status, texts, Flash, Form, PageCtx, PageResult};
use serde::Deserialize;

texts! {
    pub struct PackTexts {
        title: "Trạm đóng gói", "Pack station";
        intro: "Quét mã vận đơn, rồi quét mã vạch từng sản phẩm cho vào thùng, rồi nhập khối lượng.", "Scan the tracking code, then each unit's barcode as it goes into the box, then the weight.";
        open: "Mở vận đơn", "Open shipment";
        sku: "SKU", "SKU";
        name: "Tên sản phẩm", "Product";
        barcodes: "Mã vạch", "Barcodes";
        expected: "Cần", "Expected";
        scanned: "Đã quét", "Scanned";
        barcode: "Mã vạch sản phẩm", "Unit barcode";
        scan: "Quét sản phẩm", "Scan unit";
        weight: "Khối lượng (kg)", "Weight (kg)";
        packed: "Xác nhận đã đóng gói", "Mark packed";
        done: "Đã đóng gói", "Packed";
        label: "In nhãn vận chuyển (PDF)", "Print the shipping label (PDF)";
        complete: "Đã quét đủ: nhập khối lượng rồi xác nhận.", "Every unit scanned: enter the weight and confirm.";
        start_over: "Mở vận đơn khác", "Another shipment";
        video: "Video đóng gói", "Packing video";
        video_hint: "MP4, WebM, QuickTime, hoặc ảnh JPEG/PNG.", "MP4, WebM, QuickTime, or a JPEG/PNG photo.";
        attach: "Đính kèm video", "Attach video";
        attached: "Đã đính kèm tệp", "File attached:";
    }
}

pub struct LineRow {
    pub sku: String,
    pub name: String,
    pub barcodes: String,
    pub expected: i64,
    pub scanned: i64,
}

#[derive(Template)]
#[template(path = "floor/pack.html")]
struct PackPage {
    ctx: PageCtx,
    t: &'static PackTexts,
    ft: &'static FloorTexts,
    tabs: Vec<Tab>,
    code: String,
    tracking_code: String,
    lines: Vec<LineRow>,
    scanned: Vec<String>,
    complete: bool,
    error: Option<String>,
    packed: Option<String>,
}

/// What the page shows: an open box (when a shipment was scanned), its scans, an error.
#[derive(Default)]
struct Station {
    tracking_code: String,
    open: Option<PackBox>,
    scanned: Vec<String>,
    error: Option<String>,
    packed: Option<String>,
}

fn show(op: ConsoleOperator, code: String, s: Station) -> PageResult<Response> {
    show_with(op, code, s, StatusCode::OK)
}

fn show_with(
    op: ConsoleOperator,
    code: String,
    s: Station,
    status: StatusCode,
) -> PageResult<Response> {
    let lang = op.ctx.lang;
    let mut lines = Vec::new();
    let mut complete = false;
    if let Some(b) = &s.open {
        let counted = b.replay(&s.scanned).unwrap_or_default();
        complete = b.complete(&counted);
        for (product_id, expected) in &b.expected {
            let label = b.products.get(product_id);
            let sku = b
                .shipment
                .lines
                .iter()
                .find(|l| l.product_id == *product_id)
                .map(|l| l.sku.clone())
                .unwrap_or_default();
            lines.push(LineRow {
                sku,
                name: label.map(|l| l.name.clone()).unwrap_or_default(),
                barcodes: label.map(|l| l.barcodes.join(", ")).unwrap_or_default(),
                expected: *expected,
                scanned: counted.get(product_id).copied().unwrap_or(0),
            });
        }
    }
    Ok(render_with_status(
        status,
        &PackPage {
            t: PackTexts::get(lang),
            ft: FloorTexts::get(lang),
            tabs: tabs(&code, lang, "pack"),
            code,
            tracking_code: if s.open.is_some() {
                s.tracking_code
            } else {
                String::new()
            },
            lines,
            scanned: s.scanned,
            complete,
            error: s.error,
            packed: s.packed,
            ctx: op.ctx,
        },
    )
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PackQuery {
    pub tracking_code: Option<String>,
    pub packed: Option<String>,
}

pub async fn pack_page(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Query(q): Query<PackQuery>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    let mut station = Station {
        packed: q.packed.filter(|p| !p.trim().is_empty()),
        ..Station::default()
    };
    if let Some(tracking) = q
        .tracking_code
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
    {
        match commands::pack_box(&state, op.ctx.lang, &code, &tracking).await {
            Ok(b) => station.open = Some(b),
            // A packed parcel opens on its label and packing-video form.
            Err(_)
                if commands::warehouse_shipment(&state, &code, &tracking)
                    .await
                    .is_ok_and(|s| s.status == ShipmentStatus::Packed) =>
            {
                station.packed = Some(tracking.clone());
            }
            Err(e) if e.code.http_status() < 500 => {
                station.error = Some(format!("{tracking}: {}", refusal(&e, &op)))
            }
            Err(e) => return Err(e.into()),
        }
        station.tracking_code = tracking;
    }
    show(op, code, station)
}

/// The box's fields: the shipment, the scans so far, the new barcode or the weight.
fn read(pairs: Vec<(String, String)>) -> (String, Vec<String>, String, String) {
    let mut tracking = String::new();
    let mut scanned = Vec::new();
    let mut barcode = String::new();
    let mut weight = String::new();
    for (k, v) in pairs {
        match k.as_str() {
            "tracking_code" => tracking = v.trim().to_string(),
            "scanned" => scanned.push(v),
            "barcode" => barcode = v.trim().to_string(),
            "weight" => weight = v.trim().to_string(),
            _ => {}
        }
    }
    (tracking, scanned, barcode, weight)
}

pub async fn scan(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    let (tracking, mut scanned, barcode, _) = read(pairs);
    let b = match commands::pack_box(&state, op.ctx.lang, &code, &tracking).await {
        Ok(b) => b,
        Err(e) if e.code.http_status() < 500 => {
            let error = Some(format!("{tracking}: {}", refusal(&e, &op)));
            return show(
                op,
                code,
                Station {
                    error,
                    ..Station::default()
                },
            );
        }
        Err(e) => return Err(e.into()),
    };
    // The scans so far were accepted when made; only a tampered form fails here.
    if b.replay(&scanned).is_err() {
        scanned.clear();
    }
    let mut with = scanned.clone();
    with.push(barcode.clone());
    let error = if barcode.is_empty() {
        None
    } else {
        match b.replay(&with) {
            Ok(_) => {
                scanned = with;
                None
            }
            Err((_, why)) => Some(format!("{barcode}: {}", why.message(op.ctx.lang, &[]))),
        }
    };
    show(
        op,
        code,
        Station {
            tracking_code: tracking,
            open: Some(b),
            scanned,
            error,
            packed: None,
        },
    )
}

pub async fn done(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    let lang = op.ctx.lang;
    let (tracking, scanned, _, weight) = read(pairs);
    let weight_kg = weight.replace(',', ".").parse::<f64>().unwrap_or(f64::NAN);
    match commands::pack(
        &state,
        &op.actor(),
        lang,
        &code,
        &tracking,
        &scanned,
        weight_kg,
    )
    .await
    {
        Ok(s) => {
            let t = PackTexts::get(lang);
            op.session
                .flash(Flash::success(format!("{}: {}", t.done, s.tracking_code())))
                .await?;
            Ok(Redirect::to(&format!(
                "/console/warehouses/{code}/pack?packed={}",
                s.tracking_code()
            ))
            .into_response())
        }
        Err(e) if e.code.http_status() < 500 => {
            let error = Some(refusal(&e, &op));
            // Still packable: keep the box open with its scans; otherwise start over.
            let open = match e.code {
                ErrorCode::InvalidPayload
                | ErrorCode::PackIncomplete
                | ErrorCode::UnitNotInShipment
                | ErrorCode::UnitAlreadyPacked => {
                    commands::pack_box(&state, lang, &code, &tracking)
                        .await
                        .ok()
                }
                _ => None,
            };
            show(
                op,
                code,
                Station {
                    tracking_code: tracking,
                    scanned: if open.is_some() { scanned } else { Vec::new() },
                    open,
                    error,
                    packed: None,
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// The shipping label of a packed parcel of this warehouse.
pub async fn label(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, tracking)): Path<(String, String)>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    commands::warehouse_shipment(&state, &code, &tracking)
        .await
        .map_err(|_| depot_web::PageError::NotFound)?;
    Ok(commands::shipping_label(&state, &tracking, op.ctx.lang)
        .await?
        .into_response())
}

/// Attaches the packing video (or a photo) with the operator API's media command.
pub async fn attach(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, tracking)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    op.warehouse(&code)?;
    let lang = op.ctx.lang;
    match attach_shipment_media(&state, &tracking, Some(&code), &headers, multipart).await {
        Ok(media) => {
            let t = PackTexts::get(lang);
            op.session
                .flash(Flash::success(format!(
                    "{} {} ({} bytes)",
                    t.attached, media.content_type, media.size
                )))
                .await?;
            Ok(Redirect::to(&format!(
                "/console/warehouses/{code}/pack?packed={tracking}"
            ))
            .into_response())
        }
        Err(e) if e.code.http_status() < 500 => {
            let status = StatusCode::from_u16(e.code.http_status())
                .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            if e.code == ErrorCode::ShipmentNotFound {
                return Err(depot_web::PageError::NotFound);
            }
            let error = Some(refusal(&e, &op));
            show_with(
                op,
                code,
                Station {
                    error,
                    packed: Some(tracking),
                    ..Station::default()
                },
                status,
            )
        }
        Err(e) => Err(e.into()),
    }
}
