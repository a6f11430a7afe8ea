//! One typed `Settings`, loaded once from the environment (12-factor).
//!
//! Every variable is listed in the README and used with the same name in docker-compose.yml.
//! Secrets are wrapped in [`SecretString`] so that they never end up in a log line or an error.

use std::{collections::HashMap, fmt, num::NonZeroU64, time::Duration};

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

mod http;
pub use http::HttpSettings;

/// Where the process runs; production refuses insecure fallbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

#[derive(Clone, Debug)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub app_env: AppEnv,
    /// Set by `dermaga --demo`: loads the demo data set and allows development fallbacks.
    pub demo: bool,
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub redis_url: Option<SecretString>,
    /// Prepended to every cache key, so several deployments (or tests) can share one Redis.
    pub cache_key_prefix: String,
    pub jwt: JwtSettings,
    pub bootstrap_admin: Option<BootstrapAdmin>,
    pub login_throttle: LoginThrottle,
    pub sessions: SessionSettings,
    pub subscriptions: SubscriptionSettings,
    pub graphql: GraphqlSettings,
    pub http_workers: usize,
    /// `TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` is believed (empty: none,
    /// the client is the socket's peer).
    pub trusted_proxies: Vec<IpNet>,
    pub response_cache: ResponseCacheSettings,
    pub worker: WorkerSettings,
    pub imports: ImportSettings,
    /// `ALLOW_PRIVATE_WEBHOOKS`: accept channel webhooks on loopback and private addresses
    /// (on by default in development, off in production).
    pub allow_private_webhooks: bool,
    /// `FEED_PRODUCT_BASE_URL`: where a pull feed's `link` points; the product id is appended.
    pub feed_product_base_url: String,
    pub http: HttpSettings,
    /// `SHUTDOWN_GRACE_SECONDS`: how long a stop lets in-flight work finish.
    pub shutdown_grace: Duration,
}

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
}

impl WorkerSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
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
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
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

/// The cache of whole responses to anonymous queries.
#[derive(Clone, Debug)]
pub struct ResponseCacheSettings {
    /// `RESPONSE_CACHE=false` turns it off (benchmarks, debugging).
    pub enabled: bool,
    /// `CACHE_TTL_SECONDS`: how long a cached response lives at most.
    pub ttl: Duration,
    /// `RESPONSE_CACHE_MEMORY_MB`: how much of the cached responses each replica keeps in its
    /// own memory (the shared cache holds them all).
    pub memory_bytes: u64,
}

#[derive(Clone, Debug)]
pub struct JwtSettings {
    /// Key id (`kid`) and secret that sign new access tokens.
    pub signing_key: JwtKey,
    /// Older keys still accepted for verification during a rotation.
    pub previous_keys: Vec<JwtKey>,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
}

#[derive(Clone, Debug)]
pub struct JwtKey {
    pub kid: String,
    pub secret: SecretString,
}

#[derive(Clone, Debug)]
pub struct BootstrapAdmin {
    pub email: String,
    pub password: SecretString,
}

/// Failed logins slow down the pair (account, client address) that failed, never the account
/// as a whole (`crate::service::login_throttle`).
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    /// `LOGIN_MAX_FAILURES`: failures of one account from one address before each next attempt
    /// of that pair waits 1 s, 2 s, 4 s… up to `max_delay`.
    pub max_failures: u32,
    /// `LOGIN_MAX_FAILURES_PER_ADDRESS`: failures from one address, whatever the accounts,
    /// before that address is slowed down the same way.
    pub max_failures_per_address: u32,
    /// `LOGIN_THROTTLE_WINDOW_SECONDS`: how long a failure is remembered.
    pub window: Duration,
    /// `LOGIN_MAX_DELAY_SECONDS`: the longest wait between two attempts.
    pub max_delay: Duration,
}

/// How long the answers of the session check (`crate::service::sessions`) are remembered.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// `SESSION_CHECK_SECONDS`: a live session is cached this long, and a subscription socket
    /// re-checks its session this often. It bounds how long another replica may still accept
    /// a revoked token when the revocation could not be written to the cache.
    pub check_interval: Duration,
    /// How long a revoked session is remembered in the cache: until its access tokens expire.
    pub revoked_for: Duration,
}

