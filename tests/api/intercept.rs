//! Intercept requests (SPEC §7), black-box: the hint on the cancel refusal, the single and
//! bulk requests with their guard and idempotent repeat, the `intercept` object in detail and
//! lists, the carrier side's answer, 360 RETURNING and what follows it, the automatic FAILED
//! on delivery, the `shipment.intercept` event, bad input that changes nothing, and races
//! that each end in one consistent state with stock moved once.

use crate::helpers::*;
use depot_domain::clock::Clock;
use futures::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};

const WH: &str = "WH-HN01";
const TO_CARRIER: &[&str] = &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"];

/// A merchant with one warehouse and a product with `stock` sellable units.
async fn stocked(app: &TestApp, stock: i64) -> (TestMerchant, String) {
    let m = app.merchant().await;
    app.warehouse(WH).await;
    let a = app.product(&m, "SKU-A", WH).await;
    app.adjust(&m, WH, &a, stock).await.expect_ok(200);
    (m, a)
}

/// A shipment of `quantity` units walked to HANDOVER and then through `then`.
async fn with_carrier(
    app: &TestApp,
    m: &TestMerchant,
    a: &str,
    reference: &str,
    quantity: i64,
    then: &[&str],
) -> String {
    let code = app.shipment(m, reference, WH, &[(a, quantity)]).await;
    app.walk(&code, TO_CARRIER).await;
    app.walk(&code, then).await;
    code
}

async fn intercept(app: &TestApp, m: &TestMerchant, code: &str, body: Option<Value>) -> Reply {
    let req = app.api(m, Method::POST, &format!("/shipments/b2c/{code}/intercept"));
    send(match body {
        Some(b) => req.json(&b),
        None => req,
    })
    .await
}

async fn bulk(app: &TestApp, m: &TestMerchant, body: Value) -> Reply {
    send(
        app.api(m, Method::POST, "/shipments/b2c/intercept")
            .header("Accept-Language", "en")
            .json(&body),
    )
    .await
}

async fn answer(app: &TestApp, code: &str, outcome: &str, note: Option<&str>) -> Reply {
    send(
        app.ops(Method::POST, &format!("/shipments/{code}/intercept"))
            .json(&json!({ "outcome": outcome, "note": note })),
    )
    .await
}

/// The `shipment.intercept` events of a shipment, oldest first.
async fn intercept_events(app: &TestApp, m: &TestMerchant, code: &str) -> Vec<Value> {
    app.events(m.business_id)
        .await
        .into_iter()
        .filter(|(kind, p)| kind == "shipment.intercept" && p["tracking_code"] == code)
        .map(|(_, p)| p)
        .collect()
}

/// The status values of a shipment's `shipment.update_status` events, oldest first.
async fn status_events(app: &TestApp, m: &TestMerchant, code: &str) -> Vec<i64> {
    app.events(m.business_id)
        .await
        .into_iter()
        .filter(|(kind, p)| kind == "shipment.update_status" && p["tracking_code"] == code)
        .map(|(_, p)| p["status_info"]["value"].as_i64().unwrap())
        .collect()
}

async fn intercept_rows(app: &TestApp, code: &str) -> i64 {
    let id: i64 = code.trim_start_matches("OASC").parse().unwrap();
    depot_store::sql::query_scalar(
        "SELECT COUNT(*) FROM shipment_intercepts WHERE shipment_id = $1",
    )
    .bind(id)
    .fetch_one(app.db.reader())
    .await
    .unwrap()
}

fn status_of(detail: &Value) -> i64 {
    detail["status_info"]["value"].as_i64().unwrap()
}

#[tokio::test]
async fn the_cancel_refusal_says_when_an_intercept_is_available() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    for (i, then) in [
        &[][..],
        &["IN_TRANSIT"],
        &["IN_TRANSIT", "OUT_FOR_DELIVERY"],
        &["IN_TRANSIT", "DELIVERY_FAILED"],
    ]
    .iter()
    .enumerate()
    {
        let code = with_carrier(&app, &m, &a, &format!("H{i}"), 1, then).await;
        let refused = app.cancel(&m, &code, None).await;
        let detail = &refused.expect_error(400, "SHIPMENT_CANNOT_CANCEL")["error_detail"];
        assert_eq!(detail["intercept_available"], true, "{then:?}");
        assert_eq!(
            detail["status_info"]["value"],
            status_of(&app.detail(&m, &code).await)
        );
    }
    // Delivered, returning or returned: nothing left to intercept, so no hint.
    for (i, then) in [
        &["IN_TRANSIT", "DELIVERED"][..],
        &["IN_TRANSIT", "RETURNING"],
        &["IN_TRANSIT", "RETURNED_TO_SENDER"],
    ]
    .iter()
    .enumerate()
    {
        let code = with_carrier(&app, &m, &a, &format!("D{i}"), 1, then).await;
        let refused = app.cancel(&m, &code, None).await;
        let detail = &refused.expect_error(400, "SHIPMENT_CANNOT_CANCEL")["error_detail"];
        assert!(
            detail.get("intercept_available").is_none(),
            "{then:?}: {detail}"
        );
    }
    // The dialects keep their documented refusals: iThink's reply is unchanged.
    let code = with_carrier(&app, &m, &a, "IT", 1, &[]).await;
    let reply = send(
        app.request(Method::POST, "/ithink/api_v3/order/cancel.json")
            .json(&json!({
                "data": {"access_token": m.key_id, "secret_key": m.secret, "awb_numbers": code}
            })),
    )
    .await;
    assert_eq!(
        reply.body["data"]["1"]["status"], "Failed",
        "{}",
        reply.body
    );
    assert!(!reply.body.to_string().contains("intercept"));
}

