//! Webhooks (SPEC §3.7): subscriptions, deliveries and the attempt log.
//!
//! The worker (crate `depot-webhooks`) drives three steps, none of which holds a transaction
//! open across a network call:
//! 1. [`Db::dispatch_events`] fans undispatched outbox events out into one delivery per
//!    matching subscription and marks the events dispatched, in one transaction;
//! 2. [`Db::claim_deliveries`] leases due deliveries (`lease_until`, `lease_token`) in one
//!    statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so two processes never hold the same
//!    delivery at once, and a crashed worker's lease simply runs out;
//! 3. [`Db::record_attempts`] writes the outcome of the HTTP calls, guarded by the lease token.

use crate::list::{Cursor, Filter, PageOf, PageRequest};
use crate::sql::Row;
use crate::{opt_i64, Backend, Db, Result};
use depot_domain::Lang;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookStatus {
    Enabled,
    Disabled,
}

/// Why a subscription is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DisabledReason {
    /// The endpoint answered `410 Gone`.
    Gone,
    /// No successful delivery for the configured number of days while attempts kept failing.
    Failing,
    /// The merchant disabled it.
    Manual,
}

impl DisabledReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DisabledReason::Gone => "GONE",
            DisabledReason::Failing => "FAILING",
            DisabledReason::Manual => "MANUAL",
        }
    }
    fn parse(s: &str) -> Option<DisabledReason> {
        match s {
            "GONE" => Some(DisabledReason::Gone),
            "FAILING" => Some(DisabledReason::Failing),
            "MANUAL" => Some(DisabledReason::Manual),
            _ => None,
        }
    }
}

/// A subscription as the merchant sees it (the secret is shown only when created or rotated).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// The event codes delivered; empty means every event.
    pub events: Vec<String>,
    /// Language of the payloads' labels: `vi` or `en`.
    #[schema(value_type = String, example = "vi")]
    pub language: Lang,
    pub status: WebhookStatus,
    pub disabled_reason: Option<DisabledReason>,
    pub disabled_time: Option<i64>,
    /// First failed attempt since the last success; null while healthy.
    pub failing_since: Option<i64>,
    pub last_success_time: Option<i64>,
    /// Until when the secret before the last rotation still signs (null when none does).
    pub previous_secret_expires_time: Option<i64>,
    pub created_time: i64,
    pub updated_time: i64,
}

impl Webhook {
    fn from_row(r: &Row, now: i64) -> Result<Webhook> {
        let all_events: i64 = r.try_get("all_events")?;
        let _ = all_events;
        let status: String = r.try_get("status")?;
        let reason: Option<String> = r.try_get("disabled_reason")?;
        let expires = opt_i64(r, "previous_secret_expires")?.filter(|t| *t > now);
        Ok(Webhook {
            id: r.try_get("id")?,
            url: r.try_get("url")?,
            events: Vec::new(),
            language: Lang::parse(&r.try_get::<String, _>("language")?).unwrap_or_default(),
            status: if status == "ENABLED" {
                WebhookStatus::Enabled
            } else {
                WebhookStatus::Disabled
            },
            disabled_reason: reason.as_deref().and_then(DisabledReason::parse),
            disabled_time: opt_i64(r, "disabled_time")?,
            failing_since: opt_i64(r, "failing_since")?,
            last_success_time: opt_i64(r, "last_success_time")?,
            previous_secret_expires_time: expires,
            created_time: r.try_get("created_time")?,
            updated_time: r.try_get("updated_time")?,
        })
    }
}

fn lang_str(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "vi",
        Lang::En => "en",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or for its endpoint to be enabled again).
    Pending,
    Succeeded,
    /// Every attempt of the schedule failed.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "PENDING",
            DeliveryStatus::Succeeded => "SUCCEEDED",
            DeliveryStatus::Failed => "FAILED",
        }
    }
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s.to_ascii_uppercase().as_str() {
            "PENDING" => Some(DeliveryStatus::Pending),
            "SUCCEEDED" => Some(DeliveryStatus::Succeeded),
            "FAILED" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// One HTTP attempt of a delivery, for the delivery log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub attempt: i64,
    /// `SCHEDULED` or `MANUAL` (a merchant's retry).
    pub trigger: String,
    pub attempt_time: i64,
    /// The receiver's HTTP status; null when no reply came (timeout, refused, blocked).
    pub http_status: Option<i64>,
    pub duration_ms: i64,
    /// The start of the reply's body (at most 1 KiB).
    pub response_snippet: Option<String>,
    /// Why the attempt failed without an HTTP reply, or why a reply did not count.
    pub error: Option<String>,
}

