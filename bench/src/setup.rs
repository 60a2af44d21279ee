//! Fresh databases, the seed over the API (merchant, warehouse, products, stock), and bulk SQL
//! pools of shipments written straight into the database.
//!
//! Why SQL for pools: a deep-page list needs 100,000 (or 1,000,000) stored shipments and a
//! bulk-cancel run at 20,000 shipments/s consumes a few hundred thousand; creating those over
//! HTTP would take longer than the whole standard run. The rows written here are the rows
//! `Db::create_shipment` writes (shipment, one line, one history entry) and, for shipments
//! that hold stock, the reservation is added to the balance with one `RESERVE` ledger row per
//! product, so the stock ledger still sums to the balances and cancels release real
//! reservations. They carry no outbox events (nothing happened to them that a merchant
//! should hear about).

use anyhow::{bail, Context};
use depot_domain::codes::CodeKind;
use depot_domain::quantity::MAX_QUANTITY;
use depot_store::{Backend, Db, PoolConfig};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "SQLite",
            Kind::Postgres => "PostgreSQL",
        }
    }
}

/// A database made for one run and removed after it.
pub struct Database {
    pub url: String,
    pg_admin: Option<String>,
    name: String,
    dir: PathBuf,
}

impl Database {
    pub async fn create(
        kind: Kind,
        pg_admin: &str,
        dir: &Path,
        tag: &str,
    ) -> anyhow::Result<Database> {
        let name = format!(
            "depot_bench_{}_{tag}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let db = match kind {
            Kind::Sqlite => Database {
                url: format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
                pg_admin: None,
                name,
                dir: dir.to_path_buf(),
            },
            Kind::Postgres => {
                check_loopback(pg_admin)?;
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(pg_admin)
                    .await
                    .with_context(|| format!("connecting to PostgreSQL at {pg_admin}"))?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await.ok();
                let (server, _) = pg_admin
                    .rsplit_once('/')
                    .context("the PostgreSQL URL names no database")?;
                Database {
                    url: format!("{server}/{name}"),
                    pg_admin: Some(pg_admin.to_string()),
                    name,
                    dir: dir.to_path_buf(),
                }
            }
        };
        CREATED.lock().unwrap().push(db.handle());
        Ok(db)
    }

    fn handle(&self) -> Handle {
        Handle {
            pg_admin: self.pg_admin.clone(),
            name: self.name.clone(),
            dir: self.dir.clone(),
        }
    }

    pub async fn connect(&self) -> anyhow::Result<Db> {
        let db = Db::connect(&self.url, &PoolConfig::default()).await?;
        Ok(db)
    }

    /// Leaves the database in place (`--keep`).
    pub fn forget(&self) {
        CREATED.lock().unwrap().retain(|h| h.name != self.name);
    }

    pub async fn remove(self) {
        CREATED.lock().unwrap().retain(|h| h.name != self.name);
        self.handle().remove().await;
    }
}

/// What it takes to remove a database, kept until it is removed so an interrupted run can
/// still clean up.
#[derive(Clone)]
struct Handle {
    pg_admin: Option<String>,
    name: String,
    dir: PathBuf,
}

static CREATED: std::sync::Mutex<Vec<Handle>> = std::sync::Mutex::new(Vec::new());

impl Handle {
    async fn remove(&self) {
        match &self.pg_admin {
            None => {
                for suffix in [".db", ".db-wal", ".db-shm"] {
                    let _ = std::fs::remove_file(self.dir.join(format!("{}{suffix}", self.name)));
                }
            }
            Some(admin) => {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
                    let _ = sqlx::query(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ))
                    .execute(&mut conn)
                    .await;
                    conn.close().await.ok();
                }
            }
        }
    }
}

/// Removes every database this process created and has not removed yet (on Ctrl-C).
pub async fn remove_all() {
    let handles = std::mem::take(&mut *CREATED.lock().unwrap());
    for h in handles {
        h.remove().await;
    }
}