#[tokio::test]
async fn a_request_answers_the_intercept_object_shown_in_detail_and_lists() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let code = with_carrier(&app, &m, &a, "I1", 1, &["IN_TRANSIT"]).await;
    assert_eq!(app.detail(&m, &code).await["intercept"], Value::Null);

    app.clock.advance(60);
    let requested_time = app.clock.now();
    let reply = intercept(
        &app,
        &m,
        &code,
        Some(json!({"reason_code": "CUSTOMER_REQUEST", "reason_note": "khách đổi ý"})),
    )
    .await;
    let object = reply.expect_ok(200).clone();
    assert_eq!(reply.body["total"], 1);
    assert_eq!(
        object,
        json!({
            "status": "REQUESTED", "requested_time": requested_time, "resolved_time": null,
            "reason": {"code": "CUSTOMER_REQUEST", "note": "khách đổi ý"}, "note": null
        })
    );
    let detail = app.detail(&m, &code).await;
    assert_eq!(detail["intercept"], object);
    assert_eq!(status_of(&detail), 310, "a request leaves the status");
    assert_eq!(detail["updated_time"], requested_time);

    // A repeat while it is open answers the open request, whatever it says.
    app.clock.advance(60);
    let again = intercept(&app, &m, &code, Some(json!({"reason_code": "OTHER"}))).await;
    assert_eq!(again.expect_ok(200), &object);
    let no_body = intercept(&app, &m, &code, None).await;
    assert_eq!(no_body.expect_ok(200), &object);
    assert_eq!(intercept_rows(&app, &code).await, 1);
    let events = intercept_events(&app, &m, &code).await;
    assert_eq!(events.len(), 1, "one event per change of the intercept");
    assert_eq!(events[0]["intercept"], object);
    assert_eq!(events[0]["status_info"]["value"], 310);
    assert_eq!(events[0]["event_code"], "shipment.intercept");
    assert!(
        events[0]["items"].is_array(),
        "the payload is the shipment detail"
    );

    // Lists filter on the latest request's status.
    let other = with_carrier(&app, &m, &a, "I2", 1, &[]).await;
    let list = |q: &'static str| send(app.api(&m, Method::GET, &format!("/shipments/b2c?{q}")));
    let requested = list("intercept_status=REQUESTED").await;
    let rows = requested.expect_ok(200).as_array().unwrap().clone();
    assert_eq!(requested.body["total"], 1);
    assert_eq!(rows[0]["tracking_code"], code);
    assert_eq!(rows[0]["intercept"], object);
    let lower = list("intercept_status=requested&status=IN_TRANSIT").await;
    assert_eq!(lower.body["total"], 1);
    assert_eq!(list("intercept_status=FAILED").await.body["total"], 0);
    assert_eq!(
        list("intercept_status=REQUESTED&status=HANDOVER")
            .await
            .body["total"],
        0
    );
    let all = list("").await;
    assert_eq!(all.body["total"], 2);
    let unfiltered = all.expect_ok(200).as_array().unwrap();
    let row = unfiltered
        .iter()
        .find(|r| r["tracking_code"] == other)
        .unwrap();
    assert_eq!(row["intercept"], Value::Null);
    list("intercept_status=OPEN")
        .await
        .expect_error(422, "INVALID_PAYLOAD");
}

