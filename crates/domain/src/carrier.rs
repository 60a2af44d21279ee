//! Carrier updates (SPEC §11, *Carrier updates*): a row of the carrier's status file
//! `tracking_code,status,time,courier_tracking_code,note`, read and checked without a
//! database. Only the statuses a carrier reports on a handed-over parcel are accepted; the
//! move itself is the operator's shipment status command.

use crate::status::ShipmentStatus;

/// The columns, in the order a file without a header row gives them.
pub const COLUMNS: &[&str] = &[
    "tracking_code",
    "status",
    "time",
    "courier_tracking_code",
    "note",
];

/// The most rows one file may carry.
pub const MAX_ROWS: usize = 1000;

/// How far ahead of the server's clock a reported time may be (clocks drift).
pub const FUTURE_SLACK_SECONDS: i64 = 300;

/// The statuses a carrier moves a parcel to once it holds it.
pub const CARRIER_STATUSES: &[ShipmentStatus] = &[
    ShipmentStatus::InTransit,
    ShipmentStatus::DeliveryFailed,
    ShipmentStatus::OutForDelivery,
    ShipmentStatus::Returning,
    ShipmentStatus::Delivered,
    ShipmentStatus::ReturnedToSender,
];

/// One checked row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierUpdate {
    pub tracking_code: String,
    pub status: ShipmentStatus,
    /// When the carrier says it happened (Unix seconds), if it says.
    pub time: Option<i64>,
    pub courier_tracking_code: Option<String>,
    pub note: Option<String>,
}

/// Whether a file's first row is the header (its first cell names the first column).
pub fn is_header(cells: &[String]) -> bool {
    cells
        .first()
        .is_some_and(|c| c.trim().eq_ignore_ascii_case(COLUMNS[0]))
}

/// Checks one row's cells (in [`COLUMNS`] order); Err lists what is wrong with it.
pub fn check_row(cells: &[String], now: i64) -> Result<CarrierUpdate, Vec<String>> {
    let cell = |i: usize| {
        cells
            .get(i)
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .map(str::to_string)
    };
    let mut errors = Vec::new();
    let tracking_code = cell(0).unwrap_or_default();
    if tracking_code.is_empty() {
        errors.push("tracking_code: is required".to_string());
    }
    let status = match cell(1) {
        None => {
            errors.push("status: is required".to_string());
            None
        }
        Some(s) => match ShipmentStatus::parse(&s) {
            Some(st) if CARRIER_STATUSES.contains(&st) => Some(st),
            _ => {
                let names: Vec<&str> = CARRIER_STATUSES.iter().map(|s| s.name()).collect();
                errors.push(format!("status: must be one of {}", names.join(", ")));
                None
            }
        },
    };
    let time = match cell(2) {
        None => None,
        Some(t) => match t.parse::<i64>() {
            Ok(v) if v >= 0 && v <= now.saturating_add(FUTURE_SLACK_SECONDS) => Some(v),
            Ok(_) => {
                errors.push("time: must not be in the future".to_string());
                None
            }
            Err(_) => {
                errors.push("time: must be Unix seconds".to_string());
                None
            }
        },
    };
    let courier_tracking_code = cell(3);
    if courier_tracking_code
        .as_ref()
        .is_some_and(|c| c.chars().count() > 100)
    {
        errors.push("courier_tracking_code: must be at most 100 characters".to_string());
    }
    let note = cell(4);
    if note.as_ref().is_some_and(|n| n.chars().count() > 900) {
        errors.push("note: must be at most 900 characters".to_string());
    }
    if cells.len() > COLUMNS.len() {
        errors.push(format!("row: has more than {} columns", COLUMNS.len()));
    }
    match (errors.is_empty(), status) {
        (true, Some(status)) => Ok(CarrierUpdate {
            tracking_code,
            status,
            time,
            courier_tracking_code,
            note,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(row: &[&str]) -> Vec<String> {
        row.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_good_row_reads_and_bad_ones_say_why() {
        let now = 1_800_000_000;
        let ok = check_row(
            &cells(&[
                "OASC00000001",
                "IN_TRANSIT",
                "1799999000",
                "GHN123",
                "picked up",
            ]),
            now,
        )
        .unwrap();
        assert_eq!(ok.status, ShipmentStatus::InTransit);
        assert_eq!(ok.time, Some(1_799_999_000));
        assert_eq!(ok.courier_tracking_code.as_deref(), Some("GHN123"));
        // The number works as well as the name; empty optional cells are None.
        let by_value = check_row(&cells(&["OASC00000001", "390", "", "", ""]), now).unwrap();
        assert_eq!(by_value.status, ShipmentStatus::Delivered);
        assert_eq!(by_value.time, None);
        assert_eq!(by_value.note, None);
        // A warehouse status is not the carrier's to report.
        let err = check_row(&cells(&["OASC00000001", "PICKED"]), now).unwrap_err();
        assert!(err[0].starts_with("status:"), "{err:?}");
        let err = check_row(&cells(&["", "", "tomorrow"]), now).unwrap_err();
        assert_eq!(err.len(), 3, "{err:?}");
        let err = check_row(&cells(&["X", "DELIVERED", "1900000000"]), now).unwrap_err();
        assert_eq!(err, vec!["time: must not be in the future".to_string()]);
        let err = check_row(&cells(&["X", "DELIVERED", "", "", "", "extra"]), now).unwrap_err();
        assert!(err[0].starts_with("row:"));
        assert!(is_header(&cells(&["Tracking_Code", "status"])));
        assert!(!is_header(&cells(&["OASC00000001", "status"])));
    }
}
