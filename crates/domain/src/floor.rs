//! The warehouse floor's rules (SPEC §11): which shipments may be released in a wave, which
//! parcels may join a handover manifest, what closing a manifest does to each parcel, and
//! when a shipping label may be printed. Pure functions: the store applies what they decide
//! under its row locks, and the API and the console share them.

use crate::status::ShipmentStatus;
use std::collections::HashSet;

/// The most tracking codes one wave or one manifest request takes: a busy shift's wave, and
/// small enough that the one transaction applying it stays short.
pub const MAX_CODES: usize = 1000;

/// Why a tracking code cannot be released in a wave or scanned onto a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloorRefusal {
    /// No shipment has this code.
    NotFound,
    /// The shipment belongs to another warehouse.
    OtherWarehouse,
    /// The shipment is in a status the step does not take.
    WrongStatus(ShipmentStatus),
}

impl FloorRefusal {
    /// The reason as `error_detail` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            FloorRefusal::NotFound => "NOT_FOUND",
            FloorRefusal::OtherWarehouse => "OTHER_WAREHOUSE",
            FloorRefusal::WrongStatus(_) => "WRONG_STATUS",
        }
    }
}

/// What the store found for one requested code: None when no shipment has it, otherwise
/// whether it is in the step's warehouse and its status.
pub type Found = Option<(bool, ShipmentStatus)>;

/// A shipment may join a wave only while NEW: its stock is reserved and nobody works on it.
pub fn can_join_wave(status: ShipmentStatus) -> bool {
    status == ShipmentStatus::New
}

/// A parcel may be scanned onto a manifest once packed, and only once (WAITING_HANDOVER means
/// it already lies on a manifest).
pub fn can_join_manifest(status: ShipmentStatus) -> bool {
    status == ShipmentStatus::Packed
}

/// A label can be printed from PACKED until the parcel's journey ends; a cancelled parcel
/// gets none.
pub fn label_available(status: ShipmentStatus) -> bool {
    status.value() >= ShipmentStatus::Packed.value() && !status.is_cancelled()
}

/// Checks one code for a step: in the warehouse and in a status `allowed` takes.
pub fn check(found: Found, allowed: fn(ShipmentStatus) -> bool) -> Result<(), FloorRefusal> {
    match found {
        None => Err(FloorRefusal::NotFound),
        Some((false, _)) => Err(FloorRefusal::OtherWarehouse),
        Some((true, s)) if !allowed(s) => Err(FloorRefusal::WrongStatus(s)),
        Some(_) => Ok(()),
    }
}

/// A wave is all or nothing: every code must be NEW in the wave's warehouse, else the
/// offending codes (in request order) and nothing is released.
pub fn check_release<'a>(
    codes: impl IntoIterator<Item = (&'a str, Found)>,
) -> Result<(), Vec<(&'a str, FloorRefusal)>> {
    let refused: Vec<_> = codes
        .into_iter()
        .filter_map(|(code, found)| check(found, can_join_wave).err().map(|r| (code, r)))
        .collect();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(refused)
    }
}

/// What closing a manifest does to a parcel on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAction {
    /// WAITING_HANDOVER: handed to the courier now.
    HandOver,
    /// Already handed over (or further) by a status move of its own: stays on the manifest
    /// as it is.
    Keep,
    /// Cancelled while waiting: it does not leave with the courier, so it leaves the
    /// manifest.
    Remove,
}

pub fn close_action(status: ShipmentStatus) -> CloseAction {
    if status == ShipmentStatus::WaitingHandover {
        CloseAction::HandOver
    } else if status.is_handed_over() {
        CloseAction::Keep
    } else {
        CloseAction::Remove
    }
}

/// Why a list of tracking codes is refused before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeListError {
    Empty,
    TooMany(usize),
    Duplicate(String),
}

impl CodeListError {
    pub fn message(&self) -> String {
        match self {
            CodeListError::Empty => "must name at least one tracking code".into(),
            CodeListError::TooMany(n) => {
                format!("must name at most {MAX_CODES} tracking codes, not {n}")
            }
            CodeListError::Duplicate(c) => format!("names {c} more than once"),
        }
    }
}

/// A request's tracking codes: 1 to [`MAX_CODES`], each once.
pub fn check_code_list(codes: &[String]) -> Result<(), CodeListError> {
    if codes.is_empty() {
        return Err(CodeListError::Empty);
    }
    if codes.len() > MAX_CODES {
        return Err(CodeListError::TooMany(codes.len()));
    }
    let mut seen = HashSet::with_capacity(codes.len());
    for c in codes {
        if !seen.insert(c.as_str()) {
            return Err(CodeListError::Duplicate(c.clone()));
        }
    }
    Ok(())
}

/// A manifest's state: OPEN while parcels are scanned onto it, CLOSED once handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestStatus {
    Open,
    Closed,
}

impl ManifestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ManifestStatus::Open => "OPEN",
            ManifestStatus::Closed => "CLOSED",
        }
    }

    pub fn parse(text: &str) -> Option<ManifestStatus> {
        match text.trim().to_ascii_uppercase().as_str() {
            "OPEN" => Some(ManifestStatus::Open),
            "CLOSED" => Some(ManifestStatus::Closed),
            _ => None,
        }
    }
}

/// What the pack station makes of one scanned unit barcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitScan {
    /// One more unit of a product the shipment takes.
    Accepted(i64),
    /// The barcode is no product of this shipment.
    WrongProduct,
    /// A product of the shipment, but all its units are already in the box.
    Extra(i64),
}

