//! The cancellation policy (SPEC §2.1, §2.2, §3.4, §3.6): a pure function from a shipment's
//! current state and a cancel command to a decision. Every dialect (native, Shipper, iThink,
//! Trendyol) runs this same function; the store applies the decision in one transaction.

use crate::quantity::Quantity;
use crate::status::ShipmentStatus;
use std::collections::HashMap;

/// Documented reasons, with the numeric ids shared with the Trendyol dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelReason {
    StockOut,
    DefectiveProduct,
    IncorrectPrice,
    IncorrectListing,
    IntegrationProblem,
    BulkPurchase,
    ForceMajeure,
    CustomerRequest,
    MarketplaceCancelled,
    Other,
}

impl CancelReason {
    pub const ALL: &'static [CancelReason] = &[
        CancelReason::StockOut,
        CancelReason::DefectiveProduct,
        CancelReason::IncorrectPrice,
        CancelReason::IncorrectListing,
        CancelReason::IntegrationProblem,
        CancelReason::BulkPurchase,
        CancelReason::ForceMajeure,
        CancelReason::CustomerRequest,
        CancelReason::MarketplaceCancelled,
        CancelReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CancelReason::StockOut => "STOCK_OUT",
            CancelReason::DefectiveProduct => "DEFECTIVE_PRODUCT",
            CancelReason::IncorrectPrice => "INCORRECT_PRICE",
            CancelReason::IncorrectListing => "INCORRECT_LISTING",
            CancelReason::IntegrationProblem => "INTEGRATION_PROBLEM",
            CancelReason::BulkPurchase => "BULK_PURCHASE",
            CancelReason::ForceMajeure => "FORCE_MAJEURE",
            CancelReason::CustomerRequest => "CUSTOMER_REQUEST",
            CancelReason::MarketplaceCancelled => "MARKETPLACE_CANCELLED",
            CancelReason::Other => "OTHER",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            CancelReason::StockOut => 500,
            CancelReason::DefectiveProduct => 501,
            CancelReason::IncorrectPrice => 502,
            CancelReason::IncorrectListing => 503,
            CancelReason::IntegrationProblem => 504,
            CancelReason::BulkPurchase => 505,
            CancelReason::ForceMajeure => 506,
            CancelReason::CustomerRequest => 600,
            CancelReason::MarketplaceCancelled => 601,
            CancelReason::Other => 699,
        }
    }

    pub fn from_code(code: &str) -> Option<CancelReason> {
        Self::ALL.iter().copied().find(|r| r.code() == code)
    }

    pub fn from_id(id: i64) -> Option<CancelReason> {
        Self::ALL.iter().copied().find(|r| r.id() == id)
    }
}

/// Which statuses a dialect may cancel from: its documented guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelGuard {
    /// Native, iThink, Trendyol: until the carrier takes the parcel (before HANDOVER).
    BeforeHandover,
    /// Shipper: only while no stock is allocated (NEW or OUT_OF_STOCK).
    BeforeAllocation,
}

impl CancelGuard {
    pub fn allows(self, status: ShipmentStatus) -> bool {
        use ShipmentStatus::*;
        match self {
            CancelGuard::BeforeHandover => {
                matches!(
                    status,
                    New | OutOfStock | Allocated | Picked | Packed | WaitingHandover
                )
            }
            CancelGuard::BeforeAllocation => matches!(status, New | OutOfStock),
        }
    }
}

/// What happens to the goods of the cancelled units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockEffect {
    /// Nothing was held (OUT_OF_STOCK).
    None,
    /// The reservation is released (NEW, ALLOCATED).
    Release,
    /// The picked goods go back on the shelf (PICKED, PACKED, WAITING_HANDOVER): `CANCEL_RESTOCK`.
    Restock,
}

/// What a shipment in `status` holds for its units.
pub fn stock_held(status: ShipmentStatus) -> StockEffect {
    use ShipmentStatus::*;
    match status {
        New | Allocated => StockEffect::Release,
        Picked | Packed | WaitingHandover => StockEffect::Restock,
        _ => StockEffect::None,
    }
}

/// The status a cancelled shipment ends in: 490 before packing, 500 once packed.
pub fn cancelled_status(from: ShipmentStatus) -> ShipmentStatus {
    use ShipmentStatus::*;
    match from {
        Packed | WaitingHandover => CancelledAfterPacked,
        _ => Cancelled,
    }
}

