//! Many `depot serve` processes on one database behaving as one (SPEC §12).
//!
//! * [`invalidation`]: a change that other processes may hold in a cache (a revoked key, a
//!   suspended business, a signed-out session, a changed subscription) is announced as a
//!   [`Topic`]; every process hears it within a second (PostgreSQL `LISTEN/NOTIFY` as the
//!   wake-up, polling the `invalidations` table as the fallback) and calls its subscribers.
//! * [`leases`] and [`scheduler`]: background work with one owner at a time. A periodic job
//!   (housekeeping, count folding, media retention…) runs on exactly one process, which
//!   holds a leased row for it; a queued job (a report…) is claimed by one process under a
//!   lease, like a webhook delivery.
//! * [`rate_limit`]: the per-key GCRA state shared on PostgreSQL, one row per key.
//!
//! Times that several processes compare (leases, invalidation windows, the rate limit) come
//! from the database's clock, so processes on machines whose clocks disagree still agree.

pub mod invalidation;
pub mod jobs;
pub mod leases;
pub mod rate_limit;
pub mod scheduler;

pub use invalidation::{invalidate, Invalidation, Invalidations, Topic};
pub use scheduler::{JobContext, Scheduler};

use crate::Backend;

/// The database's clock in microseconds since the Unix epoch, as an SQL expression.
pub(crate) fn now_us_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)",
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)",
    }
}

/// A name for this process that other processes can read in the lease table: host, pid and
/// a random suffix (a restarted process with the same pid is another owner).
pub fn process_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "depot".to_string());
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    format!("{host}:{}:{suffix}", std::process::id())
}

/// A migrated SQLite database in a directory of its own, removed when the guard drops.
#[cfg(test)]
pub(crate) async fn test_db() -> (crate::Db, TempDir) {
    let dir = std::env::temp_dir().join(format!("depot-coord-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/t.db", dir.display());
    let db = crate::Db::connect(&url, &Default::default()).await.unwrap();
    db.migrate().await.unwrap();
    (db, TempDir(dir))
}

#[cfg(test)]
pub(crate) struct TempDir(pub std::path::PathBuf);

#[cfg(test)]
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
