//! `/portal/webhooks`: the business's webhook subscriptions — add one (events, language; the
//! secret shown once), rotate its secret, enable or disable it, delete it, send it a test
//! event — and each one's delivery log with a status filter and replay of one delivery.
//!
//! Every action calls the merchant API's own handler for it (`depot_api::merchant::webhooks`)
//! with the signed-in business as the caller, so validation, tenancy and effects are the
//! API's.

use crate::auth::PortalUser;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query as UrlQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use depot_api::envelope::{Json, Query};
use depot_api::error::ApiError;
use depot_api::merchant::webhooks as api;
use depot_api::paging::Paging;
use depot_api::AppState;
use depot_domain::{ErrorCode, Lang};
use depot_store::events::ALL_EVENT_CODES;
use depot_store::webhooks::{Delivery, DeliveryStatus, DisabledReason, Webhook, WebhookStatus};
use depot_web::time_fmt::{datetime, datetime_or};
use depot_web::{render, render_with_status, texts, Flash, Form, PageCtx, PageError, PageResult};
use serde::Deserialize;

texts! {
    pub struct WebhookTexts {
        title: "Webhook", "Webhooks";
        intro: "Depot gửi một yêu cầu POST có chữ ký đến địa chỉ của bạn mỗi khi vận đơn, sản phẩm, đơn nhập hoặc đơn hoàn thay đổi.", "Depot sends a signed POST to your address whenever a shipment, product, purchase order or return changes.";
        subscriptions: "Đăng ký nhận webhook", "Subscriptions";
        add: "Thêm đăng ký", "Add subscription";
        url: "Địa chỉ nhận (URL)", "Endpoint URL";
        url_hint: "http:// hoặc https://, nơi Depot gửi sự kiện.", "http:// or https://, where Depot posts events.";
        events: "Sự kiện", "Events";
        events_hint: "Không chọn sự kiện nào nghĩa là nhận tất cả.", "Choose none to receive every event.";
        all_events: "Tất cả sự kiện", "All events";
        language: "Ngôn ngữ của nhãn trạng thái", "Language of status labels";
        language_short: "Ngôn ngữ", "Language";
        lang_vi: "Tiếng Việt", "Vietnamese";
        lang_en: "Tiếng Anh", "English";
        enabled: "Đang bật", "Enabled";
        disabled: "Đã tắt", "Disabled";
        reason_gone: "tắt do máy nhận trả 410 Gone", "disabled by a 410 Gone reply";
        reason_failing: "tắt do lỗi liên tục 5 ngày", "disabled after 5 days of failures";
        reason_manual: "tắt thủ công", "disabled by hand";
        no_hooks: "Chưa có đăng ký webhook", "No webhook subscriptions yet";
        no_hooks_body: "Thêm một địa chỉ để nhận sự kiện thay vì phải hỏi API liên tục.", "Add an endpoint to hear about changes instead of polling the API.";
        details: "Chi tiết", "Details";
        secret_title: "Khóa ký webhook", "Signing secret";
        secret_once: "Dùng khóa này để kiểm tra tiêu đề webhook-signature. Khóa chỉ hiển thị một lần này.", "Use it to verify the webhook-signature header. It is shown only this once.";
        rotate: "Đổi khóa ký", "Rotate secret";
        rotate_note: "Khóa cũ vẫn ký song song trong 24 giờ.", "The old secret keeps signing alongside for 24 hours.";
        enable: "Bật", "Enable";
        disable: "Tắt", "Disable";
        delete: "Xóa", "Delete";
        confirm_delete: "Xóa đăng ký này? Các lượt gửi đang chờ sẽ bị bỏ.", "Delete this subscription? Its waiting deliveries are dropped.";
        send_test: "Gửi sự kiện thử", "Send test event";
        test_sent: "Đã xếp hàng sự kiện thử, webhook-id", "Test event queued, webhook-id";
        enabled_done: "Đã bật đăng ký.", "Subscription enabled.";
        disabled_done: "Đã tắt đăng ký.", "Subscription disabled.";
        deleted_done: "Đã xóa đăng ký.", "Subscription deleted.";
        replayed: "Đã xếp hàng gửi lại lượt", "Replay queued for delivery";
        deliveries: "Nhật ký gửi", "Delivery log";
        filter_status: "Trạng thái", "Status";
        pending: "Đang chờ", "Pending";
        succeeded: "Thành công", "Succeeded";
        failed: "Thất bại", "Failed";
        no_deliveries: "Chưa có lượt gửi nào", "No deliveries yet";
        no_deliveries_body: "Các sự kiện gửi đến địa chỉ này sẽ hiện ở đây. Bấm \"Gửi sự kiện thử\" để thử ngay.", "Events sent to this endpoint show here. Use \"Send test event\" to try it now.";
        event: "Sự kiện", "Event";
        attempts: "Số lần gửi", "Attempts";
        last_attempt: "Lần gửi cuối", "Last attempt";
        http: "HTTP", "HTTP";
        next_attempt: "Lần gửi tới", "Next attempt";
        replay: "Gửi lại", "Replay";
        attempt_log: "Các lần gửi", "Attempts";
        duration: "Thời gian", "Duration";
        reply: "Phản hồi", "Reply";
        more: "Trang sau", "Next page";
        first_page: "Trang đầu", "First page";
        total: "Tổng số", "Total";
        back: "Tất cả webhook", "All webhooks";
        created_done: "Đã thêm đăng ký webhook.", "Webhook subscription added.";
    }
}

