//! Regressions of the hardening issue: bounded quantities and checked arithmetic, one text
//! rule, `Content-Type` enforced, protocol-level refusals in the envelope, and every error
//! reply in `/openapi.json`. Each test names the item it covers.

use crate::helpers::*;
use depot_api::Config;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WH: &str = "WH-HD01";
const BIG: i64 = i64::MAX;

async fn stocked(app: &TestApp, units: i64) -> (TestMerchant, String) {
    let m = app.merchant().await;
    app.warehouse(WH).await;
    let a = app.product(&m, "SKU-A", WH).await;
    app.adjust(&m, WH, &a, units).await.expect_ok(200);
    (m, a)
}

fn trendyol(
    app: &TestApp,
    m: &TestMerchant,
    method: Method,
    tail: &str,
) -> reqwest::RequestBuilder {
    app.request(
        method,
        &format!(
            "/trendyol/integration/order/sellers/{}{tail}",
            m.business_id
        ),
    )
    .basic_auth(&m.key_id, Some(&m.secret))
    .header("User-Agent", format!("{} - SelfIntegration", m.business_id))
}

// ---------------------------------------------------------------------------------------------
// 1. A partial cancel never grows a shipment.

#[tokio::test]
async fn item1_partial_cancel_with_huge_quantities_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let code = app.shipment(&m, "HUGE-1", WH, &[(&a, 3)]).await;
    let before = app.detail(&m, &code).await;
    let line = before["items"][0]["line_id"].as_i64().unwrap();

    // 2 + (2^63-1) + (2^63-6) wraps to -5 in i64.
    let wrapping = json!({"lines": [
        {"oasin": a, "quantity": 2}, {"oasin": a, "quantity": BIG}, {"oasin": a, "quantity": BIG - 5}
    ]});
    let reply = app.cancel(&m, &code, Some(wrapping.clone())).await;
    let body = reply.expect_error(422, "INVALID_PAYLOAD");
    assert!(
        body["error_detail"]["lines[1].quantity"].is_array(),
        "{body:#}"
    );
    // 1 + MAX + MAX + 4 wraps to exactly 3: it must not become a full cancel.
    let to_full = json!({"lines": [
        {"line_id": line, "quantity": 1}, {"line_id": line, "quantity": BIG},
        {"line_id": line, "quantity": BIG}, {"line_id": line, "quantity": 4}
    ]});
    app.cancel(&m, &code, Some(to_full))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    // Within the bounds, parts for one line still may not pass it.
    let over = json!({"lines": [{"oasin": a, "quantity": 2}, {"oasin": a, "quantity": 2}]});
    let reply = app.cancel(&m, &code, Some(over)).await;
    assert!(
        reply.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["lines[1].quantity"].is_array()
    );
    assert_eq!(app.detail(&m, &code).await, before, "nothing changed");
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 3, 7));

    // The same through Trendyol, and from PICKED (where a cancel restocks on_hand).
    app.walk(&code, &["ALLOCATED", "PICKED"]).await;
    assert_eq!(app.stock_of(&m, WH, &a).await, (7, 0, 7));
    let package = before["package_id"].as_i64().unwrap();
    let reply = send(
        trendyol(
            &app,
            &m,
            Method::PUT,
            &format!("/shipment-packages/{package}/items/unsupplied"),
        )
        .json(&json!({"lines": [
            {"lineId": line, "quantity": 2}, {"lineId": line, "quantity": BIG},
            {"lineId": line, "quantity": BIG - 5}
        ], "reasonId": 500})),
    )
    .await;
    assert_eq!(reply.status, 400, "{:#}", reply.body);
    assert_eq!(reply.body["exception"], "ClientApiValidationException");
    let reply = app.cancel(&m, &code, Some(wrapping)).await;
    reply.expect_error(422, "INVALID_PAYLOAD");
    let after = app.detail(&m, &code).await;
    assert_eq!(after["status_info"]["value"], 210);
    assert_eq!(after["items"][0]["product_quantity"], 3);
    assert_eq!(
        after["items"][0]["cancelled_quantity"],
        before["items"][0]["cancelled_quantity"]
    );
    assert_eq!(app.stock_of(&m, WH, &a).await, (7, 0, 7));
    let list = send(app.api(&m, Method::GET, "/shipments/b2c")).await;
    assert_eq!(list.body["total"], 1, "no successor was created");
    app.assert_stock_consistent().await;
}

