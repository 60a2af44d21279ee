//! A business's own view of its API keys (the portal's Developer tools): list them, and
//! revoke or reset one of its own. The secret is never stored; a key is shown by its id.

use crate::tenants::NewApiKey;
use crate::{opt_i64, Db, Result};
use serde::Serialize;

/// One key as its business sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyInfo {
    pub key_id: String,
    pub created_time: i64,
    /// Last authenticated use, recorded at most about once a minute; None if never used.
    pub last_used_time: Option<i64>,
    pub revoked_time: Option<i64>,
}

impl ApiKeyInfo {
    pub fn is_active(&self) -> bool {
        self.revoked_time.is_none()
    }
}

/// How often a key's last use is written at most.
pub const LAST_USED_RESOLUTION_SECONDS: i64 = 60;

impl Db {
    /// The business's keys, newest first (active and revoked).
    pub async fn business_api_keys(&self, business_id: i64) -> Result<Vec<ApiKeyInfo>> {
        let rows = crate::sql::query(
            "SELECT key_id, created_time, last_used_time, revoked_time FROM api_keys \
             WHERE business_id = $1 ORDER BY created_time DESC, id DESC",
        )
        .bind(business_id)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(ApiKeyInfo {
                    key_id: r.try_get("key_id")?,
                    created_time: r.try_get("created_time")?,
                    last_used_time: opt_i64(&r, "last_used_time")?,
                    revoked_time: opt_i64(&r, "revoked_time")?,
                })
            })
            .collect()
    }

    /// True when `key_id` is a key of this business (revoked or not).
    pub async fn api_key_belongs_to(&self, business_id: i64, key_id: &str) -> Result<bool> {
        Ok(crate::sql::query_scalar::<i64>(
            "SELECT id FROM api_keys WHERE key_id = $1 AND business_id = $2",
        )
        .bind(key_id)
        .bind(business_id)
        .fetch_optional(self.reader())
        .await?
        .is_some())
    }

    /// Revokes one of the business's keys. False when it is not the business's key.
    pub async fn revoke_business_api_key(
        &self,
        business_id: i64,
        key_id: &str,
        now: i64,
    ) -> Result<bool> {
        if !self.api_key_belongs_to(business_id, key_id).await? {
            return Ok(false);
        }
        self.revoke_api_key(key_id, now).await
    }

    /// Resets one of the business's active keys: a new key, the old one revoked, in one
    /// transaction. None when it is not an active key of the business.
    pub async fn reset_business_api_key(
        &self,
        business_id: i64,
        key_id: &str,
        now: i64,
    ) -> Result<Option<NewApiKey>> {
        if !self.api_key_belongs_to(business_id, key_id).await? {
            return Ok(None);
        }
        self.reset_api_key(key_id, now).await
    }

    /// Records that a key was used at `now`, unless a use within the last minute is already
    /// recorded (so a busy key costs one write a minute, across every process).
    pub async fn touch_api_key(&self, key_id: &str, now: i64) -> Result<()> {
        crate::sql::query(
            "UPDATE api_keys SET last_used_time = $2 WHERE key_id = $1 \
             AND (last_used_time IS NULL OR last_used_time <= $3)",
        )
        .bind(key_id)
        .bind(now)
        .bind(now - LAST_USED_RESOLUTION_SECONDS)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
