//! Customer support through the operator API (SPEC §11): the business queue, reject /
//! suspend / reactivate with a note, the customer type; a suspension refused at once on the
//! merchant API (this process and another one on the same database), in the portal and in a
//! dialect.

use crate::helpers::{send, spawn_app, TestApp, TestMerchant};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn business(app: &TestApp, name: &str, email: &str) -> i64 {
    let created = send(
        app.ops(Method::POST, "/businesses")
            .json(&json!({"name": name, "email": email})),
    )
    .await;
    created.expect_ok(201)["business_id"].as_i64().unwrap()
}

async fn act(app: &TestApp, id: i64, action: &str, body: Option<Value>) -> crate::helpers::Reply {
    let req = app.ops(Method::POST, &format!("/businesses/{id}/{action}"));
    send(match body {
        Some(b) => req.json(&b),
        None => req,
    })
    .await
}

async fn list(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = send(app.ops(Method::GET, &format!("/businesses{query}"))).await;
    reply.expect_ok(200).as_array().unwrap().clone()
}

#[tokio::test]
async fn the_queue_lists_pending_first_and_filters_by_status() {
    let app = spawn_app().await;
    let a = business(&app, "Alpha", "a@example.com").await;
    let b = business(&app, "Bravo", "b@example.com").await;
    let c = business(&app, "Charlie", "c@example.com").await;
    act(&app, a, "approve", None).await.expect_ok(200);
    act(&app, c, "reject", Some(json!({"note": "không rõ địa chỉ"})))
        .await
        .expect_ok(200);

    let all = list(&app, "").await;
    let order: Vec<i64> = all
        .iter()
        .map(|r| r["business_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        order,
        vec![b, a, c],
        "PENDING, then APPROVED, then REJECTED"
    );
    assert_eq!(
        all[0],
        json!({"business_id": b, "name": "Bravo", "email": "b@example.com",
               "status": "PENDING", "customer_type": "API_USER", "status_note": null,
               "created_time": crate::helpers::START_TIME})
    );
    assert_eq!(all[2]["status_note"], "không rõ địa chỉ");

    let pending = send(app.ops(Method::GET, "/businesses?status=pending")).await;
    assert_eq!(pending.body["total"], 1);
    assert_eq!(pending.expect_ok(200)[0]["business_id"], b);
    let bad = send(app.ops(Method::GET, "/businesses?status=ASLEEP")).await;
    assert!(bad.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["status"].is_array());
    let paged = send(app.ops(Method::GET, "/businesses?page_size=2&page=2")).await;
    assert_eq!(paged.body["total"], 3);
    assert_eq!(paged.expect_ok(200).as_array().unwrap().len(), 1);

    // Operator auth, like every /ops call.
    let anonymous = send(app.request(Method::GET, "/ops/v1/businesses")).await;
    anonymous.expect_error(401, "UNAUTHORIZED");
    let wrong = send(
        app.request(Method::GET, "/ops/v1/businesses")
            .bearer_auth("dop_not-a-token"),
    )
    .await;
    wrong.expect_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn status_changes_follow_the_rules_and_keep_their_notes() {
    let app = spawn_app().await;
    let id = business(&app, "Delta", "d@example.com").await;

    // A note is required to reject or suspend, and bounded.
    let no_note = act(&app, id, "reject", None).await;
    assert!(no_note.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["note"].is_array());
    let blank = act(&app, id, "reject", Some(json!({"note": "   "}))).await;
    blank.expect_error(422, "INVALID_PAYLOAD");
    let long = act(&app, id, "reject", Some(json!({"note": "x".repeat(1001)}))).await;
    long.expect_error(422, "INVALID_PAYLOAD");
    let wrong_type = act(&app, id, "reject", Some(json!({"note": 5}))).await;
    wrong_type.expect_error(422, "INVALID_PAYLOAD");

    // Not allowed from PENDING: suspend, reactivate; the current status comes back.
    let refused = act(&app, id, "suspend", Some(json!({"note": "n"}))).await;
    let body = refused.expect_error(400, "INVALID_STATUS_TRANSITION");
    assert_eq!(body["error_detail"]["status_info"]["status"], "PENDING");
    assert_eq!(body["error_detail"]["requested"], "SUSPEND");
    act(&app, id, "reactivate", None)
        .await
        .expect_error(400, "INVALID_STATUS_TRANSITION");

    // Unknown business.
    act(&app, 999_999, "reject", Some(json!({"note": "n"})))
        .await
        .expect_error(404, "BUSINESS_NOT_FOUND");
    act(&app, 0, "approve", None)
        .await
        .expect_error(404, "BUSINESS_NOT_FOUND");
    send(
        app.ops(Method::POST, "/businesses/abc/suspend")
            .json(&json!({"note": "n"})),
    )
    .await
    .expect_error(404, "BUSINESS_NOT_FOUND");

    // Nothing changed through all of that.
    let detail = send(app.ops(Method::GET, &format!("/businesses/{id}"))).await;
    assert_eq!(detail.expect_ok(200)["status"], "PENDING");

    // approve → suspend (note kept) → suspend again (no-op) → reactivate (note cleared).
    act(&app, id, "approve", None).await.expect_ok(200);
    let suspended = act(&app, id, "suspend", Some(json!({"note": "chargeback"}))).await;
    let s = suspended.expect_ok(200);
    assert_eq!(s["status"], "SUSPENDED");
    assert_eq!(s["status_note"], "chargeback");
    let again = act(&app, id, "suspend", Some(json!({"note": "other"}))).await;
    assert_eq!(again.expect_ok(200)["status_note"], "chargeback");
    // An approved-again business is not rejected: a suspended one cannot be.
    act(&app, id, "reject", Some(json!({"note": "n"})))
        .await
        .expect_error(400, "INVALID_STATUS_TRANSITION");
    act(&app, id, "approve", None)
        .await
        .expect_error(400, "INVALID_STATUS_TRANSITION");
    let back = act(&app, id, "reactivate", Some(json!({"note": "paid"}))).await;
    let b = back.expect_ok(200);
    assert_eq!(b["status"], "APPROVED");
    assert_eq!(b["status_note"], Value::Null);

    // Every change is in the history, with the actor.
    let history = app.db.business_status_history(id).await.unwrap();
    let moves: Vec<(&str, &str, Option<&str>, &str)> = history
        .iter()
        .map(|h| {
            (
                h.from_status.as_str(),
                h.status.as_str(),
                h.note.as_deref(),
                h.actor.as_str(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            ("SUSPENDED", "APPROVED", Some("paid"), "operator"),
            ("APPROVED", "SUSPENDED", Some("chargeback"), "operator"),
            ("PENDING", "APPROVED", None, "operator"),
        ]
    );
}

#[tokio::test]
async fn the_customer_type_switches_and_is_validated() {
    let app = spawn_app().await;
    let id = business(&app, "Echo", "e@example.com").await;
    let put = |body: Value, id: i64| {
        send(
            app.ops(Method::PUT, &format!("/businesses/{id}"))
                .json(&body),
        )
    };
    let changed = put(json!({"customer_type": "OMS_USER"}), id).await;
    assert_eq!(changed.expect_ok(200)["customer_type"], "OMS_USER");
    let read = send(app.ops(Method::GET, &format!("/businesses/{id}"))).await;
    assert_eq!(read.expect_ok(200)["customer_type"], "OMS_USER");
    let bad = put(json!({"customer_type": "RESELLER"}), id).await;
    assert!(bad.expect_error(422, "INVALID_PAYLOAD")["error_detail"]["customer_type"].is_array());
    put(json!({}), id)
        .await
        .expect_error(422, "INVALID_PAYLOAD");
    put(json!({"customer_type": "API_USER"}), 999_999)
        .await
        .expect_error(404, "BUSINESS_NOT_FOUND");
    let anonymous = send(
        app.request(Method::PUT, &format!("/ops/v1/businesses/{id}"))
            .json(&json!({"customer_type": "API_USER"})),
    )
    .await;
    anonymous.expect_error(401, "UNAUTHORIZED");
    let read = send(app.ops(Method::GET, &format!("/businesses/{id}"))).await;
    assert_eq!(read.expect_ok(200)["customer_type"], "OMS_USER");
}

/// Starts a second server (its own key cache) on the app's database, as a second process
/// behind a load balancer would be.
async fn second_server(app: &TestApp) -> String {
    let db = depot_store::Db::connect(&app.db_url(), &Default::default())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = depot_api::Config {
        ops_token: Some(crate::helpers::OPS_TOKEN.into()),
        rate_limit_per_minute: 0,
        public_url: base.clone(),
        storage_dir: app.storage_dir.clone(),
        ..Default::default()
    };
    let state = depot_api::AppState::new(db, app.clock.clone(), config);
    tokio::spawn(depot_api::serve_with(
        listener,
        state,
        axum::Router::new(),
        std::future::pending(),
    ));
    base
}

async fn warehouses_status(client: &reqwest::Client, base: &str, m: &TestMerchant) -> u16 {
    client
        .get(format!("{base}/api/v1/warehouses"))
        .header("Authorization", &m.api_key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_suspension_is_refused_at_once_on_the_api_in_every_process_and_in_a_dialect() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let other = second_server(&app).await;
    let client = reqwest::Client::new();
    // Both processes have the key cached.
    assert_eq!(warehouses_status(&client, &app.base, &m).await, 200);
    assert_eq!(warehouses_status(&client, &other, &m).await, 200);

    act(
        &app,
        m.business_id,
        "suspend",
        Some(json!({"note": "fraud check"})),
    )
    .await
    .expect_ok(200);
    // This process: the very next call.
    let refused = send(app.api(&m, Method::GET, "/warehouses")).await;
    refused.expect_error(403, "FORBIDDEN");
    // The other process: as soon as the announcement arrives (SPEC §12: within a second).
    let started = Instant::now();
    while warehouses_status(&client, &other, &m).await != 403 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the other process still accepts the key"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A dialect (Trendyol: key id and secret as Basic auth) refuses it too.
    let trendyol = send(
        app.request(
            Method::GET,
            &format!(
                "/trendyol/integration/order/sellers/{}/orders",
                m.business_id
            ),
        )
        .basic_auth(&m.key_id, Some(&m.secret))
        .header("User-Agent", format!("{} - SelfIntegration", m.business_id)),
    )
    .await;
    assert_eq!(trendyol.status, 403, "{:#}", trendyol.body);

    // Reactivated: the same key works again everywhere.
    act(&app, m.business_id, "reactivate", None)
        .await
        .expect_ok(200);
    send(app.api(&m, Method::GET, "/warehouses"))
        .await
        .expect_ok(200);
    let started = Instant::now();
    while warehouses_status(&client, &other, &m).await != 200 {
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_suspended_business_is_signed_out_of_the_portal() {
    let app = spawn_app().await;
    let (mut shop, id) = app.portal_user("owner@hoasen.vn", "API_USER").await;
    shop.get("/portal/developer").await.expect(200);
    act(
        &app,
        id,
        "suspend",
        Some(json!({"note": "unpaid invoices"})),
    )
    .await
    .expect_ok(200);
    // The open session ends at the next click, and signing in again is refused.
    shop.get("/portal/developer")
        .await
        .expect_redirect("/portal/login?notice=ended");
    let again = shop.sign_in("owner@hoasen.vn", crate::web::PASSWORD).await;
    again.expect(403);
    act(&app, id, "reactivate", None).await.expect_ok(200);
    shop.sign_in("owner@hoasen.vn", crate::web::PASSWORD)
        .await
        .expect(303);
}

/// `depot business approve` follows the same rules and records the change.
#[tokio::test]
async fn the_cli_approves_by_the_same_rules() {
    let app = spawn_app().await;
    let id = business(&app, "Foxtrot", "f@example.com").await;
    let approve = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
            .args(["--database-url", &app.db_url(), "business", "approve"])
            .arg(id.to_string())
            .output()
            .unwrap()
    };
    let out = approve();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        send(app.ops(Method::GET, &format!("/businesses/{id}")))
            .await
            .expect_ok(200)["status"],
        "APPROVED"
    );
    act(&app, id, "suspend", Some(json!({"note": "audit"})))
        .await
        .expect_ok(200);
    // Approving does not lift a suspension: reactivating does.
    let refused = approve();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("SUSPENDED"));
    let history = app.db.business_status_history(id).await.unwrap();
    assert_eq!(history.last().unwrap().actor, "cli");
    assert_eq!(history.len(), 2);
}
