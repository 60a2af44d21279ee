//! The shared per-key rate limit: GCRA (the generic cell rate algorithm, as `governor` runs it
//! in memory) with its state — one "theoretical arrival time" per key — in
//! `rate_limit_state`, taken and advanced by one statement on the database clock.
//!
//! A key allows `limit` requests per `period`: one request costs the emission interval
//! `t = period / limit`, and a request is admitted when the arrival time is at most
//! `burst = limit × t` ahead of now (so a full quota may be spent at once, then it refills
//! evenly). A caller may take several requests at once (`want`): it gets as many as fit,
//! at least one or none. Used on PostgreSQL, where several processes share a key; the SQL
//! also runs on SQLite, which the unit tests use.

use crate::{Backend, Db, Result};

/// What one take found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Take {
    /// Requests granted (0: refused).
    pub granted: i64,
    /// The key's arrival time after the take (µs, database clock).
    pub tat_us: i64,
    /// The database's "now" of the take (µs).
    pub now_us: i64,
}

impl Take {
    /// Requests still free at `now_us` after this take.
    pub fn remaining(&self, t_us: i64, burst_us: i64) -> i64 {
        ((burst_us - (self.tat_us - self.now_us).max(0)) / t_us).max(0)
    }

    /// Microseconds until one more request fits (0 when one fits now).
    pub fn wait_us(&self, t_us: i64, burst_us: i64) -> i64 {
        ((self.tat_us - self.now_us) - (burst_us - t_us)).max(0)
    }

    /// Microseconds until the quota is full again.
    pub fn full_in_us(&self) -> i64 {
        (self.tat_us - self.now_us).max(0)
    }
}

impl Db {
    /// Takes up to `want` requests for `key` (emission interval `t_us`, capacity `burst_us`).
    pub async fn take_rate_limit(
        &self,
        key: &str,
        want: i64,
        t_us: i64,
        burst_us: i64,
    ) -> Result<Take> {
        let (now, least, greatest) = match self.backend() {
            // statement_timestamp() is one value for the whole statement.
            Backend::Postgres => (
                "CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000000 AS BIGINT)",
                "LEAST",
                "GREATEST",
            ),
            // SQLite's 'now' is one value for the whole statement too.
            Backend::Sqlite => (super::now_us_sql(Backend::Sqlite), "min", "max"),
        };
        // free = requests that fit now: (burst - how far the arrival time is ahead) / t.
        let free = format!("(($4 - {greatest}(r.tat_us - {now}, 0)) / $3)");
        let sql = format!(
            "INSERT INTO rate_limit_state AS r (limit_key, tat_us, granted) \
             VALUES ($1, {now} + {least}($2, $4 / $3) * $3, {least}($2, $4 / $3)) \
             ON CONFLICT (limit_key) DO UPDATE SET \
               granted = {least}($2, {greatest}({free}, 0)), \
               tat_us = CASE WHEN {free} >= 1 \
                        THEN {greatest}(r.tat_us, {now}) + {least}($2, {free}) * $3 \
                        ELSE r.tat_us END \
             RETURNING tat_us, granted, {now} AS now_us"
        );
        let row = crate::sql::query(&sql)
            .bind(key)
            .bind(want.max(1))
            .bind(t_us.max(1))
            .bind(burst_us)
            .fetch_one(self.writer())
            .await?;
        Ok(Take {
            granted: row.try_get("granted")?,
            tat_us: row.try_get("tat_us")?,
            now_us: row.try_get("now_us")?,
        })
    }

    /// Forgets keys whose quota is full again (housekeeping): their next take starts fresh,
    /// which is the same.
    pub async fn purge_rate_limits(&self) -> Result<u64> {
        let sql = format!(
            "DELETE FROM rate_limit_state WHERE tat_us < {}",
            super::now_us_sql(self.backend())
        );
        Ok(crate::sql::query(&sql)
            .execute(self.writer())
            .await?
            .rows_affected())
    }
}

#[cfg(test)]
mod tests {
    /// 3 per minute: the burst goes at once, the fourth waits about 20 s.
    #[tokio::test]
    async fn gcra_in_one_statement() {
        let (db, _dir) = super::super::test_db().await;
        let t = 20_000_000; // 60 s / 3
        let burst = 3 * t;
        let first = db.take_rate_limit("k", 1, t, burst).await.unwrap();
        assert_eq!(first.granted, 1);
        assert_eq!(first.remaining(t, burst), 2);
        let second = db.take_rate_limit("k", 5, t, burst).await.unwrap();
        assert_eq!(second.granted, 2, "only what fits");
        assert_eq!(second.remaining(t, burst), 0);
        let refused = db.take_rate_limit("k", 1, t, burst).await.unwrap();
        assert_eq!(refused.granted, 0);
        assert_eq!(refused.tat_us, second.tat_us, "a refusal changes nothing");
        let wait = refused.wait_us(t, burst);
        assert!(wait > t - 1_000_000 && wait <= t, "{wait}");
        // Another key is untouched; a fresh key may take a whole batch.
        assert_eq!(
            db.take_rate_limit("other", 9, t, burst)
                .await
                .unwrap()
                .granted,
            3
        );
        assert_eq!(db.purge_rate_limits().await.unwrap(), 0);
    }
}
