//! The operator console (`/console`, SPEC §11): the warehouse floor and customer support.
//! Same page rules and shared code as the portal (`depot-web`); every page takes
//! [`auth::ConsoleOperator`], which carries the operator's role and warehouses.

pub mod auth;
pub mod floor_tabs;
pub mod home;
pub mod manifests;
pub mod nav;
pub mod pack;
pub mod pick;
pub mod release;
pub mod signin;
pub mod waves;

use axum::routing::get;
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
        .merge(floor_tabs::routes())
}

/// The console as `depot_web::mount` takes it.
pub fn face() -> (Face, Router<AppState>) {
    (CONSOLE, router())
}
