//! Webhook deliveries and proxies: the proxy variables of Depot's environment are never
//! used (a merchant could otherwise reach internal hosts through them and read the reply in
//! the delivery log); an explicit `--webhook-proxy` carries deliveries, and the address
//! policy still applies to every target.

use crate::helpers::*;
use crate::procs::*;
use depot_api::Config;
use depot_domain::Clock;
use depot_store::events::{record_event, PRODUCT_UPDATE_STOCK};
use depot_webhooks::{AddressPolicy, Worker, WorkerConfig};
use reqwest::Method;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A listener that counts connections and closes them: where a proxy variable points.
async fn trap() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (url, hits)
}

#[tokio::test]
async fn proxy_variables_in_the_environment_do_not_route_deliveries() {
    let database = Arc::new(TestDatabase::create().await);
    let (trap_url, trapped) = trap().await;
    let mut builder = Depot::on(&database.url);
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        builder = builder.env(var, &trap_url);
    }
    let depot = builder.start().await;
    let app = TestApp::attach(&depot.base, database).await;
    let m = app.merchant().await;
    app.warehouse("WH-HN01").await;
    let oasin = app.product(&m, "SKU-1", "WH-HN01").await;
    let receiver = CountingReceiver::start().await;
    send(
        app.api(&m, Method::POST, "/webhooks")
            .json(&json!({"url": receiver.url})),
    )
    .await
    .expect_ok(201);
    app.adjust(&m, "WH-HN01", &oasin, 5).await.expect_ok(200);
    let got = receiver.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(
        got,
        1,
        "delivered straight to the receiver: {}",
        depot.log_text()
    );
    assert_eq!(
        trapped.load(Ordering::SeqCst),
        0,
        "the proxy variable was not used"
    );
}

#[tokio::test]
async fn an_explicit_proxy_carries_deliveries_and_the_address_policy_still_applies() {
    let local = Arc::new(AddressPolicy::parse("127.0.0.0/8").unwrap());
    let app = spawn_app_with(Config {
        rate_limit_per_minute: 0,
        webhook_policy: local.clone(),
        ..Config::default()
    })
    .await;
    let m = app.merchant().await;
    let receiver = CountingReceiver::start().await;
    let created = send(
        app.api(&m, Method::POST, "/webhooks")
            .json(&json!({"url": receiver.url})),
    )
    .await;
    let hook_id = created.expect_ok(201)["id"].as_i64().unwrap();
    let proxy = ForwardProxy::start().await;
    let emit = || async {
        let mut tx = app.db.begin().await.unwrap();
        record_event(
            &mut tx,
            m.business_id,
            PRODUCT_UPDATE_STOCK,
            app.clock.now(),
            |_| json!({"oasin": "OASIN0000001"}),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    };
    let worker = |policy: Arc<AddressPolicy>| {
        Worker::new(
            app.db.clone(),
            app.clock.clone(),
            WorkerConfig {
                policy,
                proxy: Some(proxy.url.parse().unwrap()),
                request_timeout: Duration::from_secs(5),
                ..WorkerConfig::default()
            },
        )
    };

    // Allowed target: the delivery goes through the proxy.
    emit().await;
    assert_eq!(worker(local.clone()).run_until_idle().await.unwrap(), 1);
    assert_eq!(receiver.total(), 1);
    assert_eq!(proxy.carried(), 1);
    assert!(proxy.requests.lock().unwrap()[0].starts_with(&format!("POST {}", receiver.url)));

    // A worker whose policy refuses the target refuses it through the proxy too: nothing is
    // sent, and the log says why.
    emit().await;
    assert_eq!(
        worker(Arc::new(AddressPolicy::default()))
            .run_until_idle()
            .await
            .unwrap(),
        1
    );
    assert_eq!((receiver.total(), proxy.carried()), (1, 1));
    let log = send(app.api(&m, Method::GET, &format!("/webhooks/{hook_id}/deliveries"))).await;
    let newest = log.expect_ok(200)[0].clone();
    let error = newest["attempts"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(error.contains("target refused"), "{newest:#}");
}
