//! Reports and exports (SPEC §8).
//!
//! * The merchant routes: `POST /reports` (validated at once, 202 with the QUEUED report),
//!   `GET /reports/{report_id}`, `GET /reports` (newest first).
//! * The capability URL that serves a finished file: `GET /reports/{token}/{file_name}`, no
//!   credentials (the token is the permission), like uploads and media.
//! * The job that renders a report ([`run_job`]), run by the background scheduler on one
//!   process at a time; a RUNNING job whose process died is taken over when its lease runs
//!   out and starts again from the first row.
//! * [`ReportRun`]: rows read page by page from the store and written by a blocking thread,
//!   so memory stays flat however many rows there are; the CLI's `depot report` uses it too.
//! * Retention ([`purge_expired`]): housekeeping deletes reports past `expires_time`.

use crate::auth::Merchant;
use crate::envelope::{Data, Envelope, Json, Page, Query, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::files::{capability_headers, content_disposition, encode_path_segment};
use crate::paging::{self, Paging};
use crate::ranged::Served;
use crate::AppState;
use axum::extract::{OriginalUri, Path, Request, State};
use axum::http::header::CONTENT_DISPOSITION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use depot_domain::intercept::InterceptStatus;
use depot_domain::status::{PoStatus, ReturnStatus, ShipmentStatus};
use depot_domain::{ErrorCode, Lang};
use depot_reports::{Format, ReportError, ReportType, Zone};
use depot_store::coordination::jobs::QueuedJob;
use depot_store::files::{is_file_token, new_file_token, new_storage_key};
use depot_store::list::TimeRange;
use depot_store::purchase_orders::PoFilter;
use depot_store::reports::{
    NewReport, ReportOutcome, ReportReader, ReportRecord, ReportRow, ReportSpec, RunFence,
};
use depot_store::returns::ReturnFilter;
use depot_store::shipments::ShipmentFilter;
use depot_store::Db;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const SECONDS_PER_DAY: i64 = 86_400;
/// Rows read per page.
const PAGE_ROWS: i64 = 2000;
/// Pages waiting for the writer thread at most (memory stays at a few pages).
const PAGES_IN_FLIGHT: usize = 2;
/// How often a running report's progress is written.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);
/// Expired reports deleted per statement.
const PURGE_BATCH: i64 = 500;

/// The public download route (no credentials: the URL's token is the permission).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(download))
}

/// Request a report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateReport {
    /// `shipments`, `stock_snapshot`, `stock_ledger`, `returns` or `purchase_orders`.
    #[serde(rename = "type")]
    #[schema(example = "shipments")]
    pub report_type: String,
    /// `csv` or `xlsx`.
    #[schema(example = "xlsx")]
    pub format: String,
    /// The report's filters: for `shipments` every filter of the shipment list; for
    /// `stock_ledger` `from` and `to` (required, Unix seconds) and optional `warehouse_code`
    /// and `oasin`; see docs/reports.md.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"status": "DELIVERED", "warehouse_code": "WH-HN01"}))]
    pub filters: Option<Map<String, Value>>,
}

/// A report, as its status call answers it and `report.done` carries it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportObject {
    pub report_id: i64,
    #[serde(rename = "type")]
    #[schema(example = "shipments")]
    pub report_type: String,
    #[schema(example = "csv")]
    pub format: String,
    #[schema(value_type = Object)]
    pub filters: Value,
    /// QUEUED, RUNNING, DONE or FAILED.
    #[schema(example = "DONE")]
    pub status: String,
    /// 0–100.
    pub progress: i64,
    /// Rows written (the header not counted).
    pub rows: i64,
    pub created_time: i64,
    pub finished_time: Option<i64>,
    /// Absolute URL of the file, no API key needed (its token is the permission); null
    /// until DONE.
    #[schema(
        example = "https://depot.example.com/reports/q2HkV0c8ZbW1nYt5rLx9aPe3sUm7dJf4/shipments-12.csv"
    )]
    pub download_url: Option<String>,
    /// When the file is deleted (Unix seconds); null while running or when kept for ever.
    pub expires_time: Option<i64>,
    /// Why it FAILED (or why the last attempt did, while it is tried again).
    pub error: Option<String>,
}

/// `{report_id, status}`, the answer to a new request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportQueued {
    pub report_id: i64,
    #[schema(example = "QUEUED")]
    pub status: String,
}

