//! `depot serve --demo`: a ready-to-try business so the README walkthrough needs no set-up:
//! a business and key, a warehouse, a brand, two products with stock.

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
