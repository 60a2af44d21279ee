//! Per-key rate limiting (SPEC §1.5) with both generations of the IETF header fields.
//!
//! One process (SQLite) keeps the quota in memory (`governor`). On PostgreSQL several
//! processes may share a database, so the quota is kept there ([`shared`]), with the
//! in-memory limiter as the fallback while the database cannot be reached.

pub mod shared;

use axum::http::{HeaderMap, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;

/// The limiter for all keys; `None` inside when limiting is switched off.
type KeyedLimiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

pub struct Limiter {
    inner: Option<(KeyedLimiter, u32)>,
    clock: DefaultClock,
    shared: Option<shared::SharedLimiter>,
}

/// The outcome of one check, enough to write the headers.
#[derive(Debug, Clone)]
pub struct Decision {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the full quota is back (or, when exceeded, until the next request fits).
    pub reset_seconds: u64,
    pub retry_after: Option<u64>,
}

impl Decision {
    pub fn exceeded(&self) -> bool {
        self.retry_after.is_some()
    }
}

impl Limiter {
    /// `per_minute == 0` switches limiting off.
    pub fn new(per_minute: u32) -> Limiter {
        let inner = NonZeroU32::new(per_minute).map(|n| {
            (
                RateLimiter::keyed(Quota::per_minute(n)).with_middleware(),
                per_minute,
            )
        });
        Limiter {
            inner,
            clock: DefaultClock::default(),
            shared: None,
        }
    }

    /// A limiter whose quota is shared through the database by every process on it.
    pub fn shared(per_minute: u32, db: depot_store::Db) -> Limiter {
        let mut limiter = Limiter::new(per_minute);
        if per_minute > 0 {
            limiter.shared = Some(shared::SharedLimiter::new(db, per_minute));
        }
        limiter
    }

    /// Counts one request of `key`; None when limiting is off.
    pub async fn check(&self, key: &str) -> Option<Decision> {
        if let Some(shared) = &self.shared {
            match shared.check(key).await {
                Ok(decision) => return Some(decision),
                Err(e) => {
                    tracing::warn!(error = %e, "shared rate limit unavailable; limiting in this process")
                }
            }
        }
        self.check_local(key)
    }

    fn check_local(&self, key: &str) -> Option<Decision> {
        let (limiter, limit) = self.inner.as_ref()?;
        let limit = *limit;
        // The quota refills one request every 60/limit seconds.
        let refill = |missing: u32| (u64::from(missing) * 60).div_ceil(u64::from(limit));
        Some(match limiter.check_key(&key.to_string()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Decision {
                    limit,
                    remaining,
                    reset_seconds: refill(limit - remaining),
                    retry_after: None,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let retry = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Decision {
                    limit,
                    remaining: 0,
                    reset_seconds: retry.max(1),
                    retry_after: Some(retry.max(1)),
                }
            }
        })
    }

    /// Forgets keys that have been idle long enough to have a full quota again.
    pub fn shrink(&self) {
        if let Some((limiter, _)) = &self.inner {
            limiter.retain_recent();
        }
        if let Some(shared) = &self.shared {
            shared.shrink();
        }
    }
}

pub fn set_headers(headers: &mut HeaderMap, d: &Decision) {
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put(
        "ratelimit-policy",
        format!("\"default\";q={};w=60", d.limit),
    );
    put(
        "ratelimit",
        format!("\"default\";r={};t={}", d.remaining, d.reset_seconds),
    );
    put("ratelimit-limit", d.limit.to_string());
    put("ratelimit-remaining", d.remaining.to_string());
    put("ratelimit-reset", d.reset_seconds.to_string());
    if let Some(retry) = d.retry_after {
        put("retry-after", retry.to_string());
    }
}
