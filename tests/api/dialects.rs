//! Provider dialects (SPEC §5): each seed doc's own sample request replayed against Depot (only
//! host, ids and credentials adapted) with the reply checked field by field, every error case in
//! the provider's own shape, and the equivalence of a dialect cancel with a native one — same
//! status, stock, stock movements and `shipment.update_status` events.

use crate::helpers::*;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

const WH: &str = "PMU";
const OMS: &str = "/shipper/v3/fulfillment/outbound/oms/cancel";
const WMS: &str = "/shipper/v3/fulfillment/outbound/wms/cancel";
const ITHINK: &str = "/ithink/api_v3/order/cancel.json";

// ---------------------------------------------------------------------------------------------
// Set-up and request helpers

/// A merchant with products A (stock 10) and B (stock 5) in `WH` (which must exist).
async fn stocked_merchant(app: &TestApp) -> (TestMerchant, String, String) {
    let m = app.merchant().await;
    let a = app.product(&m, "SKU-A", WH).await;
    let b = app.product(&m, "SKU-B", WH).await;
    app.adjust(&m, WH, &a, 10).await.expect_ok(200);
    app.adjust(&m, WH, &b, 5).await.expect_ok(200);
    (m, a, b)
}

async fn stocked(app: &TestApp) -> (TestMerchant, String, String) {
    app.warehouse(WH).await;
    stocked_merchant(app).await
}

/// Creates a shipment with a courier tracking code (the AWB iThink clients send).
async fn shipment_with_awb(
    app: &TestApp,
    m: &TestMerchant,
    reference: &str,
    awb: &str,
    items: &[(&str, i64)],
) -> String {
    let items: Vec<Value> = items
        .iter()
        .map(|(o, q)| json!({"oasin": o, "product_quantity": q}))
        .collect();
    let reply = send(app.api(m, Method::POST, "/shipments/b2c/create").json(&json!({
        "warehouse_code": WH, "platform": "shopee", "merchant_tracking_code_reference": reference,
        "courier_tracking_code": awb, "courier_name": "Delhivery", "items": items
    })))
    .await;
    reply.expect_ok(200)["tracking_code"]
        .as_str()
        .unwrap()
        .to_string()
}

fn shipper(app: &TestApp, path: &str, key: &str) -> RequestBuilder {
    app.request(Method::PATCH, path).header("x-api-key", key)
}

fn shipper_body(order_no: &str, warehouse_id: &str, reason: &str) -> Value {
    json!({"data": {"cancellation": {
        "order_no": order_no, "warehouse_id": warehouse_id, "cancel_reason": reason
    }}})
}

fn ithink_body(m: &TestMerchant, awbs: &str) -> Value {
    json!({"data": {"access_token": m.key_id, "secret_key": m.secret, "awb_numbers": awbs}})
}

