//! The merchant API (`/api/v1` and `/v1`), wire-compatible with the Onflow Open API.
//! Every handler takes [`crate::auth::Merchant`] and scopes its queries to that business.

pub mod config;
pub mod products;
pub mod shipments;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(config::warehouses))
        .routes(routes!(config::brands))
        .routes(routes!(config::provinces))
        .routes(routes!(config::districts))
        .routes(routes!(config::wards))
        .routes(routes!(products::create_product))
        .routes(routes!(products::assign_product))
        .routes(routes!(products::list_products))
        .routes(routes!(products::product_detail))
        .routes(routes!(products::deactivate_product))
        .routes(routes!(products::stock))
        .routes(routes!(shipments::create_shipment))
        .routes(routes!(shipments::list_shipments))
        .routes(routes!(shipments::shipment_detail))
        .routes(routes!(shipments::b2c_shipment_detail))
        .routes(routes!(shipments::cancel_shipment))
        .routes(routes!(shipments::bulk_cancel))
}
