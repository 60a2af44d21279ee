//! Recording events into the outbox (`events`), inside the caller's transaction, so an event
//! exists exactly when the change that caused it was committed.

use crate::{Result, Tx};
use depot_domain::status::StatusInfo;
use depot_domain::Lang;
use serde_json::Value;

/// Event codes (SPEC §3.7).
pub const PRODUCT_UPDATE_STOCK: &str = "product.update_stock";
pub const SHIPMENT_UPDATE_STATUS: &str = "shipment.update_status";
pub const RETURN_SHIPMENT_UPDATE_STATUS: &str = "return_shipment.update_status";
pub const PURCHASE_ORDER_UPDATE_STATUS: &str = "purchase_order.update_status";

pub const ALL_EVENT_CODES: &[&str] = &[
    PRODUCT_UPDATE_STOCK,
    SHIPMENT_UPDATE_STATUS,
    RETURN_SHIPMENT_UPDATE_STATUS,
    PURCHASE_ORDER_UPDATE_STATUS,
];

/// Records one event. `payload` renders the body for a language (status labels differ); it
/// gets `business_id`, `event_code` and `instance_id` added. Returns the instance id.
pub async fn record_event(
    tx: &mut Tx,
    business_id: i64,
    event_code: &str,
    now: i64,
    payload: impl Fn(Lang) -> Value,
) -> Result<String> {
    let instance_id = uuid::Uuid::now_v7().to_string();
    let render = |lang| {
        let mut body = payload(lang);
        if let Value::Object(map) = &mut body {
            map.insert("business_id".into(), business_id.into());
            map.insert("event_code".into(), event_code.into());
            map.insert("instance_id".into(), instance_id.clone().into());
        }
        body.to_string()
    };
    crate::sql::query(
        "INSERT INTO events (business_id, event_code, instance_id, payload_vi, payload_en, \
         created_time) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(business_id)
    .bind(event_code)
    .bind(&instance_id)
    .bind(render(Lang::Vi))
    .bind(render(Lang::En))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(instance_id)
}

/// The body of a `*.update_status` event: the object's detail plus `previous_status_info`
/// (null when the object was just created).
pub fn status_event(mut detail: Value, previous: Option<StatusInfo>) -> Value {
    detail["previous_status_info"] = previous
        .and_then(|p| serde_json::to_value(p).ok())
        .unwrap_or(Value::Null);
    detail
}
