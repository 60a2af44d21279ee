//! `/console/warehouses/{code}/carrier-updates`: upload the carrier's status file (CSV
//! `tracking_code,status,time,courier_tracking_code,note`) to move handed-over parcels, one
//! result per row, each row through the operator API's shipment status command; and answer
//! the warehouse's open intercept requests (SPEC §7) with the intercept command.

use crate::auth::ConsoleOperator;
use crate::common::{is_shown_on_page, refusal, refusal_status, warehouse};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use depot_api::ops::floor::{move_shipment, ShipmentStatusChange};
use depot_api::ops::intercept::{resolve_intercept, InterceptAnswer};
use depot_api::AppState;
use depot_domain::carrier::{check_row, is_header, MAX_ROWS};
use depot_domain::Lang;
use depot_web::time_fmt::datetime;
use depot_web::{render_with_status, texts, Flash, Form, PageCtx, PageResult};
use serde::Deserialize;

/// The largest status file read.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

texts! {
    pub struct CarrierTexts {
        title: "Cập nhật từ hãng vận chuyển", "Carrier updates";
        upload_title: "Tải tệp trạng thái", "Upload a status file";
        upload_hint: "Tệp CSV với các cột: tracking_code, status, time (giây Unix, không bắt buộc), courier_tracking_code, note. Dòng tiêu đề không bắt buộc.", "A CSV file with the columns tracking_code, status, time (Unix seconds, optional), courier_tracking_code, note. The header row is optional.";
        file: "Tệp CSV", "CSV file";
        upload: "Tải lên và cập nhật", "Upload and update";
        results: "Kết quả từng dòng", "Result per row";
        row: "Dòng", "Row";
        code: "Mã vận đơn", "Tracking code";
        result: "Kết quả", "Result";
        moved: "Đã chuyển sang", "Moved to";
        summary_ok: "dòng thành công", "rows done";
        summary_failed: "dòng lỗi", "rows refused";
        no_file: "Hãy chọn một tệp CSV.", "Choose a CSV file.";
        too_large: "Tệp quá lớn (tối đa 1 MB).", "The file is too large (1 MB at most).";
        too_many: "Tệp có quá nhiều dòng (tối đa 1000).", "The file has too many rows (1000 at most).";
        unreadable: "Không đọc được tệp CSV", "The CSV file cannot be read";
        carrier_time: "hãng báo lúc", "carrier time";
        intercepts: "Yêu cầu chặn hàng đang chờ", "Open intercept requests";
        no_intercepts: "Không có yêu cầu chặn hàng nào đang chờ.", "No intercept request is waiting.";
        reason: "Lý do", "Reason";
        requested: "Yêu cầu lúc", "Requested";
        answer_note: "Ghi chú của hãng", "Carrier's note";
        confirm: "Xác nhận chặn", "Confirm intercept";
        fail: "Chặn thất bại", "Intercept failed";
        answered: "Đã trả lời yêu cầu chặn hàng", "Intercept answered:";
        back: "Về kho", "Back to the warehouse";
    }
}

pub struct RowResult {
    pub line: usize,
    pub code: String,
    pub ok: bool,
    pub message: String,
}

pub struct InterceptRow {
    pub code: String,
    pub status: &'static str,
    pub reason: String,
    pub requested: String,
}

#[derive(Template)]
#[template(path = "carrier.html")]
struct CarrierPage {
    ctx: PageCtx,
    t: &'static CarrierTexts,
    warehouse: String,
    results: Vec<RowResult>,
    done: usize,
    refused: usize,
    intercepts: Vec<InterceptRow>,
    errors: Vec<String>,
}