pub struct HookRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub language: &'static str,
    pub enabled: bool,
    pub status_label: &'static str,
    pub reason: Option<&'static str>,
    pub created: String,
    pub last_success: String,
}

impl HookRow {
    fn new(h: &Webhook, t: &WebhookTexts, never: &str) -> HookRow {
        HookRow {
            id: h.id,
            url: h.url.clone(),
            events: if h.events.is_empty() {
                t.all_events.to_string()
            } else {
                h.events.join(", ")
            },
            language: match h.language {
                Lang::Vi => t.lang_vi,
                Lang::En => t.lang_en,
            },
            enabled: h.status == WebhookStatus::Enabled,
            status_label: match h.status {
                WebhookStatus::Enabled => t.enabled,
                WebhookStatus::Disabled => t.disabled,
            },
            reason: h.disabled_reason.map(|r| match r {
                DisabledReason::Gone => t.reason_gone,
                DisabledReason::Failing => t.reason_failing,
                DisabledReason::Manual => t.reason_manual,
            }),
            created: datetime(h.created_time),
            last_success: datetime_or(h.last_success_time, never),
        }
    }
}

pub struct EventChoice {
    pub code: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    ctx: PageCtx,
    t: &'static WebhookTexts,
    hooks: Vec<HookRow>,
    url: String,
    events: Vec<EventChoice>,
    language_en: bool,
    error: Option<String>,
    details: Vec<String>,
    /// The subscription just added and its secret (shown once).
    created: Option<(HookRow, String)>,
}

async fn list_page(
    state: &AppState,
    user: PortalUser,
    form: Option<NewHook>,
    error: Option<ApiError>,
    created: Option<(Webhook, String)>,
) -> PageResult {
    let lang = user.ctx.lang;
    let t = WebhookTexts::get(lang);
    let never = user.ctx.t.never;
    let hooks = api::list(user.merchant(), State(state.clone()))
        .await?
        .items;
    let form = form.unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = WebhooksPage {
        t,
        hooks: hooks.iter().map(|h| HookRow::new(h, t, never)).collect(),
        url: form.url.clone(),
        events: ALL_EVENT_CODES
            .iter()
            .map(|code| EventChoice {
                code,
                checked: form.events.iter().any(|e| e == code),
            })
            .collect(),
        language_en: form.language.as_deref() == Some("en"),
        error: error.as_ref().map(|e| e.localized_message(lang)),
        details: error.as_ref().map(details).unwrap_or_default(),
        created: created.map(|(h, secret)| (HookRow::new(&h, t, never), secret)),
        ctx: user.ctx,
    };
    Ok(render_with_status(status, &page))
}

/// `error_detail` as lines: `url: must be …`.
fn details(e: &ApiError) -> Vec<String> {
    let Some(detail) = e.detail.as_deref().and_then(|d| d.as_object()) else {
        return Vec::new();
    };
    detail
        .iter()
        .flat_map(|(field, messages)| {
            let messages = messages.as_array().cloned().unwrap_or_default();
            messages
                .into_iter()
                .filter_map(|m| m.as_str().map(|m| format!("{field}: {m}")))
                .collect::<Vec<_>>()
        })
        .collect()
}

