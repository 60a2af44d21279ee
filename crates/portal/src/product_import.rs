//! `/portal/products/import` (OMS_USER): many products from one CSV file, in two steps.
//!
//! 1. **Dry run** (`POST /portal/products/import`, the file uploaded): every row is read into
//!    the create form's fields and checked by the API's own check
//!    (`depot_api::merchant::products::check`), plus what only the database knows (a SKU the
//!    business has already, a brand that does not exist) and SKUs repeated in the file. The
//!    page lists every row with its errors; nothing is created.
//! 2. **Create** (`POST /portal/products/import/confirm`): the same file (carried by the dry
//!    run's page) is checked again and each valid row is created by the API's Create Product,
//!    each row on its own; the page lists each row's result.
//!
//! `GET /portal/products/import/template.csv` is the file to fill in.

use crate::auth::OmsUser;
use crate::products::{field_label, ProductForm, ProductTexts};
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use depot_api::merchant::products::{self as api, ProductQuery};
use depot_api::AppState;
use depot_domain::Lang;
use depot_web::{render, render_with_status, texts, Form, PageCtx, PageResult};
use serde::Deserialize;
use std::collections::HashSet;

/// The largest file read (bytes) and the most rows in one import.
const MAX_BYTES: usize = 512 * 1024;
const MAX_ROWS: usize = 1000;

/// The template's columns, in order; `barcodes` separated by `|`.
pub const COLUMNS: [&str; 12] = [
    "sku",
    "name",
    "brand_id",
    "product_unit",
    "barcodes",
    "weight",
    "length",
    "width",
    "height",
    "price",
    "min_stock_warning",
    "inventory_tracking_type",
];

texts! {
    pub struct ImportTexts {
        title: "Nhập sản phẩm từ CSV", "Import products from CSV";
        intro: "Tải tệp CSV theo mẫu lên. Depot kiểm tra từng dòng trước (chạy thử) và chưa tạo gì cho đến khi bạn xác nhận.", "Upload a CSV file in the template's format. Depot first checks every row (a dry run) and creates nothing until you confirm.";
        template: "Tải tệp mẫu", "Download the template";
        template_hint: "Cột: sku, name, brand_id, product_unit, barcodes (cách nhau bởi |), weight (kg), length, width, height (cm), price (VND), min_stock_warning, inventory_tracking_type (NONE, BATCH, EXPIRY, BOTH).", "Columns: sku, name, brand_id, product_unit, barcodes (separated by |), weight (kg), length, width, height (cm), price (VND), min_stock_warning, inventory_tracking_type (NONE, BATCH, EXPIRY, BOTH).";
        file: "Tệp CSV", "CSV file";
        check: "Kiểm tra tệp (chạy thử)", "Check the file (dry run)";
        dry_run: "Kết quả chạy thử", "Dry run";
        dry_run_body: "Chưa có sản phẩm nào được tạo.", "No product has been created yet.";
        rows_ok: "dòng hợp lệ", "valid rows";
        rows_bad: "dòng có lỗi", "rows with errors";
        bad_skipped: "Dòng có lỗi sẽ bị bỏ qua; hãy sửa tệp và kiểm tra lại nếu cần.", "Rows with errors are skipped; fix the file and check it again if you need them.";
        confirm: "Tạo sản phẩm hợp lệ", "Create the valid products";
        nothing_valid: "Không có dòng hợp lệ nào để tạo.", "There is no valid row to create.";
        results: "Kết quả nhập", "Import results";
        created_n: "sản phẩm đã tạo", "products created";
        failed_n: "dòng không tạo được", "rows not created";
        line: "Dòng", "Line";
        name: "Tên sản phẩm", "Name";
        result: "Kết quả", "Result";
        ok: "Hợp lệ", "Valid";
        created: "Đã tạo", "Created";
        error: "Lỗi", "Error";
        not_created: "Không tạo", "Not created";
        repeated_sku: "SKU lặp lại trong tệp (dòng {})", "SKU repeated in the file (line {})";
        sku_exists: "SKU đã tồn tại trong danh mục", "SKU already in your catalogue";
        brand_missing: "Thương hiệu không tồn tại", "No such brand";
        no_file: "Hãy chọn một tệp CSV.", "Choose a CSV file.";
        too_big: "Tệp quá lớn (tối đa 512 KB).", "The file is too large (at most 512 KB).";
        too_many: "Tệp có quá nhiều dòng (tối đa 1000).", "The file has too many rows (at most 1000).";
        unreadable: "Không đọc được tệp CSV", "The CSV file cannot be read";
        missing_columns: "Thiếu cột", "Missing columns:";
        empty_file: "Tệp không có dòng dữ liệu nào.", "The file has no data rows.";
        again: "Nhập tệp khác", "Import another file";
        back: "Sản phẩm", "Products";
    }
}