#[tokio::test]
async fn every_carrier_status_can_be_intercepted_and_no_other() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 30).await;
    for (i, then) in [
        &[][..],
        &["IN_TRANSIT"],
        &["IN_TRANSIT", "OUT_FOR_DELIVERY"],
        &["IN_TRANSIT", "DELIVERY_FAILED"],
        &["IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERY_FAILED"],
    ]
    .iter()
    .enumerate()
    {
        let code = with_carrier(&app, &m, &a, &format!("OK{i}"), 1, then).await;
        let reply = intercept(&app, &m, &code, None).await;
        let object = reply.expect_ok(200);
        assert_eq!(object["status"], "REQUESTED", "{then:?}");
        assert_eq!(object["reason"], json!({"code": "OTHER", "note": null}));
    }

    // Before handover, after delivery, returning, returned, cancelled: refused, unchanged.
    let mut refused = Vec::new();
    for (i, path) in [
        &[][..],
        &["ALLOCATED"],
        &["ALLOCATED", "PICKED"],
        &["ALLOCATED", "PICKED", "PACKED"],
        &["ALLOCATED", "PICKED", "PACKED", "WAITING_HANDOVER"],
        &[
            "ALLOCATED",
            "PICKED",
            "PACKED",
            "HANDOVER",
            "IN_TRANSIT",
            "DELIVERED",
        ],
        &[
            "ALLOCATED",
            "PICKED",
            "PACKED",
            "HANDOVER",
            "IN_TRANSIT",
            "RETURNING",
        ],
        &[
            "ALLOCATED",
            "PICKED",
            "PACKED",
            "HANDOVER",
            "IN_TRANSIT",
            "RETURNED_TO_SENDER",
        ],
    ]
    .iter()
    .enumerate()
    {
        let code = app.shipment(&m, &format!("NO{i}"), WH, &[(&a, 1)]).await;
        app.walk(&code, path).await;
        refused.push(code);
    }
    let cancelled = app.shipment(&m, "NO-C", WH, &[(&a, 1)]).await;
    app.cancel(&m, &cancelled, None).await.expect_ok(200);
    refused.push(cancelled);
    let waiting = app.shipment(&m, "NO-W", WH, &[(&a, 500)]).await;
    refused.push(waiting);
    for code in &refused {
        let before = app.detail(&m, code).await;
        let reply = send(
            app.api(
                &m,
                Method::POST,
                &format!("/shipments/b2c/{code}/intercept"),
            )
            .header("Accept-Language", "en")
            .json(&json!({"reason_code": "CUSTOMER_REQUEST"})),
        )
        .await;
        let body = reply.expect_error(400, "SHIPMENT_CANNOT_INTERCEPT");
        assert_eq!(
            body["messages"],
            "Only a shipment with the carrier can be intercepted"
        );
        assert_eq!(
            body["error_detail"]["status_info"]["value"],
            before["status_info"]["value"]
        );
        assert_eq!(
            body["error_detail"]["status_info"]["updated_time"],
            before["status_info"]["updated_time"]
        );
        assert_eq!(app.detail(&m, code).await, before, "{code} unchanged");
        assert!(intercept_events(&app, &m, code).await.is_empty());
    }
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn bad_input_answers_its_error_and_changes_nothing() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let other = app.merchant().await;
    let code = with_carrier(&app, &m, &a, "BAD", 1, &["IN_TRANSIT"]).await;
    let before = app.detail(&m, &code).await;
    let events_before = app.events(m.business_id).await.len();

    intercept(&app, &m, "OASC99999999", None)
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    intercept(&app, &m, "nonsense", None)
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    intercept(&app, &other, &code, None)
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    let bad_reason = intercept(&app, &m, &code, Some(json!({"reason_code": "BORED"}))).await;
    let body = bad_reason.expect_error(422, "INVALID_PAYLOAD");
    assert!(body["error_detail"]["reason_code"].is_array());
    let long = intercept(
        &app,
        &m,
        &code,
        Some(json!({"reason_note": "x".repeat(256)})),
    )
    .await;
    assert!(long.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["reason_note"].is_array());
    let wrong_type = intercept(&app, &m, &code, Some(json!({"reason_code": 600}))).await;
    wrong_type.expect_error(422, "INVALID_PAYLOAD");
    send(
        app.api(
            &m,
            Method::POST,
            &format!("/shipments/b2c/{code}/intercept"),
        )
        .header("content-type", "application/json")
        .body("{oops"),
    )
    .await
    .expect_error(422, "INVALID_PAYLOAD");

    // Bulk: 0 or more than 100 codes, a bad reason, a malformed body.
    let many: Vec<String> = (0..101).map(|_| code.clone()).collect();
    let too_many = bulk(&app, &m, json!({ "tracking_codes": many })).await;
    assert!(
        too_many.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["tracking_codes"].is_array()
    );
    bulk(&app, &m, json!({ "tracking_codes": [] }))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    bulk(&app, &m, json!({}))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    bulk(
        &app,
        &m,
        json!({ "tracking_codes": [code], "reason_code": "BORED" }),
    )
    .await
    .expect_error(422, "INVALID_PAYLOAD");

    // The operator's answer: unknown shipment, bad outcome, nothing to answer.
    answer(&app, "OASC99999999", "CONFIRMED", None)
        .await
        .expect_error(404, "SHIPMENT_NOT_FOUND");
    answer(&app, &code, "RETURNED", None)
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    answer(&app, &code, "CONFIRMED", Some(&"n".repeat(1001)))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    let none = answer(&app, &code, "CONFIRMED", None).await;
    let body = none.expect_error(404, "INTERCEPT_NOT_FOUND");
    assert_eq!(body["error_detail"]["status_info"]["value"], 310);
    assert_eq!(body["error_detail"]["intercept"], Value::Null);
    send(
        app.request(Method::POST, &format!("/ops/v1/shipments/{code}/intercept"))
            .json(&json!({"outcome": "CONFIRMED"})),
    )
    .await
    .expect_error(401, "UNAUTHORIZED");

    assert_eq!(app.detail(&m, &code).await, before, "nothing changed");
    assert_eq!(app.events(m.business_id).await.len(), events_before);
    assert_eq!(intercept_rows(&app, &code).await, 0);
}

