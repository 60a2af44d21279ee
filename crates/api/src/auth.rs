//! Who is calling. Merchant calls carry an API key (SPEC §1.1), operator calls an operator
//! token (SPEC §4). Both checks are typed extractors, so a handler cannot forget them: a
//! handler that takes [`Merchant`] only runs for an approved business's valid key.

use crate::error::ApiError;
use crate::rate_limit;
use crate::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use depot_domain::ErrorCode;
use depot_store::tenants::BusinessStatus;

/// An authenticated merchant: every query it makes is scoped to `business_id`.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub business_id: i64,
    pub key_id: String,
}

fn no_credentials() -> ApiError {
    ApiError::new(ErrorCode::Unauthorized).with_message(
        "Header token không hợp lệ. Không có thông tin xác thực.",
        "Invalid token header. No credentials provided.",
    )
}

fn unknown_key() -> ApiError {
    ApiError::new(ErrorCode::Unauthorized).with_message(
        "Token không hợp lệ. Không tìm thấy khóa người dùng.",
        "Invalid token. User key not found.",
    )
}

/// The token in `Authorization: <token>`, `Token <token>` or `Bearer <token>`.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let token = match value.split_once(' ') {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer") =>
        {
            rest.trim()
        }
        _ => value,
    };
    (!token.is_empty()).then_some(token)
}

/// Resolves a merchant token: the three outcomes of SPEC §1.1.
pub async fn merchant_for_token(state: &AppState, token: &str) -> Result<Merchant, ApiError> {
    let owner = state
        .keys
        .key_owner(&state.db, token)
        .await?
        .ok_or_else(unknown_key)?;
    if owner.business_status != BusinessStatus::Approved {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    state
        .keys
        .touch(&state.db, &owner.key_id, state.now())
        .await;
    Ok(Merchant {
        business_id: owner.business_id,
        key_id: owner.key_id,
    })
}

/// Authenticates every merchant request, then applies the key's rate limit.
pub async fn merchant_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(token) = bearer_token(req.headers()) else {
        return no_credentials().into_response();
    };
    let merchant = match merchant_for_token(&state, token).await {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let limit = state.limiter.check(&merchant.key_id).await;
    req.extensions_mut().insert(merchant);
    let mut res = match &limit {
        Some(decision) if decision.exceeded() => {
            ApiError::new(ErrorCode::TooManyRequests).into_response()
        }
        _ => next.run(req).await,
    };
    if let Some(decision) = limit {
        rate_limit::set_headers(res.headers_mut(), &decision);
    }
    res
}

impl<S: Send + Sync> FromRequestParts<S> for Merchant {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Merchant, ApiError> {
        parts
            .extensions
            .get::<Merchant>()
            .cloned()
            .ok_or_else(no_credentials)
    }
}

/// An authenticated warehouse operator.
#[derive(Debug, Clone, Copy)]
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Operator, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(no_credentials)?;
        let configured = state.config.ops_token.as_deref().is_some_and(|t| {
            // Compare hashes so the comparison does not leak the token's prefix by timing.
            depot_store::tenants::hash_token(t) == depot_store::tenants::hash_token(token)
        });
        if configured || state.db.ops_token_valid(token).await? {
            Ok(Operator)
        } else {
            Err(ApiError::new(ErrorCode::Unauthorized)
                .with_message("Token vận hành không hợp lệ.", "Invalid operator token."))
        }
    }
}
