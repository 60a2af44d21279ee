//! The load loop: a fixed number of workers, each sending one request at a time (closed loop),
//! until the duration is over or the request budget is spent, whichever comes first. The same
//! loop drives HTTP scenarios and the in-process baselines, so both are measured alike.

use hdrhistogram::Histogram;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How hard and how long.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub concurrency: usize,
    pub duration: Duration,
    /// Requests at most, over all workers.
    pub max_requests: u64,
}

/// What one operation reports: how many items it handled (a bulk cancel of 100 → 100), or why
/// it failed.
pub type OpResult = Result<u64, String>;

/// The figures of one load run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Latency of every operation, successful or not, in microseconds.
    pub latency: Histogram<u64>,
    pub requests: u64,
    pub errors: u64,
    pub items: u64,
    pub elapsed: Duration,
    pub first_error: Option<String>,
    /// Per second of the run (by when each operation ended): what a pause looks like.
    pub timeline: Vec<Second>,
}

/// One second of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Second {
    pub requests: u64,
    pub errors: u64,
    /// The slowest operation that ended in this second, µs.
    pub max_micros: u64,
}

impl Outcome {
    pub fn empty() -> Outcome {
        Outcome {
            latency: new_histogram(),
            requests: 0,
            errors: 0,
            items: 0,
            elapsed: Duration::ZERO,
            first_error: None,
            timeline: Vec::new(),
        }
    }

    /// The slowest operation, in milliseconds.
    pub fn max_ms(&self) -> f64 {
        if self.latency.is_empty() {
            return 0.0;
        }
        self.latency.max() as f64 / 1000.0
    }

    pub fn per_second(&self) -> f64 {
        rate(self.requests, self.elapsed)
    }

    pub fn items_per_second(&self) -> f64 {
        rate(self.items, self.elapsed)
    }

    /// A latency quantile in milliseconds.
    pub fn ms(&self, quantile: f64) -> f64 {
        if self.latency.is_empty() {
            return 0.0;
        }
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }

    pub fn merge(&mut self, other: &Outcome) {
        self.latency
            .add(&other.latency)
            .expect("same histogram bounds");
        self.requests += other.requests;
        self.errors += other.errors;
        self.items += other.items;
        self.elapsed = self.elapsed.max(other.elapsed);
        if self.first_error.is_none() {
            self.first_error = other.first_error.clone();
        }
        if self.timeline.len() < other.timeline.len() {
            self.timeline
                .resize(other.timeline.len(), Second::default());
        }
        for (mine, theirs) in self.timeline.iter_mut().zip(&other.timeline) {
            mine.requests += theirs.requests;
            mine.errors += theirs.errors;
            mine.max_micros = mine.max_micros.max(theirs.max_micros);
        }
    }

    /// Records an operation and files it under the second of the run in which it ended.
    pub fn record_at(&mut self, second: usize, latency: Duration, result: &OpResult) {
        self.record(latency, result);
        if self.timeline.len() <= second {
            self.timeline.resize(second + 1, Second::default());
        }
        let s = &mut self.timeline[second];
        s.requests += 1;
        s.errors += u64::from(result.is_err());
        s.max_micros = s.max_micros.max(latency.as_micros() as u64);
    }

    pub fn record(&mut self, latency: Duration, result: &OpResult) {
        self.requests += 1;
        let _ = self
            .latency
            .record((latency.as_micros() as u64).clamp(1, MAX_MICROS));
        match result {
            Ok(items) => self.items += items,
            Err(e) => {
                self.errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(e.chars().take(300).collect());
                }
            }
        }
    }
}

pub fn rate(count: u64, elapsed: Duration) -> f64 {
    if elapsed.is_zero() {
        0.0
    } else {
        count as f64 / elapsed.as_secs_f64()
    }
}

const MAX_MICROS: u64 = 120_000_000;

pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds")
}

/// Runs `op(i)` for i = 0, 1, 2… on `load.concurrency` workers. Every `i` is handed out once,
/// so an operation can use it to pick its own shipment from a prepared pool.
pub async fn run<F, Fut>(load: Load, op: F) -> Outcome
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = OpResult> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + load.duration;
    let mut workers = Vec::with_capacity(load.concurrency);
    for _ in 0..load.concurrency.max(1) {
        let op = op.clone();
        let next = next.clone();
        workers.push(tokio::spawn(async move {
            let mut out = Outcome::empty();
            loop {
                if Instant::now() >= deadline {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= load.max_requests {
                    break;
                }
                let t = Instant::now();
                let result = op(i).await;
                let latency = t.elapsed();
                // By when it ended: a stall shows in the second it let go, with its length.
                let second = start.elapsed().as_secs() as usize;
                out.record_at(second, latency, &result);
            }
            out
        }));
    }
    let mut total = Outcome::empty();
    for w in workers {
        match w.await {
            Ok(out) => total.merge(&out),
            Err(e) => {
                total.errors += 1;
                total.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    total.elapsed = start.elapsed();
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stops_at_the_request_budget_and_counts_errors() {
        let load = Load {
            concurrency: 4,
            duration: Duration::from_secs(30),
            max_requests: 100,
        };
        let out = run(load, |i| async move {
            if i % 10 == 0 {
                Err("boom".to_string())
            } else {
                Ok(2)
            }
        })
        .await;
        assert_eq!(out.requests, 100);
        assert_eq!(out.errors, 10);
        assert_eq!(out.items, 180);
        assert_eq!(out.first_error.as_deref(), Some("boom"));
        let seconds: u64 = out.timeline.iter().map(|s| s.requests).sum();
        assert_eq!(seconds, 100);
        assert_eq!(out.timeline.iter().map(|s| s.errors).sum::<u64>(), 10);
    }

    #[tokio::test]
    async fn stops_at_the_deadline() {
        let load = Load {
            concurrency: 2,
            duration: Duration::from_millis(50),
            max_requests: u64::MAX,
        };
        let out = run(load, |_| async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok(1)
        })
        .await;
        assert!(out.requests > 0 && out.requests < 100);
        assert!(out.elapsed < Duration::from_secs(5));
    }
}
