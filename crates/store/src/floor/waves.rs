//! Waves (SPEC §11 "Release"): NEW shipments of one warehouse released to the floor together
//! (→ ALLOCATED), all or nothing, and the pick list that goes with them.

use super::{parse_codes, product_labels, shipments_in_order, ProductLabel};
use crate::catalog::Warehouse;
use crate::list::{Cursor, Filter, PageOf, PageRequest};
use crate::shipments::{lock_shipments, move_locked, Shipment, TransitionError};
use crate::sql::{placeholders, Row, Target};
use crate::{Db, Result, StoreError};
use depot_domain::codes::CodeKind;
use depot_domain::floor::{check_release, FloorRefusal};
use depot_domain::status::ShipmentStatus;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Wave {
    pub id: i64,
    pub warehouse_id: i64,
    pub warehouse_code: String,
    pub created_by: String,
    pub created_time: i64,
    /// In the order they were released.
    pub shipment_ids: Vec<i64>,
}

impl Wave {
    pub fn tracking_codes(&self) -> Vec<String> {
        self.shipment_ids
            .iter()
            .map(|id| CodeKind::Shipment.format(*id))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseError {
    WarehouseNotFound,
    /// The codes that are not NEW shipments of the warehouse, in request order.
    Refused(Vec<(String, FloorRefusal)>),
}

/// A wave with everything its pick list prints.
#[derive(Debug, Clone)]
pub struct WaveSheet {
    pub wave: Wave,
    pub warehouse: Warehouse,
    /// In the wave's order.
    pub shipments: Vec<Shipment>,
    pub products: HashMap<i64, ProductLabel>,
}

const WAVE_COLUMNS: &str = "v.id, v.warehouse_id, v.created_by, v.created_time, w.warehouse_code";

fn wave_from_row(r: &Row) -> Result<Wave> {
    Ok(Wave {
        id: r.try_get("id")?,
        warehouse_id: r.try_get("warehouse_id")?,
        warehouse_code: r.try_get("warehouse_code")?,
        created_by: r.try_get("created_by")?,
        created_time: r.try_get("created_time")?,
        shipment_ids: Vec::new(),
    })
}

/// Loads waves by a WHERE clause on `v` (and `w`, the warehouse), with their shipments.
async fn load_waves(
    conn: impl Into<Target<'_>>,
    clause: &str,
    binds: &Filter,
) -> Result<Vec<Wave>> {
    let mut conn: Target = conn.into();
    let sql = format!(
        "SELECT {WAVE_COLUMNS} FROM waves v JOIN warehouses w ON w.id = v.warehouse_id WHERE {clause}"
    );
    let rows = binds
        .bind_all(crate::sql::query(&sql))
        .fetch_all(&mut conn)
        .await?;
    let mut waves = rows.iter().map(wave_from_row).collect::<Result<Vec<_>>>()?;
    if waves.is_empty() {
        return Ok(waves);
    }
    let ids: Vec<i64> = waves.iter().map(|w| w.id).collect();
    let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in crate::sql::query(&format!(
        "SELECT wave_id, shipment_id FROM wave_shipments WHERE wave_id IN ({}) ORDER BY wave_id, position",
        placeholders(1, ids.len())
    ))
    .bind_each(&ids)
    .fetch_all(&mut conn)
    .await?
    {
        members
            .entry(r.try_get("wave_id")?)
            .or_default()
            .push(r.try_get("shipment_id")?);
    }
    for w in &mut waves {
        w.shipment_ids = members.remove(&w.id).unwrap_or_default();
    }
    Ok(waves)
}

impl Db {
    /// Releases `codes` as one wave of `warehouse_code` (SPEC §11): every code must be a NEW
    /// shipment of that warehouse, else nothing changes and the offenders come back. Each
    /// shipment moves to ALLOCATED through the status-move command, under `actor`.
    pub async fn release_wave(
        &self,
        warehouse_code: &str,
        codes: &[String],
        actor: &str,
        now: i64,
    ) -> Result<Result<Wave, ReleaseError>> {
        let backend = self.backend();
        let mut tx = self.begin().await?;
        let warehouse_id: Option<i64> =
            crate::sql::query_scalar("SELECT id FROM warehouses WHERE warehouse_code = $1")
                .bind(warehouse_code)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(warehouse_id) = warehouse_id else {
            return Ok(Err(ReleaseError::WarehouseNotFound));
        };
        let (ids, sorted) = parse_codes(codes);
        let locked: HashMap<i64, Shipment> = lock_shipments(&mut tx, backend, &sorted)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let found = codes.iter().zip(&ids).map(|(code, id)| {
            let s = id.and_then(|id| locked.get(&id));
            (
                code.as_str(),
                s.map(|s| (s.warehouse_id == warehouse_id, s.status)),
            )
        });
        if let Err(refused) = check_release(found) {
            let refused = refused
                .into_iter()
                .map(|(c, r)| (c.to_string(), r))
                .collect();
            return Ok(Err(ReleaseError::Refused(refused)));
        }
        let wave_id: i64 = crate::sql::query_scalar(
            "INSERT INTO waves (warehouse_id, created_by, created_time) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(warehouse_id)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let note = format!("wave {wave_id}");
        for id in &sorted {
            let shipment = &locked[id];
            match move_locked(
                &mut tx,
                backend,
                shipment,
                ShipmentStatus::Allocated,
                (None, None),
                Some(&note),
                actor,
                now,
            )
            .await?
            {
                Ok(_) => {}
                Err(TransitionError::NotAllowed(s)) => {
                    return Err(StoreError::Invariant(format!(
                        "shipment {id} checked NEW under a lock, then refused from {s:?}"
                    )))
                }
                Err(e) => return Err(StoreError::Invariant(format!("releasing {id}: {e:?}"))),
            }
        }
        let shipment_ids: Vec<i64> = ids.iter().flatten().copied().collect();
        for (position, id) in shipment_ids.iter().enumerate() {
            crate::sql::query(
                "INSERT INTO wave_shipments (shipment_id, wave_id, position) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(wave_id)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(Wave {
            id: wave_id,
            warehouse_id,
            warehouse_code: warehouse_code.to_string(),
            created_by: actor.to_string(),
            created_time: now,
            shipment_ids,
        }))
    }

    pub async fn wave(&self, id: i64) -> Result<Option<Wave>> {
        let mut f = Filter::new();
        f.int("v.id = ?", id);
        Ok(load_waves(&mut self.snapshot()?, &f.conditions(), &f)
            .await?
            .pop())
    }

    /// Waves, newest first, of one warehouse or all.
    pub async fn list_waves(
        &self,
        warehouse_code: Option<&str>,
        page: &PageRequest,
    ) -> Result<PageOf<Wave>> {
        let mut f = Filter::new();
        f.opt_text("w.warehouse_code = ?", warehouse_code);
        let total = self
            .count("waves v JOIN warehouses w ON w.id = v.warehouse_id", &f)
            .await?;
        let tail = page.apply(&mut f, "v");
        let clause = format!("{}{tail}", f.conditions());
        let rows = load_waves(self.reader(), &clause, &f).await?;
        Ok(page.finish(rows, total, |w| Cursor {
            created_time: w.created_time,
            id: w.id,
        }))
    }

    /// A wave with its shipments, warehouse and products, for its pick list.
    pub async fn wave_sheet(&self, id: i64) -> Result<Option<WaveSheet>> {
        let mut snapshot = self.snapshot()?;
        let mut f = Filter::new();
        f.int("v.id = ?", id);
        let Some(wave) = load_waves(&mut snapshot, &f.conditions(), &f).await?.pop() else {
            return Ok(None);
        };
        let warehouse: Warehouse = crate::sql::query("SELECT * FROM warehouses WHERE id = $1")
            .bind(wave.warehouse_id)
            .fetch_one(&mut snapshot)
            .await?
            .try_into()?;
        let shipments = shipments_in_order(&mut snapshot, &wave.shipment_ids).await?;
        let products = product_labels(&mut snapshot, &shipments).await?;
        Ok(Some(WaveSheet {
            wave,
            warehouse,
            shipments,
            products,
        }))
    }
}
