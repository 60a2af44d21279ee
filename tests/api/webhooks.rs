//! Webhooks (SPEC §3.7): subscriptions, signed delivery to real local receivers, retries,
//! disabling, rotation, the delivery log, outbound safety, and a kill -9 of the real server.
//!
//! Events are written into the outbox with `record_event` in a transaction, exactly as the
//! domain changes do. The worker is stepped by hand (`run_once`) with the test's manual clock,
//! so no test waits for a backoff.

use crate::helpers::*;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use depot_api::Config;
use depot_domain::{Clock, Lang};
use depot_store::events::{
    record_event, ALL_EVENT_CODES, PRODUCT_UPDATE_STOCK, PURCHASE_ORDER_UPDATE_STATUS,
    SHIPMENT_UPDATE_STATUS,
};
use depot_webhooks::{AddressPolicy, Step, Worker, WorkerConfig};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// A receiver: a tiny HTTP server on 127.0.0.1 that records every request and answers from a
// script (200 "ok" once the script is used up).

#[derive(Debug, Clone)]
struct Hit {
    headers: HeaderMap,
    body: Bytes,
    path: String,
}

impl Hit {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

#[derive(Debug, Clone)]
struct Scripted {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

fn reply(status: u16) -> Scripted {
    Scripted {
        status,
        headers: Vec::new(),
        body: format!("reply {status}"),
        delay: Duration::ZERO,
    }
}

impl Scripted {
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Scripted {
        self.headers.push((name, value.into()));
        self
    }
    fn body(mut self, body: impl Into<String>) -> Scripted {
        self.body = body.into();
        self
    }
    fn after(mut self, delay: Duration) -> Scripted {
        self.delay = delay;
        self
    }
}

#[derive(Clone, Default)]
struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    script: Arc<Mutex<VecDeque<Scripted>>>,
    arrived: Arc<tokio::sync::Notify>,
}

impl Receiver {
    async fn start() -> Receiver {
        Receiver::on(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()).await
    }

    async fn on(listener: tokio::net::TcpListener) -> Receiver {
        let mut receiver = Receiver {
            url: format!("http://{}/hook", listener.local_addr().unwrap()),
            ..Receiver::default()
        };
        let state = receiver.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { state.handle(uri.path().to_string(), headers, body).await }
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver.url = receiver.url.clone();
        receiver
    }

    async fn handle(&self, path: String, headers: HeaderMap, body: Bytes) -> Response {
        self.hits.lock().unwrap().push(Hit {
            headers,
            body,
            path,
        });
        self.arrived.notify_waiters();
        let next = self.script.lock().unwrap().pop_front();
        let Some(s) = next else {
            return (StatusCode::OK, "ok").into_response();
        };
        if !s.delay.is_zero() {
            tokio::time::sleep(s.delay).await;
        }
        let mut res = (StatusCode::from_u16(s.status).unwrap(), s.body).into_response();
        for (name, value) in s.headers {
            res.headers_mut().insert(name, value.parse().unwrap());
        }
        res
    }