/// The API's view of a stored report.
pub fn report_object(state: &AppState, r: &ReportRecord) -> ReportObject {
    let download_url = match (&r.token, &r.file_name) {
        (Some(token), Some(name)) if r.status == "DONE" => {
            Some(state.public_url(&format!("/reports/{token}/{}", encode_path_segment(name))))
        }
        _ => None,
    };
    ReportObject {
        report_id: r.id,
        report_type: r.report_type.clone(),
        format: r.format.clone(),
        filters: serde_json::from_str(&r.filters).unwrap_or(Value::Object(Map::new())),
        status: r.status.clone(),
        progress: r.progress,
        rows: r.row_count,
        created_time: r.created_time,
        finished_time: r.finished_time,
        download_url,
        expires_time: r.expires_time,
        error: r.error.clone(),
    }
}

/// The filters each report takes.
fn filter_names(t: ReportType) -> &'static [&'static str] {
    const TIMES: [&str; 4] = [
        "created_time_from",
        "created_time_to",
        "updated_time_from",
        "updated_time_to",
    ];
    const SHIPMENTS: &[&str] = &[
        "status",
        "warehouse_code",
        "platform",
        "tracking_code",
        "merchant_tracking_code_reference",
        "courier_tracking_code",
        "intercept_status",
        TIMES[0],
        TIMES[1],
        TIMES[2],
        TIMES[3],
    ];
    const RETURNS: &[&str] = &[
        "status",
        "warehouse_code",
        "shipment_tracking_code",
        "return_tracking_code",
        TIMES[0],
        TIMES[1],
        TIMES[2],
        TIMES[3],
    ];
    const POS: &[&str] = &[
        "status",
        "warehouse_code",
        "po_code",
        "merchant_po_reference",
        TIMES[0],
        TIMES[1],
        TIMES[2],
        TIMES[3],
    ];
    match t {
        ReportType::Shipments => SHIPMENTS,
        ReportType::StockSnapshot => &["warehouse_code", "oasin"],
        ReportType::StockLedger => &["from", "to", "warehouse_code", "oasin"],
        ReportType::Returns => RETURNS,
        ReportType::PurchaseOrders => POS,
    }
}

/// Reads a report's filters, naming every bad one (`filters.status`, …).
struct FilterReader<'a> {
    filters: &'a Map<String, Value>,
    errors: Vec<(String, String)>,
}

impl FilterReader<'_> {
    fn fail(&mut self, name: &str, message: impl Into<String>) {
        self.errors
            .push((format!("filters.{name}"), message.into()));
    }

    /// A text filter (a number is taken as its digits); blank is absent.
    fn text(&mut self, name: &str) -> Option<String> {
        let value = match self.filters.get(name)? {
            Value::Null => return None,
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => {
                self.fail(name, "must be a string");
                return None;
            }
        };
        if value.chars().count() > 255 {
            self.fail(name, "must be at most 255 characters");
            return None;
        }
        (!value.is_empty()).then_some(value)
    }

    /// Unix seconds, as a number or a string of digits.
    fn time(&mut self, name: &str) -> Option<i64> {
        let parsed = match self.filters.get(name)? {
            Value::Null => return None,
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match parsed {
            Some(v) if v >= 0 => Some(v),
            _ => {
                self.fail(name, "must be Unix seconds (a whole number, 0 or more)");
                None
            }
        }
    }

    fn status(&mut self, parse: impl Fn(&str) -> Option<i64>) -> Option<i64> {
        let text = self.text("status")?;
        let found = parse(&text);
        if found.is_none() {
            self.fail(
                "status",
                "is not a status of this report (a value or a name)",
            );
        }
        found
    }

    fn times(&mut self) -> TimeRange {
        TimeRange {
            created_time_from: self.time("created_time_from"),
            created_time_to: self.time("created_time_to"),
            updated_time_from: self.time("updated_time_from"),
            updated_time_to: self.time("updated_time_to"),
        }
    }
}

