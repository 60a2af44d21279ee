//! Reports and exports (SPEC §8), black-box: each type in each format, downloaded by its
//! capability URL and parsed (CSV by the `csv` crate, XLSX by calamine); headers in the
//! request's language, times in the business's time zone, the formula-injection rule, the
//! UTF-8 BOM; filters honoured; bad requests refused at once; tenancy; `report.done`;
//! expiry; a RUNNING job whose process died is taken over and finished by another process.

use crate::helpers::*;
use crate::procs::Depot;
use calamine::{Data, Reader, Xlsx};
use reqwest::Method;
use serde_json::{json, Value};
use std::io::Cursor;
use std::time::Duration;

const WH: &str = "WH-RP01";
const WH2: &str = "WH-RP02";

/// What the reports are made of: two products with stock, a PO received, three shipments
/// (one retail, with a receiver and a note that looks like a formula; one cancelled; one in
/// the second warehouse), a return received in two grades.
struct Fixture {
    m: TestMerchant,
    a: String,
    b: String,
    retail: String,
    cancelled: String,
    other_wh: String,
    po: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let m = app.merchant().await;
    app.warehouse(WH).await;
    app.warehouse(WH2).await;
    let a = app.product(&m, "SKU-RA", WH).await;
    let b = app.product(&m, "SKU-RB", WH).await;
    send(
        app.api(&m, Method::PUT, &format!("/products/{a}/assign"))
            .json(&json!({"warehouse_code": WH2})),
    )
    .await
    .expect_ok(200);
    app.adjust(&m, WH, &a, 50).await.expect_ok(200);
    app.adjust(&m, WH, &b, 20).await.expect_ok(200);
    app.adjust(&m, WH2, &a, 5).await.expect_ok(200);
    let po = send(app.api(&m, Method::POST, "/purchase-orders/create").json(&json!({
        "warehouse_code": WH, "merchant_po_reference": "PO-R1", "vas": [],
        "packages": [{"package_code": "PK-1", "weight": 2.5,
                      "items": [{"oasin": a, "product_quantity": 10}, {"oasin": b, "product_quantity": 4}]}],
        "estimated_arrival_time": START_TIME + 86400
    })))
    .await;
    let po = po.expect_ok(201)["po_code"].as_str().unwrap().to_string();
    send(
        app.ops(Method::POST, &format!("/purchase-orders/{po}/receive"))
            .json(&json!({"items": [
                {"package_code": "PK-1", "oasin": a, "inbound_quantity": 10, "putaway_quantity": 8},
                {"package_code": "PK-1", "oasin": b, "inbound_quantity": 4, "putaway_quantity": 4}
            ]})),
    )
    .await
    .expect_ok(200);
    let retail = send(app.api(&m, Method::POST, "/shipments/b2c/create").json(&json!({
        "warehouse_code": WH, "platform": "retail", "merchant_tracking_code_reference": "SO-R1",
        "courier_name": "GHN", "courier_tracking_code": "GHN-1",
        "items": [{"oasin": a, "product_quantity": 3}, {"oasin": b, "product_quantity": 1}],
        "receiver": {"name": "Nguyễn Văn A", "phone": "+84901234567", "address": "1 Phúc Xá",
                     "province_code": "01", "district_code": "001", "ward_code": "00001"},
        "cod_amount": 250000, "note": "=HYPERLINK(\"http://evil.example\")"
    })))
    .await;
    let retail = retail.expect_ok(200)["tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    let cancelled = app.shipment(&m, "SO-R2", WH, &[(&a, 2)]).await;
    app.cancel(&m, &cancelled, None).await.expect_ok(200);
    let other_wh = app.shipment(&m, "SO-R3", WH2, &[(&a, 1)]).await;
    app.walk(
        &retail,
        &[
            "ALLOCATED",
            "PICKED",
            "PACKED",
            "HANDOVER",
            "IN_TRANSIT",
            "DELIVERED",
        ],
    )
    .await;
    let ret = send(
        app.api(&m, Method::POST, "/return-shipments/b2c/create")
            .json(&json!({
                "warehouse_code": WH, "shipment_tracking_code": retail,
                "merchant_return_tracking_code_reference": "RET-R1",
                "items": [{"oasin": a, "product_quantity": 2}]
            })),
    )
    .await;
    let ret = ret.expect_ok(200)["return_tracking_code"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        app.ops(Method::POST, &format!("/return-shipments/{ret}/receive"))
            .json(&json!({"items": [
                {"oasin": a, "received_quantity": 1, "stock_level": "A"},
                {"oasin": a, "received_quantity": 1, "stock_level": "D1"}
            ]})),
    )
    .await
    .expect_ok(200);
    Fixture {
        m,
        a,
        b,
        retail,
        cancelled,
        other_wh,
        po,
    }
}

/// Requests a report; answers its id (the reply must be 202 QUEUED).
async fn request(app: &TestApp, m: &TestMerchant, lang: &str, body: Value) -> i64 {
    let reply = send(
        app.api(m, Method::POST, "/reports")
            .header("Accept-Language", lang)
            .json(&body),
    )
    .await;
    let data = reply.expect_ok(202);
    assert_eq!(data["status"], "QUEUED");
    data["report_id"].as_i64().unwrap()
}

/// Polls the report until it is DONE or FAILED (the background worker renders it).
async fn finished(app: &TestApp, m: &TestMerchant, id: i64) -> Value {
    for _ in 0..1200 {
        let reply = send(app.api(m, Method::GET, &format!("/reports/{id}"))).await;
        let report = reply.expect_ok(200).clone();
        if report["status"] == "DONE" || report["status"] == "FAILED" {
            return report;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("report {id} did not finish");
}

/// Requests, waits, downloads: (the report, the file's bytes).
async fn run(app: &TestApp, m: &TestMerchant, lang: &str, body: Value) -> (Value, Vec<u8>) {
    let id = request(app, m, lang, body).await;
    let report = finished(app, m, id).await;
    assert_eq!(report["status"], "DONE", "{report:#}");
    let url = report["download_url"].as_str().unwrap().to_string();
    // No credentials: the URL's token is the permission.
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    (report, bytes)
}

/// A CSV file's rows (the header first), checking the BOM and CRLF line ends.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "every line ends CRLF"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// An XLSX file's one sheet: its name and rows.
fn xlsx_rows(bytes: &[u8]) -> (String, Vec<Vec<Data>>) {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names();
    assert_eq!(names.len(), 1, "one sheet");
    let range = book.worksheet_range(&names[0]).unwrap();
    (names[0].clone(), range.rows().map(|r| r.to_vec()).collect())
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[tokio::test]
async fn every_type_in_both_formats_parses_with_headers_times_and_guards() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let m = &f.m;
    let ledger = json!({"from": START_TIME - 10, "to": START_TIME + 10});
    let expected_rows = [
        // 2 lines of the retail shipment, 1 of the cancelled one, 1 in the second warehouse.
        ("shipments", json!({}), 4),
        // A and B in WH (A also D1 from the return), A in WH2.
        ("stock_snapshot", json!({}), 4),
        ("returns", json!({}), 1),
        ("purchase_orders", json!({}), 2),
    ];
    for (t, filters, rows) in &expected_rows {
        // CSV in English.
        let (report, bytes) = run(
            &app,
            m,
            "en",
            json!({"type": t, "format": "csv", "filters": filters}),
        )
        .await;
        assert_eq!(report["rows"], *rows, "{t}");
        assert_eq!(report["progress"], 100);
        assert_eq!(report["type"], *t);
        assert_eq!(report["format"], "csv");
        assert!(
            report["expires_time"].as_i64().unwrap() > report["finished_time"].as_i64().unwrap()
        );
        let parsed = csv_rows(&bytes);
        assert_eq!(parsed.len(), *rows as usize + 1, "{t}: header and rows");
        // XLSX in Vietnamese.
        let (report, bytes) = run(
            &app,
            m,
            "vi",
            json!({"type": t, "format": "xlsx", "filters": filters}),
        )
        .await;
        assert_eq!(report["rows"], *rows);
        let (_, sheet) = xlsx_rows(&bytes);
        assert_eq!(sheet.len(), *rows as usize + 1, "{t}: header and rows");
    }
    // The ledger has every movement of the window.
    let (report, bytes) = run(
        &app,
        m,
        "en",
        json!({"type": "stock_ledger", "format": "csv", "filters": ledger}),
    )
    .await;
    let ledger_rows = csv_rows(&bytes);
    let movements: i64 =
        depot_store::sql::query_scalar("SELECT COUNT(*) FROM stock_ledger WHERE business_id = $1")
            .bind(m.business_id)
            .fetch_one(app.db.reader())
            .await
            .unwrap();
    assert_eq!(report["rows"], movements);
    assert_eq!(ledger_rows.len() as i64, movements + 1);
    let header = &ledger_rows[0];
    assert_eq!(header[0], "Transaction ID");
    // The balance after each movement adds up per balance; the last one of A in WH is its
    // on-hand now.
    let (wh, oasin, level, after) = (
        col(header, "Warehouse"),
        col(header, "OASIN"),
        col(header, "Stock level"),
        col(header, "On hand after"),
    );
    let last_a = ledger_rows[1..]
        .iter()
        .rev()
        .find(|r| r[wh] == WH && r[oasin] == f.a && r[level] == "A")
        .unwrap();
    let (on_hand, _, _) = app.stock_of(m, WH, &f.a).await;
    assert_eq!(last_a[after], on_hand.to_string());

    // Shipments in detail, CSV in English.
    let (_, bytes) = run(&app, m, "en", json!({"type": "shipments", "format": "csv"})).await;
    let rows = csv_rows(&bytes);
    let h = &rows[0];
    assert_eq!(h[0], "Tracking code");
    let line = rows
        .iter()
        .find(|r| r[0] == f.retail && r[col(h, "Line no.")] == "1")
        .unwrap();
    assert_eq!(line[col(h, "Status code")], "390");
    assert_eq!(line[col(h, "Status")], "Delivered");
    assert_eq!(line[col(h, "OASIN")], f.a);
    assert_eq!(line[col(h, "SKU")], "SKU-RA");
    assert_eq!(line[col(h, "Product name")], "Sản phẩm SKU-RA");
    assert_eq!(line[col(h, "Quantity")], "3");
    assert_eq!(line[col(h, "COD amount")], "250000.00");
    assert_eq!(line[col(h, "Receiver")], "Nguyễn Văn A");
    assert_eq!(line[col(h, "Ward code")], "00001");
    assert!(
        !line[col(h, "Ward")].is_empty(),
        "ward name from the directory"
    );
    assert!(!line[col(h, "Province")].is_empty());
    // Formula injection: texts that start with = or + get a leading '.
    assert_eq!(line[col(h, "Note")], "'=HYPERLINK(\"http://evil.example\")");
    assert_eq!(line[col(h, "Receiver phone")], "'+84901234567");
    // Times in the business's zone, Asia/Ho_Chi_Minh by default (UTC+7).
    assert_eq!(line[col(h, "Created")], "2027-01-15 15:00:00");
    let cancelled = rows.iter().find(|r| r[0] == f.cancelled).unwrap();
    assert_eq!(cancelled[col(h, "Status code")], "490");
    assert!(!cancelled[col(h, "Cancelled")].is_empty());

    // The same in XLSX, Vietnamese: typed cells, times as dates.
    let (_, bytes) = run(
        &app,
        m,
        "vi",
        json!({"type": "shipments", "format": "xlsx"}),
    )
    .await;
    let (sheet_name, sheet) = xlsx_rows(&bytes);
    assert_eq!(sheet_name, "Vận đơn");
    let h: Vec<String> = sheet[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(h[0], "Mã vận đơn");
    let line = sheet.iter().find(|r| r[0].to_string() == f.retail).unwrap();
    assert_eq!(line[col(&h, "Mã trạng thái")], Data::Float(390.0));
    assert_eq!(
        line[col(&h, "Trạng thái")].to_string(),
        "Giao hàng thành công"
    );
    assert_eq!(line[col(&h, "Tiền thu hộ (COD)")], Data::Float(250000.0));
    assert_eq!(
        line[col(&h, "Ghi chú")].to_string(),
        "'=HYPERLINK(\"http://evil.example\")"
    );
    let Data::DateTime(created) = &line[col(&h, "Thời gian tạo")] else {
        panic!("a date-time, not {:?}", line[col(&h, "Thời gian tạo")]);
    };
    // Excel's serial days of 2027-01-15 15:00:00, the wall clock in Vietnam (UTC+7).
    let serial = (START_TIME + 7 * 3600) as f64 / 86400.0 + 25569.0;
    assert!((created.as_f64() - serial).abs() < 1e-6, "{created:?}");

    // Another time zone, set by the operator: the same moment is 08:00 in UTC.
    let set = send(
        app.ops(
            Method::PUT,
            &format!("/businesses/{}/time-zone", m.business_id),
        )
        .json(&json!({"time_zone": "UTC"})),
    )
    .await;
    assert_eq!(set.expect_ok(200)["time_zone"], "UTC");
    send(
        app.ops(
            Method::PUT,
            &format!("/businesses/{}/time-zone", m.business_id),
        )
        .json(&json!({"time_zone": "Mars/Olympus"})),
    )
    .await
    .expect_error(422, "INVALID_PAYLOAD");
    let (_, bytes) = run(
        &app,
        m,
        "en",
        json!({"type": "shipments", "format": "csv", "filters": {"tracking_code": f.retail}}),
    )
    .await;
    let rows = csv_rows(&bytes);
    assert_eq!(rows[1][col(&rows[0], "Created")], "2027-01-15 08:00:00");

    // Purchase orders: inbound and putaway per line.
    let (_, bytes) = run(
        &app,
        m,
        "en",
        json!({"type": "purchase_orders", "format": "csv"}),
    )
    .await;
    let rows = csv_rows(&bytes);
    let h = &rows[0];
    let a_line = rows.iter().find(|r| r[col(h, "OASIN")] == f.a).unwrap();
    assert_eq!(a_line[0], f.po);
    assert_eq!(a_line[col(h, "Inbound quantity")], "10");
    assert_eq!(a_line[col(h, "Putaway quantity")], "8");
    assert_eq!(a_line[col(h, "Putaway completed")], "FALSE");
    assert_eq!(a_line[col(h, "Package weight")], "2.5");
    let b_line = rows.iter().find(|r| r[col(h, "OASIN")] == f.b).unwrap();
    assert_eq!(b_line[col(h, "Putaway completed")], "TRUE");

    // Returns: graded in two levels.
    let (_, bytes) = run(&app, m, "en", json!({"type": "returns", "format": "csv"})).await;
    let rows = csv_rows(&bytes);
    let h = &rows[0];
    assert_eq!(rows[1][col(h, "Shipment tracking code")], f.retail);
    assert_eq!(rows[1][col(h, "Received quantity")], "2");
    assert_eq!(rows[1][col(h, "Stock level")], "MIXED");
    assert_eq!(rows[1][col(h, "Received by level")], "A: 1; D1: 1");

    // Stock snapshot: on hand, reserved, available.
    let (_, bytes) = run(
        &app,
        m,
        "en",
        json!({"type": "stock_snapshot", "format": "csv", "filters": {"warehouse_code": WH2}}),
    )
    .await;
    let rows = csv_rows(&bytes);
    let h = &rows[0];
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][col(h, "On hand")], "5");
    assert_eq!(rows[1][col(h, "Reserved")], "1");
    assert_eq!(rows[1][col(h, "Available")], "4");
}

#[tokio::test]
async fn filters_are_honoured() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let m = &f.m;
    let codes = |bytes: &[u8]| -> Vec<String> {
        let mut c: Vec<String> = csv_rows(bytes)[1..].iter().map(|r| r[0].clone()).collect();
        c.dedup();
        c
    };
    let cases = [
        (json!({"status": "CANCELLED"}), vec![f.cancelled.clone()]),
        (json!({"status": 390}), vec![f.retail.clone()]),
        (json!({"warehouse_code": WH2}), vec![f.other_wh.clone()]),
        (
            json!({"merchant_tracking_code_reference": "SO-R2"}),
            vec![f.cancelled.clone()],
        ),
        (json!({"platform": "retail"}), vec![f.retail.clone()]),
        (json!({"created_time_to": START_TIME - 1}), vec![]),
    ];
    for (filters, expected) in cases {
        let (report, bytes) = run(
            &app,
            m,
            "en",
            json!({"type": "shipments", "format": "csv", "filters": filters.clone()}),
        )
        .await;
        assert_eq!(codes(&bytes), expected, "{filters}");
        assert_eq!(report["filters"], filters, "the filters are shown as given");
    }
    // The ledger's window and product.
    let (report, _) = run(
        &app,
        m,
        "en",
        json!({"type": "stock_ledger", "format": "csv",
               "filters": {"from": START_TIME + 1, "to": START_TIME + 100}}),
    )
    .await;
    assert_eq!(report["rows"], 0);
    let (_, bytes) = run(
        &app,
        m,
        "en",
        json!({"type": "stock_ledger", "format": "csv",
               "filters": {"from": 0, "to": START_TIME, "oasin": f.b, "warehouse_code": WH}}),
    )
    .await;
    let rows = csv_rows(&bytes);
    assert!(rows.len() > 1);
    assert!(
        rows[1..].iter().all(|r| r[3] == f.b && r[2] == WH),
        "{rows:?}"
    );
    // POs and returns by status.
    let (report, _) = run(
        &app,
        m,
        "en",
        json!({"type": "purchase_orders", "format": "csv", "filters": {"status": "TRANSIT"}}),
    )
    .await;
    assert_eq!(report["rows"], 0);
    let (report, _) = run(
        &app,
        m,
        "en",
        json!({"type": "returns", "format": "csv", "filters": {"status": "PROBLEM"}}),
    )
    .await;
    assert_eq!(report["rows"], 1);
}

#[tokio::test]
async fn bad_requests_are_refused_at_once_and_change_nothing() {
    let app = spawn_app().await;
    let m = app.merchant().await;
    let refuse = |body: Value| {
        let req = app.api(&m, Method::POST, "/reports").json(&body);
        async move {
            let reply = send(req).await;
            reply.expect_error(422, "INVALID_PAYLOAD")["error_detail"].clone()
        }
    };
    let d = refuse(json!({"type": "inventory", "format": "pdf"})).await;
    assert!(d["type"].is_array() && d["format"].is_array(), "{d}");
    let d = refuse(json!({"format": "csv"})).await;
    assert!(d["type"].is_array(), "{d}");
    let d = refuse(json!({"type": "shipments", "format": "csv",
                          "filters": {"colour": "red", "status": "LOST", "created_time_from": "yesterday"}}))
    .await;
    for k in [
        "filters.colour",
        "filters.status",
        "filters.created_time_from",
    ] {
        assert!(d[k].is_array(), "{k} in {d}");
    }
    let d = refuse(json!({"type": "stock_ledger", "format": "xlsx", "filters": {"to": 5}})).await;
    assert!(d["filters.from"].is_array(), "{d}");
    let d =
        refuse(json!({"type": "stock_ledger", "format": "csv", "filters": {"from": 9, "to": 5}}))
            .await;
    assert!(d["filters.to"].is_array(), "{d}");
    let d = refuse(json!({"type": "shipments", "format": "csv", "filters": ["status"]})).await;
    assert!(d["filters"].is_array(), "{d}");
    // Nothing was queued.
    let list = send(app.api(&m, Method::GET, "/reports")).await;
    assert_eq!(list.expect_ok(200), &json!([]));
    assert_eq!(list.body["total"], 0);
    let jobs: i64 = depot_store::sql::query_scalar("SELECT COUNT(*) FROM jobs")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(jobs, 0);
    // Unknown ids.
    send(app.api(&m, Method::GET, "/reports/999"))
        .await
        .expect_error(404, "REPORT_NOT_FOUND");
    send(app.api(&m, Method::GET, "/reports/abc"))
        .await
        .expect_error(404, "REPORT_NOT_FOUND");
    send(app.request(
        Method::GET,
        "/reports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/x.csv",
    ))
    .await
    .expect_error(404, "REPORT_NOT_FOUND");
}

#[tokio::test]
async fn a_business_sees_only_its_own_reports_and_data() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let other = app.merchant().await;
    let (report, _) = run(
        &app,
        &f.m,
        "en",
        json!({"type": "shipments", "format": "csv"}),
    )
    .await;
    let id = report["report_id"].as_i64().unwrap();
    send(app.api(&other, Method::GET, &format!("/reports/{id}")))
        .await
        .expect_error(404, "REPORT_NOT_FOUND");
    let list = send(app.api(&other, Method::GET, "/reports")).await;
    assert_eq!(list.expect_ok(200), &json!([]));
    // The other business's report of the same type holds none of the first one's rows.
    let (theirs, bytes) = run(
        &app,
        &other,
        "en",
        json!({"type": "shipments", "format": "csv"}),
    )
    .await;
    assert_eq!(theirs["rows"], 0);
    assert_eq!(csv_rows(&bytes).len(), 1);
    let (theirs, _) = run(
        &app,
        &other,
        "en",
        json!({"type": "stock_snapshot", "format": "xlsx"}),
    )
    .await;
    assert_eq!(theirs["rows"], 0);
    // Lists are newest first.
    run(
        &app,
        &f.m,
        "en",
        json!({"type": "returns", "format": "xlsx"}),
    )
    .await;
    let list = send(app.api(&f.m, Method::GET, "/reports")).await;
    let items = list.expect_ok(200).as_array().unwrap().clone();
    assert_eq!(list.body["total"], 2);
    assert_eq!(items[0]["type"], "returns");
    assert_eq!(items[1]["report_id"], id);
}

