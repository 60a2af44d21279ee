//! Depot's background jobs and which process runs them (SPEC §12).
//!
//! [`Role`] says what a `depot serve` process does. The jobs that must run once across all
//! processes are registered in [`scheduler`] and run under leases
//! (`depot_store::coordination::Scheduler`): on several processes each job still runs on one
//! at a time. A new periodic job or job queue (reports…) is one more
//! line there:
//!
//! ```ignore
//! jobs.every("media-retention", Duration::from_secs(3600), |ctx| async move { … });
//! jobs.queue("report", 2, move |job| { let state = state.clone(); async move { … } });
//! ```

use crate::AppState;
use depot_store::coordination::Scheduler;
use depot_store::Backend;
use std::time::Duration;

/// What one `depot serve` process runs (`--role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// The HTTP API only (`/api/v1`, `/ops/v1`, the dialects, files, docs).
    Api,
    /// Background work only: webhook delivery and the jobs of [`scheduler`]; its HTTP
    /// listener answers `/healthz` and `/readyz` alone.
    Worker,
    /// Both (the default).
    #[default]
    All,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "api" => Some(Role::Api),
            "worker" => Some(Role::Worker),
            "all" => Some(Role::All),
            _ => None,
        }
    }

    pub fn serves_api(self) -> bool {
        self != Role::Worker
    }

    pub fn runs_workers(self) -> bool {
        self != Role::Api
    }
}

/// How often housekeeping runs.
pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);
/// How often PostgreSQL's appended shipment-count rows are folded.
pub const FOLD_COUNTS_EVERY: Duration = Duration::from_secs(2);
/// Finished queued jobs are kept this long, then purged.
const JOBS_KEPT_SECONDS: i64 = 7 * 86400;

/// The jobs that run on one process at a time.
pub fn scheduler(state: &AppState) -> Scheduler {
    let mut jobs = Scheduler::new(
        state.db.clone(),
        state.clock.clone(),
        state.config.instance.clone(),
        state.config.job_lease,
    );
    // Drop stored idempotent responses past their 24 h window (they would pile up for
    // ever), old invalidation announcements, full rate-limit rows and old finished jobs.
    jobs.every("housekeeping", HOUSEKEEPING_EVERY, |ctx| async move {
        let now = ctx.clock.now();
        ctx.db.purge_idempotency_keys(now).await?;
        ctx.db.purge_invalidations().await?;
        ctx.db.purge_rate_limits().await?;
        ctx.db.purge_jobs(now - JOBS_KEPT_SECONDS).await?;
        Ok(())
    });
    // Delete evidence media past their retention (rows, then bytes).
    let media_state = state.clone();
    jobs.every("media-retention", HOUSEKEEPING_EVERY, move |_ctx| {
        let state = media_state.clone();
        async move { crate::media::purge_expired(&state).await.map(|_| ()) }
    });
    // Render queued reports, two at a time per process; each on one process only.
    let report_state = state.clone();
    jobs.queue(depot_store::reports::REPORT_JOB, 2, move |job| {
        let state = report_state.clone();
        async move { crate::reports::run_job(&state, job).await }
    });
    // Delete reports past their retention (rows, then files).
    let report_retention = state.clone();
    jobs.every("report-retention", HOUSEKEEPING_EVERY, move |_ctx| {
        let state = report_retention.clone();
        async move { crate::reports::purge_expired(&state).await.map(|_| ()) }
    });
    // Fold the shipment count rows PostgreSQL's triggers append, so a list's total keeps
    // summing a handful of rows (SQLite updates its counts in place).
    if state.db.backend() == Backend::Postgres {
        jobs.every("shipment-counts", FOLD_COUNTS_EVERY, |ctx| async move {
            ctx.db.fold_shipment_counts().await
        });
    }
    jobs
}