/// One row of the file and what the check found.
pub struct RowCheck {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    pub sku: String,
    pub name: String,
    pub errors: Vec<String>,
    form: ProductForm,
}

/// One row's outcome after confirming.
pub struct RowResult {
    pub line: u64,
    pub sku: String,
    pub oasin: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "product_import.html")]
struct ImportPage {
    ctx: PageCtx,
    t: &'static ImportTexts,
    /// A problem with the file itself.
    problem: Option<String>,
    /// The dry run's rows (empty before a file is checked).
    checked: Vec<RowCheck>,
    valid: usize,
    invalid: usize,
    /// The checked file, carried to the confirm step.
    data: String,
    results: Vec<RowResult>,
    created: usize,
    failed: usize,
}

impl ImportPage {
    fn new(ctx: PageCtx) -> ImportPage {
        ImportPage {
            t: ImportTexts::get(ctx.lang),
            ctx,
            problem: None,
            checked: Vec::new(),
            valid: 0,
            invalid: 0,
            data: String::new(),
            results: Vec::new(),
            created: 0,
            failed: 0,
        }
    }
}

pub async fn page(user: OmsUser) -> PageResult {
    Ok(render(&ImportPage::new(user.0.ctx)))
}

/// The template: the header and one example row.
pub async fn template(_user: OmsUser) -> Response {
    let mut body = COLUMNS.join(",");
    body.push_str(
        "\r\nTEE-001,Áo thun trắng,,cái,8938505974192|TEE001,0.3,30,25,2,150000,10,NONE\r\n",
    );
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                CONTENT_DISPOSITION,
                "attachment; filename=\"products-template.csv\"",
            ),
        ],
        // A byte-order mark, so spreadsheet programs read the Vietnamese as UTF-8.
        format!("\u{feff}{body}"),
    )
        .into_response()
}

/// Reads the file into rows; a file-level problem (not CSV, no header, too many rows) is
/// the message to show.
fn read_rows(text: &str, t: &ImportTexts) -> Result<Vec<(u64, ProductForm)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{}: {e}", t.unreadable))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let missing: Vec<&str> = ["sku", "name", "weight", "length", "width", "height"]
        .into_iter()
        .filter(|c| !headers.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(format!("{} {}", t.missing_columns, missing.join(", ")));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{}: {e}", t.unreadable))?;
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(t.too_many.to_string());
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut form = ProductForm::default();
        for (name, value) in headers.iter().zip(record.iter()) {
            let value = value.to_string();
            match name.as_str() {
                "sku" => form.sku = value,
                "name" => form.name = value,
                "brand_id" => form.brand_id = value,
                "product_unit" => form.product_unit = value,
                "barcodes" => form.barcodes = value,
                "weight" => form.weight = value,
                "length" => form.length = value,
                "width" => form.width = value,
                "height" => form.height = value,
                "price" => form.price = value,
                "min_stock_warning" => form.min_stock_warning = value,
                "inventory_tracking_type" => form.inventory_tracking_type = value,
                _ => {}
            }
        }
        rows.push((line, form));
    }
    if rows.is_empty() {
        return Err(t.empty_file.to_string());
    }
    Ok(rows)
}

/// The dry run: every row checked, nothing created.
async fn dry_run(
    state: &AppState,
    business_id: i64,
    lang: Lang,
    text: &str,
) -> PageResult<Result<Vec<RowCheck>, String>> {
    let t = ImportTexts::get(lang);
    let pt = ProductTexts::get(lang);
    let rows = match read_rows(text, t) {
        Ok(rows) => rows,
        Err(problem) => return Ok(Err(problem)),
    };
    let mut seen: std::collections::HashMap<String, u64> = Default::default();
    let mut brands_known: HashSet<i64> = HashSet::new();
    let mut checked = Vec::with_capacity(rows.len());
    for (line, form) in rows {
        let mut errors = Vec::new();
        let request = form.request();
        let brand_id = request.brand_id;
        if let Err(e) = api::check(request) {
            let fe = crate::catalog::FormError::new(&e, lang, |f| field_label(pt, f));
            if fe.details.is_empty() {
                errors.push(fe.message);
            } else {
                errors.extend(fe.details);
            }
        }
        let sku = form.sku.trim().to_string();
        if !sku.is_empty() {
            if let Some(first) = seen.get(&sku) {
                errors.push(t.repeated_sku.replace("{}", &first.to_string()));
            } else {
                seen.insert(sku.clone(), line);
                let existing = api::list(
                    state,
                    business_id,
                    ProductQuery {
                        sku: Some(sku.clone()),
                        ..ProductQuery::default()
                    },
                    &crate::catalog::page_request(1),
                )
                .await?;
                if existing.total > 0 {
                    errors.push(format!("{}: {}", pt.sku, t.sku_exists));
                }
            }
        }
        if let Some(id) = brand_id {
            if !brands_known.contains(&id) {
                if state.db.brand(id).await?.is_some() {
                    brands_known.insert(id);
                } else {
                    errors.push(format!("{}: {}", pt.brand, t.brand_missing));
                }
            }
        } else if !form.brand_id.trim().is_empty() {
            errors.push(format!("{}: {}", pt.brand, t.brand_missing));
        }
        checked.push(RowCheck {
            line,
            name: form.name.trim().to_string(),
            sku,
            errors,
            form,
        });
    }
    Ok(Ok(checked))
}

