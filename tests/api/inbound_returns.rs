//! Purchase orders and returns, and the whole inbound → stock → outbound → return loop.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

const WH: &str = "WH-HN01";

fn po_body(reference: &str, a: &str, b: &str) -> Value {
    json!({
        "warehouse_code": WH, "vas": ["CO_INSPECTION"], "merchant_po_reference": reference,
        "packages": [
            {"package_code": "PK-1", "weight": 5.5, "length": 40, "width": 30, "height": 20,
             "items": [{"oasin": a, "product_quantity": 10}, {"oasin": b, "product_quantity": 4}], "package_note": "dễ vỡ"},
            {"package_code": "PK-2", "items": [{"oasin": a, "product_quantity": 6}]}
        ],
        "estimated_arrival_time": START_TIME + 86400,
        "po_documents": [{"document_type": "INVOICE", "document_url": "https://docs.example/inv.pdf", "print_quantity": 2}],
        "note": "Giao trước 10h"
    })
}

async fn setup(app: &TestApp) -> (TestMerchant, String, String) {
    let m = app.merchant().await;
    app.warehouse(WH).await;
    let a = app.product(&m, "SKU-A", WH).await;
    let b = app.product(&m, "SKU-B", WH).await;
    (m, a, b)
}

#[tokio::test]
async fn purchase_order_lifecycle_and_inspection() {
    let app = spawn_app().await;
    let (m, a, b) = setup(&app).await;
    let created = send(
        app.api(&m, Method::POST, "/purchase-orders/create")
            .json(&po_body("PO-1", &a, &b)),
    )
    .await;
    let po = created.expect_ok(201).clone();
    let code = po["po_code"].as_str().unwrap().to_string();
    assert!(code.starts_with("OAPO") && code.len() == 13, "{code}");
    assert_eq!(po["status_info"]["value"], 100);
    assert_eq!(po["status_info"]["label"], "Đang vận chuyển");
    assert_eq!(po["packages"][0]["items"][1]["oasin"], b.as_str());
    assert_eq!(po["po_documents"][0]["print_quantity"], 2);
    assert_eq!(po["vas"], json!(["CO_INSPECTION"]));
    assert!(po["received_time"].is_null() && po["completed_time"].is_null());
    let detail = send(app.api(&m, Method::GET, &format!("/purchase-orders/{code}/detail"))).await;
    assert_eq!(detail.expect_ok(200), &po);
    send(app.api(
        &m,
        Method::GET,
        &format!("/purchase-orders/{code}/inspection-list"),
    ))
    .await
    .expect_error(400, "PO_NOT_COMPLETED");

    // Receiving: errors first, nothing changes.
    let receive = |items: Value| {
        send(
            app.ops(Method::POST, &format!("/purchase-orders/{code}/receive"))
                .json(&json!({ "items": items })),
        )
    };
    let bad = receive(json!([
        {"package_code": "PK-1", "oasin": a, "inbound_quantity": 11, "putaway_quantity": 1},
        {"package_code": "PK-9", "oasin": a, "inbound_quantity": 1, "putaway_quantity": 1},
        {"package_code": "PK-2", "oasin": a, "inbound_quantity": 2, "putaway_quantity": 3},
    ]))
    .await;
    let detail = &bad.expect_error(422, "INVALID_PAYLOAD")["error_detail"];
    for f in [
        "items[0].inbound_quantity",
        "items[1]",
        "items[2].putaway_quantity",
    ] {
        assert!(detail[f].is_array(), "{f} in {detail}");
    }
    assert_eq!(app.stock_of(&m, WH, &a).await, (0, 0, 0));

    app.clock.advance(100);
    let done = receive(json!([
        {"package_code": "PK-1", "oasin": a, "inbound_quantity": 10, "putaway_quantity": 9, "stock_level": "A",
         "batch_lot_code": "LOT-7", "manufacturing_date": "2026-01-01", "expiry_date": "2028-01-01"},
        {"package_code": "PK-1", "oasin": b, "inbound_quantity": 4, "putaway_quantity": 4, "stock_level": "D1"},
        {"package_code": "PK-2", "oasin": a, "inbound_quantity": 6, "putaway_quantity": 6},
    ]))
    .await;
    let po = done.expect_ok(200).clone();
    assert_eq!(po["status_info"]["value"], 300);
    assert_eq!(po["completed_time"], START_TIME + 100);
    assert_eq!(po["received_time"], START_TIME + 100);
    assert_eq!(app.stock_of(&m, WH, &a).await, (15, 0, 15));
    assert_eq!(
        app.stock_of(&m, WH, &b).await,
        (0, 0, 0),
        "D1 is not sellable"
    );
    let rows = send(app.api(&m, Method::GET, &format!("/products/stock?oasin={b}"))).await;
    assert_eq!(rows.body["data"][0]["stock_level"], "D1");
    assert_eq!(rows.body["data"][0]["on_hand"], 4);

    let inspection = send(app.api(
        &m,
        Method::GET,
        &format!("/purchase-orders/{code}/inspection-list"),
    ))
    .await;
    let rows = inspection.expect_ok(200).as_array().unwrap().clone();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        json!({
            "package_code": "PK-1", "oasin": a, "sku": "SKU-A", "product_quantity": 10, "volume": "10x10x5",
            "weight": 0.5, "inbound_quantity": 10, "putaway_quantity": 9, "is_putaway_completed": false,
            "stock_level": "A", "batch_lot_code": "LOT-7", "manufacturing_date": "2026-01-01", "expiry_date": "2028-01-01"
        })
    );
    assert_eq!(rows[2]["is_putaway_completed"], true);

    // A completed PO can be neither received again nor cancelled.
    receive(json!([]))
        .await
        .expect_error(400, "INVALID_STATUS_TRANSITION");
    send(app.api(&m, Method::PUT, &format!("/purchase-orders/{code}/cancel")))
        .await
        .expect_error(400, "PO_CANNOT_CANCEL");

    let events: Vec<i64> = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(c, _)| c == "purchase_order.update_status")
        .map(|(_, p)| p["status_info"]["value"].as_i64().unwrap())
        .collect();
    assert_eq!(events, [100, 200, 300]);
    let putaways = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(_, p)| p["transaction_type"] == "PUTAWAY")
        .count();
    assert_eq!(putaways, 3);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn purchase_order_errors_and_cancel() {
    let app = spawn_app().await;
    let (m, a, b) = setup(&app).await;
    let other = app.merchant().await;
    let create = |body: Value| {
        send(
            app.api(&m, Method::POST, "/purchase-orders/create")
                .json(&body),
        )
    };
    let code = create(po_body("PO-1", &a, &b)).await.expect_ok(201)["po_code"]
        .as_str()
        .unwrap()
        .to_string();
    create(po_body("PO-1", &a, &b))
        .await
        .expect_error(400, "DUPLICATE_REFERENCE");
    let mut body = po_body("PO-2", &a, &b);
    body["packages"][1]["package_code"] = json!("PK-1");
    assert!(
        create(body).await.expect_error(422, "INVALID_PAYLOAD")["error_detail"]
            ["packages[1].package_code"]
            .is_array()
    );
    let mut body = po_body("PO-3", &a, &b);
    body["vas"] = json!(["GIFT_WRAP"]);
    create(body).await.expect_error(422, "INVALID_PAYLOAD");
    create(po_body("PO-4", "OASIN7777777", &b))
        .await
        .expect_error(404, "PRODUCTS_BY_OASIN_NOT_FOUND");
    let mut body = po_body("PO-5", &a, &b);
    body["warehouse_code"] = json!("WH-X");
    create(body).await.expect_error(404, "WAREHOUSE_NOT_FOUND");
    let mut body = po_body("PO-6", &a, &b);
    body["packages"] = json!([]);
    create(body).await.expect_error(422, "INVALID_PAYLOAD");
    let mut body = po_body("PO-7", &a, &b);
    body["estimated_arrival_time"] = json!(-5);
    assert!(
        create(body).await.expect_error(422, "INVALID_PAYLOAD")["error_detail"]
            ["estimated_arrival_time"]
            .is_array()
    );

    send(app.api(
        &other,
        Method::GET,
        &format!("/purchase-orders/{code}/detail"),
    ))
    .await
    .expect_error(404, "PO_NOT_FOUND");
    send(app.api(
        &other,
        Method::PUT,
        &format!("/purchase-orders/{code}/cancel"),
    ))
    .await
    .expect_error(404, "PO_NOT_FOUND");
    let cancelled =
        send(app.api(&m, Method::PUT, &format!("/purchase-orders/{code}/cancel"))).await;
    assert_eq!(
        cancelled.expect_ok(200),
        &json!({"po_code": code, "success": true})
    );
    send(app.api(&m, Method::PUT, &format!("/purchase-orders/{code}/cancel")))
        .await
        .expect_ok(200);
    let po = send(app.api(&m, Method::GET, &format!("/purchase-orders/{code}/detail"))).await;
    assert_eq!(po.expect_ok(200)["status_info"]["value"], 400);
    send(
        app.ops(Method::POST, &format!("/purchase-orders/{code}/receive"))
            .json(&json!({"items": []})),
    )
    .await
    .expect_error(400, "INVALID_STATUS_TRANSITION");

    let list = send(app.api(&m, Method::GET, "/purchase-orders?status=CANCELLED")).await;
    assert_eq!(list.body["total"], 1);
    let list = send(app.api(
        &m,
        Method::GET,
        "/purchase-orders?merchant_po_reference=PO-1",
    ))
    .await;
    assert_eq!(list.body["data"][0]["po_code"], code.as_str());
    assert_eq!(
        send(app.api(&m, Method::GET, "/purchase-orders?status=100"))
            .await
            .body["total"],
        0
    );
}

