use std::{future::Future, sync::Arc, time::Duration};

use redis::{
    AsyncCommands, Client, RedisResult, aio::ConnectionManager, aio::ConnectionManagerConfig,
};

use super::breaker::{self, Access, Breaker};
use crate::error::AppResult;

/// The Redis backend over one multiplexed, self-reconnecting connection, behind a circuit
/// breaker so that an outage costs each request nothing but a skipped cache.
#[derive(Clone)]
pub struct RedisCache {
    connection: ConnectionManager,
    breaker: Arc<Breaker>,
    /// Replaced with a fresh value when Redis comes back from an outage, before any other call:
    /// writes during the outage could not change it (see `Cache::catalogue_version`).
    recovery_key: Option<Arc<str>>,
}

impl RedisCache {
    /// Connects, failing fast when Redis is unreachable.
    pub async fn connect(url: &str) -> redis::RedisResult<Self> {
        let client = Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self {
            connection,
            breaker: Arc::default(),
            recovery_key: None,
        })
    }

    /// Sets the key that is given a fresh random value when Redis comes back.
    pub fn with_recovery_key(mut self, key: String) -> Self {
        self.recovery_key = Some(key.into());
        self
    }

    async fn guarded<T>(&self, call: impl Future<Output = RedisResult<T>>) -> AppResult<T> {
        match self.breaker.allow() {
            Access::Go => {}
            Access::Skip => return Err(breaker::skipped().into()),
            Access::Probe => {
                if let Some(key) = &self.recovery_key {
                    let token = uuid::Uuid::new_v4().simple().to_string();
                    let reset = self.connection.clone().set::<_, _, ()>(&**key, token).await;
                    self.breaker.record(&reset);
                    reset?;
                }
            }
        }
        let result = call.await;
        self.breaker.record(&result);
        Ok(result?)
    }

    /// The value of `key`, first setting it to `initial` (with no expiry) if it is missing.
    pub async fn get_or_init(&self, key: &str, initial: &str) -> AppResult<String> {
        self.guarded(async {
            let (value,): (String,) = redis::pipe()
                .atomic()
                .cmd("SET")
                .arg(key)
                .arg(initial)
                .arg("NX")
                .ignore()
                .get(key)
                .query_async(&mut self.connection.clone())
                .await?;
            Ok(value)
        })
        .await
    }

    /// Sets `key` with no expiry.
    pub async fn set_persistent(&self, key: &str, value: &str) -> AppResult<()> {
        self.guarded(self.connection.clone().set::<_, _, ()>(key, value))
            .await
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
