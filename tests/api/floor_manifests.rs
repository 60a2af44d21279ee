//! Handover manifests and shipping labels (SPEC §11), black-box: opening a manifest, scanning
//! packed parcels onto it with a result per code, closing it (every parcel HANDOVER with the
//! courier's name, cancelled ones left off), the label and manifest PDFs read back (text and
//! barcodes), bad input and auth that change nothing, and the races: one parcel onto two
//! manifests, packed twice, closed twice — each with exactly one winner.

use crate::floor_waves::{entries_in, floor, new_shipments, pdf, release, status_of, OTHER_WH, WH};
use crate::helpers::*;
use depot_documents::inspect;
use futures::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};

/// `n` shipments released in a wave and walked to PACKED.
async fn packed(
    app: &TestApp,
    m: &TestMerchant,
    a: &str,
    b: &str,
    prefix: &str,
    n: usize,
) -> Vec<String> {
    let codes = new_shipments(app, m, a, b, prefix, n).await;
    release(app, WH, &codes).await.expect_ok(201);
    for c in &codes {
        app.walk(c, &["PICKED", "PACKED"]).await;
    }
    codes
}

async fn open(app: &TestApp, warehouse: &str, courier: &str) -> Reply {
    send(
        app.ops(Method::POST, "/manifests")
            .json(&json!({ "warehouse_code": warehouse, "courier_name": courier })),
    )
    .await
}

async fn scan(app: &TestApp, manifest: i64, codes: &[String]) -> Reply {
    send(
        app.ops(Method::POST, &format!("/manifests/{manifest}/parcels"))
            .header("Accept-Language", "en")
            .json(&json!({ "tracking_codes": codes })),
    )
    .await
}

async fn close(app: &TestApp, manifest: i64) -> Reply {
    send(app.ops(Method::POST, &format!("/manifests/{manifest}/close"))).await
}