#[tokio::test]
async fn batch_tracked_products_need_their_lot_on_receipt() {
    let app = spawn_app().await;
    let (m, a, _) = setup(&app).await;
    let created = send(app.api(&m, Method::POST, "/products/create").json(&json!({
        "sku": "MILK", "name": "Sữa", "weight": 1, "length": 1, "width": 1, "height": 1, "inventory_tracking_type": "BOTH"
    })))
    .await;
    let milk = created.expect_ok(201)["oasin"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        app.api(&m, Method::PUT, &format!("/products/{milk}/assign"))
            .json(&json!({"warehouse_code": WH})),
    )
    .await
    .expect_ok(200);
    let po = send(app.api(&m, Method::POST, "/purchase-orders/create").json(&json!({
        "warehouse_code": WH, "merchant_po_reference": "MILK-1",
        "packages": [{"package_code": "P", "items": [{"oasin": milk, "product_quantity": 5}, {"oasin": a, "product_quantity": 1}]}]
    })))
    .await;
    let code = po.expect_ok(201)["po_code"].as_str().unwrap().to_string();
    let missing = send(app.ops(Method::POST, &format!("/purchase-orders/{code}/receive")).json(&json!({"items": [
        {"package_code": "P", "oasin": milk, "inbound_quantity": 5, "putaway_quantity": 5, "manufacturing_date": "2026-13"}
    ]})))
    .await;
    missing.expect_error(422, "INVALID_PAYLOAD");
    let missing = send(
        app.ops(Method::POST, &format!("/purchase-orders/{code}/receive"))
            .json(&json!({"items": [
                {"package_code": "P", "oasin": milk, "inbound_quantity": 5, "putaway_quantity": 5}
            ]})),
    )
    .await;
    let detail = &missing.expect_error(422, "INVALID_PAYLOAD")["error_detail"];
    assert!(
        detail["items[0].batch_lot_code"].is_array() && detail["items[0].expiry_date"].is_array()
    );
    send(app.ops(Method::POST, &format!("/purchase-orders/{code}/receive")).json(&json!({"items": [
        {"package_code": "P", "oasin": milk, "inbound_quantity": 5, "putaway_quantity": 5, "batch_lot_code": "L1", "expiry_date": "2027-06-30"}
    ]})))
    .await
    .expect_ok(200);
    assert_eq!(app.stock_of(&m, WH, &milk).await, (5, 0, 5));
}

