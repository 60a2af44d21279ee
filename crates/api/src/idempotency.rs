//! `Idempotency-Key` for every mutating merchant call (SPEC §1.8), as one layer so no
//! endpoint has to remember it.

use crate::auth::Merchant;
use crate::envelope::ReplyContext;
use crate::error::ApiError;
use crate::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use depot_domain::ErrorCode;
use depot_store::idempotency::Claim;
use sha2::{Digest, Sha256};
use std::time::Duration;

pub const HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 255;
/// How long a repeat waits for the first request before answering 409.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

pub async fn idempotency_layer(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mutating = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let Some(key) = req.headers().get(HEADER).filter(|_| mutating) else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= MAX_KEY_LEN => k.to_string(),
        _ => {
            return ApiError::invalid_field(
                "Idempotency-Key",
                "must be 1 to 255 visible characters",
            )
            .into_response()
        }
    };
    let (Some(merchant), Some(context)) = (
        req.extensions().get::<Merchant>().cloned(),
        req.extensions().get::<ReplyContext>().cloned(),
    ) else {
        return next.run(req).await;
    };

    let (parts, body) = req.into_parts();
    // An upload's body is bounded by the upload limit, every other body by the JSON one.
    let (limit, too_large) = if crate::merchant::files::is_upload_path(parts.uri.path()) {
        (
            state.config.upload_limit_bytes + crate::merchant::files::MULTIPART_OVERHEAD,
            ErrorCode::FileTooLarge,
        )
    } else {
        (state.config.body_limit_bytes, ErrorCode::PayloadTooLarge)
    };
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return ApiError::new(too_large).into_response(),
    };
    let fingerprint = {
        let mut h = Sha256::new();
        h.update(parts.method.as_str());
        h.update(b"\n");
        h.update(parts.uri.path().trim_end_matches('/'));
        h.update(b"?");
        h.update(parts.uri.query().unwrap_or(""));
        h.update(b"\n");
        h.update(&bytes);
        hex::encode(h.finalize())
    };

    let deadline = tokio::time::Instant::now() + WAIT_FOR_FIRST;
    loop {
        let now = state.clock.now();
        match state
            .db
            .claim_idempotency_key(merchant.business_id, &key, &fingerprint, now)
            .await
        {
            Ok(Claim::Acquired) => break,
            Ok(Claim::Replay { status, body }) => return replay(status, body),
            Ok(Claim::Mismatch) => {
                return ApiError::new(ErrorCode::IdempotencyKeyReused).into_response()
            }
            Ok(Claim::InProgress) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(Claim::InProgress) => return ApiError::new(ErrorCode::Conflict).into_response(),
            Err(e) => return ApiError::from(e).into_response(),
        }
    }

    let res = context.render(
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await,
    );
    let status = res.status();
    // Server errors and throttling are not the request's answer: a retry should act again.
    let keep = !status.is_server_error()
        && status != StatusCode::TOO_MANY_REQUESTS
        && status != StatusCode::CONFLICT;
    if !keep {
        if let Err(e) = state
            .db
            .release_idempotency_key(merchant.business_id, &key)
            .await
        {
            tracing::error!(error = %e, "releasing idempotency key");
        }
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return ApiError::internal().into_response(),
    };
    let text = String::from_utf8_lossy(&bytes);
    if let Err(e) = state
        .db
        .finish_idempotency_key(merchant.business_id, &key, status.as_u16(), &text)
        .await
    {
        tracing::error!(error = %e, "storing idempotent response");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(status: u16, body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}