#[tokio::test]
async fn item1_line_quantities_are_bounded_when_read() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    for q in [0, -1, 1_000_001, BIG] {
        let reply = app
            .create_shipment(&m, &format!("Q{q}"), WH, &[(&a, q)])
            .await;
        let body = reply.expect_error(422, "INVALID_PAYLOAD");
        assert!(
            body["error_detail"]["items[0].product_quantity"].is_array(),
            "{body:#}"
        );
    }
    // 2^63 is not even an i64.
    let reply = send(app.api(&m, Method::POST, "/shipments/b2c/create").json(&json!({
        "warehouse_code": WH, "platform": "shopee", "merchant_tracking_code_reference": "Q-OVER",
        "items": [{"oasin": a, "product_quantity": 9_223_372_036_854_775_808u64}]
    })))
    .await;
    reply.expect_error(422, "INVALID_PAYLOAD");
    let po = send(app.api(&m, Method::POST, "/purchase-orders/create").json(&json!({
        "warehouse_code": WH, "merchant_po_reference": "PO-BIG",
        "packages": [{"package_code": "P1", "items": [{"oasin": a, "product_quantity": BIG}]}]
    })))
    .await;
    assert!(po.expect_error(422, "INVALID_PAYLOAD")["error_detail"]
        ["packages[0].items[0].product_quantity"]
        .is_array());
    let list = send(app.api(&m, Method::GET, "/shipments/b2c")).await;
    assert_eq!(list.body["total"], 0);
}

// ---------------------------------------------------------------------------------------------
// 2. Receiving a return never wraps.

#[tokio::test]
async fn item2_return_receipt_lines_cannot_wrap_past_i64() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let code = app.shipment(&m, "RET-SRC", WH, &[(&a, 3)]).await;
    app.walk(&code, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    let ret = send(
        app.api(&m, Method::POST, "/return-shipments/b2c/create")
            .json(&json!({
                "warehouse_code": WH, "shipment_tracking_code": code,
                "merchant_return_tracking_code_reference": "R-1",
                "items": [{"oasin": a, "product_quantity": 3}]
            })),
    )
    .await;
    let ret = ret.expect_ok(200)["return_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    let receive = |items: Value| {
        send(
            app.ops(Method::POST, &format!("/return-shipments/{ret}/receive"))
                .json(&json!({ "items": items })),
        )
    };
    let huge = receive(json!([
        {"oasin": a, "received_quantity": BIG, "stock_level": "A"},
        {"oasin": a, "received_quantity": BIG, "stock_level": "D1"},
        {"oasin": a, "received_quantity": 3, "stock_level": "D2"}
    ]))
    .await;
    assert!(huge.expect_error(422, "INVALID_PAYLOAD")["error_detail"]
        ["items[0].received_quantity"]
        .is_array());
    let over = receive(json!([
        {"oasin": a, "received_quantity": 2, "stock_level": "A"},
        {"oasin": a, "received_quantity": 2, "stock_level": "D1"}
    ]))
    .await;
    assert!(over.expect_error(422, "INVALID_PAYLOAD")["error_detail"]
        ["items[1].received_quantity"]
        .is_array());
    let detail = send(app.api(
        &m,
        Method::GET,
        &format!("/return-shipments/b2c/{ret}/detail"),
    ))
    .await;
    assert_eq!(detail.expect_ok(200)["status_info"]["value"], 100);
    app.assert_stock_consistent().await;
}

// ---------------------------------------------------------------------------------------------
// 3. Stock arithmetic that would overflow is a 4xx.

#[tokio::test]
async fn item3_stock_past_its_ceiling_is_refused_not_a_500() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let huge = app.adjust(&m, WH, &a, BIG).await;
    assert!(huge.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["quantity_delta"].is_array());
    let huge = app.adjust(&m, WH, &a, i64::MIN).await;
    huge.expect_error(422, "INVALID_PAYLOAD");

    // A balance at its ceiling (put there directly: reaching it by API takes a million
    // calls): adjustments, putaways and returns that would pass it are refused.
    let ceiling = depot_domain::quantity::MAX_BALANCE;
    depot_store::sql::query("UPDATE stock_balances SET on_hand = $1, reserved = 0")
        .bind(ceiling - 5)
        .execute(app.db.writer())
        .await
        .unwrap();
    let reply = app.adjust(&m, WH, &a, 6).await;
    assert!(
        reply.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["quantity_delta"].is_array()
    );
    app.adjust(&m, WH, &a, 5).await.expect_ok(200);
    app.adjust(&m, WH, &a, -5).await.expect_ok(200);

    let po = send(app.api(&m, Method::POST, "/purchase-orders/create").json(&json!({
        "warehouse_code": WH, "merchant_po_reference": "PO-CEIL",
        "packages": [{"package_code": "P1", "items": [{"oasin": a, "product_quantity": 1_000_000}]}]
    })))
    .await;
    let po = po.expect_ok(201)["po_code"].as_str().unwrap().to_string();
    let reply = send(
        app.ops(Method::POST, &format!("/purchase-orders/{po}/receive"))
            .json(&json!({"items": [{"package_code": "P1", "oasin": a,
                "inbound_quantity": 1_000_000, "putaway_quantity": 1_000_000}]})),
    )
    .await;
    assert!(reply.expect_error(422, "INVALID_PAYLOAD")["error_detail"]
        ["items[0].putaway_quantity"]
        .is_array());
    let detail = send(app.api(&m, Method::GET, &format!("/purchase-orders/{po}/detail"))).await;
    assert_eq!(
        detail.expect_ok(200)["status_info"]["value"],
        100,
        "still TRANSIT"
    );
    assert_eq!(app.stock_of(&m, WH, &a).await.0, ceiling - 5);
}