/// Classifies a scanned unit: `expected` is units still to ship by product, `scanned` the
/// units already in the box by product, `product` what the barcode names (None: unknown).
pub fn scan_unit(
    expected: &std::collections::BTreeMap<i64, i64>,
    scanned: &std::collections::BTreeMap<i64, i64>,
    product: Option<i64>,
) -> UnitScan {
    match product.and_then(|p| expected.get(&p).map(|q| (p, *q))) {
        None => UnitScan::WrongProduct,
        Some((p, q)) if scanned.get(&p).copied().unwrap_or(0) >= q => UnitScan::Extra(p),
        Some((p, _)) => UnitScan::Accepted(p),
    }
}

/// A box is complete when every expected unit, and nothing else, was scanned.
pub fn box_complete(
    expected: &std::collections::BTreeMap<i64, i64>,
    scanned: &std::collections::BTreeMap<i64, i64>,
) -> bool {
    let wanted: std::collections::BTreeMap<i64, i64> = expected
        .iter()
        .filter(|(_, q)| **q > 0)
        .map(|(p, q)| (*p, *q))
        .collect();
    let got: std::collections::BTreeMap<i64, i64> = scanned
        .iter()
        .filter(|(_, q)| **q > 0)
        .map(|(p, q)| (*p, *q))
        .collect();
    wanted == got
}

#[cfg(test)]
mod tests {
    use super::*;
    use ShipmentStatus::*;

    #[test]
    fn only_new_shipments_join_a_wave() {
        for s in ShipmentStatus::ALL {
            assert_eq!(can_join_wave(*s), *s == New, "{s:?}");
        }
    }

    #[test]
    fn only_packed_parcels_join_a_manifest() {
        for s in ShipmentStatus::ALL {
            assert_eq!(can_join_manifest(*s), *s == Packed, "{s:?}");
        }
        // Joining a manifest is a move the flow allows, so the status-move command applies it.
        assert!(Packed.can_move_to(WaitingHandover));
        assert!(WaitingHandover.can_move_to(Handover));
        assert!(New.can_move_to(Allocated));
    }

    #[test]
    fn labels_from_packed_on_but_never_for_cancelled_parcels() {
        let yes = [
            Packed,
            WaitingHandover,
            Handover,
            InTransit,
            DeliveryFailed,
            OutForDelivery,
            Returning,
            Delivered,
            ReturnedToSender,
        ];
        for s in ShipmentStatus::ALL {
            assert_eq!(label_available(*s), yes.contains(s), "{s:?}");
        }
    }

    #[test]
    fn a_release_lists_every_offender_in_request_order() {
        assert_eq!(
            check_release([("A", Some((true, New))), ("B", Some((true, New)))]),
            Ok(())
        );
        assert_eq!(
            check_release([
                ("A", Some((true, New))),
                ("B", None),
                ("C", Some((false, New))),
                ("D", Some((true, Allocated))),
            ]),
            Err(vec![
                ("B", FloorRefusal::NotFound),
                ("C", FloorRefusal::OtherWarehouse),
                ("D", FloorRefusal::WrongStatus(Allocated)),
            ])
        );
        // Another warehouse is named before a wrong status: the operator scanned the wrong shelf.
        assert_eq!(
            check(Some((false, Picked)), can_join_wave),
            Err(FloorRefusal::OtherWarehouse)
        );
    }

    #[test]
    fn closing_hands_over_waiting_parcels_and_drops_cancelled_ones() {
        assert_eq!(close_action(WaitingHandover), CloseAction::HandOver);
        assert_eq!(close_action(Handover), CloseAction::Keep);
        assert_eq!(close_action(InTransit), CloseAction::Keep);
        assert_eq!(close_action(CancelledAfterPacked), CloseAction::Remove);
        assert_eq!(close_action(Cancelled), CloseAction::Remove);
    }

    #[test]
    fn code_lists_are_bounded_and_without_repeats() {
        let codes = |n: usize| (0..n).map(|i| format!("C{i}")).collect::<Vec<_>>();
        assert_eq!(check_code_list(&[]), Err(CodeListError::Empty));
        assert_eq!(check_code_list(&codes(1)), Ok(()));
        assert_eq!(check_code_list(&codes(MAX_CODES)), Ok(()));
        assert_eq!(
            check_code_list(&codes(MAX_CODES + 1)),
            Err(CodeListError::TooMany(MAX_CODES + 1))
        );
        assert_eq!(
            check_code_list(&["A".into(), "B".into(), "A".into()]),
            Err(CodeListError::Duplicate("A".into()))
        );
    }

    #[test]
    fn manifest_status_names() {
        assert_eq!(ManifestStatus::parse("open"), Some(ManifestStatus::Open));
        assert_eq!(
            ManifestStatus::parse("CLOSED"),
            Some(ManifestStatus::Closed)
        );
        assert_eq!(ManifestStatus::parse("DONE"), None);
        assert_eq!(ManifestStatus::Closed.as_str(), "CLOSED");
    }
    #[test]
    fn the_pack_station_refuses_wrong_and_extra_units() {
        let expected: std::collections::BTreeMap<i64, i64> = [(1, 2), (2, 1)].into();
        let mut scanned = std::collections::BTreeMap::new();
        assert_eq!(
            scan_unit(&expected, &scanned, Some(1)),
            UnitScan::Accepted(1)
        );
        scanned.insert(1, 2);
        assert_eq!(scan_unit(&expected, &scanned, Some(1)), UnitScan::Extra(1));
        assert_eq!(
            scan_unit(&expected, &scanned, Some(3)),
            UnitScan::WrongProduct
        );
        assert_eq!(scan_unit(&expected, &scanned, None), UnitScan::WrongProduct);
        assert!(!box_complete(&expected, &scanned));
        scanned.insert(2, 1);
        assert!(box_complete(&expected, &scanned));
        scanned.insert(2, 2);
        assert!(!box_complete(&expected, &scanned));
    }
}
