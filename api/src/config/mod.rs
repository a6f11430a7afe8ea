//! One typed `Settings`, loaded once from the environment (12-factor).
//!
//! Every variable is listed in the README and used with the same name in docker-compose.yml.
//! Secrets are wrapped in [`SecretString`] so that they never end up in a log line or an error.

use std::{collections::HashMap, time::Duration};

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

mod auth;
mod env;
mod graphql;
mod http;
mod jobs;
#[cfg(test)]
mod tests;
mod urls;

pub use auth::{BootstrapAdmin, JwtKey, JwtSettings, LoginThrottle, SessionSettings};
pub use graphql::{GraphqlSettings, QueryLimits, ResponseCacheSettings, SubscriptionSettings};
pub use http::HttpSettings;
pub use jobs::{CdnPurge, ImportSettings, WorkerSettings};
pub use urls::redact_url;

use env::Env;
use urls::{validate_database_url, validate_redis_url};

/// Where the process runs; production refuses insecure fallbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

impl AppEnv {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        match env.get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") => Ok(Self::Development),
            Some("production") | Some("prod") => Ok(Self::Production),
            Some(other) => Err(ConfigError(format!(
                "APP_ENV must be 'development' or 'production', got '{other}'"
            ))),
        }
    }
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
    /// `REDIS_TIMEOUT_MS`: the longest any request waits on one Redis call (50 by default);
    /// past it the call counts as a failure and Redis is skipped for a while.
    pub redis_timeout: Duration,
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

pub const DEFAULT_DATABASE_URL: &str = "sqlite://dermaga.db?mode=rwc";

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect(), false)
    }

    /// Reads settings from the given variables; `demo` is the `--demo` command-line flag.
    pub fn from_vars(vars: HashMap<String, String>, demo: bool) -> Result<Self, ConfigError> {
        let env = Env(vars);
        let app_env = AppEnv::from_env(&env)?;
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
        // A worker's runtime is single-threaded: while it computes a response, the database
        // answers its other requests wait for; twice as many workers as cores keep both busy.
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
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
            redis_timeout: Duration::from_millis(env.parse::<u64>("REDIS_TIMEOUT_MS", 50)?.max(1)),
            cache_key_prefix: env
                .get("CACHE_KEY_PREFIX")
                .unwrap_or_else(|| "dermaga:".to_owned()),
            sessions: SessionSettings::from_env(&env, jwt.access_token_ttl)?,
            jwt,
            bootstrap_admin: BootstrapAdmin::from_env(&env)?,
            login_throttle: LoginThrottle::from_env(&env)?,
            subscriptions: SubscriptionSettings::from_env(&env)?,
            graphql: GraphqlSettings::from_env(&env, app_env)?,
            http_workers: env.parse("HTTP_WORKERS", default_workers)?,
            trusted_proxies: http::trusted_proxies(&env)?,
            response_cache: ResponseCacheSettings::from_env(&env)?,
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
