//! `/portal/shipments/import` (SPEC §10, `OMS_USER` only): shipments from a CSV file. A
//! template to download; a dry run that checks every row exactly as Create B2C Shipment
//! would (`depot_api::merchant::shipments::check_create`: the API's body reader, validation
//! and look-ups) and lists each row's errors while creating nothing; then the confirm step,
//! which creates each row as its own shipment (`create`, the API's command) and shows one
//! result per row.
//!
//! Columns are the API's body fields by name; `items` holds `OASIN:quantity` pairs separated
//! by `;`, and the receiver's fields are `receiver.name`, `receiver.phone`, ….

use crate::auth::OmsUser;
use crate::shipments::{create_body, details, ShipmentTexts};
use askama::Template;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use depot_api::error::ApiError;
use depot_api::merchant::shipments as api;
use depot_api::AppState;
use depot_domain::{ErrorCode, Lang};
use depot_web::{render_with_status, texts, Form, PageCtx, PageError, PageResult};
use serde_json::json;
use std::collections::HashMap;

/// Rows one file may hold.
pub const MAX_ROWS: usize = 500;
/// The largest file read (the form limit of the cross-site layer is 2 MiB).
const MAX_BYTES: usize = 1024 * 1024;

/// The columns, in the template's order.
pub const COLUMNS: &[&str] = &[
    "warehouse_code",
    "platform",
    "merchant_tracking_code_reference",
    "courier_tracking_code",
    "courier_name",
    "shipping_label_url",
    "items",
    "cod_amount",
    "note",
    "receiver.name",
    "receiver.phone",
    "receiver.address",
    "receiver.province_code",
    "receiver.district_code",
    "receiver.ward_code",
];

texts! {
    pub struct ImportTexts {
        title: "Nhập vận đơn từ CSV", "Import shipments from CSV";
        intro: "Mỗi dòng là một vận đơn, được kiểm tra đúng như API tạo vận đơn. Bước kiểm tra không tạo gì; chỉ bước xác nhận mới tạo vận đơn.", "Each row is one shipment, checked exactly as the create API checks it. The check creates nothing; only the confirm step creates shipments.";
        template: "Tải tệp mẫu", "Download the template";
        format: "Định dạng", "Format";
        format_body: "Tiêu đề cột là tên trường của API. Cột items gồm các cặp OASIN:số lượng, cách nhau bởi dấu chấm phẩy (ví dụ OASIN0000001:2;OASIN0000002:1). Thông tin người nhận (bắt buộc với retail) ở các cột receiver.*. Tối đa 500 dòng.", "Column headings are the API's field names. The items column holds OASIN:quantity pairs separated by semicolons (e.g. OASIN0000001:2;OASIN0000002:1). The receiver (required for retail) goes in the receiver.* columns. At most 500 rows.";
        file: "Tệp CSV", "CSV file";
        paste: "Hoặc dán nội dung CSV", "Or paste the CSV text";
        check: "Kiểm tra tệp", "Check file";
        results_check: "Kết quả kiểm tra", "Check results";
        results_create: "Kết quả tạo vận đơn", "Import results";
        row: "Dòng", "Row";
        reference: "Mã tham chiếu", "Merchant reference";
        result: "Kết quả", "Result";
        ready: "Hợp lệ", "Ready";
        invalid: "Có lỗi", "Has errors";
        created: "Đã tạo", "Created";
        failed: "Không tạo được", "Not created";
        summary_ready: "dòng hợp lệ", "rows ready";
        summary_invalid: "dòng có lỗi", "rows with errors";
        summary_created: "vận đơn đã tạo", "shipments created";
        summary_failed: "dòng không tạo được", "rows not created";
        nothing_created: "Chưa có vận đơn nào được tạo. Sửa các dòng có lỗi rồi kiểm tra lại, hoặc tạo các dòng hợp lệ.", "Nothing has been created yet. Fix the rows with errors and check again, or create the rows that are ready.";
        confirm: "Tạo vận đơn từ các dòng hợp lệ", "Create the ready shipments";
        confirm_hint: "Mỗi dòng được tạo riêng; dòng có lỗi không được tạo.", "Each row is created on its own; rows with errors are not created.";
        no_file: "Hãy chọn tệp CSV hoặc dán nội dung.", "Choose a CSV file or paste its text.";
        too_big: "Tệp quá lớn (tối đa 1 MB).", "The file is too large (at most 1 MB).";
        too_many: "Tệp có quá nhiều dòng (tối đa 500).", "The file has too many rows (at most 500).";
        no_rows: "Tệp không có dòng dữ liệu nào.", "The file has no data rows.";
        not_csv: "Không đọc được tệp CSV", "The file is not readable CSV";
        unknown_column: "Cột không được hỗ trợ", "Unsupported column";
        missing_column: "Thiếu cột bắt buộc", "Missing required column";
        duplicate_in_file: "trùng với dòng", "repeats row";
        start_over: "Nhập tệp khác", "Import another file";
        all_shipments: "Xem danh sách vận đơn", "View shipments";
    }
}

