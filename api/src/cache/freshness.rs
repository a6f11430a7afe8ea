//! Whether a cached response still holds: each replica mirrors the shared change log (`log`)
//! and checks a response's tags against it.
//!
//! A response computed after reading the log at position `n` holds as long as none of its tags
//! changed after `n`. Writers publish their tags after their transaction commits and before
//! they report success, so a change published after `n` may be missing from the response, and
//! one published before it is in it. Every lookup reads the log afresh (the read is shared
//! between concurrent lookups, and always sent after the lookup arrived), so a query that
//! starts after a write returned never accepts a response the write changed, on any replica.
//!
//! When the cache cannot keep that promise (a publish failed, or the freshness watch found a
//! committed write whose tags never arrived), the replica is *degraded*: every lookup misses
//! and nothing is stored until a repair publishes `EVERYTHING`.

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::sync::watch;

use super::{
    Backend, Cache,
    log::{Changes, Ticks},
    tags::EVERYTHING,
};
use crate::error::{AppError, AppResult};

/// A position in the change log: what a response was computed after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub epoch: Arc<str>,
    pub seq: u64,
}

/// The most tags a replica mirrors; past it, it starts afresh from the current position.
const MAX_MIRRORED_TAGS: usize = 200_000;

/// This replica's copy of the log, from `start` to `seen`.
#[derive(Default)]
struct Mirror {
    epoch: Arc<str>,
    /// The cache's outage count when the mirror was last read: a publish that failed during an
    /// outage never reaches the log, so after one the mirror starts afresh.
    outages: u64,
    /// Changes at or before this are unknown: responses computed before it are not trusted.
    start: u64,
    seen: u64,
    changed: HashMap<String, u64>,
}

impl Mirror {
    fn apply(&mut self, changes: Changes, outages: u64) -> Snapshot {
        match changes.changed {
            Some(changed)
                if *self.epoch == changes.epoch
                    && self.outages == outages
                    && self.changed.len() + changed.len() <= MAX_MIRRORED_TAGS =>
            {
                for (tag, seq) in changed {
                    let last = self.changed.entry(tag).or_default();
                    *last = (*last).max(seq);
                }
                self.seen = self.seen.max(changes.seq);
            }
            _ => {
                *self = Self {
                    epoch: changes.epoch.into(),
                    outages,
                    start: changes.seq,
                    seen: changes.seq,
                    changed: HashMap::new(),
                };
            }
        }
        Snapshot {
            epoch: self.epoch.clone(),
            seq: self.seen,
        }
    }

    fn holds<'a>(&self, computed: &Snapshot, mut tags: impl Iterator<Item = &'a str>) -> bool {
        let changed_since =
            |tag: &str| self.changed.get(tag).is_some_and(|seq| *seq > computed.seq);
        computed.epoch == self.epoch
            && computed.seq >= self.start
            && !changed_since(EVERYTHING)
            && !tags.any(changed_since)
    }
}

/// Per replica: the mirror, the shared reads that keep it current, and whether the cache may
/// be trusted at all.
#[derive(Default)]
pub(super) struct Freshness {
    reads: Arc<SharedReads>,
    mirror: Mutex<Mirror>,
    degraded: AtomicBool,
}

impl Freshness {
    fn mirror(&self) -> std::sync::MutexGuard<'_, Mirror> {
        self.mirror.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reads of the log, shared between concurrent callers.
///
/// A caller may only use a read sent after it arrived: a read sent earlier may predate a write
/// that returned before the caller came in. So one read is in flight at a time, and callers
/// arriving meanwhile wait together for the next read, sent as soon as the current one is
/// answered. Under load a replica then sends about one read per round trip, not one per request.
#[derive(Default)]
struct SharedReads {
    /// The read not sent yet, which arriving callers join.
    next: Mutex<Option<ReadOutcome>>,
    /// Held while a read is in flight.
    in_flight: tokio::sync::Mutex<()>,
}

/// `None` until the read is answered; an error as text, since every waiter gets a copy.
type ReadOutcome = watch::Receiver<Option<Result<Snapshot, Arc<str>>>>;

impl SharedReads {
    /// The outcome of a read sent after this call began. `fetch` makes the read when this
    /// caller is the first to join it; otherwise it is not called.
    async fn read<F>(self: &Arc<Self>, fetch: impl FnOnce() -> F) -> Result<Snapshot, Arc<str>>
    where
        F: Future<Output = Result<Snapshot, Arc<str>>> + Send + 'static,
    {
        let mut outcome = self.join(fetch);
        let answered = outcome
            .wait_for(Option::is_some)
            .await
            .map(|answered| answered.clone());
        match answered {
            Ok(Some(read)) => read,
            Ok(None) | Err(_) => Err(Arc::from("the shared read was abandoned")),
        }
    }

