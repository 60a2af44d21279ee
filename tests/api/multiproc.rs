//! Many processes, one database (SPEC §12): three real `depot serve` processes on one
//! PostgreSQL database behave as one. Skipped on SQLite (one process per database file).
//!
//! Each test starts its own three processes (the built binary) on a fresh database and
//! spreads its requests over them.

use crate::helpers::*;
use crate::procs::*;
use futures::future::join_all;
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn on_postgres() -> bool {
    std::env::var("DEPOT_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

struct Cluster {
    procs: Vec<Depot>,
    apps: Vec<TestApp>,
}

impl Cluster {
    /// Three processes on one fresh database; `extra` adds flags to each.
    async fn start(extra: &[(&str, &str)]) -> Cluster {
        let database = Arc::new(TestDatabase::create().await);
        // Migrate once first, so the three do not all wait on the migration lock.
        let db = depot_store::Db::connect(&database.url, &Default::default())
            .await
            .unwrap();
        db.migrate().await.unwrap();
        db.close().await;
        let mut procs = Vec::new();
        for _ in 0..3 {
            let mut builder = Depot::on(&database.url).arg("--job-lease-secs", "3");
            for (flag, value) in extra {
                builder = builder.arg(flag, value);
            }
            procs.push(builder.start().await);
        }
        let mut apps = Vec::new();
        for p in &procs {
            apps.push(TestApp::attach(&p.base, database.clone()).await);
        }
        Cluster { procs, apps }
    }

    fn app(&self, i: usize) -> &TestApp {
        &self.apps[i % self.apps.len()]
    }
}

/// Polls every process with `key` until each answers `status` to a merchant call; returns how
/// long that took (at most 10 s, then fails).
async fn until_every_process_answers(
    cluster: &Cluster,
    key: &TestMerchant,
    status: u16,
) -> Duration {
    let started = Instant::now();
    loop {
        let replies = join_all(
            cluster
                .apps
                .iter()
                .map(|a| send(a.api(key, Method::GET, "/warehouses"))),
        )
        .await;
        if replies.iter().all(|r| r.status.as_u16() == status) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still not {status} everywhere: {:?}",
            replies.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every process answers `key` now (its cache holds it).
async fn warm(cluster: &Cluster, key: &TestMerchant) {
    for a in &cluster.apps {
        send(a.api(key, Method::GET, "/warehouses"))
            .await
            .expect_ok(200);
    }
}

#[tokio::test]
async fn three_processes_behave_as_one() {
    if !on_postgres() {
        eprintln!("skipped: several processes share a PostgreSQL database only");
        return;
    }
    let cluster = Cluster::start(&[]).await;
    let a = cluster.app(0);
    let m = a.merchant().await;
    a.warehouse("WH-HN01").await;
    let oasin = a.product(&m, "SKU-LAST", "WH-HN01").await;
    a.adjust(&m, "WH-HN01", &oasin, 10).await.expect_ok(200);

    // Subscribed first, so every change below is an event the three workers compete for.
    let receiver = CountingReceiver::start().await;
    let hook = send(
        a.api(&m, Method::POST, "/webhooks")
            .json(&json!({"url": receiver.url})),
    )
    .await;
    let hook_id = hook.expect_ok(201)["id"].as_i64().unwrap();
    let events_before: i64 =
        depot_store::sql::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
            .fetch_one(a.db.reader())
            .await
            .unwrap();

    // Racing creates for the last units: 30 one-unit shipments against 10 units, through
    // all three processes at once. Exactly 10 are reserved, the rest wait.
    let creates = join_all((0..30).map(|i| {
        let (app, m, oasin) = (cluster.app(i), &m, &oasin);
        async move {
            app.create_shipment(m, &format!("RACE-{i}"), "WH-HN01", &[(oasin, 1)])
                .await
        }
    }))
    .await;
    let mut new = Vec::new();
    let mut waiting = 0;
    for reply in &creates {
        let data = reply.expect_ok(200);
        match data["status_info"]["value"].as_i64().unwrap() {
            100 => new.push(data["tracking_code"].as_str().unwrap().to_string()),
            150 => waiting += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((new.len(), waiting), (10, 20));
    assert_eq!(a.stock_of(&m, "WH-HN01", &oasin).await, (10, 10, 0));

    // Racing cancels: each reserved shipment cancelled by all three processes at once. Each
    // cancel succeeds, each shipment is cancelled once, and the units go to waiting ones.
    let pairs: Vec<(usize, &String)> = new
        .iter()
        .flat_map(|c| (0..3).map(move |i| (i, c)))
        .collect();
    let cancels = join_all(
        pairs
            .into_iter()
            .map(|(i, code)| cluster.app(i).cancel(&m, code, None)),
    )
    .await;
    for reply in &cancels {
        assert_eq!(
            reply.expect_ok(200)["status_info"]["value"],
            490,
            "{:#}",
            reply.body
        );
    }
    let cancelled_once: i64 = depot_store::sql::query_scalar(
        "SELECT COUNT(*) FROM shipment_history h JOIN shipments s ON s.id = h.shipment_id \
         WHERE s.business_id = $1 AND h.status = 490",
    )
    .bind(m.business_id)
    .fetch_one(a.db.reader())
    .await
    .unwrap();
    assert_eq!(cancelled_once, 10, "one CANCELLED step per shipment");
    assert_eq!(
        a.stock_of(&m, "WH-HN01", &oasin).await,
        (10, 10, 0),
        "re-reserved for waiting"
    );
    a.assert_reservations_match_shipments().await;

    // An idempotency key replayed on another process answers the stored response; the same
    // key for another request is refused there too; sent to all three at once, one acts.
    let body = json!({"warehouse_code": "WH-HN01", "platform": "shopee",
        "merchant_tracking_code_reference": "IDEM-1", "items": [{"oasin": oasin, "product_quantity": 1}]});
    let post = |app: &TestApp, key: &str, body: &serde_json::Value| {
        app.api(&m, Method::POST, "/shipments/b2c/create")
            .header("Idempotency-Key", key)
            .json(body)
    };
    let first = send(post(cluster.app(0), "key-1", &body)).await;
    let code = first.expect_ok(200)["tracking_code"].clone();
    for i in 1..3 {
        let again = send(post(cluster.app(i), "key-1", &body)).await;
        assert_eq!(again.expect_ok(200)["tracking_code"], code);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
    }
    let mut other = body.clone();
    other["merchant_tracking_code_reference"] = json!("IDEM-2");
    send(post(cluster.app(2), "key-1", &other))
        .await
        .expect_error(422, "IDEMPOTENCY_KEY_REUSED");
    let mut third = body.clone();
    third["merchant_tracking_code_reference"] = json!("IDEM-3");
    let together = join_all((0..3).map(|i| send(post(cluster.app(i), "key-2", &third)))).await;
    let codes: std::collections::HashSet<String> = together
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| {
            r.body["data"]["tracking_code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(codes.len(), 1, "one shipment for one key: {together:?}");
    for r in &together {
        assert!(r.status == 200 || r.status == 409, "{r:?}");
    }
    let made: i64 = depot_store::sql::query_scalar(
        "SELECT COUNT(*) FROM shipments WHERE business_id = $1 \
         AND merchant_tracking_code_reference IN ('IDEM-1', 'IDEM-3')",
    )
    .bind(m.business_id)
    .fetch_one(a.db.reader())
    .await
    .unwrap();
    assert_eq!(made, 2);

    // Revoking a key on one process: within a second every process refuses it, though each
    // had it cached. The same for a reset (the old key), a revocation from the CLI (another
    // process again) and a suspended business.
    let revoked = extra_key(a, m.business_id).await;
    warm(&cluster, &revoked).await;
    send(cluster.app(1).ops(
        Method::POST,
        &format!("/api-keys/{}/revoke", revoked.key_id),
    ))
    .await
    .expect_ok(200);
    let took = until_every_process_answers(&cluster, &revoked, 401).await;
    assert!(took < Duration::from_secs(1), "revocation took {took:?}");

    let reset = extra_key(a, m.business_id).await;
    warm(&cluster, &reset).await;
    send(
        cluster
            .app(2)
            .ops(Method::POST, &format!("/api-keys/{}/reset", reset.key_id)),
    )
    .await
    .expect_ok(201);
    let took = until_every_process_answers(&cluster, &reset, 401).await;
    assert!(took < Duration::from_secs(1), "reset took {took:?}");

    let by_cli = extra_key(a, m.business_id).await;
    warm(&cluster, &by_cli).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_depot"))
        .args([
            "--database-url",
            &a.db_url(),
            "api-key",
            "revoke",
            &by_cli.key_id,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let took = until_every_process_answers(&cluster, &by_cli, 401).await;
    assert!(
        took < Duration::from_secs(1),
        "revocation from the CLI took {took:?}"
    );

    // Every event since the subscription reached the receiver exactly once, though three
    // workers competed for them.
    let events: Vec<String> = depot_store::sql::query_scalar(
        "SELECT instance_id FROM events WHERE business_id = $1 AND id > $2 ORDER BY id",
    )
    .bind(m.business_id)
    .bind(events_before)
    .fetch_all(a.db.reader())
    .await
    .unwrap();
    assert!(
        events.len() > 40,
        "a real stream of events: {}",
        events.len()
    );
    // (An event of the same second as the subscription may be delivered too.)
    let owed: i64 = depot_store::sql::query_scalar(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = $1",
    )
    .bind(hook_id)
    .fetch_one(a.db.reader())
    .await
    .unwrap();
    let got = receiver
        .wait_for(events.len(), Duration::from_secs(60))
        .await;
    assert!(
        got >= events.len(),
        "{got} of {} events arrived",
        events.len()
    );
    // Nothing more arrives after a pause either.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let by_id = receiver.by_id.lock().unwrap().clone();
    for id in &events {
        assert_eq!(by_id.get(id), Some(&1), "event {id} delivered once");
    }
    assert!(by_id.values().all(|n| *n == 1), "no duplicates: {by_id:?}");
    let owed = depot_store::sql::query_scalar::<i64>(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = $1",
    )
    .bind(hook_id)
    .fetch_one(a.db.reader())
    .await
    .unwrap()
    .max(owed);
    assert_eq!(receiver.total() as i64, owed, "one request per delivery");
    let retried: i64 = depot_store::sql::query_scalar(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = $1 \
         AND (attempt_count <> 1 OR status <> 'SUCCEEDED')",
    )
    .bind(hook_id)
    .fetch_one(a.db.reader())
    .await
    .unwrap();
    assert_eq!(retried, 0, "every delivery succeeded at its first attempt");

    // Suspending a business (as the console does: its status changes) shuts every process's
    // door within a second.
    let suspended = extra_key(a, m.business_id).await;
    warm(&cluster, &suspended).await;
    depot_store::sql::query("UPDATE businesses SET status = 'SUSPENDED' WHERE id = $1")
        .bind(m.business_id)
        .execute(a.db.writer())
        .await
        .unwrap();
    let took = until_every_process_answers(&cluster, &suspended, 403).await;
    assert!(took < Duration::from_secs(1), "suspension took {took:?}");

    // One owner per background job; when it stops, another process takes the job over.
    let mut cluster = cluster;
    let holder = wait_for_holder(&cluster.apps[0], "housekeeping", None).await;
    let pids: Vec<u32> = cluster.procs.iter().map(|p| p.pid()).collect();
    let owner_pid: u32 = holder.owner.split(':').nth(1).unwrap().parse().unwrap();
    let owner = pids
        .iter()
        .position(|p| *p == owner_pid)
        .expect("owned by one of the three");
    cluster.procs[owner].terminate();
    let next = wait_for_holder(
        &cluster.apps[(owner + 1) % 3],
        "housekeeping",
        Some(&holder.owner),
    )
    .await;
    let next_pid: u32 = next.owner.split(':').nth(1).unwrap().parse().unwrap();
    assert!(pids.contains(&next_pid) && next_pid != owner_pid);
    assert!(next.epoch > holder.epoch);
    // Killed outright (no chance to give it back), its lease runs out and another takes it.
    let counts = wait_for_holder(&cluster.apps[(owner + 1) % 3], "shipment-counts", None).await;
    let counts_pid: u32 = counts.owner.split(':').nth(1).unwrap().parse().unwrap();
    let victim = pids.iter().position(|p| *p == counts_pid).unwrap();
    cluster.procs[victim].kill_9();
    let survivor = (0..3).find(|i| *i != owner && *i != victim).unwrap();
    let after = wait_for_holder(
        &cluster.apps[survivor],
        "shipment-counts",
        Some(&counts.owner),
    )
    .await;
    assert_eq!(
        after.owner.split(':').nth(1).unwrap(),
        pids[survivor].to_string()
    );
}

/// Issues one more key for the business.
async fn extra_key(app: &TestApp, business_id: i64) -> TestMerchant {
    let key = send(app.ops(Method::POST, &format!("/businesses/{business_id}/api-keys"))).await;
    let key = key.expect_ok(201);
    TestMerchant {
        business_id,
        key_id: key["key_id"].as_str().unwrap().to_string(),
        secret: key["secret"].as_str().unwrap().to_string(),
        api_key: key["api_key"].as_str().unwrap().to_string(),
    }
}

/// Waits (at most 30 s) until lease `name` is live and held by someone other than `not`.
async fn wait_for_holder(
    app: &TestApp,
    name: &str,
    not: Option<&str>,
) -> depot_store::coordination::leases::LeaseHolder {
    let started = Instant::now();
    loop {
        if let Some(h) = app.db.lease_holder(name).await.unwrap() {
            if h.live && Some(h.owner.as_str()) != not {
                return h;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no new holder of {name}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The per-key limit holds across processes: three processes together allow the configured
/// rate (within 10 %), not three times it.
#[tokio::test]
async fn the_rate_limit_is_shared_by_every_process() {
    if !on_postgres() {
        eprintln!("skipped: several processes share a PostgreSQL database only");
        return;
    }
    const LIMIT: usize = 300;
    let cluster = Cluster::start(&[("--rate-limit-per-minute", "300")]).await;
    let m = cluster.app(0).merchant().await;
    // 900 requests, round robin: unshared, each process would allow 300 and all would pass.
    let started = Instant::now();
    let mut ok = 0usize;
    let mut limited = 0usize;
    for round in 0..90 {
        let replies = join_all((0..10).map(|i| {
            send(
                cluster
                    .app(round * 10 + i)
                    .api(&m, Method::GET, "/warehouses"),
            )
        }))
        .await;
        for r in replies {
            match r.status.as_u16() {
                200 => ok += 1,
                429 => {
                    r.expect_error(429, "TOO_MANY_REQUESTS");
                    assert!(r.header("retry-after").is_some());
                    limited += 1;
                }
                other => panic!("unexpected {other}: {:#}", r.body),
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // GCRA: the whole quota at once, then 5 per second.
    let allowed = LIMIT as f64 + elapsed * LIMIT as f64 / 60.0;
    eprintln!("{ok} admitted, {limited} refused in {elapsed:.2} s (GCRA allows {allowed:.0})");
    assert_eq!(ok + limited, 900);
    assert!(
        ok as f64 <= allowed * 1.1,
        "{ok} admitted in {elapsed:.1} s; at most {allowed:.0} + 10 %"
    );
    assert!(
        ok as f64 >= LIMIT as f64 * 0.9,
        "{ok} admitted; at least 90 % of {LIMIT}"
    );
    // Another key has its own quota, on every process.
    let other = cluster.app(1).merchant().await;
    for i in 0..3 {
        send(cluster.app(i).api(&other, Method::GET, "/warehouses"))
            .await
            .expect_ok(200);
    }
}

/// `/readyz` answers 503 while this process cannot reach the database, and 200 again once it
/// can — without a restart. The database is cut off for this process alone, by a relay
/// between it and PostgreSQL (the shared server keeps running for everyone else).
#[tokio::test]
async fn readyz_follows_the_database_and_recovers_without_a_restart() {
    if !on_postgres() {
        eprintln!("skipped: the database is cut off by a TCP relay to PostgreSQL");
        return;
    }
    let database = Arc::new(TestDatabase::create().await);
    let db = depot_store::Db::connect(&database.url, &Default::default())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    db.close().await;
    // postgres://user@host:port/name → the same through the relay.
    let (scheme, rest) = database.url.split_once("://").unwrap();
    let (authority, name) = rest.rsplit_once('/').unwrap();
    let (user, server) = match authority.rsplit_once('@') {
        Some((user, server)) => (format!("{user}@"), server.to_string()),
        None => (String::new(), authority.to_string()),
    };
    let gate = TcpGate::start(server).await;
    let through_gate = format!("{scheme}://{user}127.0.0.1:{}/{name}", gate.port);
    let depot = Depot::on(&through_gate).start().await;
    until_ready(&depot, 200, Duration::from_secs(20)).await;

    gate.cut();
    until_ready(&depot, 503, Duration::from_secs(20)).await;
    // Still down a moment later (not a single unlucky request).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(ready(&depot).await, 503);

    gate.restore();
    until_ready(&depot, 200, Duration::from_secs(30)).await;
    // And the API works again through the same process.
    let app = TestApp::attach(&depot.base, database).await;
    let m = app.merchant().await;
    send(app.api(&m, Method::GET, "/warehouses"))
        .await
        .expect_ok(200);
}

async fn ready(depot: &Depot) -> u16 {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    client
        .get(format!("{}/readyz", depot.base))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn until_ready(depot: &Depot, want: u16, within: Duration) {
    let started = Instant::now();
    loop {
        let got = ready(depot).await;
        if got == want {
            return;
        }
        assert!(
            started.elapsed() < within,
            "/readyz still {got}, not {want}: {}",
            depot.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
