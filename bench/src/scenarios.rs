//! The HTTP scenarios. Each prepares what it consumes (pools of shipments written by SQL, not
//! timed), then runs the load loop against the server and reports its figures with the
//! server's peak RSS during the run.

use crate::context::{done, mix, Ctx, Measured, Ran};
use crate::http::{self, Api, Reply};
use crate::load::{self, Load, OpResult, Outcome};
use crate::server::{reset_peak, Cpu, Memory, RssSampler};
use crate::setup::{create_body, PoolItem, WAREHOUSE};
use depot_domain::codes::CodeKind;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every scenario, in the order a run takes them.
pub const ALL: &[&str] = &[
    "healthz",
    "create",
    "detail",
    "list-first",
    "list-deep",
    "list-deep-cursor",
    "cancel",
    "bulk-cancel",
    "partial-cancel",
    "shipper-cancel",
    "ithink-cancel",
    "trendyol-cancel",
    "webhooks",
    "webhook-backlog",
    "mixed",
    "media-upload",
    "media-range",
    "report-shipments",
    "floor-wave",
    "floor-manifest",
    "portal-list",
    "portal-detail",
    "portal-dashboard",
    "sustained-create",
    "sustained-mixed",
    "sustained-hot1",
    "sustained-hot8",
];

pub async fn run(name: &str, ctx: &Ctx) -> anyhow::Result<Ran> {
    match name {
        "healthz" => healthz(ctx).await,
        "create" => create(ctx).await,
        "detail" => detail(ctx).await,
        "list-first" => {
            list(
                ctx,
                "/shipments/b2c?page=1&page_size=50".into(),
                "page 1 of 50",
            )
            .await
        }
        "list-deep" => {
            list(
                ctx,
                "/shipments/b2c?page=1000&page_size=50".into(),
                "page 1,000 by number (OFFSET 49,950)",
            )
            .await
        }
        "list-deep-cursor" => list_cursor(ctx).await,
        "cancel" => cancel(ctx).await,
        "bulk-cancel" => bulk_cancel(ctx).await,
        "partial-cancel" => partial_cancel(ctx).await,
        "shipper-cancel" => shipper_cancel(ctx).await,
        "ithink-cancel" => ithink_cancel(ctx).await,
        "trendyol-cancel" => trendyol_cancel(ctx).await,
        "webhooks" => webhooks(ctx, false).await,
        "webhook-backlog" => webhooks(ctx, true).await,
        "mixed" => mixed(ctx).await,
        "media-upload" => crate::media::media_upload(ctx).await,
        "media-range" => crate::media::media_range(ctx).await,
        "report-shipments" => crate::exports::report_shipments(ctx).await,
        "floor-wave" => crate::floor::floor_wave(ctx).await,
        "floor-manifest" => crate::floor::floor_manifest(ctx).await,
        "portal-list" => crate::portal::portal_list(ctx).await,
        "portal-detail" => crate::portal::portal_detail(ctx).await,
        "portal-dashboard" => crate::portal::portal_dashboard(ctx).await,
        s if s.starts_with("sustained-") => crate::sustained::run(s, ctx).await,
        other => anyhow::bail!("unknown scenario {other}"),
    }
}

async fn healthz(ctx: &Ctx) -> anyhow::Result<Ran> {
    let api = ctx.api.clone();
    let m = ctx
        .measure(ctx.load, move |_| {
            let req = api.client.get(api.url("/healthz"));
            async move { http::status_ok(&http::exchange(req).await?) }
        })
        .await;
    Ok(done(m, "req", "plain HTTP, no database"))
}

async fn create(ctx: &Ctx) -> anyhow::Result<Ran> {
    let api = ctx.api.clone();
    let tag = ctx.tag.clone();
    let m = ctx
        .measure(ctx.load, move |i| {
            let oasins = &api.seed.oasins;
            let body = create_body(&format!("{tag}-c-{i}"), &oasins[i as usize % oasins.len()]);
            let req = api
                .merchant(Method::POST, "/shipments/b2c/create")
                .json(&body);
            async move { http::envelope_ok(&http::exchange(req).await?) }
        })
        .await;
    Ok(done(m, "req", "one line, receiver, COD; stock reserved"))
}

