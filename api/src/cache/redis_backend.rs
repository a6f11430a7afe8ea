use std::{
    future::Future,
    sync::{Arc, LazyLock},
    time::Duration,
};

use redis::{
    AsyncCommands, Client, RedisResult, Script, ScriptInvocation, aio::ConnectionManager,
    aio::ConnectionManagerConfig,
};

use super::{
    breaker::{self, Access, Breaker},
    freshness::LogKeys,
    log::{Changes, MAX_CHANGES_PER_READ, MAX_LOGGED_TAGS, Ticks, fresh_epoch},
};
use crate::error::AppResult;

/// The Redis backend over one multiplexed, self-reconnecting connection, behind a circuit
/// breaker so that an outage costs each request nothing but a skipped cache. No call waits
/// longer than its budget: a Redis that hangs costs a request that long, once, and then is
/// skipped like one that is down.
#[derive(Clone)]
pub struct RedisCache {
    connection: ConnectionManager,
    breaker: Arc<Breaker>,
    budget: Duration,
}

/// Creates the log's state, in a fresh epoch, when it is missing, or when the log itself was
/// lost while the state says changes were published (an eviction): readers then start afresh.
/// KEYS: state, log, ticks. ARGV[1]: a fresh epoch.
const ENSURE_EPOCH: &str = r"
local state, log, ticks = KEYS[1], KEYS[2], KEYS[3]
local epoch = redis.call('HGET', state, 'epoch')
local seq = tonumber(redis.call('HGET', state, 'seq') or '0')
if not epoch or (seq > 0 and redis.call('EXISTS', log) == 0) then
  epoch = ARGV[1]
  redis.call('DEL', log, ticks, state)
  redis.call('HSET', state, 'epoch', epoch, 'seq', 0, 'floor', 0)
end
";

/// `MemoryLog::read`. ARGV[2]: the reader's epoch, ARGV[3]: its position, ARGV[4]: the most
/// changes it takes. Returns {epoch, seq, fresh start (1) or not (0), {tag, seq, …}}.
static READ_LOG: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{ENSURE_EPOCH}
local seq = tonumber(redis.call('HGET', state, 'seq'))
local floor = tonumber(redis.call('HGET', state, 'floor') or '0')
local since = tonumber(ARGV[3])
if epoch ~= ARGV[2] or since < floor or since > seq then return {{epoch, seq, 1, {{}}}} end
local changed = redis.call('ZRANGEBYSCORE', log, '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', 0, ARGV[4])
if #changed >= 2 * tonumber(ARGV[4]) then return {{epoch, seq, 1, {{}}}} end
return {{epoch, seq, 0, changed}}"
    ))
});

/// `MemoryLog::publish`. ARGV[2], ARGV[3]: the ticks covered (0 0 for none), ARGV[4]: the most
/// tags kept, ARGV[5..]: the tags. Returns the new sequence number.
static PUBLISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{ENSURE_EPOCH}
local seq = redis.call('HINCRBY', state, 'seq', 1)
for i = 5, #ARGV do redis.call('ZADD', log, seq, ARGV[i]) end
local low, high = tonumber(ARGV[2]), tonumber(ARGV[3])
local watermark = redis.call('HGET', state, 'wm')
if low > 0 and watermark then
  watermark = tonumber(watermark)
  for tick = math.max(low, watermark + 1), high do redis.call('ZADD', ticks, tick, tick) end
  while redis.call('ZSCORE', ticks, watermark + 1) do
    redis.call('ZREM', ticks, watermark + 1)
    watermark = watermark + 1
  end
  redis.call('HSET', state, 'wm', watermark)
end
local size, most = redis.call('ZCARD', log), tonumber(ARGV[4])
if size > most then
  local last = size - math.floor(most * 4 / 5) - 1
  local cut = redis.call('ZRANGE', log, last, last, 'WITHSCORES')
  redis.call('ZREMRANGEBYSCORE', log, '-inf', cut[2])
  redis.call('HSET', state, 'floor', cut[2])
end
return seq"
    ))
});

/// `MemoryLog::watermark`. ARGV[2]: the database's tick. Returns the watermark.
static WATERMARK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{ENSURE_EPOCH}
local watermark = redis.call('HGET', state, 'wm')
if watermark then return tonumber(watermark) end
redis.call('HSET', state, 'wm', ARGV[2])
return tonumber(ARGV[2])"
    ))
});

/// `MemoryLog::repair`. ARGV[2]: the database's tick.
static REPAIR: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{ENSURE_EPOCH}
local seq = redis.call('HINCRBY', state, 'seq', 1)
redis.call('ZADD', log, seq, '{everything}')
local watermark = math.max(tonumber(redis.call('HGET', state, 'wm') or ARGV[2]), tonumber(ARGV[2]))
redis.call('HSET', state, 'wm', watermark)
redis.call('ZREMRANGEBYSCORE', ticks, '-inf', watermark)
return seq",
        everything = super::tags::EVERYTHING
    ))
});

/// A call of one of the log's scripts, with the log's keys and a fresh epoch (`ENSURE_EPOCH`'s
/// `ARGV[1]`) in place; the caller adds the script's other arguments.
fn log_call<'a>(script: &'a Script, keys: &LogKeys) -> ScriptInvocation<'a> {
    let mut call = script.prepare_invoke();
    call.key(&keys.state)
        .key(&keys.log)
        .key(&keys.ticks)
        .arg(fresh_epoch());
    call
}