    fn then(&self, replies: impl IntoIterator<Item = Scripted>) {
        self.script.lock().unwrap().extend(replies);
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Waits (real time) until at least `n` requests arrived.
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Hit> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.arrived.notified();
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} requests, got {}", self.hits().len());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Set-up.

fn local() -> Arc<AddressPolicy> {
    Arc::new(AddressPolicy::parse("127.0.0.0/8").unwrap())
}

/// A server whose subscriptions may target 127.0.0.0/8, its clock set to the real time (so
/// the independent verifier's timestamp tolerance holds).
async fn app() -> TestApp {
    let app = spawn_app_with(Config {
        rate_limit_per_minute: 0,
        webhook_policy: local(),
        ..Config::default()
    })
    .await;
    app.clock.set(real_now());
    app
}

fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn test_config() -> WorkerConfig {
    WorkerConfig {
        policy: local(),
        request_timeout: Duration::from_secs(5),
        ..WorkerConfig::default()
    }
}

fn worker(app: &TestApp) -> Worker {
    worker_with(app, test_config())
}

fn worker_with(app: &TestApp, config: WorkerConfig) -> Worker {
    Worker::new(app.db.clone(), app.clock.clone(), config)
}

/// Records an event of `business_id` in the outbox, as a domain transaction would.
async fn emit(app: &TestApp, business_id: i64, code: &'static str) -> String {
    let mut tx = app.db.begin().await.unwrap();
    let id = record_event(&mut tx, business_id, code, app.clock.now(), |lang| {
        json!({
            "status_info": {"value": 100, "label": lang.pick("Mới tạo", "New"),
                            "updated_time": 1},
            "tracking_code": "OASC00000001",
        })
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Subscribes and returns (id, secret).
async fn subscribe(app: &TestApp, m: &TestMerchant, body: Value) -> (i64, String) {
    let reply = send(app.api(m, Method::POST, "/webhooks").json(&body)).await;
    let data = reply.expect_ok(201);
    (
        data["id"].as_i64().unwrap(),
        data["secret"].as_str().unwrap().to_string(),
    )
}

async fn hook(app: &TestApp, m: &TestMerchant, id: i64) -> Value {
    send(app.api(m, Method::GET, &format!("/webhooks/{id}")))
        .await
        .expect_ok(200)
        .clone()
}

async fn deliveries(app: &TestApp, m: &TestMerchant, id: i64) -> Vec<Value> {
    send(app.api(m, Method::GET, &format!("/webhooks/{id}/deliveries")))
        .await
        .expect_ok(200)
        .as_array()
        .unwrap()
        .clone()
}

async fn step(worker: &Worker) -> Step {
    worker.run_once().await.unwrap()
}

fn verify(secret: &str, hit: &Hit) {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&hit.body, &hit.headers)
        .unwrap_or_else(|e| panic!("signature verifies: {e:?} ({:?})", hit.headers));
}

/// The signature check alone, for a hit whose timestamp is on the moved test clock (outside
/// the verifier's 5-minute tolerance of real time): the independent implementation signs and
/// one of the header's signatures must match.
fn verify_signature_only(secret: &str, hit: &Hit) {
    let expected = standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(
            hit.header("webhook-id"),
            hit.header("webhook-timestamp").parse().unwrap(),
            &hit.body,
        )
        .unwrap();
    assert!(
        hit.header("webhook-signature")
            .split(' ')
            .any(|s| s == expected),
        "{:?}",
        hit.headers
    );
}

// ---------------------------------------------------------------------------------------------
// Subscriptions.

#[tokio::test]
async fn subscriptions_are_created_listed_read_and_deleted() {
    let app = app().await;
    let m = app.merchant().await;
    let created = send(app.api(&m, Method::POST, "/webhooks").json(&json!({
        "url": "http://127.0.0.1:9/hook",
        "events": [SHIPMENT_UPDATE_STATUS, PRODUCT_UPDATE_STOCK, SHIPMENT_UPDATE_STATUS],
        "language": "en"
    })))
    .await;
    let data = created.expect_ok(201).clone();
    let id = data["id"].as_i64().unwrap();
    let secret = data["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert!(standardwebhooks::Webhook::new(secret).is_ok(), "base64 key");
    assert_eq!(data["url"], "http://127.0.0.1:9/hook");
    assert_eq!(
        data["events"],
        json!([SHIPMENT_UPDATE_STATUS, PRODUCT_UPDATE_STOCK])
    );
    assert_eq!(data["language"], "en");
    assert_eq!(data["status"], "ENABLED");
    assert_eq!(data["disabled_reason"], Value::Null);

    // Defaults: every event, Vietnamese.
    let (all, _) = subscribe(&app, &m, json!({"url": "http://127.0.0.1:9/all"})).await;
    let one = hook(&app, &m, all).await;
    assert_eq!(one["events"], json!([]));
    assert_eq!(one["language"], "vi");

    // The secret is shown once: never in reads.
    let list = send(app.api(&m, Method::GET, "/webhooks")).await;
    assert_eq!(list.body["total"], 2);
    let items = list.expect_ok(200).as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|h| h.get("secret").is_none()));
    assert_eq!(items[0]["id"], id);
    assert_eq!(
        items[0]["events"].as_array().unwrap().len(),
        2,
        "{:#}",
        items[0]
    );
    assert!(hook(&app, &m, id).await.get("secret").is_none());

    // Also under /v1, with a trailing slash.
    let again = send(
        app.request(Method::GET, &format!("/v1/webhooks/{id}/"))
            .header("Authorization", &m.api_key),
    )
    .await;
    assert_eq!(again.expect_ok(200)["id"], id);

    let deleted = send(app.api(&m, Method::DELETE, &format!("/webhooks/{id}"))).await;
    assert_eq!(deleted.expect_ok(200)["deleted"], true);
    send(app.api(&m, Method::GET, &format!("/webhooks/{id}")))
        .await
        .expect_error(404, "WEBHOOK_NOT_FOUND");
    send(app.api(&m, Method::DELETE, &format!("/webhooks/{id}")))
        .await
        .expect_error(404, "WEBHOOK_NOT_FOUND");
    send(app.api(&m, Method::GET, "/webhooks/abc"))
        .await
        .expect_error(404, "WEBHOOK_NOT_FOUND");
    let list = send(app.api(&m, Method::GET, "/webhooks")).await;
    assert_eq!(list.body["total"], 1);
}

#[tokio::test]
async fn bad_subscriptions_answer_invalid_payload_naming_the_field() {
    let app = app().await;
    let m = app.merchant().await;
    let reply = send(app.api(&m, Method::POST, "/webhooks").json(&json!({
        "url": "ftp://example.com/x",
        "events": ["shipment.update_status", "order.created"],
        "language": "fr"
    })))
    .await;
    let body = reply.expect_error(422, "INVALID_PAYLOAD");
    let detail = &body["error_detail"];
    assert!(detail["url"].is_array(), "{detail:#}");
    assert!(detail["events[1]"].is_array(), "{detail:#}");
    assert!(detail["language"].is_array(), "{detail:#}");
    assert!(detail.get("events[0]").is_none());

    for url in ["", "not a url", "http://", "https://u:p@example.com/"] {
        let reply = send(
            app.api(&m, Method::POST, "/webhooks")
                .json(&json!({ "url": url })),
        )
        .await;
        assert!(
            reply.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["url"].is_array(),
            "{url}"
        );
    }
    let missing = send(app.api(&m, Method::POST, "/webhooks").json(&json!({}))).await;
    missing.expect_error(422, "INVALID_PAYLOAD");
    let list = send(app.api(&m, Method::GET, "/webhooks")).await;
    assert_eq!(list.body["total"], 0, "nothing was created");
}

#[tokio::test]
async fn private_targets_are_refused_unless_allowed() {
    // Default configuration: no private range allowed.
    let app = spawn_app().await;
    let m = app.merchant().await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.8/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ] {
        let reply = send(
            app.api(&m, Method::POST, "/webhooks")
                .header("Accept-Language", "en")
                .json(&json!({ "url": url })),
        )
        .await;
        let body = reply.expect_error(422, "INVALID_PAYLOAD");
        let why = body["error_detail"]["url"][0].as_str().unwrap();
        assert!(why.contains("private"), "{url}: {why}");
    }
    // A public address is fine.
    subscribe(&app, &m, json!({"url": "https://93.184.215.14/hook"})).await;

    // Allowed by the API but not by the worker's own policy: refused again when connecting
    // (a name resolving to a private address is filtered the same way).
    let app = self::app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    let (id, _) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    let strict = worker_with(
        &app,
        WorkerConfig {
            policy: Arc::new(AddressPolicy::default()),
            ..test_config()
        },
    );
    assert_eq!(step(&strict).await, Step::Done(1));
    assert!(receiver.hits().is_empty(), "never connected");
    let log = deliveries(&app, &m, id).await;
    let attempt = &log[0]["attempts"][0];
    assert_eq!(attempt["http_status"], Value::Null);
    assert!(
        attempt["error"].as_str().unwrap().contains("private"),
        "{attempt:#}"
    );
}

#[tokio::test]
async fn another_business_cannot_see_or_touch_a_subscription() {
    let app = app().await;
    let a = app.merchant().await;
    let b = app.merchant().await;
    let receiver = Receiver::start().await;
    let (id, _) = subscribe(&app, &a, json!({ "url": receiver.url })).await;
    emit(&app, a.business_id, PRODUCT_UPDATE_STOCK).await;
    worker(&app).run_until_idle().await.unwrap();
    let delivery_id = deliveries(&app, &a, id).await[0]["delivery_id"]
        .as_i64()
        .unwrap();

    for (method, path) in [
        (Method::GET, format!("/webhooks/{id}")),
        (Method::DELETE, format!("/webhooks/{id}")),
        (Method::POST, format!("/webhooks/{id}/rotate-secret")),
        (Method::POST, format!("/webhooks/{id}/enable")),
        (Method::POST, format!("/webhooks/{id}/disable")),
        (Method::GET, format!("/webhooks/{id}/deliveries")),
    ] {
        send(app.api(&b, method, &path))
            .await
            .expect_error(404, "WEBHOOK_NOT_FOUND");
    }
    send(app.api(
        &b,
        Method::POST,
        &format!("/webhooks/deliveries/{delivery_id}/retry"),
    ))
    .await
    .expect_error(404, "WEBHOOK_DELIVERY_NOT_FOUND");
    let list = send(app.api(&b, Method::GET, "/webhooks")).await;
    assert_eq!(list.body["total"], 0);
    // Still there for its owner, untouched.
    assert_eq!(hook(&app, &a, id).await["status"], "ENABLED");

    // B's events never reach A's endpoint.
    emit(&app, b.business_id, PRODUCT_UPDATE_STOCK).await;
    worker(&app).run_until_idle().await.unwrap();
    assert_eq!(receiver.hits().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Delivery.

#[tokio::test]
async fn every_event_kind_arrives_signed_and_verifies_independently() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    let (id, secret) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    let mut ids = Vec::new();
    for code in ALL_EVENT_CODES {
        ids.push(emit(&app, m.business_id, code).await);
    }
    let worker = worker(&app);
    assert_eq!(step(&worker).await, Step::Done(ALL_EVENT_CODES.len()));
    assert_eq!(step(&worker).await, Step::Empty);

    let hits = receiver.hits();
    assert_eq!(hits.len(), ALL_EVENT_CODES.len());
    for hit in &hits {
        verify(&secret, hit);
        assert_eq!(hit.path, "/hook");
        assert_eq!(hit.header("content-type"), "application/json");
        assert_eq!(hit.header("webhook-timestamp"), app.clock.now().to_string());
        assert!(hit.header("webhook-signature").starts_with("v1,"));
        assert!(!hit.header("webhook-signature").contains(' '), "one secret");
        let body = hit.json();
        assert_eq!(hit.header("webhook-id"), body["instance_id"]);
        assert_eq!(body["business_id"], m.business_id);
        assert_eq!(
            body["status_info"]["label"], "Mới tạo",
            "Vietnamese by default"
        );
    }
    let mut codes: Vec<_> = hits
        .iter()
        .map(|h| h.json()["event_code"].as_str().unwrap().to_string())
        .collect();
    let mut seen_ids: Vec<_> = hits.iter().map(|h| h.header("webhook-id")).collect();
    codes.sort();
    seen_ids.sort();
    ids.sort();
    let mut expected: Vec<_> = ALL_EVENT_CODES.iter().map(|c| c.to_string()).collect();
    expected.sort();
    assert_eq!(codes, expected);
    assert_eq!(seen_ids, ids);

    // A tampered body does not verify.
    let mut forged = hits[0].clone();
    forged.body = Bytes::from_static(b"{\"business_id\": 1}");
    assert!(standardwebhooks::Webhook::new(&secret)
        .unwrap()
        .verify(&forged.body, &forged.headers)
        .is_err());

    // The log shows each delivery SUCCEEDED after one attempt.
    let log = deliveries(&app, &m, id).await;
    assert_eq!(log.len(), ALL_EVENT_CODES.len());
    for d in &log {
        assert_eq!(d["status"], "SUCCEEDED", "{d:#}");
        assert_eq!(d["attempt_count"], 1);
        assert_eq!(d["next_attempt_time"], Value::Null);
        assert_eq!(d["attempts"][0]["http_status"], 200);
        assert_eq!(d["attempts"][0]["trigger"], "SCHEDULED");
        assert_eq!(d["attempts"][0]["response_snippet"], "ok");
    }
    // The subscription is healthy.
    let h = hook(&app, &m, id).await;
    assert_eq!(h["last_success_time"], app.clock.now());
    assert_eq!(h["failing_since"], Value::Null);
}

/// End to end: real changes through the merchant and operator APIs (product, stock, PO,
/// shipment, return) produce every event kind of SPEC §3.7, and each arrives signed, once.
#[tokio::test]
async fn real_changes_deliver_every_event_kind_signed() {
    const WH: &str = "WH-HK01";
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    let (_, secret) = subscribe(&app, &m, json!({"url": receiver.url, "language": "en"})).await;
    app.warehouse(WH).await;
    let a = app.product(&m, "SKU-WH", WH).await;
    let po = send(app.api(&m, Method::POST, "/purchase-orders/create").json(&json!({
        "warehouse_code": WH, "merchant_po_reference": "PO-WH",
        "packages": [{"package_code": "PK-1", "items": [{"oasin": a, "product_quantity": 5}]}],
        "estimated_arrival_time": app.clock.now() + 86400
    })))
    .await;
    let po = po.expect_ok(201)["po_code"].as_str().unwrap().to_string();
    send(
        app.ops(Method::POST, &format!("/purchase-orders/{po}/receive"))
            .json(&json!({"items": [
                {"package_code": "PK-1", "oasin": a, "inbound_quantity": 5, "putaway_quantity": 5}
            ]})),
    )
    .await
    .expect_ok(200);
    let shipment = app.create_shipment(&m, "SO-WH", WH, &[(&a, 2)]).await;
    let shipment = shipment.expect_ok(200)["tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    app.walk(
        &shipment,
        &["ALLOCATED", "PICKED", "PACKED", "HANDOVER", "IN_TRANSIT"],
    )
    .await;
    // An intercept request the delivery then fails: `shipment.intercept`.
    send(app.api(
        &m,
        Method::POST,
        &format!("/shipments/b2c/{shipment}/intercept"),
    ))
    .await
    .expect_ok(200);
    app.walk(&shipment, &["DELIVERED"]).await;
    send(
        app.api(&m, Method::POST, "/return-shipments/b2c/create")
            .json(&json!({
                "warehouse_code": WH, "shipment_tracking_code": shipment,
                "merchant_return_tracking_code_reference": "RET-WH",
                "items": [{"oasin": a, "product_quantity": 1}]
            })),
    )
    .await
    .expect_ok(200);
    // Evidence media (a photo of the packing): `media.added`.
    let photo = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    let form = [
        &b"--b0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\r\n\r\n"[..],
        photo,
        b"\r\n--b0--\r\n",
    ]
    .concat();
    send(
        app.ops(Method::POST, &format!("/shipments/{shipment}/media"))
            .header("Content-Type", "multipart/form-data; boundary=b0")
            .body(form),
    )
    .await
    .expect_ok(201);

    let outbox = app.events(m.business_id).await;
    worker(&app).run_until_idle().await.unwrap();
    let hits = receiver.hits();
    assert_eq!(hits.len(), outbox.len(), "every event, once");
    for hit in &hits {
        verify(&secret, hit);
        assert_eq!(hit.header("webhook-id"), hit.json()["instance_id"]);
    }
    for code in ALL_EVENT_CODES {
        assert!(
            hits.iter().any(|h| h.json()["event_code"] == *code),
            "{code} delivered"
        );
    }
    let shipment_events: Vec<_> = hits
        .iter()
        .map(|h| h.json())
        .filter(|b| b["event_code"] == SHIPMENT_UPDATE_STATUS)
        .collect();
    assert!(shipment_events
        .iter()
        .any(|b| b["status_info"]["label"].is_string()));
    // The bodies are the English renderings stored in the outbox.
    let mut sent: Vec<Value> = hits.iter().map(Hit::json).collect();
    let mut stored: Vec<Value> = outbox.into_iter().map(|(_, p)| p).collect();
    let key = |v: &Value| v["instance_id"].as_str().unwrap().to_string();
    sent.sort_by_key(key);
    stored.sort_by_key(key);
    assert_eq!(sent, stored);
}

#[tokio::test]
async fn event_filter_and_payload_language_per_subscription() {
    let app = app().await;
    let m = app.merchant().await;
    let shipments_en = Receiver::start().await;
    let everything_vi = Receiver::start().await;
    subscribe(
        &app,
        &m,
        json!({"url": shipments_en.url, "events": [SHIPMENT_UPDATE_STATUS], "language": "en"}),
    )
    .await;
    subscribe(
        &app,
        &m,
        json!({"url": everything_vi.url, "language": "vi"}),
    )
    .await;
    let shipment = emit(&app, m.business_id, SHIPMENT_UPDATE_STATUS).await;
    emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    emit(&app, m.business_id, PURCHASE_ORDER_UPDATE_STATUS).await;
    worker(&app).run_until_idle().await.unwrap();

    let en = shipments_en.hits();
    assert_eq!(en.len(), 1);
    assert_eq!(en[0].header("webhook-id"), shipment);
    assert_eq!(en[0].json()["event_code"], SHIPMENT_UPDATE_STATUS);
    assert_eq!(en[0].json()["status_info"]["label"], "New");

    let vi = everything_vi.hits();
    assert_eq!(vi.len(), 3);
    assert!(vi
        .iter()
        .all(|h| h.json()["status_info"]["label"] == "Mới tạo"));
    // The same event has the same id for both subscriptions.
    assert!(vi.iter().any(|h| h.header("webhook-id") == shipment));

    // Events from before a subscription existed are not sent to it.
    let late = Receiver::start().await;
    app.clock.advance(10);
    subscribe(&app, &m, json!({"url": late.url})).await;
    worker(&app).run_until_idle().await.unwrap();
    assert!(late.hits().is_empty());
}

#[tokio::test]
async fn a_failing_receiver_that_recovers_gets_the_same_webhook_id() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    receiver.then([reply(500).body("database down"), reply(503)]);
    let (id, secret) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    let instance = emit(&app, m.business_id, SHIPMENT_UPDATE_STATUS).await;
    let worker = worker(&app);

    assert_eq!(step(&worker).await, Step::Done(1));
    let d = &deliveries(&app, &m, id).await[0];
    assert_eq!(d["status"], "PENDING");
    assert_eq!(d["last_http_status"], 500);
    let next = d["next_attempt_time"].as_i64().unwrap();
    let delay = next - app.clock.now();
    assert!(
        (4..=6).contains(&delay),
        "first retry after about 5 s: {delay}"
    );
    assert_eq!(
        hook(&app, &m, id).await["failing_since"],
        app.clock.now(),
        "failing shows on the subscription"
    );

    // Not before it is due.
    app.clock.advance(3);
    assert_eq!(step(&worker).await, Step::Empty);
    app.clock.advance(4);
    assert_eq!(step(&worker).await, Step::Done(1));
    let d = &deliveries(&app, &m, id).await[0];
    let delay = d["next_attempt_time"].as_i64().unwrap() - app.clock.now();
    assert!((240..=360).contains(&delay), "then about 5 min: {delay}");

    app.clock.advance(361);
    assert_eq!(step(&worker).await, Step::Done(1));
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3);
    assert!(hits.iter().all(|h| h.header("webhook-id") == instance));
    // Each attempt is signed afresh with its own timestamp.
    assert_ne!(
        hits[0].header("webhook-timestamp"),
        hits[2].header("webhook-timestamp")
    );
    verify(&secret, &hits[0]);
    verify_signature_only(&secret, &hits[2]);