/// A Trendyol call for the merchant's own seller id, with Basic auth and a User-Agent.
fn trendyol(app: &TestApp, m: &TestMerchant, method: Method, tail: &str) -> RequestBuilder {
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

fn unsupplied_path(package_id: i64) -> String {
    format!("/shipment-packages/{package_id}/items/unsupplied")
}

fn package_id(detail: &Value) -> i64 {
    detail["package_id"].as_i64().unwrap()
}

fn line_id(detail: &Value, i: usize) -> i64 {
    detail["items"][i]["line_id"].as_i64().unwrap()
}

/// Asserts a Shipper error body: `metadata` with the status, one or more errors, the first
/// with this code, and a Unix-seconds timestamp.
#[track_caller]
fn expect_shipper_error(reply: &Reply, status: u16, path: &str, code: i64) -> Value {
    assert_eq!(reply.status.as_u16(), status, "{:#}", reply.body);
    let meta = &reply.body["metadata"];
    assert_eq!(reply.body.as_object().unwrap().len(), 1, "only metadata");
    assert_eq!(meta["path"], path);
    assert_eq!(meta["http_status_code"], status);
    assert_eq!(
        meta["http_status"],
        reqwest::StatusCode::from_u16(status)
            .unwrap()
            .canonical_reason()
            .unwrap()
    );
    assert_eq!(meta["errors"][0]["code"], code, "{:#}", reply.body);
    assert!(meta["errors"][0]["message"].is_string());
    assert!(meta["timestamp"].is_i64());
    assert_eq!(
        meta.as_object().unwrap().len(),
        5,
        "path, http_status_code, http_status, errors, timestamp"
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    meta["errors"].clone()
}

#[track_caller]
fn expect_ithink_error(reply: &Reply, status_code: u16) -> String {
    assert_eq!(
        reply.status.as_u16(),
        200,
        "iThink answers 200: {:#}",
        reply.body
    );
    assert_eq!(reply.body["status"], "error", "{:#}", reply.body);
    assert_eq!(reply.body["status_code"], status_code, "{:#}", reply.body);
    assert_eq!(reply.body["data"], json!({}));
    assert_eq!(reply.body.as_object().unwrap().len(), 4);
    let message = reply.body["html_message"].as_str().unwrap().to_string();
    assert!(!message.is_empty());
    message
}

/// Asserts a Trendyol error: `{timestamp (ms), exception, errors: [{key, message, errorCode}]}`.
#[track_caller]
fn expect_trendyol_error(reply: &Reply, status: u16, exception: &str, key: &str) -> Value {
    assert_eq!(reply.status.as_u16(), status, "{:#}", reply.body);
    assert_eq!(reply.body["exception"], exception, "{:#}", reply.body);
    assert_eq!(reply.body["timestamp"], START_TIME * 1000);
    let errors = reply.body["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    for e in errors {
        assert_eq!(e.as_object().unwrap().len(), 3, "key, message, errorCode");
        assert!(e["message"].is_string() && e["errorCode"].is_string());
    }
    assert!(
        errors.iter().any(|e| e["key"] == key),
        "an error keyed {key}: {:#}",
        reply.body
    );
    let keys: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["timestamp", "exception", "errors"]);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    reply.body.clone()
}

// ---------------------------------------------------------------------------------------------
// Shipper

/// The seed's sample request, byte for byte (only host and key adapted), and its sample reply.
#[tokio::test]
async fn shipper_replays_the_seed_sample() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let code = app
        .shipment(&m, "KZFILN0HRC9RDXJTZBJS", WH, &[(&a, 2)])
        .await;
    let sample = r#"{
  "data": {
    "cancellation": {
      "order_no": "KZFILN0HRC9RDXJTZBJS",
      "cancel_reason": "cancel aja",
      "warehouse_id": "PMU"
    }
  }
}"#;
    let reply = send(
        shipper(&app, OMS, &m.api_key)
            .header("content-type", "application/json")
            .body(sample),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({"metadata": {
            "path": "/v3/fulfillment/outbound/oms/cancel",
            "http_status_code": 200,
            "http_status": "OK",
            "timestamp": START_TIME
        }})
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.body.to_string(),
        format!(
            r#"{{"metadata":{{"path":"/v3/fulfillment/outbound/oms/cancel","http_status_code":200,"http_status":"OK","timestamp":{START_TIME}}}}}"#
        ),
        "the seed's key order too"
    );
    let d = app.detail(&m, &code).await;
    assert_eq!(d["status_info"]["value"], 490);
    assert_eq!(
        d["cancel_reason"],
        json!({"code": "OTHER", "note": "cancel aja"})
    );
    assert_eq!(d["history"][1]["actor"], "shipper");
    assert_eq!(d["history"][1]["note"], "cancel aja");
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));

    // Repeating it answers the same success and moves nothing; the WMS path is the same call.
    let again = send(shipper(&app, WMS, &m.api_key).json(&shipper_body(
        "KZFILN0HRC9RDXJTZBJS",
        WH,
        "cancel aja",
    )))
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.body["metadata"]["path"],
        "/v3/fulfillment/outbound/wms/cancel"
    );
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn shipper_cancels_a_waiting_order_and_finds_the_live_one_by_reference() {
    let app = spawn_app().await;
    let (m, a, b) = stocked(&app).await;
    // OUT_OF_STOCK is cancellable too (nothing allocated).
    let waiting = app.shipment(&m, "WAIT", WH, &[(&b, 9)]).await;
    assert_eq!(app.detail(&m, &waiting).await["status_info"]["value"], 150);
    let ok = send(shipper(&app, OMS, &m.api_key).json(&shipper_body("WAIT", WH, "no stock"))).await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    assert_eq!(app.detail(&m, &waiting).await["status_info"]["value"], 490);

    // After a native partial cancel, the order number names the successor.
    let code = app.shipment(&m, "SPLIT", WH, &[(&a, 3)]).await;
    let r = app
        .cancel(
            &m,
            &code,
            Some(json!({"lines": [{"oasin": a, "quantity": 1}]})),
        )
        .await;
    let successor = r.expect_ok(200)["successor_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    let ok = send(shipper(&app, OMS, &m.api_key).json(&shipper_body("SPLIT", WH, "x"))).await;
    assert_eq!(ok.status, 200);
    assert_eq!(
        app.detail(&m, &successor).await["status_info"]["value"],
        490
    );
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn shipper_refuses_in_its_own_shapes() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let other = app.merchant().await;
    let allocated = app.shipment(&m, "ALLOC", WH, &[(&a, 1)]).await;
    app.walk(&allocated, &["ALLOCATED"]).await;
    let shipped = app.shipment(&m, "SHIPPED", WH, &[(&a, 1)]).await;
    app.walk(&shipped, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    let open = app.shipment(&m, "OPEN", WH, &[(&a, 1)]).await;
    let oms_path = "/v3/fulfillment/outbound/oms/cancel";

    // 401 802, in the seed's different shape, for a missing, unknown or revoked key.
    let revoked = app.merchant().await;
    send(app.ops(
        Method::POST,
        &format!("/api-keys/{}/revoke", revoked.key_id),
    ))
    .await
    .expect_ok(200);
    for key in [None, Some("dpk_nope"), Some(revoked.api_key.as_str())] {
        let req = app.request(Method::PATCH, OMS);
        let req = match key {
            Some(k) => req.header("x-api-key", k),
            None => req,
        };
        let reply = send(req.json(&shipper_body("OPEN", WH, "x"))).await;
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.body,
            json!({"metadata": {
                "path": oms_path,
                "status_code": 401,
                "status": "Unauthorized",
                "message": "PATCH /v3/fulfillment/outbound/oms/cancel [401] Unauthorized",
                "error": {"code": 802, "message": "Unauthorized Access. You are not authorized to access this resource."},
                "timestamp": "2027-01-15T08:00:00Z"
            }})
        );
        let keys: Vec<&String> = reply.body["metadata"].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "path",
                "status_code",
                "status",
                "message",
                "error",
                "timestamp"
            ],
            "the seed's key order"
        );
    }
    // The merchant API's Authorization header is not Shipper's.
    let reply = send(
        app.request(Method::PATCH, OMS)
            .header("Authorization", &m.api_key)
            .json(&shipper_body("OPEN", WH, "x")),
    )
    .await;
    assert_eq!(reply.status, 401);

    // 400 810: malformed JSON, empty body, wrong types, missing or too long fields.
    let too_long = shipper_body(&"X".repeat(51), WH, "x");
    let long_wh = shipper_body("OPEN", &"W".repeat(21), "x");
    let long_reason = shipper_body("OPEN", WH, &"r".repeat(51));
    let cases: Vec<(reqwest::RequestBuilder, &str)> = vec![
        (shipper(&app, OMS, &m.api_key).header("content-type", "application/json").body("{oops"), "malformed JSON"),
        (shipper(&app, OMS, &m.api_key), "a JSON body is required"),
        (
            shipper(&app, OMS, &m.api_key).json(&json!({"data": {"cancellation": {"order_no": 5, "warehouse_id": WH, "cancel_reason": "x"}}})),
            "data.cancellation.order_no",
        ),
        (
            shipper(&app, OMS, &m.api_key).json(&json!({"data": {"cancellation": {"order_no": "OPEN", "cancel_reason": "x"}}})),
            "data.cancellation.warehouse_id is mandatory",
        ),
        (
            shipper(&app, OMS, &m.api_key).json(&json!({"data": {}})),
            "data.cancellation is required",
        ),
        (
            shipper(&app, OMS, &m.api_key).json(&json!({"data": {"cancellation": {"order_no": "OPEN", "warehouse_id": WH, "cancel_reason": "  "}}})),
            "data.cancellation.cancel_reason is mandatory",
        ),
        (shipper(&app, OMS, &m.api_key).json(&too_long), "order_no must be at most 50"),
        (shipper(&app, OMS, &m.api_key).json(&long_wh), "warehouse_id must be at most 20"),
        (shipper(&app, OMS, &m.api_key).json(&long_reason), "cancel_reason must be at most 50"),
    ];
    for (req, why) in cases {
        let reply = send(req).await;
        let errors = expect_shipper_error(&reply, 400, oms_path, 810);
        assert_eq!(
            errors[0]["message"], "Invalid Input. Please Validate Your Input.",
            "the documented text first"
        );
        assert!(
            errors[1]["message"].as_str().unwrap().contains(why),
            "{why}: {errors:#}"
        );
        assert_eq!(errors[1]["code"], 810);
    }

    // 400 3012: no such order, the wrong warehouse, another business's order.
    for (key, order, wh) in [
        (&m.api_key, "NOPE", WH),
        (&m.api_key, "OPEN", "WH-OTHER"),
        (&other.api_key, "OPEN", WH),
    ] {
        let reply = send(shipper(&app, OMS, key).json(&shipper_body(order, wh, "x"))).await;
        let errors = expect_shipper_error(&reply, 400, oms_path, 3012);
        assert_eq!(errors.as_array().unwrap().len(), 1);
    }

    // 400 820: stock already allocated (and, all the more, handed over).
    for order in ["ALLOC", "SHIPPED"] {
        let reply = send(shipper(&app, WMS, &m.api_key).json(&shipper_body(order, WH, "x"))).await;
        let errors = expect_shipper_error(&reply, 400, "/v3/fulfillment/outbound/wms/cancel", 820);
        assert_eq!(
            errors[0]["message"],
            "Sales order already allocated, cannot be cancelled"
        );
    }
    assert_eq!(
        app.detail(&m, &allocated).await["status_info"]["value"],
        200
    );
    assert_eq!(app.detail(&m, &shipped).await["status_info"]["value"], 300);

    // A wrong method and an unknown path answer in Shipper's shape too, not the envelope.
    let reply = send(
        app.request(Method::POST, OMS)
            .header("x-api-key", &m.api_key),
    )
    .await;
    let errors = expect_shipper_error(&reply, 405, oms_path, 810);
    assert!(errors[0]["message"].as_str().unwrap().contains("PATCH"));
    let reply = send(app.request(Method::GET, WMS)).await;
    expect_shipper_error(&reply, 405, "/v3/fulfillment/outbound/wms/cancel", 810);
    let reply = send(shipper(
        &app,
        "/shipper/v3/fulfillment/outbound/oms/nope",
        &m.api_key,
    ))
    .await;
    expect_shipper_error(&reply, 404, "/v3/fulfillment/outbound/oms/nope", 810);

    assert_eq!(
        app.detail(&m, &open).await["status_info"]["value"],
        100,
        "nothing changed"
    );
    app.assert_reservations_match_shipments().await;
}

