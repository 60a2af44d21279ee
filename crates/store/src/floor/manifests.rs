//! Handover manifests (SPEC §11 "Handover"): one per courier and trip. Packed parcels are
//! scanned onto an OPEN manifest (→ WAITING_HANDOVER); closing it hands every waiting parcel
//! to the courier (→ HANDOVER with the courier's name) in one transaction.

use super::{parse_codes, shipments_in_order};
use crate::catalog::Warehouse;
use crate::list::{Cursor, Filter, PageOf, PageRequest};
use crate::shipments::{lock_shipments, move_locked, Shipment, TransitionError};
use crate::sql::{placeholders, Row, Target};
use crate::{Backend, Db, Result, StoreError, Tx};
use depot_domain::codes::CodeKind;
use depot_domain::floor::{
    can_join_manifest, check, close_action, CloseAction, FloorRefusal, ManifestStatus,
};
use depot_domain::status::ShipmentStatus;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Manifest {
    pub id: i64,
    pub warehouse_id: i64,
    pub warehouse_code: String,
    pub courier_name: String,
    pub status: ManifestStatus,
    pub created_by: String,
    pub created_time: i64,
    pub updated_time: i64,
    pub closed_by: Option<String>,
    pub closed_time: Option<i64>,
    /// In the order they were scanned on.
    pub shipment_ids: Vec<i64>,
}

impl Manifest {
    pub fn tracking_codes(&self) -> Vec<String> {
        self.shipment_ids
            .iter()
            .map(|id| CodeKind::Shipment.format(*id))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestError {
    NotFound,
    /// The manifest is already closed.
    NotOpen,
}

/// What scanning one code onto a manifest did.
#[derive(Debug, Clone)]
pub struct ParcelResult {
    pub tracking_code: String,
    /// The parcel as it is now (on the manifest), or why it was refused.
    pub outcome: Result<Shipment, FloorRefusal>,
}

/// A manifest with everything its document prints.
#[derive(Debug, Clone)]
pub struct ManifestSheet {
    pub manifest: Manifest,
    pub warehouse: Warehouse,
    pub parcels: Vec<Shipment>,
}

#[derive(Debug, Clone, Default)]
pub struct ManifestFilter {
    pub warehouse_code: Option<String>,
    pub status: Option<ManifestStatus>,
}

const MANIFEST_COLUMNS: &str = "m.*, w.warehouse_code";

fn manifest_from_row(r: &Row) -> Result<Manifest> {
    let status: String = r.try_get("status")?;
    Ok(Manifest {
        id: r.try_get("id")?,
        warehouse_id: r.try_get("warehouse_id")?,
        warehouse_code: r.try_get("warehouse_code")?,
        courier_name: r.try_get("courier_name")?,
        status: ManifestStatus::parse(&status)
            .ok_or_else(|| StoreError::Decode(format!("manifest status {status}")))?,
        created_by: r.try_get("created_by")?,
        created_time: r.try_get("created_time")?,
        updated_time: r.try_get("updated_time")?,
        closed_by: r.try_get("closed_by")?,
        closed_time: r.try_get("closed_time")?,
        shipment_ids: Vec::new(),
    })
}

/// Loads manifests by a WHERE clause on `m` (and `w`), with their parcels.
async fn load_manifests(
    conn: impl Into<Target<'_>>,
    clause: &str,
    binds: &Filter,
    lock: &str,
) -> Result<Vec<Manifest>> {
    let mut conn: Target = conn.into();
    let sql = format!(
        "SELECT {MANIFEST_COLUMNS} FROM manifests m JOIN warehouses w ON w.id = m.warehouse_id WHERE {clause}{lock}"
    );
    let rows = binds
        .bind_all(crate::sql::query(&sql))
        .fetch_all(&mut conn)
        .await?;
    let mut manifests = rows
        .iter()
        .map(manifest_from_row)
        .collect::<Result<Vec<_>>>()?;
    if manifests.is_empty() {
        return Ok(manifests);
    }
    let ids: Vec<i64> = manifests.iter().map(|m| m.id).collect();
    let mut parcels: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in crate::sql::query(&format!(
        "SELECT manifest_id, shipment_id FROM manifest_parcels WHERE manifest_id IN ({}) ORDER BY manifest_id, position",
        placeholders(1, ids.len())
    ))
    .bind_each(&ids)
    .fetch_all(&mut conn)
    .await?
    {
        parcels
            .entry(r.try_get("manifest_id")?)
            .or_default()
            .push(r.try_get("shipment_id")?);
    }
    for m in &mut manifests {
        m.shipment_ids = parcels.remove(&m.id).unwrap_or_default();
    }
    Ok(manifests)
}

/// Locks and loads an OPEN manifest: the first lock of every change to it, so changes to
/// one manifest run one after another.
async fn lock_open(
    tx: &mut Tx,
    backend: Backend,
    id: i64,
) -> Result<Result<Manifest, ManifestError>> {
    let mut f = Filter::new();
    f.int("m.id = ?", id);
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE OF m",
    };
    match load_manifests(&mut **tx, &f.conditions(), &f, lock)
        .await?
        .pop()
    {
        None => Ok(Err(ManifestError::NotFound)),
        Some(m) if m.status != ManifestStatus::Open => Ok(Err(ManifestError::NotOpen)),
        Some(m) => Ok(Ok(m)),
    }
}

fn unexpected(id: i64, e: TransitionError) -> StoreError {
    StoreError::Invariant(format!(
        "shipment {id} checked under a lock, then refused: {e:?}"
    ))
}

impl Db {
    /// Opens a manifest for a courier in a warehouse; None when the warehouse does not exist.
    pub async fn create_manifest(
        &self,
        warehouse_code: &str,
        courier_name: &str,
        actor: &str,
        now: i64,
    ) -> Result<Option<Manifest>> {
        let mut tx = self.begin().await?;
        let warehouse_id: Option<i64> =
            crate::sql::query_scalar("SELECT id FROM warehouses WHERE warehouse_code = $1")
                .bind(warehouse_code)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(warehouse_id) = warehouse_id else {
            return Ok(None);
        };
        let id: i64 = crate::sql::query_scalar(
            "INSERT INTO manifests (warehouse_id, courier_name, status, created_by, created_time, updated_time) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(warehouse_id)
        .bind(courier_name)
        .bind(ManifestStatus::Open.as_str())
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(Manifest {
            id,
            warehouse_id,
            warehouse_code: warehouse_code.to_string(),
            courier_name: courier_name.to_string(),
            status: ManifestStatus::Open,
            created_by: actor.to_string(),
            created_time: now,
            updated_time: now,
            closed_by: None,
            closed_time: None,
            shipment_ids: Vec::new(),
        }))
    }

