//! Operator stock adjustments (SPEC §4): the one stock command that can wake shipments
//! waiting for stock, so it lives above both the ledger ([`crate::stock`]) and the shipments
//! that a positive adjustment reserves for. Keeping it here leaves `stock` a leaf ledger.

use crate::shipments::{allocate_waiting, lock_waiting};
use crate::stock::{balance, move_stock, Balance, StockKey, StockMove, StockRow};
use crate::{Backend, Db, Result, Tx};
use depot_domain::codes::CodeKind;
use depot_domain::quantity::MAX_BALANCE;
use depot_domain::stock::{Movement, SELLABLE};

/// [`move_stock`] for a movement that may add sellable stock: shipments waiting for the
/// product in that warehouse are then reserved, oldest first. Use it for every inbound
/// movement (putaway, restocks, positive adjustments).
async fn move_stock_and_wake(
    tx: &mut Tx,
    backend: Backend,
    key: &StockKey,
    m: &StockMove<'_>,
    now: i64,
) -> Result<Option<Balance>> {
    let adds_sellable = m.on_hand_delta > m.reserved_delta && key.stock_level == SELLABLE;
    // Lock the waiting shipments before the balance: shipments, then balances, everywhere.
    let waiting = if adds_sellable {
        lock_waiting(
            tx,
            backend,
            key.business_id,
            key.warehouse_id,
            &[key.product_id],
            &[key.product_id],
        )
        .await?
    } else {
        Vec::new()
    };
    let balance = move_stock(tx, key, m, now).await?;
    if balance.is_some() {
        allocate_waiting(tx, backend, &waiting, now).await?;
    }
    Ok(balance)
}

/// An operator's correction, as requested.
#[derive(Debug, Clone, Copy)]
pub struct Adjustment<'a> {
    pub business_id: i64,
    pub warehouse_code: &'a str,
    pub oasin: &'a str,
    pub stock_level: &'a str,
    pub quantity_delta: i64,
    pub reason: &'a str,
}

/// What an operator's adjustment can run into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdjustError {
    BusinessNotFound,
    WarehouseNotFound,
    ProductNotFound,
    NotMapped,
    Insufficient(Balance),
    /// The balance would pass `MAX_BALANCE`.
    AboveMaximum(Balance),
}

impl Db {
    /// An operator's correction of a balance (movement `ADJUSTMENT`, always abnormal).
    pub async fn adjust_stock(
        &self,
        a: &Adjustment<'_>,
        now: i64,
    ) -> Result<Result<StockRow, AdjustError>> {
        let Adjustment {
            business_id,
            warehouse_code,
            oasin,
            stock_level,
            quantity_delta,
            reason,
        } = *a;
        let mut tx = self.begin().await?;
        if crate::sql::query("SELECT id FROM businesses WHERE id = $1")
            .bind(business_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Ok(Err(AdjustError::BusinessNotFound));
        }
        let warehouse_id: Option<i64> =
            crate::sql::query_scalar("SELECT id FROM warehouses WHERE warehouse_code = $1")
                .bind(warehouse_code)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(warehouse_id) = warehouse_id else {
            return Ok(Err(AdjustError::WarehouseNotFound));
        };
        let Some(product_id) = CodeKind::Product.parse(oasin) else {
            return Ok(Err(AdjustError::ProductNotFound));
        };
        let row = crate::sql::query(
            "SELECT p.sku, (SELECT COUNT(*) FROM product_warehouses pw WHERE pw.product_id = p.id AND pw.warehouse_id = $3) AS mapped \
             FROM products p WHERE p.id = $1 AND p.business_id = $2",
        )
        .bind(product_id)
        .bind(business_id)
        .bind(warehouse_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Err(AdjustError::ProductNotFound));
        };
        if row.try_get::<i64, _>("mapped")? == 0 {
            return Ok(Err(AdjustError::NotMapped));
        }
        let key = StockKey {
            business_id,
            warehouse_id,
            warehouse_code: warehouse_code.to_string(),
            product_id,
            sku: row.try_get("sku")?,
            stock_level: stock_level.to_string(),
        };
        let m = StockMove {
            movement: Movement::Adjustment,
            on_hand_delta: quantity_delta,
            reserved_delta: 0,
            reference_code: reason,
            reason: Some(reason),
            is_abnormal: true,
        };
        let Some(balance) = move_stock_and_wake(&mut tx, self.backend(), &key, &m, now).await?
        else {
            let current = balance(&mut tx, &key).await?;
            let after = current.on_hand.checked_add(quantity_delta);
            if after.is_none_or(|on_hand| on_hand > MAX_BALANCE) {
                return Ok(Err(AdjustError::AboveMaximum(current)));
            }
            return Ok(Err(AdjustError::Insufficient(current)));
        };
        tx.commit().await?;
        Ok(Ok(StockRow {
            oasin: oasin.to_string(),
            sku: key.sku,
            warehouse_code: key.warehouse_code,
            stock_level: key.stock_level,
            on_hand: balance.on_hand,
            reserved: balance.reserved,
            available: balance.available(),
        }))
    }
}