#[tokio::test]
async fn a_confirmed_intercept_turns_the_parcel_back_and_restocks_it_once() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let code = with_carrier(&app, &m, &a, "CF", 3, &["IN_TRANSIT"]).await;
    assert_eq!(app.stock_of(&m, WH, &a).await, (7, 0, 7));
    let requested = intercept(
        &app,
        &m,
        &code,
        Some(json!({"reason_code": "CUSTOMER_REQUEST"})),
    )
    .await;
    let requested = requested.expect_ok(200).clone();

    app.clock.advance(3600);
    let confirmed_time = app.clock.now();
    let reply = send(
        app.ops(Method::POST, &format!("/shipments/{code}/intercept"))
            .header("Accept-Language", "en")
            .json(&json!({"outcome": "CONFIRMED", "note": "GHN will return it"})),
    )
    .await;
    let detail = reply.expect_ok(200).clone();
    assert_eq!(
        detail["status_info"],
        json!({"value": 360, "label": "Returning to the warehouse", "updated_time": confirmed_time})
    );
    let object = json!({
        "status": "CONFIRMED", "requested_time": requested["requested_time"],
        "resolved_time": confirmed_time, "reason": {"code": "CUSTOMER_REQUEST", "note": null},
        "note": "GHN will return it"
    });
    assert_eq!(detail["intercept"], object);
    let last = detail["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["status_info"]["value"], 360);
    assert_eq!(last["note"], "GHN will return it");
    let vi = app.detail(&m, &code).await;
    assert_eq!(vi["status_info"]["label"], "Đang hoàn về kho");
    assert_eq!(vi["intercept"], object);
    assert_eq!(
        app.stock_of(&m, WH, &a).await,
        (7, 0, 7),
        "no stock moves yet"
    );

    // Events: the request, the confirmation, and the status move (which carries the intercept).
    let events = intercept_events(&app, &m, &code).await;
    let states: Vec<&Value> = events.iter().map(|e| &e["intercept"]["status"]).collect();
    assert_eq!(states, vec!["REQUESTED", "CONFIRMED"]);
    assert_eq!(events[1]["status_info"]["value"], 360);
    let moves = app.events(m.business_id).await;
    let moved = moves
        .iter()
        .filter(|(k, p)| k == "shipment.update_status" && p["status_info"]["value"] == 360)
        .map(|(_, p)| p)
        .collect::<Vec<_>>();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["previous_status_info"]["value"], 310);
    assert_eq!(moved[0]["intercept"]["status"], "CONFIRMED");

    // Repeats: the merchant's answers the confirmed request; the same answer changes nothing;
    // the other answer is refused.
    app.clock.advance(60);
    assert_eq!(
        intercept(&app, &m, &code, None).await.expect_ok(200),
        &object
    );
    let same = answer(&app, &code, "CONFIRMED", Some("again")).await;
    assert_eq!(same.expect_ok(200)["intercept"], object);
    let other = answer(&app, &code, "FAILED", None).await;
    let body = other.expect_error(400, "INTERCEPT_ALREADY_RESOLVED");
    assert_eq!(body["error_detail"]["intercept"]["status"], "CONFIRMED");
    assert_eq!(body["error_detail"]["status_info"]["value"], 360);
    assert_eq!(intercept_events(&app, &m, &code).await.len(), 2);
    app.cancel(&m, &code, None)
        .await
        .expect_error(400, "SHIPMENT_CANNOT_CANCEL");

    // From RETURNING only RETURNED_TO_SENDER follows, and it restocks with RTS_RESTOCK.
    for next in [
        "IN_TRANSIT",
        "OUT_FOR_DELIVERY",
        "DELIVERY_FAILED",
        "DELIVERED",
        "HANDOVER",
        "CANCELLED",
        "RETURNING",
    ] {
        let r = app.set_status(&code, next).await;
        r.expect_error(400, "INVALID_STATUS_TRANSITION");
        assert_eq!(r.body["error_detail"]["status_info"]["value"], 360);
    }
    let back = app.set_status(&code, "RETURNED_TO_SENDER").await;
    assert_eq!(back.expect_ok(200)["status_info"]["value"], 395);
    assert_eq!(
        back.body["data"]["intercept"], object,
        "the request stays confirmed"
    );
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));
    let restocks: Vec<Value> = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(_, p)| p["transaction_type"] == "RTS_RESTOCK")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(restocks.len(), 1);
    assert_eq!(restocks[0]["movement_quantity"], 3);
    assert_eq!(restocks[0]["reference_code"], code);
    app.set_status(&code, "RETURNED_TO_SENDER")
        .await
        .expect_error(400, "INVALID_STATUS_TRANSITION");
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));
    assert_eq!(status_events(&app, &m, &code).await.last(), Some(&395));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn a_confirmation_also_turns_back_a_parcel_just_handed_over() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let code = with_carrier(&app, &m, &a, "HO", 2, &[]).await;
    // A plain move may not: only a confirmed request turns a HANDOVER parcel back.
    app.set_status(&code, "RETURNING")
        .await
        .expect_error(400, "INVALID_STATUS_TRANSITION");
    intercept(&app, &m, &code, None).await.expect_ok(200);
    let confirmed = answer(&app, &code, "confirmed", None).await;
    let detail = confirmed.expect_ok(200);
    assert_eq!(detail["status_info"]["value"], 360);
    assert_eq!(detail["intercept"]["note"], Value::Null);
    assert_eq!(
        detail["history"].as_array().unwrap().last().unwrap()["note"],
        "intercept confirmed"
    );
    app.set_status(&code, "RETURNED_TO_SENDER")
        .await
        .expect_ok(200);
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 0, 10));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn a_failed_intercept_leaves_the_status_and_a_new_request_may_follow() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let code = with_carrier(&app, &m, &a, "FL", 1, &["IN_TRANSIT", "OUT_FOR_DELIVERY"]).await;
    let first = intercept(
        &app,
        &m,
        &code,
        Some(json!({"reason_code": "CUSTOMER_REQUEST"})),
    )
    .await;
    let first = first.expect_ok(200).clone();
    app.clock.advance(600);
    let failed_time = app.clock.now();
    let reply = answer(&app, &code, "FAILED", Some("already with the courier")).await;
    let detail = reply.expect_ok(200).clone();
    assert_eq!(
        detail["status_info"]["value"], 350,
        "FAILED leaves the status"
    );
    assert_eq!(detail["intercept"]["status"], "FAILED");
    assert_eq!(detail["intercept"]["resolved_time"], failed_time);
    assert_eq!(
        detail["intercept"]["requested_time"],
        first["requested_time"]
    );
    assert_eq!(detail["intercept"]["note"], "already with the courier");
    assert_eq!(status_events(&app, &m, &code).await.last(), Some(&350));
    let listed = send(app.api(&m, Method::GET, "/shipments/b2c?intercept_status=FAILED")).await;
    assert_eq!(listed.body["total"], 1);
    // The same answer again changes nothing; the other is refused.
    assert_eq!(
        answer(&app, &code, "FAILED", None).await.expect_ok(200)["intercept"],
        detail["intercept"]
    );
    answer(&app, &code, "CONFIRMED", None)
        .await
        .expect_error(400, "INTERCEPT_ALREADY_RESOLVED");

    // After a FAILED one a new request is made; the detail shows the latest.
    app.clock.advance(60);
    let second = intercept(
        &app,
        &m,
        &code,
        Some(json!({"reason_code": "OTHER", "reason_note": "retry"})),
    )
    .await;
    let second = second.expect_ok(200).clone();
    assert_eq!(second["status"], "REQUESTED");
    assert_eq!(second["requested_time"], app.clock.now());
    assert_eq!(second["reason"], json!({"code": "OTHER", "note": "retry"}));
    assert_eq!(app.detail(&m, &code).await["intercept"], second);
    assert_eq!(intercept_rows(&app, &code).await, 2);
    let states: Vec<Value> = intercept_events(&app, &m, &code)
        .await
        .iter()
        .map(|e| e["intercept"]["status"].clone())
        .collect();
    assert_eq!(states, vec!["REQUESTED", "FAILED", "REQUESTED"]);
    // And that one can be confirmed.
    let confirmed = answer(&app, &code, "CONFIRMED", None).await;
    assert_eq!(confirmed.expect_ok(200)["status_info"]["value"], 360);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn a_delivery_fails_the_open_request_in_the_same_change() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let code = with_carrier(&app, &m, &a, "DV", 2, &["IN_TRANSIT", "OUT_FOR_DELIVERY"]).await;
    let requested = intercept(&app, &m, &code, None)
        .await
        .expect_ok(200)
        .clone();
    app.clock.advance(120);
    let delivered_time = app.clock.now();
    let delivered = app.set_status(&code, "DELIVERED").await;
    let detail = delivered.expect_ok(200).clone();
    assert_eq!(detail["status_info"]["value"], 390);
    assert_eq!(detail["delivered_time"], delivered_time);
    assert_eq!(
        detail["intercept"],
        json!({
            "status": "FAILED", "requested_time": requested["requested_time"],
            "resolved_time": delivered_time, "reason": {"code": "OTHER", "note": null},
            "note": "delivered"
        })
    );
    assert_eq!(
        app.detail(&m, &code).await["intercept"],
        detail["intercept"]
    );
    // Both events carry the failed request; the status event names the delivery.
    let events = intercept_events(&app, &m, &code).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["intercept"]["note"], "delivered");
    assert_eq!(events[1]["status_info"]["value"], 390);
    let delivery_event = app
        .events(m.business_id)
        .await
        .into_iter()
        .find(|(k, p)| k == "shipment.update_status" && p["status_info"]["value"] == 390)
        .unwrap()
        .1;
    assert_eq!(delivery_event["intercept"]["status"], "FAILED");
    // Too late for the carrier's confirmation and for a new request.
    answer(&app, &code, "CONFIRMED", None)
        .await
        .expect_error(400, "INTERCEPT_ALREADY_RESOLVED");
    let again = intercept(&app, &m, &code, None).await;
    assert_eq!(
        again.expect_error(400, "SHIPMENT_CANNOT_INTERCEPT")["error_detail"]["status_info"]
            ["value"],
        390
    );
    assert_eq!(
        app.stock_of(&m, WH, &a).await,
        (8, 0, 8),
        "a delivery moves no stock"
    );
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn a_carrier_turning_a_parcel_back_by_itself_reaches_returning_too() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    // No request: a plain move from IN_TRANSIT, OUT_FOR_DELIVERY or DELIVERY_FAILED.
    for (i, then) in [
        &["IN_TRANSIT"][..],
        &["IN_TRANSIT", "OUT_FOR_DELIVERY"],
        &["IN_TRANSIT", "DELIVERY_FAILED"],
    ]
    .iter()
    .enumerate()
    {
        let code = with_carrier(&app, &m, &a, &format!("P{i}"), 1, then).await;
        let moved = app.set_status(&code, "RETURNING").await;
        assert_eq!(moved.expect_ok(200)["status_info"]["value"], 360);
        assert_eq!(moved.body["data"]["intercept"], Value::Null);
        intercept(&app, &m, &code, None)
            .await
            .expect_error(400, "SHIPMENT_CANNOT_INTERCEPT");
        answer(&app, &code, "CONFIRMED", None)
            .await
            .expect_error(404, "INTERCEPT_NOT_FOUND");
    }
    // With a request open, the carrier's own return resolves it as confirmed.
    let code = with_carrier(&app, &m, &a, "PR", 1, &["IN_TRANSIT", "DELIVERY_FAILED"]).await;
    intercept(&app, &m, &code, None).await.expect_ok(200);
    let moved = app.set_status(&code, "RETURNING").await;
    let intercept_now = &moved.expect_ok(200)["intercept"];
    assert_eq!(intercept_now["status"], "CONFIRMED");
    assert_eq!(intercept_now["note"], "returning");
    assert_eq!(intercept_events(&app, &m, &code).await.len(), 2);
    // So is a direct return to the warehouse.
    let code = with_carrier(&app, &m, &a, "PD", 1, &["IN_TRANSIT"]).await;
    intercept(&app, &m, &code, None).await.expect_ok(200);
    let back = app.set_status(&code, "RETURNED_TO_SENDER").await;
    assert_eq!(back.expect_ok(200)["intercept"]["status"], "CONFIRMED");
    assert_eq!(back.body["data"]["intercept"]["note"], "returned to sender");
    assert_eq!(
        app.stock_of(&m, WH, &a).await,
        (6, 0, 6),
        "four out, one back"
    );
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn bulk_intercept_answers_each_code_in_order() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 10).await;
    let other = app.merchant().await;
    let theirs_product = app.product(&other, "T", WH).await;
    app.adjust(&other, WH, &theirs_product, 1)
        .await
        .expect_ok(200);
    let theirs = app
        .shipment(&other, "T1", WH, &[(&theirs_product, 1)])
        .await;
    app.walk(&theirs, TO_CARRIER).await;
    let ok1 = with_carrier(&app, &m, &a, "B1", 1, &[]).await;
    let ok2 = with_carrier(&app, &m, &a, "B2", 1, &["IN_TRANSIT", "OUT_FOR_DELIVERY"]).await;
    let open = with_carrier(&app, &m, &a, "B3", 1, &["IN_TRANSIT"]).await;
    let existing = intercept(&app, &m, &open, None)
        .await
        .expect_ok(200)
        .clone();
    let delivered = with_carrier(&app, &m, &a, "B4", 1, &["IN_TRANSIT", "DELIVERED"]).await;
    let early = app.shipment(&m, "B5", WH, &[(&a, 1)]).await;

    app.clock.advance(30);
    let codes = [
        ok1.as_str(),
        delivered.as_str(),
        "OASC99999999",
        theirs.as_str(),
        open.as_str(),
        early.as_str(),
        ok2.as_str(),
        ok1.as_str(),
        "nonsense",
    ];
    let reply = bulk(
        &app,
        &m,
        json!({"tracking_codes": codes, "reason_code": "MARKETPLACE_CANCELLED", "reason_note": "bulk"}),
    )
    .await;
    let data = reply.expect_ok(200).as_array().unwrap().clone();
    assert_eq!(reply.body["total"], 9);
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
            (delivered.as_str(), false, Some("SHIPMENT_CANNOT_INTERCEPT")),
            ("OASC99999999", false, Some("SHIPMENT_NOT_FOUND")),
            (theirs.as_str(), false, Some("SHIPMENT_NOT_FOUND")),
            (open.as_str(), true, None),
            (early.as_str(), false, Some("SHIPMENT_CANNOT_INTERCEPT")),
            (ok2.as_str(), true, None),
            (ok1.as_str(), true, None),
            ("nonsense", false, Some("SHIPMENT_NOT_FOUND")),
        ]
    );
    let new_object = json!({
        "status": "REQUESTED", "requested_time": app.clock.now(), "resolved_time": null,
        "reason": {"code": "MARKETPLACE_CANCELLED", "note": "bulk"}, "note": null
    });
    assert_eq!(data[0]["intercept"], new_object);
    assert_eq!(data[0]["status_info"]["value"], 300);
    assert_eq!(data[0]["messages"], "OK");
    assert_eq!(data[6]["intercept"], new_object);
    assert_eq!(data[7], data[0], "a code given twice gets the same result");
    assert_eq!(
        data[4]["intercept"], existing,
        "the open request answers as it is"
    );
    assert_eq!(data[1]["status_info"]["value"], 390);
    assert_eq!(data[1]["intercept"], Value::Null);
    assert_eq!(
        data[1]["messages"],
        "Only a shipment with the carrier can be intercepted"
    );
    assert_eq!(data[2]["status_info"], Value::Null);
    assert_eq!(data[2]["messages"], "Shipment not found");
    assert_eq!(data[5]["status_info"]["value"], 100);

    assert_eq!(intercept_rows(&app, &ok1).await, 1);
    assert_eq!(intercept_rows(&app, &open).await, 1);
    assert_eq!(app.detail(&m, &delivered).await["intercept"], Value::Null);
    assert_eq!(
        app.detail(&other, &theirs).await["intercept"],
        Value::Null,
        "another business's shipment untouched"
    );
    assert_eq!(intercept_rows(&app, &theirs).await, 0);
    let listed = send(app.api(&m, Method::GET, "/shipments/b2c?intercept_status=REQUESTED")).await;
    assert_eq!(listed.body["total"], 3);
}

