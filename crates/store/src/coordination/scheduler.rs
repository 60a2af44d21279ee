//! Background work with one owner at a time, across every process on the database.
//!
//! ```ignore
//! let mut jobs = Scheduler::new(db.clone(), clock.clone(), process_identity(), Duration::from_secs(15));
//! // Runs every hour on exactly one process (whichever holds the lease "media-retention").
//! jobs.every("media-retention", Duration::from_secs(3600), |ctx| async move {
//!     ctx.db.delete_media_older_than(...).await
//! });
//! // Each queued "report" job runs on one process, up to 2 at a time per process.
//! jobs.queue("report", 2, |job| async move { render_report(&job.payload).await.map_err(|e| e.to_string()) });
//! tokio::spawn(jobs.run(shutdown));
//! // …and elsewhere, in the transaction that creates the report row:
//! coordination::jobs::enqueue(&mut tx, "report", Some(business_id), &payload, 3, now).await?;
//! ```
//!
//! * **Periodic jobs** ([`Scheduler::every`]): each name is a row in `job_leases`. A process
//!   runs the job only while it holds that lease; it renews the lease every third of its
//!   length, also while the job runs, and cancels the run if the lease is lost (a run must
//!   therefore be safe to stop at any await: one transaction, or steps that are each
//!   committed). Processes that do not hold it ask again every `min(interval, lease / 3)`, so
//!   a stopped owner (which releases its leases) is replaced within that, a crashed one
//!   within the lease. The first run is at once, then every `interval` after a run ends.
//! * **Queued jobs** ([`Scheduler::queue`]): see [`super::jobs`]. Polled every second; a
//!   failed run is retried after 30 s, 1 min, 2 min… (at most an hour), up to the job's
//!   `max_attempts`, then FAILED.
//!
//! `depot serve --role worker|all` runs the scheduler; `--role api` does not.

use super::jobs::QueuedJob;
use crate::{Db, Result};
use depot_domain::SharedClock;
use futures::future::BoxFuture;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Semaphore};

/// What a periodic run knows about itself.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub clock: SharedClock,
    pub name: &'static str,
    /// This process's identity, as the lease table shows it.
    pub owner: Arc<str>,
    /// The lease's epoch: it changes whenever another process held the lease in between.
    pub epoch: i64,
}

type Periodic = Arc<dyn Fn(JobContext) -> BoxFuture<'static, Result<()>> + Send + Sync>;
type Handler =
    Arc<dyn Fn(QueuedJob) -> BoxFuture<'static, std::result::Result<(), String>> + Send + Sync>;

/// How often a queue looks for due jobs.
const QUEUE_POLL: Duration = Duration::from_secs(1);
/// How long a stopping process lets queued jobs in flight finish before giving them back.
const STOP_GRACE: Duration = Duration::from_secs(10);