#[tokio::test]
async fn a_manifest_takes_packed_parcels_and_hands_them_over_at_close() {
    let app = spawn_app().await;
    let (m, a, b) = floor(&app).await;
    let parcels = packed(&app, &m, &a, &b, "P", 3).await;
    let fresh = new_shipments(&app, &m, &a, &b, "N", 1).await.remove(0);
    let c = app.product(&m, "SKU-C", OTHER_WH).await;
    app.adjust(&m, OTHER_WH, &c, 10).await.expect_ok(200);
    let elsewhere = app.shipment(&m, "ELSEWHERE", OTHER_WH, &[(&c, 1)]).await;
    app.walk(&elsewhere, &["ALLOCATED", "PICKED", "PACKED"])
        .await;

    let created = open(&app, WH, "Giao Hàng Nhanh").await;
    let manifest = created.expect_ok(201).clone();
    let id = manifest["manifest_id"].as_i64().unwrap();
    assert_eq!(manifest["status"], "OPEN");
    assert_eq!(manifest["courier_name"], "Giao Hàng Nhanh");
    assert_eq!(manifest["warehouse_code"], WH);
    assert_eq!(manifest["tracking_codes"], json!([]));

    // A result per code, in request order; each one alone.
    let request = vec![
        parcels[0].clone(),
        fresh.clone(),
        elsewhere.clone(),
        "OASC99999999".into(),
        parcels[1].clone(),
    ];
    let reply = scan(&app, id, &request).await;
    let results = reply.expect_ok(200).as_array().unwrap().clone();
    let codes: Vec<Value> = results.iter().map(|r| r["tracking_code"].clone()).collect();
    assert_eq!(codes, request.iter().map(|c| json!(c)).collect::<Vec<_>>());
    assert_eq!(results[0]["success"], true);
    assert_eq!(results[0]["status_info"]["value"], 290);
    assert_eq!(results[0]["error_code"], Value::Null);
    assert_eq!(results[1]["success"], false);
    assert_eq!(results[1]["error_code"], "INVALID_STATUS_TRANSITION");
    assert_eq!(results[1]["status_info"]["value"], 100);
    assert_eq!(results[2]["error_code"], "SHIPMENT_NOT_IN_WAREHOUSE");
    assert_eq!(results[3]["error_code"], "SHIPMENT_NOT_FOUND");
    assert_eq!(results[3]["status_info"], Value::Null);
    assert_eq!(results[4]["success"], true);
    assert_eq!(status_of(&app.detail(&m, &fresh).await), 100);
    assert_eq!(status_of(&app.detail(&m, &elsewhere).await), 220);
    let waiting = app.detail(&m, &parcels[0]).await;
    assert_eq!(status_of(&waiting), 290);
    assert_eq!(
        entries_in(&waiting, 290)[0]["note"],
        format!("manifest {id}")
    );

    // A repeated scan succeeds again and changes nothing; the third parcel joins.
    let again = scan(&app, id, &[parcels[0].clone(), parcels[2].clone()]).await;
    let again = again.expect_ok(200).clone();
    assert_eq!(again[0]["success"], true);
    assert_eq!(again[1]["success"], true);
    assert_eq!(entries_in(&app.detail(&m, &parcels[0]).await, 290).len(), 1);

    let one = send(app.ops(Method::GET, &format!("/manifests/{id}"))).await;
    assert_eq!(one.expect_ok(200)["tracking_codes"], json!(parcels));
    let open_list = send(app.ops(
        Method::GET,
        &format!("/manifests?warehouse_code={WH}&status=OPEN"),
    ))
    .await;
    assert_eq!(open_list.expect_ok(200)[0]["manifest_id"], id);
    assert_eq!(open_list.body["total"], 1);
    let on_it = send(app.ops(Method::GET, &format!("/shipments?manifest_id={id}"))).await;
    assert_eq!(on_it.body["total"], 3);

    // The open manifest's document: its id and every parcel as barcodes.
    let bytes = pdf(&app, &format!("/manifests/{id}/document")).await;
    let found: Vec<String> = inspect::barcodes(&bytes)
        .concat()
        .into_iter()
        .map(|b| b.text)
        .collect();
    let mut expected = vec![id.to_string()];
    expected.extend(parcels.iter().cloned());
    assert_eq!(found, expected);
    let text = inspect::page_texts(&bytes).join("\n");
    for expected in ["BIÊN BẢN BÀN GIAO", "Giao Hàng Nhanh", "P-0", "P-2", WH] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }

    // Closing hands every parcel over with the courier's name, in one step.
    app.clock.advance(60);
    let closed = close(&app, id).await;
    let closed = closed.expect_ok(200).clone();
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(closed["closed_time"], START_TIME + 60);
    assert_eq!(closed["closed_by"], "operator");
    assert_eq!(closed["tracking_codes"], json!(parcels));
    for code in &parcels {
        let d = app.detail(&m, code).await;
        assert_eq!(status_of(&d), 300, "{code}");
        assert_eq!(d["courier_name"], "Giao Hàng Nhanh");
        assert_eq!(d["handover_time"], START_TIME + 60);
        assert_eq!(entries_in(&d, 300).len(), 1);
    }
    let handed: Vec<Value> = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(code, e)| code == "shipment.update_status" && e["status_info"]["value"] == 300)
        .map(|(_, e)| e)
        .collect();
    assert_eq!(handed.len(), 3);
    assert!(handed
        .iter()
        .all(|e| e["courier_name"] == "Giao Hàng Nhanh"));

    // A closed manifest takes nothing more and does not close twice.
    close(&app, id).await.expect_error(400, "MANIFEST_NOT_OPEN");
    scan(&app, id, &[parcels[0].clone()])
        .await
        .expect_error(400, "MANIFEST_NOT_OPEN");
    let closed_list = send(app.ops(Method::GET, "/manifests?status=closed")).await;
    assert_eq!(closed_list.expect_ok(200)[0]["manifest_id"], id);
    let none_open = send(app.ops(Method::GET, "/manifests?status=OPEN")).await;
    assert_eq!(none_open.expect_ok(200), &json!([]));
    let doc = pdf(&app, &format!("/manifests/{id}/document")).await;
    assert_eq!(inspect::barcodes(&doc).concat().len(), 4);

    // The label of a handed-over parcel: A6, its tracking code as the barcode.
    let label = pdf(&app, &format!("/shipments/{}/label", parcels[1])).await;
    let sizes = inspect::page_sizes(&label);
    assert_eq!(sizes.len(), 1);
    assert!(
        (sizes[0].0 - 297.64).abs() < 0.1 && (sizes[0].1 - 419.53).abs() < 0.1,
        "{sizes:?}"
    );
    let codes: Vec<String> = inspect::barcodes(&label)[0]
        .iter()
        .map(|b| b.text.clone())
        .collect();
    assert!(codes.contains(&parcels[1]), "{codes:?}");
    let text = inspect::page_texts(&label)[0].clone();
    for expected in ["P-1", "Giao Hàng Nhanh", WH, "Shop"] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn labels_wait_for_packing_and_show_the_receiver() {
    let app = spawn_app().await;
    let (m, a, _) = floor(&app).await;
    let reply = send(app.api(&m, Method::POST, "/shipments/b2c/create").json(&json!({
        "warehouse_code": WH, "platform": "retail", "merchant_tracking_code_reference": "RETAIL-1",
        "courier_name": "Viettel Post", "cod_amount": 250000,
        "items": [{"oasin": a, "product_quantity": 3}],
        "receiver": {"name": "Nguyễn Văn An", "phone": "0912345678", "address": "12 Tràng Tiền",
                     "province_code": "01", "district_code": "001", "ward_code": "00001"}
    })))
    .await;
    let code = reply.expect_ok(200)["tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    for status in ["ALLOCATED", "PICKED"] {
        let early = send(app.ops(Method::GET, &format!("/shipments/{code}/label"))).await;
        let body = early.expect_error(400, "SHIPMENT_NOT_PACKED");
        assert!(body["error_detail"]["status_info"]["value"].is_i64());
        app.walk(&code, &[status]).await;
    }
    app.walk(&code, &["PACKED"]).await;
    let label = pdf(&app, &format!("/shipments/{code}/label")).await;
    assert_eq!(inspect::barcodes(&label)[0][0].text, code);
    let text = inspect::page_texts(&label)[0].clone();
    for expected in [
        "Nguyễn Văn An",
        "0912345678",
        "12 Tràng Tiền",
        "Viettel Post",
        "RETAIL-1",
        "250.000",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // Cancelled after packing: no label any more.
    app.cancel(&m, &code, None).await.expect_ok(200);
    send(app.ops(Method::GET, &format!("/shipments/{code}/label")))
        .await
        .expect_error(400, "SHIPMENT_NOT_PACKED");
    for path in ["/shipments/OASC99999999/label", "/shipments/nope/label"] {
        send(app.ops(Method::GET, path))
            .await
            .expect_error(404, "SHIPMENT_NOT_FOUND");
    }
    send(app.request(Method::GET, &format!("/ops/v1/shipments/{code}/label")))
        .await
        .expect_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn a_parcel_cancelled_while_waiting_stays_behind_at_close() {
    let app = spawn_app().await;
    let (m, a, b) = floor(&app).await;
    let parcels = packed(&app, &m, &a, &b, "C", 2).await;
    let id = open(&app, WH, "J&T Express").await.expect_ok(201)["manifest_id"]
        .as_i64()
        .unwrap();
    scan(&app, id, &parcels).await.expect_ok(200);
    let cancelled = app.cancel(&m, &parcels[0], None).await;
    assert_eq!(cancelled.expect_ok(200)["status_info"]["value"], 500);
    let closed = close(&app, id).await.expect_ok(200).clone();
    assert_eq!(closed["tracking_codes"], json!([parcels[1]]));
    assert_eq!(status_of(&app.detail(&m, &parcels[0]).await), 500);
    assert_eq!(status_of(&app.detail(&m, &parcels[1]).await), 300);
    // The cancelled parcel's goods went back on the shelf (2 × A each), the other left.
    assert_eq!(app.stock_of(&m, WH, &a).await, (4998, 0, 4998));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn bad_manifest_requests_change_nothing() {
    let app = spawn_app().await;
    let (m, a, b) = floor(&app).await;
    let parcels = packed(&app, &m, &a, &b, "V", 1).await;
    open(&app, "WH-NOPE", "GHN")
        .await
        .expect_error(404, "WAREHOUSE_NOT_FOUND");
    for body in [
        json!({ "warehouse_code": WH, "courier_name": "  " }),
        json!({ "warehouse_code": WH }),
        json!({ "courier_name": "GHN" }),
        json!({ "warehouse_code": WH, "courier_name": "x".repeat(101) }),
    ] {
        send(app.ops(Method::POST, "/manifests").json(&body))
            .await
            .expect_error(422, "INVALID_PAYLOAD");
    }
    let none = send(app.ops(Method::GET, "/manifests")).await;
    assert_eq!(none.expect_ok(200), &json!([]));

    let id = open(&app, WH, "GHN").await.expect_ok(201)["manifest_id"]
        .as_i64()
        .unwrap();
    scan(&app, id, &[])
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    let many: Vec<String> = (0..1001).map(|i| format!("OASC{i:08}")).collect();
    scan(&app, id, &many)
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    scan(&app, id, &[parcels[0].clone(), parcels[0].clone()])
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    send(
        app.ops(Method::POST, &format!("/manifests/{id}/parcels"))
            .json(&json!({})),
    )
    .await
    .expect_error(422, "INVALID_PAYLOAD");
    scan(&app, 999, &parcels)
        .await
        .expect_error(404, "MANIFEST_NOT_FOUND");
    for path in [
        "/manifests/999",
        "/manifests/abc",
        "/manifests/-1",
        "/manifests/999/document",
    ] {
        send(app.ops(Method::GET, path))
            .await
            .expect_error(404, "MANIFEST_NOT_FOUND");
    }
    close(&app, 999)
        .await
        .expect_error(404, "MANIFEST_NOT_FOUND");
    send(app.ops(Method::GET, "/manifests?status=LOST"))
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    for (method, path) in [
        (Method::POST, "/ops/v1/manifests".to_string()),
        (Method::POST, format!("/ops/v1/manifests/{id}/parcels")),
        (Method::POST, format!("/ops/v1/manifests/{id}/close")),
        (Method::GET, format!("/ops/v1/manifests/{id}/document")),
    ] {
        send(
            app.request(method, &path)
                .header("Authorization", &m.api_key)
                .json(&json!({ "tracking_codes": parcels, "warehouse_code": WH, "courier_name": "GHN" })),
        )
        .await
        .expect_error(401, "UNAUTHORIZED");
    }
    // Nothing moved.
    assert_eq!(status_of(&app.detail(&m, &parcels[0]).await), 220);
    let manifest = send(app.ops(Method::GET, &format!("/manifests/{id}"))).await;
    assert_eq!(manifest.expect_ok(200)["tracking_codes"], json!([]));
    assert_eq!(manifest.body["data"]["status"], "OPEN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_floor_steps_have_exactly_one_winner() {
    let app = spawn_app().await;
    let (m, a, b) = floor(&app).await;

    // One parcel scanned onto two manifests at once, for each of 12 parcels.
    let parcels = packed(&app, &m, &a, &b, "X", 12).await;
    let first = open(&app, WH, "GHN").await.expect_ok(201)["manifest_id"]
        .as_i64()
        .unwrap();
    let second = open(&app, WH, "GHTK").await.expect_ok(201)["manifest_id"]
        .as_i64()
        .unwrap();
    let races = parcels.iter().map(|code| async {
        let one = [code.clone()];
        let (x, y) = tokio::join!(scan(&app, first, &one), scan(&app, second, &one));
        (code.clone(), x, y)
    });
    for (code, x, y) in join_all(races).await {
        let x = x.expect_ok(200)[0]["success"].as_bool().unwrap();
        let y = y.expect_ok(200)[0]["success"].as_bool().unwrap();
        assert!(x != y, "{code}: both or neither won");
        assert_eq!(
            entries_in(&app.detail(&m, &code).await, 290).len(),
            1,
            "{code}"
        );
    }
    let on = |id: i64| {
        let app = &app;
        async move {
            send(app.ops(Method::GET, &format!("/manifests/{id}")))
                .await
                .expect_ok(200)["tracking_codes"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(on(first).await + on(second).await, 12);

    // The same manifest closed twice at once: one closes, one is refused; parcels handed once.
    let (x, y) = tokio::join!(close(&app, first), close(&app, second));
    x.expect_ok(200);
    y.expect_ok(200);
    let third = open(&app, WH, "VNPost").await.expect_ok(201)["manifest_id"]
        .as_i64()
        .unwrap();
    let more = packed(&app, &m, &a, &b, "Y", 4).await;
    scan(&app, third, &more).await.expect_ok(200);
    let closes = join_all((0..4).map(|_| close(&app, third))).await;
    let won = closes.iter().filter(|r| r.status.as_u16() == 200).count();
    assert_eq!(won, 1, "{closes:#?}");
    for r in closes.iter().filter(|r| r.status.as_u16() != 200) {
        r.expect_error(400, "MANIFEST_NOT_OPEN");
    }
    for code in parcels.iter().chain(&more) {
        let d = app.detail(&m, code).await;
        assert_eq!(
            (status_of(&d), entries_in(&d, 300).len()),
            (300, 1),
            "{code}"
        );
    }

    // Packed twice at once: one move wins, the other is refused.
    let picked = new_shipments(&app, &m, &a, &b, "Z", 8).await;
    release(&app, WH, &picked).await.expect_ok(201);
    for c in &picked {
        app.walk(c, &["PICKED"]).await;
    }
    let packs = picked.iter().map(|code| async {
        let (x, y) = tokio::join!(
            app.set_status(code, "PACKED"),
            app.set_status(code, "PACKED")
        );
        (code.clone(), x, y)
    });
    for (code, x, y) in join_all(packs).await {
        match (x.status.as_u16(), y.status.as_u16()) {
            (200, 400) => {
                y.expect_error(400, "INVALID_STATUS_TRANSITION");
            }
            (400, 200) => {
                x.expect_error(400, "INVALID_STATUS_TRANSITION");
            }
            other => panic!("{code}: {other:?}"),
        }
        assert_eq!(
            entries_in(&app.detail(&m, &code).await, 220).len(),
            1,
            "{code}"
        );
    }
    app.assert_reservations_match_shipments().await;
}
