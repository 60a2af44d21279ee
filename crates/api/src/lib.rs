//! Depot's HTTP surface.
//!
//! * `/api/v1` (also `/v1`): the merchant API, Onflow-compatible ([`merchant`]);
//! * `/ops/v1`: the operator API ([`ops`]);
//! * `/shipper`, `/ithink`, `/trendyol`: the providers' cancellation calls ([`dialects`]);
//! * `/healthz`, `/readyz`, `/openapi.json`, `/docs`.
//!
//! [`app`] builds the whole service; `depot serve` and the tests both call it.

pub mod auth;
pub mod background;
pub mod dialects;
pub mod envelope;
pub mod error;
pub mod error_docs;
pub mod files;
pub mod idempotency;
pub mod key_cache;
pub mod media;
pub mod merchant;
pub mod ops;
pub mod paging;
pub mod protocol;
pub mod ranged;
pub mod rate_limit;
pub mod reports;
pub mod text;
pub mod upload;
pub mod views;

use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{middleware, Router};
use background::Role;
use depot_domain::SharedClock;
use depot_store::coordination::Invalidations;
use depot_store::files::{FileStorage, LocalDirStorage};
use depot_store::{Backend, Db};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower::util::MapRequest;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// Settings the HTTP layer needs (see `depot serve --help` for each).
#[derive(Debug, Clone)]
pub struct Config {
    /// A fixed operator token (`DEPOT_OPS_TOKEN`), besides those issued by the CLI.
    pub ops_token: Option<String>,
    /// Requests per minute per API key; 0 switches limiting off.
    pub rate_limit_per_minute: u32,
    /// Largest JSON body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Where Depot is reached from outside, e.g. `https://depot.example.com`: the base of
    /// every URL Depot hands out (file URLs). No trailing slash.
    pub public_url: String,
    /// Largest file `POST /files/upload` accepts, in bytes.
    pub upload_limit_bytes: usize,
    /// The directory the local file storage keeps file bytes in.
    pub storage_dir: PathBuf,
    /// Largest evidence medium (video or photo) the operator upload accepts, in bytes.
    pub media_limit_bytes: usize,
    /// Days evidence media are kept after upload; housekeeping deletes older ones. 0 keeps
    /// them for ever.
    pub media_retention_days: u32,
    /// Days a finished report's file is kept; housekeeping deletes older ones. 0 keeps them
    /// for ever.
    pub report_retention_days: u32,
    /// Which webhook target addresses subscriptions may use (`DEPOT_WEBHOOK_ALLOW_PRIVATE`).
    pub webhook_policy: Arc<depot_webhooks::AddressPolicy>,
    /// This process's name in the job lease table (host, pid, random suffix).
    pub instance: String,
    /// How long a process that stops answering keeps its background jobs before another
    /// process takes them over.
    pub job_lease: Duration,
    /// How long a request head (request line and headers) may take to arrive once it has
    /// begun; then 408 `REQUEST_TIMEOUT` and the connection is closed.
    pub head_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ops_token: None,
            rate_limit_per_minute: 600,
            body_limit_bytes: 1024 * 1024,
            public_url: "http://127.0.0.1:8080".to_string(),
            upload_limit_bytes: 20 * 1024 * 1024,
            storage_dir: PathBuf::from("./depot-files"),
            media_limit_bytes: 500 * 1024 * 1024,
            media_retention_days: 90,
            report_retention_days: 7,
            webhook_policy: Arc::default(),
            instance: depot_store::coordination::process_identity(),
            job_lease: Duration::from_secs(15),
            head_timeout: Duration::from_secs(30),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: SharedClock,
    pub config: Arc<Config>,
    pub limiter: Arc<rate_limit::Limiter>,
    /// Where file bytes live (a local directory unless replaced with [`AppState::with_files`]).
    pub files: Arc<dyn FileStorage>,
    /// Recently seen approved API keys.
    pub keys: Arc<key_cache::KeyCache>,
    /// Cross-process invalidation: `subscribe` to forget cached entries when any process
    /// announces a change (`depot_store::coordination::invalidate`).
    pub invalidations: Arc<Invalidations>,
}

