//! `spawn_app` and the typed request helpers every test uses.
#![allow(dead_code)] // Not every test module uses every helper.

use depot_api::{AppState, Config};
use depot_domain::clock::ManualClock;
use depot_store::Db;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use serde_json::Value as JsonValue;
use std::sync::Arc;

pub const OPS_TOKEN: &str = "test-ops-token";
/// A fixed "now" for the manual clock: 2027-01-15.
pub const START_TIME: i64 = 1_800_000_000;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub clock: Arc<ManualClock>,
    /// The test's own file storage directory (removed with the app).
    pub storage_dir: std::path::PathBuf,
    _database: Arc<TestDatabase>,
}

/// A reply, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an error envelope with this status and code, and returns the body.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "status of {:#}", self.body);
        assert_eq!(self.body["error"], true, "{:#}", self.body);
        assert_eq!(self.body["error_code"], code, "{:#}", self.body);
        assert_eq!(self.body["data"], Value::Null);
        assert_eq!(self.body["version"], "1.0.3");
        assert_eq!(
            self.body["log_id"].as_str(),
            self.header("x-request-id"),
            "log_id is the request id"
        );
        &self.body
    }

    /// Asserts a success envelope with this status and returns `data`.
    #[track_caller]
    pub fn expect_ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "status of {:#}", self.body);
        assert_eq!(self.body["error"], false, "{:#}", self.body);
        assert_eq!(self.body["error_code"], Value::Null);
        assert_eq!(self.body["messages"], "OK");
        &self.body["data"]
    }
}

/// A business with an approved key.
#[derive(Debug, Clone)]
pub struct TestMerchant {
    pub business_id: i64,
    pub key_id: String,
    pub secret: String,
    pub api_key: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Config {
        ops_token: None,
        rate_limit_per_minute: 0,
        ..Config::default()
    })
    .await
}

pub async fn spawn_app_with(mut config: Config) -> TestApp {
    config.ops_token = Some(OPS_TOKEN.to_string());
    let database = TestDatabase::create().await;
    let db = Db::connect(&database.url, &Default::default())
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let clock = ManualClock::new(START_TIME);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // URLs Depot hands out point at this very server; files go to a directory of the test's own.
    config.public_url = base.clone();
    config.storage_dir = database.storage_dir();
    let storage_dir = config.storage_dir.clone();
    let state = AppState::new(db.clone(), clock.clone(), config);
    let pages = depot::pages(&state, &depot_web::WebConfig::new(&base));
    tokio::spawn(depot_api::serve_with(
        listener,
        state,
        pages,
        std::future::pending(),
    ));
    TestApp {
        base,
        client: reqwest::Client::new(),
        db,
        clock,
        storage_dir,
        _database: Arc::new(database),
    }
}

impl TestApp {
    /// The URL of the test's database.
    pub fn db_url(&self) -> String {
        self._database.url.clone()
    }

    /// Talks to a server running elsewhere (a `depot serve` process) over `database`, which
    /// lives as long as the last app that holds it.
    pub async fn attach(base: &str, database: Arc<TestDatabase>) -> TestApp {
        let db = Db::connect(&database.url, &Default::default())
            .await
            .expect("connect");
        TestApp {
            base: base.to_string(),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            db,
            clock: ManualClock::new(START_TIME),
            storage_dir: database.storage_dir(),
            _database: database,
        }
    }
}

