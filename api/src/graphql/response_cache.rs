//! Caches whole responses to anonymous queries, and invalidates them after every write.
//!
//! A schema extension, so it sees every operation whatever the transport (POST, GET, batches,
//! WebSocket). The key holds the query's fingerprint (normalised document, operation name,
//! variables, the caller's scope) and the catalogue version read before the query runs; every
//! mutation replaces the version once it has executed, before its response leaves, so a query
//! that starts after a mutation returned never sees a response cached before it, on any replica.
//! A hit is answered before execution: it touches no database.
//!
//! One entry per fingerprint holds the response with the version it was computed under, in the
//! shared cache and in the memory of each replica that served it (`ResponseStore`); a lookup
//! reads the current version (shared between concurrent lookups, see `Cache::catalogue_version`)
//! and counts as a hit only when the entry's version agrees. The HTTP transport looks up before
//! parsing anything (`ResponseStore::lookup`), and the extension then only stores what it
//! executes.

use std::{
    any::TypeId,
    sync::{Arc, OnceLock},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use actix_web::web::Bytes;

use async_graphql::{
    Request, Response, ServerError, ServerResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest,
    },
    parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection},
};

use moka::future::Cache as MokaCache;

use super::{
    cost::{self, RateBudget},
    limits::QueryCost,
    query_key::fingerprint,
};
use crate::{auth::Caller, cache::Cache, config::ResponseCacheSettings, metrics::Metrics};

/// Mutations that never change what anonymous queries show: they don't bump the version.
const SESSION_MUTATIONS: &[&str] = &["login", "refreshSession", "logout"];
/// The scope of anonymous callers: the public catalogue.
const PUBLIC_SCOPE: &str = "public";

/// Request data set by transports that may only run queries (GET): a mutation is refused
/// once the operation is known, also when it came as a persisted-query hash.
pub struct QueriesOnly;

/// Request data: the HTTP transport already looked the response up and missed, under this
/// catalogue version; the extension stores under it without reading again.
#[derive(Clone)]
pub struct LookedUp {
    pub version: Option<String>,
}

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
    /// The whole body when no rate budget is reported, built on first use: the complexity
    /// limit it reports is fixed for the life of the process.
    body_without_budget: OnceLock<Bytes>,
}

/// The outcome of a lookup.
pub enum Lookup {
    Hit(Arc<CachedResponse>),
    /// `version` is the current catalogue version, when the cache could tell it.
    Miss {
        version: Option<String>,
    },
}

const ENTRY_FORMAT: &str = "r2";

fn entry_key(fingerprint: &str) -> String {
    format!("gql:{fingerprint}")
}

impl CachedResponse {
    pub fn new(cost: usize, etag: String, cache_control: String, data: String) -> Self {
        Self {
            cost,
            etag,
            cache_control,
            data,
            body_without_budget: OnceLock::new(),
        }
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

    fn encode(&self, version: &str, stored_at: SystemTime) -> String {
        let stored_at = stored_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        format!(
            "{ENTRY_FORMAT}\n{version}\n{stored_at}\n{}\n{}\n{}\n{}",
            self.cost, self.etag, self.cache_control, self.data
        )
    }

    /// The response in `entry` and when it was stored, when it was computed under `version`.
    fn decode(entry: &str, version: &str) -> Option<(Self, SystemTime)> {
        let mut parts = entry.splitn(7, '\n');
        if parts.next()? != ENTRY_FORMAT || parts.next()? != version {
            return None;
        }
        let stored_at = UNIX_EPOCH + Duration::from_millis(parts.next()?.parse().ok()?);
        let response = Self::new(
            parts.next()?.parse().ok()?,
            parts.next()?.to_owned(),
            parts.next()?.to_owned(),
            parts.next()?.to_owned(),
        );
        Some((response, stored_at))
    }
}

/// Where cached responses live: in the shared cache, so that any replica can answer them, and
/// in the memory of each replica that served one, so that its next hits cost no transfer of the
/// body. Either copy is used only under the current catalogue version, which is read from the
/// shared cache for every lookup (the read is shared between concurrent lookups).
#[derive(Clone)]
pub struct ResponseStore {
    cache: Cache,
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
    version: String,
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
                let bytes = key.len() + 2 * response.data.len() + response.etag.len();
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
        let Ok(version) = self.cache.catalogue_version().await else {
            return Lookup::Miss { version: None };
        };
        if let Some(near) = self.near.get(fingerprint).await
            && near.version == version
            && near.expires_at > Instant::now()
        {
            return Lookup::Hit(near.response.clone());
        }
        let entry = self.cache.get(&entry_key(fingerprint)).await.ok().flatten();
        match entry.and_then(|entry| CachedResponse::decode(&entry, &version)) {
            Some((response, stored_at)) => {
                let response = Arc::new(response);
                let age = SystemTime::now()
                    .duration_since(stored_at)
                    .unwrap_or_default();
                if let Some(left) = self.ttl.checked_sub(age) {
                    self.keep_near(fingerprint, version, left, response.clone())
                        .await;
                }
                Lookup::Hit(response)
            }
            None => Lookup::Miss {
                version: Some(version),
            },
        }
    }