async fn detail(ctx: &Ctx) -> anyhow::Result<Ran> {
    let api = ctx.api.clone();
    let (lo, hi) = ctx.history;
    let m = ctx
        .measure(ctx.load, move |i| {
            let id = lo + (mix(i) % ((hi - lo + 1) as u64)) as i64;
            let code = CodeKind::Shipment.format(id);
            let req = api.merchant(Method::GET, &format!("/shipments/{code}/detail"));
            async move { http::envelope_ok(&http::exchange(req).await?) }
        })
        .await;
    Ok(done(m, "req", "random stored shipment"))
}

async fn list(ctx: &Ctx, path: String, note: &str) -> anyhow::Result<Ran> {
    let api = ctx.api.clone();
    let m = ctx
        .measure(ctx.load, move |_| {
            let req = api.merchant(Method::GET, &path);
            async move { http::envelope_ok(&http::exchange(req).await?) }
        })
        .await;
    Ok(done(m, "req", note))
}

/// Page 1,000 reached by the cursor the server hands out (`Link: rel="next"` of page 999).
async fn list_cursor(ctx: &Ctx) -> anyhow::Result<Ran> {
    let reply = http::exchange(
        ctx.api
            .merchant(Method::GET, "/shipments/b2c?page=999&page_size=50"),
    )
    .await
    .map_err(anyhow::Error::msg)?;
    let Some(target) = reply.link.as_deref().and_then(http::next_link) else {
        return Ok(Ran::Skipped(format!(
            "page 999 has no Link rel=\"next\" ({} {})",
            reply.status,
            reply.text()
        )));
    };
    let api = ctx.api.clone();
    let url = api.url(&target);
    let m = ctx
        .measure(ctx.load, move |_| {
            let req = api
                .client
                .get(&url)
                .header("Authorization", &api.seed.api_key);
            async move { http::envelope_ok(&http::exchange(req).await?) }
        })
        .await;
    Ok(done(m, "req", "page 1,000 by cursor (keyset)"))
}

async fn cancel(ctx: &Ctx) -> anyhow::Result<Ran> {
    let pool = ctx.pool("x", ctx.pool_size(6000.0), 1).await?;
    let api = ctx.api.clone();
    let load = Load {
        max_requests: pool.len() as u64,
        ..ctx.load
    };
    let m = ctx
        .measure(load, move |i| {
            let code = pool[i as usize].code();
            let req = api.merchant(Method::PUT, &format!("/shipments/b2c/{code}/cancel"));
            async move { http::envelope_ok(&http::exchange(req).await?) }
        })
        .await;
    Ok(done(m, "req", "NEW → CANCELLED, reservation released"))
}

pub const BULK: usize = 100;

async fn bulk_cancel(ctx: &Ctx) -> anyhow::Result<Ran> {
    // Bulk should cancel many times faster than single cancels; size for up to 10×.
    let requests = ctx.pool_size(ctx.guess("cancel", 10.0, 5_000.0, 30_000.0) / BULK as f64);
    let pool = ctx.pool("b", requests * BULK as u64, 1).await?;
    let api = ctx.api.clone();
    let load = Load {
        max_requests: requests,
        ..ctx.load
    };
    let m = ctx
        .measure(load, move |i| {
            let start = i as usize * BULK;
            let codes: Vec<String> = pool[start..start + BULK]
                .iter()
                .map(PoolItem::code)
                .collect();
            let req = api
                .merchant(Method::POST, "/shipments/b2c/cancel")
                .json(&json!({"tracking_codes": codes, "reason_code": "CUSTOMER_REQUEST"}));
            async move {
                let reply = http::exchange(req).await?;
                http::envelope_ok(&reply)?;
                let ok = count(&reply.body, b"\"success\":true");
                if ok == BULK as u64 {
                    Ok(ok)
                } else {
                    Err(format!("{ok} of {BULK} cancelled: {}", reply.text()))
                }
            }
        })
        .await;
    Ok(done(
        m,
        "shipments",
        "100 codes per request; items = shipments cancelled",
    ))
}

fn count(haystack: &[u8], needle: &[u8]) -> u64 {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count() as u64
}

