//! Security headers on every page and asset: a CSP that allows no inline script or style and
//! no framing, plus the usual companions. Pages are never cached (they carry private data and
//! one-time secrets).

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Script and style only from Depot itself (no inline code, no eval), images also as data:
/// URLs (server-drawn charts), media from Depot (videos), forms only to Depot, never framed.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; media-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

#[derive(Clone, Copy)]
pub struct HeaderConfig {
    /// Sent over https (`--public-url https://…`): add Strict-Transport-Security.
    pub https: bool,
}

pub async fn security_headers(
    State(config): State<HeaderConfig>,
    req: Request,
    next: Next,
) -> Response {
    let is_asset = req.uri().path().starts_with(crate::assets::PREFIX);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    );
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    if !is_asset {
        set(header::CACHE_CONTROL, "no-store");
    }
    if config.https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    res
}