/// The status a successor of a partial cancel starts in: the old one's, except that a packed
/// parcel must be packed again.
pub fn successor_status(from: ShipmentStatus) -> ShipmentStatus {
    use ShipmentStatus::*;
    match from {
        Packed | WaitingHandover => Picked,
        other => other,
    }
}

/// A line as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineState {
    pub line_id: i64,
    pub oasin: String,
    pub quantity: i64,
}

/// A requested partial cancel of one line, named by id or by OASIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCancel {
    pub line_id: Option<i64>,
    pub oasin: Option<String>,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Already cancelled: answer with the first cancellation's result, change nothing.
    AlreadyCancelled,
    /// Cancel every unit.
    Full {
        to: ShipmentStatus,
        effect: StockEffect,
    },
    /// Cancel some units; a successor carries the rest (`remaining`: line id → quantity).
    Partial {
        to: ShipmentStatus,
        effect: StockEffect,
        successor: ShipmentStatus,
        cancelled: Vec<(i64, i64)>,
        remaining: Vec<(i64, i64)>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The guard refuses this status (`SHIPMENT_CANNOT_CANCEL` natively).
    NotCancellable(ShipmentStatus),
    /// A line request names no line of the shipment, or asks for more than remains; the
    /// string names the field, e.g. `lines[1].quantity`.
    BadLine { field: String, message: String },
}

