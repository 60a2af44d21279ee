//! Mounting the faces (the merchant portal and the operator console): [`mount`] gives each
//! the same layers, in this order from the outside in:
//!
//! security headers → language → error pages → session → cross-site check → the face's routes
//!
//! so no page can skip any of them.

use crate::csrf::{csrf_layer, CsrfConfig};
use crate::error::{error_pages, PageError};
use crate::face::Face;
use crate::headers::{security_headers, HeaderConfig};
use crate::lang::lang_layer;
use crate::session::DbSessionStore;
use axum::{middleware, Extension, Router};
use depot_api::AppState;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Settings of the web faces (see `depot serve --help`).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// A session idle this long ends (12 hours by default).
    pub session_idle_seconds: i64,
    /// Where browsers reach Depot (`--public-url`): its origin is the one forms may come from,
    /// and https makes cookies `Secure`.
    pub public_url: String,
}

impl WebConfig {
    pub fn new(public_url: &str) -> WebConfig {
        WebConfig {
            session_idle_seconds: 12 * 3600,
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Every face under its prefix with the shared layers, plus `/static/…`.
pub fn mount(
    state: &AppState,
    config: &WebConfig,
    faces: Vec<(Face, Router<AppState>)>,
) -> Router<AppState> {
    let mut pages = Router::new().merge(crate::assets::router());
    let csrf = CsrfConfig::new(&config.public_url);
    for (face, routes) in faces {
        let store = DbSessionStore::new(
            state.db.clone(),
            state.clock.clone(),
            config.session_idle_seconds,
        );
        let sessions = SessionManagerLayer::new(store)
            .with_name(face.cookie)
            .with_path(face.prefix)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(config.https())
            .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
                config.session_idle_seconds,
            )))
            // Every request moves the idle expiry forward.
            .with_always_save(true);
        let routes = routes
            .fallback(|| async { PageError::NotFound })
            .layer(middleware::from_fn_with_state(csrf.clone(), csrf_layer))
            .layer(sessions)
            // The API's text rule for the address (as a 400 page), before a session is read.
            .layer(middleware::from_fn(depot_api::text::uri_layer))
            .layer(middleware::from_fn(error_pages))
            .layer(Extension(face))
            .layer(middleware::from_fn(lang_layer))
            .with_state(state.clone());
        // A service of its own: the API's fallbacks (JSON 404 and 405) never reach inside a
        // face, which answers every error as an HTML page through its own layers.
        pages = pages.nest_service(face.prefix, routes);
    }
    pages.layer(middleware::from_fn_with_state(
        HeaderConfig {
            https: config.https(),
        },
        security_headers,
    ))
}