// ---------------------------------------------------------------------------------------------
// iThink Logistics

/// The seed's sample request (credentials adapted) and the documented reply shape.
#[tokio::test]
async fn ithink_replays_the_seed_sample() {
    let app = spawn_app().await;
    let (m, a, b) = stocked(&app).await;
    let first = shipment_with_awb(&app, &m, "GK0034", "86210010463", &[(&a, 2)]).await;
    let second = shipment_with_awb(&app, &m, "GK0035", "86210010464", &[(&b, 1)]).await;
    app.walk(&second, &["ALLOCATED", "PICKED", "PACKED"]).await;
    let sample = format!(
        "{{\"data\":{{\"access_token\" : \"{}\",\"secret_key\" : \"{}\",\"awb_numbers\" : \"86210010463,86210010464\"}}}}",
        m.key_id, m.secret
    );
    let reply = send(
        app.request(Method::POST, ITHINK)
            .header("content-type", "application/json")
            .header("cache-control", "no-cache")
            .body(sample),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({
            "status": "success",
            "status_code": 200,
            "html_message": "",
            "data": {
                "1": {"status": "Success", "remark": "", "refnum": "GK0034", "awb_number": "86210010463"},
                "2": {"status": "Success", "remark": "", "refnum": "GK0035", "awb_number": "86210010464"}
            }
        })
    );
    let keys: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["status", "status_code", "html_message", "data"]);
    let keys: Vec<&String> = reply.body["data"]["1"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["status", "remark", "refnum", "awb_number"]);
    let d1 = app.detail(&m, &first).await;
    assert_eq!(d1["status_info"]["value"], 490);
    assert_eq!(d1["cancel_reason"], json!({"code": "OTHER", "note": null}));
    assert_eq!(d1["history"][1]["actor"], "ithink");
    assert_eq!(app.detail(&m, &second).await["status_info"]["value"], 500);
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));
    assert_eq!(app.stock_of(&m, WH, &b).await, (5, 0, 5));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn ithink_answers_each_awb_by_position() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let other = app.merchant().await;
    let by_courier = shipment_with_awb(&app, &m, "R1", "AWB-1", &[(&a, 1)]).await;
    let by_code = app.shipment(&m, "R2", WH, &[(&a, 1)]).await;
    let shipped = shipment_with_awb(&app, &m, "R3", "AWB-3", &[(&a, 1)]).await;
    app.walk(&shipped, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    // A partial cancel leaves a successor with the same AWB: the live one is cancelled.
    let split = shipment_with_awb(&app, &m, "R4", "AWB-4", &[(&a, 3)]).await;
    let r = app
        .cancel(
            &m,
            &split,
            Some(json!({"lines": [{"oasin": a, "quantity": 1}]})),
        )
        .await;
    let successor = r.expect_ok(200)["successor_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    let foreign = shipment_with_awb(&app, &m, "R5", "AWB-5", &[(&a, 1)]).await;

    // Spaces are trimmed and empty entries skipped; positions count the AWBs actually given.
    let awbs = format!(" AWB-1 , {by_code},,AWB-3,AWB-4, UNKNOWN ,AWB-1");
    let reply = send(
        app.request(Method::POST, ITHINK)
            .json(&ithink_body(&m, &awbs)),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "success");
    let data = &reply.body["data"];
    assert_eq!(data.as_object().unwrap().len(), 6);
    assert_eq!(
        data["1"],
        json!({"status": "Success", "remark": "", "refnum": "R1", "awb_number": "AWB-1"})
    );
    assert_eq!(
        data["2"],
        json!({"status": "Success", "remark": "", "refnum": "R2", "awb_number": by_code})
    );
    assert_eq!(data["3"]["status"], "Failed");
    assert_eq!(data["3"]["refnum"], "R3");
    assert!(data["3"]["remark"]
        .as_str()
        .unwrap()
        .contains("handed over"));
    assert_eq!(data["4"]["status"], "Success");
    assert_eq!(data["4"]["refnum"], "R4");
    assert_eq!(
        data["5"],
        json!({"status": "Failed", "remark": "AWB number not found.", "refnum": "", "awb_number": "UNKNOWN"})
    );
    // The same AWB twice: the second answers the first cancellation's result.
    assert_eq!(data["6"]["status"], "Success");
    // Keys come in request order in the text too.
    let text = reply.body.to_string();
    assert!(text.find("\"1\"").unwrap() < text.find("\"6\"").unwrap());

    assert_eq!(
        app.detail(&m, &by_courier).await["status_info"]["value"],
        490
    );
    assert_eq!(app.detail(&m, &by_code).await["status_info"]["value"], 490);
    assert_eq!(app.detail(&m, &shipped).await["status_info"]["value"], 300);
    assert_eq!(
        app.detail(&m, &successor).await["status_info"]["value"],
        490
    );

    // Another business's AWB is unknown to this key.
    let reply = send(
        app.request(Method::POST, ITHINK)
            .json(&ithink_body(&other, "AWB-5")),
    )
    .await;
    assert_eq!(reply.body["data"]["1"]["status"], "Failed");
    assert_eq!(reply.body["data"]["1"]["refnum"], "");
    assert_eq!(app.detail(&m, &foreign).await["status_info"]["value"], 100);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn ithink_refuses_in_its_own_shape_and_cancels_nothing() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let code = shipment_with_awb(&app, &m, "KEEP", "AWB-K", &[(&a, 1)]).await;

    // 401: wrong secret, unknown key id, no credentials at all.
    let mut wrong = ithink_body(&m, "AWB-K");
    wrong["data"]["secret_key"] = json!("65tghjmads9dbcd892ad4987jmn602a7");
    let mut unknown = ithink_body(&m, "AWB-K");
    unknown["data"]["access_token"] = json!("8ujik47cea32ed386b1f65c85fd9aaaf");
    for body in [
        wrong,
        unknown,
        json!({"data": {"awb_numbers": "AWB-K"}}),
        json!({"awb_numbers": "AWB-K"}),
    ] {
        let reply = send(app.request(Method::POST, ITHINK).json(&body)).await;
        let message = expect_ithink_error(&reply, 401);
        assert!(message.contains("access_token"), "{message}");
    }

    // 400: more than 100 AWBs (even if all are valid), none at all, malformed JSON.
    let many = vec!["AWB-K"; 101].join(",");
    let reply = send(
        app.request(Method::POST, ITHINK)
            .json(&ithink_body(&m, &many)),
    )
    .await;
    assert!(expect_ithink_error(&reply, 400).contains("at most 100"));
    let hundred = vec!["AWB-X"; 100].join(",");
    let reply = send(
        app.request(Method::POST, ITHINK)
            .json(&ithink_body(&m, &hundred)),
    )
    .await;
    assert_eq!(reply.body["status"], "success", "100 is allowed");
    assert_eq!(reply.body["data"].as_object().unwrap().len(), 100);
    for awbs in [json!(""), json!(" , ,"), Value::Null] {
        let mut body = ithink_body(&m, "");
        body["data"]["awb_numbers"] = awbs;
        let reply = send(app.request(Method::POST, ITHINK).json(&body)).await;
        assert!(expect_ithink_error(&reply, 400).contains("awb_numbers"));
    }
    let reply = send(
        app.request(Method::POST, ITHINK)
            .header("content-type", "application/json")
            .body("{\"data\": {"),
    )
    .await;
    assert!(expect_ithink_error(&reply, 400).contains("malformed JSON"));
    let reply = send(app.request(Method::POST, ITHINK)).await;
    expect_ithink_error(&reply, 400);
    let reply = send(app.request(Method::POST, ITHINK).json(
        &json!({"data": {"access_token": m.key_id, "secret_key": m.secret, "awb_numbers": ["A"]}}),
    ))
    .await;
    expect_ithink_error(&reply, 400);

    // A wrong method and an unknown path: iThink's shape with the HTTP status of the problem.
    let reply = send(app.request(Method::GET, ITHINK)).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.body["status"], "error");
    assert_eq!(reply.body["status_code"], 405);
    let reply = send(app.request(Method::POST, "/ithink/api_v3/order/nope.json")).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["status_code"], 404);

    assert_eq!(
        app.detail(&m, &code).await["status_info"]["value"],
        100,
        "nothing cancelled"
    );
    app.assert_reservations_match_shipments().await;
}

