use std::{
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use moka::{Expiry, future::Cache as MokaCache, ops::compute::Op};

use super::log::MemoryLog;

/// The in-process backend: a bounded moka cache with a time-to-live per entry.
#[derive(Clone)]
pub struct MemoryCache {
    entries: MokaCache<String, Entry>,
    log: Arc<Mutex<MemoryLog>>,
}

#[derive(Clone)]
struct Entry {
    value: Arc<str>,
    /// `None` keeps the expiry the entry already had (a counter being incremented).
    ttl: Option<Duration>,
    expires_at: Instant,
}

struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _: &String, entry: &Entry, _: Instant) -> Option<Duration> {
        entry.ttl
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Entry,
        _: Instant,
        remaining: Option<Duration>,
    ) -> Option<Duration> {
        entry.ttl.or(remaining)
    }
}

const MAX_ENTRIES: u64 = 100_000;

impl MemoryCache {
    pub fn new() -> Self {
        Self {
            entries: MokaCache::builder()
                .max_capacity(MAX_ENTRIES)
                .expire_after(PerEntryTtl)
                .build(),
            log: Arc::default(),
        }
    }

    /// The change log (see `super::log`).
    pub(super) fn log(&self) -> MutexGuard<'_, MemoryLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub async fn get(&self, key: &str) -> Option<String> {
        self.entries
            .get(key)
            .await
            .filter(|entry| entry.expires_at > Instant::now())
            .map(|entry| entry.value.to_string())
    }

    pub async fn set(&self, key: &str, value: &str, ttl: Duration) {
        let entry = Entry {
            value: value.into(),
            ttl: Some(ttl),
            expires_at: Instant::now() + ttl,
        };
        self.entries.insert(key.to_owned(), entry).await;
    }

    pub async fn delete(&self, key: &str) {
        self.entries.invalidate(key).await;
    }

    pub async fn increment(&self, key: &str, window: Duration) -> (u64, Duration) {
        let now = Instant::now();
        let result = self
            .entries
            .entry(key.to_owned())
            .and_compute_with(|existing| {
                let next = match existing.map(|entry| entry.into_value()) {
                    Some(entry) if entry.expires_at > now => Entry {
                        value: (parse_count(&entry.value) + 1).to_string().into(),
                        ttl: None,
                        expires_at: entry.expires_at,
                    },
                    _ => Entry {
                        value: "1".into(),
                        ttl: Some(window),
                        expires_at: now + window,
                    },
                };
                std::future::ready(Op::Put(next))
            })
            .await;
        let entry = result
            .into_entry()
            .map(|entry| entry.into_value())
            .expect("a Put always leaves an entry");
        (
            parse_count(&entry.value),
            entry.expires_at.saturating_duration_since(now),
        )
    }

    pub async fn counter(&self, key: &str) -> (u64, Duration) {
        let now = Instant::now();
        match self.entries.get(key).await {
            Some(entry) if entry.expires_at > now => (
                parse_count(&entry.value),
                entry.expires_at.saturating_duration_since(now),
            ),
            _ => (0, Duration::ZERO),
        }
    }
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self::new()
    }
}

fn parse_count(value: &str) -> u64 {
    value.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_expire_after_their_ttl() {
        let cache = MemoryCache::new();
        cache.set("k", "v", Duration::from_millis(50)).await;
        assert_eq!(cache.get("k").await.as_deref(), Some("v"));
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(cache.get("k").await, None);
    }

    #[tokio::test]
    async fn counters_keep_their_first_window() {
        let cache = MemoryCache::new();
        let (first, _) = cache.increment("c", Duration::from_secs(60)).await;
        let (second, left) = cache.increment("c", Duration::from_secs(600)).await;
        assert_eq!((first, second), (1, 2));
        assert!(left <= Duration::from_secs(60));
        assert_eq!(cache.counter("c").await.0, 2);
    }
}