/// One event for one subscription.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub delivery_id: i64,
    /// The subscription.
    pub webhook_id: i64,
    pub event_code: String,
    /// The event's `instance_id`, sent as the `webhook-id` header on every attempt.
    pub instance_id: String,
    pub status: DeliveryStatus,
    pub attempt_count: i64,
    /// When the next attempt is due; null unless PENDING.
    pub next_attempt_time: Option<i64>,
    pub last_attempt_time: Option<i64>,
    pub last_http_status: Option<i64>,
    pub created_time: i64,
    pub updated_time: i64,
    /// Every attempt, oldest first.
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    fn from_row(r: &Row) -> Result<Delivery> {
        let status = DeliveryStatus::parse(&r.try_get::<String, _>("status")?)
            .unwrap_or(DeliveryStatus::Pending);
        let next: i64 = r.try_get("next_attempt_time")?;
        Ok(Delivery {
            delivery_id: r.try_get("id")?,
            webhook_id: r.try_get("endpoint_id")?,
            event_code: r.try_get("event_code")?,
            instance_id: r.try_get("instance_id")?,
            status,
            attempt_count: r.try_get("attempt_count")?,
            next_attempt_time: (status == DeliveryStatus::Pending).then_some(next),
            last_attempt_time: opt_i64(r, "last_attempt_time")?,
            last_http_status: opt_i64(r, "last_http_status")?,
            created_time: r.try_get("created_time")?,
            updated_time: r.try_get("updated_time")?,
            attempts: Vec::new(),
        })
    }
}

const DELIVERY_COLUMNS: &str = "d.id, d.endpoint_id, d.status, d.attempt_count, \
    d.next_attempt_time, d.last_attempt_time, d.last_http_status, d.created_time, \
    d.updated_time, e.event_code, e.instance_id";

/// A delivery leased by a worker, with all it needs to make the HTTP call.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub delivery_id: i64,
    pub endpoint_id: i64,
    pub attempt_count: i64,
    pub manual: bool,
    pub url: String,
    pub secret: String,
    /// The pre-rotation secret while it still signs.
    pub previous_secret: Option<String>,
    pub instance_id: String,
    pub payload: String,
}

/// What an attempt did to its endpoint's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointEffect {
    Success,
    Failure,
    /// `410 Gone`: disable the endpoint now.
    Gone,
}

/// The outcome of one attempt, as the worker decided it.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub delivery_id: i64,
    pub endpoint_id: i64,
    pub lease_token: String,
    pub manual: bool,
    pub attempt_time: i64,
    pub http_status: Option<i64>,
    pub duration_ms: i64,
    pub response_snippet: Option<String>,
    pub error: Option<String>,
    pub new_status: DeliveryStatus,
    pub next_attempt_time: i64,
    pub effect: EndpointEffect,
}