// ---------------------------------------------------------------------------------------------
// 4. One text rule: control characters refused everywhere, alike on both databases.

#[tokio::test]
async fn item4_control_characters_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let product = send(app.api(&m, Method::POST, "/products/create").json(&json!({
        "sku": "NUL\u{0}", "name": "x", "weight": 1, "length": 1, "width": 1, "height": 1
    })))
    .await;
    let body = product.expect_error(422, "INVALID_PAYLOAD");
    assert!(body["error_detail"]["sku"].is_array(), "{body:#}");
    let shipment = send(app.api(&m, Method::POST, "/shipments/b2c/create").json(&json!({
        "warehouse_code": WH, "platform": "shopee", "merchant_tracking_code_reference": "T-1",
        "items": [{"oasin": format!("{a}\u{7}"), "product_quantity": 1}]
    })))
    .await;
    assert!(
        shipment.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["items[0].oasin"].is_array()
    );
    for (path, field) in [
        ("/shipments/b2c?tracking_code=%00", "tracking_code"),
        ("/products/stock?sku=a%00b", "sku"),
        ("/brands?keyword=%1B", "keyword"),
        ("/shipments/OASC%0000001/detail", "path"),
    ] {
        let reply = send(app.api(&m, Method::GET, path)).await;
        assert!(
            reply.expect_error(422, "INVALID_PAYLOAD")["error_detail"][field].is_array(),
            "{path}: {:#}",
            reply.body
        );
    }
    let ops = send(
        app.ops(Method::POST, "/brands")
            .json(&json!({"name": "a\u{0}"})),
    )
    .await;
    assert!(ops.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["name"].is_array());
    let ops = send(app.ops(Method::POST, "/api-keys/dpk_%00/revoke")).await;
    ops.expect_error(422, "INVALID_PAYLOAD");
    let file = send(app.request(Method::GET, "/files/abc%00/x.pdf")).await;
    file.expect_error(422, "INVALID_PAYLOAD");
    // Dialects answer in their own shapes.
    let shipper = send(
        app.request(Method::PATCH, "/shipper/v3/fulfillment/outbound/oms/cancel")
            .header("x-api-key", &m.api_key)
            .json(&json!({"data": {"cancellation": {
                "order_no": "A\u{0}", "warehouse_id": WH, "cancel_reason": "x"}}})),
    )
    .await;
    assert_eq!(shipper.status, 400, "{:#}", shipper.body);
    assert!(shipper.body["metadata"].is_object());
    let orders = send(trendyol(&app, &m, Method::GET, "/orders?orderNumber=%00")).await;
    assert_eq!(orders.status, 400, "{:#}", orders.body);
    assert_eq!(orders.body["errors"][0]["key"], "orderNumber");

    // Free text may hold line breaks and tabs.
    let noted = send(app.api(&m, Method::POST, "/shipments/b2c/create").json(&json!({
        "warehouse_code": WH, "platform": "shopee", "merchant_tracking_code_reference": "T-2",
        "items": [{"oasin": a, "product_quantity": 1}], "note": "tầng 2\ngọi trước\t10h"
    })))
    .await;
    assert_eq!(noted.expect_ok(200)["note"], "tầng 2\ngọi trước\t10h");
    let list = send(app.api(&m, Method::GET, "/shipments/b2c")).await;
    assert_eq!(list.body["total"], 1, "only the clean shipment exists");
}

// ---------------------------------------------------------------------------------------------
// 5. A JSON body must say it is JSON.

