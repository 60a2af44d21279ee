//! The pieces of the `depot` binary the tests share: which web faces the server mounts.

use depot_api::AppState;
use depot_web::WebConfig;

/// The web faces: the merchant portal (`/portal`) and the operator console (`/console`),
/// with the layers `depot_web::mount` gives every face. A new face is one more entry here.
pub fn pages(state: &AppState, config: &WebConfig) -> axum::Router<AppState> {
    depot_web::mount(
        state,
        config,
        vec![depot_portal::face(), depot_console::face()],
    )
}
