//! The per-key rate limit shared by every process on one PostgreSQL database (SPEC §12).
//!
//! The quota lives in the database (`Db::take_rate_limit`: GCRA, one row per key, one
//! statement). Each process keeps a small local allowance per key so that a busy key does
//! not cost a database round trip per request:
//!
//! * it takes several requests at once — about a quarter of what this process saw for the key
//!   in the last second, at least 1 and at most 1 % of the limit — and spends them locally;
//! * what it took but did not spend within [`HOLD`] is dropped (never used late);
//! * a refusal is remembered until the time the database said the next request fits, so a
//!   flood of refused requests costs no round trip either.
//!
//! Nothing is ever admitted that the shared row did not grant, so N processes together
//! allow the configured rate, at most N × (1 % of the limit) ahead of it in any window (what
//! they hold when it starts), and fewer only by allowances dropped unspent. A key used
//! lightly is checked against the database on every request (a few per second at most).

use super::Decision;
use depot_store::Db;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a process may keep requests it took from the shared quota.
pub const HOLD: Duration = Duration::from_secs(1);

pub struct SharedLimiter {
    db: Db,
    limit: u32,
    /// Emission interval: one request's cost, in µs.
    t_us: i64,
    /// The whole quota: limit × t.
    burst_us: i64,
    max_batch: i64,
    keys: Mutex<HashMap<String, Arc<tokio::sync::Mutex<KeyState>>>>,
}

struct KeyState {
    /// Taken from the shared quota, not spent yet; good until `expires`.
    tokens: i64,
    expires: Instant,
    /// What the shared quota had left after the last take.
    shared_remaining: i64,
    /// Refused until then (the database said so).
    refused_until: Option<Instant>,
    /// Requests seen here for this key in the current and the previous second.
    window_start: Instant,
    window_count: i64,
    last_rate: i64,
}

impl SharedLimiter {
    /// `limit` requests per minute per key (> 0).
    pub fn new(db: Db, limit: u32) -> SharedLimiter {
        let limit = limit.max(1);
        let t_us = (60_000_000 / i64::from(limit)).max(1);
        SharedLimiter {
            db,
            limit,
            t_us,
            burst_us: t_us * i64::from(limit),
            max_batch: (i64::from(limit) / 100).max(1),
            keys: Mutex::default(),
        }
    }

    pub async fn check(&self, key: &str) -> depot_store::Result<Decision> {
        let entry = {
            let mut keys = self.keys.lock().expect("rate limit keys");
            keys.entry(key.to_string())
                .or_insert_with(|| {
                    let now = Instant::now();
                    Arc::new(tokio::sync::Mutex::new(KeyState {
                        tokens: 0,
                        expires: now,
                        shared_remaining: 0,
                        refused_until: None,
                        window_start: now,
                        window_count: 0,
                        last_rate: 0,
                    }))
                })
                .clone()
        };
        let mut s = entry.lock().await;
        let now = Instant::now();
        if now.duration_since(s.window_start) >= HOLD {
            s.last_rate = if now.duration_since(s.window_start) >= 2 * HOLD {
                0
            } else {
                s.window_count
            };
            s.window_count = 0;
            s.window_start = now;
        }
        s.window_count += 1;
        if let Some(until) = s.refused_until {
            if now < until {
                return Ok(self.refused(until - now));
            }
            s.refused_until = None;
        }
        if s.tokens > 0 && now < s.expires {
            s.tokens -= 1;
            return Ok(self.admitted(s.shared_remaining + s.tokens));
        }
        let want = (s.last_rate / 4).clamp(1, self.max_batch);
        let take = self
            .db
            .take_rate_limit(key, want, self.t_us, self.burst_us)
            .await?;
        if take.granted < 1 {
            let wait = Duration::from_micros(take.wait_us(self.t_us, self.burst_us) as u64);
            s.tokens = 0;
            s.refused_until = Some(now + wait);
            return Ok(self.refused(wait));
        }
        s.tokens = take.granted - 1;
        s.expires = now + HOLD;
        s.shared_remaining = take.remaining(self.t_us, self.burst_us);
        Ok(self.admitted(s.shared_remaining + s.tokens))
    }

    fn admitted(&self, remaining: i64) -> Decision {
        let limit = self.limit;
        let remaining = remaining.clamp(0, i64::from(limit)) as u32;
        Decision {
            limit,
            remaining,
            reset_seconds: (u64::from(limit - remaining) * 60).div_ceil(u64::from(limit)),
            retry_after: None,
        }
    }

    fn refused(&self, wait: Duration) -> Decision {
        let retry = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        Decision {
            limit: self.limit,
            remaining: 0,
            reset_seconds: retry,
            retry_after: Some(retry),
        }
    }

    /// Forgets keys not used for a minute.
    pub fn shrink(&self) {
        let now = Instant::now();
        self.keys
            .lock()
            .expect("rate limit keys")
            .retain(|_, state| {
                state.try_lock().map_or(true, |s| {
                    now.duration_since(s.window_start) < Duration::from_secs(60)
                })
            });
    }
}
