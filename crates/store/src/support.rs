//! Customer support's side of businesses (SPEC §11): the queue, status changes with their
//! note and actor, and the customer type. The rules of which change is allowed are
//! `depot_domain::business::BusinessAction`; this module applies them under a row lock and
//! records every change in `business_status_history`.
//!
//! A status change is announced to every process by the `businesses` trigger of the
//! coordination migration, so cached API keys of a suspended business stop working at once.

use crate::sql::Row;
use crate::tenants::Business;
use crate::{Db, Result};
use depot_domain::business::{BusinessAction, BusinessStatus, CustomerType, StatusChange};
use serde::Serialize;

/// One row of the support queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BusinessListItem {
    pub business_id: i64,
    pub name: String,
    pub email: String,
    #[schema(value_type = String, example = "PENDING")]
    pub status: BusinessStatus,
    #[schema(value_type = String, example = "API_USER")]
    pub customer_type: CustomerType,
    /// Why it was last rejected or suspended (null when never).
    pub status_note: Option<String>,
    pub created_time: i64,
}

/// One status change, as the business's history shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusChangeRecord {
    #[schema(value_type = String)]
    pub from_status: BusinessStatus,
    #[schema(value_type = String)]
    pub status: BusinessStatus,
    pub note: Option<String>,
    /// Who did it: `operator` (an operator token) or `console:<email>`.
    pub actor: String,
    pub created_time: i64,
}

/// Why a status change did not happen.
#[derive(Debug, Clone)]
pub enum ChangeError {
    NotFound,
    /// The action is not allowed from the business's current status.
    NotAllowed(Business),
}

fn status_of(r: &Row, col: &str) -> Result<BusinessStatus> {
    Ok(BusinessStatus::parse(&r.try_get::<String, _>(col)?).unwrap_or(BusinessStatus::Pending))
}

impl Db {
    /// Businesses for the support queue: PENDING first, then APPROVED, SUSPENDED, REJECTED;
    /// newest first within a status. `status` keeps one status only.
    pub async fn support_businesses(
        &self,
        status: Option<BusinessStatus>,
        page: i64,
        page_size: i64,
    ) -> Result<(Vec<BusinessListItem>, i64)> {
        let mut rank = String::from("CASE status");
        for s in BusinessStatus::ALL {
            rank.push_str(&format!(" WHEN '{}' THEN {}", s.as_str(), s.queue_rank()));
        }
        rank.push_str(" ELSE 9 END");
        let filter = if status.is_some() {
            "WHERE status = $1"
        } else {
            ""
        };
        let offset = page.saturating_sub(1).saturating_mul(page_size);
        let list_sql = format!(
            "SELECT * FROM businesses {filter} ORDER BY {rank}, created_time DESC, id DESC \
             LIMIT {page_size} OFFSET {offset}"
        );
        let count_sql = format!("SELECT COUNT(*) FROM businesses {filter}");
        let mut list = crate::sql::query(&list_sql);
        let mut count = crate::sql::query_scalar::<i64>(&count_sql);
        if let Some(s) = status {
            list = list.bind(s.as_str());
            count = count.bind(s.as_str());
        }
        let rows = list.fetch_all(self.reader()).await?;
        let total = count.fetch_one(self.reader()).await?;
        let items = rows
            .into_iter()
            .map(|r| {
                let b = Business::try_from(r)?;
                Ok(BusinessListItem {
                    business_id: b.business_id,
                    name: b.name,
                    email: b.email,
                    status: b.status,
                    customer_type: b.customer_type,
                    status_note: b.status_note,
                    created_time: b.created_time,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }

    /// Every status change of a business, newest first.
    pub async fn business_status_history(&self, id: i64) -> Result<Vec<StatusChangeRecord>> {
        let rows = crate::sql::query(
            "SELECT * FROM business_status_history WHERE business_id = $1 ORDER BY id DESC",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(StatusChangeRecord {
                    from_status: status_of(&r, "from_status")?,
                    status: status_of(&r, "status")?,
                    note: r.try_get::<Option<String>, _>("note")?,
                    actor: r.try_get("actor")?,
                    created_time: r.try_get("created_time")?,
                })
            })
            .collect()
    }

    /// Applies a support action under a lock on the business row: moves it, stores the note
    /// on the business and records the change. A repeat (the business is already where the
    /// action leads) changes nothing and answers the business as it is.
    pub async fn change_business_status(
        &self,
        id: i64,
        action: BusinessAction,
        note: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<std::result::Result<Business, ChangeError>> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT * FROM businesses WHERE id = $1{}",
            self.backend().for_update()
        );
        let Some(row) = crate::sql::query(&sql)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(Err(ChangeError::NotFound));
        };
        let current = Business::try_from(row)?;
        let to = match action.apply(current.status) {
            Err(_) => return Ok(Err(ChangeError::NotAllowed(current))),
            Ok(StatusChange::Unchanged) => return Ok(Ok(current)),
            Ok(StatusChange::To(to)) => to,
        };
        // Approving or reactivating clears the reason of an earlier refusal.
        let note_kept = if action.needs_note() { note } else { None };
        let row = crate::sql::query(
            "UPDATE businesses SET status = $2, status_note = $3, updated_time = $4 \
             WHERE id = $1 RETURNING *",
        )
        .bind(id)
        .bind(to.as_str())
        .bind(note_kept)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let updated = Business::try_from(row)?;
        crate::sql::query(
            "INSERT INTO business_status_history \
             (business_id, from_status, status, note, actor, created_time) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(current.status.as_str())
        .bind(to.as_str())
        .bind(note)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(updated))
    }
}
