//! The operator console (`/console`, SPEC §11): the warehouse floor and customer support.
//! Same page rules and shared code as the portal (`depot-web`); every page takes
//! [`auth::ConsoleOperator`], which carries the operator's role and warehouses.

pub mod auth;
pub mod businesses;
pub mod carrier;
pub mod common;
pub mod floor_tabs;
pub mod home;
pub mod manifests;
pub mod nav;
pub mod operators;
pub mod pack;
pub mod pick;
pub mod receiving;
pub mod release;
pub mod returns;
pub mod signin;
pub mod stock;
pub mod warehouse;
pub mod waves;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use depot_api::AppState;
use depot_web::{Face, CONSOLE};

/// Every console page, relative to `/console`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(signin::login_page).post(signin::login))
        .route("/logout", get(signin::logout_page).post(signin::logout))
        .route(
            "/password",
            get(signin::password_page).post(signin::change_password),
        )
        .route("/businesses", get(businesses::list))
        .route("/businesses/{id}", get(businesses::detail))
        .route("/businesses/{id}/customer-type", post(businesses::set_type))
        .route("/businesses/{id}/api-keys", post(businesses::issue_key))
        .route("/businesses/{id}/{action}", post(businesses::act))
        .route("/operators", get(operators::list))
        // `/warehouses/{code}/` arrives without its slash (the server trims them).
        .route("/warehouses/{code}", get(warehouse::home))
        .route("/warehouses/{code}/receiving", get(receiving::show))
        .route(
            "/warehouses/{code}/receiving/{po_code}",
            post(receiving::complete),
        )
        .route("/warehouses/{code}/returns", get(returns::show))
        .route(
            "/warehouses/{code}/returns/{return_code}",
            post(returns::complete),
        )
        // The media command bounds the upload itself (`--media-limit-bytes`).
        .route(
            "/warehouses/{code}/returns/{return_code}/media",
            post(returns::attach).layer(DefaultBodyLimit::disable()),
        )
        .route("/warehouses/{code}/stock", get(stock::show))
        .route("/warehouses/{code}/stock/adjustments", post(stock::adjust))
        .route(
            "/warehouses/{code}/carrier-updates",
            get(carrier::show)
                .post(carrier::upload)
                .layer(DefaultBodyLimit::max(carrier::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route(
            "/warehouses/{code}/carrier-updates/intercepts/{tracking_code}",
            post(carrier::answer),
        )
        .merge(floor_tabs::routes())
}

/// The console as `depot_web::mount` takes it.
pub fn face() -> (Face, Router<AppState>) {
    (CONSOLE, router())
}