    let d = &deliveries(&app, &m, id).await[0];
    assert_eq!(d["status"], "SUCCEEDED");
    assert_eq!(d["attempt_count"], 3);
    let attempts = d["attempts"].as_array().unwrap();
    let statuses: Vec<_> = attempts.iter().map(|a| a["http_status"].clone()).collect();
    assert_eq!(statuses, [json!(500), json!(503), json!(200)]);
    assert_eq!(attempts[0]["response_snippet"], "database down");
    assert_eq!(
        attempts
            .iter()
            .map(|a| a["attempt"].clone())
            .collect::<Vec<_>>(),
        [json!(1), json!(2), json!(3)]
    );
    let h = hook(&app, &m, id).await;
    assert_eq!(h["failing_since"], Value::Null, "healthy again");
    assert_eq!(h["status"], "ENABLED");
}

#[tokio::test]
async fn a_slow_receiver_times_out_and_is_retried_later() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    receiver.then([reply(200).after(Duration::from_secs(5))]);
    let (id, _) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    let instance = emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    let worker = worker_with(
        &app,
        WorkerConfig {
            request_timeout: Duration::from_millis(300),
            ..test_config()
        },
    );
    assert_eq!(step(&worker).await, Step::Done(1));
    let d = &deliveries(&app, &m, id).await[0];
    assert_eq!(d["status"], "PENDING");
    let attempt = &d["attempts"][0];
    assert_eq!(attempt["http_status"], Value::Null);
    assert!(
        attempt["error"].as_str().unwrap().contains("timeout"),
        "{attempt:#}"
    );
    assert!(
        attempt["duration_ms"].as_i64().unwrap() >= 250,
        "{attempt:#}"
    );
    // A timeout doubles the delay (5 s ± 20 % → 8..12 s).
    let delay = d["next_attempt_time"].as_i64().unwrap() - app.clock.now();
    assert!((8..=12).contains(&delay), "{delay}");
    app.clock.advance(7);
    assert_eq!(step(&worker).await, Step::Empty);
    app.clock.advance(6);
    assert_eq!(step(&worker).await, Step::Done(1));
    let hits = receiver.hits();
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|h| h.header("webhook-id") == instance));
    assert_eq!(deliveries(&app, &m, id).await[0]["status"], "SUCCEEDED");
}

