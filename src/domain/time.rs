//! Human hints for moments: "in 3 days", "5 minutes ago". Times are milliseconds since
//! the Unix epoch (UTC); turning them into local dates is the browser's job.

use time::{Date, Month, OffsetDateTime};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// A day in milliseconds.
pub const DAY_MS: i64 = DAY;
const MONTH: i64 = 30 * DAY;
const YEAR: i64 = 365 * DAY;

/// `YYYY-MM-DD HH:MM UTC`.
pub fn utc(ms: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) {
        Ok(at) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        ),
        // Outside the years -9999 to 9999 (the crate's range), which no stored time reaches.
        Err(_) => format!("{ms} ms from 1970-01-01 UTC"),
    }
}

/// How far `at` is from `now`, in the largest whole unit.
pub fn relative(at: i64, now: i64) -> String {
    let delta = at - now;
    let distance = delta.abs();
    if distance < MINUTE {
        return "just now".to_owned();
    }
    let (count, unit) = [
        (YEAR, "year"),
        (MONTH, "month"),
        (DAY, "day"),
        (HOUR, "hour"),
    ]
    .into_iter()
    .find(|(size, _)| distance >= *size)
    .map(|(size, unit)| (distance / size, unit))
    .unwrap_or((distance / MINUTE, "minute"));
    let plural = if count == 1 { "" } else { "s" };
    if delta > 0 {
        format!("in {count} {unit}{plural}")
    } else {
        format!("{count} {unit}{plural} ago")
    }
}

/// Milliseconds since the epoch for a `YYYY-MM-DD` date at 23:59:59.999 UTC minus
/// `offset_minutes` (the browser's `getTimezoneOffset()`), that is, the end of that day
/// where the user is. `None` when the text is not such a date.
pub fn end_of_local_day(date: &str, offset_minutes: i64) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) {
        return None;
    }
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let start = date.midnight().assume_utc().unix_timestamp() * 1000;
    Some(start + DAY - 1 + offset_minutes * MINUTE)
}

/// The first millisecond of a `YYYY-MM-DD` date where the user is (see
/// [`end_of_local_day`]).
pub fn start_of_local_day(date: &str, offset_minutes: i64) -> Option<i64> {
    end_of_local_day(date, offset_minutes).map(|end| end + 1 - DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_hints() {
        let now = 1_000_000_000_000;
        assert_eq!(relative(now + 30_000, now), "just now");
        assert_eq!(relative(now + 3 * DAY + HOUR, now), "in 3 days");
        assert_eq!(relative(now - DAY, now), "1 day ago");
        assert_eq!(relative(now - 5 * MINUTE, now), "5 minutes ago");
        assert_eq!(relative(now + 2 * HOUR, now), "in 2 hours");
        assert_eq!(relative(now - 400 * DAY, now), "1 year ago");
        assert_eq!(relative(now + 61 * DAY, now), "in 2 months");
    }

    #[test]
    fn end_of_a_local_day() {
        // 2026-11-22 ends at 2026-11-23T00:00:00Z - 1 ms in UTC.
        assert_eq!(end_of_local_day("2026-11-22", 0), Some(1_795_391_999_999));
        // In UTC+1 (offset -60) the day ends an hour earlier in UTC.
        assert_eq!(
            end_of_local_day("2026-11-22", -60),
            Some(1_795_391_999_999 - HOUR)
        );
        assert_eq!(end_of_local_day("2024-02-29", 0), Some(1_709_251_199_999));
        assert_eq!(
            start_of_local_day("2026-11-22", -60),
            Some(1_795_391_999_999 + 1 - DAY - HOUR)
        );
        assert_eq!(start_of_local_day("2026-02-30", 0), None);
        // utc() and end_of_local_day() agree on the calendar, from before the epoch to the
        // last day either handles.
        assert_eq!(utc(-1), "1969-12-31 23:59 UTC");
        assert_eq!(utc(1_795_391_999_999), "2026-11-22 23:59 UTC");
        for days in [0, 19_782, 20_414, 2_932_896] {
            let date = &utc(days * DAY)[..10];
            assert_eq!(
                end_of_local_day(date, 0),
                Some((days + 1) * DAY - 1),
                "{date}"
            );
        }
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "tomorrow",
            "",
            "2026-11",
        ] {
            assert_eq!(end_of_local_day(bad, 0), None, "{bad}");
        }
    }
}
