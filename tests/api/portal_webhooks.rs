//! Webhooks from the portal: add (secret once), the delivery log with its filter, send a
//! test event to one subscription only, replay, rotate, disable, enable, delete.

use crate::helpers::spawn_app;
use depot_store::webhooks::DeliveryStatus;

#[tokio::test]
async fn manage_subscriptions_and_their_delivery_log() {
    let app = spawn_app().await;
    let (mut b, id) = app.portal_user("hooks@shop.vn", "API_USER").await;
    b.get("/portal/webhooks")
        .await
        .expect(200)
        .contains("Chưa có đăng ký webhook");

    // Bad input is the API's own validation, shown on the form.
    let bad = b
        .post(
            "/portal/webhooks",
            &[("url", "ftp://x"), ("events", "nope"), ("language", "vi")],
        )
        .await;
    bad.expect(422)
        .contains("Dữ liệu yêu cầu không hợp lệ")
        .contains("events[0]")
        .contains("value=\"ftp://x\"");
    // Private targets are refused unless allowed, exactly as on the API.
    b.post(
        "/portal/webhooks",
        &[("url", "http://127.0.0.1:9/hooks"), ("language", "vi")],
    )
    .await
    .expect(422);

    let page = b
        .post(
            "/portal/webhooks",
            &[
                ("url", "https://shop.example/hooks"),
                ("events", "shipment.update_status"),
                ("language", "en"),
            ],
        )
        .await;
    page.expect(200).contains("https://shop.example/hooks");
    let secret = page.secret().unwrap();
    assert!(secret.starts_with("whsec_"));
    let second = b
        .post(
            "/portal/webhooks",
            &[("url", "https://other.example/in"), ("language", "vi")],
        )
        .await;
    second.expect(200);
    let hooks = app.db.webhooks(id, app.clock_now()).await.unwrap();
    assert_eq!(hooks.len(), 2);
    let (hook, other) = (hooks[0].id, hooks[1].id);
    assert_eq!(hooks[0].events, vec!["shipment.update_status".to_string()]);
    b.get("/portal/webhooks")
        .await
        .lacks(&secret)
        .contains(&format!("data-webhook-id=\"{hook}\""));

    // Send test event: recorded for this subscription alone, whatever its event filter.
    let page = b.post(&format!("/portal/webhooks/{hook}/test"), &[]).await;
    page.expect_redirect(&format!("/portal/webhooks/{hook}"));
    assert_eq!(
        app.db.dispatch_events(100, app.clock_now()).await.unwrap(),
        1
    );
    let log = b.follow(&page).await;
    log.expect(200)
        .contains("Đã xếp hàng sự kiện thử")
        .contains("webhook.test")
        .contains("data-status=\"PENDING\"");
    let db = app.db.clone();
    let page_of = |id: i64| {
        let db = db.clone();
        async move {
            depot_store::sql::query_scalar::<i64>(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = $1",
            )
            .bind(id)
            .fetch_one(db.reader())
            .await
            .unwrap()
        }
    };
    assert_eq!(page_of(hook).await, 1);
    assert_eq!(
        page_of(other).await,
        0,
        "a test event goes to one subscription"
    );
    // The API sends test events the same way.
    let api_key = {
        b.get("/portal/developer").await;
        b.post("/portal/developer/keys", &[])
            .await
            .secret()
            .unwrap()
    };
    let res = app
        .client
        .post(format!("{}/api/v1/webhooks/{other}/test", app.base))
        .header("Authorization", &api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    app.db.dispatch_events(100, app.clock_now()).await.unwrap();
    assert_eq!(page_of(other).await, 1);
    assert_eq!(page_of(hook).await, 1);

    // The filter: nothing has succeeded; the pending one is listed.
    let delivery = app
        .db
        .webhook_deliveries(
            hook,
            None,
            &depot_store::list::PageRequest {
                page: 1,
                page_size: 10,
                after: None,
            },
        )
        .await
        .unwrap()
        .items[0]
        .delivery_id;
    b.get(&format!("/portal/webhooks/{hook}?status=SUCCEEDED"))
        .await
        .expect(200)
        .contains("Chưa có lượt gửi nào")
        .lacks(&format!("data-delivery-id=\"{delivery}\""));
    b.get(&format!("/portal/webhooks/{hook}?status=PENDING"))
        .await
        .expect(200)
        .contains(&format!("data-delivery-id=\"{delivery}\""));
    // A hand-made filter goes back to the whole log.
    b.get(&format!("/portal/webhooks/{hook}?status=BOGUS"))
        .await
        .expect_redirect(&format!("/portal/webhooks/{hook}"));

    // Replay one delivery: due now, marked manual.
    app.clock.advance(3600);
    let page = b
        .post(
            &format!("/portal/webhooks/deliveries/{delivery}/replay"),
            &[],
        )
        .await;
    page.expect_redirect(&format!("/portal/webhooks/{hook}"));
    b.follow(&page).await.contains("Đã xếp hàng gửi lại lượt");
    let d = app
        .db
        .webhook_delivery(id, delivery)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status, DeliveryStatus::Pending);
    assert_eq!(d.next_attempt_time, Some(app.clock_now()));

    // Rotate: a new secret, shown once.
    let page = b
        .post(&format!("/portal/webhooks/{hook}/rotate"), &[])
        .await;
    page.expect(200).contains("24");
    let rotated = page.secret().unwrap();
    assert!(rotated.starts_with("whsec_") && rotated != secret);

    // Disable, enable, delete.
    b.post(&format!("/portal/webhooks/{hook}/disable"), &[])
        .await
        .expect(303);
    b.get(&format!("/portal/webhooks/{hook}"))
        .await
        .contains("data-status=\"DISABLED\"")
        .contains("Đã tắt đăng ký.");
    b.post(&format!("/portal/webhooks/{hook}/enable"), &[])
        .await
        .expect(303);
    b.get(&format!("/portal/webhooks/{hook}"))
        .await
        .contains("data-status=\"ENABLED\"");
    let page = b
        .post(&format!("/portal/webhooks/{hook}/delete"), &[])
        .await;
    page.expect_redirect("/portal/webhooks");
    b.follow(&page).await.contains("Đã xóa đăng ký.");
    b.get(&format!("/portal/webhooks/{hook}")).await.expect(404);
    assert_eq!(app.db.webhooks(id, app.clock_now()).await.unwrap().len(), 1);
}