#[tokio::test]
async fn a_webhook_subscription_can_ask_for_intercept_events() {
    let app = spawn_app().await;
    let (m, _) = stocked(&app, 1).await;
    let created = send(app.api(&m, Method::POST, "/webhooks").json(&json!({
        "url": "https://hooks.example.com/depot", "events": ["shipment.intercept"]
    })))
    .await;
    assert_eq!(
        created.expect_ok(201)["events"],
        json!(["shipment.intercept"])
    );
}

// ---------------------------------------------------------------------------------------
// Races over real HTTP, on a multi-threaded runtime so requests really overlap.

/// A merchant's request racing the parcel's delivery: either the request came first (and
/// the delivery failed it), or the delivery came first (and the request was refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_racing_a_delivery_ends_in_one_state() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 100).await;
    let mut codes = Vec::new();
    for i in 0..20 {
        codes.push(
            with_carrier(
                &app,
                &m,
                &a,
                &format!("R{i}"),
                2,
                &["IN_TRANSIT", "OUT_FOR_DELIVERY"],
            )
            .await,
        );
    }
    let races = codes.iter().map(|code| async {
        let (request, delivery) = tokio::join!(
            intercept(&app, &m, code, None),
            app.set_status(code, "DELIVERED")
        );
        (code.clone(), request, delivery)
    });
    for (code, request, delivery) in join_all(races).await {
        delivery.expect_ok(200);
        let detail = app.detail(&m, &code).await;
        assert_eq!(status_of(&detail), 390, "{code}");
        let events = intercept_events(&app, &m, &code).await;
        match request.status.as_u16() {
            200 => {
                assert_eq!(detail["intercept"]["status"], "FAILED", "{code}");
                assert_eq!(detail["intercept"]["note"], "delivered");
                assert_eq!(
                    detail["intercept"]["requested_time"],
                    request.body["data"]["requested_time"]
                );
                assert_eq!(events.len(), 2, "{code}: requested, then failed");
            }
            _ => {
                let body = request.expect_error(400, "SHIPMENT_CANNOT_INTERCEPT");
                assert_eq!(body["error_detail"]["status_info"]["value"], 390);
                assert_eq!(detail["intercept"], Value::Null, "{code}");
                assert!(events.is_empty());
            }
        }
        assert_eq!(
            status_events(&app, &m, &code)
                .await
                .iter()
                .filter(|s| **s == 390)
                .count(),
            1
        );
    }
    assert_eq!(
        app.stock_of(&m, WH, &a).await,
        (60, 0, 60),
        "deliveries move no stock"
    );
    app.assert_reservations_match_shipments().await;
}

