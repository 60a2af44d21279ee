//! The report scenario (SPEC §8): a shipments report of the whole stored history (one row per
//! shipment line: 1,000,000 rows with `--million`), requested over the API and rendered by the
//! server's background worker while reads keep coming. Figures: rows/s and time to finish
//! (from the request to DONE), the server's RSS growth during the report (target < 50 MiB),
//! and the p99 of the reads beside it against their p99 before the report.

use crate::context::{done, mix, Ctx, Ran};
use crate::http::{self, Api};
use crate::load::{Load, Outcome};
use crate::report::{REPORT_GROWTH_TARGET_MIB, REPORT_ROWS_TARGET};
use crate::server::Memory;
use anyhow::{bail, Context};
use depot_domain::codes::CodeKind;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Clients reading beside the report.
const READERS: usize = 8;
/// How long the reads run alone first, for their own p99.
const ALONE: Duration = Duration::from_secs(4);

/// Reads of random stored shipments (detail) and first list pages, until `stop`.
async fn reads(api: Api, history: (i64, i64), stop: Arc<AtomicBool>) -> Outcome {
    let outcome = Arc::new(Mutex::new(Outcome::empty()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..READERS {
        let (api, stop, outcome) = (api.clone(), stop.clone(), outcome.clone());
        workers.push(tokio::spawn(async move {
            let mut i = w as u64;
            while !stop.load(Ordering::Relaxed) {
                let req = if i.is_multiple_of(5) {
                    api.merchant(Method::GET, "/shipments/b2c?page=1&page_size=50")
                } else {
                    let id = history.0 + (mix(i) % ((history.1 - history.0 + 1) as u64)) as i64;
                    let code = CodeKind::Shipment.format(id);
                    api.merchant(Method::GET, &format!("/shipments/{code}/detail"))
                };
                let t = Instant::now();
                let result = match http::exchange(req).await {
                    Ok(reply) => http::envelope_ok(&reply),
                    Err(e) => Err(e),
                };
                outcome.lock().unwrap().record(t.elapsed(), &result);
                i += READERS as u64;
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    let mut out = outcome.lock().unwrap().clone();
    out.elapsed = started.elapsed();
    out
}

/// Requests the report and waits for it: Ok(rows) once DONE.
async fn report(api: &Api) -> Result<(u64, Value), String> {
    let reply = http::exchange(
        api.merchant(Method::POST, "/reports")
            .json(&json!({"type": "shipments", "format": "csv"})),
    )
    .await?;
    if reply.status != 202 {
        return Err(format!("{} {}", reply.status, reply.text()));
    }
    let body: Value = serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
    let id = body["data"]["report_id"]
        .as_i64()
        .ok_or_else(|| format!("no report_id: {body}"))?;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let reply = http::exchange(api.merchant(Method::GET, &format!("/reports/{id}"))).await?;
        let body: Value = serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
        let data = &body["data"];
        match data["status"].as_str() {
            Some("DONE") => return Ok((data["rows"].as_u64().unwrap_or(0), data.clone())),
            Some("FAILED") => return Err(format!("report failed: {data}")),
            _ => {}
        }
    }
}

pub async fn report_shipments(ctx: &Ctx) -> anyhow::Result<Ran> {
    let probe = http::exchange(ctx.api.merchant(Method::GET, "/reports"))
        .await
        .map_err(anyhow::Error::msg)?;
    if probe.route_missing() {
        return Ok(Ran::Skipped("not available".into()));
    }
    // The reads alone first: their p99 without a report running.
    let stop = Arc::new(AtomicBool::new(false));
    let alone = tokio::spawn(reads(ctx.api.clone(), ctx.history, stop.clone()));
    tokio::time::sleep(ALONE).await;
    stop.store(true, Ordering::Relaxed);
    let alone = alone.await.context("reads alone")?;

    let before = Memory::of(ctx.pid).rss_kib;
    let stop = Arc::new(AtomicBool::new(false));
    let beside = tokio::spawn(reads(ctx.api.clone(), ctx.history, stop.clone()));
    let api = ctx.api.clone();
    let detail: Arc<Mutex<Option<Value>>> = Arc::default();
    let seen = detail.clone();
    let m = ctx
        .measure(
            Load {
                concurrency: 1,
                max_requests: 1,
                duration: Duration::from_secs(3600),
            },
            move |_| {
                let (api, seen) = (api.clone(), seen.clone());
                async move {
                    let (rows, data) = report(&api).await?;
                    *seen.lock().unwrap() = Some(data);
                    Ok(rows)
                }
            },
        )
        .await;
    stop.store(true, Ordering::Relaxed);
    let beside = beside.await.context("reads beside the report")?;
    if m.0.errors > 0 {
        bail!(
            "the report failed: {}",
            m.0.first_error.clone().unwrap_or_default()
        );
    }
    let rows = m.0.items;
    let seconds = m.0.elapsed.as_secs_f64();
    let rows_s = rows as f64 / seconds.max(1e-9);
    let growth = (m.1.saturating_sub(before)) as f64 / 1024.0;
    let url = detail
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|d| d["download_url"].as_str().map(str::to_string))
        .unwrap_or_default();
    let mark = |ok: bool| if ok { "✅" } else { "❌" };
    let note = format!(
        "{} rows (shipments, CSV) in {seconds:.1} s from the request to DONE: {} rows/s (target ≥ {} on SQLite {}); \
         server RSS {:.0} MiB before, peak {:.0} MiB: growth {growth:.1} MiB (target < {REPORT_GROWTH_TARGET_MIB:.0} MiB {}); \
         {READERS} clients reading beside it (detail, first list page): p99 {:.1} ms alone, {:.1} ms during the report \
         ({} and {} reads/s, {} errors); file {url}",
        crate::report::thousands(rows as f64),
        crate::report::thousands(rows_s),
        crate::report::thousands(REPORT_ROWS_TARGET),
        mark(rows_s >= REPORT_ROWS_TARGET),
        before as f64 / 1024.0,
        m.1 as f64 / 1024.0,
        mark(growth < REPORT_GROWTH_TARGET_MIB),
        alone.ms(0.99),
        beside.ms(0.99),
        crate::report::thousands(alone.per_second()),
        crate::report::thousands(beside.per_second()),
        alone.errors + beside.errors,
    );
    Ok(done(m, "rows", note))
}
