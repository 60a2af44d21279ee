//! The idempotency log (SPEC §1.8): the first request with a key claims it, acts, and stores
//! its response; a repeat within the retention window gets that response back.

use crate::{opt_i64, Db, Result};

/// How long a stored response answers repeats.
pub const RETENTION_SECONDS: i64 = 24 * 3600;
/// A claim still RUNNING after this long belongs to a request that died; a repeat may take it.
pub const ABANDONED_AFTER_SECONDS: i64 = 300;

#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// This request holds the key and must act, then `finish` or `release`.
    Acquired,
    /// The first request finished: answer with its stored response.
    Replay { status: u16, body: String },
    /// The first request is still acting.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

impl Db {
    pub async fn claim_idempotency_key(
        &self,
        business_id: i64,
        key: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<Claim> {
        // Drop an expired or abandoned claim first, so the insert below can take the key.
        crate::sql::query(
            "DELETE FROM idempotency_keys WHERE business_id = $1 AND idempotency_key = $2 \
             AND (created_time < $3 OR (state = 'RUNNING' AND created_time < $4))",
        )
        .bind(business_id)
        .bind(key)
        .bind(now - RETENTION_SECONDS)
        .bind(now - ABANDONED_AFTER_SECONDS)
        .execute(self.writer())
        .await?;
        let inserted = crate::sql::query(
            "INSERT INTO idempotency_keys (business_id, idempotency_key, fingerprint, state, \
             created_time) VALUES ($1, $2, $3, 'RUNNING', $4) ON CONFLICT DO NOTHING",
        )
        .bind(business_id)
        .bind(key)
        .bind(fingerprint)
        .bind(now)
        .execute(self.writer())
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::Acquired);
        }
        let row = crate::sql::query(
            "SELECT fingerprint, state, response_status, response_body FROM idempotency_keys \
             WHERE business_id = $1 AND idempotency_key = $2",
        )
        .bind(business_id)
        .bind(key)
        .fetch_optional(self.writer())
        .await?;
        let Some(row) = row else {
            // Released between our insert and read: the caller may simply try again.
            return Ok(Claim::InProgress);
        };
        if row.try_get::<String, _>("fingerprint")? != fingerprint {
            return Ok(Claim::Mismatch);
        }
        if row.try_get::<String, _>("state")? == "DONE" {
            let status = opt_i64(&row, "response_status")?.unwrap_or(200);
            let body: Option<String> = row.try_get("response_body")?;
            return Ok(Claim::Replay {
                status: status as u16,
                body: body.unwrap_or_default(),
            });
        }
        Ok(Claim::InProgress)
    }

    /// Stores the response of the request holding the key.
    pub async fn finish_idempotency_key(
        &self,
        business_id: i64,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<()> {
        crate::sql::query(
            "UPDATE idempotency_keys SET state = 'DONE', response_status = $3, response_body = $4 \
             WHERE business_id = $1 AND idempotency_key = $2",
        )
        .bind(business_id)
        .bind(key)
        .bind(status as i64)
        .bind(body)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Gives the key back (the request failed in a way a retry should redo).
    pub async fn release_idempotency_key(&self, business_id: i64, key: &str) -> Result<()> {
        crate::sql::query(
            "DELETE FROM idempotency_keys WHERE business_id = $1 AND idempotency_key = $2 \
             AND state = 'RUNNING'",
        )
        .bind(business_id)
        .bind(key)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Deletes stored responses past the retention window; returns how many.
    pub async fn purge_idempotency_keys(&self, now: i64) -> Result<u64> {
        let done = crate::sql::query("DELETE FROM idempotency_keys WHERE created_time < $1")
            .bind(now - RETENTION_SECONDS)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected())
    }
}
