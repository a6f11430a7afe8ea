//! The shared cache: Redis in production, an in-process cache in the embedded mode.
//!
//! An enum rather than a trait object: there are exactly two backends, and async methods
//! on an enum need no boxing.

mod breaker;
mod freshness;
mod log;
mod memory;
mod redis_backend;
pub mod tags;

use std::{sync::Arc, time::Duration};

pub use freshness::Snapshot;
pub use log::Ticks;
pub use memory::MemoryCache;
pub use redis_backend::RedisCache;

use crate::error::AppResult;

#[derive(Clone)]
pub struct Cache {
    backend: Backend,
    prefix: String,
    freshness: Arc<freshness::Freshness>,
    /// Writes also queue their changed tags for the CDN (`CDN_PURGE_URL` is set).
    purges_cdn: bool,
}

#[derive(Clone)]
enum Backend {
    Redis(RedisCache),
    Memory(MemoryCache),
}

impl Cache {
    pub fn memory(prefix: impl Into<String>) -> Self {
        Self {
            backend: Backend::Memory(MemoryCache::new()),
            prefix: prefix.into(),
            freshness: Arc::default(),
            purges_cdn: false,
        }
    }

    pub fn redis(redis: RedisCache, prefix: impl Into<String>) -> Self {
        Self {
            backend: Backend::Redis(redis),
            prefix: prefix.into(),
            freshness: Arc::default(),
            purges_cdn: false,
        }
    }

    /// Makes writes queue the tags they change for the CDN's purge endpoint as well.
    pub fn with_cdn_purges(mut self, on: bool) -> Self {
        self.purges_cdn = on;
        self
    }

    pub fn purges_cdn(&self) -> bool {
        self.purges_cdn
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Redis(_) => "redis",
            Backend::Memory(_) => "memory",
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub async fn get(&self, key: &str) -> AppResult<Option<String>> {
        let key = self.key(key);
        match &self.backend {
            Backend::Redis(redis) => redis.get(&key).await,
            Backend::Memory(memory) => Ok(memory.get(&key).await),
        }
    }

    pub async fn set(&self, key: &str, value: &str, ttl: Duration) -> AppResult<()> {
        let key = self.key(key);
        match &self.backend {
            Backend::Redis(redis) => redis.set(&key, value, ttl).await,
            Backend::Memory(memory) => {
                memory.set(&key, value, ttl).await;
                Ok(())
            }
        }
    }

    pub async fn delete(&self, key: &str) -> AppResult<()> {
        let key = self.key(key);
        match &self.backend {
            Backend::Redis(redis) => redis.delete(&key).await,
            Backend::Memory(memory) => {
                memory.delete(&key).await;
                Ok(())
            }
        }
    }

    /// Adds one to a counter that expires `window` after its first increment; returns the
    /// new count and the time left in the window.
    pub async fn increment(&self, key: &str, window: Duration) -> AppResult<(u64, Duration)> {
        let key = self.key(key);
        match &self.backend {
            Backend::Redis(redis) => redis.increment(&key, window).await,
            Backend::Memory(memory) => Ok(memory.increment(&key, window).await),
        }
    }

    /// The current count of a counter and the time left in its window.
    pub async fn counter(&self, key: &str) -> AppResult<(u64, Duration)> {
        let key = self.key(key);
        match &self.backend {
            Backend::Redis(redis) => redis.counter(&key).await,
            Backend::Memory(memory) => Ok(memory.counter(&key).await),
        }
    }

    pub async fn ping(&self) -> AppResult<()> {
        match &self.backend {
            Backend::Redis(redis) => redis.ping().await,
            Backend::Memory(_) => Ok(()),
        }
    }
}