impl TestApp {
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.base, path))
    }

    /// An operator call.
    pub fn ops(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, &format!("/ops/v1{path}"))
            .bearer_auth(OPS_TOKEN)
    }

    /// A merchant call under `/api/v1`.
    pub fn api(&self, merchant: &TestMerchant, method: Method, path: &str) -> RequestBuilder {
        self.request(method, &format!("/api/v1{path}"))
            .header("Authorization", &merchant.api_key)
    }

    /// Registers, approves and keys a new business.
    pub async fn merchant(&self) -> TestMerchant {
        let created = send(
            self.ops(Method::POST, "/businesses")
                .json(&serde_json::json!({
                    "name": "Shop", "email": "shop@example.com"
                })),
        )
        .await;
        let id = created.expect_ok(201)["business_id"].as_i64().unwrap();
        send(self.ops(Method::POST, &format!("/businesses/{id}/approve")))
            .await
            .expect_ok(200);
        let key = send(self.ops(Method::POST, &format!("/businesses/{id}/api-keys"))).await;
        let key = key.expect_ok(201);
        TestMerchant {
            business_id: id,
            key_id: key["key_id"].as_str().unwrap().to_string(),
            secret: key["secret"].as_str().unwrap().to_string(),
            api_key: key["api_key"].as_str().unwrap().to_string(),
        }
    }

    /// Adds a warehouse through the operator API.
    pub async fn warehouse(&self, code: &str) {
        send(self.ops(Method::POST, "/warehouses").json(&serde_json::json!({
            "warehouse_code": code, "name": format!("Kho {code}"), "address": "1 Phố Huế, Hà Nội",
            "province_code": "01", "district_code": "001", "ward_code": "00001"
        })))
        .await
        .expect_ok(201);
    }
}

pub async fn send(request: RequestBuilder) -> Reply {
    let res = request.send().await.expect("request sent");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.expect("body read");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// A database of the test's own: a temporary SQLite file, or a fresh PostgreSQL database
/// when `DEPOT_TEST_DATABASE_URL` names a server. Dropped with the test.
pub struct TestDatabase {
    pub url: String,
    pg_admin_url: Option<String>,
    name: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let name = format!("depot_test_{}", uuid::Uuid::new_v4().simple());
        match std::env::var("DEPOT_TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))
        {
            Some(admin) => {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("postgres reachable");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.ok();
                let (server, _) = admin.rsplit_once('/').expect("url names a database");
                TestDatabase {
                    url: format!("{server}/{name}"),
                    pg_admin_url: Some(admin),
                    name,
                }
            }
            None => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    pg_admin_url: None,
                    name,
                }
            }
        }
    }
}

