//! The warehouse floor's big steps (SPEC §11), each one request that moves many shipments in
//! one transaction: releasing a wave of 500 NEW shipments (→ ALLOCATED) and closing a
//! manifest of 500 parcels (→ HANDOVER). Figures: the time of that one request (and of
//! scanning the 500 parcels onto the manifest), so a shift lead knows what a click costs.
//! The shipments come from a pool written by SQL; walking them to PACKED goes through the
//! API, untimed.

use crate::context::{done, Ctx, Ran};
use crate::http::{self, Api};
use crate::load::{Load, OpResult};
use crate::setup::WAREHOUSE;
use anyhow::{bail, Context};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Shipments per wave and parcels per manifest.
pub const BATCH: usize = 500;

fn one() -> Load {
    Load {
        concurrency: 1,
        max_requests: 1,
        duration: Duration::from_secs(3600),
    }
}

/// Posts a JSON body and returns `data`, or the reply as an error.
async fn post(api: &Api, path: &str, body: Value) -> Result<Value, String> {
    let reply = http::exchange(api.ops(Method::POST, path).json(&body)).await?;
    if !(200..300).contains(&reply.status) {
        return Err(format!("{path}: {} {}", reply.status, reply.text()));
    }
    let body: Value = serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
    Ok(body["data"].clone())
}

async fn wave(api: &Api, codes: &[String]) -> OpResult {
    let data = post(
        api,
        "/waves",
        json!({ "warehouse_code": WAREHOUSE, "tracking_codes": codes }),
    )
    .await?;
    match data["tracking_codes"].as_array() {
        Some(c) if c.len() == codes.len() => Ok(codes.len() as u64),
        _ => Err(format!("wave released {data}")),
    }
}

/// Walks shipments through operator moves, a few requests at a time (untimed setup).
async fn walk(api: &Api, codes: &[String], statuses: &[&str]) -> anyhow::Result<()> {
    const AT_ONCE: usize = 16;
    for chunk in codes.chunks(AT_ONCE) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|code| {
                let (api, code) = (api.clone(), code.clone());
                let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
                tokio::spawn(async move {
                    for s in statuses {
                        post(
                            &api,
                            &format!("/shipments/{code}/status"),
                            json!({ "status": s }),
                        )
                        .await?;
                    }
                    Ok::<(), String>(())
                })
            })
            .collect();
        for t in tasks {
            t.await?.map_err(anyhow::Error::msg)?;
        }
    }
    Ok(())
}

async fn probe(ctx: &Ctx) -> anyhow::Result<bool> {
    let reply = http::exchange(ctx.api.ops(Method::GET, "/waves"))
        .await
        .map_err(anyhow::Error::msg)?;
    Ok(!reply.route_missing())
}

async fn pool_codes(ctx: &Ctx, name: &str) -> anyhow::Result<Vec<String>> {
    let pool = ctx.pool(name, BATCH as u64, 1).await?;
    if pool.len() < BATCH {
        bail!("pool of {} shipments, wanted {BATCH}", pool.len());
    }
    Ok(pool.iter().take(BATCH).map(|p| p.code()).collect())
}

/// One wave of 500 NEW shipments, timed from request to reply.
pub async fn floor_wave(ctx: &Ctx) -> anyhow::Result<Ran> {
    if !probe(ctx).await? {
        return Ok(Ran::Skipped("not available".into()));
    }
    let codes = Arc::new(pool_codes(ctx, "wave").await?);
    let api = ctx.api.clone();
    let m = ctx
        .measure(one(), move |_| {
            let (api, codes) = (api.clone(), codes.clone());
            async move { wave(&api, &codes).await }
        })
        .await;
    if m.0.errors > 0 {
        bail!(
            "the wave failed: {}",
            m.0.first_error.clone().unwrap_or_default()
        );
    }
    let ms = m.0.elapsed.as_secs_f64() * 1000.0;
    let note = format!(
        "one POST /ops/v1/waves of {BATCH} NEW shipments → ALLOCATED (history, event each) in {ms:.0} ms"
    );
    Ok(done(m, "shipments", note))
}

/// One manifest of 500 packed parcels: scanned on (timed apart), then closed (the figure).
pub async fn floor_manifest(ctx: &Ctx) -> anyhow::Result<Ran> {
    if !probe(ctx).await? {
        return Ok(Ran::Skipped("not available".into()));
    }
    let codes = pool_codes(ctx, "manifest").await?;
    let t = Instant::now();
    wave(&ctx.api, &codes).await.map_err(anyhow::Error::msg)?;
    walk(&ctx.api, &codes, &["PICKED", "PACKED"]).await?;
    eprintln!(
        "  ({BATCH} shipments released and walked to PACKED in {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let manifest = post(
        &ctx.api,
        "/manifests",
        json!({ "warehouse_code": WAREHOUSE, "courier_name": "GHN" }),
    )
    .await
    .map_err(anyhow::Error::msg)?;
    let id = manifest["manifest_id"].as_i64().context("manifest_id")?;
    let t = Instant::now();
    let scanned = post(
        &ctx.api,
        &format!("/manifests/{id}/parcels"),
        json!({ "tracking_codes": codes }),
    )
    .await
    .map_err(anyhow::Error::msg)?;
    let scan_ms = t.elapsed().as_secs_f64() * 1000.0;
    let ok = scanned
        .as_array()
        .map(|r| r.iter().filter(|r| r["success"] == true).count())
        .unwrap_or(0);
    if ok != BATCH {
        bail!("{ok} of {BATCH} parcels scanned onto the manifest");
    }
    let api = ctx.api.clone();
    let m = ctx
        .measure(one(), move |_| {
            let api = api.clone();
            async move {
                let data = post(&api, &format!("/manifests/{id}/close"), json!({})).await?;
                match data["tracking_codes"].as_array() {
                    Some(c) if data["status"] == "CLOSED" && c.len() == BATCH => Ok(BATCH as u64),
                    _ => Err(format!("close answered {data}")),
                }
            }
        })
        .await;
    if m.0.errors > 0 {
        bail!(
            "the close failed: {}",
            m.0.first_error.clone().unwrap_or_default()
        );
    }
    let ms = m.0.elapsed.as_secs_f64() * 1000.0;
    let note = format!(
        "one POST /ops/v1/manifests/{{id}}/close of {BATCH} parcels → HANDOVER in {ms:.0} ms \
         (scanning the {BATCH} onto it, one request: {scan_ms:.0} ms)"
    );
    Ok(done(m, "parcels", note))
}
