//! The portal's shipment pages (SPEC §10) over HTTP: the list with its tabs, filters, search
//! and keyset paging; another business's shipment is 404; an API_USER business has none of
//! it; cross-site posts are refused; cancel in full and by lines; bulk cancel with a result
//! per row; intercept; create by form; the CSV import's dry run (creates nothing) and confirm
//! (each row its own shipment); the dashboard.

use crate::helpers::*;
use crate::web::Browser;
use base64::Engine;
use reqwest::Method;
use serde_json::Value;

const WH: &str = "WH-HN01";

/// An approved OMS_USER business signed in on a browser, with an API key for setting up
/// products and reading back through the API.
async fn oms(app: &TestApp, email: &str) -> (Browser, TestMerchant) {
    let (b, id) = app.portal_user(email, "OMS_USER").await;
    let key = send(app.ops(Method::POST, &format!("/businesses/{id}/api-keys"))).await;
    let key = key.expect_ok(201);
    let m = TestMerchant {
        business_id: id,
        key_id: key["key_id"].as_str().unwrap().to_string(),
        secret: key["secret"].as_str().unwrap().to_string(),
        api_key: key["api_key"].as_str().unwrap().to_string(),
    };
    (b, m)
}

/// One warehouse and two stocked products.
async fn stocked(app: &TestApp, m: &TestMerchant) -> (String, String) {
    app.warehouse(WH).await;
    let a = app.product(m, "SKU-A", WH).await;
    let c = app.product(m, "SKU-B", WH).await;
    app.adjust(m, WH, &a, 50).await.expect_ok(200);
    app.adjust(m, WH, &c, 50).await.expect_ok(200);
    (a, c)
}

/// The API list's `total` for a query.
async fn total(app: &TestApp, m: &TestMerchant, query: &str) -> i64 {
    let reply = send(app.api(m, Method::GET, &format!("/shipments/b2c?{query}"))).await;
    reply.expect_ok(200);
    let v: &Value = &reply.body;
    v["total"]
        .as_i64()
        .unwrap_or_else(|| panic!("a total in {v}"))
}

