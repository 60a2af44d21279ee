//! The sustained scenarios: a minute (`--sustained-duration`) of steady writes, measured
//! second by second so that a pause of the whole server cannot hide in an average. Each
//! reports p99.9 and the slowest request beside the usual figures, a per-second chart of
//! throughput and of the slowest request, and (SQLite) the size of the WAL file.
//!
//! * `sustained-create`: creates only, spread over every product of the seed;
//! * `sustained-mixed`: 40 % creates, 40 % details of stored shipments, 20 % cancels of
//!   shipments this scenario created, spread over every product;
//! * `sustained-hot1` / `sustained-hot8`: the same mix with every create (and so every
//!   cancel) on 1 or on 8 products, the contended case (one stock row takes every write).

use crate::context::{mix, Ctx, Measured, Ran};
use crate::http::{self, Api};
use crate::load::{Load, OpResult, Outcome};
use crate::report::Timeline;
use crate::setup::create_body;
use depot_domain::codes::CodeKind;
use reqwest::Method;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
enum Work {
    Create,
    Mixed,
}

/// The shares of the sustained mix, in percent: creates, details, cancels.
const MIX: [(&str, u64); 3] = [("create", 40), ("detail", 40), ("cancel", 20)];

pub async fn run(name: &str, ctx: &Ctx) -> anyhow::Result<Ran> {
    let all = ctx.seed.oasins.len();
    let (work, products, short) = match name {
        "sustained-create" => (Work::Create, all, "sc"),
        "sustained-mixed" => (Work::Mixed, all, "sm"),
        "sustained-hot1" => (Work::Mixed, 1, "sh1"),
        "sustained-hot8" => (Work::Mixed, 8.min(all), "sh8"),
        other => anyhow::bail!("unknown sustained scenario {other}"),
    };
    sustained(ctx, work, products, short).await
}

async fn sustained(ctx: &Ctx, work: Work, products: usize, short: &str) -> anyhow::Result<Ran> {
    let oasins: Arc<Vec<String>> = Arc::new(ctx.seed.oasins[..products.max(1)].to_vec());
    let load = Load {
        duration: ctx.sustained,
        ..ctx.load
    };
    let kinds: Arc<Mutex<Vec<Outcome>>> =
        Arc::new(Mutex::new(MIX.iter().map(|_| Outcome::empty()).collect()));
    // Shipments created here and not cancelled yet (the mix cancels its own creates).
    let created: Arc<Mutex<Vec<String>>> = Arc::default();
    let api = ctx.api.clone();
    let tag = format!("{}-{short}", ctx.tag);
    let history = ctx.history;
    let wal = WalSampler::start(ctx.wal.clone());
    let started = utc_now();
    let (k, c) = (kinds.clone(), created.clone());
    let m = ctx
        .measure(load, move |i| {
            let (api, oasins, tag, k, c) = (
                api.clone(),
                oasins.clone(),
                tag.clone(),
                k.clone(),
                c.clone(),
            );
            async move {
                let t = Instant::now();
                let kind = match work {
                    Work::Create => 0,
                    Work::Mixed => pick(i),
                };
                let result = op(&api, &oasins, &c, &tag, history, i, kind).await;
                k.lock().unwrap()[kind].record(t.elapsed(), &result);
                result
            }
        })
        .await;
    let wal_bytes = wal.finish();
    let kinds = kinds.lock().unwrap();
    let elapsed = m.0.elapsed.as_secs_f64();
    let mut note = format!(
        "{} on {products} product{}",
        match work {
            Work::Create => "creates",
            Work::Mixed => "40 % create, 40 % detail, 20 % cancel of its own creates",
        },
        if products == 1 { "" } else { "s" }
    );
    if let Work::Mixed = work {
        let parts: Vec<String> = MIX
            .iter()
            .zip(kinds.iter())
            .map(|((name, _), o)| {
                format!(
                    "{name} {:.0}/s p99 {:.1} · p99.9 {:.1} · max {:.0} ms",
                    o.requests as f64 / elapsed,
                    o.ms(0.99),
                    o.ms(0.999),
                    o.max_ms()
                )
            })
            .collect();
        note.push_str(&format!("; {}", parts.join("; ")));
    }
    if let Some(top) = wal_bytes.iter().max() {
        note.push_str(&format!(
            "; WAL file at most {:.0} MiB",
            *top as f64 / 1024.0 / 1024.0
        ));
    }
    let timeline = Timeline {
        started,
        full_seconds: ctx.sustained.as_secs() as usize,
        seconds: m.0.timeline.clone(),
        wal_bytes,
    };
    Ok(Ran::Done(Box::new(Measured {
        outcome: m.0,
        unit: "req",
        peak_kib: m.1,
        end_kib: m.2,
        cpu: m.3,
        note,
        timeline: Some(timeline),
    })))
}

fn pick(i: u64) -> usize {
    let mut r = mix(i ^ 0x5a17) % 100;
    for (k, (_, share)) in MIX.iter().enumerate() {
        if r < *share {
            return k;
        }
        r -= share;
    }
    MIX.len() - 1
}

async fn op(
    api: &Api,
    oasins: &[String],
    created: &Mutex<Vec<String>>,
    tag: &str,
    (lo, hi): (i64, i64),
    i: u64,
    kind: usize,
) -> OpResult {
    let detail = || {
        let id = lo + (mix(i) % ((hi - lo + 1) as u64)) as i64;
        api.merchant(
            Method::GET,
            &format!("/shipments/{}/detail", CodeKind::Shipment.format(id)),
        )
    };
    match MIX[kind].0 {
        "create" => {
            let body = create_body(&format!("{tag}-{i}"), &oasins[i as usize % oasins.len()]);
            let reply = http::exchange(
                api.merchant(Method::POST, "/shipments/b2c/create")
                    .json(&body),
            )
            .await?;
            http::envelope_ok(&reply)?;
            let v: Value = serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
            if let Some(code) = v["data"]["tracking_code"].as_str() {
                created.lock().unwrap().push(code.to_string());
            }
            Ok(1)
        }
        "cancel" => {
            // Creates outnumber cancels two to one, so only the first instants find none.
            let code = created.lock().unwrap().pop();
            match code {
                Some(code) => http::envelope_ok(
                    &http::exchange(
                        api.merchant(Method::PUT, &format!("/shipments/b2c/{code}/cancel")),
                    )
                    .await?,
                ),
                None => http::envelope_ok(&http::exchange(detail()).await?),
            }
        }
        _ => http::envelope_ok(&http::exchange(detail()).await?),
    }
}

/// "HH:MM:SS" of now, UTC.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Follows the size of the `-wal` file every 50 ms: the largest size in each second.
struct WalSampler {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<Vec<u64>>>,
}

impl WalSampler {
    fn start(path: Option<PathBuf>) -> WalSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = path.map(|path| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                let mut seconds: Vec<u64> = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                    let second = start.elapsed().as_secs() as usize;
                    if seconds.len() <= second {
                        seconds.resize(second + 1, 0);
                    }
                    seconds[second] = seconds[second].max(size);
                    std::thread::sleep(Duration::from_millis(50));
                }
                seconds
            })
        });
        WalSampler { stop, handle }
    }

    fn finish(mut self) -> Vec<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }
}
