//! `depot serve --demo`: a ready-to-try business so the README walkthrough needs no set-up:
//! a business and key, a warehouse, a brand, products with stock, and (through the API
//! itself, see [`seed_activity`]) shipments in several statuses, purchase orders and a return.

use depot_domain::clock::{Clock, SystemClock};
use depot_store::adjustments::Adjustment;
use depot_store::catalog::Warehouse;
use depot_store::products::NewProduct;
use depot_store::tenants::CustomerType;
use depot_store::users::OperatorRole;
use depot_store::Db;

const DEMO_EMAIL: &str = "demo@depot.local";
/// The demo's sign-ins (README: "Demo sign-ins"). Fixed, so the walkthrough can name them;
/// `--demo` is for trying Depot, never for a real deployment.
pub const DEMO_PORTAL_PASSWORD: &str = "Cửa-hàng-demo-2026";
const DEMO_ADMIN_EMAIL: &str = "admin@depot.local";
pub const DEMO_ADMIN_PASSWORD: &str = "Kho-Hà-Nội-demo-2026";
const WAREHOUSE: &str = "WH-HN01";

pub async fn seed(db: &Db, base_url: &str) -> anyhow::Result<()> {
    let now = SystemClock.now();
    let business = match db.business_by_email(DEMO_EMAIL).await? {
        Some(b) => b,
        None => db.create_business("Demo Shop", DEMO_EMAIL, now).await?,
    };
    db.approve_business(business.business_id, now).await?;
    db.set_customer_type(business.business_id, CustomerType::OmsUser, now)
        .await?;
    // Creating an existing warehouse is refused by its unique code, which is fine on a re-run.
    db.create_warehouse(
        &Warehouse {
            id: 0,
            warehouse_code: WAREHOUSE.into(),
            name: "Kho Hà Nội 01".into(),
            address: "Số 1 Phố Phúc Xá, Ba Đình, Hà Nội".into(),
            province_code: Some("01".into()),
            district_code: Some("001".into()),
            ward_code: Some("00001".into()),
        },
        now,
    )
    .await?;
    let brand = match db.brands(Some("Depot Demo")).await?.pop() {
        Some(b) => b,
        None => db.create_brand("Depot Demo", now).await?,
    };
    let mut oasins = Vec::new();
    for (sku, name, stock) in [
        ("DEMO-TEE", "Áo thun Depot", 50),
        ("DEMO-MUG", "Cốc sứ Depot", 20),
    ] {
        let product = NewProduct {
            sku: sku.into(),
            name: name.into(),
            brand_id: Some(brand.id),
            product_type: "PHYSICAL".into(),
            weight: 0.3,
            length: 20.0,
            width: 15.0,
            height: 3.0,
            currency: "VND".into(),
            inventory_tracking_type: "NONE".into(),
            price_minor: Some(15_000_000),
            ..NewProduct::default()
        };
        // On a re-run the SKU exists already: keep the first product and its stock.
        if let Ok(p) = db
            .create_product(business.business_id, &product, now)
            .await?
        {
            let oasin = p.oasin();
            let _ = db
                .assign_product(business.business_id, &oasin, WAREHOUSE, now)
                .await?;
            let adjustment = Adjustment {
                business_id: business.business_id,
                warehouse_code: WAREHOUSE,
                oasin: &oasin,
                stock_level: "A",
                quantity_delta: stock,
                reason: "demo stock",
            };
            let _ = db.adjust_stock(&adjustment, now).await?;
            oasins.push(oasin);
        }
    }
    let key = db
        .create_api_key(business.business_id, now)
        .await?
        .expect("demo business exists");
    let (activity, existing) = seed_activity(db, base_url, &key.api_key).await?;
    // On a re-run the products exist already: name them anyway, for the walkthrough.
    if oasins.is_empty() {
        oasins = existing;
    }
    println!(
        "Demo business {} is ready. Its API key (shown once):",
        business.business_id
    );
    println!("  {}", key.api_key);
    let (portal_email, admin_email) = seed_sign_ins(db, business.business_id, now).await?;
    println!("Merchant portal: {base_url}/portal/login");
    println!("  email {portal_email}  password {DEMO_PORTAL_PASSWORD}");
    println!("Operator console: {base_url}/console/login");
    println!("  email {admin_email}  password {DEMO_ADMIN_PASSWORD}");
    if !activity.is_empty() {
        println!("Demo activity (new this run): {}", activity.join(", "));
    }
    if let Some(oasin) = oasins.first() {
        println!(
            "Demo products: {} (warehouse {WAREHOUSE}, with stock)",
            oasins.join(", ")
        );
        println!("Try:");
        println!(
            "  curl -s -X POST -H 'Authorization: {}' -H 'Content-Type: application/json' \\\n    -d '{{\"warehouse_code\":\"{WAREHOUSE}\",\"platform\":\"shopee\",\"merchant_tracking_code_reference\":\"ORDER-{now}\",\"items\":[{{\"oasin\":\"{oasin}\",\"product_quantity\":1}}]}}' \\\n    {base_url}/api/v1/shipments/b2c/create",
            key.api_key
        );
    } else {
        println!("Try:");
        println!(
            "  curl -s -H 'Authorization: {}' {base_url}/api/v1/products",
            key.api_key
        );
    }
    Ok(())
}

