//! The stock ledger as the console reads it: the latest movements of a business in a
//! warehouse, optionally of one product (SPEC §11, *Stock*).

use crate::list::Filter;
use crate::{Db, Result};
use depot_domain::codes::CodeKind;

/// One ledger row.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub oasin: String,
    pub sku: String,
    pub stock_level: String,
    pub movement_type: String,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub reference_code: String,
    pub reason: Option<String>,
    pub is_abnormal: bool,
    pub created_time: i64,
}

impl Db {
    /// The latest `limit` movements of a business in a warehouse, newest first; `oasin`
    /// keeps one product (an OASIN that is no code matches nothing).
    pub async fn ledger_entries(
        &self,
        business_id: i64,
        warehouse_code: &str,
        oasin: Option<&str>,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>> {
        let mut f = Filter::new();
        f.int("l.business_id = ?", business_id)
            .text("w.warehouse_code = ?", warehouse_code);
        if let Some(o) = oasin.filter(|o| !o.is_empty()) {
            f.int("l.product_id = ?", CodeKind::Product.parse(o).unwrap_or(-1));
        }
        let sql = format!(
            "SELECT l.*, p.sku FROM stock_ledger l JOIN products p ON p.id = l.product_id \
             JOIN warehouses w ON w.id = l.warehouse_id{} ORDER BY l.id DESC LIMIT {}",
            f.where_sql(),
            limit.max(1)
        );
        let rows = f
            .bind_all(crate::sql::query(&sql))
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(LedgerEntry {
                    oasin: CodeKind::Product.format(r.try_get("product_id")?),
                    sku: r.try_get("sku")?,
                    stock_level: r.try_get("stock_level")?,
                    movement_type: r.try_get("movement_type")?,
                    on_hand_delta: r.try_get("on_hand_delta")?,
                    reserved_delta: r.try_get("reserved_delta")?,
                    reference_code: r.try_get("reference_code")?,
                    reason: r.try_get::<Option<String>, _>("reason")?,
                    is_abnormal: r.try_get::<i64, _>("is_abnormal")? != 0,
                    created_time: r.try_get("created_time")?,
                })
            })
            .collect()
    }
}
