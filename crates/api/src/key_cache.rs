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
    /// When this process last recorded each key's use (see [`KeyCache::touch`]).
    touched: Mutex<HashMap<String, i64>>,
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

    /// Records a key's use at `now` in the database, at most once a minute per key from this
    /// process (and the store's guard keeps it so across processes). Failures are logged, not
    /// returned: the request itself must not fail for it.
    pub async fn touch(&self, db: &Db, key_id: &str, now: i64) {
        {
            let mut touched = self.touched.lock().expect("key cache");
            match touched.get(key_id) {
                Some(at) if now - at < depot_store::api_keys::LAST_USED_RESOLUTION_SECONDS => {
                    return
                }
                _ => {}
            }
            if touched.len() >= MAX_ENTRIES {
                touched.clear();
            }
            touched.insert(key_id.to_string(), now);
        }
        if let Err(e) = db.touch_api_key(key_id, now).await {
            tracing::warn!(error = %e, "recording an API key's last use");
        }
    }

    /// Forgets a key (after a revoke or reset).
    pub fn forget(&self, key_id: &str) {
        self.entries
            .lock()
            .expect("key cache")
            .retain(|_, (owner, _)| owner.key_id != key_id);
    }
}