#[tokio::test]
async fn too_many_requests_honours_retry_after_within_bounds() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    receiver.then([
        reply(429).header("Retry-After", "120"),
        reply(429).header("Retry-After", "999999999"),
    ]);
    let (id, _) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    let worker = worker(&app);

    assert_eq!(step(&worker).await, Step::Done(1));
    let d = &deliveries(&app, &m, id).await[0];
    assert_eq!(
        d["next_attempt_time"].as_i64().unwrap() - app.clock.now(),
        120,
        "later than the schedule's 5 s: the receiver's wish"
    );
    app.clock.advance(119);
    assert_eq!(step(&worker).await, Step::Empty);
    app.clock.advance(1);
    assert_eq!(step(&worker).await, Step::Done(1));

    // An absurd Retry-After is clamped to the longest step of the schedule (24 h).
    let d = &deliveries(&app, &m, id).await[0];
    assert_eq!(
        d["next_attempt_time"].as_i64().unwrap() - app.clock.now(),
        86400
    );
    app.clock.advance(86399);
    assert_eq!(step(&worker).await, Step::Empty);
    app.clock.advance(1);
    assert_eq!(step(&worker).await, Step::Done(1));
    assert_eq!(deliveries(&app, &m, id).await[0]["status"], "SUCCEEDED");
    assert_eq!(receiver.hits().len(), 3);
}

