//! The counters of one process: one map under one mutex, bounded in size.

use super::{Block, Policy};
use crate::clock::{Clock, SystemClock};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Subjects tracked at most. Past it, entries nobody needs any more are pruned; if the
/// map is still full (a flood of distinct addresses), new subjects are not counted until
/// room frees up, while existing blocks stay in force: memory stays bounded.
pub const MAX_SUBJECTS: usize = 100_000;

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    failures: u32,
    window_end: Duration,
    blocked_until: Duration,
    strikes: u32,
    /// When the entry may be dropped (its strikes forgotten).
    forget_at: Duration,
}

/// Failure counters and blocks in this process.
#[derive(Debug, Clone)]
pub struct MemoryCounter {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    clock: Arc<dyn Clock>,
    capacity: usize,
}

impl Default for MemoryCounter {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryCounter {
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self::with_capacity(clock, MAX_SUBJECTS)
    }

    pub fn with_capacity(clock: Arc<dyn Clock>, capacity: usize) -> Self {
        MemoryCounter {
            entries: Arc::default(),
            clock,
            capacity,
        }
    }

    /// The longest remaining block among `subjects`.
    pub fn blocked(&self, subjects: &[String]) -> Option<Duration> {
        let now = self.clock.now();
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        subjects
            .iter()
            .filter_map(|s| entries.get(s))
            .filter(|e| e.blocked_until > now)
            .map(|e| e.blocked_until - now)
            .max()
    }

    /// Counts one failure; `Some` when it started a block.
    pub fn fail(&self, subject: &str, policy: &Policy) -> Option<Block> {
        let now = self.clock.now();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if !entries.contains_key(subject) && entries.len() >= self.capacity {
            entries.retain(|_, e| e.forget_at > now);
            if entries.len() >= self.capacity {
                return None;
            }
        }
        let e = entries.entry(subject.to_owned()).or_default();
        if e.forget_at <= now {
            *e = Entry::default();
        }
        if e.blocked_until > now {
            return None;
        }
        if e.window_end <= now {
            e.failures = 0;
            e.window_end = now + policy.window;
        }
        e.failures = e.failures.saturating_add(1);
        if e.failures >= policy.max_failures.max(1) {
            e.strikes = e.strikes.saturating_add(1);
            let block = policy.block_for(e.strikes);
            e.failures = 0;
            e.window_end = now;
            e.blocked_until = now + block;
            e.forget_at = e.blocked_until + policy.memory();
            return Some(Block {
                retry_after: block,
                strike: e.strikes,
            });
        }
        e.forget_at = e.forget_at.max(e.window_end);
        None
    }

    /// Subjects tracked now (for tests and metrics).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn policy() -> Policy {
        Policy {
            max_failures: 3,
            window: Duration::from_secs(60),
            base_block: Duration::from_secs(10),
            max_block: Duration::from_secs(40),
        }
    }

    #[test]
    fn the_third_failure_blocks_and_the_next_block_is_twice_as_long() {
        let clock = ManualClock::new(Duration::from_secs(1_000));
        let c = MemoryCounter::with_clock(Arc::new(clock.clone()));
        let s = ["src:1".to_owned()];
        assert_eq!(c.fail("src:1", &policy()), None);
        assert_eq!(c.fail("src:1", &policy()), None);
        let first = c.fail("src:1", &policy()).unwrap();
        assert_eq!((first.retry_after.as_secs(), first.strike), (10, 1));
        assert_eq!(c.blocked(&s), Some(Duration::from_secs(10)));
        // Failures while blocked neither count nor extend the block.
        assert_eq!(c.fail("src:1", &policy()), None);
        clock.advance(Duration::from_secs(10));
        assert_eq!(c.blocked(&s), None);
        for _ in 0..2 {
            assert_eq!(c.fail("src:1", &policy()), None);
        }
        let second = c.fail("src:1", &policy()).unwrap();
        assert_eq!((second.retry_after.as_secs(), second.strike), (20, 2));
        // Another subject is untouched.
        assert_eq!(c.blocked(&["src:2".to_owned()]), None);
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up_and_strikes_are_forgotten() {
        let clock = ManualClock::new(Duration::from_secs(1_000));
        let c = MemoryCounter::with_clock(Arc::new(clock.clone()));
        c.fail("s", &policy());
        c.fail("s", &policy());
        clock.advance(Duration::from_secs(61));
        assert_eq!(c.fail("s", &policy()), None);
        c.fail("s", &policy());
        assert_eq!(c.fail("s", &policy()).map(|b| b.strike), Some(1));
        clock.advance(Duration::from_secs(10 + 80 + 1));
        for _ in 0..2 {
            c.fail("s", &policy());
        }
        assert_eq!(c.fail("s", &policy()).map(|b| b.strike), Some(1));
    }

    #[test]
    fn a_full_map_keeps_its_blocks_and_counts_no_new_subject() {
        let clock = ManualClock::new(Duration::from_secs(1_000));
        let c = MemoryCounter::with_capacity(Arc::new(clock.clone()), 2);
        let one = Policy {
            max_failures: 1,
            ..policy()
        };
        assert!(c.fail("a", &one).is_some());
        assert!(c.fail("b", &one).is_some());
        assert_eq!(c.fail("c", &one), None);
        assert_eq!(c.len(), 2);
        assert!(c.blocked(&["a".to_owned()]).is_some());
        // Once forgotten, room frees up.
        clock.advance(Duration::from_secs(10 + 80 + 1));
        assert!(c.fail("c", &one).is_some());
    }
}
