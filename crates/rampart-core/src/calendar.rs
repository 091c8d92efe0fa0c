//! UTC calendar arithmetic and RFC 3339 formatting, without a date crate.
//!
//! Key expiry, token budgets, audit timestamps, SigV4 dates and CycloneDX metadata all need
//! the same two conversions between a day count and a proleptic Gregorian date; they live
//! here once. The algorithms are Howard Hinnant's `days_from_civil` / `civil_from_days`:
//! small, exact over the whole `i64` day range that matters, and free of time-zone data
//! (everything is UTC).

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `(year, month, day)` of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    // Both are in 1..=31 and 1..=12 by construction of the algorithm.
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A UTC date and time of day, to whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcDateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl UtcDateTime {
    /// The UTC date and time of a Unix time in seconds (negative: before 1970).
    pub fn from_unix(unix_secs: i64) -> Self {
        let (year, month, day) = civil_from_days(unix_secs.div_euclid(86_400));
        // In 0..86_400, so the casts below cannot truncate.
        let secs = unix_secs.rem_euclid(86_400) as u32;
        UtcDateTime {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: (secs / 60) % 60,
            second: secs % 60,
        }
    }
}

/// Formats Unix seconds as RFC 3339 in UTC, e.g. `2026-11-22T02:20:25Z`.
pub fn format_rfc3339(unix_secs: i64) -> String {
    let t = UtcDateTime::from_unix(unix_secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// Formats milliseconds since the epoch as RFC 3339 in UTC with milliseconds, e.g.
/// `2026-11-22T02:20:25.123Z`.
pub fn format_rfc3339_millis(unix_ms: i64) -> String {
    let t = UtcDateTime::from_unix(unix_ms.div_euclid(1000));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        unix_ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates_convert_both_ways() {
        for (days, date) in [
            (0, (1970, 1, 1)),
            (11_016, (2000, 2, 29)),
            (16_677, (2015, 8, 30)),
            (-1, (1969, 12, 31)),
            (-719_468, (0, 3, 1)),
        ] {
            assert_eq!(civil_from_days(days), date);
            assert_eq!(days_from_civil(date.0, date.1, date.2), days);
        }
    }

    #[test]
    fn every_day_for_four_centuries_round_trips() {
        let start = days_from_civil(1900, 1, 1);
        let mut previous = civil_from_days(start - 1);
        for days in start..start + 146_097 {
            let date = civil_from_days(days);
            assert_eq!(days_from_civil(date.0, date.1, date.2), days);
            assert!(date > previous, "{date:?} after {previous:?}");
            previous = date;
        }
    }

    #[test]
    fn rfc3339_formats_seconds_and_milliseconds() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_440_938_160), "2015-08-30T12:36:00Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(
            format_rfc3339_millis(1_440_938_160_042),
            "2015-08-30T12:36:00.042Z"
        );
        assert_eq!(format_rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
    }
}