#[tokio::test]
async fn gone_disables_the_endpoint_at_once_and_enabling_resumes_delivery() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    receiver.then([reply(410)]);
    let (id, _) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    let first = emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    let worker = worker(&app);
    assert_eq!(step(&worker).await, Step::Done(1));
    let h = hook(&app, &m, id).await;
    assert_eq!(h["status"], "DISABLED");
    assert_eq!(h["disabled_reason"], "GONE");
    assert_eq!(h["disabled_time"], app.clock.now());

    // While disabled nothing is sent, but nothing is lost either.
    let second = emit(&app, m.business_id, SHIPMENT_UPDATE_STATUS).await;
    app.clock.advance(3600);
    assert_eq!(worker.run_until_idle().await.unwrap(), 0);
    assert_eq!(receiver.hits().len(), 1);
    let pending = send(app.api(
        &m,
        Method::GET,
        &format!("/webhooks/{id}/deliveries?status=PENDING"),
    ))
    .await;
    assert_eq!(pending.body["total"], 2);

    let enabled = send(app.api(&m, Method::POST, &format!("/webhooks/{id}/enable"))).await;
    let enabled = enabled.expect_ok(200);
    assert_eq!(enabled["status"], "ENABLED");
    assert_eq!(enabled["disabled_reason"], Value::Null);
    assert_eq!(worker.run_until_idle().await.unwrap(), 2);
    let hits = receiver.hits();
    let mut ids: Vec<_> = hits[1..].iter().map(|h| h.header("webhook-id")).collect();
    ids.sort();
    let mut expected = [first.as_str(), second.as_str()];
    expected.sort();
    assert_eq!(ids, expected);

    // A manual disable holds deliveries the same way.
    let disabled = send(app.api(&m, Method::POST, &format!("/webhooks/{id}/disable"))).await;
    assert_eq!(disabled.expect_ok(200)["disabled_reason"], "MANUAL");
    emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    assert_eq!(worker.run_until_idle().await.unwrap(), 0);
    send(app.api(&m, Method::POST, &format!("/webhooks/{id}/enable")))
        .await
        .expect_ok(200);
    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
}

