//! Leased rows in `job_leases`: one owner per named job at a time.
//!
//! A process takes or renews a lease with one statement, which succeeds only when the row is
//! free, expired or already its own; so of several processes asking at once exactly one
//! holds it. Expiry is on the database clock. Releasing marks the lease expired (keeping the
//! row and its `epoch`, which grows with every change of owner and so fences a former owner
//! that comes back after a pause).

use crate::{Db, Result};
use std::time::Duration;

/// Who holds a lease, as the table says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub owner: String,
    pub epoch: i64,
    /// Whether the lease is still running (database clock).
    pub live: bool,
    /// How many runs the owners of this lease have recorded.
    pub runs: i64,
}

impl Db {
    /// Takes or renews lease `name` for `owner` for `ttl`. Some(epoch) when `owner` holds it
    /// now; None when another process does.
    pub async fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<Option<i64>> {
        let now = super::now_us_sql(self.backend());
        let sql = format!(
            "INSERT INTO job_leases AS l (name, owner, epoch, lease_until_us, acquired_us) \
             VALUES ($1, $2, 1, {now} + $3, {now}) \
             ON CONFLICT (name) DO UPDATE SET \
               epoch = CASE WHEN l.owner = excluded.owner AND l.lease_until_us >= excluded.acquired_us \
                       THEN l.epoch ELSE l.epoch + 1 END, \
               acquired_us = CASE WHEN l.owner = excluded.owner AND l.lease_until_us >= excluded.acquired_us \
                       THEN l.acquired_us ELSE excluded.acquired_us END, \
               owner = excluded.owner, \
               lease_until_us = excluded.lease_until_us \
             WHERE l.owner = excluded.owner OR l.lease_until_us < excluded.acquired_us \
             RETURNING epoch"
        );
        crate::sql::query_scalar(&sql)
            .bind(name)
            .bind(owner)
            .bind(ttl.as_micros() as i64)
            .fetch_optional(self.writer())
            .await
    }

    /// Gives lease `name` up at once if `owner` holds it (another process may take it on its
    /// next try).
    pub async fn release_lease(&self, name: &str, owner: &str) -> Result<()> {
        crate::sql::query(
            "UPDATE job_leases SET lease_until_us = 0 WHERE name = $1 AND owner = $2",
        )
        .bind(name)
        .bind(owner)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Counts a finished run of `name`, if `owner` still holds it under `epoch`. False when
    /// the lease has passed to another process meanwhile.
    pub async fn record_lease_run(&self, name: &str, owner: &str, epoch: i64) -> Result<bool> {
        let sql = format!(
            "UPDATE job_leases SET runs = runs + 1, last_run_us = {} \
             WHERE name = $1 AND owner = $2 AND epoch = $3",
            super::now_us_sql(self.backend())
        );
        let done = crate::sql::query(&sql)
            .bind(name)
            .bind(owner)
            .bind(epoch)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Who holds lease `name`, if anyone ever did.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<LeaseHolder>> {
        let sql = format!(
            "SELECT owner, epoch, runs, CASE WHEN lease_until_us >= {} THEN 1 ELSE 0 END AS live \
             FROM job_leases WHERE name = $1",
            super::now_us_sql(self.backend())
        );
        let row = crate::sql::query(&sql)
            .bind(name)
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| {
            Ok(LeaseHolder {
                owner: r.try_get("owner")?,
                epoch: r.try_get("epoch")?,
                live: r.try_get::<i64, _>("live")? == 1,
                runs: r.try_get("runs")?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_owner_at_a_time_and_takeover_after_release() {
        let (db, _dir) = super::super::test_db().await;
        let ttl = Duration::from_secs(30);
        assert_eq!(db.acquire_lease("job", "a", ttl).await.unwrap(), Some(1));
        assert_eq!(db.acquire_lease("job", "b", ttl).await.unwrap(), None);
        // Renewing keeps the epoch.
        assert_eq!(db.acquire_lease("job", "a", ttl).await.unwrap(), Some(1));
        assert!(db.record_lease_run("job", "a", 1).await.unwrap());
        assert!(!db.record_lease_run("job", "b", 1).await.unwrap());
        db.release_lease("job", "b").await.unwrap(); // not b's: nothing happens
        assert_eq!(db.acquire_lease("job", "b", ttl).await.unwrap(), None);
        db.release_lease("job", "a").await.unwrap();
        assert_eq!(db.acquire_lease("job", "b", ttl).await.unwrap(), Some(2));
        // The former owner is fenced off.
        assert!(!db.record_lease_run("job", "a", 1).await.unwrap());
        let holder = db.lease_holder("job").await.unwrap().unwrap();
        assert_eq!(
            (
                holder.owner.as_str(),
                holder.epoch,
                holder.live,
                holder.runs
            ),
            ("b", 2, true, 1)
        );
        // An expired lease is free for anyone.
        assert_eq!(
            db.acquire_lease("other", "a", Duration::ZERO)
                .await
                .unwrap(),
            Some(1)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(db.acquire_lease("other", "b", ttl).await.unwrap(), Some(2));
    }
}
