//! Races over real HTTP: whatever interleaving the server sees, each ends in exactly one
//! consistent state, and the stock invariants hold afterwards. Run on a multi-threaded runtime
//! so requests really overlap.

use crate::helpers::*;
use futures::future::join_all;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

const WH: &str = "WH-HN01";

async fn setup(app: &TestApp, stock: i64) -> (TestMerchant, String) {
    let m = app.merchant().await;
    app.warehouse(WH).await;
    let a = app.product(&m, "SKU-A", WH).await;
    app.adjust(&m, WH, &a, stock).await.expect_ok(200);
    (m, a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_racing_handover_has_exactly_one_winner() {
    let app = spawn_app().await;
    let (m, a) = setup(&app, 100).await;
    let mut codes = Vec::new();
    for i in 0..24 {
        let code = app.shipment(&m, &format!("R{i}"), WH, &[(&a, 2)]).await;
        let path: &[&str] = if i % 2 == 0 {
            &["ALLOCATED", "PICKED", "PACKED"]
        } else {
            &["ALLOCATED", "PICKED", "PACKED", "WAITING_HANDOVER"]
        };
        app.walk(&code, path).await;
        codes.push(code);
    }
    let races = codes.iter().map(|code| async {
        let (cancel, handover) =
            tokio::join!(app.cancel(&m, code, None), app.set_status(code, "HANDOVER"));
        (code.clone(), cancel, handover)
    });
    let mut cancelled = 0;
    for (code, cancel, handover) in join_all(races).await {
        let status = app.detail(&m, &code).await["status_info"]["value"]
            .as_i64()
            .unwrap();
        match (cancel.status.as_u16(), handover.status.as_u16()) {
            (200, 400) => {
                assert_eq!(status, 500, "{code}");
                handover.expect_error(400, "INVALID_STATUS_TRANSITION");
                cancelled += 1;
            }
            (400, 200) => {
                assert_eq!(status, 300, "{code}");
                cancel.expect_error(400, "SHIPMENT_CANNOT_CANCEL");
            }
            other => panic!(
                "{code}: both or neither won: {other:?} {:?} {:?}",
                cancel.body, handover.body
            ),
        }
    }
    // Each cancelled parcel's 2 units went back on the shelf; handed-over ones left.
    let handed_over = 24 - cancelled;
    assert_eq!(
        app.stock_of(&m, WH, &a).await,
        (100 - 2 * handed_over, 0, 100 - 2 * handed_over)
    );
    app.assert_reservations_match_shipments().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_cancels_of_one_shipment_release_once() {
    let app = spawn_app().await;
    let (m, a) = setup(&app, 50).await;
    let mut codes = Vec::new();
    for i in 0..10 {
        codes.push(app.shipment(&m, &format!("C{i}"), WH, &[(&a, 3)]).await);
    }
    let replies = join_all(
        codes
            .iter()
            .flat_map(|c| (0..4).map(move |_| c))
            .map(|c| app.cancel(&m, c, None)),
    )
    .await;
    for chunk in replies.chunks(4) {
        let first = chunk[0].expect_ok(200);
        for r in chunk {
            assert_eq!(
                r.expect_ok(200),
                first,
                "every repeat answers the same cancellation"
            );
        }
    }
    assert_eq!(app.stock_of(&m, WH, &a).await, (50, 0, 50));
    let releases = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(_, p)| p["transaction_type"] == "RELEASE")
        .count();
    assert_eq!(releases, 10, "one release per shipment");
    app.assert_reservations_match_shipments().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn partial_cancel_racing_full_cancel_stays_consistent() {
    let app = spawn_app().await;
    let (m, a) = setup(&app, 100).await;
    let mut codes = Vec::new();
    for i in 0..12 {
        let code = app.shipment(&m, &format!("P{i}"), WH, &[(&a, 5)]).await;
        if i % 3 == 0 {
            app.walk(&code, &["ALLOCATED", "PICKED"]).await;
        }
        codes.push(code);
    }
    let races = codes.iter().map(|code| async {
        let partial = app.cancel(
            &m,
            code,
            Some(json!({"lines": [{"oasin": a, "quantity": 2}]})),
        );
        let full = app.cancel(&m, code, None);
        let (p, f) = tokio::join!(partial, full);
        (code.clone(), p, f)
    });
    for (code, partial, full) in join_all(races).await {
        let p = partial.expect_ok(200);
        let f = full.expect_ok(200);
        let detail = app.detail(&m, &code).await;
        match detail["superseded_by"].as_str() {
            // The partial came first: the full cancel saw it cancelled and answered that result.
            Some(successor) => {
                assert_eq!(p["successor_tracking_code"], successor);
                assert_eq!(f, p);
                let s = app.detail(&m, successor).await;
                assert_eq!(s["items"][0]["product_quantity"], 3);
            }
            // The full cancel came first: the partial answered the full cancellation.
            None => {
                assert_eq!(p, f);
                assert_eq!(detail["items"][0]["cancelled_quantity"], 5);
            }
        }
    }
    app.assert_reservations_match_shipments().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn creates_racing_for_the_last_units_reserve_each_unit_once() {
    let app = spawn_app().await;
    let (m, a) = setup(&app, 10).await;
    let replies = join_all((0..30).map(|i| {
        let m = m.clone();
        let a = a.clone();
        let app = &app;
        async move {
            app.create_shipment(&m, &format!("L{i}"), WH, &[(&a, 1)])
                .await
        }
    }))
    .await;
    let statuses: Vec<i64> = replies
        .iter()
        .map(|r| r.expect_ok(200)["status_info"]["value"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 100).count(), 10);
    assert_eq!(statuses.iter().filter(|s| **s == 150).count(), 20);
    assert_eq!(app.stock_of(&m, WH, &a).await, (10, 10, 0));
    app.assert_reservations_match_shipments().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mixed_concurrent_traffic_keeps_every_invariant() {
    let app = spawn_app().await;
    let (m, a) = setup(&app, 30).await;
    let b = app.product(&m, "SKU-B", WH).await;
    app.adjust(&m, WH, &b, 10).await.expect_ok(200);
    let mut codes = Vec::new();
    for i in 0..30 {
        codes.push(
            app.shipment(&m, &format!("M{i}"), WH, &[(&a, 1 + i % 3), (&b, 1)])
                .await,
        );
    }
    let mut rng = StdRng::seed_from_u64(7);
    let mut ops = Vec::new();
    for _ in 0..150 {
        let code = codes[rng.gen_range(0..codes.len())].clone();
        let op = rng.gen_range(0..7);
        ops.push((op, code));
    }
    let replies = join_all(ops.iter().map(|(op, code)| async {
        match op {
            0 => app.cancel(&m, code, None).await,
            1 => {
                app.cancel(
                    &m,
                    code,
                    Some(json!({"lines": [{"oasin": b, "quantity": 1}]})),
                )
                .await
            }
            2 => app.set_status(code, "ALLOCATED").await,
            3 => app.set_status(code, "PICKED").await,
            4 => app.set_status(code, "PACKED").await,
            5 => app.adjust(&m, WH, &a, 1).await,
            _ => app.adjust(&m, WH, &b, -1).await,
        }
    }))
    .await;
    for r in &replies {
        assert!(
            r.status.as_u16() < 500,
            "no server error under contention: {:?}",
            r.body
        );
    }
    app.assert_reservations_match_shipments().await;
}

/// A random walk over the whole command set, checking every invariant after each step: a
/// property test of the state machine and its stock effects, through the real API.
#[tokio::test]
async fn random_command_sequences_keep_the_invariants() {
    let app = spawn_app().await;
    let (m, a) = setup(&app, 8).await;
    let b = app.product(&m, "SKU-B", WH).await;
    const FORWARD: &[&str] = &[
        "ALLOCATED",
        "PICKED",
        "PACKED",
        "WAITING_HANDOVER",
        "HANDOVER",
        "IN_TRANSIT",
        "OUT_FOR_DELIVERY",
        "DELIVERY_FAILED",
        "DELIVERED",
        "RETURNED_TO_SENDER",
        "RETURNING",
        "NEW",
        "OUT_OF_STOCK",
    ];
    for seed in 0..4u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut codes: Vec<String> = Vec::new();
        for step in 0..60 {
            match rng.gen_range(0..10) {
                0 | 1 => {
                    let qa = rng.gen_range(1..4);
                    let reply = app
                        .create_shipment(&m, &format!("S{seed}-{step}"), WH, &[(&a, qa), (&b, 1)])
                        .await;
                    codes.push(
                        reply.expect_ok(200)["tracking_code"]
                            .as_str()
                            .unwrap()
                            .to_string(),
                    );
                }
                2 => {
                    let delta = rng.gen_range(-2..5);
                    let product = if rng.gen_bool(0.5) { &a } else { &b };
                    if delta != 0 {
                        let r = app.adjust(&m, WH, product, delta).await;
                        assert!(
                            r.status == 200 || r.body["error_code"] == "INSUFFICIENT_STOCK",
                            "{:?}",
                            r.body
                        );
                    }
                }
                3 | 4 if !codes.is_empty() => {
                    let code = &codes[rng.gen_range(0..codes.len())];
                    let body = if rng.gen_bool(0.4) {
                        Some(json!({"lines": [{"oasin": a, "quantity": 1}]}))
                    } else {
                        None
                    };
                    let r = app.cancel(&m, code, body).await;
                    assert!(
                        r.status == 200
                            || ["SHIPMENT_CANNOT_CANCEL", "INVALID_PAYLOAD"]
                                .contains(&r.body["error_code"].as_str().unwrap()),
                        "{:?}",
                        r.body
                    );
                    if let Some(successor) = r.body["data"]["successor_tracking_code"].as_str() {
                        codes.push(successor.to_string());
                    }
                }
                _ if !codes.is_empty() => {
                    let code = &codes[rng.gen_range(0..codes.len())];
                    let to = FORWARD[rng.gen_range(0..FORWARD.len())];
                    let r = app.set_status(code, to).await;
                    assert!(
                        r.status == 200
                            || ["INVALID_STATUS_TRANSITION", "INSUFFICIENT_STOCK"]
                                .contains(&r.body["error_code"].as_str().unwrap()),
                        "{:?}",
                        r.body
                    );
                }
                _ => {}
            }
            app.assert_reservations_match_shipments().await;
        }
    }
}

/// Bulk cancels of the same shipments in opposite orders, while other shipments wait for the
/// stock they release: no deadlock, each shipment cancelled once, the waiting ones reserved.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_bulk_cancels_in_opposite_orders() {
    let app = spawn_app().await;
    let (m, a) = setup(&app, 20).await;
    let mut codes = Vec::new();
    for i in 0..20 {
        codes.push(app.shipment(&m, &format!("B{i}"), WH, &[(&a, 1)]).await);
    }
    let mut waiting = Vec::new();
    for i in 0..5 {
        let r = app
            .create_shipment(&m, &format!("W{i}"), WH, &[(&a, 2)])
            .await;
        assert_eq!(r.expect_ok(200)["status_info"]["value"], 150);
        waiting.push(
            r.body["data"]["tracking_code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let reversed: Vec<String> = codes.iter().rev().cloned().collect();
    let bulk = |list: Vec<String>| {
        send(
            app.api(&m, reqwest::Method::POST, "/shipments/b2c/cancel")
                .json(&json!({ "tracking_codes": list })),
        )
    };
    let (r1, r2, r3) = tokio::join!(
        bulk(codes.clone()),
        bulk(reversed),
        bulk(codes[5..15].to_vec())
    );
    for r in [&r1, &r2, &r3] {
        assert!(
            r.expect_ok(200)
                .as_array()
                .unwrap()
                .iter()
                .all(|row| row["success"] == true),
            "{:?}",
            r.body
        );
    }
    for code in &waiting {
        assert_eq!(
            app.detail(&m, code).await["status_info"]["value"],
            100,
            "{code} woke"
        );
    }
    assert_eq!(app.stock_of(&m, WH, &a).await, (20, 10, 10));
    let releases = app
        .events(m.business_id)
        .await
        .into_iter()
        .filter(|(_, p)| p["transaction_type"] == "RELEASE")
        .count();
    assert_eq!(releases, 20);
    app.assert_reservations_match_shipments().await;
}

/// Cancels of shipments of different products share no stock and so do not queue behind
/// one another: fired all at once, partial cancels (each opening a successor) beside bulk
/// cancels of interleaved codes, none of them fails or deadlocks. Several rounds, since a
/// deadlock needs two commits to overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_partial_and_bulk_cancels_at_once_all_succeed() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    app.warehouse(WH).await;
    let mut products = Vec::new();
    for p in 0..16 {
        let oasin = app.product(&m, &format!("SKU-{p}"), WH).await;
        app.adjust(&m, WH, &oasin, 100).await.expect_ok(200);
        products.push(oasin);
    }
    for round in 0..4 {
        let mut partials = Vec::new();
        let mut bulks = Vec::new();
        for i in 0..96 {
            let product = &products[(i / 2) % 16];
            let reference = format!("R{round}-{i}");
            if i % 2 == 0 {
                let code = app.shipment(&m, &reference, WH, &[(product, 2)]).await;
                partials.push((code, product));
            } else {
                bulks.push(app.shipment(&m, &reference, WH, &[(product, 1)]).await);
            }
        }
        // Each bulk takes every sixth code, so their shipments interleave with one another's.
        let groups: Vec<Vec<String>> = (0..6)
            .map(|k| bulks.iter().skip(k).step_by(6).cloned().collect())
            .collect();
        let partial_replies = join_all(partials.iter().map(|(code, product)| {
            let lines = json!({"lines": [{"oasin": product, "quantity": 1}]});
            app.cancel(&m, code, Some(lines))
        }));
        let bulk_replies = join_all(groups.iter().map(|codes| {
            send(
                app.api(&m, reqwest::Method::POST, "/shipments/b2c/cancel")
                    .json(&json!({ "tracking_codes": codes })),
            )
        }));
        let (partial_replies, bulk_replies) = tokio::join!(partial_replies, bulk_replies);
        for r in &partial_replies {
            assert!(r.expect_ok(200)["successor_tracking_code"].is_string());
        }
        for r in &bulk_replies {
            let rows = r.expect_ok(200).as_array().unwrap();
            assert!(
                rows.iter().all(|row| row["success"] == true),
                "{:?}",
                r.body
            );
        }
    }
    // Each round, per product: 3 shipments of 2 units cut to 1, 3 of 1 unit cancelled.
    for product in &products {
        assert_eq!(app.stock_of(&m, WH, product).await, (100, 12, 88));
    }
    app.assert_reservations_match_shipments().await;
}
