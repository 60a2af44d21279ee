//! The warehouse floor's waves (SPEC §11), black-box: releasing NEW shipments as a wave with
//! the effects of any status move, all or nothing with every offender named, the wave list
//! and detail, the pick list PDF read back (text and barcode), the operator's shipment list
//! with `business_id` and `wave_id`, bad input and auth that change nothing, and racing
//! waves that release each shipment exactly once.

use crate::helpers::*;
use depot_documents::inspect;
use futures::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};

pub const WH: &str = "WH-HN01";
pub const OTHER_WH: &str = "WH-SG01";

/// A merchant, two warehouses and two products with plenty of stock in `WH`.
pub async fn floor(app: &TestApp) -> (TestMerchant, String, String) {
    let m = app.merchant().await;
    app.warehouse(WH).await;
    app.warehouse(OTHER_WH).await;
    let a = app.product(&m, "SKU-A", WH).await;
    let b = app.product(&m, "SKU-B", WH).await;
    app.adjust(&m, WH, &a, 5000).await.expect_ok(200);
    app.adjust(&m, WH, &b, 5000).await.expect_ok(200);
    (m, a, b)
}

/// `n` NEW shipments in `WH`, each taking 2 × A and 1 × B.
pub async fn new_shipments(
    app: &TestApp,
    m: &TestMerchant,
    a: &str,
    b: &str,
    prefix: &str,
    n: usize,
) -> Vec<String> {
    let mut codes = Vec::new();
    for i in 0..n {
        let reference = format!("{prefix}-{i}");
        codes.push(app.shipment(m, &reference, WH, &[(a, 2), (b, 1)]).await);
    }
    codes
}

pub async fn release(app: &TestApp, warehouse: &str, codes: &[String]) -> Reply {
    send(
        app.ops(Method::POST, "/waves")
            .header("Accept-Language", "en")
            .json(&json!({ "warehouse_code": warehouse, "tracking_codes": codes })),
    )
    .await
}

/// Fetches a PDF route; asserts a 200 PDF and returns its bytes.
pub async fn pdf(app: &TestApp, path: &str) -> Vec<u8> {
    let res = app.ops(Method::GET, path).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{path}");
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline;"));
    let bytes = res.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF-"), "{path}: not a PDF");
    bytes
}

pub fn status_of(detail: &Value) -> i64 {
    detail["status_info"]["value"].as_i64().unwrap()
}

