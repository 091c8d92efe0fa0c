//! Time as the identity and limits code sees it: an injectable [`Clock`] (so tests move time
//! by hand instead of sleeping) and the few UTC calendar conversions that key expiry and
//! daily/monthly budgets need.
//!
//! The calendar arithmetic itself is shared with the rest of Rampart in
//! [`rampart_core::calendar`]; it is re-exported here so callers keep one import.

pub use rampart_core::calendar::{civil_from_days, days_from_civil, format_rfc3339};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time, as a duration since the Unix epoch.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> Duration;

    /// Whole seconds since the Unix epoch, the unit stored in the key tables.
    fn now_unix_secs(&self) -> i64 {
        i64::try_from(self.now().as_secs()).unwrap_or(i64::MAX)
    }
}

/// The machine's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        // A clock set before 1970 is a misconfigured machine; treat it as the epoch rather
        // than fail every request.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}

/// A clock that only moves when told to. Cloning shares the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn new(start: Duration) -> Self {
        let clock = ManualClock::default();
        clock.set(start);
        clock
    }

    pub fn set(&self, at: Duration) {
        let nanos = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.store(nanos, Ordering::SeqCst);
    }

    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                Some(n.saturating_add(by))
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Why a date or time given on the command line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)")]
pub struct DateParseError(pub String);

/// Parses `YYYY-MM-DD` (midnight UTC at the start of that day) or
/// `YYYY-MM-DDTHH:MM:SSZ` into Unix seconds. Only UTC is accepted, so that an expiry never
/// depends on the time zone of the machine that created the key.
pub fn parse_utc_date(text: &str) -> Result<i64, DateParseError> {
    let err = || DateParseError(text.to_owned());
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Result<u32, DateParseError> {
        let part = bytes.get(range).ok_or_else(err)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(err());
        }
        part.iter()
            .try_fold(0u32, |acc, b| {
                acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))
            })
            .ok_or_else(err)
    };
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(err());
    }
    let (year, month, day) = (i64::from(number(0..4)?), number(5..7)?, number(8..10)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(err());
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    match bytes.len() {
        10 => {}
        20 if (bytes[10] == b'T' || bytes[10] == b't')
            && bytes[13] == b':'
            && bytes[16] == b':'
            && (bytes[19] == b'Z' || bytes[19] == b'z') =>
        {
            let (h, mi, s) = (number(11..13)?, number(14..16)?, number(17..19)?);
            if h > 23 || mi > 59 || s > 59 {
                return Err(err());
            }
            secs += i64::from(h * 3600 + mi * 60 + s);
        }
        _ => return Err(err()),
    }
    Ok(secs)
}

/// The UTC day number (days since the epoch) of a time: the period of daily budgets.
pub fn utc_day(now: Duration) -> i64 {
    i64::try_from(now.as_secs() / 86_400).unwrap_or(i64::MAX)
}

/// The UTC month number (`year * 12 + month - 1`) of a time: the period of monthly budgets.
pub fn utc_month(now: Duration) -> i64 {
    let (y, m, _) = civil_from_days(utc_day(now));
    y * 12 + i64::from(m) - 1
}

/// How long from `now` until the next UTC day starts.
pub fn until_next_utc_day(now: Duration) -> Duration {
    let next = (utc_day(now) + 1) as u64 * 86_400;
    Duration::from_secs(next).saturating_sub(now)
}

/// How long from `now` until the next UTC month starts.
pub fn until_next_utc_month(now: Duration) -> Duration {
    let (y, m, _) = civil_from_days(utc_day(now));
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let next = days_from_civil(ny, nm, 1).max(0) as u64 * 86_400;
    Duration::from_secs(next).saturating_sub(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_over_four_centuries() {
        for days in (-200_000..200_000).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(format_rfc3339(1_795_314_025), "2026-11-22T02:20:25Z");
        assert_eq!(parse_utc_date("2026-11-22T02:20:25Z"), Ok(1_795_314_025));
        assert_eq!(parse_utc_date("2024-02-29"), Ok(1_709_164_800));
    }

    #[test]
    fn bad_dates_are_refused() {
        for bad in [
            "",
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "2026-01-01T25:00:00Z",
            "2026-01-01T10:00:00+02:00",
            "２０２６-01-01",
            "2026-01-01 ",
        ] {
            assert!(parse_utc_date(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn periods_roll_over_at_utc_midnight_and_month_start() {
        let last_second =
            Duration::from_secs(days_from_civil(2026, 12, 31) as u64 * 86_400 + 86_399);
        assert_eq!(until_next_utc_day(last_second), Duration::from_secs(1));
        assert_eq!(until_next_utc_month(last_second), Duration::from_secs(1));
        let next = last_second + Duration::from_secs(1);
        assert_eq!(utc_month(next), utc_month(last_second) + 1);
        assert_eq!(utc_day(next), utc_day(last_second) + 1);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(Duration::from_secs(10));
        let shared = clock.clone();
        clock.advance(Duration::from_millis(1500));
        assert_eq!(shared.now(), Duration::from_millis(11_500));
    }
}
