//! Failure counters with temporary blocks and exponential back-off: the state behind
//! brute-force protection (failed authentications per source address and per presented
//! key prefix) and automatic key suspension (guard blocks per key).
//!
//! A subject is an opaque string chosen by the caller (`src:203.0.113.0`, `kp:rk-AbC123`,
//! `gb:key_…`); it never holds a whole key. [`Counter::fail`] counts one failure in a
//! fixed window of [`Policy::window`]; the failure that reaches [`Policy::max_failures`]
//! starts a block of `base_block × 2^(strike − 1)` (at most `max_block`), where `strike`
//! counts the subject's blocks until it has been quiet for [`Policy::memory`]. While a
//! subject is blocked, failures are not counted (the block is not extended by hammering),
//! and nothing a caller does, not even a success, lifts it before its time.
//!
//! Two places hold the state, as two concrete types and no trait between them, like the
//! limiter's: [`memory::MemoryCounter`] in the process and [`redis::RedisCounter`] in the
//! limiter's Redis (shared by replicas). [`Counter::Redis`] keeps counting in memory as
//! well: when Redis fails (each call bounded by the limiter's one-second deadline) the
//! counts of this node still block, so an outage of Redis weakens the protection to one
//! node's view instead of switching it off, and never refuses a request by itself.

pub mod memory;
pub mod redis;

use std::time::Duration;

/// When a subject is blocked, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures within one window that start a block (at least 1).
    pub max_failures: u32,
    /// The counting window.
    pub window: Duration,
    /// The first block.
    pub base_block: Duration,
    /// The longest block, however many strikes.
    pub max_block: Duration,
}

impl Policy {
    /// The length of the `strike`-th block (1-based): doubles each strike, capped.
    pub fn block_for(&self, strike: u32) -> Duration {
        let doublings = strike.saturating_sub(1).min(32);
        self.base_block
            .checked_mul(1u32 << doublings.min(31))
            .unwrap_or(self.max_block)
            .min(self.max_block)
            .max(Duration::from_millis(1))
    }

    /// How long a subject's strikes are remembered after its last block ends: twice the
    /// longest block, so a patient attacker does not start again from `base_block`.
    pub fn memory(&self) -> Duration {
        self.max_block.saturating_mul(2).max(self.window)
    }
}

/// A block that a failure started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// How long the subject is blocked from now.
    pub retry_after: Duration,
    /// The how-manieth block of this subject (1 = the first).
    pub strike: u32,
}

/// The counter state could not be read or written (Redis down or slow).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CounterError {
    #[error("abuse counters unavailable: {0}")]
    Unavailable(String),
}

/// Where the counters live.
#[derive(Debug, Clone)]
pub enum Counter {
    /// In this process.
    Memory(memory::MemoryCounter),
    /// In Redis, shared by every replica with the limiter's URL and prefix, and in this
    /// process too, which answers alone while Redis cannot.
    Redis {
        shared: redis::RedisCounter,
        local: memory::MemoryCounter,
    },
}

impl Counter {
    /// The longest remaining block among `subjects`, if any is blocked.
    pub async fn blocked(&self, subjects: &[String]) -> Option<Duration> {
        match self {
            Counter::Memory(local) => local.blocked(subjects),
            Counter::Redis { shared, local } => {
                let here = local.blocked(subjects);
                match shared.blocked(subjects).await {
                    Ok(there) => here.max(there),
                    Err(e) => {
                        redis_failed(&e);
                        here
                    }
                }
            }
        }
    }

    /// Counts one failure of `subject`; `Some` when it started a block.
    pub async fn fail(&self, subject: &str, policy: &Policy) -> Option<Block> {
        match self {
            Counter::Memory(local) => local.fail(subject, policy),
            Counter::Redis { shared, local } => {
                let here = local.fail(subject, policy);
                match shared.fail(subject, policy).await {
                    Ok(there) => there.or(here),
                    Err(e) => {
                        redis_failed(&e);
                        here
                    }
                }
            }
        }
    }
}

/// Logs a Redis failure at most once every ten seconds and counts every one.
fn redis_failed(e: &CounterError) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST_LOG_SECS: AtomicU64 = AtomicU64::new(0);
    metrics::counter!("rampart_abuse_counter_errors_total").increment(1);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let last = LAST_LOG_SECS.load(Ordering::Relaxed);
    if now >= last + 10
        && LAST_LOG_SECS
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(error = %e, "abuse counters: Redis failed; counting on this node only");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_double_up_to_the_cap() {
        let p = Policy {
            max_failures: 3,
            window: Duration::from_secs(60),
            base_block: Duration::from_secs(10),
            max_block: Duration::from_secs(70),
        };
        let secs: Vec<u64> = (1..=6).map(|s| p.block_for(s).as_secs()).collect();
        assert_eq!(secs, [10, 20, 40, 70, 70, 70]);
        assert_eq!(p.block_for(u32::MAX), Duration::from_secs(70));
    }
}