impl Db {
    /// Creates a subscription; `events` empty means every event.
    pub async fn create_webhook(
        &self,
        business_id: i64,
        url: &str,
        events: &[String],
        language: Lang,
        secret: &str,
        now: i64,
    ) -> Result<Webhook> {
        let mut tx = self.begin().await?;
        let row = crate::sql::query(
            "INSERT INTO webhook_endpoints (business_id, url, all_events, language, secret, \
             status, created_time, updated_time) VALUES ($1, $2, $3, $4, $5, 'ENABLED', $6, $6) \
             RETURNING *",
        )
        .bind(business_id)
        .bind(url)
        .bind(i64::from(events.is_empty()))
        .bind(lang_str(language))
        .bind(secret)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let mut webhook = Webhook::from_row(&row, now)?;
        for code in events {
            crate::sql::query(
                "INSERT INTO webhook_endpoint_events (endpoint_id, event_code) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(webhook.id)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        webhook.events = events.to_vec();
        Ok(webhook)
    }

    /// The business's subscriptions, oldest first.
    pub async fn webhooks(&self, business_id: i64, now: i64) -> Result<Vec<Webhook>> {
        let rows =
            crate::sql::query("SELECT * FROM webhook_endpoints WHERE business_id = $1 ORDER BY id")
                .bind(business_id)
                .fetch_all(self.reader())
                .await?;
        let mut hooks = rows
            .iter()
            .map(|r| Webhook::from_row(r, now))
            .collect::<Result<Vec<_>>>()?;
        let codes = crate::sql::query(
            "SELECT f.endpoint_id, f.event_code FROM webhook_endpoint_events f \
             JOIN webhook_endpoints w ON w.id = f.endpoint_id WHERE w.business_id = $1 \
             ORDER BY f.endpoint_id, f.event_code",
        )
        .bind(business_id)
        .fetch_all(self.reader())
        .await?;
        let mut by_endpoint: HashMap<i64, Vec<String>> = HashMap::new();
        for r in codes {
            by_endpoint
                .entry(r.try_get("endpoint_id")?)
                .or_default()
                .push(r.try_get("event_code")?);
        }
        for hook in &mut hooks {
            hook.events = by_endpoint.remove(&hook.id).unwrap_or_default();
        }
        Ok(hooks)
    }

    /// One subscription of the business (None for another business's).
    pub async fn webhook(&self, business_id: i64, id: i64, now: i64) -> Result<Option<Webhook>> {
        let row =
            crate::sql::query("SELECT * FROM webhook_endpoints WHERE id = $1 AND business_id = $2")
                .bind(id)
                .bind(business_id)
                .fetch_optional(self.writer())
                .await?;
        let Some(row) = row else { return Ok(None) };
        let mut hook = Webhook::from_row(&row, now)?;
        let codes = crate::sql::query(
            "SELECT event_code FROM webhook_endpoint_events WHERE endpoint_id = $1 \
             ORDER BY event_code",
        )
        .bind(id)
        .fetch_all(self.writer())
        .await?;
        hook.events = codes
            .iter()
            .map(|r| r.try_get("event_code"))
            .collect::<Result<_, _>>()?;
        Ok(Some(hook))
    }

    /// Deletes a subscription with its deliveries and their log; false when there is none.
    pub async fn delete_webhook(&self, business_id: i64, id: i64) -> Result<bool> {
        let done =
            crate::sql::query("DELETE FROM webhook_endpoints WHERE id = $1 AND business_id = $2")
                .bind(id)
                .bind(business_id)
                .execute(self.writer())
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces the secret; the old one keeps signing until `previous_expires`.
    pub async fn rotate_webhook_secret(
        &self,
        business_id: i64,
        id: i64,
        new_secret: &str,
        previous_expires: i64,
        now: i64,
    ) -> Result<Option<Webhook>> {
        let done = crate::sql::query(
            "UPDATE webhook_endpoints SET previous_secret = secret, secret = $3, \
             previous_secret_expires = $4, updated_time = $5 WHERE id = $1 AND business_id = $2",
        )
        .bind(id)
        .bind(business_id)
        .bind(new_secret)
        .bind(previous_expires)
        .bind(now)
        .execute(self.writer())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.webhook(business_id, id, now).await
    }

    /// Enables a subscription (its waiting deliveries become due now) or disables it by hand.
    pub async fn set_webhook_enabled(
        &self,
        business_id: i64,
        id: i64,
        enabled: bool,
        now: i64,
    ) -> Result<Option<Webhook>> {
        let mut tx = self.begin().await?;
        let done = if enabled {
            crate::sql::query(
                "UPDATE webhook_endpoints SET status = 'ENABLED', disabled_reason = NULL, \
                 disabled_time = NULL, failing_since = NULL, updated_time = $3 \
                 WHERE id = $1 AND business_id = $2",
            )
        } else {
            crate::sql::query(
                "UPDATE webhook_endpoints SET status = 'DISABLED', disabled_reason = 'MANUAL', \
                 disabled_time = $3, updated_time = $3 \
                 WHERE id = $1 AND business_id = $2 AND status = 'ENABLED'",
            )
        }
        .bind(id)
        .bind(business_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if enabled && done.rows_affected() > 0 {
            crate::sql::query(
                "UPDATE webhook_deliveries SET next_attempt_time = $2, updated_time = $2 \
                 WHERE endpoint_id = $1 AND status = 'PENDING' AND next_attempt_time > $2",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.webhook(business_id, id, now).await
    }

    /// A page of a subscription's deliveries (newest first, SPEC §1.7) with their attempts.
    pub async fn webhook_deliveries(
        &self,
        endpoint_id: i64,
        status: Option<DeliveryStatus>,
        page: &PageRequest,
    ) -> Result<PageOf<Delivery>> {
        let mut filter = Filter::new();
        filter.int("d.endpoint_id = ?", endpoint_id);
        filter.opt_text("d.status = ?", status.map(DeliveryStatus::as_str));
        let count_sql = format!(
            "SELECT COUNT(*) FROM webhook_deliveries d{}",
            filter.where_sql()
        );
        let total: i64 = filter
            .bind_all(crate::sql::query(&count_sql))
            .fetch_one(self.reader())
            .await?
            .try_get(0)?;
        let tail = page.apply(&mut filter, "d");
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN events e ON e.id = d.event_id{}{tail}",
            filter.where_sql()
        );
        let rows = filter
            .bind_all(crate::sql::query(&sql))
            .fetch_all(self.reader())
            .await?;
        let deliveries = rows
            .iter()
            .map(Delivery::from_row)
            .collect::<Result<Vec<_>>>()?;
        let mut found = page.finish(deliveries, total, |d| Cursor {
            created_time: d.created_time,
            id: d.delivery_id,
        });
        self.attach_attempts(&mut found.items).await?;
        Ok(found)
    }

    /// The deliveries of the events about one shipment (newest first, at most `limit`), for
    /// its timeline. Events name their subject only inside the payload, so this matches the
    /// tracking code there among the business's events since the shipment was created.
    pub async fn shipment_deliveries(
        &self,
        business_id: i64,
        tracking_code: &str,
        since: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
             WHERE e.business_id = $1 AND e.created_time >= $2 AND e.payload_en LIKE $3 \
             ORDER BY d.id DESC LIMIT $4"
        );
        // Codes are letters and digits: nothing in them is a LIKE wildcard.
        let pattern = format!("%\"tracking_code\":\"{tracking_code}\"%");
        let rows = crate::sql::query(&sql)
            .bind(business_id)
            .bind(since)
            .bind(pattern)
            .bind(limit.max(0))
            .fetch_all(self.reader())
            .await?;
        let mut deliveries = rows
            .iter()
            .map(Delivery::from_row)
            .collect::<Result<Vec<_>>>()?;
        self.attach_attempts(&mut deliveries).await?;
        Ok(deliveries)
    }

    async fn attach_attempts(&self, deliveries: &mut [Delivery]) -> Result<()> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT * FROM webhook_attempts WHERE delivery_id IN ({}) \
             ORDER BY delivery_id, attempt, id",
            crate::sql::placeholders(1, deliveries.len())
        );
        let rows = crate::sql::query(&sql)
            .bind_each(deliveries.iter().map(|d| d.delivery_id))
            .fetch_all(self.reader())
            .await?;
        let mut by_delivery: HashMap<i64, Vec<Attempt>> = HashMap::new();
        for r in rows {
            by_delivery
                .entry(r.try_get("delivery_id")?)
                .or_default()
                .push(Attempt {
                    attempt: r.try_get("attempt")?,
                    trigger: r.try_get("trigger_kind")?,
                    attempt_time: r.try_get("attempt_time")?,
                    http_status: opt_i64(&r, "http_status")?,
                    duration_ms: r.try_get("duration_ms")?,
                    response_snippet: r.try_get("response_snippet")?,
                    error: r.try_get("error")?,
                });
        }
        for d in deliveries.iter_mut() {
            d.attempts = by_delivery.remove(&d.delivery_id).unwrap_or_default();
        }
        Ok(())
    }

    /// One delivery of the business, with its attempts.
    pub async fn webhook_delivery(
        &self,
        business_id: i64,
        delivery_id: i64,
    ) -> Result<Option<Delivery>> {
        let row = crate::sql::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
             WHERE d.id = $1 AND d.business_id = $2"
        ))
        .bind(delivery_id)
        .bind(business_id)
        .fetch_optional(self.writer())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut one = [Delivery::from_row(&row)?];
        self.attach_attempts(&mut one).await?;
        let [delivery] = one;
        Ok(Some(delivery))
    }

