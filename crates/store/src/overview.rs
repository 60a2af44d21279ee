//! The portal dashboard's reads (SPEC §10): shipments per day by status, totals per status and
//! products under their `min_stock_warning`. Each stays cheap with millions of shipments: the
//! totals sum the trigger-kept `shipment_counts` rows, and the per-day counts sum the
//! trigger-kept `shipment_day_counts` rows of the window (a few per day).

use crate::{Db, Result};
use depot_domain::codes::CodeKind;
use depot_domain::stock::SELLABLE;

/// The offset from UTC of the days `shipment_day_counts` counts in: the pages' clock (UTC+7).
/// Migration 0011's triggers write `(created_time + 25200) / 86400`.
pub const DAY_OFFSET: i64 = 7 * 3600;
const DAY: i64 = 86_400;

/// Shipments created on one day of a window that are now in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// 0 for the window's first day.
    pub day: i64,
    pub status: i64,
    pub n: i64,
}

/// A product whose sellable stock (all warehouses, level A, not reserved) is under its
/// `min_stock_warning`.
#[derive(Debug, Clone)]
pub struct LowStock {
    pub oasin: String,
    pub sku: String,
    pub name: String,
    pub available: i64,
    pub min_stock_warning: i64,
}

impl Db {
    /// How many of the business's shipments are in each status now (statuses with none are
    /// left out), from the counts the triggers keep.
    pub async fn shipment_status_totals(&self, business_id: i64) -> Result<Vec<(i64, i64)>> {
        let rows: Vec<(i64, i64)> = crate::sql::query_as(
            "SELECT status, CAST(SUM(n) AS BIGINT) FROM shipment_counts \
             WHERE business_id = $1 GROUP BY status HAVING SUM(n) <> 0 ORDER BY status",
        )
        .bind(business_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows)
    }

    /// Shipments created in `days` days from `from` (Unix seconds, a day's first second in
    /// UTC+7), by day and by their current status, from the per-day counts the triggers keep
    /// (migration 0011): a few rows per day, however many shipments the days hold.
    pub async fn shipments_per_day(
        &self,
        business_id: i64,
        from: i64,
        days: i64,
    ) -> Result<Vec<DayCount>> {
        let first = from.saturating_add(DAY_OFFSET).div_euclid(DAY);
        let until = first.saturating_add(days.max(0));
        let rows: Vec<(i64, i64, i64)> = crate::sql::query_as(
            "SELECT status, day, CAST(SUM(n) AS BIGINT) FROM shipment_day_counts \
             WHERE business_id = $1 AND day >= $2 AND day < $3 \
             GROUP BY day, status HAVING SUM(n) <> 0",
        )
        .bind(business_id)
        .bind(first)
        .bind(until)
        .fetch_all(self.reader())
        .await?;
        let mut counts: Vec<DayCount> = rows
            .into_iter()
            .map(|(status, day, n)| DayCount {
                day: day - first,
                status,
                n,
            })
            .collect();
        counts.sort_by_key(|c| (c.day, c.status));
        Ok(counts)
    }

    /// Up to `limit` products under their `min_stock_warning`, the furthest under first.
    pub async fn low_stock_products(&self, business_id: i64, limit: i64) -> Result<Vec<LowStock>> {
        let rows: Vec<(i64, String, String, i64, i64)> = crate::sql::query_as(
            "SELECT id, sku, name, available, min_stock_warning FROM ( \
                 SELECT p.id, p.sku, p.name, p.min_stock_warning, \
                 CAST(COALESCE((SELECT SUM(b.on_hand - b.reserved) FROM stock_balances b \
                     WHERE b.business_id = p.business_id AND b.product_id = p.id \
                     AND b.stock_level = $2), 0) AS BIGINT) AS available \
                 FROM products p WHERE p.business_id = $1 AND p.min_stock_warning IS NOT NULL) q \
             WHERE available < min_stock_warning \
             ORDER BY available - min_stock_warning, id LIMIT $3",
        )
        .bind(business_id)
        .bind(SELLABLE)
        .bind(limit.max(0))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, sku, name, available, min)| LowStock {
                oasin: CodeKind::Product.format(id),
                sku,
                name,
                available,
                min_stock_warning: min,
            })
            .collect())
    }
}
