//! Webhook subscriptions and their delivery log (SPEC §3.7). Delivery itself is the worker's
//! (crate `depot-webhooks`); these handlers only read and change the store.

use crate::auth::Merchant;
use crate::envelope::{Created, Data, Envelope, Json, Page, Query};
use crate::error::{ApiError, ApiResult};
use crate::paging::{self, Paging};
use crate::AppState;
use axum::extract::{OriginalUri, Path, State};
use depot_domain::{ErrorCode, Lang};
use depot_store::events::ALL_EVENT_CODES;
use depot_store::webhooks::{Delivery, DeliveryStatus, Webhook};
use depot_webhooks::policy::UrlProblem;
use depot_webhooks::signing::{generate_secret, ROTATION_GRACE_SECONDS};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

const MAX_URL_CHARS: usize = 2048;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWebhook {
    /// Where to POST events: http or https.
    pub url: String,
    /// Event codes to receive; empty or absent means every event.
    #[serde(default)]
    pub events: Vec<String>,
    /// Language of the payloads' labels: `vi` (default) or `en`.
    pub language: Option<String>,
}

/// A subscription with its secret: only in the replies that create or rotate it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` + base64. Shown once: store it to verify `webhook-signature`.
    pub secret: String,
}

fn webhook_id(raw: &str) -> ApiResult<i64> {
    raw.parse()
        .map_err(|_| ApiError::new(ErrorCode::WebhookNotFound))
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::WebhookNotFound)
}

/// Create a webhook subscription. The reply carries the signing secret, shown only here.
#[utoipa::path(post, path = "/webhooks", tag = "Webhooks", security(("api_key" = [])),
    request_body = CreateWebhook,
    responses((status = 201, body = Envelope<WebhookWithSecret>)))]