#[tokio::test]
async fn item5_bodies_not_declared_json_are_refused_with_415() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let body = json!({"sku": "S1", "name": "x", "weight": 1, "length": 1, "width": 1, "height": 1})
        .to_string();
    for content_type in [
        Some("text/plain"),
        None,
        Some("application/x-www-form-urlencoded"),
        Some("application/json; charset=latin1"),
    ] {
        let mut req = app
            .api(&m, Method::POST, "/products/create")
            .body(body.clone());
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        let reply = send(req).await;
        reply.expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    }
    let products = send(app.api(&m, Method::GET, "/products")).await;
    assert_eq!(products.body["total"], 1, "only the stocked product");
    let ok = send(
        app.api(&m, Method::POST, "/products/create")
            .header("content-type", "application/json; charset=UTF-8")
            .body(body),
    )
    .await;
    ok.expect_ok(201);

    // A cancel's body sent as text would otherwise be a full cancel.
    let code = app.shipment(&m, "CT-1", WH, &[(&a, 3)]).await;
    let partial = json!({"lines": [{"oasin": a, "quantity": 1}]}).to_string();
    let reply = send(
        app.api(&m, Method::PUT, &format!("/shipments/b2c/{code}/cancel"))
            .header("content-type", "text/plain")
            .body(partial),
    )
    .await;
    reply.expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    assert_eq!(app.detail(&m, &code).await["status_info"]["value"], 100);
    // No body at all is still the documented full cancel.
    app.cancel(&m, &code, None).await.expect_ok(200);

    let ops = send(
        app.ops(Method::POST, "/brands")
            .header("content-type", "text/plain")
            .body(json!({"name": "B"}).to_string()),
    )
    .await;
    ops.expect_error(415, "UNSUPPORTED_MEDIA_TYPE");

    // Dialects refuse in their own shapes.
    let shipper = send(
        app.request(Method::PATCH, "/shipper/v3/fulfillment/outbound/oms/cancel")
            .header("x-api-key", &m.api_key)
            .header("content-type", "text/plain")
            .body(json!({"data": {"cancellation": {"order_no": "CT-1", "warehouse_id": WH, "cancel_reason": "x"}}}).to_string()),
    )
    .await;
    assert_eq!(shipper.status, 415);
    assert_eq!(shipper.body["metadata"]["http_status_code"], 415);
    let trendyol = send(
        trendyol(
            &app,
            &m,
            Method::PUT,
            "/shipment-packages/1/items/unsupplied",
        )
        .header("content-type", "text/plain")
        .body(json!({"lines": [{"lineId": 1, "quantity": 1}], "reasonId": 500}).to_string()),
    )
    .await;
    assert_eq!(trendyol.status, 415);
    assert_eq!(trendyol.body["exception"], "ClientApiValidationException");
    let ithink = send(
        app.request(Method::POST, "/ithink/api_v3/order/cancel.json")
            .body(json!({"data": {"access_token": m.key_id, "secret_key": m.secret, "awb_numbers": "1"}}).to_string()),
    )
    .await;
    assert_eq!(ithink.status, 200);
    assert_eq!(ithink.body["status_code"], 415, "{:#}", ithink.body);
}

// ---------------------------------------------------------------------------------------------
// 6. Protocol-level refusals in the envelope, seen over a raw connection.

/// Sends raw bytes on a fresh connection and reads the reply until the server closes it:
/// (status, headers, body).
async fn raw(app: &TestApp, request: &[u8]) -> (u16, String, Value) {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may refuse before reading everything; a write error then is expected.
    let _ = stream.write_all(request).await;
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply).await;
    parse_reply(&reply)
}

