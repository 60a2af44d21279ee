//! Queued one-off jobs (`jobs`): enqueued in the transaction that asks for them, run by one
//! process at a time under a lease, retried with backoff when they fail.
//!
//! The shape is the webhook deliveries' (docs/decisions.md, "Leases, not open
//! transactions"): a claim locks due rows with `SKIP LOCKED` and leases them with one guarded
//! `UPDATE` under a random token; the work runs with no transaction open; the outcome is
//! written only while the token still matches. A worker that dies leaves the lease to run
//! out, and another process runs the job again: at least once, and exactly once in normal
//! operation. Handlers are registered with [`super::Scheduler::queue`].

use crate::sql::Target;
use crate::{Db, Result};
use std::time::Duration;

/// A job as a handler sees it.
#[derive(Debug, Clone)]
pub struct QueuedJob {
    pub id: i64,
    pub kind: String,
    pub business_id: Option<i64>,
    /// What the enqueuer wrote (JSON by convention).
    pub payload: String,
    /// 1 on the first run.
    pub attempt: i64,
    pub max_attempts: i64,
    /// This run's lease token: a handler that writes its own rows can fence them with it
    /// (`… WHERE EXISTS (SELECT 1 FROM jobs WHERE id = … AND lease_token = …)`), so a run
    /// that lost its lease changes nothing.
    pub lease_token: String,
}

/// A job's state, for whoever shows it (a report's status…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    pub status: String,
    pub attempts: i64,
    pub error: Option<String>,
    pub finished_time: Option<i64>,
}

/// Adds a job of `kind`; inside a transaction it exists only if that transaction commits.
/// Returns its id.
pub async fn enqueue<'c>(
    on: impl Into<Target<'c>>,
    kind: &str,
    business_id: Option<i64>,
    payload: &str,
    max_attempts: i64,
    now: i64,
) -> Result<i64> {
    crate::sql::query_scalar(
        "INSERT INTO jobs (kind, business_id, payload, status, attempts, max_attempts, \
           run_after, created_time) VALUES ($1, $2, $3, 'QUEUED', 0, $4, $5, $5) RETURNING id",
    )
    .bind(kind)
    .bind(business_id)
    .bind(payload)
    .bind(max_attempts.max(1))
    .bind(now)
    .fetch_one(on)
    .await
}

