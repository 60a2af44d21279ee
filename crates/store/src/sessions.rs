//! Web sessions, kept in the database on both backends (`web_sessions`).
//!
//! The row is keyed by the SHA-256 of the session id the cookie carries, so the table alone
//! does not let anyone take a session over. Every request reads its row; nothing is cached,
//! so deleting a row (sign-out, password reset) ends that session on every process at once.

use crate::tenants::hash_token;
use crate::{is_unique_violation, Db, Result};

/// One stored session: its data (JSON text), whose it is, and when it lapses.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub data: String,
    pub account: Option<String>,
    pub expires_time: i64,
}

impl Db {
    /// Inserts a new session; false when the id is taken (the caller draws another).
    pub async fn create_web_session(&self, id: &str, session: &StoredSession) -> Result<bool> {
        let inserted = crate::sql::query(
            "INSERT INTO web_sessions (id_hash, data, account, expires_time) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(hash_token(id))
        .bind(&session.data)
        .bind(&session.account)
        .bind(session.expires_time)
        .execute(self.writer())
        .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e, "web_sessions_pkey", "web_sessions.id_hash") => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Writes a session's data and new expiry. A session deleted meanwhile (signed out
    /// elsewhere) stays deleted: only an existing row is updated.
    pub async fn save_web_session(&self, id: &str, session: &StoredSession) -> Result<()> {
        crate::sql::query(
            "UPDATE web_sessions SET data = $2, account = $3, expires_time = $4 \
             WHERE id_hash = $1",
        )
        .bind(hash_token(id))
        .bind(&session.data)
        .bind(&session.account)
        .bind(session.expires_time)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The session, unless it is unknown or lapsed at `now`.
    pub async fn web_session(&self, id: &str, now: i64) -> Result<Option<StoredSession>> {
        let row = crate::sql::query(
            "SELECT data, account, expires_time FROM web_sessions \
             WHERE id_hash = $1 AND expires_time > $2",
        )
        .bind(hash_token(id))
        .bind(now)
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| {
            Ok(StoredSession {
                data: r.try_get("data")?,
                account: r.try_get("account")?,
                expires_time: r.try_get("expires_time")?,
            })
        })
        .transpose()
    }

    pub async fn delete_web_session(&self, id: &str) -> Result<()> {
        crate::sql::query("DELETE FROM web_sessions WHERE id_hash = $1")
            .bind(hash_token(id))
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Ends every session of an account (`user:<id>`, `operator:<id>`); returns how many.
    pub async fn delete_web_sessions_of(&self, account: &str) -> Result<u64> {
        let done = crate::sql::query("DELETE FROM web_sessions WHERE account = $1")
            .bind(account)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected())
    }

    /// Drops sessions lapsed before `now`.
    pub async fn purge_web_sessions(&self, now: i64) -> Result<u64> {
        let done = crate::sql::query("DELETE FROM web_sessions WHERE expires_time <= $1")
            .bind(now)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected())
    }
}
