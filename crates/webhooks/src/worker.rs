//! The delivery worker: fan out, lease, POST, record — and never hold a transaction open
//! while waiting for a receiver.
//!
//! [`Worker::run_once`] does one round (dispatch new events, lease a batch of due deliveries,
//! send them concurrently, record the outcomes) and says whether there was anything to do;
//! tests step it by hand with a manual clock. [`Worker::run`] is the long-running form inside
//! `depot serve`: it keeps up to `concurrency` requests in flight, leases more as slots free
//! up, records outcomes in batches, and stops cleanly on shutdown.

use crate::policy::{AddressPolicy, PolicyResolver};
use crate::schedule::{parse_retry_after, FailureHints, RetryPolicy};
use crate::signing::signature_header;
use depot_domain::SharedClock;
use depot_store::webhooks::{AttemptOutcome, ClaimedDelivery, DeliveryStatus, EndpointEffect};
use depot_store::Db;
use futures::StreamExt;
use reqwest::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Notify, Semaphore};

/// The longest response body kept in the delivery log.
pub const SNIPPET_BYTES: usize = 1024;
/// An endpoint failing without a success this long is disabled (SPEC §3.7: 5 days).
pub const DISABLE_AFTER_SECONDS: i64 = 5 * 86400;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub retry: RetryPolicy,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests in flight at once to one subscription, so one slow receiver cannot take
    /// every slot.
    pub per_endpoint_concurrency: usize,
    /// Deliveries leased per claim; events fanned out per dispatch.
    pub batch_size: usize,
    /// The whole request, from connecting to the end of the (bounded) body.
    pub request_timeout: Duration,
    pub policy: Arc<AddressPolicy>,
    /// Seconds without a success (while failing) before a subscription is disabled.
    pub disable_after: i64,
    /// How long an idle worker waits before looking for work again.
    pub idle_poll: Duration,
    /// The proxy deliveries go through (`--webhook-proxy`); None: straight to the target.
    /// The proxy variables of the environment (`HTTP_PROXY`, …) are never used.
    pub proxy: Option<reqwest::Url>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            retry: RetryPolicy::default(),
            concurrency: 64,
            per_endpoint_concurrency: 16,
            batch_size: 256,
            request_timeout: Duration::from_secs(15),
            policy: Arc::new(AddressPolicy::default()),
            disable_after: DISABLE_AFTER_SECONDS,
            idle_poll: Duration::from_millis(200),
            proxy: None,
        }
    }
}

impl WorkerConfig {
    /// How long a leased delivery stays out of other workers' reach: the request's timeout
    /// twice over plus a margin for recording it. A worker that dies holding a lease delays its
    /// deliveries by at most this much.
    pub fn lease_seconds(&self) -> i64 {
        2 * self.request_timeout.as_secs_f64().ceil() as i64 + 5
    }
}

/// Reads `--webhook-proxy`: an http:// or https:// URL with a host.
pub fn parse_proxy(text: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("expected http://HOST:PORT or https://HOST:PORT".into());
    }
    reqwest::Proxy::all(url.clone()).map_err(|e| e.to_string())?;
    Ok(url)
}

/// What one round found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Events were dispatched or deliveries attempted (how many attempts).
    Done(usize),
    /// Nothing was due.
    Empty,
}

#[derive(Clone)]
pub struct Worker {
    db: Db,
    clock: SharedClock,
    config: Arc<WorkerConfig>,
    client: reqwest::Client,
}

type WorkerResult<T> = Result<T, depot_store::StoreError>;

