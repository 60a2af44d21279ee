//! Cross-process invalidation: "forget what you cached about X", heard by every process on
//! the database within a second.
//!
//! **Announcing.** [`invalidate`] appends a row to `invalidations`, inside the caller's
//! transaction when given one, so the announcement commits (or rolls back) with the change.
//! The tables other processes cache announce their own changes through triggers (migration
//! 0070): revoking, resetting or deleting an API key ([`Topic::ApiKey`]), any change of a
//! business's status — approval, suspension — ([`Topic::Business`]), and creating, changing or
//! deleting a webhook subscription ([`Topic::WebhookEndpoint`]). New caches call
//! [`invalidate`] themselves, e.g. on sign-out:
//!
//! ```ignore
//! let mut tx = db.begin().await?;
//! sql::query("DELETE FROM sessions WHERE id = $1").bind(&id).execute(&mut tx).await?;
//! coordination::invalidate(&mut tx, &Topic::Session(id.clone())).await?;
//! tx.commit().await?;
//! ```
//!
//! **Hearing.** [`Invalidations::run`] (started by `depot serve` in every role) listens on
//! PostgreSQL's `depot_invalidations` channel — the insert trigger sends a `NOTIFY`, delivered
//! at commit — and, on both databases, reads the rows of the last [`WINDOW`] every
//! [`POLL_INTERVAL`], so a lost notification (a dropped listener connection) costs at most
//! that interval. Each row is delivered once per process to every subscriber:
//!
//! ```ignore
//! let cache = sessions.clone();
//! invalidations.subscribe(move |inv| match inv {
//!     Invalidation::Topic(Topic::Session(id)) => cache.forget(id),
//!     Invalidation::Everything => cache.clear(),
//!     _ => {}
//! });
//! ```
//!
//! Subscribers run on the listener's task: they must be quick and must not block (drop an
//! entry, bump a counter). [`Invalidation::Everything`] means this process may have missed
//! announcements (it could not reach the database for longer than the window): drop every
//! cached entry. A cache that loads from the database should also guard against the race
//! where an invalidation arrives while a load is in flight (see `depot_api::key_cache`,
//! which compares a generation counter before inserting).

use crate::sql::Target;
use crate::{Db, Engine, Result};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The PostgreSQL channel the insert trigger notifies.
pub const CHANNEL: &str = "depot_invalidations";
/// How often every process reads the recent rows, whatever the notifications did.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How far back each poll reads (database clock): an announcement whose transaction commits
/// up to this long after its row was written is still heard by polling.
pub const WINDOW: Duration = Duration::from_secs(30);

/// What to forget.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// An API key by its key id (revoked, reset or deleted).
    ApiKey(String),
    /// A business whose status changed (approved, suspended, reactivated…): everything cached
    /// about its keys, sessions and permissions.
    Business(i64),
    /// A signed-in session (signed out, expired, its user's rights changed).
    Session(String),
    /// A webhook subscription (created, changed, enabled, disabled, deleted).
    WebhookEndpoint(i64),
    /// Any other cache: `kind` names it (ASCII letters, digits, `_`), `id` the entry.
    Other { kind: String, id: String },
}

impl Topic {
    /// The text stored in `invalidations.topic`: `kind:id`.
    pub fn encode(&self) -> String {
        match self {
            Topic::ApiKey(id) => format!("api_key:{id}"),
            Topic::Business(id) => format!("business:{id}"),
            Topic::Session(id) => format!("session:{id}"),
            Topic::WebhookEndpoint(id) => format!("webhook_endpoint:{id}"),
            Topic::Other { kind, id } => format!("{kind}:{id}"),
        }
    }

    /// Reads [`Topic::encode`]'s text back; None when it is not `kind:id`.
    pub fn decode(text: &str) -> Option<Topic> {
        let (kind, id) = text.split_once(':')?;
        Some(match kind {
            "api_key" => Topic::ApiKey(id.to_string()),
            "business" => Topic::Business(id.parse().ok()?),
            "session" => Topic::Session(id.to_string()),
            "webhook_endpoint" => Topic::WebhookEndpoint(id.parse().ok()?),
            _ => Topic::Other {
                kind: kind.to_string(),
                id: id.to_string(),
            },
        })
    }
}

