//! Products, stock, the ledger and idempotent creates.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

fn full_product(sku: &str, barcodes: &[&str]) -> serde_json::Value {
    json!({
        "sku": sku, "name": "Ống kính Tamron 28-75mm", "brand_id": null, "product_type": "PHYSICAL",
        "product_unit": "cái", "product_barcodes": barcodes, "weight": 0.55, "length": 12.5,
        "width": 8, "height": 8, "product_size": "M", "product_color": "Đen", "product_price": 500000,
        "product_image_url_main": "https://img.example/1.jpg", "product_image_url_secondary": null,
        "product_characteristics": ["HIGH_VALUE", "FRAGILE"], "min_stock_warning": 5,
        "storage_method": "NORMAL", "inventory_tracking_type": "BATCH", "outbound_strategy": "FEFO",
        "shelf_life": 365, "min_shelf_life_inbound": 180, "min_shelf_life_outbound": 90
    })
}

#[tokio::test]
async fn create_product_returns_the_documented_detail() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let brand = send(
        app.ops(Method::POST, "/brands")
            .json(&json!({"name": "Tamron"})),
    )
    .await;
    let brand_id = brand.expect_ok(201)["id"].as_i64().unwrap();
    let mut body = full_product("TAM-2875", &["4960371006", "4960371007"]);
    body["brand_id"] = json!(brand_id);
    let created = send(app.api(&m, Method::POST, "/products/create").json(&body)).await;
    let p = created.expect_ok(201).clone();
    let oasin = p["oasin"].as_str().unwrap();
    assert!(oasin.starts_with("OASIN") && oasin.len() == 12, "{oasin}");
    assert_eq!(p["status"], "NEW");
    assert_eq!(p["price"], "500000.00");
    assert_eq!(p["currency"], "VND");
    assert_eq!(p["brand"], json!({"id": brand_id, "name": "Tamron"}));
    assert_eq!(p["barcodes"], json!(["4960371006", "4960371007"]));
    assert_eq!(
        p["product_characteristics"],
        json!(["HIGH_VALUE", "FRAGILE"])
    );
    assert_eq!(p["weight"], 0.55);
    assert_eq!(p["outbound_strategy"], "FEFO");
    assert_eq!(p["warehouse_codes"], json!([]));
    assert_eq!(p["created_time"], START_TIME);

    let detail = send(app.api(&m, Method::GET, &format!("/products/{oasin}/detail"))).await;
    assert_eq!(detail.expect_ok(200), &p);
}

#[tokio::test]
async fn product_validation_names_every_bad_field() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let missing = send(
        app.api(&m, Method::POST, "/products/create")
            .json(&json!({"sku": "A"})),
    )
    .await;
    missing.expect_error(422, "INVALID_PAYLOAD");
    let bad = send(app.api(&m, Method::POST, "/products/create").json(&json!({
        "sku": "A", "name": "x", "weight": 0, "length": -1, "width": 1, "height": 1,
        "inventory_tracking_type": "SOMETIMES", "product_barcodes": ["1", "1"], "product_price": -5
    })))
    .await;
    let detail = &bad.expect_error(422, "INVALID_PAYLOAD")["error_detail"];
    for field in [
        "weight",
        "length",
        "inventory_tracking_type",
        "product_barcodes[1]",
        "product_price",
    ] {
        assert!(detail[field].is_array(), "{field} in {detail}");
    }
    let list = send(app.api(&m, Method::GET, "/products")).await;
    assert_eq!(list.body["total"], 0, "nothing was created");
}