/// The carrier's confirmation racing the delivery: either the parcel turns back (and the
/// delivery is refused) or it is delivered (and the confirmation is refused). Then two
/// returns to the warehouse race for each returning parcel: one wins, stock comes back once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_confirmation_racing_a_delivery_ends_in_one_state_and_restocks_once() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 100).await;
    let mut codes = Vec::new();
    for i in 0..20 {
        let code = with_carrier(
            &app,
            &m,
            &a,
            &format!("C{i}"),
            2,
            &["IN_TRANSIT", "OUT_FOR_DELIVERY"],
        )
        .await;
        intercept(&app, &m, &code, None).await.expect_ok(200);
        codes.push(code);
    }
    let races = codes.iter().map(|code| async {
        let (confirm, delivery) = tokio::join!(
            answer(&app, code, "CONFIRMED", Some("carrier agreed")),
            app.set_status(code, "DELIVERED")
        );
        (code.clone(), confirm, delivery)
    });
    let mut returning = Vec::new();
    for (code, confirm, delivery) in join_all(races).await {
        let detail = app.detail(&m, &code).await;
        match (confirm.status.as_u16(), delivery.status.as_u16()) {
            (200, 400) => {
                delivery.expect_error(400, "INVALID_STATUS_TRANSITION");
                assert_eq!(status_of(&detail), 360, "{code}");
                assert_eq!(detail["intercept"]["status"], "CONFIRMED");
                assert_eq!(detail["intercept"]["note"], "carrier agreed");
                assert_eq!(detail["delivered_time"], Value::Null);
                returning.push(code.clone());
            }
            (400, 200) => {
                confirm.expect_error(400, "INTERCEPT_ALREADY_RESOLVED");
                assert_eq!(status_of(&detail), 390, "{code}");
                assert_eq!(detail["intercept"]["status"], "FAILED");
                assert_eq!(detail["intercept"]["note"], "delivered");
            }
            other => panic!(
                "{code}: both or neither won: {other:?} {} {}",
                confirm.body, delivery.body
            ),
        }
        let states: Vec<Value> = intercept_events(&app, &m, &code)
            .await
            .iter()
            .map(|e| e["intercept"]["status"].clone())
            .collect();
        assert_eq!(states.len(), 2, "{code}: {states:?}");
        assert_eq!(states[0], "REQUESTED");
    }
    let delivered = codes.len() - returning.len();
    assert_eq!(app.stock_of(&m, WH, &a).await, (60, 0, 60));

    let returns = returning.iter().map(|code| async {
        let (r1, r2) = tokio::join!(
            app.set_status(code, "RETURNED_TO_SENDER"),
            app.set_status(code, "RETURNED_TO_SENDER")
        );
        (code.clone(), r1, r2)
    });
    for (code, r1, r2) in join_all(returns).await {
        let mut statuses = [r1.status.as_u16(), r2.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 400], "{code}: one return wins");
        assert_eq!(status_of(&app.detail(&m, &code).await), 395);
    }
    let on_hand = 100 - 2 * delivered as i64;
    assert_eq!(app.stock_of(&m, WH, &a).await, (on_hand, 0, on_hand));
    let restocks = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(_, p)| p["transaction_type"] == "RTS_RESTOCK")
        .count();
    assert_eq!(restocks, returning.len(), "one restock per returned parcel");
    app.assert_reservations_match_shipments().await;
}