pub async fn index(State(state): State<AppState>, user: PortalUser) -> PageResult {
    list_page(&state, user, None, None, None).await
}

/// The add form: `url`, `events` (repeated), `language`.
#[derive(Debug, Default)]
struct NewHook {
    url: String,
    events: Vec<String>,
    language: Option<String>,
}

impl NewHook {
    fn read(pairs: Vec<(String, String)>) -> NewHook {
        let mut hook = NewHook::default();
        for (k, v) in pairs {
            match k.as_str() {
                "url" => hook.url = v,
                "events" => hook.events.push(v),
                "language" => hook.language = Some(v),
                _ => {}
            }
        }
        hook
    }
}

pub async fn create(
    State(state): State<AppState>,
    user: PortalUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let form = NewHook::read(pairs);
    let body = api::CreateWebhook {
        url: form.url.clone(),
        events: form.events.clone(),
        language: form.language.clone(),
    };
    match api::create(user.merchant(), State(state.clone()), Json(body)).await {
        Ok(created) => {
            let created = created.0;
            list_page(
                &state,
                user,
                None,
                None,
                Some((created.webhook, created.secret)),
            )
            .await
        }
        Err(e) if e.code == ErrorCode::InvalidPayload => {
            list_page(&state, user, Some(form), Some(e), None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub struct AttemptRow {
    pub attempt: i64,
    pub trigger: String,
    pub time: String,
    pub http: String,
    pub duration: String,
    pub reply: String,
}

pub struct DeliveryRow {
    pub id: i64,
    pub event_code: String,
    pub instance_id: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub badge: &'static str,
    pub attempt_count: i64,
    pub last_attempt: String,
    pub http: String,
    pub next_attempt: String,
    pub created: String,
    pub attempts: Vec<AttemptRow>,
}

impl DeliveryRow {
    fn new(d: &Delivery, t: &WebhookTexts, never: &str) -> DeliveryRow {
        let (label, badge) = status_label(d.status, t);
        DeliveryRow {
            id: d.delivery_id,
            event_code: d.event_code.clone(),
            instance_id: d.instance_id.clone(),
            status: d.status.as_str(),
            status_label: label,
            badge,
            attempt_count: d.attempt_count,
            last_attempt: datetime_or(d.last_attempt_time, never),
            http: d
                .last_http_status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "—".into()),
            next_attempt: d
                .next_attempt_time
                .map(datetime)
                .unwrap_or_else(|| "—".into()),
            created: datetime(d.created_time),
            attempts: d
                .attempts
                .iter()
                .map(|a| AttemptRow {
                    attempt: a.attempt,
                    trigger: a.trigger.clone(),
                    time: datetime(a.attempt_time),
                    http: a
                        .http_status
                        .map(|s| s.to_string())
                        .or_else(|| a.error.clone())
                        .unwrap_or_else(|| "—".into()),
                    duration: format!("{} ms", a.duration_ms),
                    reply: a.response_snippet.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

fn status_label(s: DeliveryStatus, t: &WebhookTexts) -> (&'static str, &'static str) {
    match s {
        DeliveryStatus::Pending => (t.pending, "badge-warn"),
        DeliveryStatus::Succeeded => (t.succeeded, "badge-ok"),
        DeliveryStatus::Failed => (t.failed, "badge-danger"),
    }
}

pub struct StatusOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "webhook.html")]
struct WebhookPage {
    ctx: PageCtx,
    t: &'static WebhookTexts,
    hook: HookRow,
    /// A secret just rotated (shown once).
    secret: Option<String>,
    statuses: Vec<StatusOption>,
    filtered: bool,
    deliveries: Vec<DeliveryRow>,
    total: i64,
    next: Option<String>,
    /// This page without a cursor (back to the first page of the same filter).
    first: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LogQuery {
    pub status: Option<String>,
    pub cursor: Option<String>,
}

fn webhook_id(raw: &str) -> Result<i64, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

async fn detail_page(
    state: &AppState,
    user: PortalUser,
    id: i64,
    uri: axum::http::Uri,
    q: LogQuery,
    secret: Option<String>,
) -> PageResult {
    let lang = user.ctx.lang;
    let t = WebhookTexts::get(lang);
    let never = user.ctx.t.never;
    let hook = api::get_one(user.merchant(), State(state.clone()), Path(id.to_string()))
        .await?
        .0;
    let status = q.status.clone().filter(|s| !s.is_empty());
    let found = api::deliveries(
        user.merchant(),
        State(state.clone()),
        Path(id.to_string()),
        OriginalUri(uri),
        Query(api::DeliveryQuery {
            status: status.clone(),
        }),
        Query(Paging {
            page: None,
            page_size: Some("25".into()),
            cursor: q.cursor.clone(),
        }),
    )
    .await;
    let found = match found {
        Ok(page) => page,
        // A hand-edited filter or cursor: the unfiltered first page.
        Err(e) if e.code == ErrorCode::InvalidPayload => {
            return Ok(Redirect::to(&format!("/portal/webhooks/{id}")).into_response())
        }
        Err(e) => return Err(e.into()),
    };
    let statuses = [
        DeliveryStatus::Pending,
        DeliveryStatus::Succeeded,
        DeliveryStatus::Failed,
    ]
    .into_iter()
    .map(|s| StatusOption {
        value: s.as_str(),
        label: status_label(s, t).0,
        selected: status
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case(s.as_str())),
    })
    .collect();
    let first = q.cursor.as_ref().map(|_| match &status {
        Some(s) => format!("/portal/webhooks/{id}?status={s}"),
        None => format!("/portal/webhooks/{id}"),
    });
    Ok(render(&WebhookPage {
        t,
        hook: HookRow::new(&hook, t, never),
        secret,
        statuses,
        filtered: status.is_some(),
        deliveries: found
            .items
            .iter()
            .map(|d| DeliveryRow::new(d, t, never))
            .collect(),
        total: found.total,
        next: found.next,
        first,
        ctx: user.ctx,
    }))
}

pub async fn show(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    UrlQuery(q): UrlQuery<LogQuery>,
) -> PageResult {
    let id = webhook_id(&id)?;
    detail_page(&state, user, id, uri, q, None).await
}

pub async fn rotate(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
) -> PageResult {
    let id = webhook_id(&id)?;
    let rotated = api::rotate_secret(user.merchant(), State(state.clone()), Path(id.to_string()))
        .await?
        .0;
    let uri: axum::http::Uri = format!("/portal/webhooks/{id}")
        .parse()
        .map_err(|_| PageError::Internal)?;
    detail_page(
        &state,
        user,
        id,
        uri,
        LogQuery::default(),
        Some(rotated.secret),
    )
    .await
}

async fn back(user: &PortalUser, id: i64, message: String) -> PageResult<Response> {
    user.session.flash(Flash::success(message)).await?;
    Ok(Redirect::to(&format!("/portal/webhooks/{id}")).into_response())
}

pub async fn enable(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = webhook_id(&id)?;
    api::enable(user.merchant(), State(state), Path(id.to_string())).await?;
    let t = WebhookTexts::get(user.ctx.lang);
    back(&user, id, t.enabled_done.into()).await
}

pub async fn disable(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = webhook_id(&id)?;
    api::disable(user.merchant(), State(state), Path(id.to_string())).await?;
    let t = WebhookTexts::get(user.ctx.lang);
    back(&user, id, t.disabled_done.into()).await
}

pub async fn delete(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = webhook_id(&id)?;
    api::delete(user.merchant(), State(state), Path(id.to_string())).await?;
    let t = WebhookTexts::get(user.ctx.lang);
    user.session.flash(Flash::success(t.deleted_done)).await?;
    Ok(Redirect::to("/portal/webhooks").into_response())
}

pub async fn send_test(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = webhook_id(&id)?;
    let sent = api::send_test(user.merchant(), State(state), Path(id.to_string()))
        .await?
        .0;
    let t = WebhookTexts::get(user.ctx.lang);
    back(&user, id, format!("{} {}", t.test_sent, sent.instance_id)).await
}

pub async fn replay(
    State(state): State<AppState>,
    user: PortalUser,
    Path(delivery_id): Path<String>,
) -> PageResult<Response> {
    let delivery = api::retry_delivery(user.merchant(), State(state), Path(delivery_id))
        .await?
        .0;
    let t = WebhookTexts::get(user.ctx.lang);
    back(
        &user,
        delivery.webhook_id,
        format!("{} #{}", t.replayed, delivery.delivery_id),
    )
    .await
}
