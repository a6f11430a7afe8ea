//! Slowing down password guessing without locking the owner out.
//!
//! Failures are counted per pair (account, client address): after `LOGIN_MAX_FAILURES` of them
//! each next attempt of that pair must wait 1 s, 2 s, 4 s… (at most `LOGIN_MAX_DELAY_SECONDS`)
//! after the previous failure. Failures from one address, whatever the accounts, are counted as
//! well, and past `LOGIN_MAX_FAILURES_PER_ADDRESS` that address waits the same way. An attacker
//! at other addresses never slows the owner at theirs. Nothing throttles an account as a whole:
//! a refusal shared by every address could be kept busy by the attacker (the owner would lose
//! every race for the next slot), and a pause before answering does not slow an attacker who
//! sends in parallel.
//!
//! The counters live in the shared cache, so every replica sees them and they expire by
//! themselves. When the cache cannot answer, logins are not throttled (they stay possible during
//! an outage); the database would hold them durably, but at the price of a write on every
//! failure and a read on every login, for counters that only matter for minutes.
//!
//! A wait is a slot in the cache: the failure that starts it writes a key that lives as long as
//! the wait; an attempt takes the slot by incrementing that key (creating it when it expired),
//! and only the attempt that made it 1 goes ahead, so parallel attempts cannot share one slot.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::{
    cache::Cache,
    config::LoginThrottle,
    error::{AppError, AppResult},
};

/// The throttled keys of one login attempt.
pub struct Attempt<'a> {
    cache: &'a Cache,
    policy: &'a LoginThrottle,
    pair: Counter,
    address: Counter,
}

struct Counter {
    failures: String,
    slot: String,
    free_failures: u32,
}

impl<'a> Attempt<'a> {
    /// Admits an attempt for `email` from `client`, or refuses it with the time to wait.
    pub async fn admit(
        cache: &'a Cache,
        policy: &'a LoginThrottle,
        email: &str,
        client: &str,
    ) -> AppResult<Self> {
        // Hashed: an e-mail is a client-chosen string of any length.
        let account = hex(&Sha256::digest(email.as_bytes())[..16]);
        let attempt = Self {
            cache,
            policy,
            pair: Counter {
                failures: format!("login:failures:{account}:{client}"),
                slot: format!("login:slot:{account}:{client}"),
                free_failures: policy.max_failures,
            },
            address: Counter {
                failures: format!("login:failures:address:{client}"),
                slot: format!("login:slot:address:{client}"),
                free_failures: policy.max_failures_per_address,
            },
        };
        attempt.take_slot(&attempt.address).await?;
        attempt.take_slot(&attempt.pair).await?;
        Ok(attempt)
    }

    /// Records a failure: the pair's and the address's next attempts may have to wait.
    pub async fn failed(&self) {
        for counter in [&self.pair, &self.address] {
            let Ok((failures, _)) = self
                .cache
                .increment(&counter.failures, self.policy.window)
                .await
            else {
                return;
            };
            if let Some(wait) = self.wait_after(counter, failures) {
                let _ = self.cache.set(&counter.slot, "1", wait).await;
            }
        }
    }

    /// Forgets the pair's failures: the owner proved who they are from this address.
    pub async fn succeeded(&self) {
        let _ = self.cache.delete(&self.pair.failures).await;
        let _ = self.cache.delete(&self.pair.slot).await;
    }

    async fn take_slot(&self, counter: &Counter) -> AppResult<()> {
        let Ok((failures, _)) = self.cache.counter(&counter.failures).await else {
            return Ok(());
        };
        // Past the free failures, the wait is reckoned from the last failure, so the slot taken
        // here lasts as long as the wait the last failure set.
        let Some(wait) = self.wait_after(counter, failures) else {
            return Ok(());
        };
        match self.cache.increment(&counter.slot, wait).await {
            Ok((1, _)) | Err(_) => Ok(()),
            Ok((_, left)) => Err(AppError::RateLimited {
                retry_after: whole_seconds(left),
            }),
        }
    }

