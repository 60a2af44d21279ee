//! When to try again: the retry schedule, its jitter, the penalty after a 429 or a timeout,
//! and a receiver's `Retry-After`, honoured within bounds.

use rand::Rng;

/// The default schedule (SPEC §3.7): the delay before each retry, in seconds.
pub const DEFAULT_SCHEDULE: &[i64] = &[
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
];

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Delay before retry k (k = 1 after the first attempt), in seconds. After the last one
    /// fails the delivery is FAILED.
    pub schedule: Vec<i64>,
    /// Each delay is spread uniformly over ±`jitter` of itself (0.2 = ±20 %), so retries of
    /// many deliveries that failed together do not arrive together.
    pub jitter: f64,
    /// Factor applied to the delay after a 429 or a timeout: the receiver is overloaded.
    pub penalty: i64,
    /// The longest `Retry-After` honoured, in seconds; a longer one waits this long.
    pub retry_after_max: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::with_schedule(DEFAULT_SCHEDULE.to_vec())
    }
}

/// What a failed attempt said about when to come back.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailureHints {
    /// A 429 or a timeout.
    pub throttled: bool,
    /// The receiver's `Retry-After`, in seconds from now.
    pub retry_after: Option<i64>,
}

impl RetryPolicy {
    pub fn with_schedule(schedule: Vec<i64>) -> RetryPolicy {
        let retry_after_max = schedule.iter().copied().max().unwrap_or(0).max(3600);
        RetryPolicy {
            schedule,
            jitter: 0.2,
            penalty: 2,
            retry_after_max,
        }
    }

    /// Attempts a delivery gets before it is FAILED.
    pub fn max_attempts(&self) -> i64 {
        self.schedule.len() as i64 + 1
    }

    /// Seconds until the next attempt after attempt number `attempts` (1-based) failed, or
    /// None when the schedule is exhausted.
    pub fn next_delay(&self, attempts: i64, hints: FailureHints) -> Option<i64> {
        let base = *self.schedule.get(usize::try_from(attempts - 1).ok()?)?;
        let spread = if self.jitter > 0.0 {
            rand::thread_rng().gen_range(-self.jitter..=self.jitter)
        } else {
            0.0
        };
        let mut delay = ((base as f64) * (1.0 + spread)).round() as i64;
        if hints.throttled {
            delay = delay.saturating_mul(self.penalty.max(1));
        }
        if let Some(after) = hints.retry_after {
            // Never sooner than the receiver asked, never later than the bound.
            delay = delay.max(after.clamp(0, self.retry_after_max));
        }
        Some(delay.max(1))
    }
}

/// Reads `Retry-After`: delay-seconds or an HTTP date (relative to `now`, Unix seconds).
pub fn parse_retry_after(value: &str, now: i64) -> Option<i64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<i64>() {
        return Some(seconds.max(0));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    let at = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
    Some((at - now).max(0))
}

/// Reads a schedule such as `5s,5m,30m,2h,1d` (a bare number is seconds).
pub fn parse_schedule(text: &str) -> Result<Vec<i64>, String> {
    let steps = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|step| {
            let (number, unit) = match step.find(|c: char| !c.is_ascii_digit()) {
                Some(i) => step.split_at(i),
                None => (step, "s"),
            };
            let n: i64 = number
                .parse()
                .map_err(|_| format!("bad retry step `{step}`"))?;
            let factor = match unit {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86400,
                _ => {
                    return Err(format!(
                        "bad unit in retry step `{step}` (use s, m, h or d)"
                    ))
                }
            };
            if n <= 0 {
                return Err(format!("retry step `{step}` must be positive"));
            }
            Ok(n * factor)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_parses_units() {
        assert_eq!(
            parse_schedule("5s, 5m,30m,2h,1d,7").unwrap(),
            [5, 300, 1800, 7200, 86400, 7]
        );
        assert!(parse_schedule("5x").is_err());
        assert!(parse_schedule("0s").is_err());
        assert!(parse_schedule("").unwrap().is_empty());
    }

    #[test]
    fn delays_follow_the_schedule_with_jitter() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_attempts(), 10);
        for _ in 0..200 {
            let d = policy.next_delay(1, FailureHints::default()).unwrap();
            assert!((4..=6).contains(&d), "{d}");
            let d = policy.next_delay(9, FailureHints::default()).unwrap();
            assert!((69120..=103680).contains(&d), "{d}");
        }
        assert_eq!(policy.next_delay(10, FailureHints::default()), None);
    }

    #[test]
    fn throttling_doubles_and_retry_after_is_clamped() {
        let policy = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let throttled = FailureHints {
            throttled: true,
            retry_after: None,
        };
        assert_eq!(policy.next_delay(2, throttled), Some(600));
        let asked = |s| FailureHints {
            throttled: true,
            retry_after: Some(s),
        };
        // Later than the schedule: honoured.
        assert_eq!(policy.next_delay(1, asked(120)), Some(120));
        // Sooner than the schedule: the schedule wins.
        assert_eq!(policy.next_delay(2, asked(1)), Some(600));
        // Absurdly late: clamped to the longest step.
        assert_eq!(policy.next_delay(1, asked(10_000_000)), Some(86400));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("120", 0), Some(120));
        assert_eq!(parse_retry_after(" -3 ", 0), Some(0));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 60),
            Some(60)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
    }
}
