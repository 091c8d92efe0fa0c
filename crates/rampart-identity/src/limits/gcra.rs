//! The generic cell rate algorithm (GCRA), the exact, state-light form of a token bucket.
//!
//! A bucket holds `capacity` cells and refills at `capacity` per `period`; its only state
//! is the theoretical arrival time (TAT) of the next cell. A request of cost `n` conforms
//! when `max(TAT, now) + n·T ≤ now + capacity·T` (with `T = period / capacity`), and then
//! moves TAT to the left-hand side. Over any window of length `W` this admits at most
//! `capacity + W / T` cells, the property the tests check.
//!
//! Time is kept in units of `nanosecond / capacity` (everything is multiplied by
//! `capacity`), so `T` is exactly `period` in those units and no rounding drifts the rate:
//! 7 requests per minute is 7 per minute, not 7.0000001.

use std::time::Duration;

/// The rate of one bucket: `capacity` cells per `period`, with a burst of `capacity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub capacity: u64,
    pub period: Duration,
}

impl Rate {
    pub fn per_minute(capacity: u64) -> Self {
        Rate {
            capacity: capacity.max(1),
            period: Duration::from_secs(60),
        }
    }

    fn period_nanos(self) -> u128 {
        self.period.as_nanos().max(1)
    }

    fn scaled(self, at: Duration) -> u128 {
        at.as_nanos().saturating_mul(u128::from(self.capacity))
    }
}

/// The bucket's state: its theoretical arrival time, scaled by the capacity. A fresh bucket
/// is `Tat::default()` (full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tat(pub u128);

/// How a bucket stands after a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketStatus {
    pub limit: u64,
    /// Cells that could still be taken at once.
    pub remaining: u64,
    /// Time until the bucket is full again.
    pub reset: Duration,
}

