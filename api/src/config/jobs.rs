//! The background jobs: the outbox worker that pushes listings, and the CSV import runner.

use std::time::Duration;

use secrecy::SecretString;

use super::{
    ConfigError,
    env::{Env, positive_seconds},
};

/// The outbox worker that pushes listings to partner channels.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// `WORKER_ENABLED`: run the worker inside the server (`dermaga worker` runs it alone).
    pub enabled: bool,
    /// `WORKER_POLL_INTERVAL_MS`: how long an idle worker waits before looking for due jobs.
    pub poll_interval: Duration,
    /// `WORKER_BATCH_SIZE`: deliveries one worker runs at once, at most.
    pub batch_size: usize,
    /// `WORKER_MAX_ATTEMPTS`: attempts before a listing is FAILED.
    pub max_attempts: i32,
    /// `WORKER_BACKOFF_BASE_MS`: the first retry's delay; each retry doubles it (with jitter).
    pub backoff_base: Duration,
    /// `WORKER_BACKOFF_MAX_SECONDS`: the longest delay between attempts.
    pub backoff_max: Duration,
    /// `WORKER_CHANNEL_CONCURRENCY`: deliveries in flight per channel and worker.
    pub channel_concurrency: usize,
    /// `WORKER_DELIVERY_TIMEOUT_SECONDS`: how long a partner may take to answer.
    pub delivery_timeout: Duration,
    /// `WORKER_LEASE_SECONDS`: how long a claimed job stays claimed; after that a crashed
    /// worker's job is claimed again.
    pub lease: Duration,
    /// `WORKER_MAX_RESPONSE_BYTES`: the most of a partner's answer that is read.
    pub max_response_bytes: usize,
    /// `RECONCILE_INTERVAL_SECONDS`: how often listings behind their product are queued again.
    pub reconcile_interval: Duration,
    /// `ALLOW_PRIVATE_WEBHOOKS` again: otherwise a webhook host that resolves to a private or
    /// loopback address is not connected to (DNS can change after registration).
    pub allow_private_addresses: bool,
    /// `ORDERS_POLL_INTERVAL_SECONDS`: how often a channel with an `ordersUrl` is polled for
    /// each aggregator that enabled it, when its last poll went well.
    pub orders_poll_interval: Duration,
    /// `CDN_PURGE_URL` and `CDN_PURGE_SECRET`: where the tags each write changed are sent,
    /// signed, for a CDN to purge; unset, nothing is queued.
    pub cdn_purge: Option<CdnPurge>,
}

/// The CDN's purge endpoint (an operator's own: private addresses are allowed).
#[derive(Clone, Debug)]
pub struct CdnPurge {
    pub url: String,
    /// Signs each purge as webhooks are signed (`X-Dermaga-Signature`).
    pub secret: SecretString,
}

/// The shortest purge secret accepted.
const MIN_PURGE_SECRET: usize = 32;

fn cdn_purge(env: &Env) -> Result<Option<CdnPurge>, ConfigError> {
    let Some(url) = env.get("CDN_PURGE_URL") else {
        return Ok(None);
    };
    match url::Url::parse(&url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
        _ => {
            return Err(ConfigError(
                "CDN_PURGE_URL must be an http:// or https:// URL".into(),
            ));
        }
    }
    let secret = env.get("CDN_PURGE_SECRET").unwrap_or_default();
    if secret.len() < MIN_PURGE_SECRET {
        return Err(ConfigError(format!(
            "CDN_PURGE_SECRET must be at least {MIN_PURGE_SECRET} characters when CDN_PURGE_URL is set"
        )));
    }
    Ok(Some(CdnPurge {
        url,
        secret: secret.into(),
    }))
}

impl WorkerSettings {
    pub(super) fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let settings = Self {
            enabled: env.parse("WORKER_ENABLED", true)?,
            poll_interval: Duration::from_millis(env.parse("WORKER_POLL_INTERVAL_MS", 1_000)?),
            batch_size: env.parse("WORKER_BATCH_SIZE", 32)?,
            max_attempts: env.parse("WORKER_MAX_ATTEMPTS", 8)?,
            backoff_base: Duration::from_millis(env.parse("WORKER_BACKOFF_BASE_MS", 2_000)?),
            backoff_max: positive_seconds(env, "WORKER_BACKOFF_MAX_SECONDS", 3_600.0)?,
            channel_concurrency: env.parse("WORKER_CHANNEL_CONCURRENCY", 4)?,
            delivery_timeout: positive_seconds(env, "WORKER_DELIVERY_TIMEOUT_SECONDS", 10.0)?,
            lease: positive_seconds(env, "WORKER_LEASE_SECONDS", 60.0)?,
            max_response_bytes: env.parse("WORKER_MAX_RESPONSE_BYTES", 64 * 1024)?,
            reconcile_interval: positive_seconds(env, "RECONCILE_INTERVAL_SECONDS", 300.0)?,
            allow_private_addresses: false,
            orders_poll_interval: positive_seconds(env, "ORDERS_POLL_INTERVAL_SECONDS", 60.0)?,
            cdn_purge: cdn_purge(env)?,
        };
        if settings.batch_size == 0 || settings.channel_concurrency == 0 {
            return Err(ConfigError(
                "WORKER_BATCH_SIZE and WORKER_CHANNEL_CONCURRENCY must be at least 1".into(),
            ));
        }
        if settings.max_attempts < 1 {
            return Err(ConfigError("WORKER_MAX_ATTEMPTS must be at least 1".into()));
        }
        if settings.lease <= settings.delivery_timeout {
            return Err(ConfigError(
                "WORKER_LEASE_SECONDS must be longer than WORKER_DELIVERY_TIMEOUT_SECONDS".into(),
            ));
        }
        Ok(settings)
    }
}

/// The runner of CSV import jobs.
#[derive(Clone, Debug)]
pub struct ImportSettings {
    /// `IMPORT_WORKER_ENABLED`: run import jobs inside the server (`dermaga worker` always
    /// runs them).
    pub enabled: bool,
    /// `IMPORT_POLL_INTERVAL_MS`: how often an idle runner looks for jobs queued on another
    /// replica or left behind by a dead runner; also the delay before a failed job's retry.
    pub poll_interval: Duration,
    /// `IMPORT_LEASE_SECONDS`: how long a claimed job stays claimed without a committed batch;
    /// after that a dead runner's job is claimed again and resumed.
    pub lease: Duration,
    /// `IMPORT_MAX_ATTEMPTS`: claims of a job without progress before it is FAILED.
    pub max_attempts: i32,
}

impl ImportSettings {
    pub(super) fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let settings = Self {
            enabled: env.parse("IMPORT_WORKER_ENABLED", true)?,
            poll_interval: Duration::from_millis(env.parse("IMPORT_POLL_INTERVAL_MS", 1_000)?),
            lease: positive_seconds(env, "IMPORT_LEASE_SECONDS", 60.0)?,
            max_attempts: env.parse("IMPORT_MAX_ATTEMPTS", 3)?,
        };
        if settings.max_attempts < 1 {
            return Err(ConfigError("IMPORT_MAX_ATTEMPTS must be at least 1".into()));
        }
        if settings.poll_interval.is_zero() {
            return Err(ConfigError(
                "IMPORT_POLL_INTERVAL_MS must be at least 1".into(),
            ));
        }
        Ok(settings)
    }
}
