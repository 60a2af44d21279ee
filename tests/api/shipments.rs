//! B2C shipments and the cancellation engine: create and reserve, the operator flow, single,
//! partial and bulk cancels, and the races between them.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

const WH: &str = "WH-HN01";

/// A merchant with one warehouse and products A (stock 10) and B (stock 5).
async fn stocked(app: &TestApp) -> (TestMerchant, String, String) {
    let m = app.merchant().await;
    app.warehouse(WH).await;
    let a = app.product(&m, "SKU-A", WH).await;
    let b = app.product(&m, "SKU-B", WH).await;
    app.adjust(&m, WH, &a, 10).await.expect_ok(200);
    app.adjust(&m, WH, &b, 5).await.expect_ok(200);
    (m, a, b)
}

#[tokio::test]
async fn create_reserves_stock_and_returns_the_documented_detail() {
    let app = spawn_app().await;
    let (m, a, b) = stocked(&app).await;
    let reply = send(app.api(&m, Method::POST, "/shipments/b2c/create").header("Accept-Language", "en").json(&json!({
        "warehouse_code": WH, "platform": "retail", "merchant_tracking_code_reference": "ORDER-1",
        "courier_tracking_code": "GHN123", "courier_name": "GHN", "shipping_label_url": "https://l.example/1.pdf",
        "items": [{"oasin": a, "product_quantity": 3}, {"oasin": b, "product_quantity": 1}],
        "receiver": {"name": "Nguyễn Văn A", "phone": "0901234567", "address": "1 Phúc Xá",
                     "province_code": "01", "district_code": "001", "ward_code": "00001"},
        "cod_amount": 250000, "note": "Giao giờ hành chính"
    })))
    .await;
    let s = reply.expect_ok(200).clone();
    let code = s["tracking_code"].as_str().unwrap().to_string();
    assert!(code.starts_with("OASC") && code.len() == 12, "{code}");
    assert_eq!(
        s["status_info"],
        json!({"value": 100, "label": "New (stock reserved)", "updated_time": START_TIME})
    );
    assert_eq!(
        s["package_id"].as_i64().unwrap().to_string(),
        code.trim_start_matches("OASC").trim_start_matches('0')
    );
    assert_eq!(s["merchant_tracking_code_reference"], "ORDER-1");
    assert_eq!(s["warehouse_code"], WH);
    assert_eq!(s["platform"], "retail");
    assert_eq!(s["cod_amount"], "250000.00");
    assert_eq!(s["receiver"]["ward_code"], "00001");
    assert_eq!(s["items"][0]["oasin"], a.as_str());
    assert_eq!(s["items"][0]["sku"], "SKU-A");
    assert_eq!(s["items"][0]["product_quantity"], 3);
    assert_eq!(s["items"][0]["cancelled_quantity"], 0);
    assert!(s["items"][1]["line_id"].is_i64());
    for t in [
        "allocated_time",
        "picked_time",
        "packed_time",
        "handover_time",
        "delivered_time",
        "cancelled_time",
    ] {
        assert!(s[t].is_null(), "{t} not reached yet");
    }
    assert!(
        s["supersedes"].is_null() && s["superseded_by"].is_null() && s["cancel_reason"].is_null()
    );
    assert_eq!(s["history"][0]["status_info"]["value"], 100);
    assert_eq!(s["history"][0]["actor"], "merchant");

    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 3, 7));
    assert_eq!(app.stock_of(&m, WH, &b).await, (5, 1, 4));
    // Both documented detail paths answer the same, in the requested language.
    let d1 = send(
        app.api(&m, Method::GET, &format!("/shipments/{code}/detail"))
            .header("Accept-Language", "en"),
    )
    .await;
    let d2 = send(
        app.api(&m, Method::GET, &format!("/shipments/b2c/{code}/detail"))
            .header("Accept-Language", "en"),
    )
    .await;
    assert_eq!(d1.expect_ok(200), &s);
    assert_eq!(d2.expect_ok(200), &s);
    let vi = app.detail(&m, &code).await;
    assert_eq!(vi["status_info"]["label"], "Mới tạo");

    let events = app.events(m.business_id).await;
    let shipment_events: Vec<_> = events
        .iter()
        .filter(|(c, _)| c == "shipment.update_status")
        .collect();
    assert_eq!(shipment_events.len(), 1);
    assert_eq!(shipment_events[0].1["tracking_code"], code.as_str());
    assert!(shipment_events[0].1["previous_status_info"].is_null());
    let reserves = events
        .iter()
        .filter(|(c, p)| c == "product.update_stock" && p["transaction_type"] == "RESERVE")
        .count();
    assert_eq!(reserves, 2);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn shipments_wait_for_stock_and_are_reserved_in_creation_order() {
    let app = spawn_app().await;
    let (m, a, b) = stocked(&app).await;
    // B has 5: a shipment for 4 fits, then two for 3 must wait.
    let first = app.shipment(&m, "R1", WH, &[(&b, 4)]).await;
    let waiting1 = app.create_shipment(&m, "R2", WH, &[(&b, 3), (&a, 1)]).await;
    assert_eq!(waiting1.expect_ok(200)["status_info"]["value"], 150);
    let waiting1 = waiting1.body["data"]["tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    let waiting2 = app.shipment(&m, "R3", WH, &[(&b, 3)]).await;
    // Nothing is reserved for a waiting shipment, not even its line that would fit.
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));
    assert_eq!(app.stock_of(&m, WH, &b).await, (5, 4, 1));

    // 2 more units of B: the older waiting shipment gets them, with its other line.
    app.adjust(&m, WH, &b, 2).await.expect_ok(200);
    assert_eq!(app.detail(&m, &waiting1).await["status_info"]["value"], 100);
    assert_eq!(app.detail(&m, &waiting2).await["status_info"]["value"], 150);
    assert_eq!(app.stock_of(&m, WH, &b).await, (7, 7, 0));
    // Cancelling the first releases 4 units: the last waiting shipment is reserved.
    app.cancel(&m, &first, None).await.expect_ok(200);
    assert_eq!(app.detail(&m, &waiting2).await["status_info"]["value"], 100);
    let history = app.detail(&m, &waiting2).await["history"].clone();
    assert_eq!(history[1]["actor"], "system");
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn create_refuses_bad_requests_and_changes_nothing() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let other = app.merchant().await;
    let theirs = app.product(&other, "THEIRS", WH).await;
    let inactive = app.product(&m, "OLD", WH).await;
    send(app.api(&m, Method::PUT, &format!("/products/{inactive}/deactivate")))
        .await
        .expect_ok(200);
    app.warehouse("WH-SG01").await;
    let create = |body: serde_json::Value| {
        send(
            app.api(&m, Method::POST, "/shipments/b2c/create")
                .header("Accept-Language", "en")
                .json(&body),
        )
    };
    let base = |items: serde_json::Value| {
        json!({
            "warehouse_code": WH, "platform": "shopee", "merchant_tracking_code_reference": "X", "items": items
        })
    };

    let mut body = base(json!([{"oasin": a, "product_quantity": 1}]));
    body["platform"] = json!("ebay");
    create(body)
        .await
        .expect_error(400, "PLATFORM_NOT_SUPPORTED");
    let mut retail = base(json!([{"oasin": a, "product_quantity": 1}]));
    retail["platform"] = json!("retail");
    assert!(create(retail.clone())
        .await
        .expect_error(422, "INVALID_PAYLOAD")["error_detail"]["receiver"]
        .is_array());
    retail["receiver"] = json!({"name": "A", "phone": "09", "address": "x", "province_code": "79", "district_code": "001", "ward_code": "00001"});
    assert!(
        create(retail).await.expect_error(422, "INVALID_PAYLOAD")["error_detail"]
            ["receiver.ward_code"]
            .is_array()
    );
    create(base(json!([])))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    let zero = create(base(json!([{"oasin": a, "product_quantity": 0}]))).await;
    assert!(
        zero.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["items[0].product_quantity"]
            .is_array()
    );
    let twice = create(base(
        json!([{"oasin": a, "product_quantity": 1}, {"oasin": a, "product_quantity": 2}]),
    ))
    .await;
    assert!(
        twice.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["items[1].oasin"].is_array()
    );
    let text_qty = create(base(json!([{"oasin": a, "product_quantity": "two"}]))).await;
    assert!(
        text_qty.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["items[0].product_quantity"]
            .is_array()
    );

    let missing = create(base(json!([{"oasin": "OASIN9999999", "product_quantity": 1}, {"oasin": theirs, "product_quantity": 1}]))).await;
    assert_eq!(
        missing.expect_error(404, "PRODUCTS_BY_OASIN_NOT_FOUND")["messages"],
        format!("The OASIN codes OASIN9999999,{theirs} do not exist")
    );
    create(base(json!([{"oasin": inactive, "product_quantity": 1}])))
        .await
        .expect_error(400, "PRODUCTS_INACTIVE");
    let mut elsewhere = base(json!([{"oasin": a, "product_quantity": 1}]));
    elsewhere["warehouse_code"] = json!("WH-SG01");
    create(elsewhere)
        .await
        .expect_error(400, "PRODUCTS_NOT_MAPPED_IN_WAREHOUSE");
    let mut nowhere = base(json!([{"oasin": a, "product_quantity": 1}]));
    nowhere["warehouse_code"] = json!("WH-NONE");
    create(nowhere)
        .await
        .expect_error(404, "WAREHOUSE_NOT_FOUND");

    create(base(json!([{"oasin": a, "product_quantity": 1}])))
        .await
        .expect_ok(200);
    create(base(json!([{"oasin": a, "product_quantity": 1}])))
        .await
        .expect_error(400, "DUPLICATE_REFERENCE");
    // Another business may use the same reference.
    app.shipment(&other, "X", WH, &[(&theirs, 1)]).await;

    let list = send(app.api(&m, Method::GET, "/shipments/b2c")).await;
    assert_eq!(list.body["total"], 1, "only the accepted create exists");
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 1, 9));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn operator_flow_sets_milestones_and_moves_stock() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let code = app.shipment(&m, "FLOW", WH, &[(&a, 2)]).await;
    let times = |s: &serde_json::Value| {
        [
            "allocated_time",
            "picked_time",
            "packed_time",
            "handover_time",
            "delivered_time",
        ]
        .map(|t| !s[t].is_null())
    };

    app.clock.advance(10);
    app.set_status(&code, "ALLOCATED").await.expect_ok(200);
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 2, 8));
    app.set_status(&code, "PICKED").await.expect_ok(200);
    assert_eq!(
        app.stock_of(&m, WH, &a).await,
        (8, 0, 8),
        "picked goods left the shelf"
    );
    let bad = app.set_status(&code, "DELIVERED").await;
    let err = bad.expect_error(400, "INVALID_STATUS_TRANSITION");
    assert_eq!(err["error_detail"]["status_info"]["value"], 210);
    app.walk(&code, &["PACKED", "WAITING_HANDOVER"]).await;
    let handed = send(
        app.ops(Method::POST, &format!("/shipments/{code}/status"))
            .json(&json!({
                "status": "HANDOVER", "courier_tracking_code": "GHN-9", "courier_name": "GHN"
            })),
    )
    .await;
    let s = handed.expect_ok(200).clone();
    assert_eq!(s["courier_tracking_code"], "GHN-9");
    assert_eq!(times(&s), [true, true, true, true, false]);
    assert_eq!(s["handover_time"], START_TIME + 10);
    app.walk(
        &code,
        &[
            "IN_TRANSIT",
            "OUT_FOR_DELIVERY",
            "DELIVERY_FAILED",
            "OUT_FOR_DELIVERY",
            "DELIVERED",
        ],
    )
    .await;
    let s = app.detail(&m, &code).await;
    assert_eq!(times(&s), [true; 5]);
    assert_eq!(s["history"].as_array().unwrap().len(), 11);
    app.set_status(&code, "CANCELLED")
        .await
        .expect_error(400, "INVALID_STATUS_TRANSITION");
    app.set_status(&code, "NOT_A_STATUS")
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    app.set_status("OASC99999999", "PICKED")
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");

    // A parcel the carrier brings back restocks.
    let rts = app.shipment(&m, "RTS", WH, &[(&a, 3)]).await;
    app.walk(
        &rts,
        &[
            "ALLOCATED",
            "PICKED",
            "PACKED",
            "HANDOVER",
            "IN_TRANSIT",
            "RETURNED_TO_SENDER",
        ],
    )
    .await;
    assert_eq!(app.stock_of(&m, WH, &a).await, (8, 0, 8));
    let rts_moves = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(_, p)| p["transaction_type"] == "RTS_RESTOCK")
        .count();
    assert_eq!(rts_moves, 1);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn cancel_before_packing_releases_and_after_packing_restocks() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let early = app.shipment(&m, "E", WH, &[(&a, 2)]).await;
    let packed = app.shipment(&m, "P", WH, &[(&a, 3)]).await;
    app.walk(&packed, &["ALLOCATED", "PICKED", "PACKED"]).await;
    assert_eq!(app.stock_of(&m, WH, &a).await, (7, 2, 5));

    app.clock.advance(60);
    let c1 = app.cancel(&m, &early, None).await;
    assert_eq!(
        c1.expect_ok(200),
        &json!({
            "success": true, "status_info": {"value": 490, "label": "Đã hủy", "updated_time": START_TIME + 60},
            "cancelled_time": START_TIME + 60
        })
    );
    let c2 = app
        .cancel(
            &m,
            &packed,
            Some(json!({"reason_code": "CUSTOMER_REQUEST", "reason_note": "khách đổi ý"})),
        )
        .await;
    assert_eq!(c2.expect_ok(200)["status_info"]["value"], 500);
    assert_eq!(
        c2.body["data"]["status_info"]["label"],
        "Đã hủy sau đóng gói"
    );
    assert_eq!(
        app.stock_of(&m, WH, &a).await,
        (10, 0, 10),
        "released 2, restocked 3"
    );

    let d = app.detail(&m, &packed).await;
    assert_eq!(
        d["cancel_reason"],
        json!({"code": "CUSTOMER_REQUEST", "note": "khách đổi ý"})
    );
    assert_eq!(d["items"][0]["cancelled_quantity"], 3);
    assert_eq!(d["cancelled_time"], START_TIME + 60);
    let d = app.detail(&m, &early).await;
    assert_eq!(d["cancel_reason"]["code"], "OTHER");

    // Cancelling again answers the first result and moves nothing.
    app.clock.advance(60);
    let again = app.cancel(&m, &packed, None).await;
    assert_eq!(again.expect_ok(200), c2.expect_ok(200));
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));
    let restocks = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(_, p)| p["transaction_type"] == "CANCEL_RESTOCK")
        .count();
    assert_eq!(restocks, 1);
    let event = app
        .events(m.business_id)
        .await
        .into_iter()
        .rfind(|(c, _)| c == "shipment.update_status")
        .unwrap()
        .1;
    assert_eq!(event["status_info"]["value"], 500);
    assert_eq!(event["previous_status_info"]["value"], 220);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn cancel_is_refused_once_handed_over_and_for_bad_requests() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let other = app.merchant().await;
    let code = app.shipment(&m, "H", WH, &[(&a, 1)]).await;
    app.walk(&code, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    let refused = app.cancel(&m, &code, None).await;
    let body = refused.expect_error(400, "SHIPMENT_CANNOT_CANCEL");
    assert_eq!(body["error_detail"]["status_info"]["value"], 300);
    assert_eq!(body["error_detail"]["status_info"]["label"], "Đã bàn giao");
    assert_eq!(app.detail(&m, &code).await["status_info"]["value"], 300);

    let open = app.shipment(&m, "O", WH, &[(&a, 1)]).await;
    app.cancel(&other, &open, None)
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    app.cancel(&m, "OASC99999999", None)
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    app.cancel(&m, "nonsense", None)
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    app.cancel(&m, &open, Some(json!({"reason_code": "BORED"})))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    app.cancel(&m, &open, Some(json!({"reason_note": "x".repeat(256)})))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    let malformed = send(
        app.api(&m, Method::PUT, &format!("/shipments/b2c/{open}/cancel"))
            .header("content-type", "application/json")
            .body("{oops"),
    )
    .await;
    malformed.expect_error(422, "INVALID_PAYLOAD");
    assert_eq!(
        app.detail(&m, &open).await["status_info"]["value"],
        100,
        "nothing changed"
    );
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn partial_cancel_splits_the_shipment_and_moves_exactly_the_cancelled_units() {
    let app = spawn_app().await;
    let (m, a, b) = stocked(&app).await;
    let code = app.shipment(&m, "SPLIT", WH, &[(&a, 4), (&b, 2)]).await;
    app.walk(&code, &["ALLOCATED", "PICKED", "PACKED"]).await;
    assert_eq!(app.stock_of(&m, WH, &a).await, (6, 0, 6));
    let old = app.detail(&m, &code).await;
    let line_a = old["items"][0]["line_id"].as_i64().unwrap();

    app.clock.advance(5);
    let reply = app.cancel(&m, &code, Some(json!({
        "reason_code": "STOCK_OUT", "lines": [{"line_id": line_a, "quantity": 1}, {"oasin": b, "quantity": 2}]
    })))
    .await;
    let r = reply.expect_ok(200).clone();
    assert_eq!(r["status_info"]["value"], 500);
    let successor = r["successor_tracking_code"].as_str().unwrap().to_string();
    assert_ne!(successor, code);
    assert_eq!(
        r["cancelled_items"],
        json!([
            {"line_id": line_a, "oasin": a, "sku": "SKU-A", "quantity": 1},
            {"line_id": old["items"][1]["line_id"], "oasin": b, "sku": "SKU-B", "quantity": 2},
        ])
    );
    // Exactly the cancelled units went back on the shelf.
    assert_eq!(app.stock_of(&m, WH, &a).await, (7, 0, 7));
    assert_eq!(app.stock_of(&m, WH, &b).await, (5, 0, 5));

    let closed = app.detail(&m, &code).await;
    assert_eq!(closed["superseded_by"], successor.as_str());
    let new = app.detail(&m, &successor).await;
    assert_eq!(new["supersedes"], code.as_str());
    assert_eq!(new["merchant_tracking_code_reference"], "SPLIT");
    assert_eq!(
        new["status_info"]["value"], 210,
        "a packed parcel must be packed again"
    );
    assert_ne!(new["package_id"], closed["package_id"]);
    assert_eq!(new["items"].as_array().unwrap().len(), 1);
    assert_eq!(new["items"][0]["product_quantity"], 3);
    assert_ne!(new["items"][0]["line_id"], line_a);
    assert!(new["packed_time"].is_null() && !new["picked_time"].is_null());

    // Asking for more than remains is refused; the successor can be cancelled in turn.
    let new_line = new["items"][0]["line_id"].as_i64().unwrap();
    let too_many = app
        .cancel(
            &m,
            &successor,
            Some(json!({"lines": [{"line_id": new_line, "quantity": 4}]})),
        )
        .await;
    assert!(
        too_many.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["lines[0].quantity"]
            .is_array()
    );
    let all = app
        .cancel(
            &m,
            &successor,
            Some(json!({"lines": [{"line_id": new_line, "quantity": 3}]})),
        )
        .await;
    let all = all.expect_ok(200);
    assert_eq!(
        all["status_info"]["value"], 490,
        "cancelling every remaining unit is a full cancel"
    );
    assert!(all.get("successor_tracking_code").is_none());
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));

    // The list shows both, same reference.
    let list = send(app.api(
        &m,
        Method::GET,
        "/shipments/b2c?merchant_tracking_code_reference=SPLIT",
    ))
    .await;
    assert_eq!(list.body["total"], 2);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn partial_cancel_of_a_reserved_shipment_releases_only_those_units() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let code = app.shipment(&m, "NEWSPLIT", WH, &[(&a, 5)]).await;
    let r = app
        .cancel(
            &m,
            &code,
            Some(json!({"lines": [{"oasin": a, "quantity": 2}]})),
        )
        .await;
    let successor = r.expect_ok(200)["successor_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(r.body["data"]["status_info"]["value"], 490);
    assert_eq!(
        app.detail(&m, &successor).await["status_info"]["value"],
        100
    );
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 3, 7));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn bulk_cancel_answers_each_code_in_order() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let other = app.merchant().await;
    let ok1 = app.shipment(&m, "B1", WH, &[(&a, 1)]).await;
    let gone = app.shipment(&m, "B2", WH, &[(&a, 1)]).await;
    app.walk(&gone, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    let ok2 = app.shipment(&m, "B3", WH, &[(&a, 1)]).await;
    let theirs_product = app.product(&other, "T", WH).await;
    let theirs = app
        .shipment(&other, "T1", WH, &[(&theirs_product, 1)])
        .await;

    let codes = [
        ok1.as_str(),
        gone.as_str(),
        "OASC99999999",
        theirs.as_str(),
        ok2.as_str(),
        ok1.as_str(),
    ];
    let reply = send(app.api(&m, Method::POST, "/shipments/b2c/cancel").header("Accept-Language", "en").json(&json!({
        "tracking_codes": codes, "reason_code": "MARKETPLACE_CANCELLED", "reason_note": "bulk"
    })))
    .await;
    let data = reply.expect_ok(200).as_array().unwrap().clone();
    assert_eq!(reply.body["total"], 6);
    let got: Vec<(&str, bool, Option<&str>)> = data
        .iter()
        .map(|r| {
            (
                r["tracking_code"].as_str().unwrap(),
                r["success"].as_bool().unwrap(),
                r["error_code"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (ok1.as_str(), true, None),
            (gone.as_str(), false, Some("SHIPMENT_CANNOT_CANCEL")),
            ("OASC99999999", false, Some("SHIPMENT_NOT_FOUND")),
            (theirs.as_str(), false, Some("SHIPMENT_NOT_FOUND")),
            (ok2.as_str(), true, None),
            (ok1.as_str(), true, None),
        ]
    );
    assert_eq!(data[1]["status_info"]["value"], 300);
    assert_eq!(data[2]["messages"], "Shipment not found");
    assert_eq!(data[0]["status_info"]["value"], 490);
    assert_eq!(data[5]["cancelled_time"], data[0]["cancelled_time"]);
    assert_eq!(
        app.detail(&other, &theirs).await["status_info"]["value"],
        150,
        "another business's shipment untouched"
    );
    assert_eq!(
        app.detail(&m, &ok2).await["cancel_reason"],
        json!({"code": "MARKETPLACE_CANCELLED", "note": "bulk"})
    );

    // Each cancelled shipment's event carries its detail exactly as the cancel left it, and
    // each release event the balance right after that release, as if the cancels ran one by
    // one in id order.
    let events = app.events(m.business_id).await;
    for code in [&ok1, &ok2] {
        let mut event = events
            .iter()
            .rev()
            .find(|(c, p)| c == "shipment.update_status" && p["tracking_code"] == code.as_str())
            .unwrap()
            .1
            .clone();
        assert_eq!(event["previous_status_info"]["value"], 100);
        let fields = event.as_object_mut().unwrap();
        for added in [
            "previous_status_info",
            "business_id",
            "event_code",
            "instance_id",
        ] {
            fields.remove(added);
        }
        let detail = send(
            app.api(&m, Method::GET, &format!("/shipments/b2c/{code}/detail"))
                .header("Accept-Language", "en"),
        )
        .await;
        assert_eq!(&event, detail.expect_ok(200), "event of {code}");
    }
    let releases: Vec<&serde_json::Value> = events
        .iter()
        .filter(|(c, p)| c == "product.update_stock" && p["transaction_type"] == "RELEASE")
        .map(|(_, p)| p)
        .collect();
    let (_, reserved_now, _) = app.stock_of(&m, WH, &a).await;
    assert_eq!(releases.len(), 2);
    assert_eq!(releases[0]["reference_code"], ok1.as_str());
    assert_eq!(releases[0]["reserved"], reserved_now + 1);
    assert_eq!(releases[1]["reference_code"], ok2.as_str());
    assert_eq!(releases[1]["reserved"], reserved_now);
    assert!(releases[0]["transaction_id"].as_i64() < releases[1]["transaction_id"].as_i64());

    let too_many: Vec<String> = (0..101).map(|i| format!("OASC{i:08}")).collect();
    let r = send(
        app.api(&m, Method::POST, "/shipments/b2c/cancel")
            .json(&json!({"tracking_codes": too_many})),
    )
    .await;
    r.expect_error(422, "INVALID_PAYLOAD");
    send(
        app.api(&m, Method::POST, "/shipments/b2c/cancel")
            .json(&json!({"tracking_codes": []})),
    )
    .await
    .expect_error(422, "INVALID_PAYLOAD");
    app.assert_reservations_match_shipments().await;
}

/// A cancel body with a field Depot does not know is refused and cancels nothing: a
/// misspelt `lines` must not become a full cancel.
#[tokio::test]
async fn a_cancel_body_with_an_unknown_field_changes_nothing() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let code = app.shipment(&m, "TYPO", WH, &[(&a, 2)]).await;
    for body in [
        json!({"items": [{"oasin": a, "quantity": 1}]}),
        json!({"lines": [{"oasin": a, "quantity": 1, "unit": "box"}]}),
    ] {
        app.cancel(&m, &code, Some(body))
            .await
            .expect_error(422, "INVALID_PAYLOAD");
    }
    assert_eq!(app.detail(&m, &code).await["status_info"]["value"], 100);
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 2, 8));
}

