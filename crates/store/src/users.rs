//! People who sign in to the web faces: a business's users (the portal) and operators (the
//! console). Passwords arrive here already hashed (Argon2id, by `depot-web`); emails are
//! stored lower-cased, so `Shop@Example.com` and `shop@example.com` are one account.

use crate::sql::Row;
use crate::tenants::{Business, CustomerType};
use crate::{is_unique_violation, Db, Result};
use serde::Serialize;

/// The one spelling of an email the store keeps and looks up.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A business's person.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub business_id: i64,
    pub email: String,
    pub contact_name: String,
    pub phone: String,
    #[serde(skip)]
    pub password_hash: String,
    /// OWNER.
    pub role: String,
    pub must_change_password: bool,
    pub created_time: i64,
}

impl TryFrom<Row> for User {
    type Error = crate::StoreError;
    fn try_from(r: Row) -> Result<Self> {
        Ok(User {
            id: r.try_get("id")?,
            business_id: r.try_get("business_id")?,
            email: r.try_get("email")?,
            contact_name: r.try_get("contact_name")?,
            phone: r.try_get("phone")?,
            password_hash: r.try_get("password_hash")?,
            role: r.try_get("role")?,
            must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
            created_time: r.try_get("created_time")?,
        })
    }
}

/// What sign-up asks for.
#[derive(Debug, Clone)]
pub struct Registration<'a> {
    pub business_name: &'a str,
    pub contact_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub password_hash: &'a str,
    pub customer_type: CustomerType,
}

/// The outcome of a sign-up.
#[derive(Debug)]
pub enum Registered {
    Created {
        business: Box<Business>,
        user: Box<User>,
    },
    /// Someone already has an account with this email.
    EmailTaken,
}

pub const ROLE_OWNER: &str = "OWNER";

/// An operator role (SPEC §11): what an operator may do and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperatorRole {
    /// Floor work in its warehouses.
    Floor,
    /// Floor work and stock adjustments in its warehouses.
    Supervisor,
    /// Everything, in every warehouse: businesses, operators.
    Admin,
}

