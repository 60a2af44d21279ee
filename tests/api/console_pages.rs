//! The console's customer-support and floor pages over HTTP (SPEC §11): roles (403),
//! warehouse scope (404), the cross-site checks, and each action going through the
//! operator API's command with the operator's email as actor.

use crate::helpers::{send, spawn_app, TestApp, TestMerchant, START_TIME};
use crate::web::Browser;
use depot_store::users::{NewOperator, OperatorRole};
use reqwest::Method;
use serde_json::{json, Value};

const WH: &str = "WH-HN01";
const OTHER_WH: &str = "WH-SG01";

/// An operator whose password is already changed, signed in on a new browser.
async fn signed_in(app: &TestApp, email: &str, role: OperatorRole, warehouses: &[&str]) -> Browser {
    let password = depot_web::password::generate();
    let hash = depot_web::password::hash(&password).await;
    let codes: Vec<String> = warehouses.iter().map(|w| w.to_string()).collect();
    let op = match app
        .db
        .create_operator(email, role, &codes, &hash, app.clock_now())
        .await
        .unwrap()
    {
        NewOperator::Created(op) => op,
        other => panic!("{other:?}"),
    };
    app.db
        .set_operator_password(op.id, &hash, false, app.clock_now())
        .await
        .unwrap();
    let mut b = Browser::new(app);
    b.console_sign_in(email, &password).await.expect(303);
    b
}

async fn pending_business(app: &TestApp, name: &str, email: &str) -> i64 {
    let created = send(
        app.ops(Method::POST, "/businesses")
            .json(&json!({"name": name, "email": email})),
    )
    .await;
    created.expect_ok(201)["business_id"].as_i64().unwrap()
}

async fn status_of(app: &TestApp, id: i64) -> Value {
    let reply = send(app.ops(Method::GET, &format!("/businesses/{id}"))).await;
    reply.expect_ok(200).clone()
}

#[tokio::test]
async fn roles_and_warehouse_scope_guard_every_page() {
    let app = spawn_app().await;
    app.warehouse(WH).await;
    app.warehouse(OTHER_WH).await;
    let mut admin = signed_in(&app, "admin@depot.vn", OperatorRole::Admin, &[]).await;
    let mut sup = signed_in(&app, "sup@depot.vn", OperatorRole::Supervisor, &[WH]).await;
    let mut floor = signed_in(&app, "floor@depot.vn", OperatorRole::Floor, &[WH]).await;

    for page in ["/console/businesses", "/console/operators"] {
        admin.get(page).await.expect(200);
        sup.get(page).await.expect(403);
        floor.get(page).await.expect(403);
    }
    floor.get("/console/businesses/1").await.expect(403);
    admin.get("/console/businesses/999999").await.expect(404);
    admin.get("/console/businesses/abc").await.expect(404);
    // The navigation shows support pages to admins only.
    admin
        .get("/console/")
        .await
        .contains("href=\"/console/businesses\"");
    floor
        .get("/console/")
        .await
        .lacks("href=\"/console/businesses\"")
        .contains("href=\"/console/warehouses/WH-HN01/\"");

    let floor_pages = ["", "receiving", "returns", "stock", "carrier-updates"];
    for p in floor_pages {
        let own = format!("/console/warehouses/{WH}/{p}");
        let other = format!("/console/warehouses/{OTHER_WH}/{p}");
        floor.get(&own).await.expect(200);
        sup.get(&own).await.expect(200);
        admin.get(&other).await.expect(200);
        // Outside the operator's warehouses a page is not there at all.
        floor.get(&other).await.expect(404);
        sup.get(&other).await.expect(404);
        admin
            .get(&format!("/console/warehouses/WH-NOPE/{p}"))
            .await
            .expect(404);
    }
    admin
        .get(&format!("/console/warehouses/{WH}"))
        .await
        .expect(200);
    // Actions are scoped too, before anything is read.
    floor.get(&format!("/console/warehouses/{WH}/")).await;
    floor
        .post(
            &format!("/console/warehouses/{OTHER_WH}/receiving/OAPO000000001"),
            &[],
        )
        .await
        .expect(404);
    floor
        .post("/console/businesses/1/approve", &[])
        .await
        .expect(403);
    // Signed out: to the sign-in page.
    let mut anonymous = Browser::new(&app);
    anonymous
        .get(&format!("/console/warehouses/{WH}/stock"))
        .await
        .expect_redirect("/console/login?next=%2Fconsole%2Fwarehouses%2FWH-HN01%2Fstock");
    // The operators page lists roles and warehouses.
    admin
        .get("/console/operators?lang=en")
        .await
        .contains("data-operator=\"floor@depot.vn\" data-role=\"FLOOR\"")
        .contains("data-warehouse=\"WH-HN01\"")
        .contains("Every warehouse");
}