impl Db {
    /// Leases up to `limit` due jobs of `kind` for `lease`: queued ones, and running ones
    /// whose lease ran out (their process died). Returns the lease token and the jobs.
    pub async fn claim_jobs(
        &self,
        kind: &str,
        limit: i64,
        now: i64,
        lease: Duration,
    ) -> Result<(String, Vec<QueuedJob>)> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let now_us = super::now_us_sql(self.backend());
        let mut tx = self.begin().await?;
        let ids: Vec<i64> = crate::sql::query_scalar(&format!(
            "SELECT id FROM jobs WHERE kind = $1 AND run_after <= $2 \
               AND (status = 'QUEUED' OR (status = 'RUNNING' AND lease_until_us < {now_us})) \
             ORDER BY run_after, id LIMIT $3{}",
            self.backend().for_update_skip_locked()
        ))
        .bind(kind)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut tx)
        .await?;
        if ids.is_empty() {
            return Ok((token, Vec::new()));
        }
        let sql = format!(
            "UPDATE jobs SET status = 'RUNNING', attempts = attempts + 1, lease_token = $1, \
               lease_until_us = {now_us} + $2 WHERE id IN ({}) \
             RETURNING id, kind, business_id, payload, attempts, max_attempts",
            crate::sql::placeholders(3, ids.len())
        );
        let rows = crate::sql::query(&sql)
            .bind(&token)
            .bind(lease.as_micros() as i64)
            .bind_each(&ids)
            .fetch_all(&mut tx)
            .await?;
        tx.commit().await?;
        let mut jobs = rows
            .into_iter()
            .map(|r| {
                Ok(QueuedJob {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    business_id: r.try_get("business_id")?,
                    payload: r.try_get("payload")?,
                    attempt: r.try_get("attempts")?,
                    max_attempts: r.try_get("max_attempts")?,
                    lease_token: token.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok((token, jobs))
    }

    /// Extends the lease of job `id` while it runs; false when the lease was lost (the job
    /// ran too long without renewing and another process took it).
    pub async fn renew_job(&self, id: i64, token: &str, lease: Duration) -> Result<bool> {
        let sql = format!(
            "UPDATE jobs SET lease_until_us = {} + $3 \
             WHERE id = $1 AND lease_token = $2 AND status = 'RUNNING'",
            super::now_us_sql(self.backend())
        );
        let done = crate::sql::query(&sql)
            .bind(id)
            .bind(token)
            .bind(lease.as_micros() as i64)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records how a run ended, if the lease is still this run's: DONE on success; on
    /// failure QUEUED again at `retry_at`, or FAILED after the last attempt. False when the
    /// lease had passed to another process (nothing is written).
    pub async fn finish_job(
        &self,
        id: i64,
        token: &str,
        outcome: std::result::Result<(), String>,
        now: i64,
        retry_at: i64,
    ) -> Result<bool> {
        let done = match outcome {
            Ok(()) => {
                crate::sql::query(
                    "UPDATE jobs SET status = 'DONE', error = NULL, finished_time = $3, \
                       lease_token = NULL, lease_until_us = NULL \
                     WHERE id = $1 AND lease_token = $2 AND status = 'RUNNING'",
                )
                .bind(id)
                .bind(token)
                .bind(now)
                .execute(self.writer())
                .await?
            }
            Err(error) => {
                crate::sql::query(
                    "UPDATE jobs SET \
                       status = CASE WHEN attempts >= max_attempts THEN 'FAILED' ELSE 'QUEUED' END, \
                       finished_time = CASE WHEN attempts >= max_attempts THEN $3 ELSE NULL END, \
                       run_after = $4, error = $5, lease_token = NULL, lease_until_us = NULL \
                     WHERE id = $1 AND lease_token = $2 AND status = 'RUNNING'",
                )
                .bind(id)
                .bind(token)
                .bind(now)
                .bind(retry_at)
                .bind(error)
                .execute(self.writer())
                .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    /// Gives a running job back unfinished (its process is stopping): queued again at once,
    /// and this run does not count as an attempt.
    pub async fn release_job(&self, id: i64, token: &str) -> Result<bool> {
        let done = crate::sql::query(
            "UPDATE jobs SET status = 'QUEUED', attempts = attempts - 1, lease_token = NULL, \
               lease_until_us = NULL WHERE id = $1 AND lease_token = $2 AND status = 'RUNNING'",
        )
        .bind(id)
        .bind(token)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A job's state (None when there is no such job).
    pub async fn job_state(&self, id: i64) -> Result<Option<JobState>> {
        let row = crate::sql::query(
            "SELECT status, attempts, error, finished_time FROM jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| {
            Ok(JobState {
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                error: r.try_get("error")?,
                finished_time: r.try_get("finished_time")?,
            })
        })
        .transpose()
    }

    /// Deletes finished jobs older than `before` (housekeeping).
    pub async fn purge_jobs(&self, before: i64) -> Result<u64> {
        Ok(crate::sql::query(
            "DELETE FROM jobs WHERE status IN ('DONE', 'FAILED') AND finished_time < $1",
        )
        .bind(before)
        .execute(self.writer())
        .await?
        .rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn claim_run_retry_fail() {
        let (db, _dir) = super::super::test_db().await;
        let lease = Duration::from_secs(60);
        let id = enqueue(db.writer(), "report", Some(1), "{}", 2, 100)
            .await
            .unwrap();
        enqueue(db.writer(), "other", None, "{}", 1, 100)
            .await
            .unwrap();
        assert!(
            db.claim_jobs("report", 10, 99, lease)
                .await
                .unwrap()
                .1
                .is_empty(),
            "not due yet"
        );
        let (token, jobs) = db.claim_jobs("report", 10, 100, lease).await.unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!((jobs[0].id, jobs[0].attempt), (id, 1));
        // Leased: nobody else gets it.
        assert!(db
            .claim_jobs("report", 10, 100, lease)
            .await
            .unwrap()
            .1
            .is_empty());
        assert!(db.renew_job(id, &token, lease).await.unwrap());
        assert!(!db
            .finish_job(id, "not-the-token", Ok(()), 101, 101)
            .await
            .unwrap());
        assert!(db
            .finish_job(id, &token, Err("boom".into()), 101, 110)
            .await
            .unwrap());
        let state = db.job_state(id).await.unwrap().unwrap();
        assert_eq!(
            (state.status.as_str(), state.error.as_deref()),
            ("QUEUED", Some("boom"))
        );
        let (token, jobs) = db.claim_jobs("report", 10, 110, lease).await.unwrap();
        assert_eq!(jobs[0].attempt, 2);
        assert!(db
            .finish_job(id, &token, Err("again".into()), 111, 120)
            .await
            .unwrap());
        assert_eq!(db.job_state(id).await.unwrap().unwrap().status, "FAILED");
        // A lease that ran out is claimed again.
        let (_, jobs) = db
            .claim_jobs("other", 10, 100, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let (token, jobs) = db.claim_jobs("other", 10, 100, lease).await.unwrap();
        assert_eq!(jobs[0].attempt, 2);
        assert!(db
            .finish_job(jobs[0].id, &token, Ok(()), 101, 101)
            .await
            .unwrap());
        assert_eq!(db.purge_jobs(200).await.unwrap(), 2);
    }
}