#[tokio::test]
async fn five_days_without_a_success_disable_the_endpoint() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    receiver.then((0..10).map(|_| reply(500)));
    let (id, _) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    let worker = worker(&app);
    let started = app.clock.now();
    assert_eq!(step(&worker).await, Step::Done(1));

    // Four days later, still failing: still enabled.
    app.clock.advance(4 * 86400);
    assert_eq!(step(&worker).await, Step::Done(1));
    let h = hook(&app, &m, id).await;
    assert_eq!(h["status"], "ENABLED");
    assert_eq!(h["failing_since"], started);

    // Past five days: disabled.
    app.clock.advance(86400);
    assert_eq!(step(&worker).await, Step::Done(1));
    let h = hook(&app, &m, id).await;
    assert_eq!(h["status"], "DISABLED");
    assert_eq!(h["disabled_reason"], "FAILING");
    app.clock.advance(86400);
    assert_eq!(worker.run_until_idle().await.unwrap(), 0, "held");

    // Re-enabled, it starts afresh.
    let h = send(app.api(&m, Method::POST, &format!("/webhooks/{id}/enable"))).await;
    let h = h.expect_ok(200);
    assert_eq!(h["status"], "ENABLED");
    assert_eq!(h["failing_since"], Value::Null);
}

#[tokio::test]
async fn an_exhausted_schedule_fails_the_delivery_and_a_manual_retry_resends_it() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    receiver.then([reply(500), reply(502)]);
    let (id, _) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    let instance = emit(&app, m.business_id, SHIPMENT_UPDATE_STATUS).await;
    let worker = worker_with(
        &app,
        WorkerConfig {
            retry: depot_webhooks::RetryPolicy::with_schedule(vec![60]),
            ..test_config()
        },
    );
    assert_eq!(step(&worker).await, Step::Done(1));
    app.clock.advance(100);
    assert_eq!(step(&worker).await, Step::Done(1));
    app.clock.advance(100_000);
    assert_eq!(worker.run_until_idle().await.unwrap(), 0);

    let failed = send(app.api(
        &m,
        Method::GET,
        &format!("/webhooks/{id}/deliveries?status=FAILED"),
    ))
    .await;
    assert_eq!(failed.body["total"], 1);
    let d = failed.expect_ok(200)[0].clone();
    assert_eq!(d["status"], "FAILED");
    assert_eq!(d["attempt_count"], 2);
    assert_eq!(d["next_attempt_time"], Value::Null);
    assert_eq!(d["instance_id"], instance);
    let delivery_id = d["delivery_id"].as_i64().unwrap();

    let retried = send(app.api(
        &m,
        Method::POST,
        &format!("/webhooks/deliveries/{delivery_id}/retry"),
    ))
    .await;
    let retried = retried.expect_ok(200);
    assert_eq!(retried["status"], "PENDING");
    assert_eq!(retried["next_attempt_time"], app.clock.now());
    assert_eq!(step(&worker).await, Step::Done(1));

    let d = &deliveries(&app, &m, id).await[0];
    assert_eq!(d["status"], "SUCCEEDED");
    assert_eq!(d["attempts"][2]["trigger"], "MANUAL");
    assert_eq!(d["attempts"][2]["http_status"], 200);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3);
    assert!(hits.iter().all(|h| h.header("webhook-id") == instance));

    // A delivered one can be sent again too.
    send(app.api(
        &m,
        Method::POST,
        &format!("/webhooks/deliveries/{delivery_id}/retry"),
    ))
    .await
    .expect_ok(200);
    assert_eq!(step(&worker).await, Step::Done(1));
    assert_eq!(receiver.hits().len(), 4);
    for bad in ["999999", "x"] {
        send(app.api(
            &m,
            Method::POST,
            &format!("/webhooks/deliveries/{bad}/retry"),
        ))
        .await
        .expect_error(404, "WEBHOOK_DELIVERY_NOT_FOUND");
    }
}