async fn page(
    state: &AppState,
    op: ConsoleOperator,
    code: &str,
    results: Vec<RowResult>,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let w = warehouse(state, &op, code).await?;
    let lang = op.ctx.lang;
    let t = CarrierTexts::get(lang);
    let intercepts = state
        .db
        .open_intercepts(&w.warehouse_code, 200)
        .await?
        .into_iter()
        .map(|s| {
            let (reason, requested) = match &s.intercept {
                Some(i) => (
                    match &i.reason_note {
                        Some(n) => format!("{} — {n}", i.reason_code),
                        None => i.reason_code.clone(),
                    },
                    datetime(i.requested_time),
                ),
                None => (String::new(), String::new()),
            };
            InterceptRow {
                code: s.tracking_code(),
                status: s.status.label(lang),
                reason,
                requested,
            }
        })
        .collect();
    let done = results.iter().filter(|r| r.ok).count();
    let refused = results.len() - done;
    Ok(render_with_status(
        status,
        &CarrierPage {
            t,
            warehouse: w.warehouse_code,
            results,
            done,
            refused,
            intercepts,
            errors,
            ctx: op.ctx,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
) -> PageResult {
    page(&state, op, &code, Vec::new(), Vec::new(), StatusCode::OK).await
}

/// The uploaded file's bytes, or what to tell the operator.
async fn file_of(
    multipart: Result<Multipart, MultipartRejection>,
    t: &CarrierTexts,
) -> Result<Vec<u8>, String> {
    let mut multipart = multipart.map_err(|_| t.no_file.to_string())?;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Ok(Some(chunk)) = field.chunk().await {
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(t.too_large.to_string());
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(t.no_file.to_string());
        }
        return Ok(bytes);
    }
    Err(t.no_file.to_string())
}

/// The file's rows (header dropped), each with its line number; Err for a file that is not
/// CSV at all.
fn rows(bytes: &[u8], t: &CarrierTexts) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{}: {e}", t.unreadable))?;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if i == 0 && is_header(&cells) {
            continue;
        }
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push((i + 1, cells));
    }
    if rows.len() > MAX_ROWS {
        return Err(t.too_many.to_string());
    }
    Ok(rows)
}

pub async fn upload(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(code): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    warehouse(&state, &op, &code).await?;
    let lang = op.ctx.lang;
    let t = CarrierTexts::get(lang);
    let parsed = match file_of(multipart, t).await {
        Ok(bytes) => rows(&bytes, t),
        Err(e) => Err(e),
    };
    let rows = match parsed {
        Ok(rows) => rows,
        Err(message) => {
            return page(
                &state,
                op,
                &code,
                Vec::new(),
                vec![message],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let actor = op.actor();
    let mut results = Vec::with_capacity(rows.len());
    for (line, cells) in rows {
        let code_cell = cells.first().cloned().unwrap_or_default();
        let result = match check_row(&cells, state.now()) {
            Err(errors) => Err(errors.join("; ")),
            Ok(update) => {
                let note = match (update.note, update.time) {
                    (Some(n), Some(at)) => {
                        Some(format!("{n} ({} {})", t.carrier_time, datetime(at)))
                    }
                    (None, Some(at)) => Some(format!("{} {}", t.carrier_time, datetime(at))),
                    (n, None) => n,
                };
                let change = ShipmentStatusChange {
                    status: update.status.name().to_string(),
                    courier_tracking_code: update.courier_tracking_code,
                    courier_name: None,
                    note,
                };
                match move_shipment(
                    &state,
                    lang,
                    &update.tracking_code,
                    &change,
                    Some(&code),
                    &actor,
                )
                .await
                {
                    Ok(s) => Ok(format!("{} {}", t.moved, s.status.label(lang))),
                    Err(e) if e.code.http_status() < 500 => Err(refusal(&e, lang).join("; ")),
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let (ok, message) = match result {
            Ok(m) => (true, m),
            Err(m) => (false, m),
        };
        results.push(RowResult {
            line,
            code: code_cell,
            ok,
            message,
        });
    }
    page(&state, op, &code, results, Vec::new(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    pub outcome: Option<String>,
    pub note: Option<String>,
}

pub async fn answer(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((code, tracking_code)): Path<(String, String)>,
    Form(form): Form<AnswerForm>,
) -> PageResult {
    warehouse(&state, &op, &code).await?;
    let lang: Lang = op.ctx.lang;
    let body = InterceptAnswer {
        outcome: form.outcome.unwrap_or_default(),
        note: form.note,
    };
    match resolve_intercept(
        &state,
        lang,
        &tracking_code,
        &body,
        Some(&code),
        &op.actor(),
    )
    .await
    {
        Ok(s) => {
            let t = CarrierTexts::get(lang);
            op.session
                .flash(Flash::success(format!(
                    "{} {} — {}",
                    t.answered,
                    s.tracking_code(),
                    s.status.label(lang)
                )))
                .await?;
            Ok(
                Redirect::to(&format!("/console/warehouses/{code}/carrier-updates"))
                    .into_response(),
            )
        }
        Err(e) if is_shown_on_page(&e) => {
            let status = refusal_status(&e);
            page(&state, op, &code, Vec::new(), refusal(&e, lang), status).await
        }
        Err(e) => Err(e.into()),
    }
}
