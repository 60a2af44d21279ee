//! The in-process baseline: the same database work as each HTTP scenario, called straight on
//! `depot_store::Db` in a tight loop at the same concurrency, with no HTTP, JSON or auth.
//! HTTP ÷ in-process then says how much the web layer costs, on whatever machine it runs.
//!
//! Writes (creates, cancels) run on a fresh database of their own, seeded like the server's.
//! Reads (detail, lists) and the mixed load need the stored history, so they run on the
//! server's database after the server has stopped.

use crate::context::mix;
use crate::load::{self, Load, OpResult, Outcome};
use crate::scenarios::{pick, MixMaterial, BULK, MIX};
use crate::setup::{self, PoolItem, PoolSpec, Seed, WAREHOUSE};
use depot_domain::cancel::{CancelGuard, CancelReason, LineCancel};
use depot_domain::codes::CodeKind;
use depot_domain::status::ShipmentStatus;
use depot_store::list::PageRequest;
use depot_store::shipments::{CancelCommand, NewShipment, ShipmentFilter};
use depot_store::Db;
use std::collections::HashMap;
use std::sync::Arc;

/// The databases the baseline works on.
pub struct Dbs<'a> {
    /// Fresh, seeded in-process.
    pub fresh: &'a Db,
    pub fresh_seed: &'a Seed,
    /// The server's database and seed, with the stored history.
    pub history: &'a Db,
    pub history_seed: &'a Seed,
    pub history_ids: (i64, i64),
}

fn flat<T, E: std::fmt::Debug>(r: depot_store::Result<Result<T, E>>) -> OpResult {
    match r {
        Ok(Ok(_)) => Ok(1),
        Ok(Err(e)) => Err(format!("{e:?}")),
        Err(e) => Err(e.to_string()),
    }
}

fn cmd(guard: CancelGuard, reason: CancelReason, lines: Vec<LineCancel>) -> CancelCommand {
    CancelCommand {
        guard,
        reason,
        reason_note: None,
        lines,
        actor: "merchant".into(),
    }
}

pub fn new_shipment(reference: String, oasin: &str) -> NewShipment {
    NewShipment {
        warehouse_code: WAREHOUSE.into(),
        platform: "shopee".into(),
        merchant_tracking_code_reference: reference,
        courier_name: Some("GHN".into()),
        items: vec![(oasin.to_string(), 1)],
        receiver: Some(serde_json::json!({
            "name": "Nguyễn Văn A", "phone": "0901234567", "address": "12 Phố Huế",
            "province_code": "01", "district_code": "001", "ward_code": "00001"
        })),
        cod_amount_minor: Some(15_000_000),
        note: Some("benchmark".into()),
        ..Default::default()
    }
}