async fn partial_cancel(ctx: &Ctx) -> anyhow::Result<Ran> {
    let pool = ctx
        .pool(
            "p",
            ctx.pool_size(ctx.guess("cancel", 2.0, 1_000.0, 6_000.0)),
            2,
        )
        .await?;
    let api = ctx.api.clone();
    let load = Load {
        max_requests: pool.len() as u64,
        ..ctx.load
    };
    let m = ctx
        .measure(load, move |i| {
            let item = &pool[i as usize];
            let req = api
                .merchant(Method::PUT, &format!("/shipments/b2c/{}/cancel", item.code()))
                .json(&json!({"lines": [{"line_id": item.line_id, "quantity": 1}], "reason_code": "STOCK_OUT"}));
            async move {
                let reply = http::exchange(req).await?;
                http::envelope_ok(&reply)?;
                if reply.contains("\"successor_tracking_code\":\"OASC") {
                    Ok(1)
                } else {
                    Err(format!("no successor: {}", reply.text()))
                }
            }
        })
        .await;
    Ok(done(
        m,
        "req",
        "1 of 2 units; closes the shipment, opens its successor",
    ))
}

/// A dialect cancel: probe with the pool's first shipment; skip when the server does not
/// serve the path yet; otherwise run the load over the rest of the pool.
async fn dialect<B>(
    ctx: &Ctx,
    name: &str,
    build: B,
    check: fn(&Reply) -> OpResult,
) -> anyhow::Result<Ran>
where
    B: Fn(&Api, &PoolItem) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let pool = ctx
        .pool(
            name,
            ctx.pool_size(ctx.guess("cancel", 2.0, 1_000.0, 6_000.0)) + 1,
            1,
        )
        .await?;
    let probe = http::exchange(build(&ctx.api, &pool[0]))
        .await
        .map_err(anyhow::Error::msg)?;
    if probe.route_missing() {
        return Ok(Ran::Skipped(format!(
            "not available: the server answers {} for this path",
            probe.status
        )));
    }
    if let Err(e) = check(&probe) {
        eprintln!("  {name}: the probe request failed ({e}); running anyway, errors will show");
    }
    let api = ctx.api.clone();
    let load = Load {
        max_requests: pool.len() as u64 - 1,
        ..ctx.load
    };
    let m = ctx
        .measure(load, move |i| {
            let req = build(&api, &pool[i as usize + 1]);
            async move { check(&http::exchange(req).await?) }
        })
        .await;
    Ok(done(m, "req", ""))
}

async fn shipper_cancel(ctx: &Ctx) -> anyhow::Result<Ran> {
    let r = dialect(
        ctx,
        "shipper",
        |api, item| {
            api.client
                .patch(api.url("/shipper/v3/fulfillment/outbound/oms/cancel"))
                .header("x-api-key", &api.seed.api_key)
                .json(&json!({"data": {"cancellation": {
                    "order_no": item.reference, "warehouse_id": WAREHOUSE, "cancel_reason": "customer changed mind"
                }}}))
        },
        http::status_ok,
    )
    .await?;
    Ok(with_note(r, "PATCH …/oms/cancel by merchant reference"))
}

async fn ithink_cancel(ctx: &Ctx) -> anyhow::Result<Ran> {
    let r = dialect(
        ctx,
        "ithink",
        |api, item| {
            api.client
                .post(api.url("/ithink/api_v3/order/cancel.json"))
                .json(&json!({"data": {
                    "access_token": api.seed.key_id, "secret_key": api.seed.secret,
                    "awb_numbers": item.code()
                }}))
        },
        |reply| {
            if reply.status == 200 && reply.contains("\"Success\"") {
                Ok(1)
            } else {
                Err(format!("{} {}", reply.status, reply.text()))
            }
        },
    )
    .await?;
    Ok(with_note(r, "one AWB per request"))
}

async fn trendyol_cancel(ctx: &Ctx) -> anyhow::Result<Ran> {
    let r = dialect(
        ctx,
        "trendyol",
        |api, item| {
            api.client
                .put(api.url(&format!(
                    "/trendyol/integration/order/sellers/{}/shipment-packages/{}/items/unsupplied",
                    api.seed.business_id, item.id
                )))
                .basic_auth(&api.seed.key_id, Some(&api.seed.secret))
                .header("User-Agent", format!("{} - depot-bench", api.seed.business_id))
                .json(&json!({"lines": [{"lineId": item.line_id, "quantity": item.quantity}], "reasonId": 500}))
        },
        http::status_ok,
    )
    .await?;
    Ok(with_note(r, "every unit of the package (full cancel)"))
}

fn with_note(r: Ran, note: &str) -> Ran {
    match r {
        Ran::Done(mut m) => {
            m.note = note.into();
            Ran::Done(m)
        }
        skipped => skipped,
    }
}