#[tokio::test]
async fn the_support_queue_approves_rejects_suspends_and_reactivates() {
    let app = spawn_app().await;
    let mut admin = signed_in(&app, "cs@depot.vn", OperatorRole::Admin, &[]).await;
    let approved = pending_business(&app, "Hoa Sen", "hs@example.com").await;
    app.approve(approved).await;
    let pending = pending_business(&app, "Bông Lúa", "bl@example.com").await;

    let queue = admin.get("/console/businesses?lang=en").await;
    queue.expect(200);
    let body = &queue.body;
    let first = body.find("data-business-id=\"").unwrap();
    assert!(
        body[first..].starts_with(&format!("data-business-id=\"{pending}\"")),
        "the pending business comes first"
    );
    queue
        .contains(&format!(
            "<tr data-business-id=\"{pending}\" data-status=\"PENDING\">"
        ))
        .contains(">Approve</button>")
        .contains(">Reject</button>")
        .contains(">Suspend</button>");
    admin
        .get("/console/businesses?lang=vi")
        .await
        .contains(">Duyệt</button>")
        .contains(">Từ chối</button>");

    // Reject needs a note: the page says so, nothing changes.
    admin.get("/console/businesses?lang=en").await;
    let refused = admin
        .post(&format!("/console/businesses/{pending}/reject"), &[])
        .await;
    refused
        .expect(422)
        .contains("id=\"refusal\"")
        .contains("note");
    assert_eq!(status_of(&app, pending).await["status"], "PENDING");
    let done = admin
        .post(
            &format!("/console/businesses/{pending}/reject"),
            &[("note", "Giấy phép kinh doanh hết hạn")],
        )
        .await;
    done.expect_redirect("/console/businesses");
    let after = status_of(&app, pending).await;
    assert_eq!(after["status"], "REJECTED");
    assert_eq!(after["status_note"], "Giấy phép kinh doanh hết hạn");
    admin
        .get("/console/businesses")
        .await
        .contains("Giấy phép kinh doanh hết hạn");
    // A refused transition shows on the page with its status.
    admin
        .post(
            &format!("/console/businesses/{pending}/suspend"),
            &[("note", "x")],
        )
        .await
        .expect(400);

    // Suspend from the detail page, then reactivate; the history names the operator.
    admin.get(&format!("/console/businesses/{approved}")).await;
    admin
        .post(
            &format!("/console/businesses/{approved}/suspend"),
            &[("note", "Nợ phí quá hạn"), ("from", "detail")],
        )
        .await
        .expect_redirect(&format!("/console/businesses/{approved}"));
    assert_eq!(status_of(&app, approved).await["status"], "SUSPENDED");
    let detail = admin
        .get(&format!("/console/businesses/{approved}?lang=vi"))
        .await;
    detail
        .expect(200)
        .contains("Nợ phí quá hạn")
        .contains("console:cs@depot.vn")
        .contains(">Kích hoạt lại</button>");
    admin
        .post(
            &format!("/console/businesses/{approved}/reactivate"),
            &[("from", "detail")],
        )
        .await
        .expect(303);
    assert_eq!(status_of(&app, approved).await["status"], "APPROVED");
    admin
        .post(&format!("/console/businesses/{approved}/explode"), &[])
        .await
        .expect(404);
}

