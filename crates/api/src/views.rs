//! Reply types shared by the merchant and the operator routes, kept apart from both so
//! neither face imports the other.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Shipment detail (SPEC §3.4), rendered by the store so webhooks carry the same shape.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct ShipmentView(pub Value);
