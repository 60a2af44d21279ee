//! Reports from the portal (SPEC §8, last bullet): the form queues a report through the API's
//! own operation, the list is the business's alone, bad input is shown and queues nothing,
//! and the table's live refresh stops once no report is running.

use crate::helpers::{spawn_app, TestApp};
use depot_store::list::PageRequest;
use depot_store::reports::ReportRecord;

async fn reports_of(app: &TestApp, business_id: i64) -> Vec<ReportRecord> {
    let page = PageRequest {
        page: 1,
        page_size: 50,
        after: None,
    };
    app.db
        .list_reports(business_id, &page, app.clock_now())
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn request_a_report_from_the_portal_and_watch_it_finish() {
    let app = spawn_app().await;
    let (mut b, id) = app.portal_user("reports@shop.vn", "API_USER").await;
    let (mut other, other_id) = app.portal_user("reports@other.vn", "API_USER").await;
    b.get("/portal/reports?lang=en")
        .await
        .expect(200)
        .contains("No reports yet")
        .contains("<option value=\"stock_ledger\">Stock ledger</option>")
        .contains("data-running=\"false\"")
        .lacks("hx-get");

    // Without the form token nothing is queued.
    b.post_raw(
        "/portal/reports",
        &[("type", "shipments"), ("format", "csv")],
        &[],
    )
    .await
    .expect(403);
    assert!(reports_of(&app, id).await.is_empty());

    // The other business's report, to check the list keeps to its own.
    other.get("/portal/reports").await.expect(200);
    other
        .post(
            "/portal/reports",
            &[("type", "returns"), ("format", "xlsx")],
        )
        .await
        .expect_redirect("/portal/reports");
    let theirs = reports_of(&app, other_id).await;
    assert_eq!(theirs.len(), 1);

    let page = b
        .post(
            "/portal/reports",
            &[
                ("type", "shipments"),
                ("format", "csv"),
                ("from", ""),
                ("to", ""),
            ],
        )
        .await;
    page.expect_redirect("/portal/reports");
    let ours = reports_of(&app, id).await;
    assert_eq!(ours.len(), 1);
    let report = &ours[0];
    assert_eq!(
        (report.report_type.as_str(), report.format.as_str()),
        ("shipments", "csv")
    );
    // The language chosen on the pages (English above) is the file's.
    assert_eq!(report.lang, "en");
    let list = b.follow(&page).await;
    list.expect(200)
        .contains(&format!("Report queued: #{}", report.id))
        .contains(&format!("data-report-id=\"{}\"", report.id))
        .lacks(&format!("data-report-id=\"{}\"", theirs[0].id));

    // The fragment the page polls, until the report is DONE; then it asks no more.
    let mut done = None;
    for _ in 0..1200 {
        let rows = b.get("/portal/reports/rows?lang=en").await;
        rows.expect(200)
            .lacks("<html")
            .lacks(&format!("data-report-id=\"{}\"", theirs[0].id));
        if rows.body.contains("data-status=\"DONE\"") {
            done = Some(rows);
            break;
        }
        rows.contains("hx-get=\"/portal/reports/rows\"")
            .contains("hx-trigger=\"every 1s\"");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let rows = done.expect("the report finishes");
    rows.contains("data-running=\"false\"")
        .lacks("hx-get")
        .contains(">Done</span>")
        .contains("value=\"100\"");
    let report = &reports_of(&app, id).await[0];
    let url = format!(
        "/reports/{}/{}",
        report.token.as_deref().unwrap(),
        report.file_name.as_deref().unwrap()
    );
    rows.contains(&url);
    let bytes = reqwest::get(format!("{}{url}", app.base))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
}

#[tokio::test]
async fn bad_input_is_shown_in_the_page_language_and_queues_nothing() {
    let app = spawn_app().await;
    let (mut b, id) = app.portal_user("ledger@shop.vn", "API_USER").await;
    b.get("/portal/reports").await.expect(200);

    // The stock ledger needs both days.
    let page = b
        .post(
            "/portal/reports",
            &[("type", "stock_ledger"), ("format", "xlsx")],
        )
        .await;
    page.expect(422)
        .contains("Dữ liệu yêu cầu không hợp lệ")
        .contains("Từ ngày: is required")
        .contains("Đến ngày: is required")
        .contains("<option value=\"stock_ledger\" selected>")
        .contains("<option value=\"xlsx\" selected>");
    b.post("/portal/reports", &[("type", "nope"), ("format", "pdf")])
        .await
        .expect(422)
        .contains("Loại báo cáo: must be one of")
        .contains("Định dạng: must be csv or xlsx");
    let page = b
        .post(
            "/portal/reports?lang=en",
            &[
                ("type", "stock_ledger"),
                ("format", "csv"),
                ("from", "2027-01-20"),
                ("to", "2027-01-10"),
            ],
        )
        .await;
    page.expect(422)
        .contains("To: must not be before from")
        .contains("value=\"2027-01-20\"");
    assert!(reports_of(&app, id).await.is_empty());

    // Good days queue the ledger from the first second of `from` to the last of `to` (UTC+7).
    b.post(
        "/portal/reports",
        &[
            ("type", "stock_ledger"),
            ("format", "csv"),
            ("from", "2027-01-15"),
            ("to", "2027-01-15"),
        ],
    )
    .await
    .expect_redirect("/portal/reports");
    let queued = reports_of(&app, id).await;
    assert_eq!(queued.len(), 1);
    let filters: serde_json::Value = serde_json::from_str(&queued[0].filters).unwrap();
    assert_eq!(
        filters,
        serde_json::json!({"from": 1_799_946_000i64, "to": 1_799_946_000i64 + 86_399})
    );
}