#[tokio::test]
async fn sku_and_barcodes_are_unique_per_business() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let other = app.merchant().await;
    send(
        app.api(&m, Method::POST, "/products/create")
            .json(&full_product("SKU-1", &["B1"])),
    )
    .await
    .expect_ok(201);
    let same_sku = send(
        app.api(&m, Method::POST, "/products/create")
            .json(&full_product("SKU-1", &["B2"])),
    )
    .await;
    same_sku.expect_error(400, "ALREADY_EXISTS");
    let same_barcode = send(
        app.api(&m, Method::POST, "/products/create")
            .json(&full_product("SKU-2", &["B9", "B1"])),
    )
    .await;
    assert_eq!(
        same_barcode.expect_error(400, "DUPLICATE_BARCODE")["error_detail"]["product_barcodes"],
        json!(["B1"])
    );
    // The refused create left nothing behind: B9 is still free.
    send(
        app.api(&m, Method::POST, "/products/create")
            .json(&full_product("SKU-3", &["B9"])),
    )
    .await
    .expect_ok(201);
    // Another business may use the same SKU and barcode.
    send(
        app.api(&other, Method::POST, "/products/create")
            .json(&full_product("SKU-1", &["B1"])),
    )
    .await
    .expect_ok(201);
    let unknown_brand = send(app.api(&m, Method::POST, "/products/create").json(&json!({
        "sku": "S4", "name": "n", "weight": 1, "length": 1, "width": 1, "height": 1, "brand_id": 999
    })))
    .await;
    unknown_brand.expect_error(404, "BRAND_NOT_FOUND");
}

#[tokio::test]
async fn concurrent_creates_of_one_sku_make_one_product() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let replies = futures::future::join_all((0..8).map(|i| {
        send(
            app.api(&m, Method::POST, "/products/create")
                .json(&full_product("RACE", &[&format!("R{i}")])),
        )
    }))
    .await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1);
    for r in replies.iter().filter(|r| r.status != 201) {
        r.expect_error(400, "ALREADY_EXISTS");
    }
}

#[tokio::test]
async fn assign_moves_new_to_active_and_guards_its_cases() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let other = app.merchant().await;
    app.warehouse("WH-HN01").await;
    app.warehouse("WH-SG01").await;
    let created = send(
        app.api(&m, Method::POST, "/products/create")
            .json(&full_product("A1", &[])),
    )
    .await;
    let oasin = created.expect_ok(201)["oasin"]
        .as_str()
        .unwrap()
        .to_string();
    let assign = |who: &TestMerchant, oasin: &str, wh: &str| {
        app.api(who, Method::PUT, &format!("/products/{oasin}/assign"))
            .json(&json!({"warehouse_code": wh}))
    };

    let active = send(assign(&m, &oasin, "WH-HN01")).await;
    let p = active.expect_ok(200);
    assert_eq!(p["status"], "ACTIVE");
    assert_eq!(p["warehouse_codes"], json!(["WH-HN01"]));
    send(assign(&m, &oasin, "WH-HN01"))
        .await
        .expect_error(400, "PRODUCT_WAREHOUSE_CONFLICT");
    let more = send(assign(&m, &oasin, "WH-SG01")).await;
    assert_eq!(
        more.expect_ok(200)["warehouse_codes"],
        json!(["WH-HN01", "WH-SG01"])
    );
    send(assign(&m, &oasin, "WH-NOPE"))
        .await
        .expect_error(404, "WAREHOUSE_NOT_FOUND");
    send(assign(&m, "OASIN9999999", "WH-HN01"))
        .await
        .expect_error(404, "PRODUCT_NOT_FOUND");
    // Another business's product does not exist for this merchant.
    send(assign(&other, &oasin, "WH-HN01"))
        .await
        .expect_error(404, "PRODUCT_NOT_FOUND");
    send(app.api(&other, Method::GET, &format!("/products/{oasin}/detail")))
        .await
        .expect_error(404, "PRODUCT_NOT_FOUND");
    send(app.api(
        &other,
        Method::PUT,
        &format!("/products/{oasin}/deactivate"),
    ))
    .await
    .expect_error(404, "PRODUCT_NOT_FOUND");

    let inactive = send(app.api(&m, Method::PUT, &format!("/products/{oasin}/deactivate"))).await;
    assert_eq!(inactive.expect_ok(200)["status"], "INACTIVE");
    let again = send(app.api(&m, Method::PUT, &format!("/products/{oasin}/deactivate"))).await;
    assert_eq!(again.expect_ok(200)["status"], "INACTIVE");
    app.warehouse("WH-DN01").await;
    send(assign(&m, &oasin, "WH-DN01"))
        .await
        .expect_error(400, "PRODUCT_STATUS_NOT_NEW");
}

