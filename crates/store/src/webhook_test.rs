//! "Send test event": a `webhook.test` event recorded for one subscription only. It goes
//! through the outbox and the worker like any event (signed, retried, in the delivery log),
//! but the fan-out gives it to its target alone, whatever that subscription's event filter.

use crate::{Db, Result};
use serde::Serialize;

pub const WEBHOOK_TEST: &str = "webhook.test";

#[derive(Serialize)]
struct TestPayload<'a> {
    webhook_id: i64,
    url: &'a str,
    message: &'a str,
    created_time: i64,
}

impl Db {
    /// Records a test event for subscription `webhook_id` of the business; returns its
    /// `instance_id` (the `webhook-id` the receiver sees), or None when the business has no
    /// such subscription.
    pub async fn send_webhook_test(
        &self,
        business_id: i64,
        webhook_id: i64,
        now: i64,
    ) -> Result<Option<String>> {
        let Some(hook) = self.webhook(business_id, webhook_id, now).await? else {
            return Ok(None);
        };
        let instance_id = uuid::Uuid::now_v7().to_string();
        let body = |message: &str| {
            let mut value = serde_json::to_value(TestPayload {
                webhook_id,
                url: &hook.url,
                message,
                created_time: now,
            })
            .expect("a test payload serialises");
            if let Some(map) = value.as_object_mut() {
                map.insert("business_id".into(), business_id.into());
                map.insert("event_code".into(), WEBHOOK_TEST.into());
                map.insert("instance_id".into(), instance_id.clone().into());
            }
            value.to_string()
        };
        crate::sql::query(
            "INSERT INTO events (business_id, event_code, instance_id, payload_vi, payload_en, \
               created_time, target_endpoint_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(business_id)
        .bind(WEBHOOK_TEST)
        .bind(&instance_id)
        .bind(body("Sự kiện thử từ Depot"))
        .bind(body("Test event from Depot"))
        .bind(now)
        .bind(webhook_id)
        .execute(self.writer())
        .await?;
        Ok(Some(instance_id))
    }
}