impl TestDatabase {
    fn storage_dir(&self) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("{}-files", self.name))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.storage_dir());
        match &self.pg_admin_url {
            None => {
                let path = std::env::temp_dir().join(&self.name);
                for suffix in [".db", ".db-wal", ".db-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Some(admin) => {
                // Drop runs outside async: a short-lived runtime on its own thread does it.
                let (admin, name) = (admin.clone(), self.name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        use sqlx::Connection;
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&mut conn)
                            .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

impl TestApp {
    /// Creates a product for the merchant and maps it to the warehouse (ACTIVE); returns its OASIN.
    pub async fn product(&self, m: &TestMerchant, sku: &str, warehouse: &str) -> String {
        let created = send(self.api(m, Method::POST, "/products/create").json(&serde_json::json!({
            "sku": sku, "name": format!("Sản phẩm {sku}"), "weight": 0.5, "length": 10, "width": 10, "height": 5
        })))
        .await;
        let oasin = created.expect_ok(201)["oasin"]
            .as_str()
            .unwrap()
            .to_string();
        send(
            self.api(m, Method::PUT, &format!("/products/{oasin}/assign"))
                .json(&serde_json::json!({
                    "warehouse_code": warehouse
                })),
        )
        .await
        .expect_ok(200);
        oasin
    }

    /// Adds (or removes) sellable stock through an operator adjustment.
    pub async fn adjust(
        &self,
        m: &TestMerchant,
        warehouse: &str,
        oasin: &str,
        delta: i64,
    ) -> Reply {
        send(
            self.ops(Method::POST, "/stock/adjustments")
                .json(&serde_json::json!({
                    "business_id": m.business_id, "warehouse_code": warehouse, "oasin": oasin,
                    "stock_level": "A", "quantity_delta": delta, "reason": "test"
                })),
        )
        .await
    }

    /// The merchant's balance of a product at level A in a warehouse: (on_hand, reserved, available).
    pub async fn stock_of(
        &self,
        m: &TestMerchant,
        warehouse: &str,
        oasin: &str,
    ) -> (i64, i64, i64) {
        let reply = send(self.api(
            m,
            Method::GET,
            &format!("/products/stock?warehouse_code={warehouse}&oasin={oasin}"),
        ))
        .await;
        let rows = reply.expect_ok(200).as_array().unwrap().clone();
        rows.iter()
            .find(|r| r["stock_level"] == "A")
            .map(|r| {
                (
                    r["on_hand"].as_i64().unwrap(),
                    r["reserved"].as_i64().unwrap(),
                    r["available"].as_i64().unwrap(),
                )
            })
            .unwrap_or((0, 0, 0))
    }

    /// Fails the test if any balance is negative or differs from the sum of its ledger.
    pub async fn assert_stock_consistent(&self) {
        let problems = self.db.audit_stock().await.unwrap();
        assert!(problems.is_empty(), "stock audit: {problems:#?}");
    }

    /// Events recorded for a business, oldest first: (event_code, payload in English).
    pub async fn events(&self, business_id: i64) -> Vec<(String, JsonValue)> {
        let rows: Vec<(String, String)> = depot_store::sql::query_as(
            "SELECT event_code, payload_en FROM events WHERE business_id = $1 ORDER BY id",
        )
        .bind(business_id)
        .fetch_all(self.db.reader())
        .await
        .unwrap();
        rows.into_iter()
            .map(|(code, p)| (code, serde_json::from_str(&p).unwrap()))
            .collect()
    }
}

impl TestApp {
    /// Creates a B2C shipment; returns the reply.
    pub async fn create_shipment(
        &self,
        m: &TestMerchant,
        reference: &str,
        warehouse: &str,
        items: &[(&str, i64)],
    ) -> Reply {
        let items: Vec<JsonValue> = items
            .iter()
            .map(|(o, q)| serde_json::json!({"oasin": o, "product_quantity": q}))
            .collect();
        send(
            self.api(m, Method::POST, "/shipments/b2c/create")
                .json(&serde_json::json!({
                    "warehouse_code": warehouse, "platform": "shopee",
                    "merchant_tracking_code_reference": reference, "items": items
                })),
        )
        .await
    }

    /// Creates a shipment that must succeed; returns its tracking code.
    pub async fn shipment(
        &self,
        m: &TestMerchant,
        reference: &str,
        warehouse: &str,
        items: &[(&str, i64)],
    ) -> String {
        let reply = self.create_shipment(m, reference, warehouse, items).await;
        reply.expect_ok(200)["tracking_code"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// An operator status change.
    pub async fn set_status(&self, code: &str, status: &str) -> Reply {
        send(
            self.ops(Method::POST, &format!("/shipments/{code}/status"))
                .json(&serde_json::json!({ "status": status })),
        )
        .await
    }

    /// Walks a shipment forward through the given statuses, each of which must be accepted.
    pub async fn walk(&self, code: &str, statuses: &[&str]) {
        for s in statuses {
            self.set_status(code, s).await.expect_ok(200);
        }
    }

    pub async fn cancel(&self, m: &TestMerchant, code: &str, body: Option<JsonValue>) -> Reply {
        let req = self.api(m, Method::PUT, &format!("/shipments/b2c/{code}/cancel"));
        send(match body {
            Some(b) => req.json(&b),
            None => req,
        })
        .await
    }

    pub async fn detail(&self, m: &TestMerchant, code: &str) -> JsonValue {
        send(self.api(m, Method::GET, &format!("/shipments/{code}/detail")))
            .await
            .expect_ok(200)
            .clone()
    }

    /// The strongest stock invariant: besides the ledger audit, every reserved unit belongs to
    /// a shipment that holds a reservation (NEW or ALLOCATED), and nothing else is reserved.
    pub async fn assert_reservations_match_shipments(&self) {
        self.assert_stock_consistent().await;
        let rows: Vec<(i64, i64, i64, i64, i64)> = depot_store::sql::query_as(
            "SELECT b.business_id, b.warehouse_id, b.product_id, b.reserved, \
             CAST(COALESCE((SELECT SUM(l.product_quantity - l.cancelled_quantity) FROM shipment_lines l \
               JOIN shipments s ON s.id = l.shipment_id WHERE s.business_id = b.business_id \
               AND s.warehouse_id = b.warehouse_id AND l.product_id = b.product_id AND s.status IN (100, 200)), 0) AS BIGINT) \
             FROM stock_balances b WHERE b.stock_level = 'A'",
        )
        .fetch_all(self.db.reader())
        .await
        .unwrap();
        for (business, warehouse, product, reserved, held) in rows {
            assert_eq!(reserved, held, "business {business} warehouse {warehouse} product {product}: reserved vs held by shipments");
        }
        // Every shipment's times agree with its status.
        let bad: Vec<(i64, i64)> = depot_store::sql::query_as(
            "SELECT id, status FROM shipments WHERE \
             (status IN (490, 500) AND cancelled_time IS NULL) OR (status NOT IN (490, 500) AND cancelled_time IS NOT NULL) \
             OR (status >= 210 AND status < 490 AND picked_time IS NULL) \
             OR (status >= 300 AND status < 490 AND handover_time IS NULL) \
             OR (status IN (490, 500) AND superseded_by_id IS NULL AND EXISTS (SELECT 1 FROM shipment_lines l WHERE l.shipment_id = shipments.id AND l.cancelled_quantity <> l.product_quantity))",
        )
        .fetch_all(self.db.reader())
        .await
        .unwrap();
        assert!(
            bad.is_empty(),
            "shipments whose times or lines disagree with their status: {bad:?}"
        );
        // The per-status counts behind list totals match the shipments themselves, before
        // and after the server folds them.
        self.assert_counts_match_shipments().await;
        self.db.fold_shipment_counts().await.unwrap();
        self.assert_counts_match_shipments().await;
    }

    async fn assert_counts_match_shipments(&self) {
        let drift: Vec<(i64, i64, i64, i64)> = depot_store::sql::query_as(
            "SELECT k.business_id, k.status, k.n, \
             (SELECT COUNT(*) FROM shipments s WHERE s.business_id = k.business_id AND s.status = k.status) \
             FROM (SELECT business_id, status, CAST(SUM(n) AS BIGINT) AS n FROM shipment_counts \
                   GROUP BY business_id, status) k",
        )
        .fetch_all(self.db.reader())
        .await
        .unwrap();
        let drift: Vec<_> = drift
            .into_iter()
            .filter(|(_, _, n, real)| n != real)
            .collect();
        assert!(drift.is_empty(), "status counts that disagree with the shipments (business, status, counted, real): {drift:?}");
        let uncounted: i64 = depot_store::sql::query_scalar(
            "SELECT COUNT(*) FROM shipments s WHERE NOT EXISTS (SELECT 1 FROM shipment_counts k \
             WHERE k.business_id = s.business_id AND k.status = s.status)",
        )
        .fetch_one(self.db.reader())
        .await
        .unwrap();
        assert_eq!(uncounted, 0, "shipments in a status with no count");
        // The dashboard's per-day counts (UTC+7 days) are exactly the shipments grouped.
        let real: Vec<(i64, i64, i64, i64)> = depot_store::sql::query_as(
            "SELECT business_id, (created_time + 25200) / 86400, status, COUNT(*) FROM shipments \
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        )
        .fetch_all(self.db.reader())
        .await
        .unwrap();
        let counted: Vec<(i64, i64, i64, i64)> = depot_store::sql::query_as(
            "SELECT business_id, day, status, CAST(SUM(n) AS BIGINT) FROM shipment_day_counts \
             GROUP BY 1, 2, 3 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3",
        )
        .fetch_all(self.db.reader())
        .await
        .unwrap();
        assert_eq!(
            counted, real,
            "day counts (business, day, status, n) against the shipments"
        );
    }
}
