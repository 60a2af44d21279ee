//! Customer support (SPEC §11), admin only: `/console/businesses` (the queue, PENDING
//! first, each business a row with its action buttons) and `/console/businesses/{id}` (its
//! status history with notes, the customer type switch, issuing an API key). Every action
//! is one call to the command the operator API uses (`depot_api::ops::businesses`), with
//! the operator's email as actor.

use crate::auth::ConsoleOperator;
use crate::common::{is_shown_on_page, refusal, refusal_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::ops::businesses as support;
use depot_api::AppState;
use depot_domain::business::{BusinessAction, BusinessStatus, CustomerType};
use depot_domain::Lang;
use depot_store::api_keys::ApiKeyInfo;
use depot_store::tenants::{Business, NewApiKey};
use depot_store::users::OperatorRole;
use depot_web::time_fmt::{datetime, datetime_or};
use depot_web::{render_with_status, texts, Flash, Form, PageCtx, PageError, PageResult};
use serde::Deserialize;

/// Rows on one page of the queue.
const PAGE_SIZE: i64 = 100;

texts! {
    pub struct BusinessTexts {
        title: "Doanh nghiệp", "Businesses";
        intro: "Duyệt đăng ký mới, từ chối, tạm ngưng hoặc kích hoạt lại doanh nghiệp. Đơn chờ duyệt luôn ở đầu danh sách.", "Approve new registrations, reject, suspend or reactivate businesses. Pending registrations always come first.";
        name: "Doanh nghiệp", "Business";
        email: "Email", "Email";
        customer_type: "Loại khách hàng", "Customer type";
        note: "Ghi chú", "Note";
        note_hint: "Bắt buộc khi từ chối hoặc tạm ngưng; doanh nghiệp sẽ được cho biết lý do.", "Required to reject or suspend; tells why.";
        reject_note: "Lý do từ chối", "Reason for rejecting";
        suspend_note: "Lý do tạm ngưng", "Reason for suspending";
        reactivate_note: "Ghi chú (không bắt buộc)", "Note (optional)";
        none: "Không có doanh nghiệp nào ở trạng thái này.", "No business in this status.";
        filter_status: "Lọc theo trạng thái", "Filter by status";
        show: "Xem", "Show";
        total: "Tổng số", "Total";
        open: "Chi tiết", "Details";
        done: "Đã cập nhật doanh nghiệp", "Business updated:";
        history: "Lịch sử trạng thái", "Status history";
        no_history: "Chưa có thay đổi trạng thái nào.", "No status change yet.";
        from_to: "Chuyển", "Change";
        actor: "Người thực hiện", "By";
        when: "Thời điểm", "When";
        latest_note: "Ghi chú gần nhất", "Latest note";
        switch_type: "Đổi loại khách hàng", "Switch customer type";
        save_type: "Lưu loại khách hàng", "Save customer type";
        type_saved: "Đã đổi loại khách hàng.", "Customer type changed.";
        keys: "Khóa API", "API keys";
        issue_key: "Cấp khóa API", "Issue API key";
        new_key: "Khóa API mới", "New API key";
        new_key_once: "Hãy gửi khóa này cho doanh nghiệp ngay: khóa chỉ hiển thị một lần này.", "Hand this key to the business now: it is shown only this once.";
        key_id: "Mã khóa", "Key id";
        last_used: "Dùng lần cuối", "Last used";
        active: "Đang hoạt động", "Active";
        revoked: "Đã thu hồi", "Revoked";
        no_keys: "Doanh nghiệp chưa có khóa API.", "The business has no API key yet.";
        back: "Về danh sách doanh nghiệp", "Back to the businesses";
        refused: "Không thực hiện được", "Not done";
    }
}

/// The action buttons of one business.
pub struct ActionButton {
    pub path: &'static str,
    pub label: &'static str,
    pub needs_note: bool,
    pub note_label: &'static str,
    pub danger: bool,
}

fn buttons(status: BusinessStatus, t: &BusinessTexts, lang: Lang) -> Vec<ActionButton> {
    BusinessAction::available(status)
        .into_iter()
        .map(|a| ActionButton {
            path: match a {
                BusinessAction::Approve => "approve",
                BusinessAction::Reject => "reject",
                BusinessAction::Suspend => "suspend",
                BusinessAction::Reactivate => "reactivate",
            },
            label: a.label(lang),
            needs_note: a.needs_note(),
            note_label: match a {
                BusinessAction::Reject => t.reject_note,
                BusinessAction::Suspend => t.suspend_note,
                _ => t.reactivate_note,
            },
            danger: a.needs_note(),
        })
        .collect()
}

pub struct BusinessRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub badge: &'static str,
    pub customer_type: &'static str,
    pub note: Option<String>,
    pub created: String,
    pub buttons: Vec<ActionButton>,
}

