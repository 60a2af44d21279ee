//! The merchant API (`/api/v1` and `/v1`), wire-compatible with the Onflow Open API.
//! Every handler takes [`crate::auth::Merchant`] and scopes its queries to that business.

pub mod config;
pub mod files;
pub mod intercept;
pub mod media;
pub mod products;
pub mod purchase_orders;
pub mod returns;
pub mod shipments;
pub mod webhooks;

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
        .routes(routes!(intercept::intercept_shipment))
        .routes(routes!(intercept::bulk_intercept))
        .routes(routes!(purchase_orders::create_po))
        .routes(routes!(purchase_orders::list_pos))
        .routes(routes!(purchase_orders::po_detail))
        .routes(routes!(purchase_orders::inspection_list))
        .routes(routes!(purchase_orders::cancel_po))
        .routes(routes!(purchase_orders::export_po_bill))
        .routes(routes!(returns::create_return))
        .routes(routes!(returns::list_returns))
        .routes(routes!(returns::return_detail))
        .routes(routes!(returns::cancel_return))
        .routes(routes!(media::shipment_media))
        .routes(routes!(media::return_media))
        .merge(files::router())
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::get_one, webhooks::delete))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::enable))
        .routes(routes!(webhooks::disable))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::retry_delivery))
        .routes(routes!(webhooks::send_test))
}
