//! `/console/warehouses/{code}/returns`: scan a return's code, grade each line (how many
//! units came back at each level: A sellable, D1–D3 damaged, L lost) and complete it with
//! the operator API's command (`depot_api::ops::floor::receive_return_shipment`): COMPLETED
//! when everything came back sellable, PROBLEM otherwise.

use crate::auth::ConsoleOperator;
use crate::common::{filled, is_shown_on_page, refusal, refusal_status, warehouse, Scan};
use crate::receiving::LEVELS;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use depot_api::error::ApiError;
use depot_api::ops::floor::{receive_return_shipment, ReturnReceiptBody, ReturnReceiptLine};
use depot_api::ops::media::attach_return_media;
use depot_api::AppState;
use depot_domain::codes::CodeKind;
use depot_domain::quantity::ReceivedQuantity;
use depot_domain::status::ReturnStatus;
use depot_domain::ErrorCode;
use depot_store::returns::ReturnShipment;
use depot_web::{render_with_status, texts, Flash, Form, PageCtx, PageResult};
use serde::Deserialize;
use std::collections::HashMap;

texts! {
    pub struct ReturnTexts {
        title: "Nhận hàng hoàn", "Returns";
        scan: "Mã đơn hoàn", "Return code";
        scan_hint: "Quét hoặc gõ mã rồi nhấn Enter.", "Scan or type the code, then press Enter.";
        open: "Mở đơn hoàn", "Open";
        ret: "Đơn hoàn", "Return";
        shipment: "Vận đơn gốc", "Original shipment";
        product: "Sản phẩm", "Product";
        expected: "Số lượng hoàn", "Expected";
        grades: "Số lượng theo cấp", "Units by grade";
        grade_a: "A — bán được", "A — sellable";
        grade_d1: "D1 — hư hỏng nhẹ", "D1 — lightly damaged";
        grade_d2: "D2 — hư hỏng", "D2 — damaged";
        grade_d3: "D3 — hư hỏng nặng", "D3 — badly damaged";
        grade_l: "L — thất lạc", "L — lost";
        note: "Ghi chú kiểm hàng", "Inspection note";
        complete: "Hoàn tất kiểm hàng hoàn", "Complete the return";
        completed: "Đã nhận đơn hoàn", "Return received:";
        not_receivable: "Đơn hoàn này không còn chờ nhận; chỉ xem.", "This return is not waiting to be received; view only.";
        back: "Về kho", "Back to the warehouse";
        video: "Video kiểm hàng", "Inspection video";
        video_hint: "MP4, WebM, QuickTime, hoặc ảnh JPEG/PNG.", "MP4, WebM, QuickTime, or a JPEG/PNG photo.";
        attach: "Đính kèm video", "Attach video";
        attached: "Đã đính kèm tệp", "File attached:";
    }
}

pub struct Grade {
    pub level: &'static str,
    pub label: &'static str,
    pub value: String,
}

pub struct LineRow {
    pub index: usize,
    pub oasin: String,
    pub sku: String,
    pub expected: i64,
    pub grades: Vec<Grade>,
}

pub struct ReturnView {
    pub code: String,
    pub shipment: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub receivable: bool,
    pub note: String,
    pub lines: Vec<LineRow>,
}

#[derive(Template)]
#[template(path = "returns.html")]
struct ReturnsPage {
    ctx: PageCtx,
    t: &'static ReturnTexts,
    warehouse: String,
    scan: Scan,
    ret: Option<ReturnView>,
    errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ScanQuery {
    pub return_code: Option<String>,
}

fn grade_label(t: &ReturnTexts, level: &str) -> &'static str {
    match level {
        "A" => t.grade_a,
        "D1" => t.grade_d1,
        "D2" => t.grade_d2,
        "D3" => t.grade_d3,
        _ => t.grade_l,
    }
}

fn view(
    r: &ReturnShipment,
    t: &ReturnTexts,
    lang: depot_domain::Lang,
    entered: &HashMap<String, String>,
) -> ReturnView {
    let lines = r
        .lines
        .iter()
        .enumerate()
        .map(|(index, l)| {
            let grades = LEVELS
                .iter()
                .map(|level| {
                    // What was entered, what was found, or "all sellable" to start with.
                    let default = match l.received.get(*level) {
                        Some(q) => *q,
                        None if l.received.is_empty() && *level == "A" => l.product_quantity,
                        None => 0,
                    };
                    Grade {
                        level,
                        label: grade_label(t, level),
                        value: entered
                            .get(&format!("l{index}.{level}"))
                            .cloned()
                            .unwrap_or_else(|| default.to_string()),
                    }
                })
                .collect();
            LineRow {
                index,
                oasin: CodeKind::Product.format(l.product_id),
                sku: l.sku.clone(),
                expected: l.product_quantity,
                grades,
            }
        })
        .collect();
    ReturnView {
        code: r.return_tracking_code(),
        shipment: CodeKind::Shipment.format(r.shipment_id),
        status: r.status.label(lang),
        status_code: r.status.name(),
        receivable: r.status == ReturnStatus::New,
        note: entered
            .get("note")
            .cloned()
            .or_else(|| r.note.clone())
            .unwrap_or_default(),
        lines,
    }
}