pub async fn create(
    m: Merchant,
    State(state): State<AppState>,
    Json(body): Json<CreateWebhook>,
) -> ApiResult<Created<WebhookWithSecret>> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let url = body.url.trim();
    if url.is_empty() {
        errors.push(("url".into(), "is required".into()));
    } else if url.chars().count() > MAX_URL_CHARS {
        errors.push((
            "url".into(),
            format!("must be at most {MAX_URL_CHARS} characters"),
        ));
    } else if let Err(problem) = state.config.webhook_policy.check_url(url) {
        let message = match problem {
            UrlProblem::Invalid(why) => why,
            refused @ UrlProblem::NotAllowed(_) => refused.to_string(),
        };
        errors.push(("url".into(), message));
    }
    let mut events: Vec<String> = Vec::new();
    for (i, code) in body.events.iter().enumerate() {
        if !ALL_EVENT_CODES.contains(&code.as_str()) {
            errors.push((
                format!("events[{i}]"),
                format!("unknown event; one of {}", ALL_EVENT_CODES.join(", ")),
            ));
        } else if !events.contains(code) {
            events.push(code.clone());
        }
    }
    let language = match body.language.as_deref() {
        None => Lang::Vi,
        Some(l) => Lang::parse(l).unwrap_or_else(|| {
            errors.push(("language".into(), "must be `vi` or `en`".into()));
            Lang::Vi
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let secret = generate_secret();
    let webhook = state
        .db
        .create_webhook(m.business_id, url, &events, language, &secret, state.now())
        .await?;
    Ok(Created(WebhookWithSecret { webhook, secret }))
}

/// List the business's webhook subscriptions with their state.
#[utoipa::path(get, path = "/webhooks", tag = "Webhooks", security(("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<Webhook>>)))]
pub async fn list(m: Merchant, State(state): State<AppState>) -> ApiResult<Page<Webhook>> {
    let items = state.db.webhooks(m.business_id, state.now()).await?;
    Ok(Page {
        total: items.len() as i64,
        items,
        next: None,
    })
}

/// One webhook subscription and its state (ENABLED or DISABLED, and why).
#[utoipa::path(get, path = "/webhooks/{id}", tag = "Webhooks", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 200, body = Envelope<Webhook>)))]
pub async fn get_one(
    m: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<Webhook>> {
    let hook = state
        .db
        .webhook(m.business_id, webhook_id(&id)?, state.now())
        .await?;
    hook.map(Data).ok_or_else(not_found)
}

/// Delete a subscription; its waiting deliveries are dropped.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "Webhooks", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 200, body = Envelope<Value>)))]
pub async fn delete(
    m: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<Value>> {
    let id = webhook_id(&id)?;
    if !state.db.delete_webhook(m.business_id, id).await? {
        return Err(not_found());
    }
    Ok(Data(json!({ "id": id, "deleted": true })))
}

/// Rotate the signing secret. The reply carries the new secret (shown only here); the old one
/// keeps signing beside it for 24 hours, so `webhook-signature` holds two signatures until then.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "Webhooks", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 200, body = Envelope<WebhookWithSecret>)))]
pub async fn rotate_secret(
    m: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<WebhookWithSecret>> {
    let now = state.now();
    let secret = generate_secret();
    let webhook = state
        .db
        .rotate_webhook_secret(
            m.business_id,
            webhook_id(&id)?,
            &secret,
            now + ROTATION_GRACE_SECONDS,
            now,
        )
        .await?
        .ok_or_else(not_found)?;
    Ok(Data(WebhookWithSecret { webhook, secret }))
}

/// Enable a subscription again (after a `410 Gone`, days of failures, or a manual disable).
/// Deliveries that waited while it was disabled become due at once.
#[utoipa::path(post, path = "/webhooks/{id}/enable", tag = "Webhooks", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 200, body = Envelope<Webhook>)))]
pub async fn enable(
    m: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<Webhook>> {
    set_enabled(m, state, &id, true).await
}

/// Disable a subscription by hand: its deliveries wait (nothing is dropped) until enabled.
#[utoipa::path(post, path = "/webhooks/{id}/disable", tag = "Webhooks", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 200, body = Envelope<Webhook>)))]
pub async fn disable(
    m: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Data<Webhook>> {
    set_enabled(m, state, &id, false).await
}

async fn set_enabled(
    m: Merchant,
    state: AppState,
    id: &str,
    enabled: bool,
) -> ApiResult<Data<Webhook>> {
    let hook = state
        .db
        .set_webhook_enabled(m.business_id, webhook_id(id)?, enabled, state.now())
        .await?;
    hook.map(Data).ok_or_else(not_found)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeliveryQuery {
    /// PENDING, SUCCEEDED or FAILED.
    pub status: Option<String>,
}

/// A subscription's deliveries, newest first: each event sent to it, its status, and every
/// attempt with time, HTTP status, duration and the start of the reply.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "Webhooks", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Subscription id"), DeliveryQuery, Paging),
    responses((status = 200, body = Envelope<Vec<Delivery>>)))]
pub async fn deliveries(
    m: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<DeliveryQuery>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<Delivery>> {
    let page = paging.request()?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(DeliveryStatus::parse(s).ok_or_else(|| {
            ApiError::invalid_field("status", "must be PENDING, SUCCEEDED or FAILED")
        })?),
    };
    let hook = state
        .db
        .webhook(m.business_id, webhook_id(&id)?, state.now())
        .await?
        .ok_or_else(not_found)?;
    let found = state.db.webhook_deliveries(hook.id, status, &page).await?;
    Ok(paging::reply(&uri, found, |d| d))
}

/// Send one delivery again now, whatever its status, with the same `webhook-id`. The attempt
/// is made by the worker and shows in the delivery log as `MANUAL`.
#[utoipa::path(post, path = "/webhooks/deliveries/{delivery_id}/retry", tag = "Webhooks",
    security(("api_key" = [])),
    params(("delivery_id" = i64, Path, description = "Delivery id")),
    responses((status = 200, body = Envelope<Delivery>)))]
pub async fn retry_delivery(
    m: Merchant,
    State(state): State<AppState>,
    Path(delivery_id): Path<String>,
) -> ApiResult<Data<Delivery>> {
    let missing = || ApiError::new(ErrorCode::WebhookDeliveryNotFound);
    let id: i64 = delivery_id.parse().map_err(|_| missing())?;
    let delivery = state
        .db
        .retry_webhook_delivery(m.business_id, id, state.now())
        .await?;
    delivery.map(Data).ok_or_else(missing)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestEventSent {
    pub webhook_id: i64,
    pub event_code: &'static str,
    /// The `webhook-id` header the receiver will see.
    pub instance_id: String,
}

/// Send a `webhook.test` event to this subscription only. It is signed, retried and logged
/// like any delivery; a disabled subscription keeps it waiting until enabled.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "Webhooks", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 201, body = Envelope<TestEventSent>)))]
pub async fn send_test(
    m: Merchant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Created<TestEventSent>> {
    let webhook_id = webhook_id(&id)?;
    let instance_id = state
        .db
        .send_webhook_test(m.business_id, webhook_id, state.now())
        .await?
        .ok_or_else(not_found)?;
    Ok(Created(TestEventSent {
        webhook_id,
        event_code: depot_store::webhook_test::WEBHOOK_TEST,
        instance_id,
    }))
}