#[tokio::test]
async fn the_detail_page_switches_the_type_and_issues_a_key_shown_once() {
    let app = spawn_app().await;
    app.warehouse(WH).await;
    let mut admin = signed_in(&app, "cs@depot.vn", OperatorRole::Admin, &[]).await;
    let id = pending_business(&app, "Cỏ May", "cm@example.com").await;
    app.approve(id).await;
    admin
        .get(&format!("/console/businesses/{id}"))
        .await
        .expect(200);
    admin
        .post(
            &format!("/console/businesses/{id}/customer-type"),
            &[("customer_type", "OMS_USER")],
        )
        .await
        .expect_redirect(&format!("/console/businesses/{id}"));
    assert_eq!(status_of(&app, id).await["customer_type"], "OMS_USER");
    admin
        .post(
            &format!("/console/businesses/{id}/customer-type"),
            &[("customer_type", "NOPE")],
        )
        .await
        .expect(422);
    assert_eq!(status_of(&app, id).await["customer_type"], "OMS_USER");

    let issued = admin
        .post(&format!("/console/businesses/{id}/api-keys"), &[])
        .await;
    issued.expect(200);
    let token = issued.secret().expect("the token, once");
    // The token works on the merchant API.
    let reply = send(
        app.request(Method::GET, "/api/v1/warehouses")
            .header("Authorization", &token),
    )
    .await;
    reply.expect_ok(200);
    // Shown once: the page after lists the key, not its secret.
    let again = admin.get(&format!("/console/businesses/{id}")).await;
    assert!(again.secret().is_none());
    again.lacks(&token);
}