/// What a subscriber is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalidation {
    Topic(Topic),
    /// Announcements may have been missed: forget everything.
    Everything,
}

/// Announces `topic` to every process. Inside a transaction (`&mut tx`) it is heard only if
/// and when that transaction commits; on `db.writer()` at once.
pub async fn invalidate<'c>(on: impl Into<Target<'c>>, topic: &Topic) -> Result<()> {
    crate::sql::query("INSERT INTO invalidations (topic) VALUES ($1)")
        .bind(topic.encode())
        .execute(on)
        .await?;
    Ok(())
}

impl Db {
    /// [`invalidate`] outside a transaction.
    pub async fn invalidate(&self, topic: &Topic) -> Result<()> {
        invalidate(self.writer(), topic).await
    }

    /// Deletes announcements older than an hour (housekeeping).
    pub async fn purge_invalidations(&self) -> Result<u64> {
        let sql = format!(
            "DELETE FROM invalidations WHERE at_us < {} - 3600000000",
            super::now_us_sql(self.backend())
        );
        Ok(crate::sql::query(&sql)
            .execute(self.writer())
            .await?
            .rows_affected())
    }

    async fn recent_invalidations(&self) -> Result<Vec<(i64, String)>> {
        let sql = format!(
            "SELECT id, topic FROM invalidations WHERE at_us > {} - $1 ORDER BY id",
            super::now_us_sql(self.backend())
        );
        crate::sql::query_as(&sql)
            .bind(WINDOW.as_micros() as i64)
            .fetch_all(self.reader())
            .await
    }
}

type Subscriber = Arc<dyn Fn(&Invalidation) + Send + Sync>;

/// This process's end of the invalidations: its subscribers, and which rows it has heard.
#[derive(Default)]
pub struct Invalidations {
    subscribers: RwLock<Vec<Subscriber>>,
    /// Row ids already delivered (by notification or poll), with when they were heard.
    seen: Mutex<HashMap<i64, Instant>>,
    poll_now: Notify,
}

impl Invalidations {
    pub fn new() -> Arc<Invalidations> {
        Arc::default()
    }

    /// Calls `f` for every invalidation this process hears from now on.
    pub fn subscribe(&self, f: impl Fn(&Invalidation) + Send + Sync + 'static) {
        self.subscribers
            .write()
            .expect("subscribers")
            .push(Arc::new(f));
    }

    /// Tells this process's subscribers at once (the database announcement reaches the
    /// others; this saves the round trip here).
    pub fn deliver_local(&self, invalidation: &Invalidation) {
        let subscribers = self.subscribers.read().expect("subscribers").clone();
        for s in subscribers {
            s(invalidation);
        }
    }

    /// Delivers row `id` unless it was delivered already.
    fn heard(&self, id: i64, topic: &str) {
        {
            let mut seen = self.seen.lock().expect("seen");
            if seen.insert(id, Instant::now()).is_some() {
                return;
            }
        }
        match Topic::decode(topic) {
            Some(topic) => self.deliver_local(&Invalidation::Topic(topic)),
            None => tracing::warn!(topic, "unreadable invalidation topic"),
        }
    }