/// Caps on subscriptions, counted per replica.
#[derive(Clone, Copy, Debug)]
pub struct SubscriptionSettings {
    /// `SUBSCRIPTIONS_PER_SOCKET`
    pub per_socket: usize,
    /// `SUBSCRIPTIONS_PER_USER`: across the user's sockets on one replica.
    pub per_user: usize,
    /// `SUBSCRIPTION_SOCKETS_PER_USER`: authenticated sockets of one user on one replica.
    pub sockets_per_user: usize,
}

#[derive(Clone, Debug)]
pub struct GraphqlSettings {
    pub introspection: bool,
    /// What one document may ask for, checked before it is validated or run.
    pub limits: QueryLimits,
    /// Operations allowed in one batched POST (a JSON array).
    pub max_batch_size: usize,
    /// Requests allowed per caller (user, or client address when anonymous) and minute;
    /// 0 turns rate limiting off.
    pub rate_limit_per_minute: u64,
    /// How long one request may run before it is answered with `TIMEOUT`.
    pub request_timeout: Duration,
    /// How many of the newest products a RELEVANCE search page walks before it asks the
    /// search indexes (`crate::service::public_catalogue::ranked_rows`).
    pub search_window: u64,
}

/// The limits on one GraphQL document (`crate::graphql::limits`). All are checked before
/// async-graphql validates the document, which expands every fragment spread: the text's size
/// and tokens before it is parsed, the rest on the parsed document with each fragment measured
/// once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryLimits {
    /// `GRAPHQL_MAX_QUERY_BYTES`: the query text's length.
    pub max_query_bytes: usize,
    /// `GRAPHQL_MAX_TOKENS`: names, punctuators, numbers and strings (graphql-js's `maxTokens`).
    pub max_tokens: usize,
    /// `GRAPHQL_MAX_ALIASES`: aliases written in the document.
    pub max_aliases: usize,
    /// `GRAPHQL_MAX_FRAGMENT_SPREADS`: `...Name` written in the document.
    pub max_fragment_spreads: usize,
    /// `GRAPHQL_MAX_ROOT_FIELDS`: fields at the top of an operation, fragments expanded.
    pub max_root_fields: usize,
    /// `GRAPHQL_MAX_FIELDS`: fields of all operations with every fragment expanded.
    pub max_fields: usize,
    /// `GRAPHQL_MAX_DEPTH`: fields nested in fields; introspection (`__schema`, `__type`) reads
    /// the schema in memory and counts as one level.
    pub max_depth: usize,
    /// `GRAPHQL_MAX_COMPLEXITY`: the operation's cost (`crate::graphql::cost`).
    pub max_complexity: usize,
}

impl QueryLimits {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let limits = Self {
            max_query_bytes: env.parse("GRAPHQL_MAX_QUERY_BYTES", 32 * 1024)?,
            max_tokens: env.parse("GRAPHQL_MAX_TOKENS", 2_000)?,
            max_aliases: env.parse("GRAPHQL_MAX_ALIASES", 30)?,
            max_fragment_spreads: env.parse("GRAPHQL_MAX_FRAGMENT_SPREADS", 100)?,
            max_root_fields: env.parse("GRAPHQL_MAX_ROOT_FIELDS", 20)?,
            max_fields: env.parse("GRAPHQL_MAX_FIELDS", 1_000)?,
            max_depth: env.parse("GRAPHQL_MAX_DEPTH", 12)?,
            max_complexity: env.parse("GRAPHQL_MAX_COMPLEXITY", 5_000)?,
        };
        for (name, value) in [
            ("GRAPHQL_MAX_QUERY_BYTES", limits.max_query_bytes),
            ("GRAPHQL_MAX_TOKENS", limits.max_tokens),
            ("GRAPHQL_MAX_ROOT_FIELDS", limits.max_root_fields),
            ("GRAPHQL_MAX_FIELDS", limits.max_fields),
            ("GRAPHQL_MAX_DEPTH", limits.max_depth),
            ("GRAPHQL_MAX_COMPLEXITY", limits.max_complexity),
        ] {
            if value == 0 {
                return Err(ConfigError(format!(
                    "{name} must be at least 1: no query fits in 0"
                )));
            }
        }
        Ok(limits)
    }
}

