//! A short-lived cache of approved API keys, so a merchant request does not need a database
//! round trip just to learn who is calling.
//!
//! Only keys of approved businesses are cached, for `TTL`. Revoking or resetting a key through
//! this process's operator API forgets it at once; a revocation made elsewhere (the CLI,
//! another `depot serve` on the same database) takes effect within `TTL`.

use depot_store::tenants::{hash_token, BusinessStatus, KeyOwner};
use depot_store::Db;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(5);
/// Past this many entries the cache starts over rather than growing without bound.
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (KeyOwner, Instant)>>,
}

impl KeyCache {
    /// Resolves a token like `Db::key_owner`, from the cache when it can.
    pub async fn key_owner(&self, db: &Db, token: &str) -> depot_store::Result<Option<KeyOwner>> {
        let hash = hash_token(token);
        if let Some((owner, at)) = self.entries.lock().expect("key cache").get(&hash) {
            if at.elapsed() < TTL {
                return Ok(Some(owner.clone()));
            }
        }
        let owner = db.key_owner(token).await?;
        if let Some(o) = owner
            .as_ref()
            .filter(|o| o.business_status == BusinessStatus::Approved)
        {
            let mut entries = self.entries.lock().expect("key cache");
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(hash, (o.clone(), Instant::now()));
        }
        Ok(owner)
    }

    /// Forgets a key (after a revoke or reset).
    pub fn forget(&self, key_id: &str) {
        self.entries
            .lock()
            .expect("key cache")
            .retain(|_, (owner, _)| owner.key_id != key_id);
    }
}