    fn join<F>(self: &Arc<Self>, fetch: impl FnOnce() -> F) -> ReadOutcome
    where
        F: Future<Output = Result<Snapshot, Arc<str>>> + Send + 'static,
    {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(outcome) = &*next {
            return outcome.clone();
        }
        let (answer, outcome) = watch::channel(None);
        *next = Some(outcome.clone());
        let read = fetch();
        // A task of its own, so that a caller that goes away does not strand the others.
        let reads = self.clone();
        tokio::spawn(async move {
            let _sending = reads.in_flight.lock().await;
            // Only this read can be waiting here: a new one is opened once this one is taken.
            reads.next.lock().unwrap_or_else(|e| e.into_inner()).take();
            let _ = answer.send(Some(read.await));
        });
        outcome
    }
}

impl Cache {
    /// The log's current position, with this replica's mirror brought up to it. It reflects
    /// every publish that returned before this call. Fails while the cache is degraded.
    pub async fn snapshot(&self) -> AppResult<Snapshot> {
        if self.is_degraded() {
            return Err(AppError::Internal(anyhow::anyhow!(
                "the cache is degraded until a write's lost invalidation is repaired"
            )));
        }
        let reads = self.freshness.reads.clone();
        let read = reads.read(|| {
            let cache = self.clone();
            // Lazy: the position asked for is the mirror's when the read is sent.
            async move {
                let (epoch, since) = {
                    let mirror = cache.freshness.mirror();
                    (mirror.epoch.clone(), mirror.seen)
                };
                let changes = cache
                    .read_log(&epoch, since)
                    .await
                    .map_err(|err| Arc::<str>::from(err.to_string()))?;
                Ok(cache.freshness.mirror().apply(changes, cache.outages()))
            }
        });
        read.await
            .map_err(|message| AppError::Internal(anyhow::anyhow!("{message}")))
    }

    /// Whether a response computed after `computed` and tagged with `tags` still holds, by
    /// this replica's mirror as of its last `snapshot`.
    pub fn holds<'a>(&self, computed: &Snapshot, tags: impl Iterator<Item = &'a str>) -> bool {
        !self.is_degraded() && self.freshness.mirror().holds(computed, tags)
    }

    /// Publishes that `tags` changed, and that the writes of `ticks` of the database's
    /// catalogue clock published theirs. Call it after the writes committed, before reporting
    /// them done. On failure the replica is degraded (other replicas find the lost tags through
    /// the watermark) and the error is returned for the caller to log.
    pub async fn publish_changes(&self, tags: &[String], ticks: Option<Ticks>) -> AppResult<()> {
        let published = match &self.backend {
            Backend::Redis(redis) => redis.publish(&self.log_keys(), tags, ticks).await,
            Backend::Memory(memory) => {
                memory.log().publish(tags.iter().map(String::as_str), ticks);
                Ok(())
            }
        };
        if let Err(err) = &published {
            self.degrade(&format!("a write's invalidation was refused: {err}"));
        }
        published
    }

    /// The highest tick of the catalogue clock up to which every write published its tags
    /// (set to `db_tick` when the log has none yet).
    pub async fn watermark(&self, db_tick: i64) -> AppResult<i64> {
        match &self.backend {
            Backend::Redis(redis) => redis.watermark(&self.log_keys(), db_tick).await,
            Backend::Memory(memory) => Ok(memory.log().watermark(db_tick)),
        }
    }

    /// Drops every cached response on every replica and moves the watermark up to `db_tick`;
    /// ends this replica's degraded state when it succeeds.
    pub async fn repair(&self, db_tick: i64) -> AppResult<()> {
        match &self.backend {
            Backend::Redis(redis) => redis.repair(&self.log_keys(), db_tick).await?,
            Backend::Memory(memory) => memory.log().repair(db_tick),
        }
        if self.freshness.degraded.swap(false, Ordering::SeqCst) {
            tracing::warn!("the cache is trusted again: every response cached before is dropped");
        }
        Ok(())
    }