impl Worker {
    pub fn new(db: Db, clock: SharedClock, config: WorkerConfig) -> Worker {
        let resolver = PolicyResolver {
            policy: config.policy.clone(),
            exempt: config
                .proxy
                .as_ref()
                .and_then(|p| p.host_str())
                .map(str::to_string),
        };
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolver))
            .connect_timeout(config.request_timeout)
            .pool_max_idle_per_host(config.per_endpoint_concurrency.max(1));
        // Without an explicit proxy, none at all: reqwest would otherwise honour
        // HTTP_PROXY/HTTPS_PROXY/ALL_PROXY, and a proxy resolves and connects on its own,
        // past the address policy.
        let builder = match &config.proxy {
            Some(url) => builder
                .proxy(reqwest::Proxy::all(url.clone()).expect("a parsed URL is a valid proxy")),
            None => builder.no_proxy(),
        };
        let client = builder
            .build()
            .expect("the HTTP client builds with static settings");
        Worker {
            db,
            clock,
            config: Arc::new(config),
            client,
        }
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    /// One round: dispatch new events, lease due deliveries, send them, record the outcomes.
    pub async fn run_once(&self) -> WorkerResult<Step> {
        let now = self.clock.now();
        let batch = self.config.batch_size.max(1) as i64;
        let dispatched = self.db.dispatch_events(batch, now).await?;
        let (token, claimed) = self
            .db
            .claim_deliveries(batch, now, now + self.config.lease_seconds(), &[])
            .await?;
        if dispatched == 0 && claimed.is_empty() {
            return Ok(Step::Empty);
        }
        let attempts = claimed.len();
        let outcomes: Vec<AttemptOutcome> = futures::stream::iter(claimed)
            .map(|d| self.attempt(d, token.clone()))
            .buffer_unordered(self.config.concurrency.max(1))
            .collect()
            .await;
        self.record(&outcomes).await?;
        Ok(Step::Done(attempts))
    }

    /// Runs rounds until one finds nothing to do; returns the attempts made.
    pub async fn run_until_idle(&self) -> WorkerResult<usize> {
        let mut total = 0;
        while let Step::Done(n) = self.run_once().await? {
            total += n;
        }
        Ok(total)
    }

    async fn record(&self, outcomes: &[AttemptOutcome]) -> WorkerResult<()> {
        let now = self.clock.now();
        self.db
            .record_attempts(outcomes, now, now - self.config.disable_after)
            .await
    }

    /// Delivers until `shutdown` resolves, then lets the requests in flight finish (each is
    /// bounded by the request timeout) and records them.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        let concurrency = self.config.concurrency.max(1);
        let slots = Arc::new(Semaphore::new(concurrency));
        let finished = Arc::new(Notify::new());
        let busy: Arc<Mutex<HashMap<i64, usize>>> = Arc::default();
        let (results, mut incoming) = mpsc::unbounded_channel::<AttemptOutcome>();

        // Outcomes are written in batches by one task, off the requests' path.
        let recorder = {
            let worker = self.clone();
            tokio::spawn(async move {
                let mut batch = Vec::new();
                while let Some(first) = incoming.recv().await {
                    batch.push(first);
                    while batch.len() < 512 {
                        match incoming.try_recv() {
                            Ok(o) => batch.push(o),
                            Err(_) => break,
                        }
                    }
                    let mut wait = Duration::from_millis(100);
                    while let Err(e) = worker.record(&batch).await {
                        // Until it is recorded the delivery stays leased; keep trying, and if
                        // the process dies the lease expires and the attempt is made again.
                        tracing::error!(error = %e, "recording webhook attempts failed");
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(Duration::from_secs(5));
                    }
                    batch.clear();
                }
            })
        };

        tokio::pin!(shutdown);
        let mut errors = 0u32;
        loop {
            let idle = match self.feed(&slots, &finished, &busy, &results).await {
                Ok(found) => {
                    errors = 0;
                    !found
                }
                Err(e) => {
                    errors += 1;
                    tracing::error!(error = %e, "webhook worker round failed");
                    true
                }
            };
            let pause = if errors > 0 {
                self.config.idle_poll * errors.min(10)
            } else if idle {
                self.config.idle_poll
            } else {
                Duration::ZERO
            };
            // Idle: look again after the poll interval, or as soon as a request finishes (its
            // endpoint may have been skipped as busy, or a slot was all that was missing).
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(pause), if !pause.is_zero() => {}
                _ = finished.notified(), if !pause.is_zero() && errors == 0 => {}
                _ = std::future::ready(()), if pause.is_zero() => {}
            }
        }
        // Wait for the requests in flight, then for their outcomes to be written.
        let _all = slots.acquire_many(concurrency as u32).await;
        drop(results);
        let _ = recorder.await;
        tracing::info!("webhook worker stopped");
    }

    /// Dispatches and leases as many deliveries as there are free slots, starting their
    /// requests. True when it found anything to do.
    async fn feed(
        &self,
        slots: &Arc<Semaphore>,
        finished: &Arc<Notify>,
        busy: &Arc<Mutex<HashMap<i64, usize>>>,
        results: &mpsc::UnboundedSender<AttemptOutcome>,
    ) -> WorkerResult<bool> {
        let now = self.clock.now();
        let batch = self.config.batch_size.max(1);
        let dispatched = self.db.dispatch_events(batch as i64, now).await?;
        // Lease in sizeable batches: wait until a quarter of the slots are free (or the
        // worker is idle) rather than claiming one delivery at a time.
        let concurrency = self.config.concurrency.max(1);
        let want = (concurrency / 4).max(1);
        while slots.available_permits() < want {
            let _ = tokio::time::timeout(Duration::from_millis(50), finished.notified()).await;
        }
        let free = slots.available_permits().min(batch);
        let skip: Vec<i64> = {
            let busy = busy.lock().expect("busy map");
            busy.iter()
                .filter(|(_, n)| **n >= self.config.per_endpoint_concurrency.max(1))
                .map(|(id, _)| *id)
                .collect()
        };
        let now = self.clock.now();
        let (token, claimed) = self
            .db
            .claim_deliveries(free as i64, now, now + self.config.lease_seconds(), &skip)
            .await?;
        let found = dispatched > 0 || !claimed.is_empty();
        for delivery in claimed {
            let permit = slots
                .clone()
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            *busy
                .lock()
                .expect("busy map")
                .entry(delivery.endpoint_id)
                .or_default() += 1;
            let (worker, token, results) = (self.clone(), token.clone(), results.clone());
            let (busy, finished) = (busy.clone(), finished.clone());
            tokio::spawn(async move {
                let endpoint = delivery.endpoint_id;
                let outcome = worker.attempt(delivery, token).await;
                let _ = results.send(outcome);
                {
                    let mut busy = busy.lock().expect("busy map");
                    if let Some(n) = busy.get_mut(&endpoint) {
                        *n -= 1;
                        if *n == 0 {
                            busy.remove(&endpoint);
                        }
                    }
                }
                drop(permit);
                finished.notify_one();
            });
        }
        Ok(found)
    }

    /// Makes one HTTP attempt and decides what it means for the delivery.
    async fn attempt(&self, d: ClaimedDelivery, lease_token: String) -> AttemptOutcome {
        let now = self.clock.now();
        let started = Instant::now();
        let reply = self.post(&d, now).await;
        let duration_ms = started.elapsed().as_millis() as i64;
        let attempts = d.attempt_count + 1;
        let mut outcome = AttemptOutcome {
            delivery_id: d.delivery_id,
            endpoint_id: d.endpoint_id,
            lease_token,
            manual: d.manual,
            attempt_time: now,
            http_status: None,
            duration_ms,
            response_snippet: None,
            error: None,
            new_status: DeliveryStatus::Succeeded,
            next_attempt_time: now,
            effect: EndpointEffect::Success,
        };
        let mut hints = FailureHints::default();
        match reply {
            Ok(reply) => {
                outcome.http_status = Some(i64::from(reply.status));
                outcome.response_snippet = Some(reply.snippet);
                if (200..300).contains(&reply.status) {
                    return outcome;
                }
                if (300..400).contains(&reply.status) {
                    outcome.error = Some(match reply.location {
                        Some(to) => format!("redirect to {to} not followed"),
                        None => "redirect not followed".to_string(),
                    });
                }
                hints.throttled = reply.status == 429;
                if matches!(reply.status, 429 | 503) {
                    hints.retry_after = reply
                        .retry_after
                        .as_deref()
                        .and_then(|v| parse_retry_after(v, now));
                }
                outcome.effect = if reply.status == 410 {
                    EndpointEffect::Gone
                } else {
                    EndpointEffect::Failure
                };
            }
            Err(failure) => {
                hints.throttled = failure.timeout;
                outcome.error = Some(failure.message);
                outcome.effect = EndpointEffect::Failure;
            }
        }
        match self.config.retry.next_delay(attempts, hints) {
            Some(delay) => {
                outcome.new_status = DeliveryStatus::Pending;
                outcome.next_attempt_time = now + delay;
            }
            None => outcome.new_status = DeliveryStatus::Failed,
        }
        outcome
    }

    async fn post(&self, d: &ClaimedDelivery, timestamp: i64) -> Result<Reply, Failure> {
        let checked = match &self.config.proxy {
            // The proxy resolves the name: every address it may pick must be permitted.
            Some(_) => self.config.policy.check_resolved(&d.url).await,
            None => self.config.policy.check_url(&d.url),
        };
        if let Err(problem) = checked {
            return Err(Failure {
                timeout: false,
                message: format!("target refused: {problem}"),
            });
        }
        let body = d.payload.as_bytes();
        let mut secrets = vec![d.secret.as_str()];
        secrets.extend(d.previous_secret.as_deref());
        let signature = signature_header(secrets, &d.instance_id, timestamp, body);
        let sent = self
            .client
            .post(&d.url)
            .timeout(self.config.request_timeout)
            .header(CONTENT_TYPE, "application/json")
            .header(
                USER_AGENT,
                concat!("Depot-Webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .header("webhook-id", &d.instance_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(d.payload.clone())
            .send()
            .await;
        let mut response = sent.map_err(Failure::from)?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let (retry_after, location) = (header(RETRY_AFTER), header(LOCATION));
        let status = response.status().as_u16();
        // Read at most the snippet's worth of body; a reply that stalls or errors while
        // sending its body keeps the status it already gave.
        let mut body = Vec::new();
        while body.len() < SNIPPET_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        Ok(Reply {
            status,
            retry_after,
            location,
            snippet: snippet(&body),
        })
    }
}

struct Reply {
    status: u16,
    retry_after: Option<String>,
    location: Option<String>,
    snippet: String,
}

struct Failure {
    timeout: bool,
    message: String,
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Failure {
        let timeout = e.is_timeout();
        // reqwest's Display says only "error sending request"; the cause says why.
        let mut message = if timeout {
            "timeout".to_string()
        } else if e.is_connect() {
            "connection failed".to_string()
        } else {
            "request failed".to_string()
        };
        let mut source = std::error::Error::source(&e);
        let mut seen = 0;
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) && seen < 3 {
                message.push_str(": ");
                message.push_str(&text);
                seen += 1;
            }
            source = cause.source();
        }
        Failure { timeout, message }
    }
}

/// The first [`SNIPPET_BYTES`] of a body as text, cut on a character boundary.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(SNIPPET_BYTES)]);
    let mut end = text.len().min(SNIPPET_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_bounded_and_valid_text() {
        assert_eq!(snippet(b"ok"), "ok");
        let long = "ă".repeat(SNIPPET_BYTES);
        let s = snippet(long.as_bytes());
        assert!(s.len() <= SNIPPET_BYTES && s.chars().all(|c| c == 'ă'));
    }
}