// ---------------------------------------------------------------------------------------------
// Trendyol

/// The seed's sample request with ids adapted (lineId, its quantity, a documented reasonId),
/// a full cancel: 200 with an empty body. The literal sample (`reasonId: 0`) is refused.
#[tokio::test]
async fn trendyol_replays_the_seed_sample() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let code = app.shipment(&m, "TY-1", WH, &[(&a, 2)]).await;
    let d = app.detail(&m, &code).await;
    let (package, line) = (package_id(&d), line_id(&d, 0));

    let literal = "{\n \"lines\": [\n   {\n     \"lineId\": 0,\n     \"quantity\": 0\n   }\n ],\n\"reasonId\":0\n }";
    let reply = send(
        trendyol(&app, &m, Method::PUT, &unsupplied_path(package))
            .header("content-type", "application/json")
            .body(literal),
    )
    .await;
    expect_trendyol_error(&reply, 400, "ClientApiValidationException", "reasonId");

    let adapted = format!(
        "{{\n \"lines\": [\n   {{\n     \"lineId\": {line},\n     \"quantity\": 2\n   }}\n ],\n\"reasonId\":500\n }}"
    );
    let reply = send(
        trendyol(&app, &m, Method::PUT, &unsupplied_path(package))
            .header("content-type", "application/json")
            .body(adapted),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, Value::Null, "an empty body");
    assert_eq!(reply.header("content-length"), Some("0"));
    let d = app.detail(&m, &code).await;
    assert_eq!(d["status_info"]["value"], 490);
    assert_eq!(
        d["cancel_reason"],
        json!({"code": "STOCK_OUT", "note": null})
    );
    assert_eq!(d["history"][1]["actor"], "trendyol");
    assert!(d["superseded_by"].is_null(), "every unit: no new package");
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));

    // The package list shows it Cancelled.
    let list = send(trendyol(&app, &m, Method::GET, "/orders?orderNumber=TY-1")).await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.body,
        json!({"page": 0, "size": 50, "totalPages": 1, "totalElements": 1, "content": [{
            "id": package, "orderNumber": "TY-1", "cargoTrackingNumber": code, "status": "Cancelled",
            "lines": [{"id": line, "lineId": line, "quantity": 2, "sku": "SKU-A"}],
            "originPackageIds": []
        }]})
    );
    app.assert_reservations_match_shipments().await;
}

