//! `depot serve --demo`: a ready-to-try business so the README walkthrough needs no set-up.

use depot_domain::clock::{Clock, SystemClock};
use depot_store::catalog::Warehouse;
use depot_store::Db;

const DEMO_EMAIL: &str = "demo@depot.local";

pub async fn seed(db: &Db, base_url: &str) -> anyhow::Result<()> {
    let now = SystemClock.now();
    let business = match db.business_by_email(DEMO_EMAIL).await? {
        Some(b) => b,
        None => db.create_business("Demo Shop", DEMO_EMAIL, now).await?,
    };
    db.approve_business(business.business_id, now).await?;
    // Creating an existing warehouse is refused by its unique code, which is fine on a re-run.
    db.create_warehouse(
        &Warehouse {
            id: 0,
            warehouse_code: "WH-HN01".into(),
            name: "Kho Hà Nội 01".into(),
            address: "Số 1 Phố Phúc Xá, Ba Đình, Hà Nội".into(),
            province_code: Some("01".into()),
            district_code: Some("001".into()),
            ward_code: Some("00001".into()),
        },
        now,
    )
    .await?;
    if db.brands(Some("Depot Demo")).await?.is_empty() {
        db.create_brand("Depot Demo", now).await?;
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
    println!("Try:");
    println!(
        "  curl -s -H 'Authorization: {}' {base_url}/api/v1/warehouses",
        key.api_key
    );
    Ok(())
}