/// Traffic goes to this machine only: refuse a PostgreSQL server elsewhere.
fn check_loopback(url: &str) -> anyhow::Result<()> {
    let rest = url
        .split_once("://")
        .map(|(_, r)| r)
        .context("PostgreSQL URL without a scheme")?;
    let host_port = rest.split('/').next().unwrap_or("");
    let host_port = host_port.rsplit('@').next().unwrap_or("");
    let host = if let Some(stripped) = host_port.strip_prefix('[') {
        stripped.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if !matches!(host, "127.0.0.1" | "localhost" | "::1") {
        bail!("the benchmark only talks to this machine: PostgreSQL host must be 127.0.0.1, localhost or ::1, not {host:?}");
    }
    Ok(())
}

/// What the seed made, as the HTTP scenarios need it.
#[derive(Debug, Clone)]
pub struct Seed {
    pub business_id: i64,
    pub key_id: String,
    pub secret: String,
    pub api_key: String,
    pub warehouse_code: String,
    pub oasins: Vec<String>,
}

pub const WAREHOUSE: &str = "WH-BENCH";
pub const STOCK_PER_PRODUCT: i64 = 100_000_000;

/// Creates a merchant (approved, with a key), a warehouse, `products` active products and
/// plenty of sellable stock, all through the operator and merchant APIs.
pub async fn over_api(
    client: &reqwest::Client,
    base: &str,
    ops_token: &str,
    products: usize,
) -> anyhow::Result<Seed> {
    let ops = |method: reqwest::Method, path: &str| {
        client
            .request(method, format!("{base}/ops/v1{path}"))
            .bearer_auth(ops_token)
    };
    let business = call(
        ops(reqwest::Method::POST, "/businesses")
            .json(&json!({"name": "Bench Shop", "email": "bench@example.com"})),
    )
    .await?;
    let business_id = business["business_id"]
        .as_i64()
        .context("business_id in reply")?;
    call(ops(
        reqwest::Method::POST,
        &format!("/businesses/{business_id}/approve"),
    ))
    .await?;
    let key = call(ops(
        reqwest::Method::POST,
        &format!("/businesses/{business_id}/api-keys"),
    ))
    .await?;
    let text = |v: &Value, k: &str| -> anyhow::Result<String> {
        Ok(v[k]
            .as_str()
            .with_context(|| format!("{k} in reply"))?
            .to_string())
    };
    let seed_key = (
        text(&key, "key_id")?,
        text(&key, "secret")?,
        text(&key, "api_key")?,
    );
    call(ops(reqwest::Method::POST, "/warehouses").json(&json!({
        "warehouse_code": WAREHOUSE, "name": "Kho Bench", "address": "1 Lê Lợi, Quận 1",
        "province_code": "79", "district_code": "760", "ward_code": "26734"
    })))
    .await?;
    let api = |method: reqwest::Method, path: &str| {
        client
            .request(method, format!("{base}/api/v1{path}"))
            .header("Authorization", &seed_key.2)
    };
    let mut oasins = Vec::with_capacity(products);
    for n in 0..products {
        let sku = format!("BENCH-SKU-{n:03}");
        let product = call(api(reqwest::Method::POST, "/products/create").json(&json!({
            "sku": sku, "name": format!("Sản phẩm {n}"), "weight": 0.5,
            "length": 10, "width": 10, "height": 5, "product_price": 150000
        })))
        .await?;
        let oasin = text(&product, "oasin")?;
        call(
            api(reqwest::Method::PUT, &format!("/products/{oasin}/assign"))
                .json(&json!({"warehouse_code": WAREHOUSE})),
        )
        .await?;
        // One adjustment moves at most MAX_QUANTITY units, as for any operator.
        let mut left = STOCK_PER_PRODUCT;
        while left > 0 {
            let delta = left.min(MAX_QUANTITY);
            call(
                ops(reqwest::Method::POST, "/stock/adjustments").json(&json!({
                    "business_id": business_id, "warehouse_code": WAREHOUSE, "oasin": oasin,
                    "stock_level": "A", "quantity_delta": delta, "reason": "benchmark stock"
                })),
            )
            .await?;
            left -= delta;
        }
        oasins.push(oasin);
    }
    Ok(Seed {
        business_id,
        key_id: seed_key.0,
        secret: seed_key.1,
        api_key: seed_key.2,
        warehouse_code: WAREHOUSE.to_string(),
        oasins,
    })
}

/// Creates `count` shipments over the merchant API at `concurrency`, as a user would, and
/// cancels one in ten of them: the database the scenarios meet then holds rows made by the
/// server itself (events, idempotency, history) beside the bulk-written history.
pub async fn shipments_over_api(
    client: &reqwest::Client,
    base: &str,
    seed: &Seed,
    count: u64,
    concurrency: usize,
) -> anyhow::Result<String> {
    use std::sync::Arc;
    if count == 0 {
        return Ok("no shipments over HTTP".into());
    }
    let (client, base) = (client.clone(), Arc::new(base.to_string()));
    let (key, oasins) = (
        Arc::new(seed.api_key.clone()),
        Arc::new(seed.oasins.clone()),
    );
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let load = crate::load::Load {
        concurrency,
        duration: std::time::Duration::from_secs(600),
        max_requests: count,
    };
    let out = crate::load::run(load, move |i| {
        let (client, base, key, oasins) =
            (client.clone(), base.clone(), key.clone(), oasins.clone());
        let body = create_body(
            &format!("{tag}-seed-{i}"),
            &oasins[i as usize % oasins.len()],
        );
        async move {
            let data = call(
                client
                    .post(format!("{base}/api/v1/shipments/b2c/create"))
                    .header("Authorization", key.as_str())
                    .json(&body),
            )
            .await
            .map_err(|e| e.to_string())?;
            if i % 10 == 9 {
                let code = data["tracking_code"].as_str().unwrap_or_default();
                call(
                    client
                        .put(format!("{base}/api/v1/shipments/b2c/{code}/cancel"))
                        .header("Authorization", key.as_str()),
                )
                .await
                .map_err(|e| e.to_string())?;
            }
            Ok(1)
        }
    })
    .await;
    if out.errors > 0 {
        bail!(
            "creating shipments over the API: {} of {count} failed, e.g. {}",
            out.errors,
            out.first_error.unwrap_or_default()
        );
    }
    Ok(format!(
        "{count} shipments created over HTTP in {:.1} s, {} cancelled",
        out.elapsed.as_secs_f64(),
        count / 10
    ))
}

/// Sends a seed request and returns `data`, failing on anything but a success envelope.
async fn call(req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let res = req.send().await?;
    let status = res.status();
    let body: Value = res.json().await.context("seed reply is not JSON")?;
    if !status.is_success() || body["error"] != false {
        bail!("seed request failed: {status} {body}");
    }
    Ok(body["data"].clone())
}

/// The same merchant, warehouse, products and stock, made with `depot_store` directly (for the
/// in-process baseline's own database).
pub async fn in_process(db: &Db, products: usize) -> anyhow::Result<Seed> {
    use depot_store::adjustments::Adjustment;
    use depot_store::catalog::{NewWarehouse, Warehouse};
    use depot_store::products::NewProduct;
    let now = now();
    let business = db
        .create_business("Bench Shop", "bench@example.com", now)
        .await?;
    db.approve_business(business.business_id, now).await?;
    let key = db
        .create_api_key(business.business_id, now)
        .await?
        .context("business vanished")?;
    let warehouse = Warehouse {
        id: 0,
        warehouse_code: WAREHOUSE.into(),
        name: "Kho Bench".into(),
        address: "1 Lê Lợi, Quận 1".into(),
        province_code: Some("79".into()),
        district_code: Some("760".into()),
        ward_code: Some("26734".into()),
    };
    if let NewWarehouse::CodeTaken = db.create_warehouse(&warehouse, now).await? {
        bail!("warehouse exists in a fresh database");
    }
    let mut oasins = Vec::with_capacity(products);
    for n in 0..products {
        let p = NewProduct {
            sku: format!("BENCH-SKU-{n:03}"),
            name: format!("Sản phẩm {n}"),
            product_type: "PHYSICAL".into(),
            weight: 0.5,
            length: 10.0,
            width: 10.0,
            height: 5.0,
            price_minor: Some(15_000_000),
            currency: "VND".into(),
            inventory_tracking_type: "NONE".into(),
            ..Default::default()
        };
        let product = db
            .create_product(business.business_id, &p, now)
            .await?
            .map_err(|e| anyhow::anyhow!("create product: {e:?}"))?;
        let oasin = product.oasin();
        db.assign_product(business.business_id, &oasin, WAREHOUSE, now)
            .await?
            .map_err(|e| anyhow::anyhow!("assign product: {e:?}"))?;
        db.adjust_stock(
            &Adjustment {
                business_id: business.business_id,
                warehouse_code: WAREHOUSE,
                oasin: &oasin,
                stock_level: "A",
                quantity_delta: STOCK_PER_PRODUCT,
                reason: "benchmark stock",
            },
            now,
        )
        .await?
        .map_err(|e| anyhow::anyhow!("adjust stock: {e:?}"))?;
        oasins.push(oasin);
    }
    Ok(Seed {
        business_id: business.business_id,
        key_id: key.key_id,
        secret: key.secret,
        api_key: key.api_key,
        warehouse_code: WAREHOUSE.into(),
        oasins,
    })
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One shipment of a pool.
#[derive(Debug, Clone)]
pub struct PoolItem {
    pub id: i64,
    pub line_id: i64,
    pub reference: String,
    pub quantity: i64,
}

impl PoolItem {
    pub fn code(&self) -> String {
        CodeKind::Shipment.format(self.id)
    }
}

/// Which shipments to write.
#[derive(Debug, Clone)]
pub struct PoolSpec<'a> {
    /// Merchant references are `<prefix><n>`; unique per run.
    pub prefix: &'a str,
    pub count: u64,
    /// NEW (100) holds a reservation; DELIVERED (390) is history only.
    pub delivered: bool,
    /// Units on the single line.
    pub quantity: i64,
    /// Spread `created_time` one second apart ending now (a long history), or all now.
    pub spread_times: bool,
}

/// Writes a pool of shipments for the seed's merchant in one transaction; returns the
/// shipments (with their line) when `want_items`.
pub async fn pool(
    db: &Db,
    seed: &Seed,
    spec: &PoolSpec<'_>,
    want_items: bool,
) -> anyhow::Result<Vec<PoolItem>> {
    if spec.count == 0 {
        return Ok(Vec::new());
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        // On SQLite the transaction takes the write lock at BEGIN (waiting up to the busy
        // timeout while the server's webhook worker writes).
        let mut tx = db.begin().await?;
        match pool_in(&mut tx, db.backend(), seed, spec, want_items).await {
            Ok(items) => {
                tx.commit().await?;
                return Ok(items);
            }
            Err(e) => {
                drop(tx);
                if attempt >= 3 || !format!("{e:#}").contains("locked") {
                    return Err(e);
                }
                eprintln!("  (pool: database busy, retrying)");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        }
    }
}

async fn pool_in(
    tx: &mut depot_store::Tx,
    backend: Backend,
    seed: &Seed,
    spec: &PoolSpec<'_>,
    want_items: bool,
) -> anyhow::Result<Vec<PoolItem>> {
    let now = now();
    let product_ids: Vec<i64> = seed
        .oasins
        .iter()
        .map(|o| CodeKind::Product.parse(o).context("oasin"))
        .collect::<anyhow::Result<_>>()?;
    let first = product_ids[0];
    if product_ids
        .iter()
        .enumerate()
        .any(|(i, id)| *id != first + i as i64)
    {
        bail!("seed products do not have consecutive ids");
    }
    let n = product_ids.len() as i64;
    let warehouse_id: i64 =
        depot_store::sql::query_scalar("SELECT id FROM warehouses WHERE warehouse_code = $1")
            .bind(&seed.warehouse_code)
            .fetch_one(&mut **tx)
            .await?;
    let before: i64 = depot_store::sql::query_scalar(
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM shipments",
    )
    .fetch_one(&mut **tx)
    .await?;
    let (with, from) = match backend {
        Backend::Sqlite => (
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $1) ",
            "seq",
        ),
        Backend::Postgres => ("", "generate_series(1, CAST($1 AS BIGINT)) AS seq(i)"),
    };
    let (status, milestones) = if spec.delivered {
        (390_i64, "t, t, t, t, t")
    } else {
        (100_i64, "NULL, NULL, NULL, NULL, NULL")
    };
    // created_time = $5 + i * $6: one second apart ending now, or all now.
    let (base, step) = if spec.spread_times {
        (now - spec.count as i64, 1_i64)
    } else {
        (now, 0_i64)
    };
    let sql = format!(
        "{with}INSERT INTO shipments (business_id, warehouse_id, merchant_tracking_code_reference, \
         platform, status, status_time, created_time, updated_time, allocated_time, picked_time, \
         packed_time, handover_time, delivered_time) \
         SELECT $2, $3, CAST($4 AS TEXT) || CAST(i AS TEXT), 'shopee', $7, t, t, t, {milestones} \
         FROM (SELECT i, $5 + i * $6 AS t FROM {from}) AS s ORDER BY i"
    );
    depot_store::sql::query(&sql)
        .bind(spec.count as i64)
        .bind(seed.business_id)
        .bind(warehouse_id)
        .bind(spec.prefix)
        .bind(base)
        .bind(step)
        .bind(status)
        .execute(&mut **tx)
        .await
        .context("bulk insert of shipments")?;
    let after: i64 = depot_store::sql::query_scalar(
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM shipments",
    )
    .fetch_one(&mut **tx)
    .await?;
    if after - before != spec.count as i64 {
        bail!(
            "bulk insert wrote {} shipments, wanted {}",
            after - before,
            spec.count
        );
    }
    depot_store::sql::query(
        "INSERT INTO shipment_lines (shipment_id, product_id, sku, product_quantity, position) \
         SELECT s.id, p.id, p.sku, $3, 0 FROM shipments s JOIN products p ON p.id = $4 + (s.id % $5) \
         WHERE s.id > $1 AND s.id <= $2 ORDER BY s.id",
    )
    .bind(before)
    .bind(after)
    .bind(spec.quantity)
    .bind(first)
    .bind(n)
    .execute(&mut **tx)
    .await
    .context("bulk insert of lines")?;
    depot_store::sql::query(
        "INSERT INTO shipment_history (shipment_id, status, actor, note, created_time) \
         SELECT id, status, 'merchant', NULL, created_time FROM shipments \
         WHERE id > $1 AND id <= $2 ORDER BY id",
    )
    .bind(before)
    .bind(after)
    .execute(&mut **tx)
    .await
    .context("bulk insert of history")?;
    if !spec.delivered {
        // The pool's reservations, one ledger row per product.
        let per_product = depot_store::sql::query(
            "SELECT product_id, CAST(SUM(product_quantity) AS BIGINT) AS q FROM shipment_lines \
             WHERE shipment_id > $1 AND shipment_id <= $2 GROUP BY product_id",
        )
        .bind(before)
        .bind(after)
        .fetch_all(&mut **tx)
        .await?;
        for row in per_product {
            let product_id: i64 = row.try_get("product_id")?;
            let q: i64 = row.try_get("q")?;
            let moved = depot_store::sql::query(
                "UPDATE stock_balances SET reserved = reserved + $5, updated_time = $6 \
                 WHERE business_id = $1 AND warehouse_id = $2 AND product_id = $3 AND stock_level = $4 \
                 AND on_hand >= reserved + $5",
            )
            .bind(seed.business_id)
            .bind(warehouse_id)
            .bind(product_id)
            .bind("A")
            .bind(q)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            if moved.rows_affected() != 1 {
                bail!("not enough stock of product {product_id} for the pool");
            }
            depot_store::sql::query(
                "INSERT INTO stock_ledger (business_id, warehouse_id, product_id, stock_level, \
                 movement_type, on_hand_delta, reserved_delta, reference_code, reason, is_abnormal, \
                 created_time) VALUES ($1, $2, $3, 'A', 'RESERVE', 0, $4, $5, 'benchmark pool', 0, $6)",
            )
            .bind(seed.business_id)
            .bind(warehouse_id)
            .bind(product_id)
            .bind(q)
            .bind(format!("BENCH-{}", spec.prefix))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    let items = if want_items {
        let rows = depot_store::sql::query(
            "SELECT s.id, l.id AS line_id, s.merchant_tracking_code_reference AS reference \
             FROM shipments s JOIN shipment_lines l ON l.shipment_id = s.id \
             WHERE s.id > $1 AND s.id <= $2 ORDER BY s.id",
        )
        .bind(before)
        .bind(after)
        .fetch_all(&mut **tx)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PoolItem {
                    id: r.try_get("id")?,
                    line_id: r.try_get("line_id")?,
                    reference: r.try_get("reference")?,
                    quantity: spec.quantity,
                })
            })
            .collect::<Result<Vec<_>, depot_store::StoreError>>()?
    } else {
        Vec::new()
    };
    Ok(items)
}