/// Part of a package: the old one is Cancelled, a new package (new id, tracking number, line
/// ids) carries the rest under the same order number, and GET …/orders finds it.
#[tokio::test]
async fn trendyol_partial_cancel_splits_and_the_list_finds_the_new_package() {
    let app = spawn_app().await;
    let (m, a, b) = stocked(&app).await;
    let code = app.shipment(&m, "TY-SPLIT", WH, &[(&a, 4), (&b, 2)]).await;
    app.walk(&code, &["ALLOCATED", "PICKED"]).await;
    let d = app.detail(&m, &code).await;
    let (p1, la, lb) = (package_id(&d), line_id(&d, 0), line_id(&d, 1));

    app.clock.advance(10);
    let reply = send(
        trendyol(&app, &m, Method::PUT, &unsupplied_path(p1)).json(&json!({
            "lines": [{"lineId": la, "quantity": 1}, {"lineId": lb, "quantity": 2}], "reasonId": 501
        })),
    )
    .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    assert_eq!(reply.body, Value::Null);
    assert_eq!(
        app.stock_of(&m, WH, &a).await,
        (7, 0, 7),
        "1 A back on the shelf"
    );
    assert_eq!(app.stock_of(&m, WH, &b).await, (5, 0, 5));

    let old = app.detail(&m, &code).await;
    assert_eq!(old["status_info"]["value"], 490);
    assert_eq!(old["cancel_reason"]["code"], "DEFECTIVE_PRODUCT");
    let second = old["superseded_by"].as_str().unwrap().to_string();
    let new = app.detail(&m, &second).await;
    let p2 = package_id(&new);
    assert_eq!(new["status_info"]["value"], 210);
    assert_eq!(new["merchant_tracking_code_reference"], "TY-SPLIT");

    // Split the new package again, then list: newest first, with the chain of origins.
    let l2 = line_id(&new, 0);
    let reply = send(
        trendyol(&app, &m, Method::PUT, &unsupplied_path(p2))
            .json(&json!({"lines": [{"lineId": l2, "quantity": 1}], "reasonId": 506})),
    )
    .await;
    assert_eq!(reply.status, 200);
    let third = app.detail(&m, &second).await["superseded_by"]
        .as_str()
        .unwrap()
        .to_string();
    let third_d = app.detail(&m, &third).await;
    let p3 = package_id(&third_d);

    let list = send(trendyol(
        &app,
        &m,
        Method::GET,
        "/orders?orderNumber=TY-SPLIT",
    ))
    .await;
    assert_eq!(list.status, 200, "{:#}", list.body);
    assert_eq!(list.body["totalElements"], 3);
    assert_eq!(list.body["totalPages"], 1);
    let content = list.body["content"].as_array().unwrap();
    assert_eq!(
        content[0],
        json!({
            "id": p3, "orderNumber": "TY-SPLIT", "cargoTrackingNumber": third, "status": "Picking",
            "lines": [{"id": line_id(&third_d, 0), "lineId": line_id(&third_d, 0), "quantity": 2, "sku": "SKU-A"}],
            "originPackageIds": [p1, p2]
        })
    );
    assert_eq!(content[1]["id"], p2);
    assert_eq!(content[1]["status"], "Cancelled");
    assert_eq!(content[1]["originPackageIds"], json!([p1]));
    assert_eq!(content[2]["id"], p1);
    assert_eq!(content[2]["originPackageIds"], json!([]));
    assert_eq!(content[2]["lines"].as_array().unwrap().len(), 2);

    // Filters and paging.
    let live = send(trendyol(
        &app,
        &m,
        Method::GET,
        "/orders?orderNumber=TY-SPLIT&status=Picking",
    ))
    .await;
    assert_eq!(live.body["totalElements"], 1);
    assert_eq!(live.body["content"][0]["id"], p3);
    let cancelled = send(trendyol(
        &app,
        &m,
        Method::GET,
        "/orders?status=cancelled&size=1&page=1",
    ))
    .await;
    assert_eq!(cancelled.body["page"], 1);
    assert_eq!(cancelled.body["size"], 1);
    assert_eq!(cancelled.body["totalElements"], 2);
    assert_eq!(cancelled.body["totalPages"], 2);
    assert_eq!(cancelled.body["content"][0]["id"], p1);
    let beyond = send(trendyol(&app, &m, Method::GET, "/orders?page=9")).await;
    assert_eq!(beyond.body["content"], json!([]));
    assert_eq!(beyond.body["totalElements"], 3);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn trendyol_refuses_in_its_own_shape() {
    let app = spawn_app().await;
    let (m, a, _) = stocked(&app).await;
    let other = app.merchant().await;
    let code = app.shipment(&m, "TY-E", WH, &[(&a, 2)]).await;
    let d = app.detail(&m, &code).await;
    let (package, line) = (package_id(&d), line_id(&d, 0));
    let shipped = app.shipment(&m, "TY-S", WH, &[(&a, 1)]).await;
    app.walk(&shipped, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    let shipped_d = app.detail(&m, &shipped).await;
    let path = unsupplied_path(package);
    let good = json!({"lines": [{"lineId": line, "quantity": 1}], "reasonId": 500});

    // 403 without a User-Agent, before anything else.
    let reply = send(
        app.request(
            Method::PUT,
            &format!(
                "/trendyol/integration/order/sellers/{}{path}",
                m.business_id
            ),
        )
        .basic_auth(&m.key_id, Some(&m.secret))
        .json(&good),
    )
    .await;
    expect_trendyol_error(&reply, 403, "ClientApiForbiddenException", "User-Agent");
    let reply = send(
        app.request(
            Method::GET,
            &format!(
                "/trendyol/integration/order/sellers/{}/orders",
                m.business_id
            ),
        )
        .basic_auth(&m.key_id, Some(&m.secret)),
    )
    .await;
    expect_trendyol_error(&reply, 403, "ClientApiForbiddenException", "User-Agent");

    // 401: no auth, wrong password, the full token as password, Bearer.
    let base = format!(
        "/trendyol/integration/order/sellers/{}{path}",
        m.business_id
    );
    let ua = format!("{} - SelfIntegration", m.business_id);
    for req in [
        app.request(Method::PUT, &base),
        app.request(Method::PUT, &base)
            .basic_auth(&m.key_id, Some("wrong")),
        app.request(Method::PUT, &base)
            .basic_auth(&m.key_id, Some(&m.api_key)),
        app.request(Method::PUT, &base).bearer_auth(&m.api_key),
    ] {
        let reply = send(req.header("User-Agent", &ua).json(&good)).await;
        expect_trendyol_error(
            &reply,
            401,
            "ClientApiAuthenticationException",
            "Authorization",
        );
    }

    // 403: another seller's id with these credentials.
    let reply = send(
        app.request(
            Method::PUT,
            &format!(
                "/trendyol/integration/order/sellers/{}{path}",
                other.business_id
            ),
        )
        .basic_auth(&m.key_id, Some(&m.secret))
        .header("User-Agent", &ua)
        .json(&good),
    )
    .await;
    expect_trendyol_error(&reply, 403, "ClientApiForbiddenException", "sellerId");

    // 404: unknown package, another business's package, a package id that is no number.
    for (who, p) in [
        (&m, "/shipment-packages/999999/items/unsupplied".to_string()),
        (&other, path.clone()),
        (&m, "/shipment-packages/abc/items/unsupplied".to_string()),
    ] {
        let reply = send(trendyol(&app, who, Method::PUT, &p).json(&good)).await;
        expect_trendyol_error(&reply, 404, "ClientApiNotFoundException", "packageId");
    }

    // 400: bad reasonId (the native-only ids too), malformed JSON, no lines, bad lines.
    for reason in [
        json!(499),
        json!(507),
        json!(600),
        json!(699),
        json!("500"),
        Value::Null,
    ] {
        let reply = send(trendyol(&app, &m, Method::PUT, &path).json(&json!({
            "lines": [{"lineId": line, "quantity": 1}], "reasonId": reason
        })))
        .await;
        let key = if reason.is_string() {
            "body"
        } else {
            "reasonId"
        };
        expect_trendyol_error(&reply, 400, "ClientApiValidationException", key);
    }
    let reply = send(
        trendyol(&app, &m, Method::PUT, &path)
            .header("content-type", "application/json")
            .body("{\"lines\": ["),
    )
    .await;
    let body = expect_trendyol_error(&reply, 400, "ClientApiValidationException", "body");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));
    let reply = send(trendyol(&app, &m, Method::PUT, &path)).await;
    expect_trendyol_error(&reply, 400, "ClientApiValidationException", "body");
    for lines in [json!([]), Value::Null] {
        let reply = send(
            trendyol(&app, &m, Method::PUT, &path).json(&json!({"lines": lines, "reasonId": 500})),
        )
        .await;
        expect_trendyol_error(&reply, 400, "ClientApiValidationException", "lines");
    }
    let reply = send(trendyol(&app, &m, Method::PUT, &path).json(&json!({"reasonId": 1}))).await;
    let body = expect_trendyol_error(&reply, 400, "ClientApiValidationException", "lines");
    assert_eq!(
        body["errors"].as_array().unwrap().len(),
        2,
        "lines and reasonId"
    );
    for (lines, key) in [
        (
            json!([{"lineId": line, "quantity": 3}]),
            "lines[0].quantity",
        ),
        (
            json!([{"lineId": line, "quantity": 1}, {"lineId": line, "quantity": 2}]),
            "lines[1].quantity",
        ),
        (
            json!([{"lineId": line, "quantity": 0}]),
            "lines[0].quantity",
        ),
        (
            json!([{"lineId": line_id(&shipped_d, 0), "quantity": 1}]),
            "lines[0]",
        ),
        (json!([{"lineId": line}]), "body"),
    ] {
        let reply = send(
            trendyol(&app, &m, Method::PUT, &path).json(&json!({"lines": lines, "reasonId": 500})),
        )
        .await;
        expect_trendyol_error(&reply, 400, "ClientApiValidationException", key);
    }

    // 400: a shipped package can no longer be cancelled.
    let reply = send(
        trendyol(
            &app,
            &m,
            Method::PUT,
            &unsupplied_path(package_id(&shipped_d)),
        )
        .json(
            &json!({"lines": [{"lineId": line_id(&shipped_d, 0), "quantity": 1}], "reasonId": 500}),
        ),
    )
    .await;
    let body = expect_trendyol_error(&reply, 400, "ClientApiBusinessException", "packageId");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Shipped"));

    // The list: bad status, page, size.
    for q in ["status=Lost", "page=-1", "size=0", "size=201", "page=x"] {
        let reply = send(trendyol(&app, &m, Method::GET, &format!("/orders?{q}"))).await;
        expect_trendyol_error(
            &reply,
            400,
            "ClientApiValidationException",
            q.split('=').next().unwrap(),
        );
    }
    let reply = send(
        app.request(
            Method::GET,
            &format!(
                "/trendyol/integration/order/sellers/{}/orders",
                other.business_id
            ),
        )
        .basic_auth(&m.key_id, Some(&m.secret))
        .header("User-Agent", &ua),
    )
    .await;
    expect_trendyol_error(&reply, 403, "ClientApiForbiddenException", "sellerId");

    // A wrong method and an unknown path: Trendyol's shape, not the envelope.
    let reply = send(trendyol(&app, &m, Method::POST, &path).json(&good)).await;
    expect_trendyol_error(&reply, 405, "ClientApiMethodNotAllowedException", "method");
    let reply = send(trendyol(&app, &m, Method::DELETE, "/orders")).await;
    expect_trendyol_error(&reply, 405, "ClientApiMethodNotAllowedException", "method");
    let reply = send(trendyol(&app, &m, Method::GET, "/nope")).await;
    expect_trendyol_error(&reply, 404, "ClientApiNotFoundException", "path");

    assert_eq!(
        app.detail(&m, &code).await["status_info"]["value"],
        100,
        "nothing changed"
    );
    assert_eq!(app.detail(&m, &shipped).await["status_info"]["value"], 300);
    app.assert_reservations_match_shipments().await;
}

