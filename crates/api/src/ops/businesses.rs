//! Customer support (SPEC §11): the business queue, approve / reject / suspend / reactivate
//! with a note, the customer type and issuing a key. Each operation is a command function
//! the operator API handlers and the console pages both call, with the actor to record.
//!
//! A status change takes effect everywhere at once: this process forgets the business's
//! cached keys here, and the `businesses` trigger announces it to every other process
//! (`crate::key_cache`); portal sessions read the business on every request.

use crate::auth::Operator;
use crate::envelope::{Data, Envelope, Json, OptionalJson, Page, Query, ReplyContext};
use crate::error::{ApiError, ApiResult};
use crate::paging::Paging;
use crate::text::check_text;
use crate::AppState;
use axum::extract::{Path, State};
use depot_domain::business::{BusinessAction, BusinessStatus, CustomerType};
use depot_domain::{ErrorCode, Lang};
use depot_store::support::{BusinessListItem, ChangeError};
use depot_store::tenants::{Business, NewApiKey};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// The actor recorded for a change made with an operator token.
pub const TOKEN_ACTOR: &str = "operator";

/// The longest note kept with a status change.
pub const NOTE_MAX: usize = 1000;

fn business_id(raw: &str) -> ApiResult<i64> {
    raw.parse()
        .map_err(|_| ApiError::new(ErrorCode::BusinessNotFound))
}

/// The support queue: PENDING first, then APPROVED, SUSPENDED, REJECTED; newest first
/// within each. `status` (a name, e.g. `PENDING`) keeps one.
pub async fn list(
    state: &AppState,
    status: Option<&str>,
    page: i64,
    page_size: i64,
) -> ApiResult<(Vec<BusinessListItem>, i64)> {
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(BusinessStatus::parse(s).ok_or_else(|| {
            ApiError::invalid_field(
                "status",
                "must be one of PENDING, APPROVED, REJECTED, SUSPENDED",
            )
        })?),
    };
    Ok(state.db.support_businesses(status, page, page_size).await?)
}

/// Approves, rejects, suspends or reactivates a business, recording `note` and `actor`.
/// Rejecting and suspending need a note; a repeat changes nothing; a change the rules do
/// not allow is `INVALID_STATUS_TRANSITION` with the current status.
pub async fn change_status(
    state: &AppState,
    lang: Lang,
    id: i64,
    action: BusinessAction,
    note: Option<&str>,
    actor: &str,
) -> ApiResult<Business> {
    check_text(&[("note", note, action.needs_note(), NOTE_MAX)])?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let changed = state
        .db
        .change_business_status(id, action, note, actor, state.now())
        .await?;
    // Forget this process's cached keys whatever happened: a stale entry must not outlive a
    // change another request made at the same moment.
    state.keys.forget_business(id);
    match changed {
        Ok(b) => Ok(b),
        Err(ChangeError::NotFound) => Err(ApiError::new(ErrorCode::BusinessNotFound)),
        Err(ChangeError::NotAllowed(b)) => Err(ApiError::new(ErrorCode::InvalidStatusTransition)
            .with_detail(json!({
                "status_info": {"status": b.status.as_str(), "label": b.status.label(lang)},
                "requested": action.as_str(),
            }))),
    }
}

/// Switches the customer type (`API_USER` or `OMS_USER`).
pub async fn set_customer_type(state: &AppState, id: i64, raw: &str) -> ApiResult<Business> {
    let customer_type = CustomerType::parse(raw)
        .ok_or_else(|| ApiError::invalid_field("customer_type", "must be API_USER or OMS_USER"))?;
    state
        .db
        .set_customer_type(id, customer_type, state.now())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::BusinessNotFound))
}

/// Issues a key for a business; the secret exists only in this reply.
pub async fn issue_api_key(state: &AppState, id: i64) -> ApiResult<NewApiKey> {
    state
        .db
        .create_api_key(id, state.now())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::BusinessNotFound))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct BusinessQuery {
    /// `PENDING`, `APPROVED`, `REJECTED` or `SUSPENDED`.
    pub status: Option<String>,
}