impl RedisCache {
    /// Connects, failing fast when Redis is unreachable. `budget` bounds every later call.
    pub async fn connect(url: &str, budget: Duration) -> redis::RedisResult<Self> {
        let client = Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(budget))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self {
            connection,
            breaker: Arc::default(),
            budget,
        })
    }

    async fn guarded<T>(&self, call: impl Future<Output = RedisResult<T>>) -> AppResult<T> {
        if self.breaker.allow() == Access::Skip {
            return Err(breaker::skipped().into());
        }
        let result = match tokio::time::timeout(self.budget, call).await {
            Ok(result) => result,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("Redis did not answer within {} ms", self.budget.as_millis()),
            )
            .into()),
        };
        self.breaker.record(&result);
        Ok(result?)
    }

    /// How many outages began so far (see `Breaker::outages`).
    pub(super) fn outages(&self) -> u64 {
        self.breaker.outages()
    }

    pub(super) async fn read_log(
        &self,
        keys: &LogKeys,
        epoch: &str,
        since: u64,
    ) -> AppResult<Changes> {
        // Most reads find nothing new: two hash fields tell that for a fraction of the
        // script's cost. A log lost since is found by the next publish, which starts an epoch.
        let (known_epoch, seq): (Option<String>, Option<u64>) = self
            .guarded(
                redis::cmd("HMGET")
                    .arg(&keys.state)
                    .arg("epoch")
                    .arg("seq")
                    .query_async(&mut self.connection.clone()),
            )
            .await?;
        if known_epoch.as_deref() == Some(epoch) && seq == Some(since) {
            return Ok(Changes {
                epoch: epoch.to_owned(),
                seq: since,
                changed: Some(Vec::new()),
            });
        }
        let mut call = log_call(&READ_LOG, keys);
        call.arg(epoch).arg(since).arg(MAX_CHANGES_PER_READ);
        let (epoch, seq, fresh_start, flat): (String, u64, u8, Vec<String>) = self
            .guarded(call.invoke_async(&mut self.connection.clone()))
            .await?;
        let changed = flat
            .chunks_exact(2)
            .map(|pair| (pair[0].clone(), pair[1].parse().unwrap_or(u64::MAX)))
            .collect();
        Ok(Changes {
            epoch,
            seq,
            changed: (fresh_start == 0).then_some(changed),
        })
    }

    pub(super) async fn publish(
        &self,
        keys: &LogKeys,
        tags: &[String],
        ticks: Option<Ticks>,
    ) -> AppResult<()> {
        let (low, high) = ticks.unwrap_or((0, 0));
        let mut call = log_call(&PUBLISH, keys);
        call.arg(low).arg(high).arg(MAX_LOGGED_TAGS).arg(tags);
        let _: u64 = self
            .guarded(call.invoke_async(&mut self.connection.clone()))
            .await?;
        Ok(())
    }

    pub(super) async fn watermark(&self, keys: &LogKeys, db_tick: i64) -> AppResult<i64> {
        let mut call = log_call(&WATERMARK, keys);
        call.arg(db_tick);
        let watermark: i64 = self
            .guarded(call.invoke_async(&mut self.connection.clone()))
            .await?;
        Ok(watermark)
    }

    pub(super) async fn repair(&self, keys: &LogKeys, db_tick: i64) -> AppResult<()> {
        let mut call = log_call(&REPAIR, keys);
        call.arg(db_tick);
        let _: u64 = self
            .guarded(call.invoke_async(&mut self.connection.clone()))
            .await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> AppResult<Option<String>> {
        self.guarded(self.connection.clone().get(key)).await
    }

    pub async fn set(&self, key: &str, value: &str, ttl: Duration) -> AppResult<()> {
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.guarded(
            self.connection
                .clone()
                .pset_ex::<_, _, ()>(key, value, millis),
        )
        .await
    }

    pub async fn delete(&self, key: &str) -> AppResult<()> {
        self.guarded(self.connection.clone().del::<_, ()>(key))
            .await
    }

    pub async fn increment(&self, key: &str, window: Duration) -> AppResult<(u64, Duration)> {
        let millis = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        // NX: only the first increment of a window sets its expiry.
        let (count, left): (u64, i64) = self
            .guarded(async {
                redis::pipe()
                    .atomic()
                    .incr(key, 1u64)
                    .cmd("PEXPIRE")
                    .arg(key)
                    .arg(millis)
                    .arg("NX")
                    .ignore()
                    .pttl(key)
                    .query_async(&mut self.connection.clone())
                    .await
            })
            .await?;
        Ok((count, Duration::from_millis(left.max(0) as u64)))
    }

    pub async fn counter(&self, key: &str) -> AppResult<(u64, Duration)> {
        let (count, left): (Option<u64>, i64) = self
            .guarded(async {
                redis::pipe()
                    .get(key)
                    .pttl(key)
                    .query_async(&mut self.connection.clone())
                    .await
            })
            .await?;
        Ok((
            count.unwrap_or(0),
            Duration::from_millis(left.max(0) as u64),
        ))
    }

    pub async fn ping(&self) -> AppResult<()> {
        let _: String = self
            .guarded(async {
                redis::cmd("PING")
                    .query_async(&mut self.connection.clone())
                    .await
            })
            .await?;
        Ok(())
    }
}