// ---------------------------------------------------------------------------------------------
// Shared: approval, rate limit, the OpenAPI document

#[tokio::test]
async fn an_unapproved_business_is_refused_by_every_dialect() {
    let app = spawn_app().await;
    app.warehouse(WH).await;
    let created = send(app.ops(Method::POST, "/businesses").json(&json!({
        "name": "Pending", "email": "p@example.com"
    })))
    .await;
    let id = created.expect_ok(201)["business_id"].as_i64().unwrap();
    let key = send(app.ops(Method::POST, &format!("/businesses/{id}/api-keys"))).await;
    let key = key.expect_ok(201).clone();
    let m = TestMerchant {
        business_id: id,
        key_id: key["key_id"].as_str().unwrap().into(),
        secret: key["secret"].as_str().unwrap().into(),
        api_key: key["api_key"].as_str().unwrap().into(),
    };
    let reply = send(shipper(&app, OMS, &m.api_key).json(&shipper_body("X", WH, "x"))).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body["metadata"]["error"]["code"], 802);
    let reply = send(
        app.request(Method::POST, ITHINK)
            .json(&ithink_body(&m, "X")),
    )
    .await;
    expect_ithink_error(&reply, 403);
    let reply = send(trendyol(&app, &m, Method::GET, "/orders")).await;
    expect_trendyol_error(&reply, 403, "ClientApiForbiddenException", "Authorization");
}

