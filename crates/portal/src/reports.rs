//! `/portal/reports` (SPEC §8): the business's reports in one click. The form queues a report
//! through the API's own operation ([`api::request_report`]), so validation, tenancy and the
//! job are the API's; the list shows the business's reports newest first, and while any is
//! QUEUED or RUNNING its table asks `/portal/reports/rows` again every second (htmx), which
//! stops asking once none is.

use crate::auth::PortalUser;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::error::ApiError;
use depot_api::reports::{self as api, CreateReport};
use depot_api::AppState;
use depot_domain::{ErrorCode, Lang};
use depot_reports::ReportType;
use depot_store::list::PageRequest;
use depot_store::reports::ReportRecord;
use depot_web::time_fmt::{datetime, datetime_or, day_start};
use depot_web::{render, render_with_status, texts, Flash, Form, PageCtx, PageResult};
use serde_json::{Map, Value};

/// Reports listed on the page (the API lists the rest).
const LISTED: i64 = 50;
const SECONDS_PER_DAY: i64 = 86_400;

texts! {
    pub struct ReportTexts {
        title: "Báo cáo", "Reports";
        intro: "Xuất dữ liệu của doanh nghiệp bạn ra tệp CSV hoặc Excel. Báo cáo được tạo ở nền; tải về khi xong.", "Export your business's data as a CSV or Excel file. Reports are made in the background; download them when done.";
        new_report: "Tạo báo cáo", "New report";
        report_type: "Loại báo cáo", "Report type";
        format: "Định dạng", "Format";
        from: "Từ ngày", "From";
        to: "Đến ngày", "To";
        dates: "Khoảng ngày", "Dates";
        dates_hint: "Bắt buộc với báo cáo biến động tồn kho (tính cả hai ngày).", "Required for the stock ledger (both days included).";
        request: "Tạo báo cáo", "Request report";
        queued_done: "Đã xếp hàng báo cáo", "Report queued:";
        list: "Báo cáo của bạn", "Your reports";
        progress: "Tiến độ", "Progress";
        rows: "Số dòng", "Rows";
        file: "Tệp", "File";
        download: "Tải về", "Download";
        queued: "Đang chờ", "Queued";
        running: "Đang tạo", "Running";
        done: "Hoàn tất", "Done";
        failed: "Thất bại", "Failed";
        no_reports: "Chưa có báo cáo nào", "No reports yet";
        no_reports_body: "Chọn loại báo cáo ở trên để tạo báo cáo đầu tiên.", "Choose a report above to make your first one.";
    }
}

pub struct TypeChoice {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// One report in the table.
pub struct ReportRow {
    pub id: i64,
    pub type_label: String,
    pub format: String,
    pub status: String,
    pub status_label: &'static str,
    pub badge: &'static str,
    pub progress: i64,
    pub rows: i64,
    pub created: String,
    pub finished: String,
    pub download_url: Option<String>,
    pub error: Option<String>,
}

impl ReportRow {
    fn new(state: &AppState, r: &ReportRecord, t: &ReportTexts, lang: Lang) -> ReportRow {
        let (status_label, badge) = match r.status.as_str() {
            "QUEUED" => (t.queued, "badge-muted"),
            "RUNNING" => (t.running, "badge-info"),
            "DONE" => (t.done, "badge-ok"),
            _ => (t.failed, "badge-danger"),
        };
        let object = api::report_object(state, r);
        ReportRow {
            id: r.id,
            type_label: ReportType::parse(&r.report_type)
                .map(|k| type_label(k, lang).to_string())
                .unwrap_or_else(|| r.report_type.clone()),
            format: r.format.to_uppercase(),
            status: r.status.clone(),
            status_label,
            badge,
            progress: r.progress.clamp(0, 100),
            rows: r.row_count,
            created: datetime(r.created_time),
            finished: datetime_or(r.finished_time, "—"),
            download_url: object.download_url,
            error: (r.status == "FAILED").then(|| r.error.clone()).flatten(),
        }
    }

    pub fn is_running(&self) -> bool {
        self.status == "QUEUED" || self.status == "RUNNING"
    }
}

fn type_label(t: ReportType, lang: Lang) -> &'static str {
    let (vi, en) = t.title();
    lang.pick(vi, en)
}

/// The table of reports: the page includes it, and `/portal/reports/rows` answers it alone.
#[derive(Template)]
#[template(path = "reports_rows.html")]
struct RowsFragment {
    t: &'static ReportTexts,
    ctx_status: &'static str,
    ctx_created: &'static str,
    rows: Vec<ReportRow>,
    running: bool,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    ctx: PageCtx,
    t: &'static ReportTexts,
    ctx_status: &'static str,
    ctx_created: &'static str,
    types: Vec<TypeChoice>,
    xlsx: bool,
    from: String,
    to: String,
    error: Option<String>,
    details: Vec<String>,
    rows: Vec<ReportRow>,
    running: bool,
}