fn badge(status: BusinessStatus) -> &'static str {
    match status {
        BusinessStatus::Pending => "badge-warn",
        BusinessStatus::Approved => "badge-ok",
        BusinessStatus::Suspended => "badge-danger",
        BusinessStatus::Rejected => "badge-muted",
    }
}

pub struct StatusOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "businesses.html")]
struct ListPage {
    ctx: PageCtx,
    t: &'static BusinessTexts,
    rows: Vec<BusinessRow>,
    total: i64,
    statuses: Vec<StatusOption>,
    errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
}

async fn list_page(
    state: &AppState,
    op: ConsoleOperator,
    status: Option<String>,
    errors: Vec<String>,
    code: StatusCode,
) -> PageResult {
    let lang = op.ctx.lang;
    let t = BusinessTexts::get(lang);
    let status = status.filter(|s| BusinessStatus::parse(s).is_some());
    let (items, total) = support::list(state, status.as_deref(), 1, PAGE_SIZE).await?;
    let rows = items
        .into_iter()
        .map(|b| BusinessRow {
            id: b.business_id,
            name: b.name,
            email: b.email,
            status: b.status.as_str(),
            status_label: b.status.label(lang),
            badge: badge(b.status),
            customer_type: b.customer_type.label(lang),
            note: b.status_note,
            created: datetime(b.created_time),
            buttons: buttons(b.status, t, lang),
        })
        .collect();
    let statuses = BusinessStatus::ALL
        .iter()
        .map(|s| StatusOption {
            value: s.as_str(),
            label: s.label(lang),
            selected: status.as_deref() == Some(s.as_str()),
        })
        .collect();
    Ok(render_with_status(
        code,
        &ListPage {
            t,
            rows,
            total,
            statuses,
            errors,
            ctx: op.ctx,
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Query(q): Query<ListQuery>,
) -> PageResult {
    op.require(OperatorRole::Admin)?;
    list_page(&state, op, q.status, Vec::new(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    pub note: Option<String>,
    /// `detail` when the action was taken on the business's own page.
    pub from: Option<String>,
    /// The queue's status filter, kept.
    pub status: Option<String>,
}

fn parse_id(raw: &str) -> PageResult<i64> {
    raw.parse().map_err(|_| PageError::NotFound)
}

pub async fn act(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> PageResult {
    op.require(OperatorRole::Admin)?;
    let id = parse_id(&id)?;
    let action = BusinessAction::parse(&action).ok_or(PageError::NotFound)?;
    let lang = op.ctx.lang;
    let t = BusinessTexts::get(lang);
    let on_detail = form.from.as_deref() == Some("detail");
    match support::change_status(&state, lang, id, action, form.note.as_deref(), &op.actor()).await
    {
        Ok(b) => {
            op.session
                .flash(Flash::success(format!(
                    "{} {} — {}",
                    t.done,
                    b.name,
                    b.status.label(lang)
                )))
                .await?;
            let to = if on_detail {
                format!("/console/businesses/{id}")
            } else {
                match form.status.filter(|s| BusinessStatus::parse(s).is_some()) {
                    Some(s) => format!("/console/businesses?status={s}"),
                    None => "/console/businesses".into(),
                }
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) if is_shown_on_page(&e) && e.code.http_status() != 404 => {
            let errors = refusal(&e, lang);
            let code = refusal_status(&e);
            if on_detail {
                detail_page(&state, op, id, None, errors, code).await
            } else {
                list_page(&state, op, form.status, errors, code).await
            }
        }
        Err(e) => Err(e.into()),
    }
}

pub struct HistoryRow {
    pub from: &'static str,
    pub to: &'static str,
    pub to_code: &'static str,
    pub note: String,
    pub actor: String,
    pub when: String,
}

pub struct KeyRow {
    pub key_id: String,
    pub created: String,
    pub last_used: String,
    pub active: bool,
}

impl KeyRow {
    fn new(k: &ApiKeyInfo, never: &str) -> KeyRow {
        KeyRow {
            key_id: k.key_id.clone(),
            created: datetime(k.created_time),
            last_used: datetime_or(k.last_used_time, never),
            active: k.is_active(),
        }
    }
}

pub struct TypeOption {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "business.html")]
struct DetailPage {
    ctx: PageCtx,
    t: &'static BusinessTexts,
    b: Business,
    status_label: &'static str,
    badge: &'static str,
    buttons: Vec<ActionButton>,
    history: Vec<HistoryRow>,
    types: Vec<TypeOption>,
    keys: Vec<KeyRow>,
    issued: Option<NewApiKey>,
    errors: Vec<String>,
}

async fn detail_page(
    state: &AppState,
    op: ConsoleOperator,
    id: i64,
    issued: Option<NewApiKey>,
    errors: Vec<String>,
    code: StatusCode,
) -> PageResult {
    let lang = op.ctx.lang;
    let t = BusinessTexts::get(lang);
    let b = state.db.business(id).await?.ok_or(PageError::NotFound)?;
    let history = state
        .db
        .business_status_history(id)
        .await?
        .into_iter()
        .map(|h| HistoryRow {
            from: h.from_status.label(lang),
            to: h.status.label(lang),
            to_code: h.status.as_str(),
            note: h.note.unwrap_or_default(),
            actor: h.actor,
            when: datetime(h.created_time),
        })
        .collect();
    let types = CustomerType::ALL
        .iter()
        .map(|c| TypeOption {
            value: c.as_str(),
            label: c.label(lang),
            checked: *c == b.customer_type,
        })
        .collect();
    let never = op.ctx.t.never;
    let keys = state
        .db
        .business_api_keys(id)
        .await?
        .iter()
        .map(|k| KeyRow::new(k, never))
        .collect();
    Ok(render_with_status(
        code,
        &DetailPage {
            t,
            status_label: b.status.label(lang),
            badge: badge(b.status),
            buttons: buttons(b.status, t, lang),
            history,
            types,
            keys,
            issued,
            errors,
            b,
            ctx: op.ctx,
        },
    ))
}

pub async fn detail(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(id): Path<String>,
) -> PageResult {
    op.require(OperatorRole::Admin)?;
    let id = parse_id(&id)?;
    detail_page(&state, op, id, None, Vec::new(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct TypeForm {
    pub customer_type: Option<String>,
}

pub async fn set_type(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(id): Path<String>,
    Form(form): Form<TypeForm>,
) -> PageResult<Response> {
    op.require(OperatorRole::Admin)?;
    let id = parse_id(&id)?;
    let lang = op.ctx.lang;
    let raw = form.customer_type.unwrap_or_default();
    match support::set_customer_type(&state, id, &raw).await {
        Ok(_) => {
            op.session
                .flash(Flash::success(BusinessTexts::get(lang).type_saved))
                .await?;
            Ok(Redirect::to(&format!("/console/businesses/{id}")).into_response())
        }
        Err(e) if is_shown_on_page(&e) && e.code.http_status() != 404 => {
            let errors = refusal(&e, lang);
            let code = refusal_status(&e);
            detail_page(&state, op, id, None, errors, code).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn issue_key(
    State(state): State<AppState>,
    op: ConsoleOperator,
    Path(id): Path<String>,
) -> PageResult {
    op.require(OperatorRole::Admin)?;
    let id = parse_id(&id)?;
    let key = support::issue_api_key(&state, id).await?;
    detail_page(&state, op, id, Some(key), Vec::new(), StatusCode::OK).await
}
