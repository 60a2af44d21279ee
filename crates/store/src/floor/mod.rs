//! The warehouse floor (SPEC §11): waves of released shipments ([`waves`]) and courier
//! handover manifests ([`manifests`]). Each step is one transaction that locks what it
//! changes — the wave's or manifest's row first, then the shipments in ascending id order,
//! as every other write does — and moves each shipment through the one status-move command
//! (`shipments::move_locked`), so stock effects, history and webhooks are those of any move.
//! What may join and what closing does are `depot_domain::floor`'s pure rules.

pub mod manifests;
pub mod waves;

use crate::list::Filter;
use crate::shipments::{load_shipments, Shipment};
use crate::sql::{placeholders, Target};
use crate::Result;
use depot_domain::codes::CodeKind;
use std::collections::HashMap;

/// Requested tracking codes as shipment ids (None for a code no shipment can have), and the
/// distinct ids in ascending order, for locking.
fn parse_codes(codes: &[String]) -> (Vec<Option<i64>>, Vec<i64>) {
    let ids: Vec<Option<i64>> = codes
        .iter()
        .map(|c| CodeKind::Shipment.parse(c.trim()))
        .collect();
    let mut sorted: Vec<i64> = ids.iter().flatten().copied().collect();
    sorted.sort_unstable();
    sorted.dedup();
    (ids, sorted)
}

/// Shipments by id, with lines (and history), in the order of `ids`.
async fn shipments_in_order(conn: impl Into<Target<'_>>, ids: &[i64]) -> Result<Vec<Shipment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut f = Filter::new();
    f.int_in("s.id", ids);
    let mut found: HashMap<i64, Shipment> = load_shipments(conn, &f.conditions(), &f)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// A product as a floor document prints it: name and barcodes.
#[derive(Debug, Clone, Default)]
pub struct ProductLabel {
    pub name: String,
    pub barcodes: Vec<String>,
}

/// Names and barcodes of the products on `shipments`' lines.
async fn product_labels(
    conn: impl Into<Target<'_>>,
    shipments: &[Shipment],
) -> Result<HashMap<i64, ProductLabel>> {
    let mut conn: Target = conn.into();
    let mut ids: Vec<i64> = shipments
        .iter()
        .flat_map(|s| s.lines.iter().map(|l| l.product_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut labels: HashMap<i64, ProductLabel> = HashMap::new();
    if ids.is_empty() {
        return Ok(labels);
    }
    let list = placeholders(1, ids.len());
    for r in crate::sql::query(&format!(
        "SELECT id, name FROM products WHERE id IN ({list})"
    ))
    .bind_each(&ids)
    .fetch_all(&mut conn)
    .await?
    {
        labels.entry(r.try_get("id")?).or_default().name = r.try_get("name")?;
    }
    for r in crate::sql::query(&format!(
        "SELECT product_id, barcode FROM product_barcodes WHERE product_id IN ({list}) ORDER BY product_id, position"
    ))
    .bind_each(&ids)
    .fetch_all(&mut conn)
    .await?
    {
        labels
            .entry(r.try_get("product_id")?)
            .or_default()
            .barcodes
            .push(r.try_get("barcode")?);
    }
    Ok(labels)
}

impl crate::Db {
    /// The names of a province, district and ward by code (None where a code is unknown), as
    /// a printed address shows them.
    pub async fn address_names(
        &self,
        province: Option<&str>,
        district: Option<&str>,
        ward: Option<&str>,
    ) -> Result<[Option<String>; 3]> {
        let mut names: [Option<String>; 3] = Default::default();
        for (i, (table, code)) in [
            ("provinces", province),
            ("districts", district),
            ("wards", ward),
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(code) = code {
                names[i] =
                    crate::sql::query_scalar(&format!("SELECT name FROM {table} WHERE code = $1"))
                        .bind(code)
                        .fetch_optional(self.reader())
                        .await?;
            }
        }
        Ok(names)
    }
}

impl crate::Db {
    /// The business a shipment belongs to: operators reach every business's shipments.
    pub async fn shipment_business(&self, shipment_id: i64) -> Result<Option<i64>> {
        crate::sql::query_scalar("SELECT business_id FROM shipments WHERE id = $1")
            .bind(shipment_id)
            .fetch_optional(self.reader())
            .await
    }
}

impl crate::Db {
    /// A shipment of any business by tracking code, with lines and history.
    pub async fn floor_shipment(&self, tracking_code: &str) -> Result<Option<Shipment>> {
        let Some(id) = CodeKind::Shipment.parse(tracking_code.trim()) else {
            return Ok(None);
        };
        Ok(shipments_in_order(&mut self.snapshot()?, &[id])
            .await?
            .pop())
    }

    /// Names and barcodes of the products on these shipments' lines.
    pub async fn floor_products(
        &self,
        shipments: &[Shipment],
    ) -> Result<HashMap<i64, ProductLabel>> {
        product_labels(self.reader(), shipments).await
    }
}
