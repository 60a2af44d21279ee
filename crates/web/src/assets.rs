//! Stylesheet, our small script and the vendored htmx, compiled into the binary and served at
//! `/static/…`. Pages link them with `?v=<hash of the assets>`, so a new build is fetched at
//! once while browsers may keep an asset for a year.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const PREFIX: &str = "/static/";
pub const HTMX: &str = "htmx-2.0.11.min.js";

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "depot.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/depot.css"),
    ),
    (
        "depot.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/depot.js"),
    ),
    (
        HTMX,
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/htmx-2.0.11.min.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
];

/// A short hash of every asset: the `?v=` of their links.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hash = Sha256::new();
        for (name, _, bytes) in FILES {
            hash.update(name.as_bytes());
            hash.update(bytes);
        }
        hex::encode(&hash.finalize()[..6])
    })
}

/// The routes of `/static/{file}`.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/static/{file}", get(asset))
}

async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (CONTENT_TYPE, *content_type),
                (CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *bytes,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            "not found",
        )
            .into_response(),
    }
}
