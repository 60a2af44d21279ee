//! Sessions: tower-sessions over Depot's own database ([`DbSessionStore`]), and the typed
//! view of a session every page uses ([`WebSession`]).
//!
//! * The cookie holds a random 128-bit id; the database holds its SHA-256, the data (JSON) and
//!   the expiry. Each face has its own cookie, scoped to its path (`/portal`, `/console`).
//! * Idle expiry: every request a session makes moves its expiry `idle` ahead (the row is
//!   saved on every request); a session idle longer is gone. Expiry runs on Depot's clock, so
//!   tests can move time.
//! * Nothing is cached in memory: each request reads its row, so a deleted session (sign-out,
//!   password reset, another process) is refused at once everywhere. A save only updates an
//!   existing row, so a request racing a sign-out cannot bring the session back.

use crate::Lang;
use async_trait::async_trait;
use depot_domain::SharedClock;
use depot_store::sessions::StoredSession;
use depot_store::Db;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::Session;

/// The session keys Depot uses.
const ACCOUNT: &str = "account";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// Expired sessions and stale sign-in failures are purged at most this often (seconds).
const PURGE_EVERY: i64 = 60;

/// tower-sessions' store over [`Db`] (SQLite or PostgreSQL).
#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    clock: SharedClock,
    idle_seconds: i64,
    last_purge: Arc<AtomicI64>,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSessionStore")
            .field("idle_seconds", &self.idle_seconds)
            .finish()
    }
}

impl DbSessionStore {
    pub fn new(db: Db, clock: SharedClock, idle_seconds: i64) -> DbSessionStore {
        DbSessionStore {
            db,
            clock,
            idle_seconds,
            last_purge: Arc::new(AtomicI64::new(0)),
        }
    }

    fn stored(&self, record: &Record) -> session_store::Result<StoredSession> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let account = record
            .data
            .get(ACCOUNT)
            .and_then(|v| serde_json::from_value::<Account>(v.clone()).ok())
            .map(|a| a.key());
        Ok(StoredSession {
            data,
            account,
            expires_time: self.clock.now() + self.idle_seconds,
        })
    }

    /// Drops lapsed sessions and sign-in failures, at most once a minute per process.
    async fn purge_now_and_then(&self) {
        let now = self.clock.now();
        let last = self.last_purge.load(Ordering::Relaxed);
        if now - last < PURGE_EVERY
            || self
                .last_purge
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = self.db.purge_web_sessions(now).await {
            tracing::warn!(error = %e, "purging expired web sessions");
        }
        if let Err(e) = self.db.purge_login_throttle(now).await {
            tracing::warn!(error = %e, "purging stale sign-in failures");
        }
    }
}

fn backend(e: depot_store::StoreError) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.purge_now_and_then().await;
        let stored = self.stored(record)?;
        // 128 random bits collide essentially never; draw again if they do.
        while !self
            .db
            .create_web_session(&record.id.to_string(), &stored)
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let stored = self.stored(record)?;
        self.db
            .save_web_session(&record.id.to_string(), &stored)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(stored) = self
            .db
            .web_session(&id.to_string(), self.clock.now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&stored.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(stored.expires_time)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.db
            .delete_web_session(&id.to_string())
            .await
            .map_err(backend)
    }
}

/// Who a session is signed in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Account {
    /// A portal user (`users.id`).
    User(i64),
    /// A console operator (`operators.id`).
    Operator(i64),
}

impl Account {
    /// The name the session row carries, so every session of an account can be ended.
    pub fn key(self) -> String {
        match self {
            Account::User(id) => format!("user:{id}"),
            Account::Operator(id) => format!("operator:{id}"),
        }
    }
}

/// A one-time message shown on the next page (after a redirect).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flash {
    /// `success`, `error` or `info`.
    pub kind: String,
    pub message: String,
}

impl Flash {
    pub fn success(message: impl Into<String>) -> Flash {
        Flash {
            kind: "success".into(),
            message: message.into(),
        }
    }
    pub fn error(message: impl Into<String>) -> Flash {
        Flash {
            kind: "error".into(),
            message: message.into(),
        }
    }
    pub fn info(message: impl Into<String>) -> Flash {
        Flash {
            kind: "info".into(),
            message: message.into(),
        }
    }
}

/// A random token, URL-safe base64 of 32 bytes.
pub fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The typed view of the request's session.
#[derive(Clone)]
pub struct WebSession {
    inner: Session,
}

/// A session error is a database error: the page answers 500.
pub type SessionResult<T> = Result<T, crate::PageError>;

fn failed(e: tower_sessions::session::Error) -> crate::PageError {
    tracing::error!(error = %e, "session store");
    crate::PageError::Internal
}

impl WebSession {
    pub fn new(inner: Session) -> WebSession {
        WebSession { inner }
    }

    /// Who is signed in, if anyone.
    pub async fn account(&self) -> SessionResult<Option<Account>> {
        self.inner.get(ACCOUNT).await.map_err(failed)
    }

    /// The session's token for forms that change something, made on first use.
    pub async fn csrf_token(&self) -> SessionResult<String> {
        if let Some(token) = self.inner.get::<String>(CSRF).await.map_err(failed)? {
            return Ok(token);
        }
        let token = random_token();
        self.inner.insert(CSRF, &token).await.map_err(failed)?;
        Ok(token)
    }

    /// The token without making one (the CSRF check).
    pub async fn existing_csrf_token(&self) -> SessionResult<Option<String>> {
        self.inner.get(CSRF).await.map_err(failed)
    }

    /// Signs `account` in: a new session id (no fixation), a new form token.
    pub async fn sign_in(&self, account: Account) -> SessionResult<()> {
        self.inner.cycle_id().await.map_err(failed)?;
        self.inner.insert(ACCOUNT, account).await.map_err(failed)?;
        self.inner
            .insert(CSRF, random_token())
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// Ends the session: its row is deleted, so it is refused on every process at once.
    pub async fn sign_out(&self) -> SessionResult<()> {
        self.inner.delete().await.map_err(failed)?;
        self.inner.clear().await;
        Ok(())
    }

    /// A message for the next page.
    pub async fn flash(&self, flash: Flash) -> SessionResult<()> {
        self.inner.insert(FLASH, flash).await.map_err(failed)
    }

    /// Takes the pending message, if any (it shows once).
    pub async fn take_flash(&self) -> SessionResult<Option<Flash>> {
        self.inner.remove(FLASH).await.map_err(failed)
    }

    /// The language remembered for this browser is a cookie, not session data; this is only
    /// here so faces need one import.
    pub fn lang_of(parts: &axum::http::request::Parts) -> Lang {
        crate::lang::page_lang(parts)
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for WebSession {
    type Rejection = crate::PageError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .map(WebSession::new)
            .ok_or_else(|| {
                tracing::error!("a page ran without the session layer");
                crate::PageError::Internal
            })
    }
}
