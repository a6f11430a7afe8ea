//! A circuit breaker in front of Redis: after a failure, Redis is skipped for a few seconds
//! (so a dead Redis never adds its timeouts to every request), then one request probes it.
//! The outage is logged once when it starts and once when it ends.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long Redis is skipped after a failure before one request tries it again.
const OPEN_FOR: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct Breaker {
    state: Mutex<State>,
    /// How many outages began: a reader that missed changes during one starts afresh.
    outages: std::sync::atomic::AtomicU64,
}

/// Whether a call may go to Redis now.
#[derive(Debug, PartialEq, Eq)]
pub enum Access {
    /// Redis is up.
    Go,
    /// Redis was down: this call alone may try it.
    Probe,
    /// Redis is down: skip it.
    Skip,
}

#[derive(Default)]
struct State {
    /// `Some` while Redis is considered down: when the next probe may run.
    retry_at: Option<Instant>,
}

impl Breaker {
    /// Whether a call may go to Redis now. While open, only one caller per window probes.
    pub fn allow(&self) -> Access {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match state.retry_at {
            None => Access::Go,
            Some(retry_at) => {
                let now = Instant::now();
                if now < retry_at {
                    Access::Skip
                } else {
                    state.retry_at = Some(now + OPEN_FOR);
                    Access::Probe
                }
            }
        }
    }

    /// How many outages began so far.
    pub fn outages(&self) -> u64 {
        self.outages.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Records the outcome of a call that went to Redis.
    pub fn record<T>(&self, result: &redis::RedisResult<T>) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match result {
            Err(err) if is_outage(err) => {
                if state.retry_at.is_none() {
                    self.outages
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tracing::warn!(
                        error = %err,
                        "Redis is unreachable: serving without the cache until it is back"
                    );
                }
                state.retry_at = Some(Instant::now() + OPEN_FOR);
            }
            _ => {
                if state.retry_at.take().is_some() {
                    tracing::info!("Redis is reachable again: caching resumes");
                }
            }
        }
    }
}

fn is_outage(err: &redis::RedisError) -> bool {
    err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || err.is_unrecoverable_error()
}

/// The error returned without calling Redis while the breaker is open.
pub fn skipped() -> redis::RedisError {
    (
        redis::ErrorKind::Io,
        "Redis is skipped after a recent failure",
    )
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure() -> redis::RedisResult<()> {
        Err(std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into())
    }

    #[test]
    fn a_failure_opens_the_breaker_and_a_success_closes_it() {
        let breaker = Breaker::default();
        assert_eq!(breaker.allow(), Access::Go);
        breaker.record(&failure());
        assert_eq!(breaker.allow(), Access::Skip);
        breaker.record(&Ok(()));
        assert_eq!(breaker.allow(), Access::Go);
    }

    #[test]
    fn one_caller_probes_after_the_window() {
        let breaker = Breaker::default();
        breaker.record(&failure());
        breaker.state.lock().unwrap().retry_at = Some(Instant::now());
        assert_eq!(breaker.allow(), Access::Probe);
        assert_eq!(breaker.allow(), Access::Skip);
    }
}