/// The list's `total`: all shipments, NEW ones, CANCELLED ones.
async fn list_totals(app: &TestApp, m: &TestMerchant) -> Vec<i64> {
    let mut out = Vec::new();
    for q in ["", "?status=NEW", "?status=CANCELLED"] {
        let r = send(app.api(m, Method::GET, &format!("/shipments/b2c{q}"))).await;
        out.push(r.body["total"].as_i64().unwrap());
    }
    out
}

/// List totals come from per-status counts the database keeps; folding them (which the
/// server does every few seconds on PostgreSQL) changes no total and leaves one row per
/// business and status there.
#[tokio::test]
async fn folding_the_status_counts_keeps_every_total() {
    let app = spawn_app().await;
    let (m, a, b) = stocked(&app).await;
    let mut codes = Vec::new();
    for i in 0..4 {
        codes.push(
            app.shipment(&m, &format!("F{i}"), WH, &[(&a, 1), (&b, 1)])
                .await,
        );
    }
    send(
        app.api(&m, Method::POST, "/shipments/b2c/cancel")
            .json(&json!({
                "tracking_codes": [codes[0], codes[1]], "reason_code": "MARKETPLACE_CANCELLED"
            })),
    )
    .await
    .expect_ok(200);
    // A partial cancel closes codes[2] and opens its successor.
    let partial = json!({"lines": [{"oasin": b, "quantity": 1}]});
    app.cancel(&m, &codes[2], Some(partial))
        .await
        .expect_ok(200);
    assert_eq!(list_totals(&app, &m).await, vec![5, 2, 3]);
    app.db.fold_shipment_counts().await.unwrap();
    assert_eq!(list_totals(&app, &m).await, vec![5, 2, 3]);
    if app.db.backend() == depot_store::Backend::Postgres {
        let groups_with_many_rows: i64 = depot_store::sql::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM shipment_counts \
             GROUP BY business_id, status HAVING COUNT(*) > 1) g",
        )
        .fetch_one(app.db.reader())
        .await
        .unwrap();
        assert_eq!(groups_with_many_rows, 0);
    }
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn shipment_list_filters_and_pages() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let mut codes = Vec::new();
    for i in 0..5 {
        app.clock.advance(10);
        codes.push(app.shipment(&m, &format!("L{i}"), WH, &[(&a, 1)]).await);
    }
    app.cancel(&m, &codes[1], None).await.expect_ok(200);
    let list = send(app.api(&m, Method::GET, "/shipments/b2c?page_size=2")).await;
    assert_eq!(list.body["total"], 5);
    assert_eq!(list.body["data"][0]["tracking_code"], codes[4].as_str());
    let next = list
        .header("link")
        .unwrap()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_string();
    let page2 = send(
        app.request(Method::GET, &next)
            .header("Authorization", &m.api_key),
    )
    .await;
    assert_eq!(page2.body["data"][0]["tracking_code"], codes[2].as_str());
    for q in [
        "status=490",
        "status=CANCELLED",
        "merchant_tracking_code_reference=L1",
        &format!("tracking_code={}", codes[1]),
    ] {
        let r = send(app.api(&m, Method::GET, &format!("/shipments/b2c?{q}"))).await;
        assert_eq!(r.body["total"], 1, "{q}");
        assert_eq!(r.body["data"][0]["tracking_code"], codes[1].as_str(), "{q}");
    }
    let r = send(app.api(
        &m,
        Method::GET,
        &format!(
            "/shipments/b2c?created_time_from={}&created_time_to={}",
            START_TIME + 20,
            START_TIME + 40
        ),
    ))
    .await;
    assert_eq!(r.body["total"], 3);
    let r = send(app.api(
        &m,
        Method::GET,
        "/shipments/b2c?platform=lazada&warehouse_code=WH-HN01",
    ))
    .await;
    assert_eq!(r.body["total"], 0);
    send(app.api(&m, Method::GET, "/shipments/b2c?status=LOST"))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    send(app.api(
        &m,
        Method::GET,
        "/shipments/b2c?created_time_from=yesterday",
    ))
    .await
    .expect_error(422, "INVALID_PAYLOAD");
}