/// The businesses, PENDING first (the approval queue), then APPROVED, SUSPENDED and
/// REJECTED; newest first within a status. Pages by `page` and `page_size`.
#[utoipa::path(get, path = "/businesses", tag = "Operator", security(("ops_token" = [])),
    params(BusinessQuery, Paging),
    responses((status = 200, body = Envelope<Vec<BusinessListItem>>)))]
pub async fn list_businesses(
    _: Operator,
    State(state): State<AppState>,
    Query(q): Query<BusinessQuery>,
    Query(paging): Query<Paging>,
) -> ApiResult<Page<BusinessListItem>> {
    if paging.cursor.as_deref().is_some_and(|c| !c.is_empty()) {
        return Err(ApiError::invalid_field(
            "cursor",
            "this list pages by page number",
        ));
    }
    let page = paging.request()?;
    let (items, total) = list(&state, q.status.as_deref(), page.page, page.page_size).await?;
    Ok(Page {
        items,
        total,
        next: None,
    })
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StatusNote {
    /// Why (required to reject or suspend; at most 1000 characters). Stored with the
    /// change and shown to customer support.
    pub note: Option<String>,
}

async fn act(
    state: &AppState,
    ctx: &ReplyContext,
    id: &str,
    action: BusinessAction,
    body: StatusNote,
) -> ApiResult<Data<Business>> {
    let id = business_id(id)?;
    change_status(
        state,
        ctx.lang,
        id,
        action,
        body.note.as_deref(),
        TOKEN_ACTOR,
    )
    .await
    .map(Data)
}

/// Approve a business so its keys may call the merchant API (from PENDING, or a REJECTED
/// registration reconsidered). Approving again changes nothing.
#[utoipa::path(post, path = "/businesses/{business_id}/approve", tag = "Operator", security(("ops_token" = [])),
    request_body(content = Option<StatusNote>),
    responses((status = 200, body = Envelope<Business>)))]
pub async fn approve_business(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<StatusNote>,
) -> ApiResult<Data<Business>> {
    act(&state, &ctx, &id, BusinessAction::Approve, body).await
}

/// Reject a PENDING registration, with a note saying why.
#[utoipa::path(post, path = "/businesses/{business_id}/reject", tag = "Operator", security(("ops_token" = [])),
    request_body = StatusNote, responses((status = 200, body = Envelope<Business>)))]
pub async fn reject_business(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<StatusNote>,
) -> ApiResult<Data<Business>> {
    act(&state, &ctx, &id, BusinessAction::Reject, body).await
}

/// Suspend an APPROVED business, with a note: its API keys, dialect calls and portal
/// sessions are refused at once, on every process.
#[utoipa::path(post, path = "/businesses/{business_id}/suspend", tag = "Operator", security(("ops_token" = [])),
    request_body = StatusNote, responses((status = 200, body = Envelope<Business>)))]
pub async fn suspend_business(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<StatusNote>,
) -> ApiResult<Data<Business>> {
    act(&state, &ctx, &id, BusinessAction::Suspend, body).await
}

/// Reactivate a SUSPENDED business (back to APPROVED); the note is optional.
#[utoipa::path(post, path = "/businesses/{business_id}/reactivate", tag = "Operator", security(("ops_token" = [])),
    request_body(content = Option<StatusNote>),
    responses((status = 200, body = Envelope<Business>)))]
pub async fn reactivate_business(
    _: Operator,
    ctx: ReplyContext,
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<StatusNote>,
) -> ApiResult<Data<Business>> {
    act(&state, &ctx, &id, BusinessAction::Reactivate, body).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BusinessUpdate {
    /// `API_USER` or `OMS_USER`.
    pub customer_type: String,
}

/// Change a business's customer type (what its portal shows).
#[utoipa::path(put, path = "/businesses/{business_id}", tag = "Operator", security(("ops_token" = [])),
    request_body = BusinessUpdate, responses((status = 200, body = Envelope<Business>)))]
pub async fn update_business(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<BusinessUpdate>,
) -> ApiResult<Data<Business>> {
    let id = business_id(&id)?;
    set_customer_type(&state, id, &body.customer_type)
        .await
        .map(Data)
}