impl OperatorRole {
    pub const ALL: &'static [OperatorRole] = &[
        OperatorRole::Admin,
        OperatorRole::Supervisor,
        OperatorRole::Floor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OperatorRole::Admin => "ADMIN",
            OperatorRole::Supervisor => "SUPERVISOR",
            OperatorRole::Floor => "FLOOR",
        }
    }

    /// `admin`, `ADMIN`… → the role.
    pub fn parse(s: &str) -> Option<OperatorRole> {
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A console account.
#[derive(Debug, Clone, Serialize)]
pub struct Operator {
    pub id: i64,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: OperatorRole,
    /// The warehouses a supervisor or floor operator works in (empty for an admin, who has all).
    pub warehouses: Vec<String>,
    pub must_change_password: bool,
    pub created_time: i64,
}

#[derive(Debug)]
pub enum NewOperator {
    Created(Operator),
    EmailTaken,
    /// These warehouse codes do not exist.
    UnknownWarehouses(Vec<String>),
}

impl Db {
    /// Creates a PENDING business and its owner account in one transaction.
    pub async fn register_business(&self, r: &Registration<'_>, now: i64) -> Result<Registered> {
        let email = normalize_email(r.email);
        let mut tx = self.begin().await?;
        let row = crate::sql::query(
            "INSERT INTO businesses (name, email, status, customer_type, created_time, \
               updated_time) VALUES ($1, $2, 'PENDING', $3, $4, $4) RETURNING *",
        )
        .bind(r.business_name)
        .bind(&email)
        .bind(r.customer_type.as_str())
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        let business = Business::try_from(row)?;
        let inserted = crate::sql::query(
            "INSERT INTO users (business_id, email, contact_name, phone, password_hash, role, \
               must_change_password, created_time, updated_time) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) RETURNING *",
        )
        .bind(business.business_id)
        .bind(&email)
        .bind(r.contact_name)
        .bind(r.phone)
        .bind(r.password_hash)
        .bind(ROLE_OWNER)
        .bind(now)
        .fetch_one(&mut tx)
        .await;
        let user = match inserted {
            Ok(row) => User::try_from(row)?,
            Err(e) if is_unique_violation(&e, "users_email_key", "users.email") => {
                return Ok(Registered::EmailTaken)
            }
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(Registered::Created {
            business: Box::new(business),
            user: Box::new(user),
        })
    }

    /// Gives an existing business an owner account (the demo seed, support tools).
    pub async fn create_user(
        &self,
        business_id: i64,
        email: &str,
        contact_name: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<User>> {
        let inserted = crate::sql::query(
            "INSERT INTO users (business_id, email, contact_name, phone, password_hash, role, \
               must_change_password, created_time, updated_time) \
             VALUES ($1, $2, $3, '', $4, $5, 0, $6, $6) RETURNING *",
        )
        .bind(business_id)
        .bind(normalize_email(email))
        .bind(contact_name)
        .bind(password_hash)
        .bind(ROLE_OWNER)
        .bind(now)
        .fetch_one(self.writer())
        .await;
        match inserted {
            Ok(row) => Ok(Some(User::try_from(row)?)),
            Err(e) if is_unique_violation(&e, "users_email_key", "users.email") => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row = crate::sql::query("SELECT * FROM users WHERE email = $1")
            .bind(normalize_email(email))
            .fetch_optional(self.reader())
            .await?;
        row.map(User::try_from).transpose()
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let row = crate::sql::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(User::try_from).transpose()
    }

    /// Sets a user's password hash; `must_change` marks it one-time. Ends every session of
    /// the user. False when there is no such user.
    pub async fn set_user_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = crate::sql::query(
            "UPDATE users SET password_hash = $2, must_change_password = $3, updated_time = $4 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(password_hash)
        .bind(must_change)
        .bind(now)
        .execute(&mut tx)
        .await?;
        crate::sql::query("DELETE FROM web_sessions WHERE account = $1")
            .bind(format!("user:{id}"))
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Creates an operator whose password must be changed at first sign-in. Every warehouse
    /// must exist.
    pub async fn create_operator(
        &self,
        email: &str,
        role: OperatorRole,
        warehouses: &[String],
        password_hash: &str,
        now: i64,
    ) -> Result<NewOperator> {
        let mut unknown = Vec::new();
        for code in warehouses {
            if self.warehouse_by_code(code).await?.is_none() {
                unknown.push(code.clone());
            }
        }
        if !unknown.is_empty() {
            return Ok(NewOperator::UnknownWarehouses(unknown));
        }
        let mut tx = self.begin().await?;
        let inserted = crate::sql::query(
            "INSERT INTO operators (email, password_hash, role, must_change_password, \
               created_time, updated_time) VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
        )
        .bind(normalize_email(email))
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .fetch_one(&mut tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => row.try_get("id")?,
            Err(e) if is_unique_violation(&e, "operators_email_key", "operators.email") => {
                return Ok(NewOperator::EmailTaken)
            }
            Err(e) => return Err(e),
        };
        for code in warehouses {
            crate::sql::query(
                "INSERT INTO operator_warehouses (operator_id, warehouse_code) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(code)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(match self.operator(id).await? {
            Some(op) => NewOperator::Created(op),
            None => return Err(crate::StoreError::RowNotFound),
        })
    }

    pub async fn operator(&self, id: i64) -> Result<Option<Operator>> {
        let row = crate::sql::query("SELECT * FROM operators WHERE id = $1")
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        match row {
            Some(r) => Ok(Some(self.operator_from(r).await?)),
            None => Ok(None),
        }
    }

    pub async fn operator_by_email(&self, email: &str) -> Result<Option<Operator>> {
        let row = crate::sql::query("SELECT * FROM operators WHERE email = $1")
            .bind(normalize_email(email))
            .fetch_optional(self.reader())
            .await?;
        match row {
            Some(r) => Ok(Some(self.operator_from(r).await?)),
            None => Ok(None),
        }
    }

    /// Every operator account, by email.
    pub async fn operators(&self) -> Result<Vec<Operator>> {
        let rows = crate::sql::query("SELECT * FROM operators ORDER BY email")
            .fetch_all(self.reader())
            .await?;
        let mut all = Vec::with_capacity(rows.len());
        for r in rows {
            all.push(self.operator_from(r).await?);
        }
        Ok(all)
    }

    async fn operator_from(&self, r: Row) -> Result<Operator> {
        let id: i64 = r.try_get("id")?;
        let role: String = r.try_get("role")?;
        let warehouses = crate::sql::query_scalar::<String>(
            "SELECT warehouse_code FROM operator_warehouses WHERE operator_id = $1 \
             ORDER BY warehouse_code",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?;
        Ok(Operator {
            id,
            email: r.try_get("email")?,
            password_hash: r.try_get("password_hash")?,
            // An unknown stored role gets the least power.
            role: OperatorRole::parse(&role).unwrap_or(OperatorRole::Floor),
            warehouses,
            must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
            created_time: r.try_get("created_time")?,
        })
    }

    /// Sets an operator's password hash; `must_change` marks it one-time. Ends every session
    /// of the operator. False when there is no such operator.
    pub async fn set_operator_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = crate::sql::query(
            "UPDATE operators SET password_hash = $2, must_change_password = $3, \
               updated_time = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(password_hash)
        .bind(must_change)
        .bind(now)
        .execute(&mut tx)
        .await?;
        crate::sql::query("DELETE FROM web_sessions WHERE account = $1")
            .bind(format!("operator:{id}"))
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Db {
    /// Switches a business's customer type; None when there is no such business.
    pub async fn set_customer_type(
        &self,
        business_id: i64,
        customer_type: CustomerType,
        now: i64,
    ) -> Result<Option<Business>> {
        let row = crate::sql::query(
            "UPDATE businesses SET customer_type = $2, updated_time = $3 WHERE id = $1 \
             RETURNING *",
        )
        .bind(business_id)
        .bind(customer_type.as_str())
        .bind(now)
        .fetch_optional(self.writer())
        .await?;
        row.map(Business::try_from).transpose()
    }
}
