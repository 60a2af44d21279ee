//! The cancellation engine. Every cancel — single, bulk, by lines, and each dialect's — is
//! decided by `depot_domain::cancel::decide` and applied here: a whole request in one
//! transaction, with statements per kind of change rather than per shipment, so a bulk
//! cancel of 100 costs little more than one.
//!
//! Locks are taken in the order every write uses: the requested shipments (ascending id),
//! then the shipments waiting for the released products, then stock balances (ascending
//! product id).

use super::{
    allocate_waiting, apply_moves, effect_moves, load_shipments_with, lock_waiting, milestone,
    record_change, reserve_shipment, set_status, CancelCommand, CancelError, CancelOutcome,
    HistoryEntry, Shipment,
};
use crate::events::{record_events, status_event, PendingEvent, SHIPMENT_UPDATE_STATUS};
use crate::list::Filter;
use crate::sql::{placeholders, value_rows};
use crate::{Backend, Db, Result, StoreError, Tx};
use depot_domain::cancel::{self, Decision, LineState, StockEffect};
use depot_domain::status::ShipmentStatus;
use depot_domain::stock::Movement;
use std::collections::{BTreeMap, BTreeSet, HashMap};

impl Db {
    /// Cancels one shipment of a business (by id) under a dialect's guard.
    pub async fn cancel_shipment(
        &self,
        business_id: i64,
        shipment_id: i64,
        cmd: &CancelCommand,
        now: i64,
    ) -> Result<Result<CancelOutcome, CancelError>> {
        let mut results = self
            .cancel_shipments(business_id, &[Some(shipment_id)], cmd, now)
            .await?;
        Ok(results.pop().expect("one result per id"))
    }

    /// Cancels several shipments in one transaction, each decided on its own, so a refusal
    /// never blocks the others. Returns one result per id, in the order given; ids that are
    /// None (unknown codes) answer NotFound, and an id given twice gets the same result twice.
    pub async fn cancel_shipments(
        &self,
        business_id: i64,
        shipment_ids: &[Option<i64>],
        cmd: &CancelCommand,
        now: i64,
    ) -> Result<Vec<Result<CancelOutcome, CancelError>>> {
        let mut ids: Vec<i64> = shipment_ids.iter().flatten().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut tx = self.begin().await?;
        let results = cancel_in_tx(&mut tx, self.backend(), business_id, &ids, cmd, now).await?;
        tx.commit().await?;
        Ok(shipment_ids
            .iter()
            .map(|id| {
                id.and_then(|id| results.get(&id).cloned())
                    .unwrap_or(Err(CancelError::NotFound))
            })
            .collect())
    }
}

/// The first cancellation's result, for an idempotent repeat.
fn outcome_of(shipment: &Shipment) -> CancelOutcome {
    CancelOutcome {
        shipment_id: shipment.id,
        merchant_tracking_code_reference: shipment.merchant_tracking_code_reference.clone(),
        status: shipment.status,
        cancelled_time: shipment.cancelled_time.unwrap_or(shipment.status_time),
        successor_id: shipment.superseded_by_id,
        cancelled_items: shipment
            .lines
            .iter()
            .filter(|l| l.cancelled_quantity > 0)
            .map(|l| (l.line_id, l.oasin(), l.sku.clone(), l.cancelled_quantity))
            .collect(),
    }
}

/// A shipment a cancel closes: the locked row, the status it gets, what happens to its
/// stock, the units cancelled (line id → units), and, for a partial cancel, the status and
/// lines of its successor.
struct Closing {
    shipment: Shipment,
    to: ShipmentStatus,
    effect: StockEffect,
    cancelled: Vec<(i64, i64)>,
    successor: Option<(ShipmentStatus, Vec<(i64, i64)>)>,
}

/// Locks, decides and applies the cancel of `ids` (ascending, distinct): the result of each
/// id found in the business, by id.
async fn cancel_in_tx(
    tx: &mut Tx,
    backend: Backend,
    business_id: i64,
    ids: &[i64],
    cmd: &CancelCommand,
    now: i64,
) -> Result<HashMap<i64, Result<CancelOutcome, CancelError>>> {
    let mut results = HashMap::new();
    if ids.is_empty() {
        return Ok(results);
    }
    let mut f = Filter::new();
    // The unary `+` keeps SQLite's planner off the business indexes, which would scan every
    // shipment of the business instead of looking up at most 100 ids.
    f.int_in("s.id", ids).int("+s.business_id = ?", business_id);
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE OF s",
    };
    let clause = format!("{} ORDER BY s.id", f.conditions());
    let shipments = load_shipments_with(&mut **tx, &clause, &f, lock, true).await?;

    let mut closing = Vec::new();
    for shipment in shipments {
        let lines: Vec<LineState> = shipment
            .lines
            .iter()
            .map(|l| LineState {
                line_id: l.line_id,
                oasin: l.oasin(),
                quantity: l.open_quantity(),
            })
            .collect();
        let decision = match cancel::decide(shipment.status, cmd.guard, &lines, &cmd.lines) {
            Ok(d) => d,
            Err(refusal) => {
                results.insert(shipment.id, Err(CancelError::Refused(refusal)));
                continue;
            }
        };
        let (to, effect, cancelled, successor) = match decision {
            Decision::AlreadyCancelled => {
                results.insert(shipment.id, Ok(outcome_of(&shipment)));
                continue;
            }
            Decision::Full { to, effect } => {
                let all = lines.iter().map(|l| (l.line_id, l.quantity)).collect();
                (to, effect, all, None)
            }
            Decision::Partial {
                to,
                effect,
                successor,
                cancelled,
                remaining,
            } => (to, effect, cancelled, Some((successor, remaining))),
        };
        closing.push(Closing {
            shipment,
            to,
            effect,
            cancelled,
            successor,
        });
    }
    for outcome in close(tx, backend, business_id, closing, cmd, now).await? {
        results.insert(outcome.shipment_id, Ok(outcome));
    }
    Ok(results)
}