/// The same request many times at once — singles and bulks mixed — opens one request per
/// shipment, and every reply shows that one; repeated confirmations move the status once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn repeated_requests_and_answers_act_once() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 100).await;
    let mut codes = Vec::new();
    for i in 0..10 {
        codes.push(with_carrier(&app, &m, &a, &format!("Q{i}"), 1, &["IN_TRANSIT"]).await);
    }
    let reversed: Vec<String> = codes.iter().rev().cloned().collect();
    let singles = join_all(codes.iter().flat_map(|c| (0..4).map(move |_| c)).map(|c| {
        intercept(
            &app,
            &m,
            c,
            Some(json!({"reason_code": "CUSTOMER_REQUEST"})),
        )
    }));
    let bulks = join_all([codes.clone(), reversed].into_iter().map(|list| {
        bulk(
            &app,
            &m,
            json!({"tracking_codes": list, "reason_code": "CUSTOMER_REQUEST"}),
        )
    }));
    let (singles, bulks) = tokio::join!(singles, bulks);
    for code in &codes {
        let shown = app.detail(&m, code).await["intercept"].clone();
        assert_eq!(shown["status"], "REQUESTED");
        assert_eq!(intercept_rows(&app, code).await, 1, "{code}: one request");
        assert_eq!(
            intercept_events(&app, &m, code).await.len(),
            1,
            "{code}: one event"
        );
        for b in &bulks {
            let rows = b.expect_ok(200).as_array().unwrap();
            let row = rows.iter().find(|r| r["tracking_code"] == *code).unwrap();
            assert_eq!(row["success"], true);
            assert_eq!(row["intercept"], shown);
        }
    }
    for (i, r) in singles.iter().enumerate() {
        let code = &codes[i / 4];
        assert_eq!(r.expect_ok(200), &app.detail(&m, code).await["intercept"]);
    }

    let answers = join_all(
        codes
            .iter()
            .flat_map(|c| (0..3).map(move |_| c))
            .map(|c| answer(&app, c, "CONFIRMED", None)),
    )
    .await;
    for r in &answers {
        assert_eq!(r.expect_ok(200)["status_info"]["value"], 360);
    }
    for code in &codes {
        assert_eq!(
            status_events(&app, &m, code)
                .await
                .iter()
                .filter(|s| **s == 360)
                .count(),
            1,
            "{code}: moved once"
        );
        assert_eq!(intercept_events(&app, &m, code).await.len(), 2);
    }
    assert_eq!(app.stock_of(&m, WH, &a).await, (90, 0, 90));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer() {
    let app = spawn_app().await;
    let (m, a) = stocked(&app, 2).await;
    let code = with_carrier(&app, &m, &a, "IK", 1, &["IN_TRANSIT"]).await;
    let call = || {
        send(
            app.api(
                &m,
                Method::POST,
                &format!("/shipments/b2c/{code}/intercept"),
            )
            .header("Idempotency-Key", "intercept-1")
            .json(&json!({"reason_code": "CUSTOMER_REQUEST"})),
        )
    };
    let first = call().await;
    let object = first.expect_ok(200).clone();
    app.clock.advance(10);
    let again = call().await;
    assert_eq!(again.expect_ok(200), &object);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let reused = send(
        app.api(
            &m,
            Method::POST,
            &format!("/shipments/b2c/{code}/intercept"),
        )
        .header("Idempotency-Key", "intercept-1")
        .json(&json!({"reason_code": "OTHER"})),
    )
    .await;
    reused.expect_error(422, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(intercept_events(&app, &m, &code).await.len(), 1);
}
