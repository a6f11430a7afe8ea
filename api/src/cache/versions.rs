//! The catalogue version: one value, shared by every replica through the cache, that is part of
//! every cached response's key. Changing it after a write makes every older cached response
//! unreachable at once, on every replica, without having to know which responses it affected.
//!
//! The version is a random token rather than a counter: if the key is lost (a Redis restart, an
//! eviction), the next reader picks a fresh token, so old responses never become reachable again.

use std::{
    future::Future,
    sync::{Arc, Mutex},
};

use tokio::sync::watch;

use super::{Backend, Cache};
use crate::error::{AppError, AppResult};

/// Also replaced by the Redis backend when Redis comes back from an outage (writes during the
/// outage could not replace it), before any response cached earlier can be served again.
pub(super) const CATALOGUE_VERSION_KEY: &str = "catalogue:version";

fn fresh_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Reads of one value, shared between concurrent callers (the catalogue version from Redis).
///
/// A caller may only use a read sent after it arrived: a read sent earlier may predate a write
/// that returned before the caller came in. So one read is in flight at a time, and callers
/// arriving meanwhile wait together for the next read, sent as soon as the current one is
/// answered. Under load a replica then sends about one read per round trip, not one per request.
#[derive(Default)]
pub(super) struct SharedReads {
    /// The read not sent yet, which arriving callers join.
    next: Mutex<Option<ReadOutcome>>,
    /// Held while a read is in flight.
    in_flight: tokio::sync::Mutex<()>,
}

/// `None` until the read is answered; an error as text, since every waiter gets a copy.
type ReadOutcome = watch::Receiver<Option<Result<String, Arc<str>>>>;

impl SharedReads {
    /// The value as read after this call began. `fetch` makes the read when this caller is the
    /// first to join it; otherwise it is not called.
    pub async fn read<F>(self: &Arc<Self>, fetch: impl FnOnce() -> F) -> Result<String, Arc<str>>
    where
        F: Future<Output = Result<String, Arc<str>>> + Send + 'static,
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
        F: Future<Output = Result<String, Arc<str>>> + Send + 'static,
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
    /// The current catalogue version. Read it before executing a query whose response is
    /// cached; it reflects every write that returned before this call.
    pub async fn catalogue_version(&self) -> AppResult<String> {
        if matches!(self.backend, Backend::Memory(_)) {
            return self.read_catalogue_version().await;
        }
        self.version_reads
            .read(|| {
                let cache = self.clone();
                async move {
                    cache
                        .read_catalogue_version()
                        .await
                        .map_err(|err| Arc::from(err.to_string()))
                }
            })
            .await
            .map_err(|message| AppError::Internal(anyhow::anyhow!("{message}")))
    }

    async fn read_catalogue_version(&self) -> AppResult<String> {
        match self.get(CATALOGUE_VERSION_KEY).await? {
            Some(version) => Ok(version),
            None => {
                self.get_or_init(CATALOGUE_VERSION_KEY, &fresh_token())
                    .await
            }
        }
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

    type Read = futures_util::future::BoxFuture<'static, Result<String, Arc<str>>>;

    /// A read the test answers by sending its value; counts the reads made.
    fn controlled_read(
        sent: &Arc<std::sync::atomic::AtomicUsize>,
    ) -> (impl FnOnce() -> Read, tokio::sync::oneshot::Sender<String>) {
        let (value, answer) = tokio::sync::oneshot::channel::<String>();
        let sent = sent.clone();
        let fetch = move || {
            sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let read = async move { answer.await.map_err(|_| Arc::from("dropped")) };
            Box::pin(read) as Read
        };
        (fetch, value)
    }

    async fn answered(mut outcome: ReadOutcome) -> String {
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
        first_value.send("before the write".into()).unwrap();
        second_value.send("after the write".into()).unwrap();

        assert_eq!(answered(first).await, "before the write");
        assert_eq!(answered(second).await, "after the write");
        assert_eq!(answered(third).await, "after the write");
        assert_eq!(sent.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
