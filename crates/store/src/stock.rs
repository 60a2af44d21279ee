//! Stock balances and the ledger (SPEC §2.2). Every change goes through [`move_stock`]: one
//! guarded UPDATE that cannot take any level below zero (even under concurrency — the
//! database re-checks the guard on the locked row), one ledger row, one
//! `product.update_stock` event, all in the caller's transaction.

use crate::events::{record_events, PendingEvent, PRODUCT_UPDATE_STOCK};
use crate::list::{Filter, PageRequest};
use crate::sql::value_rows;
use crate::{Db, Result, Tx};
use depot_domain::codes::CodeKind;
use depot_domain::quantity::MAX_BALANCE;
use depot_domain::stock::Movement;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Which balance moves, and the names the event needs.
#[derive(Debug, Clone)]
pub struct StockKey {
    pub business_id: i64,
    pub warehouse_id: i64,
    pub warehouse_code: String,
    pub product_id: i64,
    pub sku: String,
    pub stock_level: String,
}

/// One movement of a balance.
#[derive(Debug, Clone)]
pub struct StockMove<'a> {
    pub movement: Movement,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub reference_code: &'a str,
    pub reason: Option<&'a str>,
    pub is_abnormal: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub on_hand: i64,
    pub reserved: i64,
}

impl Balance {
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }
}

/// Applies a movement, or returns None (and changes nothing) when it would take `on_hand`,
/// `reserved` or `available` below zero, or bring goods in past `MAX_BALANCE`.
pub async fn move_stock(
    tx: &mut Tx,
    key: &StockKey,
    m: &StockMove<'_>,
    now: i64,
) -> Result<Option<Balance>> {
    Ok(move_stocks(tx, &[(key.clone(), m.clone())], now)
        .await?
        .and_then(|mut after| after.pop()))
}

