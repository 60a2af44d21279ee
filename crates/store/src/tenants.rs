//! Businesses (tenants), their API keys, and operator tokens.
//!
//! Secrets are random, shown once, and stored only as SHA-256 hashes: a merchant token is
//! `dpk_<key id>_<secret>`; an operator token is `dop_<secret>`. A lookup hashes what the
//! client sent and finds the row by that hash.

use crate::sql::Row;
use crate::{opt_i64, Db, Result};
use rand::distributions::{Alphanumeric, DistString};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const API_KEY_PREFIX: &str = "dpk_";
pub const OPS_TOKEN_PREFIX: &str = "dop_";

pub use depot_domain::business::{BusinessStatus, CustomerType};

/// A stored status that is not one of ours reads as PENDING (the safe side: no API access).
fn parse_status(s: &str) -> BusinessStatus {
    BusinessStatus::parse(s).unwrap_or(BusinessStatus::Pending)
}

fn parse_customer_type(s: &str) -> CustomerType {
    CustomerType::parse(s).unwrap_or(CustomerType::ApiUser)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Business {
    pub business_id: i64,
    pub name: String,
    pub email: String,
    /// PENDING, APPROVED, REJECTED or SUSPENDED.
    #[schema(value_type = String, example = "APPROVED")]
    pub status: BusinessStatus,
    /// API_USER or OMS_USER.
    #[schema(value_type = String, example = "API_USER")]
    pub customer_type: CustomerType,
    /// Why customer support last rejected or suspended it (null otherwise).
    pub status_note: Option<String>,
    /// The IANA time zone report times are written in (`Asia/Ho_Chi_Minh` by default).
    #[schema(example = "Asia/Ho_Chi_Minh")]
    pub time_zone: String,
    pub created_time: i64,
    pub updated_time: i64,
}

impl TryFrom<Row> for Business {
    type Error = crate::StoreError;
    fn try_from(r: Row) -> Result<Self, crate::StoreError> {
        Ok(Business {
            business_id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            status: parse_status(&r.try_get::<String, _>("status")?),
            customer_type: parse_customer_type(&r.try_get::<String, _>("customer_type")?),
            status_note: r.try_get::<Option<String>, _>("status_note")?,
            time_zone: r.try_get("time_zone")?,
            created_time: r.try_get("created_time")?,
            updated_time: r.try_get("updated_time")?,
        })
    }
}

/// A freshly issued API key: the only moment the secret exists in clear.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewApiKey {
    pub key_id: String,
    pub secret: String,
    /// The full token a client sends: key id and secret joined.
    pub api_key: String,
}

impl NewApiKey {
    fn generate() -> NewApiKey {
        let mut rng = rand::thread_rng();
        let key_id = format!(
            "{API_KEY_PREFIX}{}",
            Alphanumeric.sample_string(&mut rng, 16)
        );
        let secret = Alphanumeric.sample_string(&mut rng, 40);
        let api_key = join_token(&key_id, &secret);
        NewApiKey {
            key_id,
            secret,
            api_key,
        }
    }
}

/// The token for a key id and its secret (the form iThink and Trendyol clients send apart).
pub fn join_token(key_id: &str, secret: &str) -> String {
    format!("{key_id}_{secret}")
}