#[tokio::test]
async fn forms_refuse_cross_site_requests_and_missing_tokens() {
    let app = spawn_app().await;
    app.warehouse(WH).await;
    let mut admin = signed_in(&app, "cs@depot.vn", OperatorRole::Admin, &[]).await;
    let id = pending_business(&app, "Sen Đá", "sd@example.com").await;
    admin.get("/console/businesses").await.expect(200);
    let path = format!("/console/businesses/{id}/approve");
    // No token.
    admin.post_raw(&path, &[], &[]).await.expect(403);
    // A wrong token.
    admin
        .post_raw(&path, &[("csrf", "forged")], &[])
        .await
        .expect(403);
    // The right token, from another site.
    let token = admin.csrf.clone().unwrap();
    admin
        .post_raw(
            &path,
            &[("csrf", &token)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await
        .expect(403);
    admin
        .post_raw(
            &path,
            &[("csrf", &token)],
            &[("origin", "https://evil.example")],
        )
        .await
        .expect(403);
    // An upload without its token.
    let mut res = admin
        .post_file(
            &format!("/console/warehouses/{WH}/carrier-updates"),
            "file",
            "u.csv",
            b"OASC00000001,DELIVERED".to_vec(),
        )
        .await;
    assert_eq!(res.status, 200, "the right token passes");
    admin.csrf = Some("forged".into());
    res = admin
        .post_file(
            &format!("/console/warehouses/{WH}/carrier-updates"),
            "file",
            "u.csv",
            b"OASC00000001,DELIVERED".to_vec(),
        )
        .await;
    res.expect(403);
    assert_eq!(status_of(&app, id).await["status"], "PENDING");
}

/// A merchant with one product in `WH` and a TRANSIT purchase order of 10 + 4 units.
async fn inbound(app: &TestApp) -> (TestMerchant, String, String) {
    let m = app.merchant().await;
    app.warehouse(WH).await;
    app.warehouse(OTHER_WH).await;
    let a = app.product(&m, "SKU-A", WH).await;
    let po = send(
        app.api(&m, Method::POST, "/purchase-orders/create")
            .json(&json!({
                "warehouse_code": WH, "merchant_po_reference": "PO-PAGE",
                "packages": [
                    {"package_code": "PK-1", "items": [{"oasin": a, "product_quantity": 10}]},
                    {"package_code": "PK-2", "items": [{"oasin": a, "product_quantity": 4}]}
                ],
                "estimated_arrival_time": START_TIME + 86400
            })),
    )
    .await;
    let code = po.expect_ok(201)["po_code"].as_str().unwrap().to_string();
    (m, a, code)
}

#[tokio::test]
async fn receiving_a_purchase_order_on_the_floor() {
    let app = spawn_app().await;
    let (m, a, po) = inbound(&app).await;
    let mut floor = signed_in(&app, "floor@depot.vn", OperatorRole::Floor, &[WH]).await;
    let mut away = signed_in(&app, "sg@depot.vn", OperatorRole::Floor, &[OTHER_WH]).await;
    let base = format!("/console/warehouses/{WH}/receiving");

    let scan = floor.get(&base).await;
    scan.expect(200).contains("autofocus");
    let page = floor.get(&format!("{base}?po_code={po}&lang=en")).await;
    page.expect(200)
        .contains(&format!("data-po=\"{po}\""))
        .contains("PK-1")
        .contains("PK-2")
        .contains("Complete receiving");
    floor
        .get(&format!("{base}?po_code=OAPO999999999"))
        .await
        .expect(404);
    // Another warehouse's floor does not find it.
    away.get(&format!(
        "/console/warehouses/{OTHER_WH}/receiving?po_code={po}"
    ))
    .await
    .expect(404);
    away.post(
        &format!("/console/warehouses/{OTHER_WH}/receiving/{po}"),
        &[
            ("l0.package_code", "PK-1"),
            ("l0.oasin", &a),
            ("l0.inbound", "10"),
            ("l0.putaway", "10"),
        ],
    )
    .await
    .expect(404);

    let line = |i: &'static str, pk: &'static str, inbound: &'static str, putaway: &'static str| {
        vec![
            (format!("l{i}.package_code"), pk.to_string()),
            (format!("l{i}.oasin"), a.clone()),
            (format!("l{i}.inbound"), inbound.to_string()),
            (format!("l{i}.putaway"), putaway.to_string()),
            (format!("l{i}.level"), "A".to_string()),
            (format!("l{i}.batch"), String::new()),
            (format!("l{i}.mfg"), String::new()),
            (format!("l{i}.exp"), "2027-12-31".to_string()),
        ]
    };
    let form = |a: Vec<(String, String)>, b: Vec<(String, String)>| -> Vec<(String, String)> {
        a.into_iter().chain(b).collect()
    };
    let as_refs = |v: &Vec<(String, String)>| -> Vec<(String, String)> { v.clone() };
    // More put away than arrived: refused on the page, nothing received.
    let bad = form(line("0", "PK-1", "10", "11"), line("1", "PK-2", "4", "4"));
    let fields = as_refs(&bad);
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = floor.post(&format!("{base}/{po}"), &refs).await;
    refused.expect(422).contains("id=\"refusal\"");
    let not_a_number = form(line("0", "PK-1", "ten", "10"), line("1", "PK-2", "4", "4"));
    let refs: Vec<(&str, &str)> = not_a_number
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    floor.post(&format!("{base}/{po}"), &refs).await.expect(422);
    assert_eq!(app.stock_of(&m, WH, &a).await.0, 0);

    let good = form(line("0", "PK-1", "10", "9"), line("1", "PK-2", "4", "4"));
    let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    floor
        .post(&format!("{base}/{po}"), &refs)
        .await
        .expect_redirect(&format!("{base}?po_code={po}"));
    assert_eq!(app.stock_of(&m, WH, &a).await.0, 13);
    let detail = send(app.api(&m, Method::GET, &format!("/purchase-orders/{po}/detail"))).await;
    assert_eq!(detail.expect_ok(200)["status_info"]["value"], 300);
    // Done: the page shows it completed, with no button to receive again.
    floor
        .get(&format!("{base}?po_code={po}&lang=en"))
        .await
        .contains("data-status=\"COMPLETED\"")
        .lacks("Complete receiving");
}

#[tokio::test]
async fn grading_a_return_and_adjusting_stock() {
    let app = spawn_app().await;
    let (m, a, _) = inbound(&app).await;
    app.adjust(&m, WH, &a, 10).await.expect_ok(200);
    let shipped = app.shipment(&m, "S-1", WH, &[(&a, 3)]).await;
    app.walk(&shipped, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    let created = send(
        app.api(&m, Method::POST, "/return-shipments/b2c/create")
            .json(&json!({
                "warehouse_code": WH, "shipment_tracking_code": shipped,
                "merchant_return_tracking_code_reference": "R-1",
                "items": [{"oasin": a, "product_quantity": 3}]
            })),
    )
    .await;
    let ret = created.expect_ok(200)["return_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    let mut floor = signed_in(&app, "floor@depot.vn", OperatorRole::Floor, &[WH]).await;
    let base = format!("/console/warehouses/{WH}/returns");
    floor
        .get(&format!("{base}?return_code={ret}"))
        .await
        .expect(200)
        .contains(&format!("data-return=\"{ret}\""));
    let before = app.stock_of(&m, WH, &a).await.0;
    // Two sellable, one damaged: PROBLEM, two back on the shelf.
    floor
        .post(
            &format!("{base}/{ret}"),
            &[
                ("l0.oasin", &a),
                ("l0.A", "2"),
                ("l0.D1", "1"),
                ("l0.D2", "0"),
                ("note", "hộp móp"),
            ],
        )
        .await
        .expect_redirect(&format!("{base}?return_code={ret}"));
    assert_eq!(app.stock_of(&m, WH, &a).await.0, before + 2);
    let detail = send(app.api(
        &m,
        Method::GET,
        &format!("/return-shipments/b2c/{ret}/detail"),
    ))
    .await;
    assert_eq!(detail.expect_ok(200)["status_info"]["value"], 350);
    floor
        .get(&format!("{base}?return_code={ret}"))
        .await
        .contains("data-status=\"PROBLEM\"");
    // The inspection video goes through the media command: an MP4 is kept, a text file is not.
    let mut mp4 = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    mp4.extend((0..4000u32).map(|i| (i % 251) as u8));
    floor
        .post_typed_file(
            &format!("{base}/{ret}/media"),
            "file",
            "inspection.mp4",
            "video/mp4",
            mp4,
        )
        .await
        .expect_redirect(&format!("{base}?return_code={ret}"));
    let kept: i64 = depot_store::sql::query_scalar(
        "SELECT COUNT(*) FROM media WHERE kind = 'RETURN_INSPECTION'",
    )
    .fetch_one(app.db.reader())
    .await
    .unwrap();
    assert_eq!(kept, 1);
    floor.get(&format!("{base}?return_code={ret}")).await;
    floor
        .post_typed_file(
            &format!("{base}/{ret}/media"),
            "file",
            "notes.txt",
            "text/plain",
            b"not a video".to_vec(),
        )
        .await
        .expect(422);

    // Stock: floor reads, only a supervisor adjusts.
    let stock = format!("/console/warehouses/{WH}/stock");
    floor
        .get(&format!("{stock}?business_id={}&oasin={a}", m.business_id))
        .await
        .expect(200)
        .contains(&format!("data-oasin=\"{a}\" data-level=\"A\""))
        .contains("data-movement=\"RETURN_RESTOCK\"")
        .lacks("stock/adjustments");
    let bid = m.business_id.to_string();
    let adjust = [
        ("business_id", bid.as_str()),
        ("oasin", a.as_str()),
        ("stock_level", "A"),
        ("quantity_delta", "-1"),
        ("reason", "kiểm kê"),
    ];
    floor
        .post(&format!("{stock}/adjustments"), &adjust)
        .await
        .expect(403);
    let mut sup = signed_in(&app, "sup@depot.vn", OperatorRole::Supervisor, &[WH]).await;
    sup.get(&format!("{stock}?business_id={bid}"))
        .await
        .contains("stock/adjustments");
    let on_hand = app.stock_of(&m, WH, &a).await.0;
    sup.post(&format!("{stock}/adjustments"), &adjust)
        .await
        .expect(303);
    assert_eq!(app.stock_of(&m, WH, &a).await.0, on_hand - 1);
    // No reason: refused, nothing moves.
    let no_reason = [
        ("business_id", bid.as_str()),
        ("oasin", a.as_str()),
        ("stock_level", "A"),
        ("quantity_delta", "-1"),
        ("reason", ""),
    ];
    sup.post(&format!("{stock}/adjustments"), &no_reason)
        .await
        .expect(422);
    assert_eq!(app.stock_of(&m, WH, &a).await.0, on_hand - 1);
    sup.get(&format!("{stock}?business_id={bid}&oasin={a}"))
        .await
        .contains("kiểm kê");
}

#[tokio::test]
async fn carrier_updates_move_parcels_row_by_row_and_answer_intercepts() {
    let app = spawn_app().await;
    let (m, a, _) = inbound(&app).await;
    app.adjust(&m, WH, &a, 10).await.expect_ok(200);
    let one = app.shipment(&m, "C-1", WH, &[(&a, 1)]).await;
    let two = app.shipment(&m, "C-2", WH, &[(&a, 1)]).await;
    let packed = app.shipment(&m, "C-3", WH, &[(&a, 1)]).await;
    for code in [&one, &two] {
        app.walk(code, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
            .await;
    }
    app.walk(&packed, &["ALLOCATED", "PICKED", "PACKED"]).await;
    let mut floor = signed_in(&app, "floor@depot.vn", OperatorRole::Floor, &[WH]).await;
    let page = format!("/console/warehouses/{WH}/carrier-updates");
    floor.get(&page).await.expect(200);
    let csv = format!(
        "tracking_code,status,time,courier_tracking_code,note\n\
         {one},IN_TRANSIT,{t},GHN-1,lấy hàng\n\
         {two},DELIVERED,,,\n\
         {packed},IN_TRANSIT,,,\n\
         OASC99999999,DELIVERED,,,\n\
         {one},PICKED,,,\n",
        t = START_TIME - 60
    );
    let result = floor
        .post_file(&page, "file", "gh.csv", csv.into_bytes())
        .await;
    result
        .expect(200)
        .contains("data-row=\"2\" data-result=\"OK\"")
        .contains("data-row=\"3\" data-result=\"ERROR\"")
        .contains("data-row=\"4\" data-result=\"ERROR\"")
        .contains("data-row=\"5\" data-result=\"ERROR\"")
        .contains("data-row=\"6\" data-result=\"ERROR\"")
        .contains("data-done=\"1\"");
    // HANDOVER → DELIVERED is not a move the flow allows; IN_TRANSIT is, with the courier code.
    let d = app.detail(&m, &one).await;
    assert_eq!(d["status_info"]["value"], 310);
    assert_eq!(d["courier_tracking_code"], "GHN-1");
    assert_eq!(app.detail(&m, &two).await["status_info"]["value"], 300);
    assert_eq!(app.detail(&m, &packed).await["status_info"]["value"], 220);
    // The history names the operator.
    let actors: Vec<String> = app
        .db
        .shipment(m.business_id, &one)
        .await
        .unwrap()
        .unwrap()
        .history
        .iter()
        .map(|h| h.actor.clone())
        .collect();
    assert!(
        actors.contains(&"console:floor@depot.vn".to_string()),
        "{actors:?}"
    );
    // An empty file.
    floor
        .post_file(&page, "file", "empty.csv", Vec::new())
        .await
        .expect(422);

    // An intercept request waits on the page until the carrier's answer is entered.
    send(
        app.api(&m, Method::POST, &format!("/shipments/b2c/{two}/intercept"))
            .json(&json!({"reason_code": "CUSTOMER_REQUEST", "reason_note": "đổi ý"})),
    )
    .await
    .expect_ok(200);
    floor
        .get(&page)
        .await
        .contains(&format!("data-tracking-code=\"{two}\""));
    floor
        .post(&format!("{page}/intercepts/{two}"), &[("outcome", "MAYBE")])
        .await
        .expect(422);
    floor
        .post(
            &format!("{page}/intercepts/{two}"),
            &[("outcome", "CONFIRMED"), ("note", "đã chặn")],
        )
        .await
        .expect_redirect(&page);
    let d = app.detail(&m, &two).await;
    assert_eq!(d["status_info"]["value"], 360);
    assert_eq!(d["intercept"]["status"], "CONFIRMED");
    floor
        .get(&page)
        .await
        .lacks(&format!("data-tracking-code=\"{two}\""));
    // Another warehouse's floor cannot answer for this one.
    let mut away = signed_in(&app, "sg@depot.vn", OperatorRole::Floor, &[OTHER_WH]).await;
    away.get(&format!("/console/warehouses/{OTHER_WH}/carrier-updates"))
        .await;
    away.post(
        &format!("/console/warehouses/{OTHER_WH}/carrier-updates/intercepts/{one}"),
        &[("outcome", "FAILED")],
    )
    .await
    .expect(404);
}

/// The pack station over HTTP: a bad weight changes nothing; the weighed box → PACKED with
/// its grams, printed on the label and the manifest (the merchant's detail keeps its shape);
/// then the packing video goes through the media command and shows in the shipment's media.
#[tokio::test]
async fn the_pack_station_records_the_weight_and_attaches_the_packing_video() {
    let app = spawn_app().await;
    app.warehouse(WH).await;
    app.warehouse(OTHER_WH).await;
    let m = app.merchant().await;
    let created = send(app.api(&m, Method::POST, "/products/create").json(&json!({
        "sku": "BOX-A", "name": "Hộp A", "product_barcodes": ["8930000000017"],
        "weight": 0.5, "length": 10, "width": 10, "height": 5
    })))
    .await;
    let a = created.expect_ok(201)["oasin"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        app.api(&m, Method::PUT, &format!("/products/{a}/assign"))
            .json(&json!({ "warehouse_code": WH })),
    )
    .await
    .expect_ok(200);
    app.adjust(&m, WH, &a, 10).await.expect_ok(200);
    let code = app.shipment(&m, "PACK-1", WH, &[(&a, 2)]).await;
    send(
        app.ops(Method::POST, "/waves")
            .json(&json!({ "warehouse_code": WH, "tracking_codes": [&code] })),
    )
    .await
    .expect_ok(201);
    app.walk(&code, &["PICKED"]).await;
    let mut floor = signed_in(&app, "floor@depot.vn", OperatorRole::Floor, &[WH]).await;
    let pack = format!("/console/warehouses/{WH}/pack");
    let db = &app.db;
    let weight = move || async move {
        depot_store::sql::query_scalar::<Option<i64>>(
            "SELECT packed_weight_grams FROM shipments WHERE merchant_tracking_code_reference = 'PACK-1'",
        )
        .fetch_one(db.reader())
        .await
        .unwrap()
    };

    // Weights out of range (0, under a gram once rounded, over 1000 kg, not a number).
    for bad in ["0", "0,0001", "1000.5", "nặng"] {
        floor
            .post(
                &format!("{pack}/done"),
                &[
                    ("tracking_code", code.as_str()),
                    ("scanned", "8930000000017"),
                    ("scanned", "8930000000017"),
                    ("weight", bad),
                ],
            )
            .await
            .expect(200)
            .contains("id=\"floor-error\"");
    }
    assert_eq!(weight().await, None);
    floor
        .post(
            &format!("{pack}/done"),
            &[
                ("tracking_code", code.as_str()),
                ("scanned", "8930000000017"),
                ("scanned", "8930000000017"),
                ("weight", "1,25"),
            ],
        )
        .await
        .expect_redirect(&format!("{pack}?packed={code}"));
    assert_eq!(weight().await, Some(1250));
    // A packed parcel opens on its packing-video form.
    floor
        .get(&format!("{pack}?tracking_code={code}"))
        .await
        .expect(200)
        .contains(&format!("{pack}/{code}/media?csrf="));
    let detail = send(app.api(&m, Method::GET, &format!("/shipments/{code}/detail"))).await;
    let detail = detail.expect_ok(200).clone();
    assert_eq!(
        detail["status_info"]["value"].as_i64(),
        Some(220),
        "{detail}"
    );
    assert!(detail.get("packed_weight_grams").is_none(), "{detail}");

    // The label and the manifest print the weight.
    let label = crate::floor_waves::pdf(&app, &format!("/shipments/{code}/label")).await;
    let text = depot_documents::inspect::page_texts(&label).concat();
    assert!(text.contains("1,25 kg"), "{text}");
    let manifest = send(
        app.ops(Method::POST, "/manifests")
            .json(&json!({ "warehouse_code": WH, "courier_name": "GHN" })),
    )
    .await;
    let id = manifest.expect_ok(201)["manifest_id"].as_i64().unwrap();
    send(
        app.ops(Method::POST, &format!("/manifests/{id}/parcels"))
            .json(&json!({ "tracking_codes": [&code] })),
    )
    .await
    .expect_ok(200);
    let doc = crate::floor_waves::pdf(&app, &format!("/manifests/{id}/document")).await;
    let text = depot_documents::inspect::page_texts(&doc).concat();
    assert!(text.contains("1,25 kg"), "{text}");

    // The video goes through the media command and is the shipment's media.
    let mut mp4 = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    mp4.extend((0..4000u32).map(|i| (i % 251) as u8));
    let size = mp4.len() as i64;
    floor
        .post_typed_file(
            &format!("{pack}/{code}/media"),
            "file",
            "packing.mp4",
            "video/mp4",
            mp4.clone(),
        )
        .await
        .expect_redirect(&format!("{pack}?packed={code}"));
    floor
        .get(&format!("{pack}?packed={code}"))
        .await
        .expect(200);
    floor
        .post_typed_file(
            &format!("{pack}/{code}/media"),
            "file",
            "notes.txt",
            "text/plain",
            b"not a video".to_vec(),
        )
        .await
        .expect(422);
    // Another warehouse's operator cannot attach to it.
    let mut other = signed_in(&app, "other@depot.vn", OperatorRole::Floor, &[OTHER_WH]).await;
    other
        .post_typed_file(
            &format!("/console/warehouses/{OTHER_WH}/pack/{code}/media"),
            "file",
            "packing.mp4",
            "video/mp4",
            mp4,
        )
        .await
        .expect(404);
    let list = send(app.api(&m, Method::GET, &format!("/shipments/{code}/media"))).await;
    let media = list.expect_ok(200).clone();
    assert_eq!(media.as_array().map(Vec::len), Some(1), "{media}");
    assert_eq!(media[0]["kind"], "PACKING");
    assert_eq!(media[0]["content_type"], "video/mp4");
    assert_eq!(media[0]["size"].as_i64(), Some(size));
}