pub struct Scheduler {
    db: Db,
    clock: SharedClock,
    owner: Arc<str>,
    lease: Duration,
    periodic: Vec<(&'static str, Duration, Periodic)>,
    queues: Vec<(&'static str, usize, Handler)>,
}

impl Scheduler {
    /// `owner` names this process in the lease table; `lease` is how long a crashed
    /// process keeps its jobs before another takes them.
    pub fn new(db: Db, clock: SharedClock, owner: impl Into<String>, lease: Duration) -> Scheduler {
        Scheduler {
            db,
            clock,
            owner: owner.into().into(),
            lease: lease.max(Duration::from_secs(1)),
            periodic: Vec::new(),
            queues: Vec::new(),
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Runs `job` every `interval` on exactly one process.
    pub fn every<F, Fut>(&mut self, name: &'static str, interval: Duration, job: F) -> &mut Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.periodic
            .push((name, interval, Arc::new(move |ctx| Box::pin(job(ctx)))));
        self
    }

    /// Runs each queued job of `kind` on one process, up to `concurrency` at once here.
    pub fn queue<F, Fut>(&mut self, kind: &'static str, concurrency: usize, handler: F) -> &mut Self
    where
        F: Fn(QueuedJob) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<(), String>> + Send + 'static,
    {
        self.queues.push((
            kind,
            concurrency.max(1),
            Arc::new(move |job| Box::pin(handler(job))),
        ));
        self
    }

    /// Runs every job until `shutdown` resolves, then gives the leases back.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        for (name, interval, job) in self.periodic {
            let runner = PeriodicRunner {
                db: self.db.clone(),
                clock: self.clock.clone(),
                owner: self.owner.clone(),
                lease: self.lease,
                name,
                interval,
                job,
            };
            tasks.spawn(runner.run(stopped.clone()));
        }
        for (kind, concurrency, handler) in self.queues {
            let runner = QueueRunner {
                db: self.db.clone(),
                clock: self.clock.clone(),
                lease: self.lease,
                kind,
                concurrency,
                handler,
            };
            tasks.spawn(runner.run(stopped.clone()));
        }
        shutdown.await;
        let _ = stop.send(true);
        while tasks.join_next().await.is_some() {}
    }
}

struct PeriodicRunner {
    db: Db,
    clock: SharedClock,
    owner: Arc<str>,
    lease: Duration,
    name: &'static str,
    interval: Duration,
    job: Periodic,
}

impl PeriodicRunner {
    async fn run(self, mut stop: watch::Receiver<bool>) {
        let renew_every = self.lease / 3;
        let ask_every = self
            .interval
            .min(renew_every)
            .max(Duration::from_millis(250));
        // The epoch held and until when (local clock, from just before the statement).
        let mut held: Option<(i64, Instant)> = None;
        let mut next_run = Instant::now();
        loop {
            let asked = Instant::now();
            match self
                .db
                .acquire_lease(self.name, &self.owner, self.lease)
                .await
            {
                Ok(Some(epoch)) => {
                    if held.map(|h| h.0) != Some(epoch) {
                        tracing::info!(job = self.name, owner = %self.owner, epoch, "job lease taken");
                    }
                    held = Some((epoch, asked + self.lease));
                }
                Ok(None) => {
                    if held.take().is_some() {
                        tracing::warn!(job = self.name, "job lease lost to another process");
                    }
                }
                Err(e) => {
                    tracing::debug!(job = self.name, error = %e, "renewing job lease");
                    if held.is_some_and(|(_, until)| Instant::now() >= until) {
                        held = None;
                    }
                }
            }
            if let Some((epoch, until)) = held {
                if Instant::now() >= next_run && Instant::now() < until {
                    match self.run_once(epoch, until).await {
                        RunEnd::Finished(Ok(())) => {
                            if let Err(e) = self
                                .db
                                .record_lease_run(self.name, &self.owner, epoch)
                                .await
                            {
                                tracing::debug!(job = self.name, error = %e, "recording a run");
                            }
                        }
                        RunEnd::Finished(Err(e)) => {
                            tracing::warn!(job = self.name, error = %e, "background job failed")
                        }
                        RunEnd::LeaseLost => {
                            tracing::warn!(
                                job = self.name,
                                "job lease lost during a run; run cancelled"
                            );
                            held = None;
                        }
                    }
                    next_run = Instant::now() + self.interval;
                }
            }
            let wait = match held {
                Some(_) => renew_every.min(next_run.saturating_duration_since(Instant::now())),
                None => ask_every,
            };
            tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                _ = tokio::time::sleep(wait) => {}
            }
        }
        if held.is_some() {
            if let Err(e) = self.db.release_lease(self.name, &self.owner).await {
                tracing::debug!(job = self.name, error = %e, "releasing job lease");
            }
        }
    }

    /// One run, renewing the lease beside it; cancelled if the lease is lost.
    async fn run_once(&self, epoch: i64, mut until: Instant) -> RunEnd {
        let ctx = JobContext {
            db: self.db.clone(),
            clock: self.clock.clone(),
            name: self.name,
            owner: self.owner.clone(),
            epoch,
        };
        let run = (self.job)(ctx);
        tokio::pin!(run);
        loop {
            tokio::select! {
                outcome = &mut run => return RunEnd::Finished(outcome),
                _ = tokio::time::sleep(self.lease / 3) => {
                    let asked = Instant::now();
                    match self.db.acquire_lease(self.name, &self.owner, self.lease).await {
                        Ok(Some(e)) if e == epoch => until = asked + self.lease,
                        Ok(_) => return RunEnd::LeaseLost,
                        Err(_) if Instant::now() >= until => return RunEnd::LeaseLost,
                        Err(_) => {}
                    }
                }
            }
        }
    }
}

enum RunEnd {
    Finished(Result<()>),
    LeaseLost,
}

struct QueueRunner {
    db: Db,
    clock: SharedClock,
    lease: Duration,
    kind: &'static str,
    concurrency: usize,
    handler: Handler,
}

impl QueueRunner {
    async fn run(self, mut stop: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let mut running = tokio::task::JoinSet::new();
        let this = Arc::new(self);
        loop {
            let free = slots.available_permits();
            if free > 0 {
                let now = this.clock.now();
                match this
                    .db
                    .claim_jobs(this.kind, free as i64, now, this.lease)
                    .await
                {
                    Ok((token, jobs)) => {
                        for job in jobs {
                            let permit = slots.clone().acquire_owned().await.expect("open");
                            let (runner, token, stop) = (this.clone(), token.clone(), stop.clone());
                            running.spawn(async move {
                                runner.run_job(job, token, stop).await;
                                drop(permit);
                            });
                        }
                    }
                    Err(e) => tracing::debug!(kind = this.kind, error = %e, "claiming jobs"),
                }
            }
            tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                _ = tokio::time::sleep(QUEUE_POLL) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
        while running.join_next().await.is_some() {}
    }

    async fn run_job(&self, job: QueuedJob, token: String, mut stop: watch::Receiver<bool>) {
        let (id, attempt) = (job.id, job.attempt);
        let run = (self.handler)(job);
        tokio::pin!(run);
        let stopping = async {
            let _ = stop.wait_for(|s| *s).await;
            tokio::time::sleep(STOP_GRACE).await;
        };
        tokio::pin!(stopping);
        let outcome = loop {
            tokio::select! {
                outcome = &mut run => break outcome,
                _ = tokio::time::sleep(self.lease / 3) => {
                    match self.db.renew_job(id, &token, self.lease).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(kind = self.kind, job = id, "job lease lost; run cancelled");
                            return;
                        }
                        Err(e) => tracing::debug!(kind = self.kind, job = id, error = %e, "renewing job"),
                    }
                }
                _ = &mut stopping => {
                    // Shutting down: give the job back so another process runs it now.
                    if let Err(e) = self.db.release_job(id, &token).await {
                        tracing::debug!(kind = self.kind, job = id, error = %e, "giving a job back");
                    }
                    return;
                }
            }
        };
        if let Err(error) = &outcome {
            tracing::warn!(kind = self.kind, job = id, attempt, %error, "job failed");
        }
        let now = self.clock.now();
        let backoff = (30i64 << (attempt - 1).clamp(0, 7)).min(3600);
        if let Err(e) = self
            .db
            .finish_job(id, &token, outcome, now, now + backoff)
            .await
        {
            tracing::error!(kind = self.kind, job = id, error = %e, "recording a job's outcome");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Two schedulers on one database: the periodic job runs on one of them only, and a
    /// queued job runs once.
    #[tokio::test]
    async fn one_owner_between_two_schedulers() {
        let (db, _dir) = super::super::test_db().await;
        let clock: SharedClock = Arc::new(depot_domain::clock::SystemClock);
        let runs = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
        let handled = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        for (i, counter) in runs.iter().enumerate() {
            let mut s = Scheduler::new(
                db.clone(),
                clock.clone(),
                format!("p{i}"),
                Duration::from_secs(30),
            );
            let c = counter.clone();
            s.every("tick", Duration::from_millis(50), move |_| {
                let c = c.clone();
                async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                }
            });
            let h = handled.clone();
            s.queue("work", 2, move |_| {
                let h = h.clone();
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                }
            });
            let mut rx = stopped.clone();
            tasks.push(tokio::spawn(s.run(async move {
                let _ = rx.wait_for(|s| *s).await;
            })));
        }
        let id = super::super::jobs::enqueue(db.writer(), "work", None, "{}", 1, clock.now())
            .await
            .unwrap();
        for _ in 0..200 {
            let done = db.job_state(id).await.unwrap().unwrap().status == "DONE";
            if done && runs.iter().map(|r| r.load(Ordering::SeqCst)).sum::<usize>() >= 5 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let counts: Vec<usize> = runs.iter().map(|r| r.load(Ordering::SeqCst)).collect();
        assert!(
            counts.iter().filter(|&&n| n > 0).count() == 1,
            "one runner: {counts:?}"
        );
        assert_eq!(handled.load(Ordering::SeqCst), 1);
        let holder = db.lease_holder("tick").await.unwrap().unwrap();
        assert!(holder.live);
        let _ = stop.send(true);
        for t in tasks {
            t.await.unwrap();
        }
        // Stopping gave the lease back.
        assert!(!db.lease_holder("tick").await.unwrap().unwrap().live);
    }
}