    /// Stores a response computed under `version` in the shared cache and in this replica.
    async fn store(&self, fingerprint: &str, version: String, response: CachedResponse) {
        // A cache that is down only costs the next request a miss.
        let _ = self
            .cache
            .set(
                &entry_key(fingerprint),
                &response.encode(&version, SystemTime::now()),
                self.ttl,
            )
            .await;
        self.keep_near(fingerprint, version, self.ttl, Arc::new(response))
            .await;
    }

    async fn keep_near(
        &self,
        fingerprint: &str,
        version: String,
        ttl: Duration,
        response: Arc<CachedResponse>,
    ) {
        let entry = NearEntry {
            version,
            expires_at: Instant::now() + ttl,
            response,
        };
        self.near
            .insert(fingerprint.to_owned(), Arc::new(entry))
            .await;
    }
}

/// The extension factory, registered once on the schema.
pub struct ResponseCache {
    store: ResponseStore,
    settings: ResponseCacheSettings,
    metrics: Arc<Metrics>,
}

impl ResponseCache {
    pub fn new(
        store: ResponseStore,
        settings: ResponseCacheSettings,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            settings,
            metrics,
        }
    }
}

impl ExtensionFactory for ResponseCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            store: self.store.clone(),
            settings: self.settings.clone(),
            metrics: self.metrics.clone(),
            plan: std::sync::Mutex::default(),
        })
    }
}

struct PerRequest {
    store: ResponseStore,
    settings: ResponseCacheSettings,
    metrics: Arc<Metrics>,
    plan: std::sync::Mutex<Plan>,
}

/// What this request turned out to be, learnt as it goes through the stages.
#[derive(Clone, Default)]
struct Plan {
    operation_name: Option<String>,
    /// Set for anonymous callers when caching is on.
    fingerprint: Option<Arc<str>>,
    /// Set when the transport already looked up and missed.
    looked_up: Option<Option<String>>,
    complexity: usize,
    kind: Option<OperationType>,
    changes_catalogue: bool,
    queries_only: bool,
}

