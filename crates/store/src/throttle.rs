//! Sign-in throttling, kept in the database so it holds across processes: after
//! `MAX_FAILURES` failed sign-ins for one account within `WINDOW_SECONDS`, that account is
//! locked for `LOCK_SECONDS` — every attempt is refused, right password or not.
//!
//! Accounts are named by face and email (`portal:<email>`, `console:<email>`), whether or not
//! the email has an account, so the lock does not tell anyone which emails exist.

use crate::{Db, Result};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_SECONDS: i64 = 15 * 60;
pub const LOCK_SECONDS: i64 = 15 * 60;

impl Db {
    /// When the account's lock ends, if it is locked at `now`.
    pub async fn login_locked_until(&self, account: &str, now: i64) -> Result<Option<i64>> {
        crate::sql::query_scalar::<i64>(
            "SELECT locked_until FROM login_locks WHERE account = $1 AND locked_until > $2",
        )
        .bind(account)
        .bind(now)
        .fetch_optional(self.reader())
        .await
    }

    /// Records a failed sign-in; returns when the account's lock ends if this failure locked
    /// it (the `MAX_FAILURES`th within the window).
    pub async fn record_login_failure(&self, account: &str, now: i64) -> Result<Option<i64>> {
        let mut tx = self.begin().await?;
        // Take the account's row first: on PostgreSQL it is locked until this transaction
        // ends, so concurrent failures for one account are counted one after the other.
        let locked_until = crate::sql::query_scalar::<i64>(
            "INSERT INTO login_locks (account, locked_until) VALUES ($1, 0) \
             ON CONFLICT (account) DO UPDATE SET locked_until = login_locks.locked_until \
             RETURNING locked_until",
        )
        .bind(account)
        .fetch_one(&mut tx)
        .await?;
        if locked_until > now {
            // Locked meanwhile by a concurrent attempt: nothing more to count.
            tx.commit().await?;
            return Ok(Some(locked_until));
        }
        crate::sql::query("DELETE FROM login_failures WHERE account = $1 AND at <= $2")
            .bind(account)
            .bind(now - WINDOW_SECONDS)
            .execute(&mut tx)
            .await?;
        crate::sql::query("INSERT INTO login_failures (account, at) VALUES ($1, $2)")
            .bind(account)
            .bind(now)
            .execute(&mut tx)
            .await?;
        let failures = crate::sql::query_scalar::<i64>(
            "SELECT COUNT(*) FROM login_failures WHERE account = $1",
        )
        .bind(account)
        .fetch_one(&mut tx)
        .await?;
        let locked = if failures >= MAX_FAILURES {
            let until = now + LOCK_SECONDS;
            crate::sql::query("UPDATE login_locks SET locked_until = $2 WHERE account = $1")
                .bind(account)
                .bind(until)
                .execute(&mut tx)
                .await?;
            // The lock is the consequence; its failures start over when it ends.
            crate::sql::query("DELETE FROM login_failures WHERE account = $1")
                .bind(account)
                .execute(&mut tx)
                .await?;
            Some(until)
        } else {
            None
        };
        tx.commit().await?;
        Ok(locked)
    }

    /// A successful sign-in forgets the account's failures.
    pub async fn clear_login_failures(&self, account: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        crate::sql::query("DELETE FROM login_failures WHERE account = $1")
            .bind(account)
            .execute(&mut tx)
            .await?;
        crate::sql::query("DELETE FROM login_locks WHERE account = $1")
            .bind(account)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Db {
    /// Drops failures and locks that no longer matter at `now` (housekeeping).
    pub async fn purge_login_throttle(&self, now: i64) -> Result<()> {
        crate::sql::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(now - WINDOW_SECONDS)
            .execute(self.writer())
            .await?;
        crate::sql::query("DELETE FROM login_locks WHERE locked_until <= $1")
            .bind(now)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}