/// Validates a report's filters into what the store reads. Unknown names, values of the wrong
/// type, unknown statuses and a missing or reversed `from`/`to` of the stock ledger are
/// `INVALID_PAYLOAD`, each bad filter named.
pub fn parse_spec(t: ReportType, filters: &Map<String, Value>) -> ApiResult<ReportSpec> {
    let allowed = filter_names(t);
    let mut r = FilterReader {
        filters,
        errors: Vec::new(),
    };
    for name in filters.keys() {
        if !allowed.contains(&name.as_str()) {
            let message = format!("is not a filter of this report: use {}", allowed.join(", "));
            r.fail(name, message);
        }
    }
    let spec = match t {
        ReportType::Shipments => ReportSpec::Shipments(ShipmentFilter {
            status: r.status(|s| ShipmentStatus::parse(s).map(ShipmentStatus::value)),
            warehouse_code: r.text("warehouse_code"),
            platform: r.text("platform"),
            tracking_code: r.text("tracking_code"),
            merchant_tracking_code_reference: r.text("merchant_tracking_code_reference"),
            courier_tracking_code: r.text("courier_tracking_code"),
            times: r.times(),
            intercept_status: r.text("intercept_status").and_then(|s| {
                let parsed = InterceptStatus::parse(&s);
                if parsed.is_none() {
                    r.fail("intercept_status", "must be REQUESTED, CONFIRMED or FAILED");
                }
                parsed
            }),
            search: None,
        }),
        ReportType::StockSnapshot => ReportSpec::StockSnapshot {
            warehouse_code: r.text("warehouse_code"),
            oasin: r.text("oasin"),
        },
        ReportType::StockLedger => {
            let from = r.time("from");
            let to = r.time("to");
            for (name, v) in [("from", from), ("to", to)] {
                if v.is_none() && !filters.contains_key(name) {
                    r.fail(name, "is required (Unix seconds)");
                }
            }
            if let (Some(f), Some(t)) = (from, to) {
                if t < f {
                    r.fail("to", "must not be before from");
                }
            }
            ReportSpec::StockLedger {
                from: from.unwrap_or(0),
                to: to.unwrap_or(0),
                warehouse_code: r.text("warehouse_code"),
                oasin: r.text("oasin"),
            }
        }
        ReportType::Returns => ReportSpec::Returns {
            filter: ReturnFilter {
                status: r.status(|s| ReturnStatus::parse(s).map(ReturnStatus::value)),
                shipment_tracking_code: r.text("shipment_tracking_code"),
                return_tracking_code: r.text("return_tracking_code"),
                warehouse_code: r.text("warehouse_code"),
            },
            times: r.times(),
        },
        ReportType::PurchaseOrders => ReportSpec::PurchaseOrders(PoFilter {
            status: r.status(|s| PoStatus::parse(s).map(PoStatus::value)),
            warehouse_code: r.text("warehouse_code"),
            po_code: r.text("po_code"),
            merchant_po_reference: r.text("merchant_po_reference"),
            times: r.times(),
        }),
    };
    if r.errors.is_empty() {
        Ok(spec)
    } else {
        Err(ApiError::invalid_fields(r.errors))
    }
}

/// Validates a whole request: type, format and filters.
pub fn parse_request(
    report_type: &str,
    format: &str,
    filters: &Map<String, Value>,
) -> ApiResult<(ReportSpec, Format)> {
    let t = ReportType::parse(report_type);
    let f = Format::parse(format);
    let mut errors = Vec::new();
    if t.is_none() {
        let names: Vec<&str> = ReportType::ALL.iter().map(|t| t.as_str()).collect();
        errors.push(("type", format!("must be one of {}", names.join(", "))));
    }
    if f.is_none() {
        errors.push(("format", "must be csv or xlsx".to_string()));
    }
    match (t, f) {
        (Some(t), Some(f)) => Ok((parse_spec(t, filters)?, f)),
        _ => Err(ApiError::invalid_fields(errors)),
    }
}

/// Validates a report request and queues it for the business: the one operation behind
/// `POST /reports` and the portal's Reports form. A bad request is `INVALID_PAYLOAD` and
/// queues nothing. `lang` is the language of the file's headers and labels.
pub async fn request_report(
    state: &AppState,
    business_id: i64,
    lang: Lang,
    body: CreateReport,
) -> ApiResult<ReportRecord> {
    let filters = body.filters.unwrap_or_default();
    let (spec, format) = parse_request(&body.report_type, &body.format, &filters)?;
    let filters_json = Value::Object(filters).to_string();
    let report = state
        .db
        .create_report(
            &NewReport {
                business_id,
                report_type: spec.report_type().as_str(),
                format: format.as_str(),
                filters: &filters_json,
                lang: lang_code(lang),
            },
            state.now(),
        )
        .await?;
    Ok(report)
}