/// Applies decided cancels: stock, lines, statuses, successors, history and events.
async fn close(
    tx: &mut Tx,
    backend: Backend,
    business_id: i64,
    closing: Vec<Closing>,
    cmd: &CancelCommand,
    now: i64,
) -> Result<Vec<CancelOutcome>> {
    if closing.is_empty() {
        return Ok(Vec::new());
    }
    // Shipments waiting for what the cancels release, per warehouse.
    let mut released: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for c in closing.iter().filter(|c| c.effect != StockEffect::None) {
        let products = released.entry(c.shipment.warehouse_id).or_default();
        products.extend(c.shipment.lines.iter().map(|l| l.product_id));
    }
    let mut waiting = Vec::new();
    for (warehouse_id, products) in &released {
        let products: Vec<i64> = products.iter().copied().collect();
        waiting.extend(
            lock_waiting(
                tx,
                backend,
                business_id,
                *warehouse_id,
                &products,
                &products,
            )
            .await?,
        );
    }

    let references: Vec<String> = closing.iter().map(|c| c.shipment.tracking_code()).collect();
    let moves: Vec<_> = closing
        .iter()
        .zip(&references)
        .flat_map(|(c, reference)| {
            effect_moves(
                &c.shipment,
                c.effect,
                Movement::CancelRestock,
                &c.cancelled,
                reference,
            )
        })
        .collect();
    apply_moves(tx, &moves, now).await?;

    // Lines: a full cancel takes every unit still open, a partial one the units named.
    let full: Vec<i64> = closing
        .iter()
        .filter(|c| c.successor.is_none())
        .map(|c| c.shipment.id)
        .collect();
    if !full.is_empty() {
        crate::sql::query(&format!(
            "UPDATE shipment_lines SET cancelled_quantity = product_quantity WHERE shipment_id IN ({})",
            placeholders(1, full.len())
        ))
        .bind_each(&full)
        .execute(&mut **tx)
        .await?;
    }
    for c in closing.iter().filter(|c| c.successor.is_some()) {
        for (line_id, q) in &c.cancelled {
            crate::sql::query(
                "UPDATE shipment_lines SET cancelled_quantity = cancelled_quantity + $2 WHERE id = $1",
            )
            .bind(line_id)
            .bind(q)
            .execute(&mut **tx)
            .await?;
        }
    }

    // Statuses, one guarded UPDATE per (from, to).
    let mut moving: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
    for c in &closing {
        moving
            .entry((c.shipment.status.value(), c.to.value()))
            .or_default()
            .push(c.shipment.id);
    }
    for ((from, to), ids) in moving {
        let to_status = ShipmentStatus::from_value(to).expect("a known status");
        let stamp = milestone(to_status)
            .map(|column| format!(", {column} = $2"))
            .unwrap_or_default();
        let done = crate::sql::query(&format!(
            "UPDATE shipments SET status = $1, status_time = $2, updated_time = $2{stamp}, \
             cancel_reason_code = $3, cancel_reason_note = $4 WHERE status = $5 AND id IN ({})",
            placeholders(6, ids.len())
        ))
        .bind(to)
        .bind(now)
        .bind(cmd.reason.code())
        .bind(&cmd.reason_note)
        .bind(from)
        .bind_each(&ids)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != ids.len() as u64 {
            return Err(StoreError::Invariant(format!(
                "shipments {ids:?} left status {from} under a lock"
            )));
        }
    }

    let mut successors = HashMap::new();
    for c in &closing {
        if let Some((status, remaining)) = &c.successor {
            let id = open_successor(
                tx,
                backend,
                &c.shipment,
                *status,
                remaining,
                &cmd.actor,
                now,
            )
            .await?;
            successors.insert(c.shipment.id, id);
        }
    }

    // History and events. The closed shipments are rendered from the locked rows plus what
    // this cancel wrote, which is all that changed under the lock.
    let note = cmd.reason_note.as_deref().unwrap_or(cmd.reason.code());
    let sql = format!(
        "INSERT INTO shipment_history (shipment_id, status, actor, note, created_time) VALUES {}",
        value_rows(1, 5, closing.len())
    );
    let mut insert = crate::sql::query(&sql);
    for c in &closing {
        insert = insert
            .bind(c.shipment.id)
            .bind(c.to.value())
            .bind(cmd.actor.as_str())
            .bind(note)
            .bind(now);
    }
    insert.execute(&mut **tx).await?;

    let mut events = Vec::with_capacity(closing.len());
    let mut outcomes = Vec::with_capacity(closing.len());
    for c in closing {
        let previous = (c.shipment.status, c.shipment.status_time);
        let successor = successors.get(&c.shipment.id).copied();
        let closed = closed(c, successor, cmd, note, now);
        events.push(PendingEvent::new(
            business_id,
            SHIPMENT_UPDATE_STATUS,
            |lang| {
                status_event(
                    closed.detail(lang),
                    Some(previous.0.info(lang, Some(previous.1))),
                )
            },
        ));
        outcomes.push(outcome_of(&closed));
    }
    record_events(tx, events, now).await?;
    allocate_waiting(tx, backend, &waiting, now).await?;
    Ok(outcomes)
}

