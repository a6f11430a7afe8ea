//! What the GraphQL endpoint allows: document limits, batches, rate, timeouts, the response
//! cache and subscriptions.

use std::{num::NonZeroU64, time::Duration};

use super::{
    AppEnv, ConfigError,
    env::{Env, positive_seconds},
};

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
    /// search indexes (`crate::service::catalogue::public`).
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

impl GraphqlSettings {
    pub(super) fn from_env(env: &Env, app_env: AppEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            introspection: introspection(env, app_env)?,
            limits: QueryLimits::from_env(env)?,
            max_batch_size: env.parse("GRAPHQL_MAX_BATCH_SIZE", 10)?,
            rate_limit_per_minute: env.parse("RATE_LIMIT_PER_MINUTE", 600)?,
            request_timeout: positive_seconds(env, "REQUEST_TIMEOUT_SECONDS", 30.0)?,
            search_window: env
                .parse("CATALOGUE_SEARCH_WINDOW", DEFAULT_SEARCH_WINDOW)?
                .get(),
        })
    }
}

impl ResponseCacheSettings {
    pub(super) fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            enabled: env.parse("RESPONSE_CACHE", true)?,
            ttl: Duration::from_secs(env.parse::<u64>("CACHE_TTL_SECONDS", 60)?.max(1)),
            memory_bytes: env
                .parse::<u64>("RESPONSE_CACHE_MEMORY_MB", 64)?
                .saturating_mul(1024 * 1024),
            freshness_check: Duration::from_millis(
                env.parse::<u64>("CACHE_FRESHNESS_CHECK_MS", 500)?.max(10),
            ),
            public_max_age: env.parse("HTTP_CACHE_MAX_AGE_SECONDS", 30)?,
            public_stale_while_revalidate: env.parse("HTTP_CACHE_STALE_SECONDS", 60)?,
        })
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
    /// `CACHE_FRESHNESS_CHECK_MS`: how often each replica looks for writes whose invalidation
    /// was lost (`service::catalogue::freshness`); such a write's changes may be hidden by
    /// another replica's cache for at most twice this.
    pub freshness_check: Duration,
    /// `HTTP_CACHE_MAX_AGE_SECONDS`: how long browsers and CDNs may keep a public GET answer
    /// (`Cache-Control: public, max-age`); a CDN purged by tag drops it sooner.
    pub public_max_age: u32,
    /// `HTTP_CACHE_STALE_SECONDS`: how long after that they may serve it while they fetch a
    /// fresh one (`stale-while-revalidate`).
    pub public_stale_while_revalidate: u32,
}

/// `GRAPHQL_INTROSPECTION`: on in development unless set.
pub(super) fn introspection(env: &Env, app_env: AppEnv) -> Result<bool, ConfigError> {
    env.parse("GRAPHQL_INTROSPECTION", app_env == AppEnv::Development)
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

impl SubscriptionSettings {
    pub(super) fn from_env(env: &Env) -> Result<Self, ConfigError> {
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