impl AppState {
    pub fn new(db: Db, clock: SharedClock, config: Config) -> AppState {
        // Several processes may share a PostgreSQL database, and so a key's quota.
        let limiter = Arc::new(match db.backend() {
            Backend::Postgres => {
                rate_limit::Limiter::shared(config.rate_limit_per_minute, db.clone())
            }
            Backend::Sqlite => rate_limit::Limiter::new(config.rate_limit_per_minute),
        });
        let files = Arc::new(LocalDirStorage::new(&config.storage_dir));
        let keys: Arc<key_cache::KeyCache> = Arc::default();
        let invalidations = Invalidations::new();
        let cache = keys.clone();
        invalidations.subscribe(move |inv| cache.on_invalidation(inv));
        AppState {
            db,
            clock,
            config: Arc::new(config),
            limiter,
            files,
            keys,
            invalidations,
        }
    }

    /// The same state over another file storage (an object store, say).
    pub fn with_files(mut self, files: Arc<dyn FileStorage>) -> AppState {
        self.files = files;
        self
    }

    /// The absolute URL of a path Depot serves, e.g. `/files/…`, under `public_url`.
    pub fn public_url(&self, path: &str) -> String {
        format!("{}{path}", self.config.public_url.trim_end_matches('/'))
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Depot",
        description = "Self-hostable fulfillment API. The merchant API is wire-compatible with \
                       the Onflow Open API; every path is served under both /api/v1 and /v1.",
        version = "1.0.3"
    ),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        openapi.info.license = None;
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("Authorization"))),
        );
        components.add_security_scheme(
            "ops_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "shipper_api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
        );
        components.add_security_scheme(
            "trendyol_basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

/// The merchant and operator routers, with their own layers, before the shared ones.
fn routes(state: &AppState) -> Router<AppState> {
    let (merchant, _) = merchant::router().split_for_parts();
    let merchant = merchant
        .layer(middleware::from_fn(text::uri_layer))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotency_layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::merchant_layer,
        ));
    let (ops, _) = ops::router().split_for_parts();
    let ops = ops.layer(middleware::from_fn(text::uri_layer));
    let (files, _) = files::router().split_for_parts();
    let files = files.layer(middleware::from_fn(text::uri_layer));
    let (media, _) = media::router().split_for_parts();
    let media = media.layer(middleware::from_fn(text::uri_layer));
    let (report_files, _) = reports::router().split_for_parts();
    let report_files = report_files.layer(middleware::from_fn(text::uri_layer));
    // The dialects carry their own auth, rate limit and error shapes: not behind the merchant
    // layer, and not under `/api/v1`.
    let (dialects, _) = dialects::router().split_for_parts();
    Router::new()
        .nest("/api/v1", merchant.clone())
        .nest("/v1", merchant)
        .nest("/ops/v1", ops)
        .merge(files)
        .merge(media)
        .merge(report_files)
        .merge(dialects)
}

/// The OpenAPI 3.1 document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, merchant_doc) = merchant::router().split_for_parts();
    let (_, ops_doc) = ops::router().split_for_parts();
    let (_, files_doc) = files::router().split_for_parts();
    let mut doc = ApiDoc::openapi();
    doc.merge(prefixed(merchant_doc, "/api/v1"));
    doc.merge(prefixed(ops_doc, "/ops/v1"));
    doc.merge(files_doc);
    doc.merge(media::router().split_for_parts().1);
    doc.merge(reports::router().split_for_parts().1);
    // Already under their real paths (`/shipper/…`, `/ithink/…`, `/trendyol/…`): the dialect
    // router nests each provider with utoipa-axum, which prefixes the documented paths too.
    let (_, dialects_doc) = dialects::router().split_for_parts();
    doc.merge(dialects_doc);
    utoipa::Modify::modify(&error_docs::ErrorReplies, &mut doc);
    doc
}

fn prefixed(mut doc: utoipa::openapi::OpenApi, prefix: &str) -> utoipa::openapi::OpenApi {
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(p, item)| (format!("{prefix}{p}"), item))
        .collect();
    doc
}

/// The whole service: routes, the envelope, request ids, logging, panics, trailing slashes.
pub fn app(state: AppState) -> MapRequest<Router, fn(Request) -> Request> {
    app_with(state, Router::new())
}

/// The whole service with `pages` (the web faces, see `depot-web`) merged in: they share the
/// request ids, log lines, panic catching and trailing-slash rule, and render their own
/// errors as HTML.
pub fn app_with(
    state: AppState,
    pages: Router<AppState>,
) -> MapRequest<Router, fn(Request) -> Request> {
    let router = routes(&state)
        .merge(pages)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(SwaggerUi::new("/docs").url("/openapi.json", openapi()));
    let router = with_common_layers(router, &state).with_state(state);
    tower::util::MapRequestLayer::new(trim_trailing_slash as fn(Request) -> Request).layer(router)
}

