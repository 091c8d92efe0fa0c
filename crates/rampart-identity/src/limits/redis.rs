//! The shared limiter for many gateway replicas: the same GCRA buckets and budgets as
//! [`super::memory::MemoryLimiter`], kept in Redis and updated by Lua scripts so that a
//! check across key and tenant is one atomic round trip.
//!
//! Every key of one tenant carries the hash tag `{tenant}`, so a script only touches keys
//! of one Redis Cluster slot. Times come from the gateway's [`Clock`] (microseconds), not
//! from Redis, so tests can move time by hand; replicas need synchronised clocks (NTP),
//! as for TLS. Buckets expire once full again and budget counters at the end of their
//! period, so Redis holds only the state of recently active keys.

use super::{
    Denial, Dimension, LimitDecision, LimitError, Quota, RateLimitStatus, Scope, Subject, Window,
};
use crate::clock::{
    Clock, SystemClock, until_next_utc_day, until_next_utc_month, utc_day, utc_month,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::time::Duration;

const PERIOD_US: u64 = 60_000_000;

/// KEYS: 1-2 request buckets (key, tenant), 3-4 token buckets (key, tenant),
/// 5-8 budget counters (key day, key month, tenant day, tenant month).
/// ARGV: now_us, estimated tokens, period_us, capacities of 1-4 (0 = none),
/// budgets of 5-8 (0 = none), µs until the next day, µs until the next month.
/// Returns {allowed (1/0), refusing slot, wait_us, then remaining and reset_us of 1-4}.
const CHECK: &str = r"
local now = tonumber(ARGV[1])
local est = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local worst_slot, worst_wait = 0, -1
local new_tats, tats = {}, {}
for i = 1, 4 do
  local cap = tonumber(ARGV[3 + i])
  if cap > 0 then
    local t = period / cap
    local tat = tonumber(redis.call('GET', KEYS[i]) or now)
    if tat < now then tat = now end
    tats[i] = tat
    local cost = 1
    if i > 2 then cost = math.min(math.max(est, 1), cap) end
    local new = tat + cost * t
    local wait = new - (now + period)
    if wait > 0 then
      if wait > worst_wait then worst_slot, worst_wait = i, wait end
    elseif i <= 2 then
      new_tats[i] = new
    end
  end
end
for i = 5, 8 do
  local limit = tonumber(ARGV[3 + i])
  if limit > 0 then
    local used = tonumber(redis.call('GET', KEYS[i]) or 0)
    if used >= limit or used + est > limit then
      local wait = tonumber(ARGV[12])
      if i == 6 or i == 8 then wait = tonumber(ARGV[13]) end
      if wait > worst_wait then worst_slot, worst_wait = i, wait end
    end
  end
end
local allowed = 0
if worst_slot == 0 then
  allowed = 1
  for i = 1, 2 do
    if new_tats[i] then
      tats[i] = new_tats[i]
      redis.call('SET', KEYS[i], string.format('%.0f', new_tats[i]), 'PX', math.ceil((new_tats[i] - now) / 1000) + 1000)
    end
  end
end
local out = {allowed, worst_slot, math.ceil(math.max(worst_wait, 0))}
for i = 1, 4 do
  local cap = tonumber(ARGV[3 + i])
  if cap > 0 then
    local t = period / cap
    local remaining = math.floor((now + period - tats[i]) / t)
    if remaining > cap then remaining = cap end
    if remaining < 0 then remaining = 0 end
    out[#out + 1] = remaining
    out[#out + 1] = math.ceil(tats[i] - now)
  else
    out[#out + 1] = -1
    out[#out + 1] = 0
  end
end
return out
";

/// KEYS: 1-2 token buckets (key, tenant), 3-6 budget counters as in CHECK.
/// ARGV: now_us, tokens, period_us, capacities of 1-2, budget flags of 3-6 (1 = tracked),
/// ms until the next day, ms until the next month.
const RECORD: &str = r"
local now = tonumber(ARGV[1])
local tokens = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
for i = 1, 2 do
  local cap = tonumber(ARGV[3 + i])
  if cap > 0 then
    local tat = tonumber(redis.call('GET', KEYS[i]) or now)
    if tat < now then tat = now end
    local new = tat + tokens * period / cap
    redis.call('SET', KEYS[i], string.format('%.0f', new), 'PX', math.ceil((new - now) / 1000) + 1000)
  end
end
for i = 3, 6 do
  if tonumber(ARGV[3 + i]) == 1 then
    redis.call('INCRBY', KEYS[i], tokens)
    local ttl = tonumber(ARGV[10])
    if i == 4 or i == 6 then ttl = tonumber(ARGV[11]) end
    redis.call('PEXPIRE', KEYS[i], ttl + 60000)
  end
end
return 1
";

/// GCRA limits and budgets in Redis.
#[derive(Clone)]
pub struct RedisLimiter {
    connection: ConnectionManager,
    clock: Arc<dyn Clock>,
    prefix: String,
    check: Arc<redis::Script>,
    record: Arc<redis::Script>,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn unavailable(err: redis::RedisError) -> LimitError {
    // The error kind and Redis' own message; neither carries keys of ours.
    LimitError::Unavailable(format!("redis: {err}"))
}

/// The longest a check or a record waits for Redis before it fails with
/// [`LimitError::Unavailable`] (the gateway's 503 `limiter_unavailable`): a request does
/// not hang on a Redis that is down or does not answer.
pub const REDIS_DEADLINE: Duration = Duration::from_secs(1);

/// The connection manager's settings, for [`RedisLimiter::connect`] and
/// [`RedisLimiter::lazy`] alike. Its defaults (six reconnection attempts with exponential
/// back-off, one second per dial) would hold a request for seconds while Redis is down;
/// here one retry after a short pause, dials and replies bounded, so a reconnection fits in
/// [`REDIS_DEADLINE`], which bounds the whole call in any case.
fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_number_of_retries(1)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(100))
        .set_connection_timeout(Some(Duration::from_millis(400)))
        .set_response_timeout(Some(Duration::from_millis(500)))
}

/// `call`, failing as unavailable once [`REDIS_DEADLINE`] has passed.
async fn bounded<T>(
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, LimitError> {
    match tokio::time::timeout(REDIS_DEADLINE, call).await {
        Ok(r) => r.map_err(unavailable),
        Err(_) => Err(LimitError::Unavailable(format!(
            "redis: no answer within {} ms",
            REDIS_DEADLINE.as_millis()
        ))),
    }
}

impl RedisLimiter {
    /// Connects to `url` (`redis://host:port/db`). `prefix` namespaces the keys (default
    /// `rampart`), so several deployments can share one Redis.
    pub async fn connect(url: &str, prefix: Option<&str>) -> Result<Self, LimitError> {
        Self::connect_with_clock(url, prefix, Arc::new(SystemClock)).await
    }

    pub async fn connect_with_clock(
        url: &str,
        prefix: Option<&str>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, LimitError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let connection = ConnectionManager::new_with_config(client, manager_config())
            .await
            .map_err(unavailable)?;
        Ok(Self::over(connection, prefix, clock))
    }

    /// A limiter that dials `url` at its first check instead of now, so it can be built
    /// while Redis is down; every check then fails with [`LimitError::Unavailable`] until
    /// Redis answers (the dial is retried once per check, so a refusal comes quickly).
    /// `rampart serve` uses [`RedisLimiter::connect`], so that a wrong URL stops it at
    /// start; this is for an embedder that must start regardless, and for the tests of a
    /// Redis that cannot be reached.
    pub fn lazy(url: &str, prefix: Option<&str>) -> Result<Self, LimitError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let connection = ConnectionManager::new_lazy_with_config(client, manager_config())
            .map_err(unavailable)?;
        Ok(Self::over(connection, prefix, Arc::new(SystemClock)))
    }

    fn over(connection: ConnectionManager, prefix: Option<&str>, clock: Arc<dyn Clock>) -> Self {
        RedisLimiter {
            connection,
            clock,
            prefix: prefix.unwrap_or("rampart").to_owned(),
            check: Arc::new(redis::Script::new(CHECK)),
            record: Arc::new(redis::Script::new(RECORD)),
        }
    }

    /// The connection, clock and prefix, for the abuse counters that share them.
    pub(crate) fn parts(&self) -> (ConnectionManager, Arc<dyn Clock>, String) {
        (
            self.connection.clone(),
            self.clock.clone(),
            self.prefix.clone(),
        )
    }

    fn keys(&self, subject: &Subject<'_>, now: Duration) -> [String; 8] {
        let (p, t, k) = (&self.prefix, subject.tenant, subject.key_id);
        let (day, month) = (utc_day(now), utc_month(now));
        [
            format!("{p}:{{{t}}}:key:{k}:rpm"),
            format!("{p}:{{{t}}}:tenant:rpm"),
            format!("{p}:{{{t}}}:key:{k}:tpm"),
            format!("{p}:{{{t}}}:tenant:tpm"),
            format!("{p}:{{{t}}}:key:{k}:day:{day}"),
            format!("{p}:{{{t}}}:key:{k}:month:{month}"),
            format!("{p}:{{{t}}}:tenant:day:{day}"),
            format!("{p}:{{{t}}}:tenant:month:{month}"),
        ]
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn slot_of(slot: i64) -> (Scope, Dimension) {
    match slot {
        1 => (Scope::Key, Dimension::RequestsPerMinute),
        2 => (Scope::Tenant, Dimension::RequestsPerMinute),
        3 => (Scope::Key, Dimension::TokensPerMinute),
        4 => (Scope::Tenant, Dimension::TokensPerMinute),
        5 => (Scope::Key, Dimension::DailyTokens),
        6 => (Scope::Key, Dimension::MonthlyTokens),
        7 => (Scope::Tenant, Dimension::DailyTokens),
        _ => (Scope::Tenant, Dimension::MonthlyTokens),
    }
}

fn tighter(a: Option<Window>, b: Window) -> Option<Window> {
    match a {
        Some(a)
            if (a.remaining, std::cmp::Reverse(a.reset))
                <= (b.remaining, std::cmp::Reverse(b.reset)) =>
        {
            Some(a)
        }
        _ => Some(b),
    }
}

impl RedisLimiter {
    /// As [`super::memory::MemoryLimiter::check`], in one atomic script; fails with
    /// [`LimitError::Unavailable`] when Redis cannot answer (the gateway then refuses).
    pub async fn check(
        &self,
        subject: Subject<'_>,
        estimated_tokens: u64,
    ) -> Result<LimitDecision, LimitError> {
        let (kq, tq): (&Quota, &Quota) = (subject.key_quota, subject.tenant_quota);
        if kq.is_unlimited() && tq.is_unlimited() {
            return Ok(LimitDecision::Allowed(RateLimitStatus::default()));
        }
        let now = self.clock.now();
        let caps = [
            kq.requests_per_minute,
            tq.requests_per_minute,
            kq.tokens_per_minute,
            tq.tokens_per_minute,
        ];
        let budgets = [
            kq.daily_tokens,
            kq.monthly_tokens,
            tq.daily_tokens,
            tq.monthly_tokens,
        ];
        let mut invocation = self.check.prepare_invoke();
        for key in self.keys(&subject, now) {
            invocation.key(key);
        }
        invocation
            .arg(micros(now))
            .arg(estimated_tokens)
            .arg(PERIOD_US);
        for cap in caps {
            invocation.arg(cap.unwrap_or(0));
        }
        for budget in budgets {
            invocation.arg(budget.unwrap_or(0));
        }
        invocation
            .arg(micros(until_next_utc_day(now)))
            .arg(micros(until_next_utc_month(now)));
        let mut connection = self.connection.clone();
        let reply: Vec<i64> = bounded(invocation.invoke_async(&mut connection)).await?;
        if reply.len() != 11 {
            return Err(LimitError::Unavailable(
                "redis: unexpected script reply".to_owned(),
            ));
        }
        let mut status = RateLimitStatus::default();
        for (i, cap) in caps.iter().enumerate() {
            let (remaining, reset_us) = (reply[3 + 2 * i], reply[4 + 2 * i]);
            if let (Some(cap), true) = (cap, remaining >= 0) {
                let window = Window {
                    limit: *cap,
                    remaining: u64::try_from(remaining).unwrap_or(0),
                    reset: Duration::from_micros(u64::try_from(reset_us).unwrap_or(0)),
                };
                if i < 2 {
                    status.requests = tighter(status.requests, window);
                } else {
                    status.tokens = tighter(status.tokens, window);
                }
            }
        }
        if reply[0] == 1 {
            return Ok(LimitDecision::Allowed(status));
        }
        let (scope, dimension) = slot_of(reply[1]);
        Ok(LimitDecision::Denied(Denial {
            scope,
            dimension,
            retry_after: Duration::from_micros(u64::try_from(reply[2]).unwrap_or(0)),
            status,
        }))
    }

    /// As [`super::memory::MemoryLimiter::record`], in one script.
    pub async fn record(&self, subject: Subject<'_>, tokens: u64) -> Result<(), LimitError> {
        let (kq, tq) = (subject.key_quota, subject.tenant_quota);
        if tokens == 0 || (kq.is_unlimited() && tq.is_unlimited()) {
            return Ok(());
        }
        let now = self.clock.now();
        let keys = self.keys(&subject, now);
        let mut invocation = self.record.prepare_invoke();
        for i in [2, 3, 4, 5, 6, 7] {
            invocation.key(&keys[i]);
        }
        invocation.arg(micros(now)).arg(tokens).arg(PERIOD_US);
        invocation
            .arg(kq.tokens_per_minute.unwrap_or(0))
            .arg(tq.tokens_per_minute.unwrap_or(0));
        for tracked in [
            kq.daily_tokens,
            kq.monthly_tokens,
            tq.daily_tokens,
            tq.monthly_tokens,
        ] {
            invocation.arg(u8::from(tracked.is_some()));
        }
        invocation
            .arg(until_next_utc_day(now).as_millis() as u64)
            .arg(until_next_utc_month(now).as_millis() as u64);
        let mut connection = self.connection.clone();
        let _: i64 = bounded(invocation.invoke_async(&mut connection)).await?;
        Ok(())
    }
}
