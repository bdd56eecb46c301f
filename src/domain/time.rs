//! Human hints for moments: "in 3 days", "5 minutes ago". Times are milliseconds since
//! the Unix epoch (UTC); turning them into local dates is the browser's job.

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// A day in milliseconds.
pub const DAY_MS: i64 = DAY;
const MONTH: i64 = 30 * DAY;
const YEAR: i64 = 365 * DAY;

/// `YYYY-MM-DD HH:MM UTC`.
pub fn utc(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(DAY));
    let minutes = ms.rem_euclid(DAY) / MINUTE;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minutes / 60,
        minutes % 60
    )
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
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days + 1) * DAY - 1 + offset_minutes * MINUTE)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01 (the inverse of
/// `days_from_civil`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
        for days in [-1, 0, 19_782, 20_414, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
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