#[tokio::test]
async fn report_done_is_recorded_and_files_expire_after_the_retention() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let (report, _) = run(
        &app,
        &f.m,
        "en",
        json!({"type": "stock_snapshot", "format": "csv"}),
    )
    .await;
    let id = report["report_id"].as_i64().unwrap();
    let url = report["download_url"].as_str().unwrap().to_string();
    let events: Vec<Value> = app
        .events(f.m.business_id)
        .await
        .into_iter()
        .filter(|(code, _)| code == "report.done")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(events.len(), 1, "one report.done");
    assert_eq!(events[0]["report_id"], id);
    assert_eq!(events[0]["status"], "DONE");
    assert_eq!(events[0]["download_url"], url.as_str());
    assert_eq!(events[0]["rows"], report["rows"]);
    // Kept 7 days (the default retention), then gone: status, list and file.
    let expires = report["expires_time"].as_i64().unwrap();
    assert_eq!(
        expires,
        report["finished_time"].as_i64().unwrap() + 7 * 86400
    );
    app.clock.set(expires - 1);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    app.clock.set(expires);
    send(app.api(&f.m, Method::GET, &format!("/reports/{id}")))
        .await
        .expect_error(404, "REPORT_NOT_FOUND");
    let list = send(app.api(&f.m, Method::GET, "/reports")).await;
    assert_eq!(list.expect_ok(200), &json!([]));
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), 404);
    // Housekeeping deletes the row and the file.
    let keys = app.db.purge_reports_before(expires, 100).await.unwrap();
    assert_eq!(keys.len(), 1);
}