    /// Listens and polls until `shutdown` resolves.
    pub async fn run(self: Arc<Self>, db: Db, shutdown: impl Future<Output = ()> + Send) {
        let listener = match db.engine() {
            Engine::Postgres(pool) => Some(tokio::spawn(self.clone().listen(pool.clone()))),
            Engine::Sqlite(_) => None,
        };
        tokio::pin!(shutdown);
        let mut last_ok: Option<Instant> = None;
        let mut failing = false;
        loop {
            match db.recent_invalidations().await {
                Ok(rows) => {
                    // Rows older than the window may have gone by unread.
                    if last_ok.is_some_and(|t| t.elapsed() + 2 * POLL_INTERVAL > WINDOW) {
                        tracing::warn!("invalidations unread for too long; dropping caches");
                        self.deliver_local(&Invalidation::Everything);
                    }
                    if failing {
                        tracing::info!("invalidations: database reachable again");
                        failing = false;
                    }
                    for (id, topic) in rows {
                        self.heard(id, &topic);
                    }
                    last_ok = Some(Instant::now());
                    let horizon = 2 * WINDOW;
                    self.seen
                        .lock()
                        .expect("seen")
                        .retain(|_, at| at.elapsed() < horizon);
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "reading invalidations failed");
                        failing = true;
                    }
                }
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = self.poll_now.notified() => {}
            }
        }
        if let Some(listener) = listener {
            listener.abort();
        }
    }

    /// PostgreSQL: LISTEN, deliver each notification, and ask for a poll whenever the
    /// connection was (re)made, since notifications sent meanwhile are lost.
    async fn listen(self: Arc<Self>, pool: sqlx::PgPool) {
        let mut pause = Duration::from_millis(100);
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(sqlx::Error::PoolClosed) => return,
                Err(e) => {
                    tracing::debug!(error = %e, "invalidation listener: connecting");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                    continue;
                }
            };
            // Notifications must not be lost silently while reconnecting: reconnect here.
            listener.eager_reconnect(false);
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::debug!(error = %e, "invalidation listener: LISTEN");
                tokio::time::sleep(pause).await;
                continue;
            }
            pause = Duration::from_millis(100);
            self.poll_now.notify_one();
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => {
                        let Some((id, topic)) = n.payload().split_once(' ') else {
                            continue;
                        };
                        if let Ok(id) = id.parse() {
                            self.heard(id, topic);
                        }
                    }
                    // The connection dropped: make a new listener (and poll once it is up).
                    Ok(None) => break,
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(e) => {
                        tracing::debug!(error = %e, "invalidation listener lost its connection");
                        break;
                    }
                }
            }
            self.poll_now.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip() {
        for t in [
            Topic::ApiKey("dpk_abc".into()),
            Topic::Business(7),
            Topic::Session("s:1".into()),
            Topic::WebhookEndpoint(3),
            Topic::Other {
                kind: "report".into(),
                id: "12".into(),
            },
        ] {
            assert_eq!(Topic::decode(&t.encode()), Some(t));
        }
        assert_eq!(Topic::decode("business:x"), None);
        assert_eq!(Topic::decode("nothing"), None);
    }

    /// The fallback alone (SQLite has no NOTIFY): an announcement written by another
    /// connection — as the CLI would — reaches a subscriber, exactly once.
    #[tokio::test]
    async fn polling_delivers_each_announcement_once() {
        let (db, dir) = super::super::test_db().await;
        let url = format!("sqlite://{}/t.db", dir.0.display());
        let inv = Invalidations::new();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let h = heard.clone();
        inv.subscribe(move |i| h.lock().unwrap().push(i.clone()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(inv.clone().run(db.clone(), async {
            let _ = stopped.await;
        }));
        let other = Db::connect(&url, &Default::default()).await.unwrap();
        other
            .invalidate(&Topic::Session("abc".into()))
            .await
            .unwrap();
        let business = other.create_business("B", "b@x", 1).await.unwrap();
        other
            .approve_business(business.business_id, 2)
            .await
            .unwrap();
        let want = [
            Invalidation::Topic(Topic::Session("abc".into())),
            Invalidation::Topic(Topic::Business(business.business_id)),
        ];
        for _ in 0..200 {
            if heard.lock().unwrap().len() >= want.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // A few more polls must not deliver them again.
        tokio::time::sleep(POLL_INTERVAL * 2).await;
        assert_eq!(*heard.lock().unwrap(), want);
        let _ = stop.send(());
        task.await.unwrap();
    }
}
