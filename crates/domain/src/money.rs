//! Money (SPEC §1.6): numbers in requests, decimal strings with two places in responses,
//! stored as integer hundredths so sums never drift.

/// `500000` or `500000.5` → 50_000_000 / 50_000_050 hundredths. None for negative, NaN or
/// absurdly large amounts.
pub fn to_minor(amount: f64) -> Option<i64> {
    if !amount.is_finite() || !(0.0..=1e15).contains(&amount) {
        return None;
    }
    Some((amount * 100.0).round() as i64)
}

/// 50_000_000 → `"500000.00"`.
pub fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(to_minor(500000.0), Some(50_000_000));
        assert_eq!(format_minor(50_000_000), "500000.00");
        assert_eq!(format_minor(to_minor(19.99).unwrap()), "19.99");
        assert_eq!(format_minor(5), "0.05");
        assert_eq!(to_minor(-1.0), None);
        assert_eq!(to_minor(f64::NAN), None);
    }
}
