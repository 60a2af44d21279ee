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

#[cfg(test)]
mod tests {
    #[test]
    fn formats_in_vietnam_time() {
        // 2027-01-15 08:00:00 UTC.
        assert_eq!(super::datetime(1_800_000_000), "15/01/2027 15:00");
    }
}