/// Request a report. It is validated at once (an unknown type or format, or a bad filter,
/// is `INVALID_PAYLOAD` and nothing is queued), then rendered in the background: poll
/// `GET /reports/{report_id}` or listen for `report.done`. Headers and labels are in the
/// request's language, times in the business's time zone.
#[utoipa::path(post, path = "/reports", tag = "Report", security(("api_key" = [])),
    request_body = CreateReport,
    responses((status = 202, body = Envelope<ReportQueued>),
              (status = 422, description = "INVALID_PAYLOAD: unknown type or format, bad filters")))]
pub async fn create_report(
    m: Merchant,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Json(body): Json<CreateReport>,
) -> ApiResult<Response> {
    let report = request_report(&state, m.business_id, ctx.lang, body).await?;
    let queued = ReportQueued {
        report_id: report.id,
        status: report.status,
    };
    Ok((StatusCode::ACCEPTED, Data(queued)).into_response())
}

/// A report: its status, progress (0–100), rows so far and, once DONE, its download URL.
#[utoipa::path(get, path = "/reports/{report_id}", tag = "Report", security(("api_key" = [])),
    responses((status = 200, body = Envelope<ReportObject>),
              (status = 404, description = "REPORT_NOT_FOUND (also once it expired)")))]
pub async fn get_report(
    m: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<ReportObject>> {
    let not_found = || ApiError::new(ErrorCode::ReportNotFound);
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let report = state
        .db
        .report(m.business_id, id, state.now())
        .await?
        .ok_or_else(not_found)?;
    Ok(Data(report_object(&state, &report)))
}

/// The business's reports, newest first (expired ones are gone).
#[utoipa::path(get, path = "/reports", tag = "Report", security(("api_key" = [])),
    params(Paging), responses((status = 200, body = Envelope<Vec<ReportObject>>)))]
pub async fn list_reports(
    m: Merchant,
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<ReportObject>> {
    let page = paging.request()?;
    let found = state
        .db
        .list_reports(m.business_id, &page, state.now())
        .await?;
    Ok(paging::reply(&uri, found, |r| report_object(&state, &r)))
}

/// A report file's bytes, as served (documentation only).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ReportBytes(Vec<u8>);

/// Download a finished report by the `download_url` its status gives. The token is the
/// permission, so no API key is needed; the file name segment only names the download.
/// Expired reports answer 404.
#[utoipa::path(get, path = "/reports/{token}/{file_name}", tag = "Report",
    params(("token" = String, Path, description = "The random token from the report's download_url"),
           ("file_name" = String, Path, description = "The file's name (informative)")),
    responses((status = 200, description = "The file: text/csv or the XLSX type",
               content_type = "application/octet-stream", body = ReportBytes),
              (status = 404, description = "REPORT_NOT_FOUND")))]
pub async fn download(
    State(state): State<AppState>,
    Path((token, _file_name)): Path<(String, String)>,
    req: Request,
) -> ApiResult<Response> {
    let not_found = || ApiError::new(ErrorCode::ReportNotFound);
    if !is_file_token(&token) {
        return Err(not_found());
    }
    let record = state
        .db
        .report_by_token(&token, state.now())
        .await?
        .ok_or_else(not_found)?;
    let (Some(key), Some(name)) = (&record.storage_key, &record.file_name) else {
        return Err(not_found());
    };
    let Some(path) = state.files.local_path(key) else {
        tracing::error!("reports need a file storage on the local file system");
        return Err(ApiError::internal());
    };
    let format = Format::parse(&record.format).unwrap_or(Format::Csv);
    // A report's file never changes once written: its token names its bytes (the ETag), and
    // a broken download can resume with a range.
    let served = crate::ranged::serve(path, format.content_type(), &token, req.headers())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, %key, "reading a report file");
            ApiError::internal()
        })?;
    let mut res = match served {
        Served::Bytes(res) => res,
        Served::Missing => {
            tracing::error!(%key, "report row without its file in storage");
            return Err(ApiError::internal());
        }
        Served::Unsatisfiable { size } => return Ok(crate::ranged::unsatisfiable(size)),
    };
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_disposition(false, name)) {
        headers.insert(CONTENT_DISPOSITION, v);
    }
    capability_headers(headers, "private, no-store");
    Ok(res)
}