    /// Asks for one more attempt of a delivery, now, whatever its status. A delivery whose
    /// attempt is in flight is left alone (that attempt is the retry). None when the business
    /// has no such delivery.
    pub async fn retry_webhook_delivery(
        &self,
        business_id: i64,
        delivery_id: i64,
        now: i64,
    ) -> Result<Option<Delivery>> {
        crate::sql::query(
            "UPDATE webhook_deliveries SET status = 'PENDING', next_attempt_time = $3, \
             manual = 1, updated_time = $3 \
             WHERE id = $1 AND business_id = $2 AND (lease_until IS NULL OR lease_until <= $3)",
        )
        .bind(delivery_id)
        .bind(business_id)
        .bind(now)
        .execute(self.writer())
        .await?;
        self.webhook_delivery(business_id, delivery_id).await
    }
}

/// The worker's side.
impl Db {
    /// Fans up to `limit` undispatched events out into deliveries for every enabled or
    /// disabled subscription of their business that wants them and existed when the event
    /// happened (a disabled subscription keeps its deliveries waiting until it is enabled).
    /// Returns how many events were dispatched.
    pub async fn dispatch_events(&self, limit: i64, now: i64) -> Result<usize> {
        let mut tx = self.begin().await?;
        let rows = crate::sql::query(&format!(
            "SELECT id FROM events WHERE dispatched = 0 ORDER BY id LIMIT $1{}",
            self.backend().for_update_skip_locked()
        ))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let ids = rows
            .iter()
            .map(|r| r.try_get::<i64, _>("id"))
            .collect::<Result<Vec<_>, _>>()?;
        let list = crate::sql::placeholders(3, ids.len());
        let insert = format!(
            "INSERT INTO webhook_deliveries (endpoint_id, business_id, event_id, status, \
               attempt_count, next_attempt_time, manual, created_time, updated_time) \
             SELECT w.id, e.business_id, e.id, 'PENDING', 0, $1, 0, $2, $2 \
             FROM events e JOIN webhook_endpoints w ON w.business_id = e.business_id \
             WHERE e.id IN ({list}) AND ((e.target_endpoint_id IS NULL \
               AND w.created_time <= e.created_time \
               AND (w.all_events = 1 OR EXISTS (SELECT 1 FROM webhook_endpoint_events f \
                    WHERE f.endpoint_id = w.id AND f.event_code = e.event_code))) \
               OR e.target_endpoint_id = w.id) \
             ORDER BY e.id, w.id \
             ON CONFLICT (endpoint_id, event_id) DO NOTHING"
        );
        crate::sql::query(&insert)
            .bind(now)
            .bind(now)
            .bind_each(&ids)
            .execute(&mut *tx)
            .await?;
        let mark = format!(
            "UPDATE events SET dispatched = 1 WHERE id IN ({})",
            crate::sql::placeholders(1, ids.len())
        );
        crate::sql::query(&mark)
            .bind_each(&ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Leases up to `limit` due deliveries of enabled subscriptions until `lease_until`,
    /// skipping the endpoints in `skip_endpoints` (already busy in this worker). Two workers
    /// never lease the same delivery: the lease is taken by one guarded `UPDATE`, and on
    /// PostgreSQL rows another worker is leasing are skipped rather than waited for.
    pub async fn claim_deliveries(
        &self,
        limit: i64,
        now: i64,
        lease_until: i64,
        skip_endpoints: &[i64],
    ) -> Result<(String, Vec<ClaimedDelivery>)> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let skip = if skip_endpoints.is_empty() {
            String::new()
        } else {
            format!(
                " AND endpoint_id NOT IN ({})",
                crate::sql::placeholders(5, skip_endpoints.len())
            )
        };
        let due = format!(
            "SELECT id FROM webhook_deliveries \
             WHERE status = 'PENDING' AND next_attempt_time <= $3 \
               AND (lease_until IS NULL OR lease_until <= $3) \
               AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE status = 'ENABLED'){skip} \
             ORDER BY next_attempt_time, id LIMIT $4{}",
            self.backend().for_update_skip_locked()
        );
        // On PostgreSQL the due ids are collected first into an array (run once), then
        // looked up by primary key. Written as `id IN (subquery)` PostgreSQL may cache a plan,
        // made while the table was nearly empty, that scans every pending delivery (or re-runs
        // the subquery) for each claim: hundreds of milliseconds to seconds under a backlog.
        let picked = match self.backend() {
            Backend::Sqlite => format!("id IN ({due})"),
            Backend::Postgres => format!("id = ANY(ARRAY({due}))"),
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_until = $1, lease_token = $2 \
             WHERE {picked} AND status = 'PENDING' AND (lease_until IS NULL OR lease_until <= $3)"
        );
        let mut query = crate::sql::query(&sql)
            .bind(lease_until)
            .bind(&token)
            .bind(now)
            .bind(limit);
        for id in skip_endpoints {
            query = query.bind(id);
        }
        let done = query.execute(self.writer()).await?;
        if done.rows_affected() == 0 {
            return Ok((token, Vec::new()));
        }
        let rows = crate::sql::query(
            "SELECT d.id, d.endpoint_id, d.attempt_count, d.manual, w.url, w.secret, \
               CASE WHEN w.previous_secret_expires > $2 THEN w.previous_secret END AS previous_secret, \
               e.instance_id, CASE WHEN w.language = 'en' THEN e.payload_en ELSE e.payload_vi END \
               AS payload \
             FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id \
             JOIN events e ON e.id = d.event_id WHERE d.lease_token = $1 ORDER BY d.id",
        )
        .bind(&token)
        .bind(now)
        .fetch_all(self.writer())
        .await?;
        let claimed = rows
            .iter()
            .map(|r| {
                Ok(ClaimedDelivery {
                    delivery_id: r.try_get("id")?,
                    endpoint_id: r.try_get("endpoint_id")?,
                    attempt_count: r.try_get("attempt_count")?,
                    manual: r.try_get::<i64, _>("manual")? != 0,
                    url: r.try_get("url")?,
                    secret: r.try_get("secret")?,
                    previous_secret: r.try_get("previous_secret")?,
                    instance_id: r.try_get("instance_id")?,
                    payload: r.try_get("payload")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((token, claimed))
    }

    /// Writes the outcomes of attempts in one transaction: each delivery (only while the
    /// worker still holds its lease), its log line, and the endpoints' health. An endpoint
    /// failing since `failing_since <= disable_failing_before` is disabled.
    pub async fn record_attempts(
        &self,
        outcomes: &[AttemptOutcome],
        now: i64,
        disable_failing_before: i64,
    ) -> Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        let mut effects: HashMap<i64, (bool, bool, bool)> = HashMap::new();
        for o in outcomes {
            let row = crate::sql::query(
                "UPDATE webhook_deliveries SET status = $3, attempt_count = attempt_count + 1, \
                   next_attempt_time = $4, lease_until = NULL, lease_token = NULL, manual = 0, \
                   last_attempt_time = $5, last_http_status = $6, updated_time = $7 \
                 WHERE id = $1 AND lease_token = $2 RETURNING attempt_count",
            )
            .bind(o.delivery_id)
            .bind(&o.lease_token)
            .bind(o.new_status.as_str())
            .bind(o.next_attempt_time)
            .bind(o.attempt_time)
            .bind(o.http_status)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                tracing::warn!(
                    delivery_id = o.delivery_id,
                    "webhook delivery lease lost before its attempt was recorded"
                );
                continue;
            };
            let attempt: i64 = row.try_get("attempt_count")?;
            crate::sql::query(
                "INSERT INTO webhook_attempts (delivery_id, attempt, trigger_kind, attempt_time, \
                   http_status, duration_ms, response_snippet, error) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(o.delivery_id)
            .bind(attempt)
            .bind(if o.manual { "MANUAL" } else { "SCHEDULED" })
            .bind(o.attempt_time)
            .bind(o.http_status)
            .bind(o.duration_ms)
            .bind(&o.response_snippet)
            .bind(&o.error)
            .execute(&mut *tx)
            .await?;
            let entry = effects.entry(o.endpoint_id).or_default();
            match o.effect {
                EndpointEffect::Success => entry.0 = true,
                EndpointEffect::Failure => entry.1 = true,
                EndpointEffect::Gone => entry.2 = true,
            }
        }
        let mut endpoints: Vec<_> = effects.into_iter().collect();
        endpoints.sort_by_key(|(id, _)| *id);
        for (id, (success, failure, gone)) in endpoints {
            if success {
                crate::sql::query(
                    "UPDATE webhook_endpoints SET failing_since = NULL, last_success_time = $2 \
                     WHERE id = $1",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            } else if failure || gone {
                crate::sql::query(
                    "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) \
                     WHERE id = $1",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                crate::sql::query(
                    "UPDATE webhook_endpoints SET status = 'DISABLED', disabled_reason = 'FAILING', \
                       disabled_time = $2, updated_time = $2 \
                     WHERE id = $1 AND status = 'ENABLED' AND failing_since <= $3",
                )
                .bind(id)
                .bind(now)
                .bind(disable_failing_before)
                .execute(&mut *tx)
                .await?;
            }
            if gone {
                crate::sql::query(
                    "UPDATE webhook_endpoints SET status = 'DISABLED', disabled_reason = 'GONE', \
                       disabled_time = $2, updated_time = $2 WHERE id = $1 AND status = 'ENABLED'",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