#[tokio::test]
async fn product_list_filters_pages_and_cursors() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    app.warehouse("WH-HN01").await;
    let mut oasins = Vec::new();
    for i in 0..7 {
        app.clock.advance(1);
        let created = send(
            app.api(&m, Method::POST, "/products/create")
                .json(&full_product(&format!("SKU-{i}"), &[])),
        )
        .await;
        oasins.push(
            created.expect_ok(201)["oasin"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    send(
        app.api(&m, Method::PUT, &format!("/products/{}/assign", oasins[2]))
            .json(&json!({"warehouse_code": "WH-HN01"})),
    )
    .await
    .expect_ok(200);

    let all = send(app.api(&m, Method::GET, "/products?page_size=3")).await;
    assert_eq!(all.body["total"], 7);
    let first: Vec<&str> = all
        .expect_ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["oasin"].as_str().unwrap())
        .collect();
    assert_eq!(first, [&oasins[6], &oasins[5], &oasins[4]], "newest first");
    let page2 = send(app.api(&m, Method::GET, "/products?page_size=3&page=2")).await;
    let second: Vec<&str> = page2
        .expect_ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["oasin"].as_str().unwrap())
        .collect();
    assert_eq!(second, [&oasins[3], &oasins[2], &oasins[1]]);

    // Following the Link header walks the same rows as page numbers.
    let link = all.header("link").expect("next link").to_string();
    let next = link
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_string();
    assert!(
        next.starts_with("/api/v1/products?") && next.contains("cursor="),
        "{link}"
    );
    let via_cursor = send(
        app.request(Method::GET, &next)
            .header("Authorization", &m.api_key),
    )
    .await;
    assert_eq!(via_cursor.expect_ok(200), page2.expect_ok(200));
    let last = send(app.api(&m, Method::GET, "/products?page_size=3&page=3")).await;
    assert_eq!(last.expect_ok(200).as_array().unwrap().len(), 1);
    assert!(last.header("link").is_none());

    let active = send(app.api(&m, Method::GET, "/products?status=ACTIVE")).await;
    assert_eq!(active.body["total"], 1);
    let by_wh = send(app.api(&m, Method::GET, "/products?warehouse_code=WH-HN01")).await;
    assert_eq!(by_wh.body["data"][0]["oasin"], oasins[2].as_str());
    let by_sku = send(app.api(&m, Method::GET, "/products?sku=SKU-4")).await;
    assert_eq!(by_sku.body["data"][0]["oasin"], oasins[4].as_str());
    let by_oasin = send(app.api(&m, Method::GET, &format!("/products?oasin={}", oasins[1]))).await;
    assert_eq!(by_oasin.body["total"], 1);
    let by_keyword = send(app.api(&m, Method::GET, "/products?keyword=tamron")).await;
    assert_eq!(by_keyword.body["total"], 7);
    send(app.api(&m, Method::GET, "/products?page_size=500"))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    send(app.api(&m, Method::GET, "/products?page=0"))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    send(app.api(&m, Method::GET, "/products?cursor=bogus"))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    send(app.api(&m, Method::GET, "/products?status=GONE"))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    // Another business sees none of them.
    let other = app.merchant().await;
    assert_eq!(
        send(app.api(&other, Method::GET, "/products")).await.body["total"],
        0
    );
}