/// The demo business's portal user and an admin operator, with the demo passwords (set again
/// on every `--demo` start, so the printed sign-ins always work).
async fn seed_sign_ins(db: &Db, business_id: i64, now: i64) -> anyhow::Result<(String, String)> {
    let portal_hash = depot_web::password::hash(DEMO_PORTAL_PASSWORD).await;
    match db.user_by_email(DEMO_EMAIL).await? {
        Some(user) => {
            db.set_user_password(user.id, &portal_hash, false, now)
                .await?;
        }
        None => {
            db.create_user(business_id, DEMO_EMAIL, "Demo Owner", &portal_hash, now)
                .await?;
        }
    }
    let admin_hash = depot_web::password::hash(DEMO_ADMIN_PASSWORD).await;
    let admin = match db.operator_by_email(DEMO_ADMIN_EMAIL).await? {
        Some(op) => op.id,
        None => match db
            .create_operator(DEMO_ADMIN_EMAIL, OperatorRole::Admin, &[], &admin_hash, now)
            .await?
        {
            depot_store::users::NewOperator::Created(op) => op.id,
            other => anyhow::bail!("creating the demo operator: {other:?}"),
        },
    };
    // The demo admin may go straight in: no one-time password to change.
    db.set_operator_password(admin, &admin_hash, false, now)
        .await?;
    Ok((DEMO_EMAIL.to_string(), DEMO_ADMIN_EMAIL.to_string()))
}

/// (merchant reference, lines of (SKU, units), operator moves).
type DemoShipment = (
    &'static str,
    &'static [(&'static str, i64)],
    &'static [&'static str],
);

/// The demo's orders: (merchant reference, lines of (SKU, units), the operator moves after
/// creation). `CANCEL` is the merchant's cancel. The last one asks more mugs than are in stock,
/// so it waits for stock.
const SHIPMENTS: &[DemoShipment] = &[
    ("DEMO-ORD-001", &[("DEMO-TEE", 1)], &[]),
    ("DEMO-ORD-002", &[("DEMO-TEE", 2), ("DEMO-MUG", 1)], &[]),
    ("DEMO-ORD-003", &[("DEMO-MUG", 1)], &[]),
    ("DEMO-ORD-004", &[("DEMO-TEE", 1)], &["ALLOCATED", "PICKED"]),
    (
        "DEMO-ORD-005",
        &[("DEMO-TEE", 1), ("DEMO-MUG", 2)],
        &["ALLOCATED", "PICKED", "PACKED"],
    ),
    (
        "DEMO-ORD-006",
        &[("DEMO-TEE", 3)],
        &["ALLOCATED", "PICKED", "PACKED", "HANDOVER", "IN_TRANSIT"],
    ),
    (
        "DEMO-ORD-007",
        &[("DEMO-TEE", 2)],
        &[
            "ALLOCATED",
            "PICKED",
            "PACKED",
            "HANDOVER",
            "IN_TRANSIT",
            "OUT_FOR_DELIVERY",
            "DELIVERED",
        ],
    ),
    (
        "DEMO-ORD-008",
        &[("DEMO-MUG", 1)],
        &[
            "ALLOCATED",
            "PICKED",
            "PACKED",
            "HANDOVER",
            "IN_TRANSIT",
            "DELIVERED",
        ],
    ),
    ("DEMO-ORD-009", &[("DEMO-TEE", 1)], &["CANCEL"]),
    ("DEMO-ORD-010", &[("DEMO-MUG", 40)], &[]),
];