/// A closing shipment as the cancel leaves it.
fn closed(
    c: Closing,
    successor: Option<i64>,
    cmd: &CancelCommand,
    note: &str,
    now: i64,
) -> Shipment {
    let mut s = c.shipment;
    s.status = c.to;
    s.status_time = now;
    s.updated_time = now;
    if milestone(c.to) == Some("cancelled_time") {
        s.cancelled_time = Some(now);
    }
    s.cancel_reason_code = Some(cmd.reason.code().to_string());
    s.cancel_reason_note = cmd.reason_note.clone();
    for (line_id, q) in &c.cancelled {
        if let Some(line) = s.lines.iter_mut().find(|l| l.line_id == *line_id) {
            line.cancelled_quantity += q;
        }
    }
    if successor.is_some() {
        s.superseded_by_id = successor;
    }
    s.history.push(HistoryEntry {
        status: c.to,
        actor: cmd.actor.clone(),
        note: Some(note.to_string()),
        created_time: now,
    });
    s
}

/// Opens the shipment that carries what a partial cancel left, and links the two.
async fn open_successor(
    tx: &mut Tx,
    backend: Backend,
    old: &Shipment,
    status: ShipmentStatus,
    remaining: &[(i64, i64)],
    actor: &str,
    now: i64,
) -> Result<i64> {
    let keep = |t: Option<i64>, reached: bool| if reached { t } else { None };
    let picked = status == ShipmentStatus::Picked;
    let allocated = picked || status == ShipmentStatus::Allocated;
    let id: i64 = crate::sql::query_scalar(
        "INSERT INTO shipments (business_id, warehouse_id, merchant_tracking_code_reference, \
         courier_tracking_code, courier_name, shipping_label_url, platform, status, status_time, \
         receiver, cod_amount_minor, note, allocated_time, picked_time, supersedes_id, created_time, updated_time) \
         SELECT business_id, warehouse_id, merchant_tracking_code_reference, courier_tracking_code, \
         courier_name, shipping_label_url, platform, $2, $3, receiver, cod_amount_minor, note, $4, $5, id, $3, $3 \
         FROM shipments WHERE id = $1 RETURNING id",
    )
    .bind(old.id)
    .bind(status.value())
    .bind(now)
    .bind(keep(old.allocated_time, allocated))
    .bind(keep(old.picked_time, picked))
    .fetch_one(&mut **tx)
    .await?;
    for (position, (line_id, q)) in remaining.iter().enumerate() {
        crate::sql::query(
            "INSERT INTO shipment_lines (shipment_id, product_id, sku, product_quantity, position) \
             SELECT $1, product_id, sku, $2, $3 FROM shipment_lines WHERE id = $4",
        )
        .bind(id)
        .bind(q)
        .bind(position as i64)
        .bind(line_id)
        .execute(&mut **tx)
        .await?;
    }
    crate::sql::query("UPDATE shipments SET superseded_by_id = $2 WHERE id = $1")
        .bind(old.id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let note = format!("continues {}", old.tracking_code());
    let successor = record_change(tx, id, &[], None, actor, Some(&note), now).await?;
    // A waiting successor asks for less than its original did: it may fit now.
    if status == ShipmentStatus::OutOfStock
        && reserve_shipment(tx, backend, &successor, now).await?
    {
        set_status(tx, id, ShipmentStatus::OutOfStock, ShipmentStatus::New, now).await?;
        record_change(
            tx,
            id,
            &successor.history,
            Some((ShipmentStatus::OutOfStock, now)),
            "system",
            Some("stock available"),
            now,
        )
        .await?;
    }
    Ok(id)
}
