//! The counters of many replicas, in the limiter's Redis (same connection, same prefix,
//! same one-second deadline): one hash per subject, updated by one Lua script per
//! failure, expiring once its strikes are forgotten.

use super::{Block, CounterError, Policy};
use crate::clock::Clock;
use crate::limits::redis::{REDIS_DEADLINE, RedisLimiter};
use redis::aio::ConnectionManager;
use std::sync::Arc;
use std::time::Duration;

/// KEYS[1]: the subject's hash (`f` failures, `we` window end, `bu` blocked until,
/// `s` strikes; times in ms). ARGV: now, window, max failures, base block, max block,
/// memory (all ms). Returns {started (1/0), block ms, strike}.
const FAIL: &str = r"
local now = tonumber(ARGV[1])
local v = redis.call('HMGET', KEYS[1], 'f', 'we', 'bu', 's')
local f = tonumber(v[1] or 0)
local we = tonumber(v[2] or 0)
local bu = tonumber(v[3] or 0)
local s = tonumber(v[4] or 0)
if bu > now then return {0, 0, s} end
if we <= now then
  f = 0
  we = now + tonumber(ARGV[2])
end
f = f + 1
if f >= tonumber(ARGV[3]) then
  s = s + 1
  local d = tonumber(ARGV[4]) * (2 ^ math.min(s - 1, 31))
  local cap = tonumber(ARGV[5])
  if d > cap then d = cap end
  if d < 1 then d = 1 end
  redis.call('HSET', KEYS[1], 'f', 0, 'we', now, 'bu', string.format('%.0f', now + d), 's', s)
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', d + tonumber(ARGV[6])))
  return {1, d, s}
end
redis.call('HSET', KEYS[1], 'f', f, 'we', string.format('%.0f', we), 'bu', string.format('%.0f', bu), 's', s)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < we - now then redis.call('PEXPIRE', KEYS[1], string.format('%.0f', we - now)) end
return {0, 0, s}
";

/// KEYS: subjects' hashes. ARGV: now (ms). Returns the longest remaining block in ms (0:
/// none).
const BLOCKED: &str = r"
local now = tonumber(ARGV[1])
local worst = 0
for i = 1, #KEYS do
  local bu = tonumber(redis.call('HGET', KEYS[i], 'bu') or 0)
  if bu - now > worst then worst = bu - now end
end
return worst
";

/// Failure counters and blocks in Redis.
#[derive(Clone)]
pub struct RedisCounter {
    connection: ConnectionManager,
    clock: Arc<dyn Clock>,
    prefix: String,
    fail: Arc<redis::Script>,
    blocked: Arc<redis::Script>,
}

impl std::fmt::Debug for RedisCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCounter")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

async fn bounded<T>(
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, CounterError> {
    match tokio::time::timeout(REDIS_DEADLINE, call).await {
        Ok(r) => r.map_err(|e| CounterError::Unavailable(format!("redis: {e}"))),
        Err(_) => Err(CounterError::Unavailable(format!(
            "redis: no answer within {} ms",
            REDIS_DEADLINE.as_millis()
        ))),
    }
}

impl RedisCounter {
    /// Counters on the limiter's own connection, clock and key prefix.
    pub fn sharing(limiter: &RedisLimiter) -> Self {
        let (connection, clock, prefix) = limiter.parts();
        RedisCounter {
            connection,
            clock,
            prefix,
            fail: Arc::new(redis::Script::new(FAIL)),
            blocked: Arc::new(redis::Script::new(BLOCKED)),
        }
    }

    fn key(&self, subject: &str) -> String {
        format!("{}:abuse:{subject}", self.prefix)
    }

    /// The longest remaining block among `subjects`.
    pub async fn blocked(&self, subjects: &[String]) -> Result<Option<Duration>, CounterError> {
        if subjects.is_empty() {
            return Ok(None);
        }
        let mut invocation = self.blocked.prepare_invoke();
        for s in subjects {
            invocation.key(self.key(s));
        }
        invocation.arg(millis(self.clock.now()));
        let mut connection = self.connection.clone();
        let worst: i64 = bounded(invocation.invoke_async(&mut connection)).await?;
        Ok((worst > 0).then(|| Duration::from_millis(u64::try_from(worst).unwrap_or(0))))
    }

    /// Counts one failure; `Some` when it started a block.
    pub async fn fail(
        &self,
        subject: &str,
        policy: &Policy,
    ) -> Result<Option<Block>, CounterError> {
        let mut invocation = self.fail.prepare_invoke();
        invocation
            .key(self.key(subject))
            .arg(millis(self.clock.now()))
            .arg(millis(policy.window).max(1))
            .arg(policy.max_failures.max(1))
            .arg(millis(policy.base_block).max(1))
            .arg(millis(policy.max_block).max(1))
            .arg(millis(policy.memory()));
        let mut connection = self.connection.clone();
        let reply: Vec<i64> = bounded(invocation.invoke_async(&mut connection)).await?;
        match reply.as_slice() {
            [1, ms, strike] => Ok(Some(Block {
                retry_after: Duration::from_millis(u64::try_from(*ms).unwrap_or(0)),
                strike: u32::try_from(*strike).unwrap_or(u32::MAX),
            })),
            [_, _, _] => Ok(None),
            _ => Err(CounterError::Unavailable(
                "redis: unexpected script reply".to_owned(),
            )),
        }
    }
}