async fn rows(state: &AppState, user: &PortalUser, t: &ReportTexts) -> PageResult<Vec<ReportRow>> {
    let page = PageRequest {
        page: 1,
        page_size: LISTED,
        after: None,
    };
    let found = state
        .db
        .list_reports(user.business.business_id, &page, state.now())
        .await?;
    let lang = user.ctx.lang;
    Ok(found
        .items
        .iter()
        .map(|r| ReportRow::new(state, r, t, lang))
        .collect())
}

/// The form as typed: `type`, `format`, `from`, `to` (yyyy-mm-dd).
#[derive(Debug, Default)]
struct NewReportForm {
    report_type: String,
    format: String,
    from: String,
    to: String,
}

impl NewReportForm {
    fn read(pairs: Vec<(String, String)>) -> NewReportForm {
        let mut form = NewReportForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "type" => form.report_type = v,
                "format" => form.format = v,
                "from" => form.from = v,
                "to" => form.to = v,
                _ => {}
            }
        }
        form
    }

    /// The API's request. The days become Unix seconds (the whole of the `to` day counts);
    /// a text that is no date is passed on as typed, so the API names it.
    fn request(&self) -> CreateReport {
        let mut filters = Map::new();
        if self.report_type == ReportType::StockLedger.as_str() {
            for (name, text, extra) in [
                ("from", &self.from, 0),
                ("to", &self.to, SECONDS_PER_DAY - 1),
            ] {
                if text.trim().is_empty() {
                    continue;
                }
                let value = match day_start(text).and_then(|s| s.checked_add(extra)) {
                    Some(unix) => Value::from(unix),
                    None => Value::from(text.trim()),
                };
                filters.insert(name.to_string(), value);
            }
        }
        CreateReport {
            report_type: self.report_type.clone(),
            format: self.format.clone(),
            filters: Some(filters),
        }
    }
}

async fn page(
    state: &AppState,
    user: PortalUser,
    form: Option<NewReportForm>,
    error: Option<ApiError>,
) -> PageResult {
    let lang = user.ctx.lang;
    let t = ReportTexts::get(lang);
    let rows = rows(state, &user, t).await?;
    let form = form.unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ReportsPage {
        t,
        ctx_status: user.ctx.t.status,
        ctx_created: user.ctx.t.created,
        types: ReportType::ALL
            .iter()
            .map(|k| TypeChoice {
                code: k.as_str(),
                label: type_label(*k, lang),
                selected: form.report_type == k.as_str(),
            })
            .collect(),
        xlsx: form.format == "xlsx",
        from: form.from.clone(),
        to: form.to.clone(),
        error: error.as_ref().map(|e| e.localized_message(lang)),
        details: error.as_ref().map(|e| details(e, t)).unwrap_or_default(),
        running: rows.iter().any(ReportRow::is_running),
        rows,
        ctx: user.ctx,
    };
    Ok(render_with_status(status, &page))
}

/// `error_detail` as lines, each field by its label on the form: `From: is required …`.
fn details(e: &ApiError, t: &ReportTexts) -> Vec<String> {
    let Some(detail) = e.detail.as_deref().and_then(|d| d.as_object()) else {
        return Vec::new();
    };
    let label = |field: &str| match field {
        "type" => t.report_type.to_string(),
        "format" => t.format.to_string(),
        "filters.from" => t.from.to_string(),
        "filters.to" => t.to.to_string(),
        other => other.to_string(),
    };
    detail
        .iter()
        .flat_map(|(field, messages)| {
            let messages = messages.as_array().cloned().unwrap_or_default();
            messages
                .into_iter()
                .filter_map(|m| m.as_str().map(|m| format!("{}: {m}", label(field))))
                .collect::<Vec<_>>()
        })
        .collect()
}

pub async fn index(State(state): State<AppState>, user: PortalUser) -> PageResult {
    page(&state, user, None, None).await
}

/// `/portal/reports/rows`: the table alone, for the page's live refresh.
pub async fn rows_fragment(State(state): State<AppState>, user: PortalUser) -> PageResult {
    let t = ReportTexts::get(user.ctx.lang);
    let rows = rows(&state, &user, t).await?;
    Ok(render(&RowsFragment {
        t,
        ctx_status: user.ctx.t.status,
        ctx_created: user.ctx.t.created,
        running: rows.iter().any(ReportRow::is_running),
        rows,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    user: PortalUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let form = NewReportForm::read(pairs);
    let lang = user.ctx.lang;
    let business_id = user.business.business_id;
    match api::request_report(&state, business_id, lang, form.request()).await {
        Ok(report) => {
            let t = ReportTexts::get(lang);
            user.session
                .flash(Flash::success(format!("{} #{}", t.queued_done, report.id)))
                .await?;
            Ok(Redirect::to("/portal/reports").into_response())
        }
        Err(e) if e.code == ErrorCode::InvalidPayload => {
            Ok(page(&state, user, Some(form), Some(e))
                .await?
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