/// `CATALOGUE_SEARCH_WINDOW` when unset; zero is refused, since a window must hold a product.
const DEFAULT_SEARCH_WINDOW: NonZeroU64 = NonZeroU64::new(1_000).unwrap();

/// The minimum length of an HMAC secret: 256 bits, as RFC 7518 asks for HS256.
const MIN_SECRET_LEN: usize = 32;
pub const DEFAULT_DATABASE_URL: &str = "sqlite://dermaga.db?mode=rwc";

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect(), false)
    }

    /// Reads settings from the given variables; `demo` is the `--demo` command-line flag.
    pub fn from_vars(vars: HashMap<String, String>, demo: bool) -> Result<Self, ConfigError> {
        let env = Env(vars);
        let app_env = match env.get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError(format!(
                    "APP_ENV must be 'development' or 'production', got '{other}'"
                )));
            }
        };
        if demo && app_env == AppEnv::Production {
            return Err(ConfigError(
                "--demo is refused when APP_ENV=production: it creates logins with a published \
                 password and accepts webhooks on private addresses"
                    .into(),
            ));
        }
        let database_url = env
            .get("DATABASE_URL")
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        validate_database_url(&database_url)?;
        let redis_url = env.get("REDIS_URL");
        if let Some(url) = &redis_url {
            validate_redis_url(url)?;
        }
        let jwt = JwtSettings::from_env(&env, app_env, demo)?;
        let access_token_ttl = jwt.access_token_ttl;
        let bootstrap_admin = match (
            env.get("BOOTSTRAP_ADMIN_EMAIL"),
            env.get("BOOTSTRAP_ADMIN_PASSWORD"),
        ) {
            (Some(email), Some(password)) => Some(BootstrapAdmin {
                email,
                password: password.into(),
            }),
            (None, None) => None,
            _ => {
                return Err(ConfigError(
                    "BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD must be set together"
                        .into(),
                ));
            }
        };
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let allow_private_webhooks = env.parse(
            "ALLOW_PRIVATE_WEBHOOKS",
            app_env == AppEnv::Development || demo,
        )?;
        let mut worker = WorkerSettings::from_env(&env)?;
        worker.allow_private_addresses = allow_private_webhooks;
        Ok(Self {
            host: env.get("HOST").unwrap_or_else(|| "127.0.0.1".to_owned()),
            port: env.parse("PORT", 8080)?,
            app_env,
            demo,
            database_url: database_url.into(),
            database_max_connections: env.parse("DATABASE_MAX_CONNECTIONS", 10)?,
            redis_url: redis_url.map(Into::into),
            cache_key_prefix: env
                .get("CACHE_KEY_PREFIX")
                .unwrap_or_else(|| "dermaga:".to_owned()),
            jwt,
            bootstrap_admin,
            login_throttle: LoginThrottle {
                max_failures: env.parse("LOGIN_MAX_FAILURES", 5)?,
                max_failures_per_address: env.parse("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)?,
                window: positive_seconds(&env, "LOGIN_THROTTLE_WINDOW_SECONDS", 900.0)?,
                max_delay: positive_seconds(&env, "LOGIN_MAX_DELAY_SECONDS", 60.0)?,
            },
            sessions: SessionSettings {
                check_interval: positive_seconds(&env, "SESSION_CHECK_SECONDS", 5.0)?,
                // The verifier's 30 s leeway, and a margin.
                revoked_for: access_token_ttl + Duration::from_secs(60),
            },
            subscriptions: SubscriptionSettings::from_env(&env)?,
            graphql: GraphqlSettings {
                introspection: introspection(&env, app_env)?,
                limits: QueryLimits::from_env(&env)?,
                max_batch_size: env.parse("GRAPHQL_MAX_BATCH_SIZE", 10)?,
                rate_limit_per_minute: env.parse("RATE_LIMIT_PER_MINUTE", 600)?,
                request_timeout: positive_seconds(&env, "REQUEST_TIMEOUT_SECONDS", 30.0)?,
                search_window: env
                    .parse("CATALOGUE_SEARCH_WINDOW", DEFAULT_SEARCH_WINDOW)?
                    .get(),
            },
            http_workers: env.parse("HTTP_WORKERS", default_workers)?,
            trusted_proxies: trusted_proxies(&env)?,
            response_cache: ResponseCacheSettings {
                enabled: env.parse("RESPONSE_CACHE", true)?,
                ttl: Duration::from_secs(env.parse::<u64>("CACHE_TTL_SECONDS", 60)?.max(1)),
                memory_bytes: env
                    .parse::<u64>("RESPONSE_CACHE_MEMORY_MB", 64)?
                    .saturating_mul(1024 * 1024),
            },
            worker,
            imports: ImportSettings::from_env(&env)?,
            allow_private_webhooks,
            feed_product_base_url: env
                .get("FEED_PRODUCT_BASE_URL")
                .unwrap_or_else(|| "https://dermaga.id/produk/".to_owned()),
            http: HttpSettings::from_env(&env, app_env)?,
            shutdown_grace: http::shutdown_grace(&env)?,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose_secret().starts_with("sqlite:")
    }

    /// The database URL with any password replaced, fit for logs and error messages.
    pub fn database_url_redacted(&self) -> String {
        redact_url(self.database_url.expose_secret())
    }
}

impl JwtSettings {
    fn from_env(env: &Env, app_env: AppEnv, demo: bool) -> Result<Self, ConfigError> {
        let kid = env
            .get("JWT_KEY_ID")
            .unwrap_or_else(|| "primary".to_owned());
        let secret = match env.get("JWT_SECRET") {
            Some(secret) => secret,
            None if app_env == AppEnv::Development || demo => {
                tracing::warn!(
                    "JWT_SECRET is not set: using a random secret, tokens end with this process"
                );
                random_secret()
            }
            None => {
                return Err(ConfigError(
                    "JWT_SECRET is required when APP_ENV=production (at least 32 characters)"
                        .into(),
                ));
            }
        };
        if secret.len() < MIN_SECRET_LEN {
            return Err(ConfigError(format!(
                "JWT_SECRET must be at least {MIN_SECRET_LEN} characters"
            )));
        }
        let previous_keys = parse_previous_keys(env.get("JWT_PREVIOUS_KEYS").as_deref())?;
        if previous_keys.iter().any(|key| key.kid == kid) {
            return Err(ConfigError(format!(
                "JWT_PREVIOUS_KEYS repeats the current JWT_KEY_ID '{kid}'"
            )));
        }
        Ok(Self {
            signing_key: JwtKey {
                kid,
                secret: secret.into(),
            },
            previous_keys,
            issuer: env
                .get("JWT_ISSUER")
                .unwrap_or_else(|| "dermaga".to_owned()),
            audience: env
                .get("JWT_AUDIENCE")
                .unwrap_or_else(|| "dermaga-api".to_owned()),
            access_token_ttl: Duration::from_secs(env.parse("ACCESS_TOKEN_TTL_SECONDS", 900)?),
            refresh_token_ttl: Duration::from_secs(
                env.parse("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)?,
            ),
        })
    }
}

/// `GRAPHQL_INTROSPECTION`: on in development unless set.
fn introspection(env: &Env, app_env: AppEnv) -> Result<bool, ConfigError> {
    env.parse("GRAPHQL_INTROSPECTION", app_env == AppEnv::Development)
}

impl SubscriptionSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let settings = Self {
            per_socket: env.parse("SUBSCRIPTIONS_PER_SOCKET", 50)?,
            per_user: env.parse("SUBSCRIPTIONS_PER_USER", 100)?,
            sockets_per_user: env.parse("SUBSCRIPTION_SOCKETS_PER_USER", 10)?,
        };
        if settings.per_socket == 0 || settings.per_user == 0 || settings.sockets_per_user == 0 {
            return Err(ConfigError(
                "SUBSCRIPTIONS_PER_SOCKET, SUBSCRIPTIONS_PER_USER and SUBSCRIPTION_SOCKETS_PER_USER \
                 must be at least 1"
                    .into(),
            ));
        }
        Ok(settings)
    }
}