/// The per-key limit applies to dialect calls (one quota per key, whatever the dialect), with
/// the rate-limit headers, and answers in each provider's shape.
#[tokio::test]
async fn dialect_calls_count_against_the_key_rate_limit() {
    let app = spawn_app_with(depot_api::Config {
        rate_limit_per_minute: 2,
        ..Default::default()
    })
    .await;
    app.warehouse(WH).await;
    let m = app.merchant().await;
    let first = send(shipper(&app, OMS, &m.api_key).json(&shipper_body("X", WH, "x"))).await;
    expect_shipper_error(&first, 400, "/v3/fulfillment/outbound/oms/cancel", 3012);
    assert_eq!(first.header("ratelimit-limit"), Some("2"));
    assert_eq!(first.header("ratelimit-remaining"), Some("1"));
    assert_eq!(
        first.header("ratelimit-policy"),
        Some("\"default\";q=2;w=60")
    );
    let second = send(trendyol(&app, &m, Method::GET, "/orders")).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.header("ratelimit-remaining"), Some("0"));

    let limited = send(shipper(&app, OMS, &m.api_key).json(&shipper_body("X", WH, "x"))).await;
    let errors = expect_shipper_error(&limited, 429, "/v3/fulfillment/outbound/oms/cancel", 806);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("Too Many Requests"));
    assert!(limited.header("retry-after").is_some());
    let limited = send(
        app.request(Method::POST, ITHINK)
            .json(&ithink_body(&m, "X")),
    )
    .await;
    expect_ithink_error(&limited, 429);
    assert!(limited.header("retry-after").is_some());
    let limited = send(trendyol(&app, &m, Method::GET, "/orders")).await;
    expect_trendyol_error(
        &limited,
        429,
        "ClientApiTooManyRequestsException",
        "rateLimit",
    );
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    // The merchant API shares the quota.
    send(app.api(&m, Method::GET, "/warehouses"))
        .await
        .expect_error(429, "TOO_MANY_REQUESTS");
}

#[tokio::test]
async fn the_dialects_are_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc = send(app.request(Method::GET, "/openapi.json")).await;
    let paths = doc.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/shipper/v3/fulfillment/outbound/oms/cancel", "patch"),
        ("/shipper/v3/fulfillment/outbound/wms/cancel", "patch"),
        ("/ithink/api_v3/order/cancel.json", "post"),
        (
            "/trendyol/integration/order/sellers/{sellerId}/shipment-packages/{packageId}/items/unsupplied",
            "put",
        ),
        ("/trendyol/integration/order/sellers/{sellerId}/orders", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} documented");
    }
    let schemes = &doc.body["components"]["securitySchemes"];
    assert_eq!(schemes["shipper_api_key"]["name"], "x-api-key");
    assert_eq!(schemes["trendyol_basic"]["scheme"], "basic");
}

// ---------------------------------------------------------------------------------------------
// Equivalence: a dialect cancel does exactly what the native cancel does

/// Replaces what necessarily differs between two businesses' otherwise identical histories:
/// ids, codes derived from ids, and the actor (checked separately).
fn normalize(v: &Value) -> Value {
    const IDS: &[&str] = &[
        "instance_id",
        "business_id",
        "package_id",
        "line_id",
        "transaction_id",
        "actor",
    ];
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if IDS.contains(&k.as_str()) && !v.is_null() {
                        json!("<id>")
                    } else {
                        normalize(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::String(s) => Value::String(mask_codes(s)),
        other => other.clone(),
    }
}

/// `OASC00000012` → `OASC#`, `OASIN0000003` → `OASIN#`, wherever they appear in a text.
fn mask_codes(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("OAS") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let prefix = if tail.starts_with("OASIN") {
            "OASIN"
        } else if tail.starts_with("OASC") {
            "OASC"
        } else {
            "OAS"
        };
        let digits = tail[prefix.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        out.push_str(prefix);
        if digits > 0 {
            out.push('#');
        }
        rest = &tail[prefix.len() + digits..];
    }
    out.push_str(rest);
    out
}

/// Everything a cancel can leave behind for a business, from a starting point on: its events
/// (shipment and stock, normalized) and its stock ledger rows (movement, SKU, deltas).
struct Mark {
    events: usize,
    ledger: usize,
}

async fn ledger(app: &TestApp, business_id: i64) -> Vec<(String, String, i64, i64, String)> {
    let rows: Vec<(String, String, i64, i64, String)> = depot_store::sql::query_as(
        "SELECT l.movement_type, p.sku, l.on_hand_delta, l.reserved_delta, l.reference_code \
         FROM stock_ledger l JOIN products p ON p.id = l.product_id \
         WHERE l.business_id = $1 ORDER BY l.id",
    )
    .bind(business_id)
    .fetch_all(app.db.reader())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(t, sku, on, res, reference)| (t, sku, on, res, mask_codes(&reference)))
        .collect()
}

async fn mark(app: &TestApp, m: &TestMerchant) -> Mark {
    Mark {
        events: app.events(m.business_id).await.len(),
        ledger: ledger(app, m.business_id).await.len(),
    }
}

type Effects = (
    Vec<(String, Value)>,
    Vec<(String, String, i64, i64, String)>,
);

async fn effects_since(app: &TestApp, m: &TestMerchant, mark: &Mark) -> Effects {
    let events = app.events(m.business_id).await[mark.events..]
        .iter()
        .map(|(code, payload)| (code.clone(), normalize(payload)))
        .collect();
    let ledger = ledger(app, m.business_id).await[mark.ledger..].to_vec();
    (events, ledger)
}

/// Two businesses with the same products and stock in one warehouse: one cancels natively,
/// the other through a dialect.
struct Twins {
    native: (TestMerchant, String, String),
    dialect: (TestMerchant, String, String),
}

async fn twins(app: &TestApp) -> Twins {
    app.warehouse(WH).await;
    Twins {
        native: stocked_merchant(app).await,
        dialect: stocked_merchant(app).await,
    }
}