/// Webhook delivery, live: subscribe a local receiver to `shipment.update_status`, create
/// shipments at full concurrency, then wait for their events. Latency is from the create's
/// reply to the receiver seeing the event; throughput is events received per second from the
/// first create to the last receipt; errors are events that never arrived.
///
/// Backlog (`webhook-backlog`): the same with the subscription disabled while the shipments
/// are created, then enabled: throughput is how fast the worker drains the waiting deliveries
/// (from enabling to the last receipt) and latency is from enabling to each receipt.
async fn webhooks(ctx: &Ctx, backlog: bool) -> anyhow::Result<Ran> {
    let receiver = Receiver::start().await?;
    let reply = http::exchange(ctx.api.merchant(Method::POST, "/webhooks").json(&json!({
        "url": receiver.url, "events": ["shipment.update_status"], "language": "en"
    })))
    .await
    .map_err(anyhow::Error::msg)?;
    if reply.route_missing() {
        receiver.stop();
        return Ok(Ran::Skipped(format!(
            "not available: POST /api/v1/webhooks answers {}",
            reply.status
        )));
    }
    if http::envelope_ok(&reply).is_err() {
        receiver.stop();
        anyhow::bail!(
            "subscribing the receiver failed: {} {}",
            reply.status,
            reply.text()
        );
    }
    let body: Value = serde_json::from_slice(&reply.body)?;
    let subscription = json_id(&body["data"]["id"]);
    let toggle = |action: &str| {
        http::exchange(
            ctx.api
                .merchant(Method::POST, &format!("/webhooks/{subscription}/{action}")),
        )
    };
    if backlog {
        let reply = toggle("disable").await.map_err(anyhow::Error::msg)?;
        if let Err(e) = http::envelope_ok(&reply) {
            receiver.stop();
            anyhow::bail!("disabling the subscription failed: {e}");
        }
    }

    // Events of the shipments this scenario creates, by tracking code: when the create
    // answered.
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let api = ctx.api.clone();
    let tag = format!("{}-{}", ctx.tag, if backlog { "wb" } else { "w" });
    let s = sent.clone();
    let start = Instant::now();
    let reset = reset_peak(ctx.pid);
    let sampler = RssSampler::start(ctx.pid);
    let cpu = Cpu::now(ctx.pid);
    let creates = load::run(ctx.load, move |i| {
        let oasins = &api.seed.oasins;
        let body = create_body(&format!("{tag}-{i}"), &oasins[i as usize % oasins.len()]);
        let req = api
            .merchant(Method::POST, "/shipments/b2c/create")
            .json(&body);
        let s = s.clone();
        async move {
            let reply = http::exchange(req).await?;
            http::envelope_ok(&reply)?;
            let v: Value = serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
            let code = v["data"]["tracking_code"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            s.lock().unwrap().insert(code, Instant::now());
            Ok(1)
        }
    })
    .await;
    let (origin, cpu, reset, sampler) = if backlog {
        // Only the drain is measured: restart the clocks and the memory mark here.
        let early = receiver.matched(&sent);
        if early > 0 {
            eprintln!(
                "  webhook-backlog: {early} events arrived while the subscription was disabled"
            );
        }
        let reply = toggle("enable").await.map_err(anyhow::Error::msg)?;
        http::envelope_ok(&reply).map_err(|e| anyhow::anyhow!("enabling failed: {e}"))?;
        let _ = sampler.finish(ctx.pid);
        (
            Instant::now(),
            Cpu::now(ctx.pid),
            reset_peak(ctx.pid),
            RssSampler::start(ctx.pid),
        )
    } else {
        (start, cpu, reset, sampler)
    };
    // Wait for the deliveries: until every event arrived, or nothing new came for 10 s,
    // or 120 s in all.
    let expected = sent.lock().unwrap().len();
    let wait_start = Instant::now();
    let mut last_count = 0;
    let mut last_progress = Instant::now();
    loop {
        let got = receiver.matched(&sent);
        if got >= expected {
            break;
        }
        if got != last_count {
            last_count = got;
            last_progress = Instant::now();
        }
        if last_progress.elapsed() > Duration::from_secs(10)
            || wait_start.elapsed() > Duration::from_secs(120)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sampled = sampler.finish(ctx.pid);
    let mem = Memory::of(ctx.pid);
    let peak = if reset {
        mem.peak_kib.max(sampled)
    } else {
        sampled
    };
    let cpu = Cpu::now(ctx.pid).since(&cpu, origin.elapsed());

    let _ = http::exchange(
        ctx.api
            .merchant(Method::DELETE, &format!("/webhooks/{subscription}")),
    )
    .await;
    let (mut out, last_receipt, duplicates, others) =
        receiver.outcome(&sent, backlog.then_some(origin));
    receiver.stop();
    out.errors = (expected as u64).saturating_sub(out.items);
    if out.errors > 0 {
        out.first_error = Some(format!("{} of {expected} events never arrived", out.errors));
    }
    out.requests = out.items + out.errors;
    out.elapsed = last_receipt
        .map(|t| t.saturating_duration_since(origin))
        .unwrap_or(Duration::ZERO);
    let note = if backlog {
        format!(
            "{expected} events waiting (made by {} creates at {:.0}/s), drained in {:.1} s after enabling; {duplicates} duplicate deliveries, {others} other events",
            creates.requests,
            creates.per_second(),
            out.elapsed.as_secs_f64()
        )
    } else {
        format!(
            "{} creates at {:.0}/s ({} errors) while delivering; {duplicates} duplicate deliveries, {others} other events",
            creates.requests,
            creates.per_second(),
            creates.errors,
        )
    };
    Ok(Ran::Done(Box::new(Measured {
        outcome: out,
        unit: "events",
        peak_kib: peak,
        end_kib: mem.rss_kib,
        cpu,
        note,
        timeline: None,
    })))
}

fn json_id(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A local webhook receiver: answers 200 at once and notes when each event arrived.
struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
    handle: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct ReceiverState {
    /// tracking code → first receipt.
    seen: HashMap<String, Instant>,
    ids: HashSet<String>,
    duplicates: u64,
    others: u64,
}

impl Receiver {
    async fn start() -> anyhow::Result<Receiver> {
        use axum::extract::State;
        use axum::http::HeaderMap;
        let state: Arc<Mutex<ReceiverState>> = Arc::default();
        async fn hook(
            State(state): State<Arc<Mutex<ReceiverState>>>,
            headers: HeaderMap,
            body: axum::body::Bytes,
        ) -> &'static str {
            let now = Instant::now();
            let id = headers
                .get("webhook-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let mut s = state.lock().unwrap();
            if !s.ids.insert(id) {
                s.duplicates += 1;
                return "ok";
            }
            match (
                event["event_code"].as_str(),
                event["tracking_code"].as_str(),
            ) {
                (Some("shipment.update_status"), Some(code)) => {
                    s.seen.entry(code.to_string()).or_insert(now);
                }
                _ => s.others += 1,
            }
            "ok"
        }
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver { url, state, handle })
    }

    fn matched(&self, sent: &Mutex<HashMap<String, Instant>>) -> usize {
        let sent = sent.lock().unwrap();
        let s = self.state.lock().unwrap();
        sent.keys().filter(|c| s.seen.contains_key(*c)).count()
    }

    /// Latency per event from the create's reply (or from `origin`) to its receipt.
    fn outcome(
        &self,
        sent: &Mutex<HashMap<String, Instant>>,
        origin: Option<Instant>,
    ) -> (Outcome, Option<Instant>, u64, u64) {
        let sent = sent.lock().unwrap();
        let s = self.state.lock().unwrap();
        let mut out = Outcome::empty();
        let mut last = None;
        for (code, at) in sent.iter() {
            if let Some(got) = s.seen.get(code) {
                out.record(got.saturating_duration_since(origin.unwrap_or(*at)), &Ok(1));
                last = Some(last.map_or(*got, |l: Instant| l.max(*got)));
            }
        }
        (out, last, s.duplicates, s.others)
    }

    fn stop(self) {
        self.handle.abort();
    }
}

/// The operator flow a mixed run walks shipments along, one step per transition.
const FLOW: &[&str] = &[
    "ALLOCATED",
    "PICKED",
    "PACKED",
    "HANDOVER",
    "IN_TRANSIT",
    "DELIVERED",
];

/// Shares of a mixed run, in percent: creates, detail reads, first-page lists, cancels,
/// operator transitions.
pub const MIX: [(&str, u64); 5] = [
    ("create", 25),
    ("detail", 35),
    ("list", 10),
    ("cancel", 15),
    ("transition", 15),
];

/// Which operation the mix picks for request `i`.
pub fn pick(i: u64) -> usize {
    let mut r = mix(i ^ 0x5eed) % 100;
    for (k, (_, share)) in MIX.iter().enumerate() {
        if r < *share {
            return k;
        }
        r -= share;
    }
    MIX.len() - 1
}

/// Shipments a mixed run works on: NEW ones to cancel or start moving, and moving ones with
/// the index of their next step in [`FLOW`].
#[derive(Default)]
pub struct MixMaterial {
    pub new: Mutex<Vec<String>>,
    pub moving: Mutex<VecDeque<(String, usize)>>,
}

impl MixMaterial {
    pub fn take_new(&self) -> Option<String> {
        self.new.lock().unwrap().pop()
    }

    /// The next shipment to move and its next status.
    pub fn take_moving(&self) -> Option<(String, usize)> {
        if let Some(m) = self.moving.lock().unwrap().pop_front() {
            return Some(m);
        }
        self.take_new().map(|c| (c, 0))
    }

    pub fn moved(&self, code: String, step: usize) {
        if step + 1 < FLOW.len() {
            self.moving.lock().unwrap().push_back((code, step + 1));
        }
    }
}

async fn mixed(ctx: &Ctx) -> anyhow::Result<Ran> {
    // Shipments to cancel and move from the start; creates add more.
    let pool = ctx.pool("m", ctx.pool_size(1000.0), 1).await?;
    let material = Arc::new(MixMaterial::default());
    material
        .new
        .lock()
        .unwrap()
        .extend(pool.iter().map(PoolItem::code));
    let kinds: Arc<Mutex<Vec<Outcome>>> =
        Arc::new(Mutex::new(MIX.iter().map(|_| Outcome::empty()).collect()));
    let api = ctx.api.clone();
    let tag = ctx.tag.clone();
    let history = ctx.history;
    let k = kinds.clone();
    let m = ctx
        .measure(ctx.load, move |i| {
            let api = api.clone();
            let tag = tag.clone();
            let material = material.clone();
            let k = k.clone();
            async move {
                let t = Instant::now();
                let kind = pick(i);
                let result = mixed_op(&api, &material, &tag, history, i, kind).await;
                k.lock().unwrap()[kind].record(t.elapsed(), &result);
                result
            }
        })
        .await;
    let kinds = kinds.lock().unwrap();
    let breakdown = MIX
        .iter()
        .zip(kinds.iter())
        .map(|((name, _), o)| {
            format!(
                "{name} {:.0}/s p99 {:.1} ms",
                o.requests as f64 / m.0.elapsed.as_secs_f64(),
                o.ms(0.99)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(done(m, "req", breakdown))
}

async fn mixed_op(
    api: &Api,
    material: &MixMaterial,
    tag: &str,
    (lo, hi): (i64, i64),
    i: u64,
    kind: usize,
) -> OpResult {
    let detail = |id: i64| {
        api.merchant(
            Method::GET,
            &format!("/shipments/{}/detail", CodeKind::Shipment.format(id)),
        )
    };
    let random_history = lo + (mix(i) % ((hi - lo + 1) as u64)) as i64;
    match MIX[kind].0 {
        "create" => {
            let oasins = &api.seed.oasins;
            let body = create_body(&format!("{tag}-mx-{i}"), &oasins[i as usize % oasins.len()]);
            let reply = http::exchange(
                api.merchant(Method::POST, "/shipments/b2c/create")
                    .json(&body),
            )
            .await?;
            http::envelope_ok(&reply)?;
            let v: Value = serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
            if let Some(code) = v["data"]["tracking_code"].as_str() {
                material.new.lock().unwrap().push(code.to_string());
            }
            Ok(1)
        }
        "list" => http::envelope_ok(
            &http::exchange(api.merchant(Method::GET, "/shipments/b2c?page=1&page_size=50"))
                .await?,
        ),
        "cancel" => match material.take_new() {
            Some(code) => http::envelope_ok(
                &http::exchange(
                    api.merchant(Method::PUT, &format!("/shipments/b2c/{code}/cancel")),
                )
                .await?,
            ),
            None => http::envelope_ok(&http::exchange(detail(random_history)).await?),
        },
        "transition" => match material.take_moving() {
            Some((code, step)) => {
                let reply = http::exchange(
                    api.ops(Method::POST, &format!("/shipments/{code}/status"))
                        .json(&json!({"status": FLOW[step], "note": "benchmark"})),
                )
                .await?;
                let r = http::envelope_ok(&reply);
                if r.is_ok() {
                    material.moved(code, step);
                }
                r
            }
            None => http::envelope_ok(&http::exchange(detail(random_history)).await?),
        },
        _ => http::envelope_ok(&http::exchange(detail(random_history)).await?),
    }
}