#[tokio::test]
async fn rotation_signs_with_both_secrets_until_the_grace_period_ends() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    let (id, old) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    let rotated = send(app.api(&m, Method::POST, &format!("/webhooks/{id}/rotate-secret"))).await;
    let rotated = rotated.expect_ok(200).clone();
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert!(new.starts_with("whsec_") && new != old);
    assert_eq!(
        rotated["previous_secret_expires_time"],
        app.clock.now() + 86400
    );

    emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    let worker = worker(&app);
    worker.run_until_idle().await.unwrap();
    let hit = &receiver.hits()[0];
    let signatures: Vec<_> = hit.header("webhook-signature").split(' ').collect();
    assert_eq!(signatures.len(), 2, "{signatures:?}");
    // A receiver holding either secret verifies.
    verify(&old, hit);
    verify(&new, hit);

    // After the grace period only the new secret signs.
    app.clock.advance(86401);
    emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    worker.run_until_idle().await.unwrap();
    let hit = &receiver.hits()[1];
    assert!(
        !hit.header("webhook-signature").contains(' '),
        "one signature"
    );
    verify_signature_only(&new, hit);
    assert_eq!(
        hook(&app, &m, id).await["previous_secret_expires_time"],
        Value::Null
    );
}

#[tokio::test]
async fn the_delivery_log_is_bounded_filtered_and_paged() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    let huge = "x".repeat(100_000);
    receiver.then([reply(500).body(huge.clone())]);
    let (id, _) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    for _ in 0..5 {
        emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
        app.clock.advance(1);
    }
    worker(&app).run_until_idle().await.unwrap();

    let failed = send(app.api(
        &m,
        Method::GET,
        &format!("/webhooks/{id}/deliveries?status=pending"),
    ))
    .await;
    assert_eq!(failed.body["total"], 1);
    let attempt = &failed.expect_ok(200)[0]["attempts"][0];
    assert_eq!(attempt["http_status"], 500);
    let snippet = attempt["response_snippet"].as_str().unwrap();
    assert_eq!(snippet.len(), 1024, "bounded");
    assert!(huge.starts_with(snippet));
    assert!(attempt["duration_ms"].as_i64().unwrap() >= 0);
    assert_eq!(
        attempt["attempt_time"],
        attempt["attempt_time"].as_i64().unwrap()
    );

    // Paging: newest first, by page or by cursor.
    let first = send(app.api(
        &m,
        Method::GET,
        &format!("/webhooks/{id}/deliveries?page_size=2"),
    ))
    .await;
    assert_eq!(first.body["total"], 5);
    let page1 = first.expect_ok(200).as_array().unwrap().clone();
    assert_eq!(page1.len(), 2);
    assert!(page1[0]["created_time"].as_i64() >= page1[1]["created_time"].as_i64());
    let link = first.header("link").expect("Link header").to_string();
    let next = link
        .strip_prefix('<')
        .and_then(|l| l.split_once('>'))
        .unwrap()
        .0
        .to_string();
    assert!(
        next.starts_with(&format!("/api/v1/webhooks/{id}/deliveries?")),
        "{next}"
    );
    let second = send(
        app.request(Method::GET, &next)
            .header("Authorization", &m.api_key),
    )
    .await;
    let page2 = second.expect_ok(200).as_array().unwrap().clone();
    let by_page = send(app.api(
        &m,
        Method::GET,
        &format!("/webhooks/{id}/deliveries?page_size=2&page=2"),
    ))
    .await;
    assert_eq!(by_page.expect_ok(200).as_array().unwrap(), &page2);
    let all: Vec<_> = page1
        .iter()
        .chain(&page2)
        .map(|d| d["delivery_id"].clone())
        .collect();
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(all.len(), 4);
    assert_eq!(unique.len(), 4);

    let bad = send(app.api(
        &m,
        Method::GET,
        &format!("/webhooks/{id}/deliveries?status=LOST"),
    ))
    .await;
    assert!(bad.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["status"].is_array());
    let bad = send(app.api(
        &m,
        Method::GET,
        &format!("/webhooks/{id}/deliveries?cursor=%%%"),
    ))
    .await;
    bad.expect_error(422, "INVALID_PAYLOAD");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    let elsewhere = receiver.url.replace("/hook", "/elsewhere");
    receiver.then([reply(307).header("Location", elsewhere.clone())]);
    let (id, _) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    let worker = worker(&app);
    assert_eq!(step(&worker).await, Step::Done(1));
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1, "the Location was not requested");
    assert_eq!(hits[0].path, "/hook");
    let d = &deliveries(&app, &m, id).await[0];
    assert_eq!(d["status"], "PENDING", "a redirect is a failure");
    let attempt = &d["attempts"][0];
    assert_eq!(attempt["http_status"], 307);
    assert!(
        attempt["error"].as_str().unwrap().contains("not followed"),
        "{attempt:#}"
    );
}

#[tokio::test]
async fn deleting_a_subscription_drops_its_waiting_deliveries() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    receiver.then([reply(500)]);
    let (id, _) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await;
    let worker = worker(&app);
    assert_eq!(step(&worker).await, Step::Done(1));
    send(app.api(&m, Method::DELETE, &format!("/webhooks/{id}")))
        .await
        .expect_ok(200);
    app.clock.advance(3600);
    assert_eq!(worker.run_until_idle().await.unwrap(), 0);
    assert_eq!(receiver.hits().len(), 1);
}

