//! The catalogue version: one value, shared by every replica through the cache, that is part of
//! every cached response's key. Changing it after a write makes every older cached response
//! unreachable at once, on every replica, without having to know which responses it affected.
//!
//! The version is a random token rather than a counter: if the key is lost (a Redis restart, an
//! eviction), the next reader picks a fresh token, so old responses never become reachable again.

use super::Cache;
use crate::error::AppResult;

/// Also replaced by the Redis backend when Redis comes back from an outage (writes during the
/// outage could not replace it), before any response cached earlier can be served again.
pub(super) const CATALOGUE_VERSION_KEY: &str = "catalogue:version";

fn fresh_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Cache {
    /// The current catalogue version. Read it before executing a query whose response is cached.
    pub async fn catalogue_version(&self) -> AppResult<String> {
        self.get_or_init(CATALOGUE_VERSION_KEY, &fresh_token())
            .await
    }

    /// The key of the catalogue version, for reading it together with another key.
    pub fn catalogue_version_key() -> &'static str {
        CATALOGUE_VERSION_KEY
    }

    /// Makes every response cached so far unreachable. Call it after a write to the catalogue
    /// has committed, before the write is reported as done.
    pub async fn bump_catalogue_version(&self) -> AppResult<()> {
        self.set_persistent(CATALOGUE_VERSION_KEY, &fresh_token())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_version_is_stable_until_bumped() {
        let cache = Cache::memory("t:");
        let first = cache.catalogue_version().await.unwrap();
        assert_eq!(cache.catalogue_version().await.unwrap(), first);
        cache.bump_catalogue_version().await.unwrap();
        assert_ne!(cache.catalogue_version().await.unwrap(), first);
    }
}