fn lang_code(lang: Lang) -> &'static str {
    lang.pick("vi", "en")
}

fn parse_lang(code: &str) -> Lang {
    if code == "en" {
        Lang::En
    } else {
        Lang::Vi
    }
}

/// The business's time zone (the default when it names none Depot knows).
pub async fn business_zone(db: &Db, business_id: i64) -> depot_store::Result<Zone> {
    let zone = db
        .business(business_id)
        .await?
        .and_then(|b| Zone::named(&b.time_zone).ok());
    Ok(zone.unwrap_or_default())
}

/// Why a run could not write its report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Store(#[from] depot_store::StoreError),
    #[error("{0}")]
    Report(#[from] ReportError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl RunError {
    /// Errors that a second run would meet again (the data or the request decide them).
    fn is_final(&self) -> bool {
        matches!(
            self,
            RunError::Report(ReportError::TooManyRows { .. } | ReportError::UnknownTimeZone(_))
        )
    }
}

/// One report being written: rows are read here, page after page, and written by a blocking
/// thread to `file`, at most [`PAGES_IN_FLIGHT`] pages behind.
pub struct ReportRun {
    db: Db,
    reader: ReportReader,
    pages: Option<std::sync::mpsc::SyncSender<Vec<ReportRow>>>,
    writer: tokio::task::JoinHandle<Result<u64, ReportError>>,
    rows: u64,
}

impl ReportRun {
    /// Starts writing `spec` as `format` to `file`: headers in `lang`, times in `zone`.
    pub fn start(
        db: &Db,
        business_id: i64,
        spec: ReportSpec,
        format: Format,
        lang: Lang,
        zone: Zone,
        file: std::fs::File,
    ) -> ReportRun {
        let report_type = spec.report_type();
        let (pages, incoming) = std::sync::mpsc::sync_channel::<Vec<ReportRow>>(PAGES_IN_FLIGHT);
        let writer = tokio::task::spawn_blocking(move || {
            let out = std::io::BufWriter::with_capacity(256 * 1024, file);
            let mut report = report_type.writer(format, lang, &zone, out)?;
            for page in incoming {
                for row in &page {
                    report.write_row(row)?;
                }
            }
            report.finish()
        });
        ReportRun {
            db: db.clone(),
            reader: ReportReader::new(business_id, spec, lang),
            pages: Some(pages),
            writer,
            rows: 0,
        }
    }

    /// How many rows the report will have (its progress's 100 %).
    pub async fn count(&self) -> depot_store::Result<i64> {
        self.reader.count(&self.db).await
    }

    /// Reads and hands over the next page; false once every row was read.
    pub async fn next_page(&mut self) -> Result<bool, RunError> {
        let page = self.reader.next_page(&self.db, PAGE_ROWS).await?;
        if page.is_empty() {
            return Ok(false);
        }
        let n = page.len() as u64;
        let Some(pages) = &self.pages else {
            return Ok(false);
        };
        // A full channel blocks this thread until the writer takes a page: hand it over
        // from the blocking pool.
        let pages = pages.clone();
        let sent = tokio::task::spawn_blocking(move || pages.send(page).is_ok())
            .await
            .unwrap_or(false);
        if !sent {
            // The writer stopped: its error says why.
            self.pages = None;
            return Err(self.writer_error().await);
        }
        self.rows += n;
        Ok(true)
    }

    /// Rows read so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    async fn writer_error(&mut self) -> RunError {
        match (&mut self.writer).await {
            Ok(Err(e)) => RunError::Report(e),
            Ok(Ok(_)) => RunError::Io(std::io::Error::other("the report writer stopped")),
            Err(e) => RunError::Io(std::io::Error::other(format!("the report writer: {e}"))),
        }
    }

    /// Completes the file (for XLSX, zips it) and answers the rows written.
    pub async fn finish(mut self) -> Result<u64, RunError> {
        self.pages = None;
        match self.writer.await {
            Ok(result) => Ok(result?),
            Err(e) => Err(RunError::Io(std::io::Error::other(format!(
                "the report writer: {e}"
            )))),
        }
    }
}