#[tokio::test]
async fn adjustments_move_stock_through_the_ledger_with_events() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    app.warehouse("WH-HN01").await;
    app.warehouse("WH-SG01").await;
    let oasin = app.product(&m, "SKU-1", "WH-HN01").await;

    let added = app.adjust(&m, "WH-HN01", &oasin, 10).await;
    let row = added.expect_ok(200);
    assert_eq!(
        (row["on_hand"].as_i64(), row["available"].as_i64()),
        (Some(10), Some(10))
    );
    app.adjust(&m, "WH-HN01", &oasin, -3).await.expect_ok(200);
    assert_eq!(app.stock_of(&m, "WH-HN01", &oasin).await, (7, 0, 7));

    let too_much = app.adjust(&m, "WH-HN01", &oasin, -8).await;
    assert_eq!(
        too_much.expect_error(400, "INSUFFICIENT_STOCK")["error_detail"]["available"],
        7
    );
    let unmapped = app.adjust(&m, "WH-SG01", &oasin, 1).await;
    assert_eq!(
        unmapped.expect_error(400, "PRODUCTS_NOT_MAPPED_IN_WAREHOUSE")["messages"],
        format!("Mã sản phẩm {oasin} chưa được gắn với mã kho yêu cầu")
    );
    app.adjust(&m, "WH-NOPE", &oasin, 1)
        .await
        .expect_error(404, "WAREHOUSE_NOT_FOUND");
    app.adjust(&m, "WH-HN01", "OASIN7654321", 1)
        .await
        .expect_error(404, "PRODUCT_NOT_FOUND");
    let bad_level = send(app.ops(Method::POST, "/stock/adjustments").json(&json!({
        "business_id": m.business_id, "warehouse_code": "WH-HN01", "oasin": oasin,
        "stock_level": "Z", "quantity_delta": 1, "reason": "x"
    })))
    .await;
    bad_level.expect_error(422, "INVALID_PAYLOAD");
    // Damaged stock is counted apart from sellable stock.
    send(app.ops(Method::POST, "/stock/adjustments").json(&json!({
        "business_id": m.business_id, "warehouse_code": "WH-HN01", "oasin": oasin,
        "stock_level": "D1", "quantity_delta": 2, "reason": "broken box"
    })))
    .await
    .expect_ok(200);
    let rows = send(app.api(&m, Method::GET, &format!("/products/stock?oasin={oasin}"))).await;
    assert_eq!(rows.body["total"], 2);
    assert_eq!(app.stock_of(&m, "WH-HN01", &oasin).await, (7, 0, 7));

    let events = app.events(m.business_id).await;
    assert_eq!(events.len(), 3, "one event per accepted movement");
    let (code, first) = &events[0];
    assert_eq!(code, "product.update_stock");
    assert_eq!(first["transaction_type"], "ADJUSTMENT");
    assert_eq!(first["movement_quantity"], 10);
    assert_eq!(first["remaining_stock"], 10);
    assert_eq!(first["oasin"], oasin.as_str());
    assert_eq!(first["sku"], "SKU-1");
    assert_eq!(first["warehouse_code"], "WH-HN01");
    assert_eq!(first["stock_level"], "A");
    assert_eq!(first["is_abnormal"], true);
    assert_eq!(first["business_id"], m.business_id);
    assert_eq!(first["event_code"], "product.update_stock");
    assert!(first["instance_id"].is_string() && first["transaction_id"].is_i64());
    assert_eq!(events[1].1["movement_quantity"], -3);
    app.assert_stock_consistent().await;
}