/// Who a valid merchant token belongs to.
#[derive(Debug, Clone)]
pub struct KeyOwner {
    pub business_id: i64,
    pub key_id: String,
    pub business_status: BusinessStatus,
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Db {
    pub async fn create_business(&self, name: &str, email: &str, now: i64) -> Result<Business> {
        let row = crate::sql::query(
            "INSERT INTO businesses (name, email, status, created_time, updated_time) \
             VALUES ($1, $2, 'PENDING', $3, $3) RETURNING *",
        )
        .bind(name)
        .bind(email)
        .bind(now)
        .fetch_one(self.writer())
        .await?;
        Business::try_from(row)
    }

    pub async fn business(&self, id: i64) -> Result<Option<Business>> {
        let row = crate::sql::query("SELECT * FROM businesses WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(Business::try_from).transpose()
    }

    /// Sets the business's time zone (an IANA name the caller checked). None when there is
    /// no such business.
    pub async fn set_business_time_zone(
        &self,
        id: i64,
        time_zone: &str,
        now: i64,
    ) -> Result<Option<Business>> {
        let row = crate::sql::query(
            "UPDATE businesses SET time_zone = $2, updated_time = $3 WHERE id = $1 RETURNING *",
        )
        .bind(id)
        .bind(time_zone)
        .bind(now)
        .fetch_optional(self.writer())
        .await?;
        row.map(Business::try_from).transpose()
    }

    /// PENDING → APPROVED; approving twice is harmless. None when there is no such business.
    pub async fn approve_business(&self, id: i64, now: i64) -> Result<Option<Business>> {
        let row = crate::sql::query(
            "UPDATE businesses SET status = 'APPROVED', \
               updated_time = CASE WHEN status = 'APPROVED' THEN updated_time ELSE $2 END \
             WHERE id = $1 RETURNING *",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(self.writer())
        .await?;
        row.map(Business::try_from).transpose()
    }

    /// Issues a new key for an existing business (None when the business does not exist).
    pub async fn create_api_key(&self, business_id: i64, now: i64) -> Result<Option<NewApiKey>> {
        if self.business(business_id).await?.is_none() {
            return Ok(None);
        }
        let key = NewApiKey::generate();
        crate::sql::query(
            "INSERT INTO api_keys (business_id, key_id, token_hash, created_time) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(business_id)
        .bind(&key.key_id)
        .bind(hash_token(&key.api_key))
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(Some(key))
    }

    /// Revokes a key; true when it existed (revoking twice keeps the first time).
    pub async fn revoke_api_key(&self, key_id: &str, now: i64) -> Result<bool> {
        let done = crate::sql::query(
            "UPDATE api_keys SET revoked_time = COALESCE(revoked_time, $2) WHERE key_id = $1",
        )
        .bind(key_id)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Resolves a merchant token to its owner, if the key exists and is not revoked.
    pub async fn key_owner(&self, token: &str) -> Result<Option<KeyOwner>> {
        if !token.starts_with(API_KEY_PREFIX) {
            return Ok(None);
        }
        let row = crate::sql::query(
            "SELECT k.business_id, k.key_id, b.status FROM api_keys k \
             JOIN businesses b ON b.id = k.business_id \
             WHERE k.token_hash = $1 AND k.revoked_time IS NULL",
        )
        .bind(hash_token(token))
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| {
            Ok(KeyOwner {
                business_id: r.try_get("business_id")?,
                key_id: r.try_get("key_id")?,
                business_status: parse_status(&r.try_get::<String, _>("status")?),
            })
        })
        .transpose()
    }

    /// Issues a new operator token.
    pub async fn create_ops_token(&self, now: i64) -> Result<String> {
        let token = format!(
            "{OPS_TOKEN_PREFIX}{}",
            Alphanumeric.sample_string(&mut rand::thread_rng(), 40)
        );
        crate::sql::query("INSERT INTO ops_tokens (token_hash, created_time) VALUES ($1, $2)")
            .bind(hash_token(&token))
            .bind(now)
            .execute(self.writer())
            .await?;
        Ok(token)
    }

    /// True when the operator token was issued here and is not revoked.
    pub async fn ops_token_valid(&self, token: &str) -> Result<bool> {
        let row = crate::sql::query("SELECT revoked_time FROM ops_tokens WHERE token_hash = $1")
            .bind(hash_token(token))
            .fetch_optional(self.reader())
            .await?;
        Ok(match row {
            Some(r) => opt_i64(&r, "revoked_time")?.is_none(),
            None => false,
        })
    }
}

impl Db {
    /// Issues a new key for the business of `key_id` and revokes `key_id`, in one transaction.
    /// None when `key_id` does not exist or is already revoked.
    pub async fn reset_api_key(&self, key_id: &str, now: i64) -> Result<Option<NewApiKey>> {
        let mut tx = self.begin().await?;
        let row = crate::sql::query(
            "UPDATE api_keys SET revoked_time = $2 WHERE key_id = $1 AND revoked_time IS NULL \
             RETURNING business_id",
        )
        .bind(key_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let business_id: i64 = row.try_get("business_id")?;
        let key = NewApiKey::generate();
        crate::sql::query(
            "INSERT INTO api_keys (business_id, key_id, token_hash, created_time) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(business_id)
        .bind(&key.key_id)
        .bind(hash_token(&key.api_key))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(key))
    }
}

impl Db {
    pub async fn business_by_email(&self, email: &str) -> Result<Option<Business>> {
        let row =
            crate::sql::query("SELECT * FROM businesses WHERE email = $1 ORDER BY id LIMIT 1")
                .bind(email)
                .fetch_optional(self.reader())
                .await?;
        row.map(Business::try_from).transpose()
    }
}
