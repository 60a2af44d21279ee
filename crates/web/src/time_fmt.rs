//! Times on pages: Unix seconds shown as `dd/mm/yyyy HH:MM` in Vietnam's time (UTC+7), the
//! same offset the printed documents use.

use time::{OffsetDateTime, UtcOffset};

const OFFSET_SECONDS: i32 = 7 * 3600;

/// `15/01/2027 14:05`.
pub fn datetime(unix: i64) -> String {
    let offset = UtcOffset::from_whole_seconds(OFFSET_SECONDS).expect("UTC+7 is an offset");
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => {
            let t = t.to_offset(offset);
            format!(
                "{:02}/{:02}/{} {:02}:{:02}",
                t.day(),
                u8::from(t.month()),
                t.year(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => unix.to_string(),
    }
}

/// An optional time, or `never` when it has not happened.
pub fn datetime_or(unix: Option<i64>, never: &str) -> String {
    unix.map(datetime).unwrap_or_else(|| never.to_string())
}

/// The first second of a `yyyy-mm-dd` day (an HTML date input's value) in the same UTC+7,
/// as Unix seconds; None when it is not such a date.
pub fn day_start(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let midnight = date.midnight().assume_utc().unix_timestamp();
    midnight.checked_sub(i64::from(OFFSET_SECONDS))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_day_in_vietnam_time() {
        assert_eq!(super::day_start("2027-01-15"), Some(1_799_946_000));
        assert_eq!(super::datetime(1_799_946_000), "15/01/2027 00:00");
        assert_eq!(super::day_start("2027-02-30"), None);
        assert_eq!(super::day_start("15/01/2027"), None);
    }

    #[test]
    fn formats_in_vietnam_time() {
        // 2027-01-15 08:00:00 UTC.
        assert_eq!(super::datetime(1_800_000_000), "15/01/2027 15:00");
    }
}