fn encode(text: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text.as_bytes())
}

fn decode(data: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// Reads the uploaded file (`file`).
async fn uploaded(mut multipart: Multipart) -> Result<Option<Vec<u8>>, ()> {
    while let Some(field) = multipart.next_field().await.map_err(|_| ())? {
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = Vec::new();
        let mut field = field;
        while let Some(chunk) = field.chunk().await.map_err(|_| ())? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_BYTES {
                return Err(());
            }
        }
        return Ok((!bytes.is_empty()).then_some(bytes));
    }
    Ok(None)
}

async fn show_dry_run(state: &AppState, user: OmsUser, text: Result<String, String>) -> PageResult {
    let user = user.0;
    let business_id = user.business.business_id;
    let lang = user.ctx.lang;
    let mut page = ImportPage::new(user.ctx);
    let outcome = match text {
        Ok(text) => dry_run(state, business_id, lang, &text)
            .await?
            .map(|rows| (rows, text)),
        Err(problem) => Err(problem),
    };
    match outcome {
        Ok((rows, text)) => {
            page.valid = rows.iter().filter(|r| r.errors.is_empty()).count();
            page.invalid = rows.len() - page.valid;
            page.checked = rows;
            page.data = encode(&text);
            Ok(render(&page))
        }
        Err(problem) => {
            page.problem = Some(problem);
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// The dry run of an uploaded file.
pub async fn check(
    State(state): State<AppState>,
    user: OmsUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let t = ImportTexts::get(user.0.ctx.lang);
    let text = match multipart {
        Err(_) => Err(t.no_file.to_string()),
        Ok(m) => match uploaded(m).await {
            Ok(Some(bytes)) => {
                String::from_utf8(bytes).map_err(|_| format!("{}: UTF-8", t.unreadable))
            }
            Ok(None) => Err(t.no_file.to_string()),
            Err(()) => Err(t.too_big.to_string()),
        },
    };
    show_dry_run(&state, user, text).await
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub data: String,
}

/// Creates the valid rows of a checked file, each on its own.
pub async fn confirm(
    State(state): State<AppState>,
    user: OmsUser,
    Form(form): Form<ConfirmForm>,
) -> PageResult {
    let lang = user.0.ctx.lang;
    let t = ImportTexts::get(lang);
    let pt = ProductTexts::get(lang);
    let business_id = user.0.business.business_id;
    let Some(text) = decode(&form.data) else {
        return show_dry_run(&state, user, Err(t.no_file.to_string())).await;
    };
    // Checked again: the catalogue may have changed since the dry run.
    let rows = match dry_run(&state, business_id, lang, &text).await? {
        Ok(rows) => rows,
        Err(problem) => return show_dry_run(&state, user, Err(problem)).await,
    };
    let mut results = Vec::with_capacity(rows.len());
    for row in rows {
        if !row.errors.is_empty() {
            results.push(RowResult {
                line: row.line,
                sku: row.sku,
                oasin: None,
                error: Some(row.errors.join("; ")),
            });
            continue;
        }
        let outcome = api::create(&state, business_id, row.form.request()).await;
        results.push(match outcome {
            Ok(p) => RowResult {
                line: row.line,
                sku: row.sku,
                oasin: Some(p.oasin()),
                error: None,
            },
            Err(e) => RowResult {
                line: row.line,
                sku: row.sku,
                oasin: None,
                error: Some(
                    crate::catalog::FormError::new(&e, lang, |f| field_label(pt, f)).one_line(),
                ),
            },
        });
    }
    let mut page = ImportPage::new(user.0.ctx);
    page.created = results.iter().filter(|r| r.oasin.is_some()).count();
    page.failed = results.len() - page.created;
    page.results = results;
    Ok(render(&page))
}