/// Shipments, purchase orders and a return for the demo business, made by calling the API
/// in-process — the merchant side with the demo key, the warehouse side with a one-off
/// operator token that only this state knows — so they pass every check a client's would.
/// Everything is named by a fixed reference and made only when the reference is new, so a
/// second `--demo` start on the same database adds nothing. Returns what was made.
/// Also answers the OASINs of the two stocked demo products.
async fn seed_activity(
    db: &Db,
    base_url: &str,
    api_key: &str,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    use depot_api::{AppState, Config};
    use depot_domain::clock::SharedClock;
    use std::sync::Arc;

    let ops_token = depot_web::session::random_token();
    let clock: SharedClock = Arc::new(SystemClock);
    let state = AppState::new(
        db.clone(),
        clock,
        Config {
            ops_token: Some(ops_token.clone()),
            rate_limit_per_minute: 0,
            public_url: base_url.to_string(),
            ..Config::default()
        },
    );
    let api = Api {
        app: depot_api::app(state),
        api_key: api_key.to_string(),
        ops_token,
    };
    let mut made = Vec::new();
    let products = api
        .call(Method::GET, "/api/v1/products?page_size=100", None, false)
        .await?;
    let oasin_of = |sku: &str| -> Option<String> {
        products.as_array()?.iter().find(|p| p["sku"] == sku)?["oasin"]
            .as_str()
            .map(str::to_string)
    };
    let (Some(tee), Some(mug)) = (oasin_of("DEMO-TEE"), oasin_of("DEMO-MUG")) else {
        return Ok((made, Vec::new()));
    };
    let oasin = |sku: &str| {
        if sku == "DEMO-TEE" {
            tee.clone()
        } else {
            mug.clone()
        }
    };

    // A product still NEW (not yet in a warehouse), to show the catalogue's statuses.
    let exists = api
        .call(Method::GET, "/api/v1/products?sku=DEMO-BAG", None, false)
        .await?;
    if exists.as_array().is_some_and(|a| a.is_empty()) {
        api.call(
            Method::POST,
            "/api/v1/products/create",
            Some(
                json!({"sku": "DEMO-BAG", "name": "Túi vải Depot", "weight": 0.2, "length": 40,
                        "width": 35, "height": 1, "product_price": 99000, "min_stock_warning": 10}),
            ),
            false,
        )
        .await?;
        made.push("product DEMO-BAG".to_string());
    }

    // A purchase order received in full (stock, an inspection to read) and one in transit.
    for (reference, units, receive) in [("DEMO-PO-001", 30, true), ("DEMO-PO-002", 100, false)] {
        let found = api
            .call(
                Method::GET,
                &format!("/api/v1/purchase-orders?merchant_po_reference={reference}"),
                None,
                false,
            )
            .await?;
        if found.as_array().is_some_and(|a| !a.is_empty()) {
            continue;
        }
        let po = api
            .call(
                Method::POST,
                "/api/v1/purchase-orders/create",
                Some(json!({
                    "warehouse_code": WAREHOUSE, "merchant_po_reference": reference,
                    "vas": ["CO_INSPECTION"], "note": "Hàng về kho Hà Nội",
                    "packages": [
                        {"package_code": format!("{reference}-BOX1"), "weight": 12.5, "length": 60, "width": 40, "height": 40,
                         "items": [{"oasin": tee, "product_quantity": units}]},
                        {"package_code": format!("{reference}-BOX2"), "weight": 8.0,
                         "items": [{"oasin": mug, "product_quantity": units / 2}]}
                    ]
                })),
                false,
            )
            .await?;
        let code = po["po_code"].as_str().unwrap_or_default().to_string();
        if receive {
            api.call(
                Method::POST,
                &format!("/ops/v1/purchase-orders/{code}/receive"),
                Some(json!({"items": [
                    {"package_code": format!("{reference}-BOX1"), "oasin": tee, "inbound_quantity": units, "putaway_quantity": units, "stock_level": "A"},
                    {"package_code": format!("{reference}-BOX2"), "oasin": mug, "inbound_quantity": units / 2, "putaway_quantity": units / 2 - 1, "stock_level": "A"}
                ]})),
                true,
            )
            .await?;
        }
        made.push(format!("PO {code}"));
    }

    let mut codes = std::collections::HashMap::new();
    for (reference, lines, moves) in SHIPMENTS {
        let found = api
            .call(
                Method::GET,
                &format!("/api/v1/shipments/b2c?merchant_tracking_code_reference={reference}"),
                None,
                false,
            )
            .await?;
        if let Some(existing) = found.as_array().and_then(|a| a.first()) {
            if let Some(code) = existing["tracking_code"].as_str() {
                codes.insert(*reference, code.to_string());
            }
            continue;
        }
        let items: Vec<Value> = lines
            .iter()
            .map(|(sku, q)| json!({"oasin": oasin(sku), "product_quantity": q}))
            .collect();
        let shipment = api
            .call(
                Method::POST,
                "/api/v1/shipments/b2c/create",
                Some(json!({
                    "warehouse_code": WAREHOUSE, "platform": "shopee",
                    "merchant_tracking_code_reference": reference, "items": items,
                    "note": "Đơn demo"
                })),
                false,
            )
            .await?;
        let code = shipment["tracking_code"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for step in *moves {
            if *step == "CANCEL" {
                api.call(
                    Method::PUT,
                    &format!("/api/v1/shipments/b2c/{code}/cancel"),
                    Some(json!({"reason_note": "Khách đổi ý"})),
                    false,
                )
                .await?;
                continue;
            }
            let courier = (*step == "HANDOVER")
                .then(|| format!("GHN{}", &code[code.len().saturating_sub(6)..]));
            api.call(
                Method::POST,
                &format!("/ops/v1/shipments/{code}/status"),
                Some(json!({"status": step, "courier_tracking_code": courier, "courier_name": courier.as_ref().map(|_| "GHN")})),
                true,
            )
            .await?;
        }
        made.push(format!("shipment {code}"));
        codes.insert(*reference, code);
    }

    // A return of a delivered order, registered and waiting to be received and graded.
    let found = api
        .call(Method::GET, "/api/v1/return-shipments/b2c", None, false)
        .await?;
    let has_return = found.as_array().is_some_and(|a| {
        a.iter()
            .any(|r| r["merchant_return_tracking_code_reference"] == "DEMO-RET-001")
    });
    if let (false, Some(shipment)) = (has_return, codes.get("DEMO-ORD-007")) {
        let ret = api
            .call(
                Method::POST,
                "/api/v1/return-shipments/b2c/create",
                Some(json!({
                    "warehouse_code": WAREHOUSE, "shipment_tracking_code": shipment,
                    "merchant_return_tracking_code_reference": "DEMO-RET-001",
                    "return_courier_tracking_code": "GHNRET001",
                    "items": [{"oasin": tee, "product_quantity": 1}],
                    "note": "Khách trả vì sai cỡ"
                })),
                false,
            )
            .await?;
        made.push(format!(
            "return {}",
            ret["return_tracking_code"].as_str().unwrap_or_default()
        ));
    }
    Ok((made, vec![tee, mug]))
}

use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{json, Value};
use tower::ServiceExt;

type ApiService =
    tower::util::MapRequest<axum::Router, fn(axum::extract::Request) -> axum::extract::Request>;

/// The API as a service, called without a socket.
struct Api {
    app: ApiService,
    api_key: String,
    ops_token: String,
}

impl Api {
    /// One call; answers the envelope's `data`, or fails with the API's error.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        operator: bool,
    ) -> anyhow::Result<Value> {
        let auth = if operator {
            format!("Bearer {}", self.ops_token)
        } else {
            self.api_key.clone()
        };
        let req = Request::builder()
            .method(method.clone())
            .uri(path)
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .body(match body {
                Some(b) => Body::from(b.to_string()),
                None => Body::empty(),
            })?;
        let res = self.app.clone().oneshot(req).await?;
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024).await?;
        let reply: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            anyhow::bail!("demo data: {method} {path} answered {status}: {reply}");
        }
        Ok(reply["data"].clone())
    }
}
