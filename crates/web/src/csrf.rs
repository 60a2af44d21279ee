//! Cross-site request protection for every request that can change something (any method but
//! GET, HEAD and OPTIONS), applied by [`csrf_layer`] around every face, so no form can forget
//! it. Two independent checks, both must pass:
//!
//! 1. **Where it comes from.** A browser's `Sec-Fetch-Site` must be `same-origin` (or `none`:
//!    typed by the user); without it, an `Origin` header must be Depot's own (the public URL's
//!    origin, or the request's own host). A request carrying neither is judged by the token.
//! 2. **The session's token.** The session's random token must come back as the form field
//!    `csrf` (URL-encoded forms), the `X-CSRF-Token` header (scripts, htmx) or, for
//!    `multipart/form-data` uploads only, the `csrf` query parameter.

use crate::error::PageError;
use crate::session::WebSession;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

/// The largest form body read for its token (uploads are not read here).
const FORM_LIMIT: usize = 2 * 1024 * 1024;
pub const FIELD: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone)]
pub struct CsrfConfig {
    /// `scheme://host[:port]` of `--public-url`.
    public_origin: String,
}

impl CsrfConfig {
    pub fn new(public_url: &str) -> CsrfConfig {
        CsrfConfig {
            public_origin: origin_of(public_url),
        }
    }

    fn origin_allowed(&self, origin: &str, headers: &HeaderMap) -> bool {
        if origin.eq_ignore_ascii_case(&self.public_origin) {
            return true;
        }
        // The page came from the host this request was sent to (either scheme: a proxy may
        // terminate TLS).
        let host = headers.get(HOST).and_then(|h| h.to_str().ok());
        match (host, origin.split_once("://")) {
            (Some(host), Some((scheme, rest))) => {
                (scheme == "http" || scheme == "https") && rest.eq_ignore_ascii_case(host)
            }
            _ => false,
        }
    }
}

/// `https://depot.example.com/x` → `https://depot.example.com`.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split('/').next().unwrap_or(rest);
            format!(
                "{}://{}",
                scheme.to_ascii_lowercase(),
                host.to_ascii_lowercase()
            )
        }
        None => url.to_string(),
    }
}

/// Why a request was refused (logged; the page only says it was refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    CrossSite,
    ForeignOrigin,
    MissingToken,
    WrongToken,
}

/// Checks the request's provenance headers.
pub fn check_provenance(config: &CsrfConfig, headers: &HeaderMap) -> Result<(), Refusal> {
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.to_str().unwrap_or("") {
            "same-origin" | "none" => Ok(()),
            _ => Err(Refusal::CrossSite),
        };
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        if !config.origin_allowed(origin, headers) {
            return Err(Refusal::ForeignOrigin);
        }
    }
    Ok(())
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded_pairs(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

pub async fn csrf_layer(State(config): State<CsrfConfig>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if let Err(why) = check_provenance(&config, req.headers()) {
        tracing::warn!(?why, path = %req.uri().path(), "cross-site request refused");
        return PageError::CsrfRefused.into_response();
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return PageError::Internal.into_response();
    };
    let expected = match WebSession::new(session).existing_csrf_token().await {
        Ok(token) => token,
        Err(e) => return e.into_response(),
    };
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let header = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (req, provided) = if header.is_some() {
        (req, header)
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = req.into_parts();
        let bytes: Bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
            Ok(b) => b,
            Err(_) => return PageError::BadRequest.into_response(),
        };
        let provided = field(&bytes, FIELD);
        (Request::from_parts(parts, Body::from(bytes)), provided)
    } else if content_type.starts_with("multipart/form-data") {
        let provided = field(req.uri().query().unwrap_or("").as_bytes(), FIELD);
        (req, provided)
    } else {
        (req, None)
    };
    let verdict = match (expected, provided) {
        (Some(expected), Some(provided)) if same(&expected, &provided) => Ok(()),
        (_, None) => Err(Refusal::MissingToken),
        _ => Err(Refusal::WrongToken),
    };
    if let Err(why) = verdict {
        tracing::warn!(?why, path = %req.uri().path(), "form token refused");
        return PageError::CsrfRefused.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn provenance() {
        let config = CsrfConfig::new("https://depot.example.com/");
        let mut h = HeaderMap::new();
        assert_eq!(check_provenance(&config, &h), Ok(()));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert_eq!(check_provenance(&config, &h), Err(Refusal::CrossSite));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert_eq!(check_provenance(&config, &h), Err(Refusal::CrossSite));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert_eq!(check_provenance(&config, &h), Ok(()));
        let mut h = HeaderMap::new();
        h.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert_eq!(check_provenance(&config, &h), Err(Refusal::ForeignOrigin));
        h.insert(
            ORIGIN,
            HeaderValue::from_static("https://DEPOT.example.com"),
        );
        assert_eq!(check_provenance(&config, &h), Ok(()));
        h.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert_eq!(check_provenance(&config, &h), Ok(()));
        h.insert(ORIGIN, HeaderValue::from_static("null"));
        assert_eq!(check_provenance(&config, &h), Err(Refusal::ForeignOrigin));
    }

    #[test]
    fn tokens() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert_eq!(field(b"a=1&csrf=x%2By", "csrf").as_deref(), Some("x+y"));
    }
}