/// Runs the baseline of every scenario in `names` that has one; returns them by scenario.
pub async fn run(
    dbs: &Dbs<'_>,
    load: Load,
    tag: &str,
    names: &[String],
    http_rates: &HashMap<String, f64>,
) -> anyhow::Result<HashMap<String, Outcome>> {
    let mut results = HashMap::new();
    // Pools for the in-process side: up to 4× what HTTP reached, within [lo, hi].
    let guess = |scenario: &str, lo: f64, hi: f64| match http_rates.get(scenario) {
        Some(r) => (r * 4.0).clamp(lo, hi),
        None => hi,
    };
    let pool_size = |per_second: f64| {
        ((per_second * load.duration.as_secs_f64()).ceil() as u64 + load.concurrency as u64)
            .min(load.max_requests)
    };
    let pool = |name: &str, count: u64, quantity: i64| {
        let prefix = format!("{tag}-base-{name}-");
        async move {
            let items = setup::pool(
                dbs.fresh,
                dbs.fresh_seed,
                &PoolSpec {
                    prefix: &prefix,
                    count,
                    delivered: false,
                    quantity,
                    spread_times: false,
                },
                true,
            )
            .await?;
            anyhow::Ok(Arc::new(items))
        }
    };
    let now = setup::now();
    let (lo, hi) = dbs.history_ids;
    let span = (hi - lo + 1) as u64;
    let hb = dbs.history_seed.business_id;
    let fb = dbs.fresh_seed.business_id;
    for name in names {
        let name = name.as_str();
        let out = match name {
            "create" => {
                let db = dbs.fresh.clone();
                let oasins = Arc::new(dbs.fresh_seed.oasins.clone());
                let tag = tag.to_string();
                load::run(load, move |i| {
                    let db = db.clone();
                    let new = new_shipment(
                        format!("{tag}-base-c-{i}"),
                        &oasins[i as usize % oasins.len()],
                    );
                    async move { flat(db.create_shipment(fb, &new, "merchant", now).await) }
                })
                .await
            }
            "detail" => {
                let db = dbs.history.clone();
                load::run(load, move |i| {
                    let db = db.clone();
                    async move {
                        match db.shipment_by_id(hb, lo + (mix(i) % span) as i64).await {
                            Ok(Some(_)) => Ok(1),
                            Ok(None) => Err("not found".into()),
                            Err(e) => Err(e.to_string()),
                        }
                    }
                })
                .await
            }
            "list-first" | "list-deep" | "list-deep-cursor" => {
                let db = dbs.history.clone();
                let mut page = PageRequest {
                    page: if name == "list-deep" { 1000 } else { 1 },
                    page_size: 50,
                    after: None,
                };
                if name == "list-deep-cursor" {
                    let before = PageRequest {
                        page: 999,
                        page_size: 50,
                        after: None,
                    };
                    page.after = db
                        .list_shipments(hb, &ShipmentFilter::default(), &before)
                        .await?
                        .next;
                    if page.after.is_none() {
                        continue;
                    }
                }
                let page = Arc::new(page);
                load::run(load, move |_| {
                    let db = db.clone();
                    let page = page.clone();
                    async move {
                        db.list_shipments(hb, &ShipmentFilter::default(), &page)
                            .await
                            .map(|_| 1)
                            .map_err(|e| e.to_string())
                    }
                })
                .await
            }
            // The dialects run the same store call as the native cancel; their rows reuse it.
            "cancel" => {
                let pool = pool("x", pool_size(guess("cancel", 2_000.0, 15_000.0)), 1).await?;
                let db = dbs.fresh.clone();
                let cmd = Arc::new(cmd(
                    CancelGuard::BeforeHandover,
                    CancelReason::Other,
                    vec![],
                ));
                let load = Load {
                    max_requests: pool.len() as u64,
                    ..load
                };
                load::run(load, move |i| {
                    let (db, cmd, id) = (db.clone(), cmd.clone(), pool[i as usize].id);
                    async move { flat(db.cancel_shipment(fb, id, &cmd, now).await) }
                })
                .await
            }
            "bulk-cancel" => {
                let requests = pool_size(guess("bulk-cancel", 5_000.0, 80_000.0) / BULK as f64);
                let pool = pool("b", requests * BULK as u64, 1).await?;
                let db = dbs.fresh.clone();
                let cmd = Arc::new(cmd(
                    CancelGuard::BeforeHandover,
                    CancelReason::CustomerRequest,
                    vec![],
                ));
                let load = Load {
                    max_requests: requests,
                    ..load
                };
                load::run(load, move |i| {
                    let start = i as usize * BULK;
                    let ids: Vec<Option<i64>> = pool[start..start + BULK]
                        .iter()
                        .map(|p| Some(p.id))
                        .collect();
                    let (db, cmd) = (db.clone(), cmd.clone());
                    async move {
                        let results = db
                            .cancel_shipments(fb, &ids, &cmd, now)
                            .await
                            .map_err(|e| e.to_string())?;
                        let ok = results.iter().filter(|r| r.is_ok()).count() as u64;
                        if ok == BULK as u64 {
                            Ok(ok)
                        } else {
                            Err(format!("{ok} of {BULK} cancelled"))
                        }
                    }
                })
                .await
            }
            "partial-cancel" => {
                let pool = pool(
                    "p",
                    pool_size(guess("partial-cancel", 2_000.0, 10_000.0)),
                    2,
                )
                .await?;
                let db = dbs.fresh.clone();
                let load = Load {
                    max_requests: pool.len() as u64,
                    ..load
                };
                load::run(load, move |i| {
                    let item: PoolItem = pool[i as usize].clone();
                    let db = db.clone();
                    async move {
                        let c = cmd(
                            CancelGuard::BeforeHandover,
                            CancelReason::StockOut,
                            vec![LineCancel {
                                line_id: Some(item.line_id),
                                oasin: None,
                                quantity: 1,
                            }],
                        );
                        flat(db.cancel_shipment(fb, item.id, &c, now).await)
                    }
                })
                .await
            }
            "mixed" => mixed(dbs, load, tag, now).await?,
            _ => continue,
        };
        results.insert(name.to_string(), out);
    }
    Ok(results)
}

