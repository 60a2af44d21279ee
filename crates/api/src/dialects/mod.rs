//! Provider dialects (SPEC §5): the cancellation calls of Shipper, iThink Logistics and Trendyol,
//! served by Depot so a merchant can switch its base URL and keep its code.
//!
//! Each dialect is a thin adapter: parse the provider's request → resolve the shipment(s) →
//! one [`CancelCommand`](depot_store::shipments::CancelCommand) with the provider's guard →
//! `Db::cancel_shipment(s)` (the very path the native API takes) → render the outcome in the
//! provider's own envelope. No cancellation rule lives here.
//!
//! Every reply a dialect gives — success, refusals, bad auth, malformed bodies, unknown paths
//! under its prefix, wrong methods, the rate limit, panics — is JSON in the provider's shape, so
//! the global envelope layer (which only rewrites non-JSON errors) leaves it alone. Bodies are
//! read as bytes and parsed here, never through axum's `Json`, whose rejections are plain text.

pub mod ithink;
pub mod shipper;
pub mod trendyol;

use crate::rate_limit::{self, Decision};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use depot_store::shipments::Shipment;
use depot_store::tenants::BusinessStatus;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;

/// The three dialects, each under its own prefix with its own fallback, so that even an
/// unknown path below `/shipper`, `/ithink` or `/trendyol` answers in that provider's shape.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .nest("/shipper", shipper::router())
        .nest("/ithink", ithink::router())
        .nest("/trendyol", trendyol::router())
}

/// The business a dialect call acts for, and the key its rate limit counts against.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub business_id: i64,
    pub key_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// No credentials, or credentials that name no live key.
    Invalid,
    /// A valid key of a business that is not approved yet.
    NotApproved,
    /// The database failed.
    Internal,
}

/// Resolves a full token (`dpk_<key id>_<secret>`) the way the merchant API does.
pub(crate) async fn caller_for_token(state: &AppState, token: &str) -> Result<Caller, AuthFailure> {
    let owner = match state.keys.key_owner(&state.db, token).await {
        Ok(Some(owner)) => owner,
        Ok(None) => return Err(AuthFailure::Invalid),
        Err(err) => {
            tracing::error!(error = %err, "store error during dialect auth");
            return Err(AuthFailure::Internal);
        }
    };
    if owner.business_status != BusinessStatus::Approved {
        return Err(AuthFailure::NotApproved);
    }
    state
        .keys
        .touch(&state.db, &owner.key_id, state.now())
        .await;
    Ok(Caller {
        business_id: owner.business_id,
        key_id: owner.key_id,
    })
}

/// The per-key rate limit of SPEC §1.5, shared with the merchant API: a key has one quota
/// whichever dialect it calls through.
pub(crate) async fn check_limit(state: &AppState, caller: &Caller) -> Option<Decision> {
    state.limiter.check(&caller.key_id).await
}

/// Puts the rate-limit fields on a reply (when limiting is on).
pub(crate) fn with_limit(mut res: Response, limit: &Option<Decision>) -> Response {
    if let Some(decision) = limit {
        rate_limit::set_headers(res.headers_mut(), decision);
    }
    res
}

/// A JSON reply with this status.
pub(crate) fn json_reply(status: StatusCode, body: &Value) -> Response {
    let mut res = Response::new(Body::from(body.to_string()));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

/// A dialect's body as read, and whether it was declared JSON (the handler answers both in
/// its provider's shape).
pub struct RawJson {
    pub json: bool,
    pub bytes: Result<Bytes, BytesRejection>,
}

impl<S: Send + Sync> FromRequest<S> for RawJson {
    type Rejection = std::convert::Infallible;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = crate::envelope::is_json_request(req.headers());
        let bytes = Bytes::from_request(req, state).await;
        Ok(RawJson { json, bytes })
    }
}

/// Why a body could not be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Larger than `DEPOT_BODY_LIMIT_BYTES`.
    TooLarge,
    /// Not declared `application/json`.
    NotJson,
    /// Unreadable, empty, not JSON, or not the expected shape; the text says where.
    Invalid(String),
}

/// Parses a JSON body read by the handler itself ([`RawJson`]), naming the offending field
/// like the merchant API does (`data.cancellation.order_no: invalid type…`).
pub(crate) fn parse_body<T: DeserializeOwned>(body: RawJson) -> Result<T, BodyError> {
    let bytes = match body.bytes {
        Ok(bytes) => bytes,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(BodyError::TooLarge)
        }
        Err(_) => return Err(BodyError::Invalid("the body could not be read".into())),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::Invalid("a JSON body is required".into()));
    }
    if !body.json {
        return Err(BodyError::NotJson);
    }
    match crate::envelope::parse_json::<T>(&bytes) {
        Ok(value) => Ok(value),
        Err(err) => {
            let detail = err
                .detail
                .as_deref()
                .and_then(Value::as_object)
                .and_then(|fields| fields.iter().next())
                .map(|(field, messages)| {
                    let message = messages
                        .get(0)
                        .and_then(Value::as_str)
                        .unwrap_or("is invalid");
                    if field == "body" {
                        format!("malformed JSON: {message}")
                    } else {
                        format!("{field}: {message}")
                    }
                })
                .unwrap_or_else(|| "malformed JSON".to_string());
            Err(BodyError::Invalid(detail))
        }
    }
}

/// Of the shipments sharing a reference or an AWB, the one a provider means: the live one
/// (not superseded by a partial cancel's successor), newest first. `found` is newest first.
pub(crate) fn live_first(found: Vec<Shipment>) -> Option<Shipment> {
    let mut found = found;
    match found.iter().position(|s| s.superseded_by_id.is_none()) {
        Some(i) => Some(found.swap_remove(i)),
        None => found.into_iter().next(),
    }
}

/// Unix seconds as `2022-05-12T04:04:19Z` (UTC), for the Shipper 401 body.
pub(crate) fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// Seconds since the epoch from the system clock, for the few replies built without the
/// state (a caught panic).
pub(crate) fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_matches_the_seed_format() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_652_328_259), "2022-05-12T04:04:19Z");
        assert_eq!(iso8601(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }

    fn raw(bytes: Bytes) -> RawJson {
        RawJson {
            json: true,
            bytes: Ok(bytes),
        }
    }

    #[test]
    fn bodies_are_parsed_with_the_field_named() {
        #[derive(serde::Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            a: String,
        }
        assert_eq!(
            parse_body::<T>(raw(Bytes::from_static(b"  "))).unwrap_err(),
            BodyError::Invalid("a JSON body is required".into())
        );
        assert!(matches!(
            parse_body::<T>(raw(Bytes::from_static(b"{\"a\":"))),
            Err(BodyError::Invalid(m)) if m.starts_with("malformed JSON")
        ));
        assert!(matches!(
            parse_body::<T>(raw(Bytes::from_static(b"{\"a\":1}"))),
            Err(BodyError::Invalid(m)) if m.starts_with("a: invalid type")
        ));
        assert!(parse_body::<T>(raw(Bytes::from_static(b"{\"a\":\"x\",\"b\":2}"))).is_ok());
    }
}