/// A RUNNING report whose process died is taken over by another process and finished; the
/// file is served by any process of the deployment.
#[tokio::test]
async fn a_running_report_whose_process_died_is_finished_by_another() {
    let database = std::sync::Arc::new(TestDatabase::create().await);
    let storage = std::env::temp_dir().join(format!(
        "depot-reports-shared-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let storage_arg = storage.display().to_string();
    // The API alone: reports are queued, nothing renders them.
    let api = Depot::on(&database.url)
        .arg("--role", "api")
        .storage(&storage_arg)
        .start()
        .await;
    let app = TestApp::attach(&api.base, database.clone()).await;
    let m = app.merchant().await;
    app.warehouse(WH).await;
    let a = app.product(&m, "SKU-RA", WH).await;
    app.adjust(&m, WH, &a, 10).await.expect_ok(200);
    for i in 0..3 {
        app.shipment(&m, &format!("SO-{i}"), WH, &[(&a, 1)]).await;
    }
    let id = request(
        &app,
        &m,
        "en",
        json!({"type": "shipments", "format": "xlsx"}),
    )
    .await;
    // A worker takes the job and dies mid-run: its lease (1 s) runs out with the report
    // RUNNING.
    let now = depot_domain::Clock::now(&depot_domain::clock::SystemClock);
    let (token, jobs) = app
        .db
        .claim_jobs("report", 1, now, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    let fence = depot_store::reports::RunFence {
        job_id: jobs[0].id,
        token: &token,
    };
    assert!(app.db.start_report(id, fence, now).await.unwrap());
    assert!(app.db.report_progress(id, fence, 1, 33).await.unwrap());
    let report = send(app.api(&m, Method::GET, &format!("/reports/{id}"))).await;
    assert_eq!(report.expect_ok(200)["status"], "RUNNING");
    // A worker process starts and takes the job over.
    let _worker = Depot::on(&database.url)
        .arg("--role", "worker")
        .arg("--job-lease-secs", "2")
        .storage(&storage_arg)
        .start()
        .await;
    let report = finished(&app, &m, id).await;
    assert_eq!(report["status"], "DONE", "{report:#}");
    assert_eq!(report["rows"], 3);
    // The dead run's fence no longer holds: it can change nothing.
    assert!(!app.db.report_progress(id, fence, 1, 50).await.unwrap());
    let attempts: i64 = depot_store::sql::query_scalar("SELECT attempts FROM jobs WHERE id = $1")
        .bind(jobs[0].id)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(attempts, 2, "taken over once");
    // Served by the API process from the shared storage.
    let bytes = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(report["download_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let (_, sheet) = xlsx_rows(&bytes);
    assert_eq!(sheet.len(), 4);
    let done: i64 = depot_store::sql::query_scalar(
        "SELECT COUNT(*) FROM events WHERE event_code = 'report.done'",
    )
    .fetch_one(app.db.reader())
    .await
    .unwrap();
    assert_eq!(done, 1, "report.done once");
    let _ = std::fs::remove_dir_all(&storage);
}

/// `depot report` writes the same file from the shell, and refuses what the API refuses.
#[tokio::test]
async fn the_cli_writes_a_report_to_a_file() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let out = std::env::temp_dir().join(format!(
        "depot-report-{}.csv",
        uuid::Uuid::new_v4().simple()
    ));
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
            .args(["--database-url", &app.db_url(), "report"])
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("depot runs")
    };
    let business = f.m.business_id.to_string();
    let out_arg = out.display().to_string();
    let done = run(&[
        "--business",
        &business,
        "--type",
        "shipments",
        "--format",
        "csv",
        "--filter",
        "status=CANCELLED",
        "--lang",
        "en",
        "--out",
        &out_arg,
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(String::from_utf8_lossy(&done.stdout).contains("1 rows written"));
    let rows = csv_rows(&std::fs::read(&out).unwrap());
    assert_eq!(rows[0][0], "Tracking code");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], f.cancelled);
    let refused = run(&[
        "--business",
        &business,
        "--type",
        "stock_ledger",
        "--format",
        "csv",
        "--out",
        &out_arg,
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("filters.from"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let _ = std::fs::remove_file(&out);
}