/// The history entries of a shipment in a status (by value).
pub fn entries_in(detail: &Value, status: i64) -> Vec<Value> {
    detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status_info"]["value"] == status)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_wave_releases_new_shipments_and_prints_its_pick_list() {
    let app = spawn_app().await;
    let (m, a, b) = floor(&app).await;
    let codes = new_shipments(&app, &m, &a, &b, "W", 3).await;
    let before = app.events(m.business_id).await.len();

    let reply = release(&app, WH, &codes).await;
    let wave = reply.expect_ok(201).clone();
    let wave_id = wave["wave_id"].as_i64().unwrap();
    assert_eq!(wave["warehouse_code"], WH);
    assert_eq!(wave["tracking_codes"], json!(codes));
    assert_eq!(wave["created_time"], START_TIME);
    assert_eq!(wave["created_by"], "operator");

    // Each shipment moved as any operator move does: status, time, history, one event.
    for code in &codes {
        let d = app.detail(&m, code).await;
        assert_eq!(status_of(&d), 200, "{code}");
        assert_eq!(d["allocated_time"], START_TIME);
        let allocated = entries_in(&d, 200);
        assert_eq!(allocated.len(), 1);
        assert_eq!(allocated[0]["actor"], "operator");
        assert_eq!(allocated[0]["note"], format!("wave {wave_id}"));
    }
    let events = app.events(m.business_id).await;
    let moved: Vec<&(String, Value)> = events[before..]
        .iter()
        .filter(|(code, _)| code == "shipment.update_status")
        .collect();
    assert_eq!(moved.len(), 3);
    for (_, e) in &moved {
        assert_eq!(e["status_info"]["value"], 200);
        assert_eq!(e["previous_status_info"]["value"], 100);
    }
    // Allocation keeps the reservation: nothing leaves the shelf before PICKED.
    assert_eq!(app.stock_of(&m, WH, &a).await, (5000, 6, 4994));
    app.assert_reservations_match_shipments().await;

    // The wave, one and in lists.
    let one = send(app.ops(Method::GET, &format!("/waves/{wave_id}"))).await;
    assert_eq!(one.expect_ok(200), &wave);
    let listed = send(app.ops(Method::GET, &format!("/waves?warehouse_code={WH}"))).await;
    assert_eq!(listed.expect_ok(200), &json!([wave]));
    assert_eq!(listed.body["total"], 1);
    let elsewhere = send(app.ops(Method::GET, &format!("/waves?warehouse_code={OTHER_WH}"))).await;
    assert_eq!(elsewhere.expect_ok(200), &json!([]));
    assert_eq!(elsewhere.body["total"], 0);

    // The operator's shipment list narrowed to the wave: details with their business.
    let members = send(app.ops(Method::GET, &format!("/shipments?wave_id={wave_id}"))).await;
    let rows = members.expect_ok(200).as_array().unwrap().clone();
    assert_eq!(members.body["total"], 3);
    let mut listed: Vec<String> = rows
        .iter()
        .map(|r| r["tracking_code"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let mut expected = codes.clone();
    expected.sort();
    assert_eq!(listed, expected);
    for r in &rows {
        assert_eq!(r["business_id"], m.business_id);
        assert_eq!(r["status_info"]["value"], 200);
        assert!(r["items"].is_array() && r["history"].is_array());
    }

    // The pick list: the wave id as its barcode, products by SKU with the shipments under each.
    let bytes = pdf(&app, &format!("/waves/{wave_id}/pick-list")).await;
    assert_eq!(inspect::page_sizes(&bytes), vec![(595.28, 841.89)]);
    let found = inspect::barcodes(&bytes);
    assert_eq!(found[0].len(), 1, "{found:?}");
    assert_eq!(found[0][0].text, wave_id.to_string());
    let text = inspect::page_texts(&bytes).join("\n");
    for expected in ["PHIẾU LẤY HÀNG", "SKU-A", "SKU-B", "Sản phẩm SKU-A", WH] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    for code in &codes {
        assert!(text.contains(code.as_str()), "{code} missing from:\n{text}");
    }
    assert!(text.contains("× 2") && text.contains("× 1"), "{text}");
    // SKU-A before SKU-B, and in English when asked.
    assert!(text.find("SKU-A").unwrap() < text.find("SKU-B").unwrap());
    let en = app
        .ops(Method::GET, &format!("/waves/{wave_id}/pick-list"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(inspect::page_texts(&en)[0].contains("PICK LIST"));
}

#[tokio::test]
async fn a_wave_with_any_bad_code_releases_nothing_and_names_every_offender() {
    let app = spawn_app().await;
    let (m, a, b) = floor(&app).await;
    let codes = new_shipments(&app, &m, &a, &b, "B", 3).await;
    app.walk(&codes[1], &["ALLOCATED"]).await;
    let c = app.product(&m, "SKU-C", OTHER_WH).await;
    app.adjust(&m, OTHER_WH, &c, 10).await.expect_ok(200);
    let elsewhere = app.shipment(&m, "ELSEWHERE", OTHER_WH, &[(&c, 1)]).await;
    let events = app.events(m.business_id).await.len();

    let request = vec![
        codes[0].clone(),
        codes[1].clone(),
        elsewhere.clone(),
        "OASC99999999".to_string(),
        "not-a-code".to_string(),
        codes[2].clone(),
    ];
    let reply = release(&app, WH, &request).await;
    let body = reply.expect_error(400, "SHIPMENTS_NOT_RELEASABLE");
    let offenders = json!([codes[1], elsewhere, "OASC99999999", "not-a-code"]);
    assert_eq!(body["error_detail"]["tracking_codes"], offenders);
    let reasons = &body["error_detail"]["reasons"];
    assert_eq!(reasons[&codes[1]]["reason"], "WRONG_STATUS");
    assert_eq!(reasons[&codes[1]]["status_info"]["value"], 200);
    assert_eq!(reasons[&elsewhere]["reason"], "OTHER_WAREHOUSE");
    assert_eq!(reasons["OASC99999999"]["reason"], "NOT_FOUND");
    assert_eq!(reasons["not-a-code"]["reason"], "NOT_FOUND");
    let message = body["messages"].as_str().unwrap();
    assert!(
        message.contains(&elsewhere) && message.contains(&codes[1]),
        "{message}"
    );

    // Nothing moved, no wave, no event.
    assert_eq!(status_of(&app.detail(&m, &codes[0]).await), 100);
    assert_eq!(status_of(&app.detail(&m, &codes[2]).await), 100);
    assert_eq!(status_of(&app.detail(&m, &elsewhere).await), 100);
    assert_eq!(app.events(m.business_id).await.len(), events);
    let waves = send(app.ops(Method::GET, "/waves")).await;
    assert_eq!(waves.expect_ok(200), &json!([]));

    // The same NEW shipment released for the wrong warehouse.
    let wrong = release(&app, OTHER_WH, &codes[..1]).await;
    let body = wrong.expect_error(400, "SHIPMENTS_NOT_RELEASABLE");
    assert_eq!(
        body["error_detail"]["reasons"][&codes[0]]["reason"],
        "OTHER_WAREHOUSE"
    );

    // Bad requests: each its own envelope error.
    release(&app, "WH-NOPE", &codes[..1])
        .await
        .expect_error(404, "WAREHOUSE_NOT_FOUND");
    let empty = release(&app, WH, &[]).await;
    assert!(
        empty.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["tracking_codes"].is_array()
    );
    let many: Vec<String> = (0..1001).map(|i| format!("OASC{i:08}")).collect();
    release(&app, WH, &many)
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    let twice = release(&app, WH, &[codes[0].clone(), codes[0].clone()]).await;
    let detail = &twice.expect_error(422, "INVALID_PAYLOAD")["error_detail"];
    assert!(detail["tracking_codes"][0]
        .as_str()
        .unwrap()
        .contains(&codes[0]));
    for body in [
        json!({ "tracking_codes": [codes[0]] }),
        json!({ "warehouse_code": WH }),
        json!({ "warehouse_code": WH, "tracking_codes": "OASC00000001" }),
        json!({ "warehouse_code": " ", "tracking_codes": [codes[0]] }),
    ] {
        send(app.ops(Method::POST, "/waves").json(&body))
            .await
            .expect_error(422, "INVALID_PAYLOAD");
    }
    // Unknown waves.
    for path in [
        "/waves/999",
        "/waves/abc",
        "/waves/0",
        "/waves/999/pick-list",
    ] {
        send(app.ops(Method::GET, path))
            .await
            .expect_error(404, "WAVE_NOT_FOUND");
    }
    assert_eq!(status_of(&app.detail(&m, &codes[0]).await), 100);

    // Operator routes only: no token, a wrong token, a merchant key.
    let paths = [
        (Method::POST, "/ops/v1/waves"),
        (Method::GET, "/ops/v1/waves"),
        (Method::GET, "/ops/v1/shipments"),
    ];
    for (method, path) in paths {
        let body = json!({ "warehouse_code": WH, "tracking_codes": [codes[0]] });
        send(app.request(method.clone(), path).json(&body))
            .await
            .expect_error(401, "UNAUTHORIZED");
        send(
            app.request(method.clone(), path)
                .bearer_auth("wrong")
                .json(&body),
        )
        .await
        .expect_error(401, "UNAUTHORIZED");
        send(
            app.request(method, path)
                .bearer_auth(&m.api_key)
                .json(&body),
        )
        .await
        .expect_error(401, "UNAUTHORIZED");
    }
    assert_eq!(status_of(&app.detail(&m, &codes[0]).await), 100);
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn the_operator_list_takes_the_merchant_filters_and_its_own() {
    let app = spawn_app().await;
    let (m, a, b) = floor(&app).await;
    let other = app.merchant().await;
    let oa = app.product(&other, "SKU-O", WH).await;
    app.adjust(&other, WH, &oa, 10).await.expect_ok(200);
    let mine = new_shipments(&app, &m, &a, &b, "L", 3).await;
    let theirs = app.shipment(&other, "THEIRS", WH, &[(&oa, 1)]).await;

    let all = send(app.ops(Method::GET, "/shipments")).await;
    assert_eq!(all.expect_ok(200).as_array().unwrap().len(), 4);
    assert_eq!(all.body["total"], 4);
    // Newest first, as the merchant list.
    assert_eq!(all.body["data"][0]["tracking_code"], theirs);

    let one = send(app.ops(
        Method::GET,
        &format!("/shipments?business_id={}", other.business_id),
    ))
    .await;
    assert_eq!(one.expect_ok(200)[0]["business_id"], other.business_id);
    assert_eq!(one.body["total"], 1);

    // Merchant filters: status, reference, tracking code, warehouse.
    app.walk(&mine[0], &["ALLOCATED"]).await;
    let allocated = send(app.ops(Method::GET, "/shipments?status=ALLOCATED")).await;
    assert_eq!(allocated.expect_ok(200)[0]["tracking_code"], mine[0]);
    assert_eq!(allocated.body["total"], 1);
    let by_ref = send(app.ops(
        Method::GET,
        "/shipments?merchant_tracking_code_reference=L-2",
    ))
    .await;
    assert_eq!(by_ref.expect_ok(200)[0]["tracking_code"], mine[2]);
    let none = send(app.ops(
        Method::GET,
        &format!("/shipments?warehouse_code={OTHER_WH}"),
    ))
    .await;
    assert_eq!(none.expect_ok(200), &json!([]));

    // Paging with a cursor walks every row once.
    let first = send(app.ops(Method::GET, "/shipments?page_size=3")).await;
    assert_eq!(first.expect_ok(200).as_array().unwrap().len(), 3);
    let link = first.header("link").expect("a next link").to_string();
    let next = link
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .trim_start_matches("/ops/v1");
    let second = send(app.ops(Method::GET, next)).await;
    assert_eq!(second.expect_ok(200).as_array().unwrap().len(), 1);
    assert_eq!(second.body["total"], 4);

    // Bad filters.
    for q in [
        "business_id=abc",
        "wave_id=x",
        "manifest_id=1.5",
        "status=LOST",
        "page_size=0",
        "cursor=garbage",
    ] {
        send(app.ops(Method::GET, &format!("/shipments?{q}")))
            .await
            .expect_error(422, "INVALID_PAYLOAD");
    }
    // Unknown wave or manifest: an empty list.
    let empty = send(app.ops(Method::GET, "/shipments?wave_id=999&manifest_id=999")).await;
    assert_eq!(empty.expect_ok(200), &json!([]));
    assert_eq!(empty.body["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_waves_release_each_shipment_exactly_once() {
    let app = spawn_app().await;
    let (m, a, b) = floor(&app).await;
    let codes = new_shipments(&app, &m, &a, &b, "R", 24).await;
    // Pairs of waves over overlapping codes: [0..8) and [4..12), [12..18) twice, ...
    let attempts: Vec<Vec<String>> = vec![
        codes[0..8].to_vec(),
        codes[4..12].to_vec(),
        codes[12..18].to_vec(),
        codes[12..18].to_vec(),
        codes[18..24].to_vec(),
        codes[20..21].to_vec(),
        codes[23..24].to_vec(),
    ];
    let replies = join_all(attempts.iter().map(|c| release(&app, WH, c))).await;
    let mut released: Vec<String> = Vec::new();
    let mut wins = 0;
    for (codes, reply) in attempts.iter().zip(&replies) {
        match reply.status.as_u16() {
            201 => {
                wins += 1;
                assert_eq!(reply.body["data"]["tracking_codes"], json!(codes));
                released.extend(codes.iter().cloned());
            }
            400 => {
                let body = reply.expect_error(400, "SHIPMENTS_NOT_RELEASABLE");
                // Refused only for codes another wave took.
                for c in body["error_detail"]["tracking_codes"].as_array().unwrap() {
                    assert_eq!(
                        body["error_detail"]["reasons"][c.as_str().unwrap()]["reason"],
                        "WRONG_STATUS"
                    );
                }
            }
            other => panic!("unexpected {other}: {:#}", reply.body),
        }
    }
    // Of each overlapping pair exactly one won; no code in two waves.
    let unique: std::collections::HashSet<&String> = released.iter().collect();
    assert_eq!(unique.len(), released.len(), "a shipment in two waves");
    assert!((3..=5).contains(&wins), "{wins} waves won");
    for code in &codes {
        let d = app.detail(&m, code).await;
        let allocated = entries_in(&d, 200).len();
        if released.contains(code) {
            assert_eq!((status_of(&d), allocated), (200, 1), "{code}");
        } else {
            assert_eq!((status_of(&d), allocated), (100, 0), "{code}");
        }
    }
    // The stored waves say the same.
    let waves = send(app.ops(Method::GET, "/waves")).await;
    let mut stored: Vec<String> = waves
        .expect_ok(200)
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["tracking_codes"].as_array().unwrap().clone())
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    stored.sort();
    released.sort();
    assert_eq!(stored, released);
    app.assert_reservations_match_shipments().await;
}