/// After both cancels: same effects, same stock, same detail (apart from ids and the actor),
/// and the dialect's actor in the history.
async fn assert_equivalent(
    app: &TestApp,
    t: &Twins,
    marks: (&Mark, &Mark),
    codes: (&str, &str),
    actor: &str,
) {
    let (n, na, nb) = &t.native;
    let (d, da, db) = &t.dialect;
    let native = effects_since(app, n, marks.0).await;
    let dialect = effects_since(app, d, marks.1).await;
    assert!(
        native
            .0
            .iter()
            .any(|(c, p)| c == "shipment.update_status" && p["cancelled_time"].is_i64()),
        "the native cancel emitted its event"
    );
    assert_eq!(native.0, dialect.0, "same events, in the same order");
    assert_eq!(native.1, dialect.1, "same stock movements");
    assert_eq!(app.stock_of(n, WH, na).await, app.stock_of(d, WH, da).await);
    assert_eq!(app.stock_of(n, WH, nb).await, app.stock_of(d, WH, db).await);
    let nd = app.detail(n, codes.0).await;
    let dd = app.detail(d, codes.1).await;
    assert_eq!(normalize(&nd), normalize(&dd));
    let last = dd["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], actor);
    let last = nd["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "merchant");
    app.assert_reservations_match_shipments().await;
}

/// Shipper from NEW: the release wakes a waiting shipment in both businesses alike.
#[tokio::test]
async fn a_shipper_cancel_equals_a_native_cancel() {
    let app = spawn_app().await;
    let t = twins(&app).await;
    let mut codes = Vec::new();
    let mut marks = Vec::new();
    for (m, a, b) in [&t.native, &t.dialect] {
        let code = app.shipment(m, "SO-1", WH, &[(a, 2), (b, 4)]).await;
        let waiting = app.shipment(m, "SO-2", WH, &[(b, 3)]).await;
        assert_eq!(app.detail(m, &waiting).await["status_info"]["value"], 150);
        codes.push(code);
        marks.push(mark(&app, m).await);
    }
    app.clock.advance(30);
    app.cancel(
        &t.native.0,
        &codes[0],
        Some(json!({"reason_code": "OTHER", "reason_note": "cancel aja"})),
    )
    .await
    .expect_ok(200);
    let reply = send(shipper(&app, OMS, &t.dialect.0.api_key).json(&shipper_body(
        "SO-1",
        WH,
        "cancel aja",
    )))
    .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    assert_equivalent(
        &app,
        &t,
        (&marks[0], &marks[1]),
        (&codes[0], &codes[1]),
        "shipper",
    )
    .await;
    let (events, _) = effects_since(&app, &t.dialect.0, &marks[1]).await;
    assert!(
        events
            .iter()
            .any(|(c, p)| c == "shipment.update_status" && p["status_info"]["value"] == 100),
        "the waiting shipment was reserved"
    );
}

/// iThink from PACKED (500, restock), by courier AWB.
#[tokio::test]
async fn an_ithink_cancel_equals_a_native_cancel() {
    let app = spawn_app().await;
    let t = twins(&app).await;
    let mut codes = Vec::new();
    let mut marks = Vec::new();
    for (m, a, b) in [&t.native, &t.dialect] {
        let code = shipment_with_awb(&app, m, "IT-1", "86210010463", &[(a, 3), (b, 1)]).await;
        app.walk(&code, &["ALLOCATED", "PICKED", "PACKED"]).await;
        codes.push(code);
        marks.push(mark(&app, m).await);
    }
    app.clock.advance(30);
    app.cancel(&t.native.0, &codes[0], None)
        .await
        .expect_ok(200);
    let reply = send(
        app.request(Method::POST, ITHINK)
            .json(&ithink_body(&t.dialect.0, "86210010463")),
    )
    .await;
    assert_eq!(
        reply.body["data"]["1"]["status"], "Success",
        "{:#}",
        reply.body
    );
    assert_equivalent(
        &app,
        &t,
        (&marks[0], &marks[1]),
        (&codes[0], &codes[1]),
        "ithink",
    )
    .await;
    assert_eq!(
        app.detail(&t.dialect.0, &codes[1]).await["status_info"]["value"],
        500
    );
}

/// Trendyol: a full cancel from ALLOCATED and a partial one from PACKED (the successor is
/// PICKED), each against its native twin.
#[tokio::test]
async fn trendyol_cancels_equal_native_cancels() {
    let app = spawn_app().await;
    let t = twins(&app).await;

    // Full, from ALLOCATED.
    let mut codes = Vec::new();
    let mut marks = Vec::new();
    for (m, a, _) in [&t.native, &t.dialect] {
        let code = app.shipment(m, "TY-FULL", WH, &[(a, 2)]).await;
        app.walk(&code, &["ALLOCATED"]).await;
        codes.push(code);
        marks.push(mark(&app, m).await);
    }
    app.clock.advance(30);
    app.cancel(
        &t.native.0,
        &codes[0],
        Some(json!({"reason_code": "FORCE_MAJEURE"})),
    )
    .await
    .expect_ok(200);
    let d = app.detail(&t.dialect.0, &codes[1]).await;
    let reply = send(
        trendyol(
            &app,
            &t.dialect.0,
            Method::PUT,
            &unsupplied_path(package_id(&d)),
        )
        .json(&json!({"lines": [{"lineId": line_id(&d, 0), "quantity": 2}], "reasonId": 506})),
    )
    .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    assert_equivalent(
        &app,
        &t,
        (&marks[0], &marks[1]),
        (&codes[0], &codes[1]),
        "trendyol",
    )
    .await;

    // Partial, from PACKED.
    let mut codes = Vec::new();
    let mut marks = Vec::new();
    let mut lines = Vec::new();
    for (m, a, b) in [&t.native, &t.dialect] {
        let code = app.shipment(m, "TY-PART", WH, &[(a, 3), (b, 2)]).await;
        app.walk(&code, &["ALLOCATED", "PICKED", "PACKED"]).await;
        let d = app.detail(m, &code).await;
        lines.push((package_id(&d), line_id(&d, 0), line_id(&d, 1)));
        codes.push(code);
        marks.push(mark(&app, m).await);
    }
    app.clock.advance(30);
    let (_, nla, nlb) = lines[0];
    app.cancel(
        &t.native.0,
        &codes[0],
        Some(json!({"reason_code": "STOCK_OUT", "lines": [
            {"line_id": nla, "quantity": 1}, {"line_id": nlb, "quantity": 2}
        ]})),
    )
    .await
    .expect_ok(200);
    let (dp, dla, dlb) = lines[1];
    let reply = send(
        trendyol(&app, &t.dialect.0, Method::PUT, &unsupplied_path(dp)).json(&json!({
            "lines": [{"lineId": dla, "quantity": 1}, {"lineId": dlb, "quantity": 2}], "reasonId": 500
        })),
    )
    .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    assert_equivalent(
        &app,
        &t,
        (&marks[0], &marks[1]),
        (&codes[0], &codes[1]),
        "trendyol",
    )
    .await;
    // The successors are alike too.
    let ns = app.detail(&t.native.0, &codes[0]).await["superseded_by"].clone();
    let ds = app.detail(&t.dialect.0, &codes[1]).await["superseded_by"].clone();
    let (ns, ds) = (ns.as_str().unwrap(), ds.as_str().unwrap());
    assert_eq!(
        normalize(&app.detail(&t.native.0, ns).await),
        normalize(&app.detail(&t.dialect.0, ds).await)
    );
    assert_eq!(
        app.detail(&t.dialect.0, ds).await["status_info"]["value"],
        210
    );
}