/// Writes a whole report to `file`, calling `on_progress(rows, total)` after each page
/// (the CLI's progress bar).
pub async fn write_report(
    db: &Db,
    business_id: i64,
    spec: ReportSpec,
    format: Format,
    lang: Lang,
    file: std::fs::File,
    mut on_progress: impl FnMut(u64, u64),
) -> Result<u64, RunError> {
    let zone = business_zone(db, business_id).await?;
    let mut run = ReportRun::start(db, business_id, spec, format, lang, zone, file);
    let total = run.count().await?.max(0) as u64;
    on_progress(0, total);
    while run.next_page().await? {
        on_progress(run.rows(), total);
    }
    let rows = run.finish().await?;
    on_progress(rows, total.max(rows));
    Ok(rows)
}

/// What a run produced.
enum Produced {
    Done(ReportOutcome),
    /// Another process holds the job now: this run stops and writes nothing more.
    LeaseLost,
}

/// Runs one queued report job (the background scheduler's `report` queue). Returns an error
/// only to have the job retried later.
pub async fn run_job(state: &AppState, job: QueuedJob) -> Result<(), String> {
    let id = serde_json::from_str::<Value>(&job.payload)
        .ok()
        .and_then(|v| v["report_id"].as_i64())
        .ok_or_else(|| format!("report job {} without a report_id", job.id))?;
    let db = &state.db;
    let Some(report) = db.report_by_id(id).await.map_err(|e| e.to_string())? else {
        // Deleted (expired) before it ran.
        return Ok(());
    };
    if report.status == "DONE" || report.status == "FAILED" {
        return Ok(());
    }
    let fence = RunFence {
        job_id: job.id,
        token: &job.lease_token,
    };
    if !db
        .start_report(id, fence, state.now())
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(());
    }
    tracing::info!(report = id, attempt = job.attempt, kind = %report.report_type, "report started");
    let outcome = match produce(state, &report, fence).await {
        Ok(Produced::LeaseLost) => return Ok(()),
        Ok(Produced::Done(done)) => done,
        Err(e) if e.is_final() || job.attempt >= job.max_attempts => {
            tracing::warn!(report = id, error = %e, "report failed");
            ReportOutcome::Failed {
                error: e.to_string(),
            }
        }
        Err(e) => {
            tracing::warn!(report = id, error = %e, attempt = job.attempt, "report run failed; tried again later");
            let _ = db.requeue_report(id, fence, &e.to_string()).await;
            return Err(e.to_string());
        }
    };
    let now = state.now();
    let days = i64::from(state.config.report_retention_days);
    let expires = (days > 0).then(|| now.saturating_add(days * SECONDS_PER_DAY));
    let finished = db
        .finish_report(id, fence, &outcome, expires, now, |r| {
            serde_json::to_value(report_object(state, r)).unwrap_or(Value::Null)
        })
        .await;
    match finished {
        Ok(Some(r)) => {
            tracing::info!(report = id, status = %r.status, rows = r.row_count, "report finished");
            Ok(())
        }
        // The lease passed to another process, or the write failed: this run's file is not
        // the report's.
        other => {
            if let ReportOutcome::Done { storage_key, .. } = &outcome {
                let _ = state.files.delete(storage_key).await;
            }
            other.map(|_| ()).map_err(|e| e.to_string())
        }
    }
}

/// Writes the report's file into the storage (a temporary name, synced, then renamed).
async fn produce(
    state: &AppState,
    report: &ReportRecord,
    fence: RunFence<'_>,
) -> Result<Produced, RunError> {
    let filters: Map<String, Value> = serde_json::from_str(&report.filters).unwrap_or_default();
    let (spec, format) = parse_request(&report.report_type, &report.format, &filters)
        .map_err(|e| RunError::Io(std::io::Error::other(format!("stored filters: {e:?}"))))?;
    let zone = business_zone(&state.db, report.business_id).await?;
    let key = new_storage_key(report.business_id);
    let path = state.files.local_path(&key).ok_or_else(|| {
        std::io::Error::other("reports need a file storage on the local file system")
    })?;
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    let temp = TempFile(path.with_extension(format!("part-{}", uuid::Uuid::new_v4().simple())));
    let rows = match write_file(state, report, fence, spec, format, zone, &temp.0).await? {
        Some(rows) => rows,
        None => return Ok(Produced::LeaseLost),
    };
    // Renamed: dropping `temp` then removes nothing.
    tokio::fs::rename(&temp.0, &path).await?;
    if let Some(parent) = path.parent() {
        // The rename itself survives a crash once the directory is synced.
        let dir = parent.to_path_buf();
        tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
            .await
            .map_err(std::io::Error::other)??;
    }
    let size = tokio::fs::metadata(&path).await?.len() as i64;
    let file_name = format!(
        "{}-{}.{}",
        report.report_type,
        report.id,
        format.extension()
    );
    Ok(Produced::Done(ReportOutcome::Done {
        token: new_file_token(),
        file_name,
        storage_key: key,
        size,
        rows: rows as i64,
    }))
}