/// `TRUSTED_PROXIES=10.0.0.0/8,192.168.1.7`: CIDRs or single addresses, comma-separated.
fn trusted_proxies(env: &Env) -> Result<Vec<IpNet>, ConfigError> {
    if env.get("TRUST_FORWARDED_FOR").is_some() {
        return Err(ConfigError(
            "TRUST_FORWARDED_FOR is no longer read: list the addresses of your reverse proxies in \
             TRUSTED_PROXIES (CIDRs, e.g. TRUSTED_PROXIES=10.0.0.0/8) and unset it"
                .into(),
        ));
    }
    let Some(raw) = env.get("TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    ConfigError(format!(
                        "TRUSTED_PROXIES has an invalid entry '{entry}': expected CIDRs or \
                         addresses separated by commas, e.g. 10.0.0.0/8,192.168.1.7"
                    ))
                })
        })
        .collect()
}

/// A duration in (possibly fractional) seconds, greater than zero.
fn positive_seconds(env: &Env, name: &str, default: f64) -> Result<Duration, ConfigError> {
    let seconds: f64 = env.parse(name, default)?;
    if !(seconds.is_finite() && seconds > 0.0 && seconds < 86_400.0) {
        return Err(ConfigError(format!(
            "{name} must be a number of seconds between 0 and 86400, got {seconds}"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `JWT_PREVIOUS_KEYS=kid1:secret1,kid2:secret2`
fn parse_previous_keys(raw: Option<&str>) -> Result<Vec<JwtKey>, ConfigError> {
    let Some(raw) = raw.filter(|raw| !raw.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(|entry| {
            let (kid, secret) = entry.trim().split_once(':').ok_or_else(|| {
                ConfigError("JWT_PREVIOUS_KEYS must look like 'kid:secret,kid:secret'".into())
            })?;
            if kid.is_empty() || secret.len() < MIN_SECRET_LEN {
                return Err(ConfigError(format!(
                    "JWT_PREVIOUS_KEYS entry '{kid}' needs a key id and a secret of at least {MIN_SECRET_LEN} characters"
                )));
            }
            Ok(JwtKey {
                kid: kid.to_owned(),
                secret: secret.to_owned().into(),
            })
        })
        .collect()
}

fn random_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn validate_database_url(raw: &str) -> Result<(), ConfigError> {
    let invalid = || {
        ConfigError(format!(
            "DATABASE_URL is not a valid database URL (expected postgres://… or sqlite://…): {}",
            redact_url(raw)
        ))
    };
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    match url.scheme() {
        "postgres" | "postgresql" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "sqlite" => Ok(()),
        _ => Err(invalid()),
    }
}

fn validate_redis_url(raw: &str) -> Result<(), ConfigError> {
    match url::Url::parse(raw) {
        Ok(url)
            if matches!(url.scheme(), "redis" | "rediss")
                && url.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(())
        }
        _ => Err(ConfigError(format!(
            "REDIS_URL is not a valid Redis URL (expected redis://host:port/db): {}",
            redact_url(raw)
        ))),
    }
}

/// Replaces the password of a URL with `***`; text that is not a URL is hidden whole.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

struct Env(HashMap<String, String>);

impl Env {
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn parse<T>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|err| ConfigError(format!("{name} has an invalid value '{raw}': {err}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_serve_the_embedded_mode() {
        let settings = Settings::from_vars(HashMap::new(), false).unwrap();
        assert_eq!(settings.port, 8080);
        assert_eq!(settings.host, "127.0.0.1");
        assert!(settings.is_sqlite());
        assert!(settings.redis_url.is_none());
    }

    #[test]
    fn production_without_jwt_secret_is_refused() {
        let err = Settings::from_vars(vars(&[("APP_ENV", "production")]), false).unwrap_err();
        assert!(err.to_string().contains("JWT_SECRET"));
    }

    #[test]
    fn malformed_database_url_is_refused_without_its_password() {
        let err = Settings::from_vars(
            vars(&[("DATABASE_URL", "mysql://user:hunter2@db/x")]),
            false,
        )
        .unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn previous_keys_are_parsed() {
        let keys = parse_previous_keys(Some(
            "old:0123456789abcdef0123456789abcdef,older:fedcba9876543210fedcba9876543210",
        ))
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].kid, "older");
    }

    #[test]
    fn a_bad_port_names_the_variable() {
        let err = Settings::from_vars(vars(&[("PORT", "eighty")]), false).unwrap_err();
        assert!(err.to_string().starts_with("PORT"));
    }

    #[test]
    fn a_request_timeout_may_be_fractional_but_not_zero() {
        let settings =
            Settings::from_vars(vars(&[("REQUEST_TIMEOUT_SECONDS", "0.5")]), false).unwrap();
        assert_eq!(settings.graphql.request_timeout, Duration::from_millis(500));
        let err =
            Settings::from_vars(vars(&[("REQUEST_TIMEOUT_SECONDS", "0")]), false).unwrap_err();
        assert!(err.to_string().starts_with("REQUEST_TIMEOUT_SECONDS"));
    }

    #[test]
    fn the_search_window_defaults_to_a_thousand_and_is_never_empty() {
        let settings = Settings::from_vars(HashMap::new(), false).unwrap();
        assert_eq!(settings.graphql.search_window, 1_000);
        let err =
            Settings::from_vars(vars(&[("CATALOGUE_SEARCH_WINDOW", "0")]), false).unwrap_err();
        assert!(err.to_string().starts_with("CATALOGUE_SEARCH_WINDOW"));
        let err =
            Settings::from_vars(vars(&[("CATALOGUE_SEARCH_WINDOW", "-5")]), false).unwrap_err();
        assert!(err.to_string().starts_with("CATALOGUE_SEARCH_WINDOW"));
    }

    #[test]
    fn query_limits_have_defaults_and_are_read_from_their_variables() {
        let defaults = Settings::from_vars(HashMap::new(), false).unwrap();
        let limits = defaults.graphql.limits;
        assert_eq!(limits.max_query_bytes, 32 * 1024);
        assert_eq!(limits.max_tokens, 2_000);
        assert_eq!(limits.max_aliases, 30);
        assert_eq!(limits.max_fragment_spreads, 100);
        assert_eq!(limits.max_root_fields, 20);
        assert_eq!(limits.max_fields, 1_000);
        assert_eq!(limits.max_depth, 12);
        assert_eq!(limits.max_complexity, 5_000);
        let set = Settings::from_vars(
            vars(&[
                ("GRAPHQL_MAX_QUERY_BYTES", "1000"),
                ("GRAPHQL_MAX_TOKENS", "100"),
                ("GRAPHQL_MAX_ALIASES", "0"),
                ("GRAPHQL_MAX_FRAGMENT_SPREADS", "0"),
                ("GRAPHQL_MAX_ROOT_FIELDS", "3"),
                ("GRAPHQL_MAX_FIELDS", "50"),
                ("GRAPHQL_MAX_DEPTH", "4"),
                ("GRAPHQL_MAX_COMPLEXITY", "200"),
            ]),
            false,
        )
        .unwrap();
        let expected = QueryLimits {
            max_query_bytes: 1000,
            max_tokens: 100,
            max_aliases: 0,
            max_fragment_spreads: 0,
            max_root_fields: 3,
            max_fields: 50,
            max_depth: 4,
            max_complexity: 200,
        };
        assert_eq!(set.graphql.limits, expected);
    }

    #[test]
    fn a_query_limit_that_no_query_fits_is_refused_with_its_name() {
        for name in [
            "GRAPHQL_MAX_QUERY_BYTES",
            "GRAPHQL_MAX_TOKENS",
            "GRAPHQL_MAX_ROOT_FIELDS",
            "GRAPHQL_MAX_FIELDS",
            "GRAPHQL_MAX_DEPTH",
            "GRAPHQL_MAX_COMPLEXITY",
        ] {
            let err = Settings::from_vars(vars(&[(name, "0")]), false).unwrap_err();
            assert!(err.to_string().starts_with(name), "{err}");
        }
        let err = Settings::from_vars(vars(&[("GRAPHQL_MAX_TOKENS", "-1")]), false).unwrap_err();
        assert!(err.to_string().starts_with("GRAPHQL_MAX_TOKENS"), "{err}");
    }

    #[test]
    fn each_replica_keeps_64_mib_of_cached_responses_unless_told_otherwise() {
        let settings = Settings::from_vars(HashMap::new(), false).unwrap();
        assert_eq!(settings.response_cache.memory_bytes, 64 * 1024 * 1024);
        let none = Settings::from_vars(vars(&[("RESPONSE_CACHE_MEMORY_MB", "0")]), false).unwrap();
        assert_eq!(none.response_cache.memory_bytes, 0);
        let err =
            Settings::from_vars(vars(&[("RESPONSE_CACHE_MEMORY_MB", "lots")]), false).unwrap_err();
        assert!(err.to_string().starts_with("RESPONSE_CACHE_MEMORY_MB"));
    }

    #[test]
    fn the_worker_runs_in_the_server_and_private_webhooks_only_in_development() {
        let development = Settings::from_vars(HashMap::new(), false).unwrap();
        assert!(development.worker.enabled);
        assert!(development.allow_private_webhooks);
        let production = Settings::from_vars(
            vars(&[("APP_ENV", "production"), ("JWT_SECRET", &"s".repeat(32))]),
            false,
        )
        .unwrap();
        assert!(!production.allow_private_webhooks);
    }

    #[test]
    fn a_lease_shorter_than_the_delivery_timeout_is_refused() {
        let err = Settings::from_vars(
            vars(&[
                ("WORKER_LEASE_SECONDS", "5"),
                ("WORKER_DELIVERY_TIMEOUT_SECONDS", "10"),
            ]),
            false,
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("WORKER_LEASE_SECONDS"), "{err}");
    }

    #[test]
    fn demo_mode_is_refused_in_production() {
        let production = vars(&[("APP_ENV", "production"), ("JWT_SECRET", &"s".repeat(32))]);
        let err = Settings::from_vars(production, true).unwrap_err();
        assert!(err.to_string().starts_with("--demo"), "{err}");
        assert!(err.to_string().contains("APP_ENV=production"), "{err}");
        assert!(Settings::from_vars(HashMap::new(), true).unwrap().demo);
    }

    #[test]
    fn trusted_proxies_are_cidrs_or_addresses_and_none_by_default() {
        assert!(
            Settings::from_vars(HashMap::new(), false)
                .unwrap()
                .trusted_proxies
                .is_empty()
        );
        let settings = Settings::from_vars(
            vars(&[("TRUSTED_PROXIES", " 10.0.0.0/8, 192.168.1.7 ,::1 ,fd00::/8")]),
            false,
        )
        .unwrap();
        let nets: Vec<String> = settings
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            nets,
            ["10.0.0.0/8", "192.168.1.7/32", "::1/128", "fd00::/8"]
        );
    }

    #[test]
    fn a_bad_trusted_proxy_names_the_variable() {
        let err = Settings::from_vars(vars(&[("TRUSTED_PROXIES", "10.0.0.0/8,proxy")]), false)
            .unwrap_err();
        assert!(err.to_string().starts_with("TRUSTED_PROXIES"), "{err}");
        assert!(err.to_string().contains("'proxy'"), "{err}");
    }

    #[test]
    fn the_old_trust_forwarded_for_stops_the_start_and_points_to_trusted_proxies() {
        for value in ["true", "false"] {
            let err =
                Settings::from_vars(vars(&[("TRUST_FORWARDED_FOR", value)]), false).unwrap_err();
            assert!(err.to_string().starts_with("TRUST_FORWARDED_FOR"), "{err}");
            assert!(err.to_string().contains("TRUSTED_PROXIES"), "{err}");
        }
    }

    #[test]
    fn imports_run_in_the_server_with_a_minute_lease_and_three_attempts() {
        let defaults = Settings::from_vars(vars(&[]), false).unwrap().imports;
        assert!(defaults.enabled);
        assert_eq!(defaults.lease, Duration::from_secs(60));
        assert_eq!(defaults.max_attempts, 3);
        assert_eq!(defaults.poll_interval, Duration::from_secs(1));
        let tuned = Settings::from_vars(
            vars(&[
                ("IMPORT_WORKER_ENABLED", "false"),
                ("IMPORT_LEASE_SECONDS", "2.5"),
                ("IMPORT_MAX_ATTEMPTS", "5"),
                ("IMPORT_POLL_INTERVAL_MS", "50"),
            ]),
            false,
        )
        .unwrap()
        .imports;
        assert!(!tuned.enabled);
        assert_eq!(tuned.lease, Duration::from_millis(2_500));
        assert_eq!(tuned.max_attempts, 5);
        assert_eq!(tuned.poll_interval, Duration::from_millis(50));
    }

    #[test]
    fn bad_import_settings_name_their_variable() {
        for (name, value) in [
            ("IMPORT_MAX_ATTEMPTS", "0"),
            ("IMPORT_LEASE_SECONDS", "0"),
            ("IMPORT_POLL_INTERVAL_MS", "0"),
            ("IMPORT_WORKER_ENABLED", "maybe"),
        ] {
            let err = Settings::from_vars(vars(&[(name, value)]), false).unwrap_err();
            assert!(err.to_string().starts_with(name), "{name}: {err}");
        }
    }

    #[test]
    fn login_throttling_reads_its_four_settings() {
        let defaults = Settings::from_vars(HashMap::new(), false).unwrap();
        assert_eq!(defaults.login_throttle.max_failures, 5);
        assert_eq!(defaults.login_throttle.max_failures_per_address, 50);
        assert_eq!(defaults.login_throttle.max_delay, Duration::from_secs(60));
        let settings = Settings::from_vars(
            vars(&[
                ("LOGIN_MAX_FAILURES", "3"),
                ("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"),
                ("LOGIN_THROTTLE_WINDOW_SECONDS", "600"),
                ("LOGIN_MAX_DELAY_SECONDS", "30"),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(settings.login_throttle.max_failures_per_address, 20);
        assert_eq!(settings.login_throttle.window, Duration::from_secs(600));
        assert_eq!(settings.login_throttle.max_delay, Duration::from_secs(30));
        let err =
            Settings::from_vars(vars(&[("LOGIN_MAX_DELAY_SECONDS", "0")]), false).unwrap_err();
        assert!(
            err.to_string().starts_with("LOGIN_MAX_DELAY_SECONDS"),
            "{err}"
        );
    }

    #[test]
    fn the_session_check_interval_is_positive_and_revocations_outlive_access_tokens() {
        let settings = Settings::from_vars(
            vars(&[
                ("SESSION_CHECK_SECONDS", "2.5"),
                ("ACCESS_TOKEN_TTL_SECONDS", "300"),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(
            settings.sessions.check_interval,
            Duration::from_millis(2_500)
        );
        assert!(settings.sessions.revoked_for > Duration::from_secs(300 + 30));
        let err = Settings::from_vars(vars(&[("SESSION_CHECK_SECONDS", "0")]), false).unwrap_err();
        assert!(
            err.to_string().starts_with("SESSION_CHECK_SECONDS"),
            "{err}"
        );
    }

    #[test]
    fn subscription_caps_default_and_refuse_zero() {
        let settings = Settings::from_vars(
            vars(&[
                ("SUBSCRIPTIONS_PER_SOCKET", "7"),
                ("SUBSCRIPTIONS_PER_USER", "9"),
                ("SUBSCRIPTION_SOCKETS_PER_USER", "2"),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(
            (
                settings.subscriptions.per_socket,
                settings.subscriptions.per_user,
                settings.subscriptions.sockets_per_user
            ),
            (7, 9, 2)
        );
        let defaults = Settings::from_vars(HashMap::new(), false).unwrap();
        assert_eq!(defaults.subscriptions.per_socket, 50);
        let err = Settings::from_vars(vars(&[("SUBSCRIPTIONS_PER_USER", "0")]), false).unwrap_err();
        assert!(err.to_string().contains("SUBSCRIPTIONS_PER_USER"), "{err}");
        let err =
            Settings::from_vars(vars(&[("SUBSCRIPTIONS_PER_SOCKET", "many")]), false).unwrap_err();
        assert!(
            err.to_string().starts_with("SUBSCRIPTIONS_PER_SOCKET"),
            "{err}"
        );
    }

    #[test]
    fn redact_url_hides_the_password() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/dermaga"),
            "postgres://app:***@db:5432/dermaga"
        );
    }
}
