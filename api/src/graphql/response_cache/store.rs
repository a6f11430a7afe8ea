//! Where cached responses live, and how an entry is written in the shared cache.

use std::{
    sync::{Arc, OnceLock},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use async_graphql::{Request, Variables};
use bytes::Bytes;
use moka::future::Cache as MokaCache;

use crate::{
    cache::{Cache, Snapshot},
    config::ResponseCacheSettings,
    graphql::{
        cost::{self, RateBudget},
        query_key::fingerprint,
    },
};

/// The scope of anonymous callers: the public catalogue.
const PUBLIC_SCOPE: &str = "public";

/// A cached response: everything the transport needs to answer without executing.
#[derive(Debug)]
pub struct CachedResponse {
    /// The query's cost, reported again in `extensions.cost`.
    pub cost: usize,
    /// The weak ETag of `{"data": …}`, as a GET response carries it.
    pub etag: String,
    /// `Cache-Control` of the original response; empty when it had none.
    pub cache_control: String,
    /// `data`, serialised.
    pub data: String,
    /// What the response shows (`crate::cache::tags`): it holds until one of them changes.
    pub tags: Vec<String>,
    /// The tags as a `Surrogate-Key` header value, built once.
    pub surrogate_key: String,
    /// The whole body when no rate budget is reported, built on first use: the complexity
    /// limit it reports is fixed for the life of the process.
    body_without_budget: OnceLock<Bytes>,
}

/// The outcome of a lookup.
pub enum Lookup {
    Hit(Arc<CachedResponse>),
    /// `snapshot` is the change log's position read for the lookup, when the cache could tell
    /// it: a response computed from now on may be stored under it.
    Miss {
        snapshot: Option<Snapshot>,
    },
}

const ENTRY_FORMAT: &str = "r3";

fn entry_key(fingerprint: &str) -> String {
    format!("gql:{fingerprint}")
}

impl CachedResponse {
    pub fn new(
        cost: usize,
        etag: String,
        cache_control: String,
        data: String,
        tags: Vec<String>,
    ) -> Self {
        Self {
            cost,
            etag,
            cache_control,
            data,
            surrogate_key: super::surrogate_keys(&tags),
            tags,
            body_without_budget: OnceLock::new(),
        }
    }

    fn tags(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().map(String::as_str)
    }

    /// The response body, `data` with `extensions.cost`.
    pub fn body(&self, limit: usize, budget: Option<RateBudget>) -> Bytes {
        match budget {
            None => self
                .body_without_budget
                .get_or_init(|| self.build_body(limit, None))
                .clone(),
            budget => self.build_body(limit, budget),
        }
    }

    fn build_body(&self, limit: usize, budget: Option<RateBudget>) -> Bytes {
        let cost = serde_json::to_string(&cost::report(self.cost, limit, budget))
            .unwrap_or_else(|_| "null".to_owned());
        format!(r#"{{"data":{},"extensions":{{"cost":{cost}}}}}"#, self.data).into()
    }

    fn encode(&self, computed: &Snapshot, stored_at: SystemTime) -> String {
        let stored_at = stored_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        format!(
            "{ENTRY_FORMAT}\n{}\n{}\n{stored_at}\n{}\n{}\n{}\n{}\n{}",
            computed.epoch,
            computed.seq,
            self.cost,
            self.etag,
            self.cache_control,
            self.tags.join(" "),
            self.data
        )
    }

    /// The response in `entry`, the position it was computed after and when it was stored.
    fn decode(entry: &str) -> Option<(Self, Snapshot, SystemTime)> {
        let mut parts = entry.splitn(9, '\n');
        if parts.next()? != ENTRY_FORMAT {
            return None;
        }
        let computed = Snapshot {
            epoch: parts.next()?.into(),
            seq: parts.next()?.parse().ok()?,
        };
        let stored_at = UNIX_EPOCH + Duration::from_millis(parts.next()?.parse().ok()?);
        let cost = parts.next()?.parse().ok()?;
        let etag = parts.next()?.to_owned();
        let cache_control = parts.next()?.to_owned();
        let tags = parts
            .next()?
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let data = parts.next()?.to_owned();
        let response = Self::new(cost, etag, cache_control, data, tags);
        Some((response, computed, stored_at))
    }
}

/// Where cached responses live: in the shared cache, so that any replica can answer them, and
/// in the memory of each replica that served one, so that its next hits cost no transfer of the
/// body. Either copy is used only while none of its tags changed since it was computed, which
/// each lookup checks against the change log read afresh for it (the read is shared between
/// concurrent lookups; `crate::cache::Cache::snapshot`).
#[derive(Clone)]
pub struct ResponseStore {
    pub(super) cache: Cache,
    ttl: Duration,
    near: MokaCache<String, Arc<NearEntry>>,
    /// Fingerprints by the request's exact text: normalising and hashing a document costs
    /// more than looking it up, and clients repeat the same few documents.
    fingerprints: MokaCache<String, Arc<str>>,
}

/// How much memory the remembered fingerprints may take, keys included.
const REMEMBERED_FINGERPRINT_BYTES: u64 = 8 * 1024 * 1024;
/// Longer request texts are fingerprinted every time: clients repeat short documents, and
/// one long text would push out many short ones.
const LONGEST_REMEMBERED_TEXT: usize = 16 * 1024;

struct NearEntry {
    computed: Snapshot,
    /// When the shared copy expires: the near copy never outlives it.
    expires_at: Instant,
    response: Arc<CachedResponse>,
}

impl ResponseStore {
    pub fn new(cache: Cache, settings: &ResponseCacheSettings) -> Self {
        let near = MokaCache::builder()
            .max_capacity(settings.memory_bytes)
            .weigher(|key: &String, entry: &Arc<NearEntry>| {
                // `data` twice: the body built from it on first use is kept beside it.
                let response = &entry.response;
                let tags: usize = response.tags.iter().map(String::len).sum();
                let bytes = key.len() + 2 * response.data.len() + response.etag.len() + tags;
                u32::try_from(bytes).unwrap_or(u32::MAX)
            })
            .time_to_live(settings.ttl)
            .build();
        Self {
            cache,
            ttl: settings.ttl,
            near,
            fingerprints: MokaCache::builder()
                .max_capacity(REMEMBERED_FINGERPRINT_BYTES)
                .weigher(|text: &String, fingerprint: &Arc<str>| {
                    u32::try_from(text.len() + fingerprint.len()).unwrap_or(u32::MAX)
                })
                .build(),
        }
    }

    /// The fingerprint of an anonymous request, or `None` when its response is never cached.
    pub async fn fingerprint(&self, request: &Request) -> Option<Arc<str>> {
        if !request.uploads.is_empty() {
            return None;
        }
        let variables = serde_json::to_string(&request.variables).unwrap_or_default();
        let operation_name = request.operation_name.as_deref().unwrap_or("");
        let text = format!("{operation_name}\0{variables}\0{}", request.query);
        if let Some(known) = self.fingerprints.get(&text).await {
            return Some(known);
        }
        let computed: Arc<str> = fingerprint(
            &request.query,
            request.operation_name.as_deref(),
            &variables_json(&request.variables),
            PUBLIC_SCOPE,
        )
        .into();
        if text.len() <= LONGEST_REMEMBERED_TEXT {
            self.fingerprints.insert(text, computed.clone()).await;
        }
        Some(computed)
    }

    /// The cached response of an anonymous query, if there is a current one. A cache that
    /// cannot answer is a miss.
    pub async fn lookup(&self, fingerprint: &str) -> Lookup {
        let Ok(snapshot) = self.cache.snapshot().await else {
            return Lookup::Miss { snapshot: None };
        };
        if let Some(near) = self.near.get(fingerprint).await
            && near.expires_at > Instant::now()
            && self.cache.holds(&near.computed, near.response.tags())
        {
            return Lookup::Hit(near.response.clone());
        }
        let entry = self.cache.get(&entry_key(fingerprint)).await.ok().flatten();
        let decoded = entry.as_deref().and_then(CachedResponse::decode);
        match decoded {
            Some((response, computed, stored_at))
                if self.cache.holds(&computed, response.tags()) =>
            {
                let response = Arc::new(response);
                let age = SystemTime::now()
                    .duration_since(stored_at)
                    .unwrap_or_default();
                if let Some(left) = self.ttl.checked_sub(age) {
                    self.keep_near(fingerprint, computed, left, response.clone())
                        .await;
                }
                Lookup::Hit(response)
            }
            _ => Lookup::Miss {
                snapshot: Some(snapshot),
            },
        }
    }

    /// Stores a response computed after `computed` in the shared cache and in this replica.
    pub(super) async fn store(
        &self,
        fingerprint: &str,
        computed: Snapshot,
        response: CachedResponse,
    ) {
        // A cache that is down only costs the next request a miss.
        let _ = self
            .cache
            .set(
                &entry_key(fingerprint),
                &response.encode(&computed, SystemTime::now()),
                self.ttl,
            )
            .await;
        self.keep_near(fingerprint, computed, self.ttl, Arc::new(response))
            .await;
    }

    async fn keep_near(
        &self,
        fingerprint: &str,
        computed: Snapshot,
        ttl: Duration,
        response: Arc<CachedResponse>,
    ) {
        let entry = NearEntry {
            computed,
            expires_at: Instant::now() + ttl,
            response,
        };
        self.near
            .insert(fingerprint.to_owned(), Arc::new(entry))
            .await;
    }
}

fn variables_json(variables: &Variables) -> serde_json::Value {
    serde_json::to_value(variables).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> ResponseStore {
        let settings = ResponseCacheSettings {
            enabled: true,
            ttl: Duration::from_secs(60),
            memory_bytes: 1024 * 1024,
            freshness_check: Duration::from_millis(500),
            public_max_age: 30,
            public_stale_while_revalidate: 60,
        };
        ResponseStore::new(Cache::memory("t:"), &settings)
    }

    #[tokio::test]
    async fn fingerprints_of_short_texts_are_remembered_and_long_ones_are_not() {
        let store = store();
        let short = Request::new("{ categories { id } }");
        let laid_out = Request::new("{\n  categories { id }\n}");
        let commented = Request::new(format!(
            "{{ categories {{ id }} }} # {}",
            "x".repeat(LONGEST_REMEMBERED_TEXT)
        ));

        let first = store.fingerprint(&short).await.unwrap();
        assert_eq!(store.fingerprint(&short).await.unwrap(), first);
        assert_eq!(store.fingerprint(&laid_out).await.unwrap(), first);
        assert_eq!(store.fingerprint(&commented).await.unwrap(), first);
        let other = Request::new("{ categories { id } }").operation_name("Tree");
        assert_ne!(store.fingerprint(&other).await.unwrap(), first);

        store.fingerprints.run_pending_tasks().await;
        assert_eq!(
            store.fingerprints.entry_count(),
            3,
            "the long text is not kept"
        );
    }
}
