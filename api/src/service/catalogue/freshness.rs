//! The freshness watch: finds committed writes whose cache invalidation never arrived, and
//! stops the cache from serving what they changed.
//!
//! Every write to the public catalogue takes a tick of the database's catalogue clock and
//! publishes it with its tags; the cache keeps a watermark below which every tick was
//! published. Each replica compares the clock with the watermark every
//! `CACHE_FRESHNESS_CHECK_MS`: a tick that was already committed at the previous check and is
//! still above the watermark belongs to a write whose tags were lost (Redis refused them,
//! timed out, or the writer died between commit and publish). The replica then degrades its
//! cache (lookups miss, nothing is stored) and repairs: it publishes a change to everything
//! and moves the watermark up to the clock. Until a repair succeeds every replica that found
//! the gap keeps serving from the database. So a response a lost write changed is served by
//! another replica for at most two checks after the write returned.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

use super::changes::current_tick;
use crate::cache::Cache;

/// What the watch remembers between checks.
#[derive(Debug, Default)]
pub struct Watch {
    /// The clock's tick at the previous check, when it was above the watermark or the cache
    /// could not tell.
    behind_at: Option<i64>,
}

/// Checks every `every` until `stop` is cancelled.
pub async fn watch(db: DatabaseConnection, cache: Cache, every: Duration, stop: CancellationToken) {
    let mut watch = Watch::default();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        watch.check(&db, &cache).await;
    }
}

impl Watch {
    /// One check: repairs a degraded cache, or a cache whose watermark stayed below a tick
    /// committed before the previous check.
    pub async fn check(&mut self, db: &DatabaseConnection, cache: &Cache) {
        let Ok(tick) = current_tick(db).await else {
            // Without the database nothing is served or written: nothing to keep fresh.
            return;
        };
        if cache.is_degraded() {
            self.repair(cache, tick).await;
            return;
        }
        let Ok(watermark) = cache.watermark(tick).await else {
            // Lookups fail the same way and miss meanwhile. Writes committed so far may have
            // lost their tags: the first check that reaches the cache again finds out.
            self.behind_at = Some(tick);
            return;
        };
        match self.behind_at {
            Some(behind_at) if behind_at > watermark => {
                cache.degrade("a committed write's invalidation never reached the cache");
                self.repair(cache, tick).await;
            }
            _ => self.behind_at = (tick > watermark).then_some(tick),
        }
    }

    async fn repair(&mut self, cache: &Cache, tick: i64) {
        match cache.repair(tick).await {
            Ok(()) => self.behind_at = None,
            Err(err) => tracing::debug!(error = %err, "the cache could not be repaired yet"),
        }
    }
}
