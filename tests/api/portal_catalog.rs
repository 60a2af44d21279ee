//! The catalog side of the merchant portal (SPEC §10): products (create, CSV import with a
//! dry run, assign, deactivate), stock and its ledger, purchase orders, returns and the
//! videos page. Each page calls the API's own operation, so a business sees only its own
//! objects (another's answers 404, as the API does), an API_USER business has none of the OMS
//! pages, and every form that changes something needs the session's form token.

use crate::helpers::*;
use crate::web::Browser;
use reqwest::Method;
use serde_json::json;

const WH: &str = "WH-PORTAL";
const BOUNDARY: &str = "depot-portal-catalog-7f3a";

/// A signed-in OMS_USER business with an API key (to drive what the warehouse does).
async fn oms(app: &TestApp, email: &str) -> (Browser, TestMerchant) {
    let (browser, id) = app.portal_user(email, "OMS_USER").await;
    let key = send(app.ops(Method::POST, &format!("/businesses/{id}/api-keys"))).await;
    let key = key.expect_ok(201);
    let m = TestMerchant {
        business_id: id,
        key_id: key["key_id"].as_str().unwrap().to_string(),
        secret: key["secret"].as_str().unwrap().to_string(),
        api_key: key["api_key"].as_str().unwrap().to_string(),
    };
    (browser, m)
}

async fn app() -> TestApp {
    let app = spawn_app().await;
    app.warehouse(WH).await;
    app
}