/// Inbound → stock → outbound → return, with the ledger balanced at the end.
#[tokio::test]
async fn the_whole_loop_balances() {
    let app = spawn_app().await;
    let (m, a, b) = setup(&app).await;
    // An order placed before the goods arrive waits for them.
    let early = app.create_shipment(&m, "EARLY", WH, &[(&a, 4)]).await;
    let early = early.expect_ok(200)["tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.detail(&m, &early).await["status_info"]["value"], 150);

    let po = send(
        app.api(&m, Method::POST, "/purchase-orders/create")
            .json(&po_body("PO-LOOP", &a, &b)),
    )
    .await;
    let po = po.expect_ok(201)["po_code"].as_str().unwrap().to_string();
    send(app.ops(Method::POST, &format!("/purchase-orders/{po}/receive")).json(&json!({"items": [
        {"package_code": "PK-1", "oasin": a, "inbound_quantity": 10, "putaway_quantity": 10},
        {"package_code": "PK-1", "oasin": b, "inbound_quantity": 4, "putaway_quantity": 4},
    ]})))
    .await
    .expect_ok(200);
    assert_eq!(
        app.detail(&m, &early).await["status_info"]["value"],
        100,
        "the putaway woke the waiting order"
    );
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 4, 6));

    app.walk(
        &early,
        &[
            "ALLOCATED",
            "PICKED",
            "PACKED",
            "HANDOVER",
            "IN_TRANSIT",
            "DELIVERED",
        ],
    )
    .await;
    assert_eq!(app.stock_of(&m, WH, &a).await, (6, 0, 6));

    // The customer sends 3 back: registered, received as 2 sellable and 1 damaged.
    let create = |body: Value| {
        send(
            app.api(&m, Method::POST, "/return-shipments/b2c/create")
                .json(&body),
        )
    };
    let ret_body = |reference: &str, qty: i64| {
        json!({
            "warehouse_code": WH, "shipment_tracking_code": early, "merchant_return_tracking_code_reference": reference,
            "partner_tracking_code": "PT-1", "return_courier_tracking_code": "GHN-R1",
            "items": [{"oasin": a, "product_quantity": qty}], "note": "khách trả"
        })
    };
    create(ret_body("RET-0", 5))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    let ret = create(ret_body("RET-1", 3)).await;
    let r = ret.expect_ok(200).clone();
    let code = r["return_tracking_code"].as_str().unwrap().to_string();
    assert!(code.starts_with("OARSC") && code.len() == 14, "{code}");
    assert_eq!(r["status_info"]["value"], 100);
    assert_eq!(r["shipment_tracking_code"], early.as_str());
    assert_eq!(r["items"][0]["product_quantity"], 3);
    assert!(r["items"][0]["received_quantity"].is_null());
    create(ret_body("RET-1", 1))
        .await
        .expect_error(400, "DUPLICATE_REFERENCE");
    // Only one unit is left to return after this one.
    create(ret_body("RET-2", 2))
        .await
        .expect_error(422, "INVALID_PAYLOAD");

    let receive = |body: Value| {
        send(
            app.ops(Method::POST, &format!("/return-shipments/{code}/receive"))
                .json(&body),
        )
    };
    receive(json!({"items": [{"oasin": a, "received_quantity": 4}]}))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    receive(json!({"items": [{"oasin": b, "received_quantity": 1}]}))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    let graded = receive(json!({"items": [
        {"oasin": a, "received_quantity": 2, "stock_level": "A"},
        {"oasin": a, "received_quantity": 1, "stock_level": "D2"}
    ], "note": "1 hộp móp"}))
    .await;
    let g = graded.expect_ok(200).clone();
    assert_eq!(g["status_info"]["value"], 350);
    assert_eq!(g["status_info"]["label"], "Hoàn hàng có vấn đề");
    assert_eq!(g["items"][0]["received_quantity"], 3);
    assert_eq!(g["items"][0]["stock_level"], "MIXED");
    assert_eq!(g["note"], "1 hộp móp");
    assert!(!g["received_time"].is_null());
    assert_eq!(
        app.stock_of(&m, WH, &a).await,
        (8, 0, 8),
        "two sellable units restocked"
    );
    send(app.api(
        &m,
        Method::PUT,
        &format!("/return-shipments/b2c/{code}/cancel"),
    ))
    .await
    .expect_error(400, "RETURN_SHIPMENT_CANNOT_CANCEL");
    receive(json!({"items": []}))
        .await
        .expect_error(400, "INVALID_STATUS_TRANSITION");

    let events: Vec<i64> = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(c, _)| c == "return_shipment.update_status")
        .map(|(_, p)| p["status_info"]["value"].as_i64().unwrap())
        .collect();
    assert_eq!(events, [100, 200, 350]);
    let restock: Vec<(String, i64)> = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(_, p)| p["transaction_type"] == "RETURN_RESTOCK")
        .map(|(_, p)| {
            (
                p["stock_level"].as_str().unwrap().to_string(),
                p["movement_quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(restock, [("A".to_string(), 2), ("D2".to_string(), 1)]);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn returns_guard_their_shipment_and_cancel_only_while_new() {
    let app = spawn_app().await;
    let (m, a, _) = setup(&app).await;
    let other = app.merchant().await;
    app.adjust(&m, WH, &a, 10).await.expect_ok(200);
    let open = app.shipment(&m, "OPEN", WH, &[(&a, 2)]).await;
    let sent = app.shipment(&m, "SENT", WH, &[(&a, 2)]).await;
    app.walk(&sent, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    let body = |shipment: &str, reference: &str, oasin: &str| {
        json!({
            "warehouse_code": WH, "shipment_tracking_code": shipment, "merchant_return_tracking_code_reference": reference,
            "items": [{"oasin": oasin, "product_quantity": 1}]
        })
    };
    let create = |who: &TestMerchant, b: Value| {
        send(
            app.api(who, Method::POST, "/return-shipments/b2c/create")
                .json(&b),
        )
    };
    let refused = create(&m, body(&open, "R0", &a)).await;
    assert_eq!(
        refused.expect_error(400, "SHIPMENT_NOT_RETURNABLE")["error_detail"]["status_info"]
            ["value"],
        100
    );
    create(&other, body(&sent, "R0", &a))
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    create(&m, body("OASC99999999", "R0", &a))
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    create(&m, body(&sent, "R0", "OASIN5555555"))
        .await
        .expect_error(404, "PRODUCTS_BY_OASIN_NOT_FOUND");
    let mut wrong_wh = body(&sent, "R0", &a);
    wrong_wh["warehouse_code"] = json!("WH-NONE");
    create(&m, wrong_wh)
        .await
        .expect_error(404, "WAREHOUSE_NOT_FOUND");

    let r = create(&m, body(&sent, "R1", &a)).await;
    let code = r.expect_ok(200)["return_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    send(app.api(
        &other,
        Method::GET,
        &format!("/return-shipments/b2c/{code}/detail"),
    ))
    .await
    .expect_error(404, "RETURN_SHIPMENT_NOT_FOUND");
    app.clock.advance(30);
    let c = send(app.api(
        &m,
        Method::PUT,
        &format!("/return-shipments/b2c/{code}/cancel"),
    ))
    .await;
    let c = c.expect_ok(200).clone();
    assert_eq!(c["status_info"]["value"], 400);
    assert_eq!(c["cancelled_time"], START_TIME + 30);
    app.clock.advance(30);
    let again = send(app.api(
        &m,
        Method::PUT,
        &format!("/return-shipments/b2c/{code}/cancel"),
    ))
    .await;
    assert_eq!(again.expect_ok(200), &c);
    // A cancelled return frees its units: they can be registered again, and received fully sellable.
    let r2 = create(&m, body(&sent, "R2", &a)).await;
    let code2 = r2.expect_ok(200)["return_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    let done = send(
        app.ops(Method::POST, &format!("/return-shipments/{code2}/receive"))
            .json(&json!({"items": [{"oasin": a, "received_quantity": 1}]})),
    )
    .await;
    assert_eq!(done.expect_ok(200)["status_info"]["value"], 300);

    let list = send(app.api(
        &m,
        Method::GET,
        &format!("/return-shipments/b2c?shipment_tracking_code={sent}"),
    ))
    .await;
    assert_eq!(list.body["total"], 2);
    let list = send(app.api(&m, Method::GET, "/return-shipments/b2c?status=COMPLETED")).await;
    assert_eq!(list.body["data"][0]["return_tracking_code"], code2.as_str());
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn po_bill_is_a_pdf_served_at_its_url() {
    let app = spawn_app().await;
    let (m, a, b) = setup(&app).await;
    let po = send(
        app.api(&m, Method::POST, "/purchase-orders/create")
            .json(&po_body("PO-BILL", &a, &b)),
    )
    .await;
    let code = po.expect_ok(201)["po_code"].as_str().unwrap().to_string();
    // The documented path is under /v1; /api/v1 answers the same.
    let reply = send(
        app.request(
            Method::GET,
            &format!("/v1/purchase-orders/{code}/export-po-bill"),
        )
        .header("Authorization", &m.api_key),
    )
    .await;
    let url = reply.expect_ok(200)["po_bill_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        url.starts_with(&app.base) && url.ends_with(&format!("{code}.pdf")),
        "{url}"
    );
    let pdf = app.client.get(&url).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"%PDF-") && bytes.len() > 2000,
        "{} bytes",
        bytes.len()
    );
    let other = app.merchant().await;
    send(app.api(
        &other,
        Method::GET,
        &format!("/purchase-orders/{code}/export-po-bill"),
    ))
    .await
    .expect_error(404, "PO_NOT_FOUND");
    if let Ok(dir) = std::env::var("DEPOT_KEEP_PO_BILL") {
        std::fs::write(format!("{dir}/{code}.pdf"), &bytes).unwrap();
    }
}
