//! What every scenario shares: the run's context, the measuring of one load and the
//! figures it gives. Kept apart from the scenario list so scenario files use it without
//! importing the list that names them.

use crate::http::Api;
use crate::load::{self, Load, OpResult, Outcome};
use crate::server::{reset_peak, Cpu, CpuSplit, Memory, RssSampler};
use crate::setup::{self, PoolItem, PoolSpec, Seed};
use depot_store::Db;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What a run knows while it drives one server.
pub struct Ctx {
    pub api: Api,
    /// The server's own database, for writing pools (while no request is in flight).
    pub db: Db,
    pub seed: Arc<Seed>,
    pub pid: u32,
    pub load: Load,
    /// Unique per run, so merchant references never collide.
    pub tag: String,
    /// Ids of the stored history (the list seed), first and last.
    pub history: (i64, i64),
    /// Items per second of the scenarios already run, to size the pools of later ones.
    pub rates: Mutex<HashMap<String, f64>>,
    /// How long each sustained scenario runs.
    pub sustained: std::time::Duration,
    /// The SQLite database's `-wal` file (None on PostgreSQL), whose size the sustained
    /// scenarios follow.
    pub wal: Option<std::path::PathBuf>,
}

/// A scenario's figures.
pub struct Measured {
    pub outcome: Outcome,
    /// What one item is: `req`, `shipments`, `events`.
    pub unit: &'static str,
    pub peak_kib: u64,
    pub end_kib: u64,
    pub cpu: CpuSplit,
    pub note: String,
    pub timeline: Option<crate::report::Timeline>,
}

pub enum Ran {
    Done(Box<Measured>),
    Skipped(String),
}

impl Ctx {
    /// Shipments to prepare for a scenario that consumes one per item: enough for the whole
    /// duration at `per_second`, within the request budget.
    /// A rate to size a pool by: `factor` × what `scenario` reached in this run, within
    /// [lo, hi]; `hi` when it has not run.
    pub(crate) fn guess(&self, scenario: &str, factor: f64, lo: f64, hi: f64) -> f64 {
        match self.rates.lock().unwrap().get(scenario) {
            Some(r) => (r * factor).clamp(lo, hi),
            None => hi,
        }
    }

    pub(crate) fn pool_size(&self, per_second: f64) -> u64 {
        let wanted = (per_second * self.load.duration.as_secs_f64()).ceil() as u64
            + self.load.concurrency as u64;
        wanted.min(self.load.max_requests)
    }

    pub(crate) async fn pool(
        &self,
        name: &str,
        count: u64,
        quantity: i64,
    ) -> anyhow::Result<Arc<Vec<PoolItem>>> {
        let prefix = format!("{}-{name}-", self.tag);
        let t = Instant::now();
        let items = setup::pool(
            &self.db,
            &self.seed,
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
        eprintln!(
            "  (pool of {} shipments written in {:.1} s)",
            items.len(),
            t.elapsed().as_secs_f64()
        );
        Ok(Arc::new(items))
    }

    /// Runs the load with the server's peak RSS reset before and read after.
    pub(crate) async fn measure<F, Fut>(&self, load: Load, op: F) -> (Outcome, u64, u64, CpuSplit)
    where
        F: Fn(u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = OpResult> + Send + 'static,
    {
        let reset = reset_peak(self.pid);
        let sampler = RssSampler::start(self.pid);
        let cpu = Cpu::now(self.pid);
        let out = load::run(load, op).await;
        let cpu = Cpu::now(self.pid).since(&cpu, out.elapsed);
        let sampled = sampler.finish(self.pid);
        let mem = Memory::of(self.pid);
        let peak = if reset {
            mem.peak_kib.max(sampled)
        } else {
            sampled
        };
        (out, peak, mem.rss_kib, cpu)
    }
}

/// A cheap, well-spread hash of the request number (splitmix64), to pick rows at random
/// without a shared generator.
pub fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) fn done(
    m: (Outcome, u64, u64, CpuSplit),
    unit: &'static str,
    note: impl Into<String>,
) -> Ran {
    Ran::Done(Box::new(Measured {
        outcome: m.0,
        unit,
        peak_kib: m.1,
        end_kib: m.2,
        cpu: m.3,
        note: note.into(),
        timeline: None,
    }))
}