/// A temporary file removed when dropped: a run that fails, loses its lease or is cancelled
/// (its process stopping) leaves nothing behind.
struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Streams the rows into `temp`, writing the progress now and then. None when the lease was
/// lost on the way.
async fn write_file(
    state: &AppState,
    report: &ReportRecord,
    fence: RunFence<'_>,
    spec: ReportSpec,
    format: Format,
    zone: Zone,
    temp: &std::path::Path,
) -> Result<Option<u64>, RunError> {
    let file = std::fs::File::create(temp)?;
    let sync = file.try_clone()?;
    let lang = parse_lang(&report.lang);
    let mut run = ReportRun::start(
        &state.db,
        report.business_id,
        spec,
        format,
        lang,
        zone,
        file,
    );
    let total = run.count().await?.max(1);
    let mut reported = Instant::now();
    while run.next_page().await? {
        if reported.elapsed() >= PROGRESS_EVERY {
            reported = Instant::now();
            let rows = run.rows() as i64;
            // 99 at most until the file is complete.
            let progress = (rows.saturating_mul(100) / total).min(99);
            if !state
                .db
                .report_progress(report.id, fence, rows, progress)
                .await?
            {
                return Ok(None);
            }
        }
    }
    let rows = run.finish().await?;
    tokio::task::spawn_blocking(move || sync.sync_all())
        .await
        .map_err(std::io::Error::other)??;
    Ok(Some(rows))
}

/// Retention (`--report-retention-days`): deletes every report past its `expires_time` — its
/// row, then its file — and answers how many went. Housekeeping calls it.
pub async fn purge_expired(state: &AppState) -> depot_store::Result<usize> {
    let now = state.now();
    let mut removed = 0;
    loop {
        let keys = state.db.purge_reports_before(now, PURGE_BATCH).await?;
        for key in &keys {
            if let Err(e) = state.files.delete(key).await {
                tracing::warn!(error = %e, %key, "removing an expired report's file");
            }
        }
        removed += keys.len();
        if (keys.len() as i64) < PURGE_BATCH {
            break;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "expired reports deleted");
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn filters_are_validated_per_report() {
        let detail = |r: ApiResult<(ReportSpec, Format)>| {
            let e = r.expect_err("refused");
            assert_eq!(e.code, ErrorCode::InvalidPayload);
            e.detail.map(|d| *d).unwrap()
        };
        assert!(parse_request("shipments", "csv", &map(json!({"status": "CANCELLED"}))).is_ok());
        assert!(parse_request(
            "shipments",
            "xlsx",
            &map(json!({"status": 490, "created_time_from": "1800000000"}))
        )
        .is_ok());
        let d = detail(parse_request("inventory", "pdf", &Map::new()));
        assert!(d.get("type").is_some() && d.get("format").is_some(), "{d}");
        let d = detail(parse_request(
            "shipments",
            "csv",
            &map(json!({"colour": "red", "status": "LOST", "created_time_from": -1})),
        ));
        for f in [
            "filters.colour",
            "filters.status",
            "filters.created_time_from",
        ] {
            assert!(d.get(f).is_some(), "{f} in {d}");
        }
        let d = detail(parse_request("stock_ledger", "csv", &Map::new()));
        assert!(
            d.get("filters.from").is_some() && d.get("filters.to").is_some(),
            "{d}"
        );
        let d = detail(parse_request(
            "stock_ledger",
            "csv",
            &map(json!({"from": 10, "to": 5})),
        ));
        assert!(d.get("filters.to").is_some(), "{d}");
        let d = detail(parse_request(
            "stock_snapshot",
            "csv",
            &map(json!({"warehouse_code": ["WH"]})),
        ));
        assert!(d.get("filters.warehouse_code").is_some(), "{d}");
    }
}
