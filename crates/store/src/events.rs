//! Recording events into the outbox (`events`), inside the caller's transaction, so an event
//! exists exactly when the change that caused it was committed.

use crate::sql::value_rows;
use crate::{Result, Tx};
use depot_domain::status::StatusInfo;
use depot_domain::Lang;
use serde::Serialize;

/// Event codes (SPEC §3.7).
pub const PRODUCT_UPDATE_STOCK: &str = "product.update_stock";
pub const SHIPMENT_UPDATE_STATUS: &str = "shipment.update_status";
pub const RETURN_SHIPMENT_UPDATE_STATUS: &str = "return_shipment.update_status";
pub const PURCHASE_ORDER_UPDATE_STATUS: &str = "purchase_order.update_status";
/// Evidence media recorded for a shipment or a return (SPEC §9).
pub const MEDIA_ADDED: &str = "media.added";
/// A change of a shipment's intercept request (SPEC §7).
pub const SHIPMENT_INTERCEPT: &str = "shipment.intercept";

pub const ALL_EVENT_CODES: &[&str] = &[
    PRODUCT_UPDATE_STOCK,
    SHIPMENT_UPDATE_STATUS,
    RETURN_SHIPMENT_UPDATE_STATUS,
    PURCHASE_ORDER_UPDATE_STATUS,
    MEDIA_ADDED,
    SHIPMENT_INTERCEPT,
];

/// An event rendered and ready to be written: one body per language (status labels
/// differ), each with `business_id`, `event_code` and `instance_id` added.
pub struct PendingEvent {
    business_id: i64,
    event_code: &'static str,
    instance_id: String,
    payload_vi: String,
    payload_en: String,
}

impl PendingEvent {
    /// Renders `payload` (an object) in each language, with the common fields appended.
    pub fn new<B: Serialize>(
        business_id: i64,
        event_code: &'static str,
        payload: impl Fn(Lang) -> B,
    ) -> Self {
        let instance_id = uuid::Uuid::now_v7().to_string();
        let body = |lang| render(payload(lang), business_id, event_code, &instance_id);
        PendingEvent {
            business_id,
            event_code,
            payload_vi: body(Lang::Vi),
            payload_en: body(Lang::En),
            instance_id,
        }
    }

    /// An event whose body is the same in every language (no labels), rendered once.
    pub fn uniform<B: Serialize>(business_id: i64, event_code: &'static str, payload: B) -> Self {
        let instance_id = uuid::Uuid::now_v7().to_string();
        let body = render(payload, business_id, event_code, &instance_id);
        PendingEvent {
            business_id,
            event_code,
            instance_id,
            payload_en: body.clone(),
            payload_vi: body,
        }
    }
}

/// One event body as JSON text: the payload's own fields, then the common ones.
fn render<B: Serialize>(
    payload: B,
    business_id: i64,
    event_code: &str,
    instance_id: &str,
) -> String {
    serde_json::to_string(&Body {
        payload,
        business_id,
        event_code,
        instance_id,
    })
    .expect("an event body serialises")
}

/// What every event body carries after its own fields.
#[derive(Serialize)]
struct Body<'a, B> {
    #[serde(flatten)]
    payload: B,
    business_id: i64,
    event_code: &'a str,
    instance_id: &'a str,
}

/// Records one event. `payload` renders the body for a language. Returns the instance id.
pub async fn record_event<B: Serialize>(
    tx: &mut Tx,
    business_id: i64,
    event_code: &'static str,
    now: i64,
    payload: impl Fn(Lang) -> B,
) -> Result<String> {
    let event = PendingEvent::new(business_id, event_code, payload);
    let instance_id = event.instance_id.clone();
    record_events(tx, vec![event], now).await?;
    Ok(instance_id)
}

/// Records events in order, a few hundred per statement.
pub async fn record_events(tx: &mut Tx, events: Vec<PendingEvent>, now: i64) -> Result<()> {
    const COLUMNS: usize = 6;
    for chunk in events.chunks(200) {
        let sql = format!(
            "INSERT INTO events (business_id, event_code, instance_id, payload_vi, payload_en, \
             created_time) VALUES {}",
            value_rows(1, COLUMNS, chunk.len())
        );
        let mut insert = crate::sql::query(&sql);
        for e in chunk {
            insert = insert
                .bind(e.business_id)
                .bind(e.event_code)
                .bind(e.instance_id.as_str())
                .bind(e.payload_vi.as_str())
                .bind(e.payload_en.as_str())
                .bind(now);
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The body of a `*.update_status` event: the object's detail plus `previous_status_info`
/// (null when the object was just created).
pub fn status_event<D: Serialize>(detail: D, previous: Option<StatusInfo>) -> StatusEvent<D> {
    StatusEvent {
        detail,
        previous_status_info: previous,
    }
}

#[derive(Serialize)]
pub struct StatusEvent<D> {
    #[serde(flatten)]
    detail: D,
    previous_status_info: Option<StatusInfo>,
}