    /// Scans parcels onto an OPEN manifest: each PACKED parcel of the manifest's warehouse
    /// moves to WAITING_HANDOVER through the status-move command; each other code is refused
    /// on its own. A parcel already on this manifest is reported as it is (a repeated scan).
    pub async fn add_parcels(
        &self,
        manifest_id: i64,
        codes: &[String],
        actor: &str,
        now: i64,
    ) -> Result<Result<Vec<ParcelResult>, ManifestError>> {
        let backend = self.backend();
        let mut tx = self.begin().await?;
        let manifest = match lock_open(&mut tx, backend, manifest_id).await? {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let (ids, sorted) = parse_codes(codes);
        let mut locked: HashMap<i64, Shipment> = lock_shipments(&mut tx, backend, &sorted)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut position = manifest.shipment_ids.len() as i64;
        let note = format!("manifest {manifest_id}");
        let mut results = Vec::with_capacity(codes.len());
        for (code, id) in codes.iter().zip(&ids) {
            let shipment = id.and_then(|id| locked.remove(&id));
            let outcome = match shipment {
                Some(s) if manifest.shipment_ids.contains(&s.id) => Ok(s),
                shipment => {
                    let found = shipment
                        .as_ref()
                        .map(|s| (s.warehouse_id == manifest.warehouse_id, s.status));
                    match (check(found, can_join_manifest), shipment) {
                        (Err(refusal), _) => Err(refusal),
                        (Ok(()), Some(s)) => {
                            let moved = move_locked(
                                &mut tx,
                                backend,
                                &s,
                                ShipmentStatus::WaitingHandover,
                                (None, None),
                                Some(&note),
                                actor,
                                now,
                            )
                            .await?
                            .map_err(|e| unexpected(s.id, e))?;
                            crate::sql::query(
                                "INSERT INTO manifest_parcels (shipment_id, manifest_id, position, added_time) \
                                 VALUES ($1, $2, $3, $4)",
                            )
                            .bind(s.id)
                            .bind(manifest_id)
                            .bind(position)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            position += 1;
                            Ok(moved)
                        }
                        (Ok(()), None) => unreachable!("check refuses a missing shipment"),
                    }
                }
            };
            results.push(ParcelResult {
                tracking_code: code.clone(),
                outcome,
            });
        }
        crate::sql::query("UPDATE manifests SET updated_time = $2 WHERE id = $1")
            .bind(manifest_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(results))
    }

    /// Closes an OPEN manifest: every parcel still waiting goes to HANDOVER with the
    /// manifest's courier, in one transaction; a parcel cancelled while waiting leaves the
    /// manifest, one already handed over stays as it is.
    pub async fn close_manifest(
        &self,
        manifest_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<Result<Manifest, ManifestError>> {
        let backend = self.backend();
        let mut tx = self.begin().await?;
        let mut manifest = match lock_open(&mut tx, backend, manifest_id).await? {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let mut sorted = manifest.shipment_ids.clone();
        sorted.sort_unstable();
        let parcels = lock_shipments(&mut tx, backend, &sorted).await?;
        let note = format!("manifest {manifest_id}");
        let mut removed = Vec::new();
        for s in &parcels {
            match close_action(s.status) {
                CloseAction::HandOver => {
                    move_locked(
                        &mut tx,
                        backend,
                        s,
                        ShipmentStatus::Handover,
                        (None, Some(&manifest.courier_name)),
                        Some(&note),
                        actor,
                        now,
                    )
                    .await?
                    .map_err(|e| unexpected(s.id, e))?;
                }
                CloseAction::Keep => {}
                CloseAction::Remove => removed.push(s.id),
            }
        }
        for id in &removed {
            crate::sql::query(
                "DELETE FROM manifest_parcels WHERE shipment_id = $1 AND manifest_id = $2",
            )
            .bind(id)
            .bind(manifest_id)
            .execute(&mut *tx)
            .await?;
        }
        let done = crate::sql::query(
            "UPDATE manifests SET status = $2, closed_by = $3, closed_time = $4, updated_time = $4 \
             WHERE id = $1 AND status = $5",
        )
        .bind(manifest_id)
        .bind(ManifestStatus::Closed.as_str())
        .bind(actor)
        .bind(now)
        .bind(ManifestStatus::Open.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Invariant(format!(
                "manifest {manifest_id} left OPEN under a lock"
            )));
        }
        tx.commit().await?;
        manifest.shipment_ids.retain(|id| !removed.contains(id));
        manifest.status = ManifestStatus::Closed;
        manifest.closed_by = Some(actor.to_string());
        manifest.closed_time = Some(now);
        manifest.updated_time = now;
        Ok(Ok(manifest))
    }

    pub async fn manifest(&self, id: i64) -> Result<Option<Manifest>> {
        let mut f = Filter::new();
        f.int("m.id = ?", id);
        Ok(
            load_manifests(&mut self.snapshot()?, &f.conditions(), &f, "")
                .await?
                .pop(),
        )
    }

    /// Manifests, newest first.
    pub async fn list_manifests(
        &self,
        filter: &ManifestFilter,
        page: &PageRequest,
    ) -> Result<PageOf<Manifest>> {
        let mut f = Filter::new();
        f.opt_text("w.warehouse_code = ?", filter.warehouse_code.as_deref());
        f.opt_text("m.status = ?", filter.status.map(ManifestStatus::as_str));
        let total = self
            .count("manifests m JOIN warehouses w ON w.id = m.warehouse_id", &f)
            .await?;
        let tail = page.apply(&mut f, "m");
        let clause = format!("{}{tail}", f.conditions());
        let rows = load_manifests(self.reader(), &clause, &f, "").await?;
        Ok(page.finish(rows, total, |m| Cursor {
            created_time: m.created_time,
            id: m.id,
        }))
    }

    /// A manifest with its warehouse and parcels, for its document.
    pub async fn manifest_sheet(&self, id: i64) -> Result<Option<ManifestSheet>> {
        let mut snapshot = self.snapshot()?;
        let mut f = Filter::new();
        f.int("m.id = ?", id);
        let Some(manifest) = load_manifests(&mut snapshot, &f.conditions(), &f, "")
            .await?
            .pop()
        else {
            return Ok(None);
        };
        let warehouse: Warehouse = crate::sql::query("SELECT * FROM warehouses WHERE id = $1")
            .bind(manifest.warehouse_id)
            .fetch_one(&mut snapshot)
            .await?
            .try_into()?;
        let parcels = shipments_in_order(&mut snapshot, &manifest.shipment_ids).await?;
        Ok(Some(ManifestSheet {
            manifest,
            warehouse,
            parcels,
        }))
    }
}