    /// The wait after `failures` failures: none within the free ones, then 1 s, doubling.
    fn wait_after(&self, counter: &Counter, failures: u64) -> Option<Duration> {
        let past = failures.checked_sub(u64::from(counter.free_failures))?;
        let doubling = u32::try_from(past).unwrap_or(u32::MAX).min(30);
        Some(Duration::from_secs(1 << doubling).min(self.policy.max_delay))
    }
}

/// Rounded up, so that a client waiting `retryAfter` seconds finds the slot free.
fn whole_seconds(left: Duration) -> Duration {
    Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0))
        .max(Duration::from_secs(1))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> LoginThrottle {
        LoginThrottle {
            max_failures: 2,
            max_failures_per_address: 100,
            window: Duration::from_secs(900),
            max_delay: Duration::from_secs(10),
        }
    }

    async fn attempt<'a>(
        cache: &'a Cache,
        policy: &'a LoginThrottle,
        client: &str,
    ) -> AppResult<Attempt<'a>> {
        Attempt::admit(cache, policy, "sari@example.id", client).await
    }

    /// `times` failed attempts from `client`, each admitted.
    async fn fail(cache: &Cache, policy: &LoginThrottle, client: &str, times: usize) {
        for _ in 0..times {
            attempt(cache, policy, client).await.unwrap().failed().await;
        }
    }

    fn retry_after(result: AppResult<Attempt<'_>>) -> u64 {
        match result {
            Err(AppError::RateLimited { retry_after }) => retry_after.as_secs(),
            Err(other) => panic!("expected RATE_LIMITED, got {other}"),
            Ok(_) => panic!("expected RATE_LIMITED, the attempt was admitted"),
        }
    }

    #[test]
    fn waits_double_from_one_second_up_to_the_cap() {
        let cache = Cache::memory("t:");
        let policy = policy();
        let two_free = || Counter {
            failures: String::new(),
            slot: String::new(),
            free_failures: 2,
        };
        let attempt = Attempt {
            cache: &cache,
            policy: &policy,
            pair: two_free(),
            address: two_free(),
        };
        let waits: Vec<Option<u64>> = (0..8)
            .map(|failures| {
                attempt
                    .wait_after(&attempt.pair, failures)
                    .map(|w| w.as_secs())
            })
            .collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(10),
                Some(10)
            ]
        );
    }

    #[tokio::test]
    async fn the_free_failures_pass_then_the_next_attempt_waits() {
        let cache = Cache::memory("t:");
        let policy = policy();
        fail(&cache, &policy, "10.0.0.1", 2).await;
        assert_eq!(retry_after(attempt(&cache, &policy, "10.0.0.1").await), 1);
    }

    #[tokio::test]
    async fn another_address_is_not_slowed_by_the_first_ones_failures() {
        let cache = Cache::memory("t:");
        let policy = policy();
        fail(&cache, &policy, "10.0.0.1", 2).await;
        assert!(attempt(&cache, &policy, "10.0.0.2").await.is_ok());
    }

    #[tokio::test]
    async fn parallel_attempts_cannot_share_one_slot() {
        let cache = Cache::memory("t:");
        let policy = policy();
        fail(&cache, &policy, "10.0.0.1", 2).await;
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        let first = attempt(&cache, &policy, "10.0.0.1").await;
        let second = attempt(&cache, &policy, "10.0.0.1").await;
        assert!(first.is_ok());
        assert!(second.is_err());
    }

    #[tokio::test]
    async fn a_success_forgets_the_pairs_failures() {
        let cache = Cache::memory("t:");
        let policy = policy();
        fail(&cache, &policy, "10.0.0.1", 1).await;
        attempt(&cache, &policy, "10.0.0.1")
            .await
            .unwrap()
            .succeeded()
            .await;
        fail(&cache, &policy, "10.0.0.1", 1).await;
        assert!(attempt(&cache, &policy, "10.0.0.1").await.is_ok());
    }

    #[test]
    fn a_wait_is_reported_in_whole_seconds_rounded_up() {
        assert_eq!(whole_seconds(Duration::from_millis(1_950)).as_secs(), 2);
        assert_eq!(whole_seconds(Duration::from_millis(2_000)).as_secs(), 2);
        assert_eq!(whole_seconds(Duration::ZERO).as_secs(), 1);
    }
}