async fn product_count(app: &TestApp, business_id: i64) -> i64 {
    depot_store::sql::query_scalar("SELECT COUNT(*) FROM products WHERE business_id = $1")
        .bind(business_id)
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

/// A one-file multipart body (`file`).
fn multipart_file(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// The value of the first `name="…" value="…"` input of a page.
fn input_value(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = body.find(&marker).expect("the input") + marker.len();
    let rest = &body[at..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The code after the last `/` of a redirect.
fn code_of(page: &crate::web::Page) -> String {
    page.location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_api_user_has_no_oms_pages_and_an_oms_user_has_them() {
    let app = app().await;
    let (mut api_user, _) = app.portal_user("api@catalog.vn", "API_USER").await;
    for path in [
        "/portal/products",
        "/portal/products/import",
        "/portal/products/import/template.csv",
        "/portal/products/OASIN00000001",
        "/portal/stock",
        "/portal/purchase-orders",
        "/portal/purchase-orders/OAPO00000001",
        "/portal/returns",
        "/portal/returns/OARSC00000001",
    ] {
        api_user.get(path).await.expect(404);
    }
    let page = api_user.get("/portal/videos?lang=en").await;
    page.expect(200)
        .contains("No videos yet")
        .contains("href=\"/portal/developer\"")
        .contains("href=\"/portal/reports\"")
        .contains("href=\"/portal/videos\"")
        .lacks("href=\"/portal/products\"")
        .lacks("href=\"/portal/stock\"")
        .lacks("href=\"/portal/returns\"");

    let (mut oms_user, _) = oms(&app, "oms@catalog.vn").await;
    let page = oms_user.get("/portal/products?lang=en").await;
    page.expect(200)
        .contains("No products yet")
        .contains("href=\"/portal/products\"")
        .contains("href=\"/portal/stock\"")
        .contains("href=\"/portal/purchase-orders\"")
        .contains("href=\"/portal/returns\"")
        .contains("href=\"/portal/videos\"");
    for path in [
        "/portal/stock",
        "/portal/purchase-orders",
        "/portal/returns",
        "/portal/products/import",
    ] {
        oms_user.get(path).await.expect(200);
    }
    // Vietnamese is the default.
    oms_user
        .get("/portal/products?lang=vi")
        .await
        .expect(200)
        .contains("Chưa có sản phẩm nào");
    // Not signed in: to the sign-in page.
    let mut stranger = Browser::new(&app);
    let page = stranger.get("/portal/products").await;
    assert_eq!(page.status, 303);
}

#[tokio::test]
async fn products_are_created_assigned_and_deactivated_and_are_their_business_own() {
    let app = app().await;
    let (mut b, m) = oms(&app, "products@catalog.vn").await;
    let (mut other, _) = oms(&app, "products@other.vn").await;
    b.get("/portal/products?lang=en").await.expect(200);

    let fields = [
        ("sku", "TEE-01"),
        ("name", "Áo thun trắng"),
        ("brand_id", ""),
        ("product_unit", "cái"),
        ("barcodes", "8938505974192, TEE01"),
        ("weight", "0,3"),
        ("length", "30"),
        ("width", "25"),
        ("height", "2"),
        ("price", "150000"),
        ("min_stock_warning", "5"),
        ("inventory_tracking_type", "NONE"),
    ];
    // Without the form token nothing is created.
    b.post_raw("/portal/products", &fields, &[])
        .await
        .expect(403);
    assert_eq!(product_count(&app, m.business_id).await, 0);

    // A bad field: the API's message, the field by its label, nothing created.
    let mut bad = fields.to_vec();
    bad[5] = ("weight", "nặng");
    let page = b.post("/portal/products", &bad).await;
    page.expect(422)
        .contains("Weight (kg): must be ")
        .contains("value=\"TEE-01\"");
    assert_eq!(product_count(&app, m.business_id).await, 0);

    let page = b.post("/portal/products", &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let oasin = code_of(&page);
    let detail = b.follow(&page).await;
    detail
        .expect(200)
        .contains(&format!("Product created: {oasin}"))
        .contains("data-status=\"NEW\"")
        .contains("8938505974192, TEE01")
        .contains("150.000 ₫");
    // The same SKU again: the API's refusal.
    b.post("/portal/products", &fields).await.expect(422);
    assert_eq!(product_count(&app, m.business_id).await, 1);

    // Another business's product does not exist for this one.
    other
        .get(&format!("/portal/products/{oasin}"))
        .await
        .expect(404);
    other
        .get("/portal/products")
        .await
        .expect(200)
        .lacks(&oasin);
    other
        .post(
            &format!("/portal/products/{oasin}/assign"),
            &[("warehouse_code", WH)],
        )
        .await
        .expect(404);
    other
        .post(&format!("/portal/products/{oasin}/deactivate"), &[])
        .await
        .expect(404);
    other
        .get(&format!("/portal/stock?oasin={oasin}"))
        .await
        .expect(404);

    // Assign: NEW becomes ACTIVE; an unknown warehouse is the API's message.
    let page = b
        .post(
            &format!("/portal/products/{oasin}/assign"),
            &[("warehouse_code", "WH-NOPE")],
        )
        .await;
    page.expect_redirect(&format!("/portal/products/{oasin}"));
    b.follow(&page).await.expect(200).contains("flash-error");
    let page = b
        .post(
            &format!("/portal/products/{oasin}/assign"),
            &[("warehouse_code", WH)],
        )
        .await;
    page.expect_redirect(&format!("/portal/products/{oasin}"));
    b.follow(&page)
        .await
        .expect(200)
        .contains("data-status=\"ACTIVE\"")
        .contains(&format!("Product assigned to {WH}"));

    // Stock and the product's ledger, from an operator adjustment.
    app.adjust(&m, WH, &oasin, 12).await.expect_ok(200);
    b.get("/portal/stock?lang=en")
        .await
        .expect(200)
        .contains(&format!("data-oasin=\"{oasin}\""))
        .contains(">12<");
    b.get(&format!("/portal/stock?oasin={oasin}"))
        .await
        .expect(200)
        .contains("Stock ledger of TEE-01")
        .contains("+12");

    let page = b
        .post(&format!("/portal/products/{oasin}/deactivate"), &[])
        .await;
    page.expect_redirect(&format!("/portal/products/{oasin}"));
    b.follow(&page)
        .await
        .expect(200)
        .contains("data-status=\"INACTIVE\"");
    let p = app
        .db
        .product_by_oasin(m.business_id, &oasin)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, "INACTIVE");
    // The list filters as the API does.
    b.get("/portal/products?status=ACTIVE")
        .await
        .expect(200)
        .lacks(&oasin);
    b.get("/portal/products?status=INACTIVE&keyword=TEE")
        .await
        .expect(200)
        .contains(&oasin);
}

#[tokio::test]
async fn a_csv_import_creates_nothing_on_its_dry_run_and_each_valid_row_on_confirm() {
    let app = app().await;
    let (mut b, m) = oms(&app, "import@catalog.vn").await;
    let (mut other, other_m) = oms(&app, "import@other.vn").await;
    let template = b.get("/portal/products/import/template.csv?lang=en").await;
    assert_eq!(template.status, 200);
    assert!(template
        .header("content-type")
        .unwrap()
        .starts_with("text/csv"));
    assert!(template
        .body
        .contains("sku,name,brand_id,product_unit,barcodes,weight"));
    b.get("/portal/products/import?lang=en").await.expect(200);

    // An SKU the business has already.
    send(app.api(&m, Method::POST, "/products/create").json(
        &json!({"sku": "OLD-1", "name": "Cũ", "weight": 1, "length": 1, "width": 1, "height": 1}),
    ))
    .await
    .expect_ok(201);
    let csv = "sku,name,brand_id,product_unit,barcodes,weight,length,width,height,price,min_stock_warning,inventory_tracking_type\n\
               MUG-1,Cốc sứ,,cái,893111|893112,0.4,10,10,12,90000,3,NONE\n\
               BAD-1,Thiếu cân nặng,,,,,10,10,10,,,\n\
               MUG-1,Cốc lặp,,,,0.4,10,10,12,,,\n\
               OLD-1,Đã có,,,,1,1,1,1,,,\n\
               \"PEN-1\",\"Bút, xanh\",,,,0.01,14,1,1,5000,,BATCH\n";
    let token = b.csrf.clone().unwrap();

    // Without the form token: refused, nothing read.
    let (ct, body) = multipart_file("products.csv", csv.as_bytes());
    b.post_multipart("/portal/products/import", &ct, body)
        .await
        .expect(403);

    let (ct, body) = multipart_file("products.csv", csv.as_bytes());
    let dry = b
        .post_multipart(&format!("/portal/products/import?csrf={token}"), &ct, body)
        .await;
    dry.expect(200)
        .contains("No product has been created yet.")
        .contains("2 valid rows")
        .contains("3 rows with errors")
        .contains("Weight (kg): must be ")
        .contains("SKU repeated in the file (line 2)")
        .contains("SKU already in your catalogue")
        .contains("Create the valid products (2)");
    assert_eq!(dry.body.matches("data-result=\"error\"").count(), 3);
    assert_eq!(dry.body.matches("data-result=\"ok\"").count(), 2);
    // The dry run created nothing.
    assert_eq!(product_count(&app, m.business_id).await, 1);
    let data = input_value(&dry.body, "data");

    // A file with no usable header is named as such.
    let (ct, body) = multipart_file("x.csv", b"hello,world\n1,2\n");
    b.post_multipart(&format!("/portal/products/import?csrf={token}"), &ct, body)
        .await
        .expect(422)
        .contains("Missing columns: sku, name, weight");

    // Confirm: each valid row created on its own, the others reported.
    let done = b
        .post("/portal/products/import/confirm", &[("data", &data)])
        .await;
    done.expect(200)
        .contains("2 products created")
        .contains("3 rows not created");
    assert_eq!(done.body.matches("data-result=\"created\"").count(), 2);
    assert_eq!(product_count(&app, m.business_id).await, 3);
    let pen = send(app.api(&m, Method::GET, "/products?sku=PEN-1")).await;
    let pen = pen.expect_ok(200)[0].clone();
    assert_eq!(pen["name"], "Bút, xanh");
    assert_eq!(pen["inventory_tracking_type"], "BATCH");
    assert_eq!(pen["status"], "NEW");
    let mug = send(app.api(&m, Method::GET, "/products?sku=MUG-1")).await;
    assert_eq!(
        mug.expect_ok(200)[0]["barcodes"],
        json!(["893111", "893112"])
    );

    // Confirming the same file again creates nothing more: every SKU exists now.
    b.post("/portal/products/import/confirm", &[("data", &data)])
        .await
        .expect(200)
        .contains("0 products created");
    assert_eq!(product_count(&app, m.business_id).await, 3);
    // The file carried to confirm is checked again for whoever confirms it: for another
    // business OLD-1 is new, and nothing of the first business's changes.
    other
        .get("/portal/products/import?lang=en")
        .await
        .expect(200);
    other
        .post("/portal/products/import/confirm", &[("data", &data)])
        .await
        .expect(200)
        .contains("3 products created");
    assert_eq!(product_count(&app, other_m.business_id).await, 3);
    assert_eq!(product_count(&app, m.business_id).await, 3);
}

/// Two ACTIVE products with stock for `m` in [`WH`].
async fn stocked(app: &TestApp, m: &TestMerchant) -> (String, String) {
    let a = app.product(m, &format!("A-{}", m.business_id), WH).await;
    let b = app.product(m, &format!("B-{}", m.business_id), WH).await;
    app.adjust(m, WH, &a, 20).await.expect_ok(200);
    app.adjust(m, WH, &b, 20).await.expect_ok(200);
    (a, b)
}

#[tokio::test]
async fn purchase_orders_are_created_shown_billed_and_cancelled() {
    let app = app().await;
    let (mut b, m) = oms(&app, "po@catalog.vn").await;
    let (mut other, _) = oms(&app, "po@other.vn").await;
    let (a, c) = stocked(&app, &m).await;
    b.get("/portal/purchase-orders?lang=en")
        .await
        .expect(200)
        .contains("No purchase orders yet");

    let lines = [
        ("warehouse_code", WH),
        ("merchant_po_reference", "PO-2026-001"),
        ("eta", "2027-01-15"),
        ("note", "Giao giờ hành chính"),
        ("co_inspection", "1"),
        ("package", "BOX-1"),
        ("oasin", a.as_str()),
        ("quantity", "10"),
        ("package", "BOX-1"),
        ("oasin", c.as_str()),
        ("quantity", "5"),
        ("package", "BOX-2"),
        ("oasin", a.as_str()),
        ("quantity", "3"),
        ("package", ""),
        ("oasin", ""),
        ("quantity", ""),
    ];
    b.post_raw("/portal/purchase-orders", &lines, &[])
        .await
        .expect(403);
    // No line: the API's refusal, shown on the form.
    let page = b
        .post(
            "/portal/purchase-orders",
            &[
                ("warehouse_code", WH),
                ("merchant_po_reference", "PO-EMPTY"),
                ("package", ""),
                ("oasin", ""),
                ("quantity", ""),
            ],
        )
        .await;
    page.expect(422).contains("must hold 1 to 500 packages");
    // A quantity that is no number is named by its row.
    let page = b
        .post(
            "/portal/purchase-orders",
            &[
                ("warehouse_code", WH),
                ("merchant_po_reference", "PO-BAD"),
                ("package", "BOX-1"),
                ("oasin", a.as_str()),
                ("quantity", "mười"),
            ],
        )
        .await;
    page.expect(422).contains("Row 1 · Quantity: must be 1 to");
    let found = send(app.api(&m, Method::GET, "/purchase-orders")).await;
    assert_eq!(found.expect_ok(200).as_array().unwrap().len(), 0);

    let page = b.post("/portal/purchase-orders", &lines).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let code = code_of(&page);
    let detail = b.follow(&page).await;
    detail
        .expect(200)
        .contains(&format!("PO created: {code}"))
        .contains("data-status=\"TRANSIT\"")
        .contains("BOX-1")
        .contains("BOX-2")
        .contains("CO_INSPECTION")
        .contains("Cancel PO");
    let api_po = send(app.api(&m, Method::GET, &format!("/purchase-orders/{code}/detail"))).await;
    let api_po = api_po.expect_ok(200).clone();
    assert_eq!(api_po["packages"].as_array().unwrap().len(), 2);
    assert_eq!(api_po["packages"][0]["items"].as_array().unwrap().len(), 2);
    assert_eq!(api_po["merchant_po_reference"], "PO-2026-001");
    // The same reference again: the API's duplicate refusal.
    b.post("/portal/purchase-orders", &lines).await.expect(422);
    b.get("/portal/purchase-orders")
        .await
        .expect(200)
        .contains(&format!("data-po-code=\"{code}\""));

    // The bill: rendered and served as a PDF.
    let bill = b.get(&format!("/portal/purchase-orders/{code}/bill")).await;
    assert_eq!(bill.status, 303);
    let pdf = app
        .client
        .get(bill.location().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(
        pdf.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );

    // Another business: 404 for the page and each action.
    other
        .get(&format!("/portal/purchase-orders/{code}"))
        .await
        .expect(404);
    other
        .get(&format!("/portal/purchase-orders/{code}/bill"))
        .await
        .expect(404);
    other
        .post(&format!("/portal/purchase-orders/{code}/cancel"), &[])
        .await
        .expect(404);
    other
        .get("/portal/purchase-orders")
        .await
        .expect(200)
        .lacks(&code);

    let page = b
        .post(&format!("/portal/purchase-orders/{code}/cancel"), &[])
        .await;
    page.expect_redirect(&format!("/portal/purchase-orders/{code}"));
    b.follow(&page)
        .await
        .expect(200)
        .contains(&format!("PO cancelled: {code}"))
        .contains("data-status=\"CANCELLED\"")
        .lacks("Cancel PO</button>");
    let api_po = send(app.api(&m, Method::GET, &format!("/purchase-orders/{code}/detail"))).await;
    assert_eq!(api_po.expect_ok(200)["status_info"]["value"], 400);
    b.get("/portal/purchase-orders?status=CANCELLED")
        .await
        .expect(200)
        .contains(&code);
    b.get("/portal/purchase-orders?status=TRANSIT")
        .await
        .expect(200)
        .lacks(&format!("data-po-code=\"{code}\""));
}

/// A shipment of `m` handed over to the carrier, carrying 2 of `oasin`.
async fn handed_over(app: &TestApp, m: &TestMerchant, oasin: &str, reference: &str) -> String {
    let code = app.shipment(m, reference, WH, &[(oasin, 2)]).await;
    app.walk(&code, &["ALLOCATED", "PICKED", "PACKED", "HANDOVER"])
        .await;
    code
}

#[tokio::test]
async fn returns_are_registered_shown_and_cancelled() {
    let app = app().await;
    let (mut b, m) = oms(&app, "returns@catalog.vn").await;
    let (mut other, _) = oms(&app, "returns@other.vn").await;
    let (a, _) = stocked(&app, &m).await;
    let shipment = handed_over(&app, &m, &a, "ORD-R1").await;
    b.get("/portal/returns?lang=en")
        .await
        .expect(200)
        .contains("No returns yet");

    let form = [
        ("shipment_tracking_code", shipment.as_str()),
        ("warehouse_code", WH),
        ("merchant_return_tracking_code_reference", "RET-001"),
        ("return_courier_tracking_code", "GHN123"),
        ("note", "Khách đổi ý"),
        ("oasin", a.as_str()),
        ("quantity", "1"),
        ("oasin", ""),
        ("quantity", ""),
    ];
    b.post_raw("/portal/returns", &form, &[]).await.expect(403);
    // More than was shipped: the API's refusal, nothing registered.
    let mut too_many = form.to_vec();
    too_many[6] = ("quantity", "3");
    b.post("/portal/returns", &too_many).await.expect(422);
    let found = send(app.api(&m, Method::GET, "/return-shipments/b2c")).await;
    assert_eq!(found.expect_ok(200).as_array().unwrap().len(), 0);

    let page = b.post("/portal/returns", &form).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let code = code_of(&page);
    b.follow(&page)
        .await
        .expect(200)
        .contains(&format!("Return registered: {code}"))
        .contains("data-status=\"NEW\"")
        .contains(&shipment)
        .contains("GHN123")
        .contains("Cancel return");
    b.get("/portal/returns")
        .await
        .expect(200)
        .contains(&format!("data-return-code=\"{code}\""));

    other
        .get(&format!("/portal/returns/{code}"))
        .await
        .expect(404);
    other
        .post(&format!("/portal/returns/{code}/cancel"), &[])
        .await
        .expect(404);
    other.get("/portal/returns").await.expect(200).lacks(&code);

    let page = b.post(&format!("/portal/returns/{code}/cancel"), &[]).await;
    page.expect_redirect(&format!("/portal/returns/{code}"));
    b.follow(&page)
        .await
        .expect(200)
        .contains(&format!("Return cancelled: {code}"))
        .contains("data-status=\"CANCELLED\"")
        .lacks("Cancel return</button>");
    let api = send(app.api(
        &m,
        Method::GET,
        &format!("/return-shipments/b2c/{code}/detail"),
    ))
    .await;
    assert_eq!(api.expect_ok(200)["status_info"]["value"], 400);

    // A received return cannot be cancelled: the API's refusal, as a message.
    let page = b
        .post(
            "/portal/returns",
            &[
                ("shipment_tracking_code", shipment.as_str()),
                ("warehouse_code", WH),
                ("merchant_return_tracking_code_reference", "RET-002"),
                ("oasin", a.as_str()),
                ("quantity", "2"),
            ],
        )
        .await;
    let second = code_of(&page);
    send(
        app.ops(Method::POST, &format!("/return-shipments/{second}/receive"))
            .json(&json!({"items": [{"oasin": a, "received_quantity": 2, "stock_level": "A"}]})),
    )
    .await
    .expect_ok(200);
    let detail = b.get(&format!("/portal/returns/{second}")).await;
    detail
        .expect(200)
        .contains("data-status=\"COMPLETED\"")
        .contains("A × 2")
        .lacks("Cancel return</button>");
    let page = b
        .post(&format!("/portal/returns/{second}/cancel"), &[])
        .await;
    page.expect_redirect(&format!("/portal/returns/{second}"));
    b.follow(&page).await.expect(200).contains("flash-error");
}

/// An MP4 header the type check recognises, then filler.
fn mp4(n: usize) -> Vec<u8> {
    let mut v = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    v.extend((0..n.saturating_sub(v.len())).map(|i| (i * 7 % 251) as u8));
    v
}

async fn upload_media(app: &TestApp, path: &str, file_name: &str) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"station\"\r\n\r\nBÀN-02\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"duration_seconds\"\r\n\r\n75\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: video/mp4\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&mp4(4000));
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    send(
        app.ops(Method::POST, path)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body),
    )
    .await
    .expect_ok(201);
}

#[tokio::test]
async fn the_videos_page_plays_the_business_media_and_only_its_own() {
    let app = app().await;
    let (mut b, m) = oms(&app, "videos@catalog.vn").await;
    let (mut other, _) = oms(&app, "videos@other.vn").await;
    let (a, _) = stocked(&app, &m).await;
    b.get("/portal/videos?lang=en")
        .await
        .expect(200)
        .contains("No videos yet");
    let shipment = handed_over(&app, &m, &a, "ORD-V1").await;
    let ret = send(
        app.api(&m, Method::POST, "/return-shipments/b2c/create")
            .json(&json!({
                "warehouse_code": WH, "shipment_tracking_code": shipment,
                "merchant_return_tracking_code_reference": "RET-V1",
                "items": [{"oasin": a, "product_quantity": 1}]
            })),
    )
    .await;
    let ret = ret.expect_ok(200)["return_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    upload_media(&app, &format!("/shipments/{shipment}/media"), "packing.mp4").await;
    upload_media(
        &app,
        &format!("/return-shipments/{ret}/media"),
        "inspection.mp4",
    )
    .await;

    let page = b.get("/portal/videos?lang=en").await;
    page.expect(200)
        .lacks("No videos yet")
        .contains("data-kind=\"PACKING\"")
        .contains("data-kind=\"RETURN_INSPECTION\"")
        .contains(&format!("href=\"/portal/shipments/{shipment}\""))
        .contains(&format!("href=\"/portal/returns/{ret}\""))
        .contains("BÀN-02")
        .contains("1:15");
    assert_eq!(page.body.matches("<video ").count(), 2);
    // The player's source is the medium's capability URL, which serves it.
    let at = page.body.find("<video ").unwrap();
    let src = page.body[at..].split("src=\"").nth(1).unwrap();
    let src = src[..src.find('"').unwrap()].to_string();
    assert!(src.starts_with(&format!("{}/media/", app.base)), "{src}");
    let served = app.client.get(&src).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "video/mp4");
    // The return's page shows its inspection video.
    b.get(&format!("/portal/returns/{ret}"))
        .await
        .expect(200)
        .contains("data-kind=\"RETURN_INSPECTION\"");

    // Another business sees none of them.
    other
        .get("/portal/videos?lang=en")
        .await
        .expect(200)
        .contains("No videos yet")
        .lacks("<video ");
}