fn parse_reply(reply: &[u8]) -> (u16, String, Value) {
    let text = String::from_utf8_lossy(reply).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete reply");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        head.to_lowercase(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[track_caller]
fn expect_envelope(reply: &(u16, String, Value), status: u16, code: &str) {
    let (got, head, body) = reply;
    assert_eq!(*got, status, "{head}\n{body:#}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert_eq!(body["error"], true);
    assert_eq!(body["error_code"], code);
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["version"], "1.0.3");
    assert!(body["log_id"].is_string());
}

#[tokio::test]
async fn item6_protocol_refusals_answer_the_envelope() {
    let app = spawn_app_with(Config {
        rate_limit_per_minute: 0,
        head_timeout: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    // Request lines over the limit — also past hyper's own 64 KiB — get 414.
    for len in [40 * 1024, 70 * 1024] {
        let request = format!(
            "GET /api/v1/warehouses?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
            "a".repeat(len)
        );
        expect_envelope(&raw(&app, request.as_bytes()).await, 414, "URI_TOO_LONG");
    }
    // A head too large, or with too many fields: 431.
    let big = format!(
        "GET /api/v1/warehouses HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(70 * 1024)
    );
    expect_envelope(&raw(&app, big.as_bytes()).await, 431, "HEADERS_TOO_LARGE");
    let many = format!(
        "GET /api/v1/warehouses HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..120)
            .map(|i| format!("X-H{i}: 1\r\n"))
            .collect::<String>()
    );
    expect_envelope(&raw(&app, many.as_bytes()).await, 431, "HEADERS_TOO_LARGE");
    // A head that stops arriving: 408 once the head timeout passes.
    let partial = b"GET /api/v1/warehouses HTTP/1.1\r\nHost: x\r\n";
    expect_envelope(&raw(&app, partial).await, 408, "REQUEST_TIMEOUT");
    // A body over the limit: 413.
    let body = format!("{{\"name\": \"{}\"}}", "c".repeat(1024 * 1024 + 1024));
    let request = format!(
        "POST /ops/v1/brands HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {OPS_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    expect_envelope(
        &raw(&app, request.as_bytes()).await,
        413,
        "PAYLOAD_TOO_LARGE",
    );

    // On a kept-alive connection: a normal request with a body, then one too long.
    let first_body = "{\"name\": \"Brand\"}";
    let request = format!(
        "POST /ops/v1/brands HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {OPS_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{first_body}\
         GET /ops/v1/businesses/1?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
        first_body.len(),
        "d".repeat(40 * 1024)
    );
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(request.as_bytes()).await;
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply).await;
    let text = String::from_utf8_lossy(&reply).to_string();
    assert!(text.starts_with("HTTP/1.1 201"), "{text}");
    let second = text.find("HTTP/1.1 414").expect("a second reply, 414");
    expect_envelope(&parse_reply(&reply[second..]), 414, "URI_TOO_LONG");

    // Ordinary requests are unaffected.
    let ok = send(app.ops(Method::GET, "/businesses/999")).await;
    ok.expect_error(404, "BUSINESS_NOT_FOUND");
}

// ---------------------------------------------------------------------------------------------
// 8. Every error reply is documented.

#[tokio::test]
async fn item8_openapi_documents_every_error_reply() {
    let app = spawn_app().await;
    let doc = send(app.request(Method::GET, "/openapi.json")).await.body;
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    let paths = doc["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, item) in paths {
        let dialect = ["/shipper/", "/ithink/", "/trendyol/"]
            .iter()
            .any(|p| path.starts_with(p));
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let mut expected = vec!["408", "414", "431"];
            if !dialect {
                expected.extend(["400", "404", "422", "500"]);
                if op.get("security").is_some() {
                    expected.extend(["401", "403"]);
                }
                if op.get("requestBody").is_some() {
                    expected.extend(["413", "415"]);
                }
                if path.starts_with("/api/v1") {
                    expected.push("429");
                }
            }
            for status in expected {
                let reply = &responses
                    .get(status)
                    .unwrap_or_else(|| panic!("{method} {path} documents no {status}"));
                let content = match reply.get("$ref") {
                    Some(r) => {
                        let name = r.as_str().unwrap().rsplit('/').next().unwrap();
                        &doc["components"]["responses"][name]["content"]
                    }
                    None => &reply["content"],
                };
                assert!(
                    content.as_object().is_some_and(|c| !c.is_empty()),
                    "{method} {path} {status} has a body"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} operations");
    let file = &doc["paths"]["/files/{token}/{file_name}"]["get"]["responses"]["200"]["content"];
    assert!(file.get("*/*").is_some(), "{file:#}");
    assert!(file.get("application/octet-stream").is_none());
    let media = &doc["paths"]["/media/{token}/{file_name}"]["get"]["responses"]["200"]["content"];
    assert!(media.get("video/mp4").is_some(), "{media:#}");
    // The bounded quantities carry their bounds.
    assert_eq!(
        doc["components"]["schemas"]["Quantity"]["maximum"],
        1_000_000
    );
}

#[tokio::test]
async fn item4_the_web_faces_apply_the_same_text_rule() {
    let app = spawn_app().await;
    let mut browser = crate::web::Browser::new(&app);
    // A form field with NUL: the 400 page, not a database error.
    let page = browser
        .sign_in("a\u{0}@example.com", "whatever-password")
        .await;
    page.expect(400);
    // In the address: the error page with the API's status for it.
    let page = browser.get("/portal/login?next=%00").await;
    page.expect(422);
}