/// One row's outcome.
pub struct RowResult {
    pub n: usize,
    pub reference: String,
    pub ok: bool,
    /// The created shipment (confirm step).
    pub code: Option<String>,
    pub error: Option<String>,
    pub details: Vec<String>,
}

#[derive(Template)]
#[template(path = "shipments_import.html")]
struct ImportPage {
    ctx: PageCtx,
    t: &'static ImportTexts,
    st: &'static ShipmentTexts,
    /// A problem with the file as a whole.
    error: Option<String>,
    /// `check` or `create`, once a file was read.
    step: &'static str,
    rows: Vec<RowResult>,
    ok_count: usize,
    bad_count: usize,
    /// The file's text in base64, carried to the confirm step.
    csv_b64: String,
}

fn page(
    user: OmsUser,
    error: Option<String>,
    step: &'static str,
    rows: Vec<RowResult>,
    csv: String,
) -> Response {
    let lang = user.0.ctx.lang;
    let ok_count = rows.iter().filter(|r| r.ok).count();
    let bad_count = rows.len() - ok_count;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_with_status(
        status,
        &ImportPage {
            t: ImportTexts::get(lang),
            st: ShipmentTexts::get(lang),
            error,
            step,
            rows,
            ok_count,
            bad_count,
            csv_b64: BASE64.encode(csv.as_bytes()),
            ctx: user.0.ctx,
        },
    )
}

pub async fn show(user: OmsUser) -> Response {
    page(user, None, "", Vec::new(), String::new())
}

/// The template: the header and two example rows.
pub async fn template(_user: OmsUser) -> Response {
    let mut text = COLUMNS.join(",");
    text.push_str(
        "\r\nHN01,shopee,ORDER-0001,,,,OASIN0000001:2;OASIN0000002:1,,,,,,,,\r\n\
         HN01,retail,ORDER-0002,,,,OASIN0000001:1,150000,Giao giờ hành chính,Nguyễn Văn An,0912345678,\"12 Phố Huế, Hai Bà Trưng\",01,001,00001\r\n",
    );
    // A byte-order mark so spreadsheet programs read the Vietnamese as UTF-8.
    let body = format!("\u{feff}{text}");
    let mut res = body.into_response();
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res.headers_mut().insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"depot-shipments-template.csv\""),
    );
    res
}

/// A file's rows as (field → text) maps, or what is wrong with the file.
fn read_rows(text: &str, t: &ImportTexts) -> Result<Vec<HashMap<String, String>>, String> {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(t.no_rows.into());
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{}: {e}", t.not_csv))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for h in &headers {
        if !COLUMNS.contains(&h.as_str()) {
            return Err(format!("{}: {h}", t.unknown_column));
        }
    }
    for required in [
        "warehouse_code",
        "platform",
        "merchant_tracking_code_reference",
        "items",
    ] {
        if !headers.iter().any(|h| h == required) {
            return Err(format!("{}: {required}", t.missing_column));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{}: {e}", t.not_csv))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(t.too_many.into());
        }
        rows.push(
            headers
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_string))
                .collect(),
        );
    }
    if rows.is_empty() {
        return Err(t.no_rows.into());
    }
    Ok(rows)
}