/// The mixed load's operations, in process, on the server's database (it has the history
/// the reads pick from): the same shares as the HTTP mix.
async fn mixed(dbs: &Dbs<'_>, load: Load, tag: &str, now: i64) -> anyhow::Result<Outcome> {
    let seed = dbs.history_seed;
    let prefix = format!("{tag}-base-m-");
    let pool = setup::pool(
        dbs.history,
        seed,
        &PoolSpec {
            prefix: &prefix,
            count: ((1000.0 * load.duration.as_secs_f64()) as u64).min(load.max_requests),
            delivered: false,
            quantity: 1,
            spread_times: false,
        },
        true,
    )
    .await?;
    let material = Arc::new(MixMaterial::default());
    material
        .new
        .lock()
        .unwrap()
        .extend(pool.iter().map(PoolItem::code));
    let db = dbs.history.clone();
    let oasins = Arc::new(seed.oasins.clone());
    let b = seed.business_id;
    let (lo, hi) = dbs.history_ids;
    let tag = tag.to_string();
    let flow = [
        ShipmentStatus::Allocated,
        ShipmentStatus::Picked,
        ShipmentStatus::Packed,
        ShipmentStatus::Handover,
        ShipmentStatus::InTransit,
        ShipmentStatus::Delivered,
    ];
    let cancel = Arc::new(cmd(
        CancelGuard::BeforeHandover,
        CancelReason::Other,
        vec![],
    ));
    Ok(load::run(load, move |i| {
        let (db, material, oasins, cancel) =
            (db.clone(), material.clone(), oasins.clone(), cancel.clone());
        let reference = format!("{tag}-base-mx-{i}");
        async move {
            let random = lo + (mix(i) % ((hi - lo + 1) as u64)) as i64;
            let read = |id: i64| {
                let db = db.clone();
                async move {
                    match db.shipment_by_id(b, id).await {
                        Ok(Some(_)) => Ok(1),
                        Ok(None) => Err("not found".to_string()),
                        Err(e) => Err(e.to_string()),
                    }
                }
            };
            match MIX[pick(i)].0 {
                "create" => {
                    let new = new_shipment(reference, &oasins[i as usize % oasins.len()]);
                    match db.create_shipment(b, &new, "merchant", now).await {
                        Ok(Ok(s)) => {
                            material.new.lock().unwrap().push(s.tracking_code());
                            Ok(1)
                        }
                        other => flat(other),
                    }
                }
                "list" => {
                    let page = PageRequest {
                        page: 1,
                        page_size: 50,
                        after: None,
                    };
                    db.list_shipments(b, &ShipmentFilter::default(), &page)
                        .await
                        .map(|_| 1)
                        .map_err(|e| e.to_string())
                }
                "cancel" => match material.take_new() {
                    Some(code) => {
                        let id = CodeKind::Shipment.parse(&code).unwrap_or(0);
                        flat(db.cancel_shipment(b, id, &cancel, now).await)
                    }
                    None => read(random).await,
                },
                "transition" => match material.take_moving() {
                    Some((code, step)) => {
                        let r = flat(
                            db.transition_shipment(
                                &code,
                                flow[step],
                                (None, None),
                                Some("benchmark"),
                                now,
                            )
                            .await,
                        );
                        if r.is_ok() {
                            material.moved(code, step);
                        }
                        r
                    }
                    None => read(random).await,
                },
                _ => read(random).await,
            }
        }
    })
    .await)
}

/// The cost of one statement on the writer connection, one at a time for a second: what
/// every statement of a write transaction pays before doing any work (µs).
pub async fn roundtrip(db: &Db) -> anyhow::Result<f64> {
    let load = Load {
        concurrency: 1,
        duration: std::time::Duration::from_secs(1),
        max_requests: u64::MAX,
    };
    let db = db.clone();
    let out = load::run(load, move |_| {
        let db = db.clone();
        async move {
            depot_store::sql::query("SELECT 1")
                .execute(db.writer())
                .await
                .map(|_| 1)
                .map_err(|e| e.to_string())
        }
    })
    .await;
    Ok(out.elapsed.as_secs_f64() * 1e6 / out.requests.max(1) as f64)
}