impl PerRequest {
    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn cached_query(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        plan: Plan,
        fingerprint: Arc<str>,
        next: NextExecute<'_>,
    ) -> Response {
        let fingerprint = &*fingerprint;
        // Read before executing: a write that commits meanwhile moves the version on, so a
        // response that may predate it is stored under a version no later lookup accepts.
        let version = match plan.looked_up {
            Some(version) => version,
            None => match self.store.lookup(fingerprint).await {
                Lookup::Hit(hit) => {
                    if let Ok(data) = serde_json::from_str::<Value>(&hit.data) {
                        tracing::debug!(fingerprint, "response cache hit");
                        self.metrics.record_cache_hit();
                        return Response::new(data).http_headers(cache_header("HIT"));
                    }
                    None
                }
                Lookup::Miss { version } => version,
            },
        };
        self.metrics.record_cache_miss();
        let response = next.run(ctx, operation_name).await;
        if let Some(version) = version
            && response.errors.is_empty()
            && response.data != Value::Null
            && let Ok(data) = serde_json::to_string(&response.data)
            && let Some(etag) = crate::http::etag::tag_of(format!("{{\"data\":{data}}}").as_bytes())
        {
            let cached = CachedResponse::new(
                plan.complexity,
                etag,
                response.cache_control.value().unwrap_or_default(),
                data,
            );
            self.store.store(fingerprint, version, cached).await;
        }
        let mut headers = response.http_headers.clone();
        headers.extend(cache_header("MISS"));
        response.http_headers(headers)
    }
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let caller = request
            .data
            .get(&TypeId::of::<Caller>())
            .and_then(|data| data.downcast_ref::<Caller>())
            .or_else(|| ctx.data_opt::<Caller>());
        let anonymous = matches!(caller, Some(Caller::Anonymous));
        {
            let mut plan = self.plan();
            plan.operation_name = request.operation_name.clone();
            plan.queries_only = request.data.contains_key(&TypeId::of::<QueriesOnly>());
            plan.looked_up = request
                .data
                .get(&TypeId::of::<LookedUp>())
                .and_then(|data| data.downcast_ref::<LookedUp>())
                .map(|looked_up| looked_up.version.clone());
        }
        if self.settings.enabled && anonymous {
            let fingerprint = self.store.fingerprint(&request).await;
            self.plan().fingerprint = fingerprint;
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let mut plan = self.plan();
        if let Some((kind, changes_catalogue)) =
            selected_operation(&document, plan.operation_name.as_deref())
        {
            if plan.queries_only && kind != OperationType::Query {
                let mut error = ServerError::new(
                    "only queries may be sent with GET; send mutations with POST",
                    None,
                );
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("code", "METHOD_NOT_ALLOWED");
                return Err(error);
            }
            plan.kind = Some(kind);
            plan.changes_catalogue = changes_catalogue;
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut plan = self.plan().clone();
        plan.complexity = ctx.data_opt::<QueryCost>().map_or(0, |cost| cost.0);
        match (plan.kind, plan.fingerprint.take()) {
            (Some(OperationType::Mutation), _) => {
                let response = next.run(ctx, operation_name).await;
                if plan.changes_catalogue {
                    // Even after errors: a mutation may have committed part of its work.
                    if let Err(err) = self.store.cache.bump_catalogue_version().await {
                        tracing::debug!(error = %err, "could not bump the catalogue version");
                    }
                }
                response
            }
            (Some(OperationType::Query), Some(fingerprint)) => {
                self.cached_query(ctx, operation_name, plan, fingerprint, next)
                    .await
            }
            _ => next.run(ctx, operation_name).await,
        }
    }
}

/// The selected operation's type, and whether it may change the catalogue (a mutation other
/// than the session ones).
fn selected_operation(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<(OperationType, bool)> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        _ => return None,
    };
    let kind = operation.node.ty;
    let only_sessions =
        operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .all(|item| match &item.node {
                Selection::Field(field) => {
                    SESSION_MUTATIONS.contains(&field.node.name.node.as_str())
                }
                _ => false,
            });
    Some((kind, kind == OperationType::Mutation && !only_sessions))
}

fn variables_json(variables: &Variables) -> serde_json::Value {
    serde_json::to_value(variables).unwrap_or(serde_json::Value::Null)
}

fn cache_header(value: &'static str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-cache", http::HeaderValue::from_static(value));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> ResponseStore {
        let settings = ResponseCacheSettings {
            enabled: true,
            ttl: Duration::from_secs(60),
            memory_bytes: 1024 * 1024,
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