/// After a large seed: PostgreSQL's autovacuum would analyse the new rows within a minute;
/// the benchmark does it at once so the first scenarios do not race it. SQLite: nothing runs
/// ANALYZE in production, so neither does the benchmark; a checkpoint folds the WAL back.
pub async fn settle(db: &Db) -> anyhow::Result<()> {
    match db.backend() {
        Backend::Postgres => {
            depot_store::sql::query("ANALYZE shipments, shipment_lines, shipment_history")
                .execute(db.writer())
                .await?;
        }
        Backend::Sqlite => {
            db.checkpoint().await?;
        }
    }
    Ok(())
}

/// The first and last id of the shipments written under a prefix (for picking random ones).
pub async fn id_range(
    db: &Db,
    seed: &Seed,
    prefix: &str,
    count: u64,
) -> anyhow::Result<(i64, i64)> {
    let last: i64 = depot_store::sql::query_scalar(
        "SELECT id FROM shipments WHERE business_id = $1 AND merchant_tracking_code_reference = $2",
    )
    .bind(seed.business_id)
    .bind(format!("{prefix}{count}"))
    .fetch_one(db.reader())
    .await
    .context("last shipment of the list seed")?;
    Ok((last - count as i64 + 1, last))
}

/// The create body every create scenario sends: one line, a receiver, COD.
pub fn create_body(reference: &str, oasin: &str) -> Value {
    json!({
        "warehouse_code": WAREHOUSE,
        "platform": "shopee",
        "merchant_tracking_code_reference": reference,
        "courier_name": "GHN",
        "items": [{"oasin": oasin, "product_quantity": 1}],
        "receiver": {
            "name": "Nguyễn Văn A", "phone": "0901234567", "address": "12 Phố Huế",
            "province_code": "01", "district_code": "001", "ward_code": "00001"
        },
        "cod_amount": 150000,
        "note": "benchmark"
    })
}
