//! Stock levels and movement types (SPEC §2.2, §3.7).

/// Grade `A` is sellable and the only level that can be reserved; `D1`–`D3` (damaged grades)
/// and `L` (lost / quarantine) are counted but never sold.
pub const STOCK_LEVELS: &[&str] = &["A", "D1", "D2", "D3", "L"];
pub const SELLABLE: &str = "A";

pub fn is_stock_level(level: &str) -> bool {
    STOCK_LEVELS.contains(&level)
}

/// Why a balance moved. The documented webhook `transaction_type`s plus `RESERVE` and
/// `RELEASE`, which move only the reserved quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Putaway,
    Pick,
    CancelRestock,
    ReturnRestock,
    RtsRestock,
    Adjustment,
    Reserve,
    Release,
}

impl Movement {
    pub fn as_str(self) -> &'static str {
        match self {
            Movement::Putaway => "PUTAWAY",
            Movement::Pick => "PICK",
            Movement::CancelRestock => "CANCEL_RESTOCK",
            Movement::ReturnRestock => "RETURN_RESTOCK",
            Movement::RtsRestock => "RTS_RESTOCK",
            Movement::Adjustment => "ADJUSTMENT",
            Movement::Reserve => "RESERVE",
            Movement::Release => "RELEASE",
        }
    }
}
