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
        .merge(floor_routes())
}

/// The console as `depot_web::mount` takes it.
pub fn face() -> (Face, Router<AppState>) {
    (CONSOLE, router())
}

/// The routes of the floor's release, wave, pick, pack and manifest pages (relative to
/// `/console`).
fn floor_routes() -> axum::Router<depot_api::AppState> {
    use axum::routing::{get, post};
    const W: &str = "/warehouses/{code}";
    axum::Router::new()
        .route(
            &format!("{W}/release"),
            get(crate::release::release_page).post(crate::release::release),
        )
        .route(
            &format!("{W}/waves/{{wave_id}}"),
            get(crate::waves::wave_page),
        )
        .route(
            &format!("{W}/waves/{{wave_id}}/pick-list"),
            get(crate::waves::pick_list),
        )
        .route(
            &format!("{W}/pick"),
            get(crate::pick::pick_page).post(crate::pick::pick),
        )
        .route(&format!("{W}/pack"), get(crate::pack::pack_page))
        .route(&format!("{W}/pack/scan"), post(crate::pack::scan))
        .route(&format!("{W}/pack/done"), post(crate::pack::done))
        // The media command bounds the upload itself (`--media-limit-bytes`).
        .route(
            &format!("{W}/pack/{{tracking_code}}/media"),
            post(crate::pack::attach).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            &format!("{W}/shipments/{{tracking_code}}/label"),
            get(crate::pack::label),
        )
        .route(
            &format!("{W}/manifests"),
            get(crate::manifests::list_page).post(crate::manifests::create),
        )
        .route(
            &format!("{W}/manifests/{{manifest_id}}"),
            get(crate::manifests::detail_page),
        )
        .route(
            &format!("{W}/manifests/{{manifest_id}}/parcels"),
            post(crate::manifests::add_parcel),
        )
        .route(
            &format!("{W}/manifests/{{manifest_id}}/close"),
            post(crate::manifests::close),
        )
        .route(
            &format!("{W}/manifests/{{manifest_id}}/document"),
            get(crate::manifests::document),
        )
}