/// The value of the hidden input `name` in a page.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = body.find(&marker).expect("the hidden field") + marker.len();
    let rest = &body[at..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[tokio::test]
async fn list_tabs_filters_search_paging_and_tenancy() {
    let app = spawn_app().await;
    let (mut b, m) = oms(&app, "list@shop.vn").await;
    let (a, _) = stocked(&app, &m).await;
    b.get("/portal/shipments")
        .await
        .expect(200)
        .contains("Chưa có vận đơn nào");
    let one = app.shipment(&m, "ORD-1", WH, &[(&a, 1)]).await;
    let two = app.shipment(&m, "ORD-2", WH, &[(&a, 2)]).await;
    // More than the stock: waits for it.
    let waiting = app.shipment(&m, "ORD-3", WH, &[(&a, 500)]).await;
    // Another business's shipment never shows.
    let (mut other, n) = oms(&app, "other@shop.vn").await;
    let theirs = {
        let p = app.product(&n, "SKU-X", WH).await;
        app.shipment(&n, "ORD-1", WH, &[(&p, 1)]).await
    };

    let page = b.get("/portal/shipments").await;
    page.expect(200)
        .contains(&format!("data-code=\"{one}\""))
        .contains(&format!("data-code=\"{two}\""))
        .contains(&format!("data-code=\"{waiting}\""))
        .lacks(&theirs)
        .contains("<span data-total>3</span>")
        .contains("Thiếu hàng")
        .contains("Đã yêu cầu chặn giao");

    // The "Waiting for stock" tab is the API's status filter.
    b.get("/portal/shipments?status=OUT_OF_STOCK")
        .await
        .expect(200)
        .contains(&format!("data-code=\"{waiting}\""))
        .lacks(&format!("data-code=\"{one}\""))
        .contains("href=\"/portal/shipments?status=OUT_OF_STOCK\" aria-current=\"page\"");

    // The search box: tracking code, merchant reference or courier code, exactly.
    b.get(&format!("/portal/shipments?q={two}"))
        .await
        .expect(200)
        .contains(&format!("data-code=\"{two}\""))
        .lacks(&format!("data-code=\"{one}\""));
    b.get("/portal/shipments?q=ORD-1")
        .await
        .expect(200)
        .contains(&format!("data-code=\"{one}\""))
        .lacks(&format!("data-code=\"{two}\""))
        .lacks(&theirs);
    // Every API filter in the query string, e.g. the merchant reference and the platform.
    b.get("/portal/shipments?merchant_tracking_code_reference=ORD-2&platform=shopee")
        .await
        .expect(200)
        .contains("<span data-total>1</span>");
    // A bad filter is said on the page, not a 400.
    b.get("/portal/shipments?status=NOPE")
        .await
        .expect(200)
        .contains("Bộ lọc không hợp lệ");

    // Keyset paging keeps the filters.
    let first = b.get("/portal/shipments?platform=shopee&page_size=2").await;
    first.expect(200);
    let body = &first.body;
    let at = body.find("rel=\"next\"").expect("a next page");
    let href_at = body[..at].rfind("href=\"").unwrap() + 6;
    let next = body[href_at..]
        .split('"')
        .next()
        .unwrap() // HTML-escaped in the attribute.
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(next.contains("platform=shopee"), "{next}");
    assert!(next.contains("page_size=2"), "{next}");
    assert!(next.contains("cursor="), "{next}");
    let second = b.get(&next).await;
    second
        .expect(200)
        .contains(&format!("data-code=\"{one}\""))
        .lacks(&format!("data-code=\"{waiting}\""))
        .contains("Trang đầu");

    // Another business's shipment is 404, exactly as the API answers it.
    b.get(&format!("/portal/shipments/{theirs}"))
        .await
        .expect(404);
    b.get("/portal/shipments/OASC-NOPE").await.expect(404);
    other
        .get(&format!("/portal/shipments/{theirs}"))
        .await
        .expect(200);
    // Its cancel form is 404 too, and the shipment stays as it was.
    let page = b
        .post(
            &format!("/portal/shipments/{theirs}/cancel"),
            &[("mode", "full")],
        )
        .await;
    page.expect(404);
    // (It waits for stock: that business has none.)
    assert_eq!(app.detail(&n, &theirs).await["status_info"]["value"], 150);
}

#[tokio::test]
async fn an_api_user_has_no_shipment_pages() {
    let app = spawn_app().await;
    let (mut b, _) = app.portal_user("api@shop.vn", "API_USER").await;
    for path in [
        "/portal/shipments",
        "/portal/shipments/new",
        "/portal/shipments/import",
        "/portal/shipments/OASC00000001",
    ] {
        b.get(path).await.expect(404);
    }
    b.post(
        "/portal/shipments/cancel",
        &[("tracking_codes", "OASC00000001")],
    )
    .await
    .expect(404);
    // Its start page is Developer tools, and its navigation has no OMS pages.
    b.get("/portal/").await.expect_redirect("/portal/developer");
    b.get("/portal/developer")
        .await
        .expect(200)
        .lacks("href=\"/portal/shipments\"");
}

#[tokio::test]
async fn cross_site_posts_change_nothing() {
    let app = spawn_app().await;
    let (mut b, m) = oms(&app, "csrf@shop.vn").await;
    let (a, _) = stocked(&app, &m).await;
    let code = app.shipment(&m, "ORD-1", WH, &[(&a, 1)]).await;
    b.get(&format!("/portal/shipments/{code}"))
        .await
        .expect(200);
    b.post_raw(
        &format!("/portal/shipments/{code}/cancel"),
        &[("mode", "full")],
        &[],
    )
    .await
    .expect(403);
    b.post_raw(
        "/portal/shipments/cancel",
        &[("tracking_codes", &code), ("csrf", "forged")],
        &[],
    )
    .await
    .expect(403);
    let token = b.csrf.clone().unwrap();
    b.post_raw(
        &format!("/portal/shipments/{code}/cancel"),
        &[("mode", "full"), ("csrf", &token)],
        &[("sec-fetch-site", "cross-site")],
    )
    .await
    .expect(403);
    assert_eq!(app.detail(&m, &code).await["status_info"]["value"], 100);
}

#[tokio::test]
async fn cancel_by_lines_then_in_full_with_a_reason() {
    let app = spawn_app().await;
    let (mut b, m) = oms(&app, "cancel@shop.vn").await;
    let (a, c) = stocked(&app, &m).await;
    let code = app.shipment(&m, "ORD-1", WH, &[(&a, 3), (&c, 2)]).await;
    let detail = app.detail(&m, &code).await;
    let line_a = detail["items"][0]["line_id"].as_i64().unwrap().to_string();
    let line_c = detail["items"][1]["line_id"].as_i64().unwrap().to_string();
    let page = b.get(&format!("/portal/shipments/{code}?lang=en")).await;
    page.expect(200)
        .contains(">Cancel shipment</button>")
        .contains(">Cancel chosen quantities</button>")
        .contains(&format!("name=\"qty_{line_a}\""))
        .contains("Timeline");

    // Asking for more than remains is the API's refusal, shown on the page; nothing changes.
    let path = format!("/portal/shipments/{code}/cancel");
    let qa = format!("qty_{line_a}");
    let qc = format!("qty_{line_c}");
    b.post(&path, &[("mode", "lines"), (&qa, "9")])
        .await
        .expect(422)
        .contains("id=\"action-error\"");
    // Lines mode with nothing chosen.
    b.post(&path, &[("mode", "lines"), (&qa, ""), (&qc, "0")])
        .await
        .expect(422)
        .contains("Enter a quantity to cancel");
    b.post(&path, &[("mode", "lines"), (&qa, "x")])
        .await
        .expect(422);
    assert_eq!(app.detail(&m, &code).await["status_info"]["value"], 100);

    // One unit of the first line: the rest goes to a successor.
    let page = b
        .post(
            &path,
            &[
                ("mode", "lines"),
                (&qa, "1"),
                (&qc, ""),
                ("reason_code", "STOCK_OUT"),
            ],
        )
        .await;
    page.expect_redirect(&format!("/portal/shipments/{code}"));
    let old = app.detail(&m, &code).await;
    assert_eq!(old["status_info"]["value"], 490);
    assert_eq!(old["cancel_reason"]["code"], "STOCK_OUT");
    let successor = old["superseded_by"].as_str().unwrap().to_string();
    let shown = b.follow(&page).await;
    shown
        .expect(200)
        .contains(&successor)
        .contains("data-status=\"CANCELLED\"");
    let new = app.detail(&m, &successor).await;
    assert_eq!(new["items"][0]["product_quantity"], 2);
    assert_eq!(new["items"][1]["product_quantity"], 2);
    // The change is recorded as the portal user's.
    let actors: Vec<&str> = old["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["actor"].as_str())
        .collect();
    assert!(actors.contains(&"portal:cancel@shop.vn"), "{actors:?}");

    // The successor in full, with a reason and a note.
    let page = b
        .post(
            &format!("/portal/shipments/{successor}/cancel"),
            &[
                ("mode", "full"),
                ("reason_code", "CUSTOMER_REQUEST"),
                ("reason_note", "Khách đổi ý"),
            ],
        )
        .await;
    page.expect_redirect(&format!("/portal/shipments/{successor}"));
    // The page stays in the language chosen above.
    b.follow(&page)
        .await
        .expect(200)
        .contains("Shipment cancelled.")
        .contains("Khách đổi ý")
        .lacks(">Cancel shipment</button>");
    let done = app.detail(&m, &successor).await;
    assert_eq!(done["status_info"]["value"], 490);
    assert_eq!(done["cancel_reason"]["code"], "CUSTOMER_REQUEST");
    assert_eq!(done["cancel_reason"]["note"], "Khách đổi ý");
    app.assert_reservations_match_shipments().await;
}

#[tokio::test]
async fn bulk_cancel_answers_each_row_and_intercept_asks_the_carrier() {
    let app = spawn_app().await;
    let (mut b, m) = oms(&app, "bulk@shop.vn").await;
    let (a, _) = stocked(&app, &m).await;
    let one = app.shipment(&m, "ORD-1", WH, &[(&a, 1)]).await;
    let two = app.shipment(&m, "ORD-2", WH, &[(&a, 1)]).await;
    let handed = app.shipment(&m, "ORD-3", WH, &[(&a, 1)]).await;
    app.walk(&handed, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    // A handed-over shipment has no checkbox on the list.
    let list = b.get("/portal/shipments").await;
    list.expect(200)
        .contains(&format!("value=\"{one}\""))
        .lacks(&format!("value=\"{handed}\" id=\"pick"));

    // Nothing chosen: said, nothing done.
    b.post("/portal/shipments/cancel", &[("reason_code", "OTHER")])
        .await
        .expect(200)
        .contains("Hãy chọn ít nhất một vận đơn.");
    // A hand-made request may still name it: refused on its own, the others cancelled.
    let page = b
        .post(
            "/portal/shipments/cancel",
            &[
                ("tracking_codes", &one),
                ("tracking_codes", &handed),
                ("tracking_codes", &two),
                ("reason_code", "BULK_PURCHASE"),
                ("back", "status=NEW"),
            ],
        )
        .await;
    page.expect(200)
        .contains(&format!("data-result=\"ok\" data-code=\"{one}\""))
        .contains(&format!("data-result=\"ok\" data-code=\"{two}\""))
        .contains(&format!("data-result=\"refused\" data-code=\"{handed}\""))
        // The list comes back with its filters.
        .contains("href=\"/portal/shipments?status=NEW\" aria-current=\"page\"");
    assert_eq!(app.detail(&m, &one).await["status_info"]["value"], 490);
    assert_eq!(app.detail(&m, &two).await["status_info"]["value"], 490);
    assert_eq!(
        app.detail(&m, &two).await["cancel_reason"]["code"],
        "BULK_PURCHASE"
    );
    assert_eq!(app.detail(&m, &handed).await["status_info"]["value"], 300);

    // The handed-over one offers the intercept request instead of a cancel.
    let page = b.get(&format!("/portal/shipments/{handed}?lang=en")).await;
    page.expect(200)
        .contains(">Request intercept</button>")
        .lacks(">Cancel shipment</button>");
    let page = b
        .post(
            &format!("/portal/shipments/{handed}/intercept"),
            &[("reason_code", "CUSTOMER_REQUEST"), ("reason_note", "")],
        )
        .await;
    page.expect_redirect(&format!("/portal/shipments/{handed}"));
    let detail = app.detail(&m, &handed).await;
    assert_eq!(detail["intercept"]["status"], "REQUESTED");
    assert_eq!(detail["intercept"]["reason"]["code"], "CUSTOMER_REQUEST");
    b.follow(&page)
        .await
        .expect(200)
        .contains("data-intercept=\"REQUESTED\"")
        .contains("data-kind=\"intercept\"");
    b.get("/portal/shipments?intercept_status=REQUESTED")
        .await
        .expect(200)
        .contains(&format!("data-code=\"{handed}\""))
        .lacks(&format!("data-code=\"{one}\""));
    // A cancelled one cannot be intercepted: the API's refusal on the page.
    b.post(&format!("/portal/shipments/{one}/intercept"), &[])
        .await
        .expect(422);
}

#[tokio::test]
async fn create_by_form_is_the_apis_create() {
    let app = spawn_app().await;
    let (mut b, m) = oms(&app, "form@shop.vn").await;
    let (a, c) = stocked(&app, &m).await;
    b.get("/portal/shipments/new")
        .await
        .expect(200)
        .contains(&format!("value=\"{WH}\""));
    // The API's validation and messages: retail needs a receiver; an unknown product.
    let page = b
        .post(
            "/portal/shipments/new",
            &[
                ("warehouse_code", WH),
                ("platform", "retail"),
                ("merchant_tracking_code_reference", "FORM-1"),
                ("oasin_1", &a),
                ("quantity_1", "2"),
            ],
        )
        .await;
    page.expect(422)
        .contains("receiver: is required for retail")
        .contains("value=\"FORM-1\"");
    b.post(
        "/portal/shipments/new",
        &[
            ("warehouse_code", WH),
            ("platform", "shopee"),
            ("merchant_tracking_code_reference", "FORM-1"),
            ("oasin_1", "OAPD99999999"),
            ("quantity_1", "1"),
        ],
    )
    .await
    .expect(422)
    .contains("OAPD99999999");
    assert_eq!(total(&app, &m, "").await, 0);

    let page = b
        .post(
            "/portal/shipments/new",
            &[
                ("warehouse_code", WH),
                ("platform", "retail"),
                ("merchant_tracking_code_reference", "FORM-1"),
                ("courier_tracking_code", "GHN123"),
                ("oasin_1", &a),
                ("quantity_1", "2"),
                ("oasin_2", &c),
                ("quantity_2", "1"),
                ("cod_amount", "150000"),
                ("receiver.name", "Nguyễn Văn An"),
                ("receiver.phone", "0912345678"),
                ("receiver.address", "12 Phố Huế"),
                ("receiver.province_code", "01"),
                ("receiver.district_code", "001"),
                ("receiver.ward_code", "00001"),
            ],
        )
        .await;
    let to = page.location().expect("a redirect").to_string();
    let code = to.trim_start_matches("/portal/shipments/").to_string();
    let detail = app.detail(&m, &code).await;
    assert_eq!(detail["merchant_tracking_code_reference"], "FORM-1");
    assert_eq!(detail["courier_tracking_code"], "GHN123");
    assert_eq!(detail["items"].as_array().unwrap().len(), 2);
    assert_eq!(detail["receiver"]["name"], "Nguyễn Văn An");
    b.follow(&page)
        .await
        .expect(200)
        .contains("Đã tạo vận đơn")
        .contains("150000.00");
    // The courier code finds it in the search box.
    b.get("/portal/shipments?q=GHN123")
        .await
        .expect(200)
        .contains(&format!("data-code=\"{code}\""));
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test]
async fn csv_import_checks_every_row_first_then_creates_each() {
    let app = spawn_app().await;
    let (mut b, m) = oms(&app, "import@shop.vn").await;
    let (a, c) = stocked(&app, &m).await;
    let template = b.get("/portal/shipments/import/template.csv").await;
    assert_eq!(template.status, 200);
    assert!(template
        .header("content-type")
        .unwrap()
        .starts_with("text/csv"));
    assert!(template
        .body
        .contains("warehouse_code,platform,merchant_tracking_code_reference"));

    let csv = format!(
        "warehouse_code,platform,merchant_tracking_code_reference,items,courier_tracking_code\n\
         {WH},shopee,CSV-1,{a}:2;{c}:1,GHN-1\n\
         {WH},lazada,CSV-2,{a}:1,\n\
         {WH},shopee,CSV-3,OAPD99999999:1,\n\
         {WH},retail,CSV-4,{a}:1,\n\
         {WH},shopee,CSV-1,{c}:1,\n\
         NOPE,shopee,CSV-6,{a}:1,\n\
         {WH},ebay,CSV-7,{a}:1,\n\
         {WH},shopee,CSV-8,{a}:0,\n"
    );
    let page = b
        .post("/portal/shipments/import", &[("csv_b64", &b64(&csv))])
        .await;
    page.expect(200)
        .contains("data-step=\"check\"")
        .contains("<span data-ok>2</span>")
        .contains("<span data-bad>6</span>")
        .contains("data-row=\"2\" data-ok=\"true\"")
        .contains("data-row=\"3\" data-ok=\"true\"")
        .contains("data-row=\"4\" data-ok=\"false\"")
        .contains("OAPD99999999")
        .contains("receiver: is required for retail")
        .contains("trùng với dòng 2")
        .contains("data-row=\"7\" data-ok=\"false\"")
        .contains("platform: must be one of")
        .contains("items[0].product_quantity");
    // The dry run created nothing.
    assert_eq!(total(&app, &m, "").await, 0);

    // Confirm: each row on its own; the ready ones are created, the others say why not.
    let carried = hidden(&page.body, "csv_b64");
    let done = b
        .post("/portal/shipments/import/confirm", &[("csv_b64", &carried)])
        .await;
    done.expect(200)
        .contains("data-step=\"create\"")
        .contains("<span data-ok>2</span>")
        .contains("<span data-bad>6</span>");
    assert_eq!(total(&app, &m, "").await, 2);
    assert_eq!(
        total(&app, &m, "merchant_tracking_code_reference=CSV-1").await,
        1
    );
    let one = send(app.api(
        &m,
        Method::GET,
        "/shipments/b2c?merchant_tracking_code_reference=CSV-1",
    ))
    .await;
    let first = &one.expect_ok(200)[0];
    assert_eq!(first["courier_tracking_code"], "GHN-1");
    assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
    // Confirming the same file again creates nothing more: the references are taken.
    b.post("/portal/shipments/import/confirm", &[("csv_b64", &carried)])
        .await
        .expect(200)
        .contains("<span data-ok>0</span>");
    assert_eq!(total(&app, &m, "").await, 2);
}

#[tokio::test]
async fn bad_csv_files_are_refused_whole() {
    let app = spawn_app().await;
    let (mut b, m) = oms(&app, "badcsv@shop.vn").await;
    stocked(&app, &m).await;
    b.get("/portal/shipments/import").await.expect(200);
    for (csv, says) in [
        ("", "Hãy chọn tệp CSV"),
        (
            "warehouse_code,platform,merchant_tracking_code_reference,items,colour\nA,b,c,d,e\n",
            "Cột không được hỗ trợ: colour",
        ),
        (
            "warehouse_code,platform,items\nA,shopee,x:1\n",
            "Thiếu cột bắt buộc: merchant_tracking_code_reference",
        ),
        (
            "warehouse_code,platform,merchant_tracking_code_reference,items\n",
            "Tệp không có dòng dữ liệu nào.",
        ),
        (
            "warehouse_code,platform,merchant_tracking_code_reference,items\nA,shopee,R1\n",
            "Không đọc được tệp CSV",
        ),
    ] {
        b.post("/portal/shipments/import", &[("csv_b64", &b64(csv))])
            .await
            .expect(422)
            .contains(says);
    }
    // Too many rows.
    let mut big = String::from("warehouse_code,platform,merchant_tracking_code_reference,items\n");
    for i in 0..501 {
        big.push_str(&format!("{WH},shopee,R{i},OAPD00000001:1\n"));
    }
    b.post("/portal/shipments/import", &[("csv_b64", &b64(&big))])
        .await
        .expect(422)
        .contains("tối đa 500");
    // Not base64 at all.
    b.post("/portal/shipments/import", &[("csv_b64", "%%%")])
        .await
        .expect(422);
    assert_eq!(total(&app, &m, "").await, 0);
}

#[tokio::test]
async fn the_dashboard_counts_days_waiting_and_low_stock() {
    let app = spawn_app().await;
    let (mut b, m) = oms(&app, "dash@shop.vn").await;
    let (a, _) = stocked(&app, &m).await;
    // A product under its warning level (no stock at all, warning 5).
    let low = send(
        app.api(&m, Method::POST, "/products/create")
            .json(&serde_json::json!({
                "sku": "SKU-LOW", "name": "Ít hàng", "weight": 0.5, "length": 10, "width": 10,
                "height": 5, "min_stock_warning": 5
            })),
    )
    .await;
    let low = low.expect_ok(201)["oasin"].as_str().unwrap().to_string();
    let d1 = app.shipment(&m, "D-1", WH, &[(&a, 1)]).await;
    let d2 = app.shipment(&m, "D-2", WH, &[(&a, 1)]).await;
    let waiting = app.shipment(&m, "D-3", WH, &[(&a, 400)]).await;
    let page = b.get("/portal/?lang=en").await;
    page.expect(200)
        .contains("<h1>Dashboard</h1>")
        .contains("<title id=\"chart-svg-title\">Shipments per day by status</title>")
        .contains("id=\"chart-data\"")
        .contains("data-kpi=\"today\">3<")
        .contains("data-kpi=\"week\">3<")
        .contains("data-kpi=\"waiting\">1<")
        .contains(&waiting)
        .contains(&format!("data-oasin=\"{low}\""))
        .contains("href=\"/portal/\" aria-current=\"page\"");
    let body = page.body.clone();
    assert_eq!(status_n(&body, "today-status", "NEW"), Some(2));
    assert_eq!(status_n(&body, "today-status", "OUT_OF_STOCK"), Some(1));
    // A cancel and a status move show at once (the counts are live, not reused): the day's
    // row of the chart's table is, by group, waiting 1, warehouse 1 and cancelled 1.
    app.cancel(&m, &d1, None).await.expect_ok(200);
    app.walk(&d2, &["ALLOCATED"]).await;
    let today_row = "<td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td>\
        <td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">1</td>\
        <td class=\"num\"><strong>3</strong></td>";
    for fold in [false, true] {
        if fold {
            // PostgreSQL's folded rows say the same as the rows its triggers appended.
            app.db.fold_shipment_counts().await.unwrap();
        }
        let page = b.get("/portal/?lang=en").await;
        let body = page.expect(200).contains(today_row).body.clone();
        assert_eq!(status_n(&body, "today-status", "NEW"), None);
        assert_eq!(status_n(&body, "today-status", "ALLOCATED"), Some(1));
        assert_eq!(status_n(&body, "today-status", "OUT_OF_STOCK"), Some(1));
        assert_eq!(status_n(&body, "week-status", "CANCELLED"), Some(1));
        assert!(body.contains("data-kpi=\"today\">3<"), "{body}");
    }
    // 15:00 plus 11 hours is 02:00 the next day (Vietnam time): yesterday's shipments count
    // in the week, not today (and the session, idle for less than 12 hours, lives on).
    app.clock.advance(11 * 3600);
    b.get("/portal/")
        .await
        .expect(200)
        .contains("data-kpi=\"today\">0<")
        .contains("data-kpi=\"week\">3<");
    // Today's new shipment counts today; yesterday's shipment moving on stays yesterday's.
    app.shipment(&m, "D-4", WH, &[(&a, 1)]).await;
    app.walk(&d2, &["PICKED"]).await;
    let page = b.get("/portal/?lang=en").await;
    let body = page
        .expect(200)
        .contains("data-kpi=\"today\">1<")
        .contains("data-kpi=\"week\">4<")
        // Yesterday's row is unchanged (PICKED is in the warehouse too); today has one NEW.
        .contains(today_row)
        .contains(
            "<td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">0</td>\
             <td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">0</td>\
             <td class=\"num\"><strong>1</strong></td>",
        )
        .body
        .clone();
    assert_eq!(status_n(&body, "today-status", "NEW"), Some(1));
    assert_eq!(status_n(&body, "today-status", "PICKED"), None);
    assert_eq!(status_n(&body, "week-status", "PICKED"), Some(1));
    assert_eq!(status_n(&body, "week-status", "ALLOCATED"), None);
    app.assert_reservations_match_shipments().await;
}

/// The count beside status `name` in the dashboard's status list `list` (`today-status` or
/// `week-status`), if the list names it.
fn status_n(body: &str, list: &str, name: &str) -> Option<i64> {
    let start = body.find(&format!("id=\"{list}\""))?;
    let list = &body[start..start + body[start..].find("</ul>")?];
    let at = list.find(&format!("?status={name}\""))?;
    let rest = &list[at..];
    let n = rest.find("class=\"status-n\">")? + "class=\"status-n\">".len();
    rest[n..n + rest[n..].find('<')?].parse().ok()
}