    /// Stops trusting the cache until `repair` succeeds; logged once per episode.
    pub fn degrade(&self, reason: &str) {
        if !self.freshness.degraded.swap(true, Ordering::SeqCst) {
            tracing::warn!(
                reason,
                "serving without the response cache until it is repaired"
            );
        }
    }

    pub fn is_degraded(&self) -> bool {
        self.freshness.degraded.load(Ordering::SeqCst)
    }

    async fn read_log(&self, epoch: &str, since: u64) -> AppResult<Changes> {
        match &self.backend {
            Backend::Redis(redis) => redis.read_log(&self.log_keys(), epoch, since).await,
            Backend::Memory(memory) => Ok(memory.log().read(epoch, since)),
        }
    }

    fn outages(&self) -> u64 {
        match &self.backend {
            Backend::Redis(redis) => redis.outages(),
            Backend::Memory(_) => 0,
        }
    }

    fn log_keys(&self) -> LogKeys {
        LogKeys {
            state: self.key("catalogue:state"),
            log: self.key("catalogue:log"),
            ticks: self.key("catalogue:ticks"),
        }
    }
}

/// The Redis keys of the change log.
pub(super) struct LogKeys {
    pub state: String,
    pub log: String,
    pub ticks: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&'static str]) -> impl Iterator<Item = &'static str> {
        list.iter().copied()
    }

    #[tokio::test]
    async fn a_response_holds_until_one_of_its_tags_changes() {
        let cache = Cache::memory("t:");
        let computed = cache.snapshot().await.unwrap();
        cache
            .publish_changes(&["p:2".to_owned()], None)
            .await
            .unwrap();
        cache.snapshot().await.unwrap();
        assert!(cache.holds(&computed, tags(&["p:1", "l:all"])));
        assert!(!cache.holds(&computed, tags(&["p:1", "p:2"])));

        cache.repair(0).await.unwrap();
        cache.snapshot().await.unwrap();
        assert!(
            !cache.holds(&computed, tags(&["p:1"])),
            "a repair drops all"
        );
    }

    #[tokio::test]
    async fn a_degraded_cache_holds_nothing_until_repaired() {
        let cache = Cache::memory("t:");
        let computed = cache.snapshot().await.unwrap();
        cache.degrade("test");
        assert!(cache.snapshot().await.is_err());
        assert!(!cache.holds(&computed, tags(&["p:1"])));
        cache.repair(0).await.unwrap();
        let after = cache.snapshot().await.unwrap();
        assert!(cache.holds(&after, tags(&["p:1"])));
    }

    type Read = futures_util::future::BoxFuture<'static, Result<Snapshot, Arc<str>>>;

    fn at(seq: u64) -> Snapshot {
        Snapshot {
            epoch: Arc::from("e"),
            seq,
        }
    }

    /// A read the test answers by sending its value; counts the reads made.
    fn controlled_read(
        sent: &Arc<std::sync::atomic::AtomicUsize>,
    ) -> (
        impl FnOnce() -> Read,
        tokio::sync::oneshot::Sender<Snapshot>,
    ) {
        let (value, answer) = tokio::sync::oneshot::channel::<Snapshot>();
        let sent = sent.clone();
        let fetch = move || {
            sent.fetch_add(1, Ordering::SeqCst);
            let read = async move { answer.await.map_err(|_| Arc::from("dropped")) };
            Box::pin(read) as Read
        };
        (fetch, value)
    }

    async fn answered(mut outcome: ReadOutcome) -> Snapshot {
        let answered = outcome.wait_for(Option::is_some).await.unwrap().clone();
        answered.unwrap().unwrap()
    }

    #[tokio::test]
    async fn callers_arriving_during_a_read_share_the_next_one() {
        let reads = Arc::new(SharedReads::default());
        let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (fetch, first_value) = controlled_read(&sent);
        let first = reads.join(fetch);
        for _ in 0..100 {
            if reads.next.lock().unwrap().is_none() {
                break;
            }
            tokio::task::yield_now().await;
        }

        // The first read is in flight: these two callers arrived after it was sent.
        let (fetch, second_value) = controlled_read(&sent);
        let second = reads.join(fetch);
        let (fetch, _never_sent) = controlled_read(&sent);
        let third = reads.join(fetch);
        first_value.send(at(1)).unwrap();
        second_value.send(at(2)).unwrap();

        assert_eq!(answered(first).await, at(1));
        assert_eq!(answered(second).await, at(2));
        assert_eq!(answered(third).await, at(2));
        assert_eq!(sent.load(Ordering::SeqCst), 2);
    }
}