/// `OASIN:2;OASIN:1` as (oasin, quantity) text pairs.
fn items_of(cell: &str) -> Vec<(String, String)> {
    cell.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.rsplit_once(':') {
            Some((oasin, quantity)) => (oasin.trim().to_string(), quantity.trim().to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

fn failure(n: usize, reference: String, e: &ApiError, lang: Lang) -> RowResult {
    RowResult {
        n,
        reference,
        ok: false,
        code: None,
        error: Some(e.localized_message(lang)),
        details: details(e),
    }
}

/// Runs every row: checks it (`create == false`) or creates it.
async fn run(
    state: &AppState,
    user: &OmsUser,
    rows: Vec<HashMap<String, String>>,
    create: bool,
    t: &ImportTexts,
) -> PageResult<Vec<RowResult>> {
    let lang = user.0.ctx.lang;
    let business_id = user.0.business.business_id;
    let actor = user.0.actor();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::with_capacity(rows.len());
    for (i, fields) in rows.into_iter().enumerate() {
        // Row 1 is the header, as a spreadsheet numbers it.
        let n = i + 2;
        let reference = fields
            .get("merchant_tracking_code_reference")
            .map(|r| r.trim().to_string())
            .unwrap_or_default();
        let items = items_of(fields.get("items").map(String::as_str).unwrap_or(""));
        let body = match create_body(&fields, &items) {
            Ok(body) => body,
            Err(e) => {
                results.push(failure(n, reference, &e, lang));
                continue;
            }
        };
        // A reference twice in one file: the second would be refused at creation.
        if !create && !reference.is_empty() {
            if let Some(first) = seen.get(&reference) {
                let e = ApiError::new(ErrorCode::DuplicateReference).with_detail(json!({
                    "merchant_tracking_code_reference": [format!("{} {first}", t.duplicate_in_file)]
                }));
                results.push(failure(n, reference, &e, lang));
                continue;
            }
            seen.insert(reference.clone(), n);
        }
        let outcome = if create {
            api::create(state, business_id, body, &actor)
                .await
                .map(|s| Some(s.tracking_code()))
        } else {
            api::check_create(state, business_id, body)
                .await
                .map(|_| None)
        };
        results.push(match outcome {
            Ok(code) => RowResult {
                n,
                reference,
                ok: true,
                code,
                error: None,
                details: Vec::new(),
            },
            Err(e) if (400..500).contains(&e.code.http_status()) => failure(n, reference, &e, lang),
            Err(e) => return Err(e.into()),
        });
    }
    Ok(results)
}

/// The file from the form: a multipart upload (`file`, or the pasted `csv`), or the
/// URL-encoded `csv_b64` the confirm step carries. Base64, because URL-encoded form fields
/// may not hold line breaks (the API's text rule, which every form follows).
async fn read_text(state: &AppState, req: Request) -> Result<Option<String>, PageError> {
    let multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let mut form = Multipart::from_request(req, state)
            .await
            .map_err(|_| PageError::BadRequest)?;
        let (mut file, mut pasted) = (None, None);
        while let Some(field) = form.next_field().await.map_err(|_| PageError::BadRequest)? {
            let name = field.name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|_| PageError::BadRequest)?;
            // Too large: kept whole, so the caller says so.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            match name.as_str() {
                "file" if !text.trim().is_empty() => file = Some(text),
                "csv" if !text.trim().is_empty() => pasted = Some(text),
                _ => {}
            }
        }
        Ok(file.or(pasted))
    } else {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, state).await?;
        let Some((_, encoded)) = pairs.into_iter().find(|(k, _)| k == "csv_b64") else {
            return Ok(None);
        };
        let bytes = BASE64
            .decode(encoded.trim())
            .map_err(|_| PageError::BadRequest)?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()).filter(|t| !t.trim().is_empty()))
    }
}

async fn step(state: AppState, user: OmsUser, req: Request, create: bool) -> PageResult {
    let t = ImportTexts::get(user.0.ctx.lang);
    let text = match read_text(&state, req).await {
        Ok(Some(text)) => text,
        Ok(None) => {
            return Ok(page(
                user,
                Some(t.no_file.into()),
                "",
                Vec::new(),
                String::new(),
            ))
        }
        Err(PageError::BadRequest) => {
            return Ok(page(
                user,
                Some(t.not_csv.into()),
                "",
                Vec::new(),
                String::new(),
            ))
        }
        Err(e) => return Err(e),
    };
    if text.len() > MAX_BYTES {
        return Ok(page(
            user,
            Some(t.too_big.into()),
            "",
            Vec::new(),
            String::new(),
        ));
    }
    let rows = match read_rows(&text, t) {
        Ok(rows) => rows,
        Err(message) => return Ok(page(user, Some(message), "", Vec::new(), text)),
    };
    let results = run(&state, &user, rows, create, t).await?;
    let step = if create { "create" } else { "check" };
    Ok(page(user, None, step, results, text))
}

/// The dry run: every row checked, nothing created.
pub async fn check(State(state): State<AppState>, user: OmsUser, req: Request) -> PageResult {
    step(state, user, req, false).await
}

/// The confirm step: each row created on its own.
pub async fn confirm(State(state): State<AppState>, user: OmsUser, req: Request) -> PageResult {
    step(state, user, req, true).await
}