/// The layers every route shares: envelope for errors (including unknown routes, wrong
/// methods, oversize bodies and panics), request ids and one log line per request.
fn with_common_layers(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let request_id = HeaderName::from_static(envelope::REQUEST_ID_HEADER);
    router
        .fallback(envelope::not_found)
        .method_not_allowed_fallback(envelope::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(state.config.body_limit_bytes))
        .layer(CatchPanicLayer::custom(envelope::panic_response))
        .layer(middleware::from_fn(envelope::envelope_layer))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req
                        .headers()
                        .get(envelope::REQUEST_ID_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// `/api/v1/warehouses/` is `/api/v1/warehouses` (SPEC §1.9). The docs UI keeps its own
/// trailing slash: it serves `/docs/` and redirects `/docs` there.
fn trim_trailing_slash(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') && !path.starts_with("/docs") {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let new = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = new.parse() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// How long `/readyz` waits for the database before saying it is unreachable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// 200 while the database answers, 503 while it does not (a load balancer drains the
/// process); the pool reconnects by itself when the database is back.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(true) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
    }
}

/// What a `--role worker` process answers: its health, nothing else.
fn health_app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .fallback(envelope::not_found)
        .layer(middleware::from_fn(envelope::envelope_layer))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight requests;
/// runs the background jobs beside it (the `all` role).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, Router::new(), shutdown).await
}

/// [`serve`] with the web faces (`pages`) beside the API.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    pages: Router<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_role(listener, state, pages, Role::All, shutdown).await
}

/// [`serve`] for one [`Role`]: the API, the background jobs of [`background::scheduler`],
/// or both, with the web faces (`pages`) beside the API. Every role listens for invalidations (its caches) and answers health checks.
pub async fn serve_role(
    listener: tokio::net::TcpListener,
    state: AppState,
    pages: Router<AppState>,
    role: Role,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let wait_for = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let invalidations = tokio::spawn(
        state
            .invalidations
            .clone()
            .run(state.db.clone(), wait_for(stopped.clone())),
    );
    let jobs = role
        .runs_workers()
        .then(|| tokio::spawn(background::scheduler(&state).run(wait_for(stopped.clone()))));
    // This process's own memory: forget rate-limit keys idle long enough to be full again.
    let limiter = state.limiter.clone();
    let sweeper = tokio::spawn(async move {
        let mut tick = tokio::time::interval(background::HOUSEKEEPING_EVERY);
        loop {
            tick.tick().await;
            limiter.shrink();
        }
    });
    let state_head_timeout = state.config.head_timeout;
    let router = if role.serves_api() {
        axum::ServiceExt::<Request>::into_make_service(app_with(state, pages))
    } else {
        let health =
            tower::util::MapRequestLayer::new(trim_trailing_slash as fn(Request) -> Request)
                .layer(health_app(state));
        axum::ServiceExt::<Request>::into_make_service(health)
    };
    // Read through the guard, so refusals below HTTP (414, 431, 408) get the envelope too.
    let listener = protocol::GuardedListener {
        inner: listener,
        head_timeout: state_head_timeout,
    };
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
    // Background jobs give their leases back, so another process takes them at once.
    let _ = stop.send(true);
    if let Some(jobs) = jobs {
        let _ = jobs.await;
    }
    let _ = invalidations.await;
    sweeper.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("boom")
    }

    /// A panicking handler answers the envelope's 500 and the service keeps serving.
    #[tokio::test]
    async fn a_panic_answers_500_in_the_envelope() {
        let db = Db::connect("sqlite::memory:", &Default::default())
            .await
            .unwrap();
        let state = AppState::new(
            db,
            std::sync::Arc::new(depot_domain::clock::SystemClock),
            Config::default(),
        );
        let router: Router<AppState> = Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "fine" }));
        let app = with_common_layers(router, &state).with_state(state);

        let res = app
            .clone()
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let request_id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error_code"], "INTERNAL_SERVER_ERROR");
        assert_eq!(body["log_id"], request_id.as_str());
        assert_eq!(body["data"], serde_json::Value::Null);

        let res = app
            .oneshot(Request::get("/fine").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}