/// Applies movements as if each ran in turn, in the order given, with a few statements
/// whatever their number: one guarded UPDATE per balance (balances in product order, the
/// lock order) by the sum of its moves, then one ledger row and one `product.update_stock`
/// event per move, each showing the balance right after that move. Returns those balances,
/// or None when some move would take a level below zero; a balance may then have moved
/// already, so the caller must give the transaction up.
pub async fn move_stocks(
    tx: &mut Tx,
    moves: &[(StockKey, StockMove<'_>)],
    now: i64,
) -> Result<Option<Vec<Balance>>> {
    /// A balance: product, warehouse, business, level — ordered by product first, the
    /// order balances are locked in.
    type BalanceId = (i64, i64, i64, String);
    let id = |k: &StockKey| -> BalanceId {
        (
            k.product_id,
            k.warehouse_id,
            k.business_id,
            k.stock_level.clone(),
        )
    };
    // Per balance: the summed deltas, whether any move adds stock (only such a move can meet
    // a balance that does not exist yet), and whether any brings goods in from outside
    // (those may not take it past MAX_BALANCE; goods coming back were counted before).
    let mut sums: BTreeMap<BalanceId, (i64, i64, bool, bool)> = BTreeMap::new();
    for (k, m) in moves {
        let sum = sums.entry(id(k)).or_default();
        let (Some(on_hand), Some(reserved)) = (
            sum.0.checked_add(m.on_hand_delta),
            sum.1.checked_add(m.reserved_delta),
        ) else {
            return Ok(None);
        };
        (sum.0, sum.1) = (on_hand, reserved);
        sum.2 |= m.on_hand_delta > 0;
        sum.3 |= brings_goods_in(m.movement) && m.on_hand_delta > 0;
    }
    let mut running: HashMap<BalanceId, Balance> = HashMap::new();
    for ((product_id, warehouse_id, business_id, level), (on_hand, reserved, adds, inbound)) in sums
    {
        // Deltas this large cannot fit any balance; refusing them here also keeps the SQL
        // below from overflowing.
        if on_hand.unsigned_abs() > MAX_BALANCE as u64
            || reserved.unsigned_abs() > MAX_BALANCE as u64
        {
            return Ok(None);
        }
        let ceiling = if inbound { MAX_BALANCE } else { i64::MAX };
        if adds {
            crate::sql::query(
                "INSERT INTO stock_balances (business_id, warehouse_id, product_id, stock_level, \
                 on_hand, reserved, updated_time) VALUES ($1, $2, $3, $4, 0, 0, $5) ON CONFLICT DO NOTHING",
            )
            .bind(business_id)
            .bind(warehouse_id)
            .bind(product_id)
            .bind(level.as_str())
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        let row = crate::sql::query(
            "UPDATE stock_balances SET on_hand = on_hand + $5, reserved = reserved + $6, updated_time = $7 \
             WHERE business_id = $1 AND warehouse_id = $2 AND product_id = $3 AND stock_level = $4 \
             AND on_hand + $5 >= 0 AND reserved + $6 >= 0 AND on_hand + $5 >= reserved + $6 \
             AND on_hand + $5 <= $8 \
             RETURNING on_hand, reserved",
        )
        .bind(business_id)
        .bind(warehouse_id)
        .bind(product_id)
        .bind(level.as_str())
        .bind(on_hand)
        .bind(reserved)
        .bind(now)
        .bind(ceiling)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        // Start the replay from the balance before these moves.
        let before = Balance {
            on_hand: row.try_get::<i64, _>("on_hand")? - on_hand,
            reserved: row.try_get::<i64, _>("reserved")? - reserved,
        };
        running.insert((product_id, warehouse_id, business_id, level), before);
    }
    // Replay the moves in order: the balance after each, held to the guard each would have
    // met on its own (the sums only prove the end state).
    let mut after = Vec::with_capacity(moves.len());
    for (k, m) in moves {
        let b = running.get_mut(&id(k)).expect("every balance was updated");
        let (Some(on_hand), Some(reserved)) = (
            b.on_hand.checked_add(m.on_hand_delta),
            b.reserved.checked_add(m.reserved_delta),
        ) else {
            return Ok(None);
        };
        (b.on_hand, b.reserved) = (on_hand, reserved);
        if b.on_hand < 0 || b.reserved < 0 || b.on_hand < b.reserved {
            return Ok(None);
        }
        after.push(*b);
    }

    const COLUMNS: usize = 11;
    let mut ledger_ids: Vec<i64> = Vec::with_capacity(moves.len());
    for chunk in moves.chunks(200) {
        let sql = format!(
            "INSERT INTO stock_ledger (business_id, warehouse_id, product_id, stock_level, movement_type, \
             on_hand_delta, reserved_delta, reference_code, reason, is_abnormal, created_time) \
             VALUES {} RETURNING id",
            value_rows(1, COLUMNS, chunk.len())
        );
        let mut insert = crate::sql::query_scalar::<i64>(&sql);
        for (k, m) in chunk {
            insert = insert
                .bind(k.business_id)
                .bind(k.warehouse_id)
                .bind(k.product_id)
                .bind(k.stock_level.as_str())
                .bind(m.movement.as_str())
                .bind(m.on_hand_delta)
                .bind(m.reserved_delta)
                .bind(m.reference_code)
                .bind(m.reason)
                .bind(i64::from(m.is_abnormal))
                .bind(now);
        }
        let mut ids = insert.fetch_all(&mut **tx).await?;
        // Ids are handed out in the order of the VALUES rows; RETURNING need not keep it.
        ids.sort_unstable();
        ledger_ids.extend(ids);
    }

    let events = moves
        .iter()
        .zip(&after)
        .zip(&ledger_ids)
        .map(|(((key, m), balance), ledger_id)| {
            // Reservations move `reserved`; everything else moves `on_hand`.
            let quantity = if m.on_hand_delta != 0 {
                m.on_hand_delta
            } else {
                m.reserved_delta
            };
            let payload = json!({
                "user_id": null,
                "transaction_id": ledger_id,
                "transaction_type": m.movement.as_str(),
                "transaction_created_time": now,
                "reference_code": m.reference_code,
                "oasin": CodeKind::Product.format(key.product_id),
                "sku": key.sku,
                "warehouse_code": key.warehouse_code,
                "stock_level": key.stock_level,
                "movement_quantity": quantity,
                "remaining_stock": balance.on_hand,
                "on_hand": balance.on_hand,
                "reserved": balance.reserved,
                "available": balance.available(),
                "is_abnormal": m.is_abnormal,
            });
            PendingEvent::uniform(key.business_id, PRODUCT_UPDATE_STOCK, payload)
        })
        .collect();
    record_events(tx, events, now).await?;
    Ok(Some(after))
}

/// Goods that were not counted in any balance before: a putaway, a returned parcel, a
/// correction. Restocks of a cancel or a return to sender bring back what a balance held.
fn brings_goods_in(movement: Movement) -> bool {
    matches!(
        movement,
        Movement::Putaway | Movement::ReturnRestock | Movement::Adjustment
    )
}

/// The current balance (zero when none exists yet).
pub async fn balance(tx: &mut Tx, key: &StockKey) -> Result<Balance> {
    let row = crate::sql::query(
        "SELECT on_hand, reserved FROM stock_balances \
         WHERE business_id = $1 AND warehouse_id = $2 AND product_id = $3 AND stock_level = $4",
    )
    .bind(key.business_id)
    .bind(key.warehouse_id)
    .bind(key.product_id)
    .bind(&key.stock_level)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Balance {
            on_hand: r.try_get("on_hand")?,
            reserved: r.try_get("reserved")?,
        },
        None => Balance {
            on_hand: 0,
            reserved: 0,
        },
    })
}

/// A row of Get Stock.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StockRow {
    pub oasin: String,
    pub sku: String,
    pub warehouse_code: String,
    pub stock_level: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

#[derive(Debug, Clone, Default)]
pub struct StockFilter {
    pub warehouse_code: Option<String>,
    pub oasin: Option<String>,
    pub sku: Option<String>,
}

impl Db {
    /// Balances of a business, by product, warehouse and level.
    pub async fn stock(
        &self,
        business_id: i64,
        f: &StockFilter,
        page: &PageRequest,
    ) -> Result<(Vec<StockRow>, i64)> {
        let mut filter = Filter::new();
        filter.int("s.business_id = ?", business_id);
        filter.opt_text("w.warehouse_code = ?", f.warehouse_code.as_deref());
        filter.opt_text("p.sku = ?", f.sku.as_deref());
        if let Some(oasin) = f.oasin.as_deref().filter(|o| !o.is_empty()) {
            filter.int(
                "s.product_id = ?",
                CodeKind::Product.parse(oasin).unwrap_or(-1),
            );
        }
        let from = "stock_balances s JOIN products p ON p.id = s.product_id \
                    JOIN warehouses w ON w.id = s.warehouse_id";
        let total = self.count(from, &filter).await?;
        let sql = format!(
            "SELECT s.product_id, p.sku, w.warehouse_code, s.stock_level, s.on_hand, s.reserved FROM {from}{} \
             ORDER BY s.product_id, w.warehouse_code, s.stock_level LIMIT {} OFFSET {}",
            filter.where_sql(),
            page.page_size,
            (page.page - 1).max(0) * page.page_size
        );
        let rows = filter
            .bind_all(crate::sql::query(&sql))
            .fetch_all(self.reader())
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                let on_hand: i64 = r.try_get("on_hand")?;
                let reserved: i64 = r.try_get("reserved")?;
                Ok(StockRow {
                    oasin: CodeKind::Product.format(r.try_get("product_id")?),
                    sku: r.try_get("sku")?,
                    warehouse_code: r.try_get("warehouse_code")?,
                    stock_level: r.try_get("stock_level")?,
                    on_hand,
                    reserved,
                    available: on_hand - reserved,
                })
            })
            .collect::<Result<Vec<_>, crate::StoreError>>()?;
        Ok((rows, total))
    }

    /// Checks that the ledger of every balance sums to it; returns the balances that do not.
    /// Used by tests and available to operators as an audit.
    pub async fn audit_stock(&self) -> Result<Vec<String>> {
        let rows = crate::sql::query(
            "SELECT s.business_id, s.warehouse_id, s.product_id, s.stock_level, s.on_hand, s.reserved, \
             CAST(COALESCE((SELECT SUM(l.on_hand_delta) FROM stock_ledger l WHERE l.business_id = s.business_id \
               AND l.warehouse_id = s.warehouse_id AND l.product_id = s.product_id AND l.stock_level = s.stock_level), 0) AS BIGINT) AS ledger_on_hand, \
             CAST(COALESCE((SELECT SUM(l.reserved_delta) FROM stock_ledger l WHERE l.business_id = s.business_id \
               AND l.warehouse_id = s.warehouse_id AND l.product_id = s.product_id AND l.stock_level = s.stock_level), 0) AS BIGINT) AS ledger_reserved \
             FROM stock_balances s",
        )
        .fetch_all(self.reader())
        .await?;
        let mut problems = Vec::new();
        for r in rows {
            let (on_hand, reserved): (i64, i64) = (r.try_get("on_hand")?, r.try_get("reserved")?);
            let (l_on_hand, l_reserved): (i64, i64) =
                (r.try_get("ledger_on_hand")?, r.try_get("ledger_reserved")?);
            if on_hand != l_on_hand
                || reserved != l_reserved
                || on_hand < 0
                || reserved < 0
                || reserved > on_hand
            {
                problems.push(format!(
                    "business {} warehouse {} product {} level {}: balance {on_hand}/{reserved}, ledger {l_on_hand}/{l_reserved}",
                    r.try_get::<i64, _>("business_id")?,
                    r.try_get::<i64, _>("warehouse_id")?,
                    r.try_get::<i64, _>("product_id")?,
                    r.try_get::<String, _>("stock_level")?,
                ));
            }
        }
        Ok(problems)
    }
}

