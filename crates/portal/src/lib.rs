//! The merchant portal (`/portal`, SPEC §10): Onflow's OMS for people, server-rendered.
//!
//! Pages are axum handlers that take an auth extractor ([`auth::PortalUser`] and friends),
//! call the operation the API uses, and render an askama template that extends the shared
//! `layout.html` of `depot-web`. [`router`] lists every page; `depot_web::mount` gives them
//! sessions, cross-site protection, security headers, the language switch and HTML errors.

pub mod auth;
pub mod catalog;
pub mod dashboard;
pub mod developer;
pub mod home;
pub mod import;
pub mod nav;
pub mod product_import;
pub mod products;
pub mod purchase_orders;
pub mod register;
pub mod reports;
pub mod returns;
pub mod shipments;
pub mod signin;
pub mod stock;
pub mod videos;
pub mod webhooks;

use axum::routing::{get, post};
use axum::Router;
use depot_api::AppState;
use depot_web::{Face, PORTAL};

/// Every portal page, relative to `/portal`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route(
            "/register",
            get(register::register_page).post(register::register),
        )
        .route("/login", get(signin::login_page).post(signin::login))
        .route("/logout", get(signin::logout_page).post(signin::logout))
        .route(
            "/password",
            get(signin::password_page).post(signin::change_password),
        )
        .route("/developer", get(developer::show))
        .route("/developer/keys", post(developer::generate))
        .route("/developer/keys/{key_id}/reset", post(developer::reset))
        .route("/developer/keys/{key_id}/revoke", post(developer::revoke))
        .route("/webhooks", get(webhooks::index).post(webhooks::create))
        .route("/webhooks/{id}", get(webhooks::show))
        .route("/webhooks/{id}/rotate", post(webhooks::rotate))
        .route("/webhooks/{id}/enable", post(webhooks::enable))
        .route("/webhooks/{id}/disable", post(webhooks::disable))
        .route("/webhooks/{id}/delete", post(webhooks::delete))
        .route("/webhooks/{id}/test", post(webhooks::send_test))
        .route(
            "/webhooks/deliveries/{delivery_id}/replay",
            post(webhooks::replay),
        )
        .route("/reports", get(reports::index).post(reports::create))
        .route("/reports/rows", get(reports::rows_fragment))
        .route("/videos", get(videos::index))
        // The catalog side of the OMS (OMS_USER only).
        .route("/products", get(products::index).post(products::create))
        .route(
            "/products/import",
            get(product_import::page).post(product_import::check),
        )
        .route(
            "/products/import/template.csv",
            get(product_import::template),
        )
        .route("/products/import/confirm", post(product_import::confirm))
        .route("/products/{oasin}", get(products::show))
        .route("/products/{oasin}/assign", post(products::assign))
        .route("/products/{oasin}/deactivate", post(products::deactivate))
        .route("/stock", get(stock::index))
        .route(
            "/purchase-orders",
            get(purchase_orders::index).post(purchase_orders::create),
        )
        .route("/purchase-orders/{po_code}", get(purchase_orders::show))
        .route(
            "/purchase-orders/{po_code}/bill",
            get(purchase_orders::bill),
        )
        .route(
            "/purchase-orders/{po_code}/cancel",
            post(purchase_orders::cancel),
        )
        .route("/returns", get(returns::index).post(returns::create))
        .route("/returns/{return_tracking_code}", get(returns::show))
        .route(
            "/returns/{return_tracking_code}/cancel",
            post(returns::cancel),
        )
        .route("/shipments", get(shipments::index))
        .route("/shipments/cancel", post(shipments::bulk_cancel))
        .route(
            "/shipments/new",
            get(shipments::new_form).post(shipments::create),
        )
        .route("/shipments/import", get(import::show).post(import::check))
        .route("/shipments/import/template.csv", get(import::template))
        .route("/shipments/import/confirm", post(import::confirm))
        .route("/shipments/{tracking_code}", get(shipments::show))
        .route("/shipments/{tracking_code}/cancel", post(shipments::cancel))
        .route(
            "/shipments/{tracking_code}/intercept",
            post(shipments::intercept),
        )
}

/// The portal as `depot_web::mount` takes it.
pub fn face() -> (Face, Router<AppState>) {
    (PORTAL, router())
}