/// Two workers (as two `depot serve` processes would) share the database: every delivery is
/// sent exactly once — a lease is never held by both.
#[tokio::test]
async fn two_workers_never_send_the_same_delivery_twice() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    subscribe(&app, &m, json!({ "url": receiver.url })).await;
    let mut ids = Vec::new();
    for _ in 0..120 {
        ids.push(emit(&app, m.business_id, PRODUCT_UPDATE_STOCK).await);
    }
    let small = || WorkerConfig {
        batch_size: 7,
        concurrency: 4,
        ..test_config()
    };
    let one = worker_with(&app, small());
    let two = worker_with(&app, small());
    let (a, b) = tokio::join!(one.run_until_idle(), two.run_until_idle());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 120, "{a} + {b}");
    let mut seen: Vec<_> = receiver
        .hits()
        .iter()
        .map(|h| h.header("webhook-id").to_string())
        .collect();
    assert_eq!(seen.len(), 120);
    seen.sort();
    seen.dedup();
    ids.sort();
    assert_eq!(seen, ids, "each event exactly once");
}

/// The long-running worker loop, as `depot serve` runs it, delivers and stops cleanly.
#[tokio::test]
async fn the_worker_loop_delivers_and_stops_on_shutdown() {
    let app = app().await;
    let m = app.merchant().await;
    let receiver = Receiver::start().await;
    let (_, secret) = subscribe(&app, &m, json!({ "url": receiver.url })).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker(&app).run(async {
        let _ = stopped.await;
    }));
    for _ in 0..30 {
        emit(&app, m.business_id, SHIPMENT_UPDATE_STATUS).await;
    }
    let hits = receiver.wait_for(30, Duration::from_secs(20)).await;
    verify(&secret, &hits[0]);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stops")
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Crash: kill -9 of the real server between commit and delivery.

struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    async fn start(database_url: &str, port: u16) -> Server {
        let log =
            std::env::temp_dir().join(format!("depot-crash-{port}-{}.log", uuid::Uuid::new_v4()));
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
            .args([
                "--database-url",
                database_url,
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--ops-token",
                OPS_TOKEN,
                "--rate-limit-per-minute",
                "0",
                "--webhook-allow-private",
                "127.0.0.0/8",
                "--webhook-retry-schedule",
                "1s,1s,1s,1s,1s",
                "--webhook-timeout-secs",
                "2",
            ])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("depot starts");
        // Owned at once, so a failed start still kills and reaps the process (Drop).
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        // Generous: on a loaded two-core box start-up (connect, migrate) can take a while.
        for _ in 0..1200 {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "depot serve exited ({status}): {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await {
                if r.status() == 200 {
                    let _ = std::fs::remove_file(&log);
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "depot serve did not come up: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn kill_9(&mut self) {
        // std's kill is SIGKILL on Unix: no shutdown, no cleanup.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn killed_between_commit_and_delivery_the_event_still_arrives_with_the_same_id() {
    let database = TestDatabase::create().await;
    let port = free_port();
    let mut server = Server::start(&database.url, port).await;
    let client = reqwest::Client::new();
    let ops = |method: Method, path: &str| {
        client
            .request(method, format!("{}/ops/v1{path}", server.base))
            .bearer_auth(OPS_TOKEN)
    };
    let business = send(ops(Method::POST, "/businesses").json(&json!({
        "name": "Crash", "email": "crash@example.com"
    })))
    .await;
    let business_id = business.expect_ok(201)["business_id"].as_i64().unwrap();
    send(ops(
        Method::POST,
        &format!("/businesses/{business_id}/approve"),
    ))
    .await
    .expect_ok(200);
    let key = send(ops(
        Method::POST,
        &format!("/businesses/{business_id}/api-keys"),
    ))
    .await;
    let api_key = key.expect_ok(201)["api_key"].as_str().unwrap().to_string();

    // The receiver takes the first request and never answers it: the server is killed while
    // that attempt is in flight, holding the lease, with nothing recorded.
    let receiver = Receiver::start().await;
    receiver.then([reply(200).after(Duration::from_secs(120))]);
    let created = send(
        client
            .post(format!("{}/api/v1/webhooks", server.base))
            .header("Authorization", &api_key)
            .json(&json!({ "url": receiver.url })),
    )
    .await;
    let secret = created.expect_ok(201)["secret"]
        .as_str()
        .unwrap()
        .to_string();

    // A domain change commits its event (written here through the store, as the domain does).
    let db = depot_store::Db::connect(&database.url, &Default::default())
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let instance = record_event(
        &mut tx,
        business_id,
        SHIPMENT_UPDATE_STATUS,
        real_now(),
        |lang: Lang| json!({"status_info": {"label": lang.pick("Mới tạo", "New")}}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let first = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(first[0].header("webhook-id"), instance);
    server.kill_9();

    // Restarted, the server finds the delivery still owed (its lease runs out) and sends it:
    // the same event, the same webhook-id.
    let server = Server::start(&database.url, port).await;
    let hits = receiver.wait_for(2, Duration::from_secs(40)).await;
    assert_eq!(hits[1].header("webhook-id"), instance);
    assert_eq!(hits[1].body, first[0].body);
    assert_eq!(hits[1].json()["instance_id"], instance);
    verify(&secret, &hits[1]);

    // And the log says so.
    let mut log = Value::Null;
    for _ in 0..100 {
        let reply = send(
            client
                .get(format!("{}/api/v1/webhooks", server.base))
                .header("Authorization", &api_key),
        )
        .await;
        let id = reply.expect_ok(200)[0]["id"].as_i64().unwrap();
        let reply = send(
            client
                .get(format!("{}/api/v1/webhooks/{id}/deliveries", server.base))
                .header("Authorization", &api_key),
        )
        .await;
        log = reply.expect_ok(200)[0].clone();
        if log["status"] == "SUCCEEDED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(log["status"], "SUCCEEDED", "{log:#}");
    assert_eq!(log["instance_id"], instance);
    db.close().await;
    drop(server);
}