/// Decides a cancel. `lines` empty means a full cancel.
pub fn decide(
    status: ShipmentStatus,
    guard: CancelGuard,
    shipment_lines: &[LineState],
    lines: &[LineCancel],
) -> Result<Decision, Refusal> {
    if status.is_cancelled() {
        return Ok(Decision::AlreadyCancelled);
    }
    if !guard.allows(status) {
        return Err(Refusal::NotCancellable(status));
    }
    let full = Decision::Full {
        to: cancelled_status(status),
        effect: stock_held(status),
    };
    if lines.is_empty() {
        return Ok(full);
    }
    let mut asked: HashMap<i64, i64> = HashMap::new();
    for (i, req) in lines.iter().enumerate() {
        let line = shipment_lines.iter().find(|l| {
            req.line_id.is_none_or(|id| id == l.line_id)
                && req.oasin.as_deref().is_none_or(|o| o == l.oasin)
                && (req.line_id.is_some() || req.oasin.is_some())
        });
        let Some(line) = line else {
            return Err(Refusal::BadLine {
                field: format!("lines[{i}]"),
                message: "names no line of this shipment".into(),
            });
        };
        let quantity = Quantity::new(req.quantity).map_err(|message| Refusal::BadLine {
            field: format!("lines[{i}].quantity"),
            message,
        })?;
        // Lines naming the same shipment line add up; the sum may never pass the line's own
        // quantity (nor wrap: each part is bounded, and the sum is checked).
        let total = asked.entry(line.line_id).or_insert(0);
        *total = total
            .checked_add(quantity.get())
            .filter(|t| *t <= line.quantity)
            .ok_or_else(|| Refusal::BadLine {
                field: format!("lines[{i}].quantity"),
                message: format!(
                    "exceeds the {} remaining on line {}",
                    line.quantity, line.line_id
                ),
            })?;
    }
    let remaining: Vec<(i64, i64)> = shipment_lines
        .iter()
        .map(|l| {
            (
                l.line_id,
                l.quantity - asked.get(&l.line_id).copied().unwrap_or(0),
            )
        })
        .filter(|(_, q)| *q > 0)
        .collect();
    if remaining.is_empty() {
        return Ok(full);
    }
    let mut cancelled: Vec<(i64, i64)> = asked.into_iter().collect();
    cancelled.sort_unstable();
    Ok(Decision::Partial {
        to: cancelled_status(status),
        effect: stock_held(status),
        successor: successor_status(status),
        cancelled,
        remaining,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ShipmentStatus::*;

    fn lines() -> Vec<LineState> {
        vec![
            LineState {
                line_id: 1,
                oasin: "OASIN0000001".into(),
                quantity: 3,
            },
            LineState {
                line_id: 2,
                oasin: "OASIN0000002".into(),
                quantity: 1,
            },
        ]
    }

    #[test]
    fn full_cancel_splits_490_and_500() {
        for (from, to, effect) in [
            (New, Cancelled, StockEffect::Release),
            (OutOfStock, Cancelled, StockEffect::None),
            (Allocated, Cancelled, StockEffect::Release),
            (Picked, Cancelled, StockEffect::Restock),
            (Packed, CancelledAfterPacked, StockEffect::Restock),
            (WaitingHandover, CancelledAfterPacked, StockEffect::Restock),
        ] {
            assert_eq!(
                decide(from, CancelGuard::BeforeHandover, &lines(), &[]),
                Ok(Decision::Full { to, effect })
            );
        }
    }

    #[test]
    fn handover_and_later_are_refused() {
        for from in [
            Handover,
            InTransit,
            DeliveryFailed,
            OutForDelivery,
            Delivered,
            ReturnedToSender,
        ] {
            assert_eq!(
                decide(from, CancelGuard::BeforeHandover, &lines(), &[]),
                Err(Refusal::NotCancellable(from))
            );
        }
    }

    #[test]
    fn shipper_guard_stops_at_allocation() {
        assert!(decide(New, CancelGuard::BeforeAllocation, &lines(), &[]).is_ok());
        assert!(decide(OutOfStock, CancelGuard::BeforeAllocation, &lines(), &[]).is_ok());
        assert_eq!(
            decide(Allocated, CancelGuard::BeforeAllocation, &lines(), &[]),
            Err(Refusal::NotCancellable(Allocated))
        );
    }

    #[test]
    fn cancelling_again_is_idempotent() {
        assert_eq!(
            decide(Cancelled, CancelGuard::BeforeAllocation, &lines(), &[]),
            Ok(Decision::AlreadyCancelled)
        );
        assert_eq!(
            decide(
                CancelledAfterPacked,
                CancelGuard::BeforeHandover,
                &lines(),
                &[]
            ),
            Ok(Decision::AlreadyCancelled)
        );
    }

    #[test]
    fn partial_cancel_leaves_a_successor() {
        let req = [LineCancel {
            line_id: Some(1),
            oasin: None,
            quantity: 2,
        }];
        let d = decide(Packed, CancelGuard::BeforeHandover, &lines(), &req).unwrap();
        assert_eq!(
            d,
            Decision::Partial {
                to: CancelledAfterPacked,
                effect: StockEffect::Restock,
                successor: Picked,
                cancelled: vec![(1, 2)],
                remaining: vec![(1, 1), (2, 1)],
            }
        );
        // Naming by OASIN works, and cancelling every unit is a full cancel.
        let all = [
            LineCancel {
                line_id: None,
                oasin: Some("OASIN0000001".into()),
                quantity: 3,
            },
            LineCancel {
                line_id: Some(2),
                oasin: None,
                quantity: 1,
            },
        ];
        assert_eq!(
            decide(New, CancelGuard::BeforeHandover, &lines(), &all),
            Ok(Decision::Full {
                to: Cancelled,
                effect: StockEffect::Release
            })
        );
    }

    #[test]
    fn bad_lines_are_refused_with_the_field() {
        let too_many = [LineCancel {
            line_id: Some(2),
            oasin: None,
            quantity: 2,
        }];
        assert!(matches!(
            decide(New, CancelGuard::BeforeHandover, &lines(), &too_many),
            Err(Refusal::BadLine { field, .. }) if field == "lines[0].quantity"
        ));
        let unknown = [LineCancel {
            line_id: Some(9),
            oasin: None,
            quantity: 1,
        }];
        assert!(matches!(
            decide(New, CancelGuard::BeforeHandover, &lines(), &unknown),
            Err(Refusal::BadLine { .. })
        ));
        let nothing = [LineCancel {
            line_id: None,
            oasin: None,
            quantity: 1,
        }];
        assert!(matches!(
            decide(New, CancelGuard::BeforeHandover, &lines(), &nothing),
            Err(Refusal::BadLine { .. })
        ));
        let repeated = [
            LineCancel {
                line_id: Some(1),
                oasin: None,
                quantity: 2,
            },
            LineCancel {
                line_id: Some(1),
                oasin: None,
                quantity: 2,
            },
        ];
        assert!(matches!(
            decide(New, CancelGuard::BeforeHandover, &lines(), &repeated),
            Err(Refusal::BadLine { field, .. }) if field == "lines[1].quantity"
        ));
    }

    #[test]
    fn reasons_round_trip() {
        for r in CancelReason::ALL {
            assert_eq!(CancelReason::from_code(r.code()), Some(*r));
            assert_eq!(CancelReason::from_id(r.id()), Some(*r));
        }
    }

    proptest! {
        /// Whatever is asked, a partial decision conserves units: cancelled + remaining = before.
        #[test]
        fn partial_cancel_conserves_units(q1 in 1i64..5, q2 in 1i64..5, c1 in 0i64..6, c2 in 0i64..6, s in 0usize..14) {
            let status = ShipmentStatus::ALL[s];
            let shipment = vec![
                LineState { line_id: 1, oasin: "A".into(), quantity: q1 },
                LineState { line_id: 2, oasin: "B".into(), quantity: q2 },
            ];
            let mut req = Vec::new();
            if c1 > 0 { req.push(LineCancel { line_id: Some(1), oasin: None, quantity: c1 }); }
            if c2 > 0 { req.push(LineCancel { line_id: Some(2), oasin: None, quantity: c2 }); }
            match decide(status, CancelGuard::BeforeHandover, &shipment, &req) {
                Ok(Decision::Partial { cancelled, remaining, to, .. }) => {
                    let sum = |v: &Vec<(i64, i64)>, id| v.iter().filter(|(l, _)| *l == id).map(|(_, q)| q).sum::<i64>();
                    prop_assert_eq!(sum(&cancelled, 1) + sum(&remaining, 1), q1);
                    prop_assert_eq!(sum(&cancelled, 2) + sum(&remaining, 2), q2);
                    prop_assert!(to.is_cancelled());
                    prop_assert!(!remaining.is_empty());
                }
                Ok(Decision::Full { to, .. }) => prop_assert!(to.is_cancelled()),
                Ok(Decision::AlreadyCancelled) => prop_assert!(status.is_cancelled()),
                Err(Refusal::NotCancellable(st)) => prop_assert!(st.is_handed_over()),
                Err(Refusal::BadLine { .. }) => prop_assert!(c1 > q1 || c2 > q2),
            }
        }
    }

    proptest! {
        /// Arbitrary i64 quantities, several requests for the same line: a decision never
        /// grows the shipment. A partial one conserves every line's units exactly, cancels
        /// only positive amounts within the line, and leaves fewer units than before; a
        /// request whose per-line sum passes the line (or `i64`) is refused.
        #[test]
        fn cancel_never_grows_the_shipment(
            q1 in prop_oneof![1i64..=5, 1i64..=crate::quantity::MAX_QUANTITY],
            q2 in prop_oneof![1i64..=5, 1i64..=crate::quantity::MAX_QUANTITY],
            asks in proptest::collection::vec(
                (1i64..=2, prop_oneof![1i64..=4, any::<i64>(), Just(i64::MAX), Just(i64::MAX - 5)]),
                1..6,
            ),
        ) {
            let shipment = vec![
                LineState { line_id: 1, oasin: "A".into(), quantity: q1 },
                LineState { line_id: 2, oasin: "B".into(), quantity: q2 },
            ];
            let req: Vec<LineCancel> = asks
                .iter()
                .map(|(line, q)| LineCancel { line_id: Some(*line), oasin: None, quantity: *q })
                .collect();
            let asked = |id: i64| -> i128 {
                asks.iter().filter(|(l, _)| *l == id).map(|(_, q)| i128::from(*q)).sum()
            };
            let in_range = asks.iter().all(|(_, q)| (1..=crate::quantity::MAX_QUANTITY).contains(q));
            let fits = in_range && asked(1) <= i128::from(q1) && asked(2) <= i128::from(q2);
            match decide(New, CancelGuard::BeforeHandover, &shipment, &req) {
                Ok(Decision::Partial { cancelled, remaining, .. }) => {
                    prop_assert!(fits);
                    let sum = |v: &Vec<(i64, i64)>, id| v.iter().filter(|(l, _)| *l == id).map(|(_, q)| *q).sum::<i64>();
                    prop_assert_eq!(sum(&cancelled, 1) + sum(&remaining, 1), q1);
                    prop_assert_eq!(sum(&cancelled, 2) + sum(&remaining, 2), q2);
                    prop_assert!(cancelled.iter().all(|(_, q)| *q > 0));
                    let within = |(id, q): &(i64, i64)| *q > 0 && *q <= if *id == 1 { q1 } else { q2 };
                    prop_assert!(remaining.iter().all(within));
                    let left: i64 = remaining.iter().map(|(_, q)| q).sum();
                    prop_assert!(left < q1 + q2, "a successor never carries more than the original");
                }
                Ok(Decision::Full { .. }) => {
                    prop_assert!(fits);
                    prop_assert_eq!(asked(1) + asked(2), i128::from(q1 + q2));
                }
                Ok(Decision::AlreadyCancelled) | Err(Refusal::NotCancellable(_)) => prop_assert!(false),
                Err(Refusal::BadLine { field, .. }) => {
                    prop_assert!(!fits, "refused a request that fits: {}", field);
                    prop_assert!(field.ends_with(".quantity"));
                }
            }
        }
    }
}