/// One movement of a product's ledger, as the portal's Stock page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub warehouse_code: String,
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
    /// The newest `limit` movements of one product of a business, newest first.
    pub async fn product_ledger(
        &self,
        business_id: i64,
        product_id: i64,
        limit: i64,
    ) -> Result<Vec<LedgerEntry>> {
        let rows = crate::sql::query(
            "SELECT l.id, w.warehouse_code, l.stock_level, l.movement_type, l.on_hand_delta, \
             l.reserved_delta, l.reference_code, l.reason, l.is_abnormal, l.created_time \
             FROM stock_ledger l JOIN warehouses w ON w.id = l.warehouse_id \
             WHERE l.business_id = $1 AND l.product_id = $2 ORDER BY l.id DESC LIMIT $3",
        )
        .bind(business_id)
        .bind(product_id)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let abnormal: i64 = r.try_get("is_abnormal")?;
                Ok(LedgerEntry {
                    id: r.try_get("id")?,
                    warehouse_code: r.try_get("warehouse_code")?,
                    stock_level: r.try_get("stock_level")?,
                    movement_type: r.try_get("movement_type")?,
                    on_hand_delta: r.try_get("on_hand_delta")?,
                    reserved_delta: r.try_get("reserved_delta")?,
                    reference_code: r.try_get("reference_code")?,
                    reason: r.try_get("reason")?,
                    is_abnormal: abnormal != 0,
                    created_time: r.try_get("created_time")?,
                })
            })
            .collect::<Result<Vec<_>, crate::StoreError>>()
    }
}