/// Many operators adjusting one balance at once: no level ever goes negative and the ledger
/// always sums to the balance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_adjustments_never_go_negative() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    app.warehouse("WH-HN01").await;
    let oasin = app.product(&m, "RACE-1", "WH-HN01").await;
    app.adjust(&m, "WH-HN01", &oasin, 20).await.expect_ok(200);
    // 60 removals of 1 and 10 additions of 1 race: at most 30 removals can succeed.
    let mut tasks = Vec::new();
    for i in 0..70 {
        let delta = if i % 7 == 0 { 1 } else { -1 };
        tasks.push(app.adjust(&m, "WH-HN01", &oasin, delta));
    }
    let replies = futures::future::join_all(tasks).await;
    let ok_removals = replies
        .iter()
        .enumerate()
        .filter(|(i, r)| i % 7 != 0 && r.status == 200)
        .count() as i64;
    for r in &replies {
        assert!(
            r.status == 200 || r.body["error_code"] == "INSUFFICIENT_STOCK",
            "{:?}",
            r.body
        );
    }
    let (on_hand, reserved, _) = app.stock_of(&m, "WH-HN01", &oasin).await;
    assert_eq!(on_hand, 20 + 10 - ok_removals);
    assert!(on_hand >= 0 && reserved == 0);
    // Which removals find stock depends on how they interleave with the additions, but the
    // first 20 always can, and no more than the 30 units that ever existed.
    assert!(
        (20..=30).contains(&ok_removals),
        "{ok_removals} removals succeeded"
    );
    app.assert_stock_consistent().await;
}

#[tokio::test]
async fn idempotency_key_replays_and_refuses_reuse() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let create = |key: &str, sku: &str| {
        app.api(&m, Method::POST, "/products/create")
            .header("Idempotency-Key", key)
            .json(&full_product(sku, &[]))
    };
    let first = send(create("k-1", "IDEM-1")).await;
    let product = first.expect_ok(201).clone();
    assert!(first.header("idempotent-replayed").is_none());
    let repeat = send(create("k-1", "IDEM-1")).await;
    assert_eq!(repeat.expect_ok(201), &product);
    assert_eq!(repeat.header("idempotent-replayed"), Some("true"));
    let list = send(app.api(&m, Method::GET, "/products")).await;
    assert_eq!(list.body["total"], 1, "the repeat did not act again");

    send(create("k-1", "IDEM-2"))
        .await
        .expect_error(422, "IDEMPOTENCY_KEY_REUSED");
    // Errors are answers too: the same failing request replays its error.
    let dup = send(create("k-2", "IDEM-1")).await;
    dup.expect_error(400, "ALREADY_EXISTS");
    let dup_again = send(create("k-2", "IDEM-1")).await;
    assert_eq!(dup_again.body["error_code"], "ALREADY_EXISTS");
    assert_eq!(dup_again.header("idempotent-replayed"), Some("true"));
    // Keys are per business.
    let other = app.merchant().await;
    let theirs = send(
        app.api(&other, Method::POST, "/products/create")
            .header("Idempotency-Key", "k-1")
            .json(&full_product("IDEM-1", &[])),
    )
    .await;
    assert_ne!(theirs.expect_ok(201)["oasin"], product["oasin"]);
    let long = "x".repeat(256);
    send(create(&long, "IDEM-3"))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_repeats_of_one_key_act_once() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let replies = futures::future::join_all((0..6).map(|_| {
        send(
            app.api(&m, Method::POST, "/products/create")
                .header("Idempotency-Key", "same")
                .json(&full_product("ONCE", &[])),
        )
    }))
    .await;
    let oasins: std::collections::HashSet<String> = replies
        .iter()
        .map(|r| r.expect_ok(201)["oasin"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(oasins.len(), 1);
    assert_eq!(
        send(app.api(&m, Method::GET, "/products")).await.body["total"],
        1
    );
}

#[tokio::test]
async fn idempotent_responses_expire_after_a_day() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let create = || {
        app.api(&m, Method::POST, "/products/create")
            .header("Idempotency-Key", "daily")
            .json(&full_product("DAY", &[]))
    };
    send(create()).await.expect_ok(201);
    app.clock.advance(25 * 3600);
    assert_eq!(
        app.db
            .purge_idempotency_keys(depot_domain::Clock::now(app.clock.as_ref()))
            .await
            .unwrap(),
        1
    );
    // The key is free again: the repeat acts (and meets the SKU the first one created).
    let again = send(create()).await;
    again.expect_error(400, "ALREADY_EXISTS");
    assert!(again.header("idempotent-replayed").is_none());
}