/// Nanoseconds in scaled units → a `Duration`, rounded up so that waiting that long is
/// always enough.
fn unscale_ceil(scaled: u128, rate: Rate) -> Duration {
    let cap = u128::from(rate.capacity);
    let nanos = scaled.div_ceil(cap);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

fn status(rate: Rate, tat: u128, now: u128) -> BucketStatus {
    let horizon = now.saturating_add(u128::from(rate.capacity) * rate.period_nanos());
    let remaining = horizon.saturating_sub(tat) / rate.period_nanos();
    BucketStatus {
        limit: rate.capacity,
        remaining: u64::try_from(remaining)
            .unwrap_or(u64::MAX)
            .min(rate.capacity),
        reset: unscale_ceil(tat.saturating_sub(now), rate),
    }
}

/// Whether `cost` cells conform at `now`: `Ok(new TAT)` if they do, else `Err(wait)`, the
/// time after which they would. Does not change the bucket; see [`Tat`] updates by callers
/// so that several buckets can be checked before any is charged.
pub fn check(rate: Rate, tat: Tat, now: Duration, cost: u64) -> Result<Tat, Duration> {
    let now_s = rate.scaled(now);
    let start = tat.0.max(now_s);
    let new_tat = start.saturating_add(u128::from(cost).saturating_mul(rate.period_nanos()));
    let horizon = now_s.saturating_add(u128::from(rate.capacity) * rate.period_nanos());
    if new_tat <= horizon {
        Ok(Tat(new_tat))
    } else {
        Err(unscale_ceil(new_tat - horizon, rate))
    }
}

/// Charges `cost` cells whether or not they conform (tokens are counted after the answer,
/// when they have already been spent); the bucket may go into debt, which later checks
/// must wait out.
pub fn charge(rate: Rate, tat: Tat, now: Duration, cost: u64) -> Tat {
    let start = tat.0.max(rate.scaled(now));
    Tat(start.saturating_add(u128::from(cost).saturating_mul(rate.period_nanos())))
}

/// The header numbers of a bucket at `now`.
pub fn bucket_status(rate: Rate, tat: Tat, now: Duration) -> BucketStatus {
    status(rate, tat.0, rate.scaled(now))
}

/// Whether a bucket is full at `now` (its state can be forgotten).
pub fn is_idle(rate: Rate, tat: Tat, now: Duration) -> bool {
    tat.0 <= rate.scaled(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn take(rate: Rate, tat: &mut Tat, now: Duration, cost: u64) -> bool {
        match check(rate, *tat, now, cost) {
            Ok(new) => {
                *tat = new;
                true
            }
            Err(_) => false,
        }
    }

    #[test]
    fn burst_of_capacity_then_one_per_interval() {
        let rate = Rate::per_minute(60);
        let mut tat = Tat::default();
        let t0 = Duration::from_secs(1_000);
        for _ in 0..60 {
            assert!(take(rate, &mut tat, t0, 1));
        }
        assert_eq!(check(rate, tat, t0, 1), Err(Duration::from_secs(1)));
        assert!(!take(rate, &mut tat, t0 + Duration::from_millis(999), 1));
        assert!(take(rate, &mut tat, t0 + Duration::from_secs(1), 1));
        let st = bucket_status(rate, tat, t0 + Duration::from_secs(1));
        assert_eq!(
            (st.limit, st.remaining, st.reset),
            (60, 0, Duration::from_secs(60))
        );
    }

    #[test]
    fn odd_rates_do_not_drift() {
        // 7 per minute: T = 8.571428…s. After the burst, exactly 7 more in the next minute.
        let rate = Rate::per_minute(7);
        let mut tat = Tat::default();
        let t0 = Duration::from_secs(50);
        let mut allowed = 0;
        for ms in (0..=60_000).step_by(10) {
            if take(rate, &mut tat, t0 + Duration::from_millis(ms), 1) {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 7 + 7);
    }

    #[test]
    fn charge_goes_into_debt_and_check_waits_it_out() {
        let rate = Rate::per_minute(1_000);
        let t0 = Duration::from_secs(10);
        let tat = charge(rate, Tat::default(), t0, 3_000);
        // 3,000 tokens against 1,000/min: full again after 3 minutes, usable again after 2.
        assert_eq!(bucket_status(rate, tat, t0).reset, Duration::from_secs(180));
        assert_eq!(bucket_status(rate, tat, t0).remaining, 0);
        assert_eq!(check(rate, tat, t0, 1), Err(Duration::from_millis(120_060)));
        assert!(check(rate, tat, t0 + Duration::from_millis(120_060), 1).is_ok());
    }

    #[test]
    fn idle_bucket_is_forgettable() {
        let rate = Rate::per_minute(10);
        let t0 = Duration::from_secs(5);
        let tat = charge(rate, Tat::default(), t0, 1);
        assert!(!is_idle(rate, tat, t0));
        assert!(is_idle(rate, tat, t0 + Duration::from_secs(6)));
    }

    proptest! {
        /// Over every window [t_i, t_j] the number of admitted requests is at most
        /// capacity + (t_j - t_i) / T, whatever the arrival pattern.
        #[test]
        fn never_admits_more_than_the_rate_over_any_window(
            capacity in 1u64..50,
            period_ms in 100u64..120_000,
            gaps in proptest::collection::vec(0u64..5_000, 1..300),
        ) {
            let rate = Rate { capacity, period: Duration::from_millis(period_ms) };
            let mut tat = Tat::default();
            let mut now = Duration::from_secs(1_000_000);
            let mut admitted = Vec::new();
            for gap in gaps {
                now += Duration::from_millis(gap);
                if take(rate, &mut tat, now, 1) {
                    admitted.push(now);
                }
            }
            let interval_ns = period_ms as u128 * 1_000_000;
            for i in 0..admitted.len() {
                for j in i..admitted.len() {
                    let window = (admitted[j] - admitted[i]).as_nanos();
                    let count = (j - i + 1) as u128;
                    // count ≤ capacity + window / T, with T = period / capacity.
                    prop_assert!(
                        count * interval_ns <= capacity as u128 * interval_ns + window * capacity as u128,
                        "{count} admitted in {window} ns (capacity {capacity}, period {period_ms} ms)"
                    );
                }
            }
        }

        /// Requests spaced exactly at the emission interval are never refused.
        #[test]
        fn steady_traffic_at_the_rate_is_always_admitted(
            capacity in 1u64..1_000,
            count in 1usize..500,
        ) {
            let rate = Rate::per_minute(capacity);
            let mut tat = Tat::default();
            let start = Duration::from_secs(7_777);
            for i in 0..count {
                let at = start + Duration::from_nanos((60_000_000_000u128 * i as u128 / capacity as u128) as u64 + 1);
                prop_assert!(take(rate, &mut tat, at, 1), "request {i} refused");
            }
        }

        /// Token charges: the tokens admitted over any window never exceed
        /// capacity + window / T, even with costs of many cells.
        #[test]
        fn weighted_costs_respect_the_rate(
            capacity in 1u64..10_000,
            costs in proptest::collection::vec((1u64..2_000, 0u64..20_000), 1..200),
        ) {
            let rate = Rate::per_minute(capacity);
            let mut tat = Tat::default();
            let mut now = Duration::from_secs(10);
            let mut admitted: Vec<(Duration, u64)> = Vec::new();
            for (cost, gap) in costs {
                now += Duration::from_millis(gap);
                if take(rate, &mut tat, now, cost) {
                    admitted.push((now, cost));
                }
            }
            for i in 0..admitted.len() {
                let mut sum = 0u128;
                for j in i..admitted.len() {
                    sum += admitted[j].1 as u128;
                    let window = (admitted[j].0 - admitted[i].0).as_nanos();
                    prop_assert!(sum * 60_000_000_000 <= capacity as u128 * 60_000_000_000 + window * capacity as u128);
                }
            }
        }
    }
}
