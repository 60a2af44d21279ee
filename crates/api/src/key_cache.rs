//! A short-lived cache of approved API keys, so a merchant request does not need a database
//! round trip just to learn who is calling.
//!
//! Only keys of approved businesses are cached, for `TTL`. Revoking, resetting or deleting a
//! key and changing a business's status are announced to every process on the database
//! (`depot_store::coordination::invalidation`, triggers on `api_keys` and `businesses`);
//! [`KeyCache::on_invalidation`] drops the entries concerned, so such a change takes effect
//! everywhere within a second. `TTL` only bounds how long an entry may outlive a change whose
//! announcement every way failed.

use depot_store::coordination::{Invalidation, Topic};
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
    inner: Mutex<Inner>,
    /// When this process last recorded each key's use (see [`KeyCache::touch`]).
    touched: Mutex<HashMap<String, i64>>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, (KeyOwner, Instant)>,
    /// Grows with every removal. A lookup that started before a removal does not cache what
    /// it read: the removal may concern a change its read did not see yet.
    generation: u64,
}

impl KeyCache {
    /// Resolves a token like `Db::key_owner`, from the cache when it can.
    pub async fn key_owner(&self, db: &Db, token: &str) -> depot_store::Result<Option<KeyOwner>> {
        let hash = hash_token(token);
        let generation = {
            let inner = self.inner.lock().expect("key cache");
            if let Some((owner, at)) = inner.entries.get(&hash) {
                if at.elapsed() < TTL {
                    return Ok(Some(owner.clone()));
                }
            }
            inner.generation
        };
        let owner = db.key_owner(token).await?;
        if let Some(o) = owner
            .as_ref()
            .filter(|o| o.business_status == BusinessStatus::Approved)
        {
            let mut inner = self.inner.lock().expect("key cache");
            if inner.generation == generation {
                if inner.entries.len() >= MAX_ENTRIES {
                    inner.entries.clear();
                }
                inner.entries.insert(hash, (o.clone(), Instant::now()));
            }
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
        self.remove(|owner| owner.key_id == key_id);
    }

    /// Forgets every key of a business (its status changed).
    pub fn forget_business(&self, business_id: i64) {
        self.remove(|owner| owner.business_id == business_id);
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.remove(|_| true);
    }

    /// What to forget when another process (or this one) announces a change.
    pub fn on_invalidation(&self, invalidation: &Invalidation) {
        match invalidation {
            Invalidation::Topic(Topic::ApiKey(key_id)) => self.forget(key_id),
            Invalidation::Topic(Topic::Business(id)) => self.forget_business(*id),
            Invalidation::Everything => self.clear(),
            Invalidation::Topic(_) => {}
        }
    }

    fn remove(&self, matches: impl Fn(&KeyOwner) -> bool) {
        let mut inner = self.inner.lock().expect("key cache");
        inner.generation += 1;
        inner.entries.retain(|_, (owner, _)| !matches(owner));
    }
}