async fn page(
    state: &AppState,
    op: ConsoleOperator,
    code: &str,
    scanned: Option<String>,
    entered: HashMap<String, String>,
    mut errors: Vec<String>,
    mut status: StatusCode,
) -> PageResult {
    let w = warehouse(state, &op, code).await?;
    let lang = op.ctx.lang;
    let t = ReturnTexts::get(lang);
    let scanned = scanned.unwrap_or_default();
    let mut ret = None;
    if !scanned.is_empty() {
        match state.db.return_shipment_any(&scanned).await? {
            Some(found) if found.warehouse_code == w.warehouse_code => {
                ret = Some(view(&found, t, lang, &entered));
            }
            _ => {
                errors
                    .push(ApiError::new(ErrorCode::ReturnShipmentNotFound).localized_message(lang));
                status = StatusCode::NOT_FOUND;
            }
        }
    }
    Ok(render_with_status(
        status,
        &ReturnsPage {
            t,
            scan: Scan {
                action: format!("/console/warehouses/{}/returns", w.warehouse_code),
                label: t.scan,
                name: "return_code",
                hint: t.scan_hint,
                button: t.open,
                value: scanned,
            },
            warehouse: w.warehouse_code,
            ret,
            errors,
            ctx: op.ctx,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    Query(q): Query<ScanQuery>,
) -> PageResult {
    let scanned = filled(q.return_code.as_ref());
    page(
        &state,
        op,
        &code,
        scanned,
        HashMap::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The graded lines as the command's items: one item per line and grade with units.
fn body(fields: &HashMap<String, String>) -> Result<ReturnReceiptBody, Vec<(String, String)>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for i in 0.. {
        let Some(oasin) = filled(fields.get(&format!("l{i}.oasin"))) else {
            break;
        };
        for level in LEVELS {
            let raw = filled(fields.get(&format!("l{i}.{level}"))).unwrap_or_else(|| "0".into());
            match raw
                .parse::<i64>()
                .map_err(|_| "must be a whole number".to_string())
                .and_then(ReceivedQuantity::new)
            {
                Ok(q) if q.get() == 0 => {}
                Ok(received_quantity) => items.push(ReturnReceiptLine {
                    oasin: oasin.clone(),
                    received_quantity,
                    stock_level: Some(level.to_string()),
                }),
                Err(e) => errors.push((format!("lines[{i}].{level}"), e)),
            }
        }
    }
    if errors.is_empty() {
        Ok(ReturnReceiptBody {
            items,
            note: filled(fields.get("note")),
        })
    } else {
        Err(errors)
    }
}

pub async fn complete(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, return_code)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    warehouse(&state, &op, &code).await?;
    let lang = op.ctx.lang;
    let fields: HashMap<String, String> = pairs.into_iter().collect();
    let result = match body(&fields) {
        Ok(body) => receive_return_shipment(&state, lang, &return_code, body, Some(&code)).await,
        Err(errors) => Err(ApiError::invalid_fields(errors)),
    };
    match result {
        Ok(r) => {
            let t = ReturnTexts::get(lang);
            let code_text = r.return_tracking_code();
            op.session
                .flash(Flash::success(format!(
                    "{} {code_text} — {}",
                    t.completed,
                    r.status.label(lang)
                )))
                .await?;
            Ok(Redirect::to(&format!(
                "/console/warehouses/{code}/returns?return_code={code_text}"
            ))
            .into_response())
        }
        Err(e) if is_shown_on_page(&e) => {
            let status = refusal_status(&e);
            page(
                &state,
                op,
                &code,
                Some(return_code),
                fields,
                refusal(&e, lang),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Attaches the inspection video (or a photo) with the operator API's media command.
pub async fn attach(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, return_code)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    warehouse(&state, &op, &code).await?;
    let lang = op.ctx.lang;
    match attach_return_media(&state, &return_code, Some(&code), &headers, multipart).await {
        Ok(media) => {
            let t = ReturnTexts::get(lang);
            op.session
                .flash(Flash::success(format!(
                    "{} {} ({} bytes)",
                    t.attached, media.content_type, media.size
                )))
                .await?;
            Ok(Redirect::to(&format!(
                "/console/warehouses/{code}/returns?return_code={return_code}"
            ))
            .into_response())
        }
        Err(e) if is_shown_on_page(&e) => {
            let status = refusal_status(&e);
            page(
                &state,
                op,
                &code,
                Some(return_code),
                HashMap::new(),
                refusal(&e, lang),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
