//! Caches whole responses to anonymous queries, and invalidates them after every write.
//!
//! A schema extension, so it sees every operation whatever the transport (POST, GET, batches,
//! WebSocket). The key holds the query's fingerprint (normalised document, operation name,
//! variables, the caller's scope) and the catalogue version read before the query runs; every
//! mutation replaces the version once it has executed, before its response leaves, so a query
//! that starts after a mutation returned never sees a response cached before it, on any replica.
//! A hit is answered before execution: it touches no database.
//!
//! One entry per fingerprint holds the response with the version it was computed under; a
//! lookup reads the current version and the entry in one round trip and counts as a hit only
//! when they agree. The HTTP transport looks up before parsing anything (`lookup`), and the
//! extension then only stores what it executes.

use std::{any::TypeId, sync::Arc};

use async_graphql::{
    Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest, NextValidation,
    },
    parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection},
};

use super::query_key::fingerprint;
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
#[derive(Debug, Clone, PartialEq)]
pub struct CachedResponse {
    /// The query's complexity, reported again in `extensions.cost`.
    pub cost: usize,
    /// The weak ETag of `{"data": …}`, as a GET response carries it.
    pub etag: String,
    /// `Cache-Control` of the original response; empty when it had none.
    pub cache_control: String,
    /// `data`, serialised.
    pub data: String,
}

/// The outcome of a lookup.
pub enum Lookup {
    Hit(CachedResponse),
    /// `version` is the current catalogue version, when the cache could tell it.
    Miss {
        version: Option<String>,
    },
}

const ENTRY_FORMAT: &str = "r1";

fn entry_key(fingerprint: &str) -> String {
    format!("gql:{fingerprint}")
}

impl CachedResponse {
    fn encode(&self, version: &str) -> String {
        format!(
            "{ENTRY_FORMAT}\n{version}\n{}\n{}\n{}\n{}",
            self.cost, self.etag, self.cache_control, self.data
        )
    }

    /// The response in `entry` when it was computed under `version`.
    fn decode(entry: &str, version: &str) -> Option<Self> {
        let mut parts = entry.splitn(6, '\n');
        if parts.next()? != ENTRY_FORMAT || parts.next()? != version {
            return None;
        }
        Some(Self {
            cost: parts.next()?.parse().ok()?,
            etag: parts.next()?.to_owned(),
            cache_control: parts.next()?.to_owned(),
            data: parts.next()?.to_owned(),
        })
    }
}

/// The cached response of an anonymous query, if there is a current one. A cache that cannot
/// answer is a miss.
pub async fn lookup(cache: &Cache, fingerprint: &str) -> Lookup {
    match cache
        .get_pair(Cache::catalogue_version_key(), &entry_key(fingerprint))
        .await
    {
        Ok((Some(version), entry)) => {
            match entry.and_then(|entry| CachedResponse::decode(&entry, &version)) {
                Some(hit) => Lookup::Hit(hit),
                None => Lookup::Miss {
                    version: Some(version),
                },
            }
        }
        Ok((None, _)) | Err(_) => Lookup::Miss { version: None },
    }
}

/// The fingerprint of an anonymous request, or `None` when its response is never cached.
pub fn anonymous_fingerprint(request: &Request) -> Option<String> {
    request.uploads.is_empty().then(|| {
        fingerprint(
            &request.query,
            request.operation_name.as_deref(),
            &variables_json(&request.variables),
            PUBLIC_SCOPE,
        )
    })
}

/// The extension factory, registered once on the schema.
pub struct ResponseCache {
    cache: Cache,
    settings: ResponseCacheSettings,
    metrics: Arc<Metrics>,
}

impl ResponseCache {
    pub fn new(cache: Cache, settings: ResponseCacheSettings, metrics: Arc<Metrics>) -> Self {
        Self {
            cache,
            settings,
            metrics,
        }
    }
}

impl ExtensionFactory for ResponseCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            cache: self.cache.clone(),
            settings: self.settings.clone(),
            metrics: self.metrics.clone(),
            plan: std::sync::Mutex::default(),
        })
    }
}

struct PerRequest {
    cache: Cache,
    settings: ResponseCacheSettings,
    metrics: Arc<Metrics>,
    plan: std::sync::Mutex<Plan>,
}

/// What this request turned out to be, learnt as it goes through the stages.
#[derive(Clone, Default)]
struct Plan {
    operation_name: Option<String>,
    /// Set for anonymous callers when caching is on.
    fingerprint: Option<String>,
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
        fingerprint: String,
        next: NextExecute<'_>,
    ) -> Response {
        let fingerprint = fingerprint.as_str();
        // Read before executing: a write that commits meanwhile moves the version on, so a
        // response that may predate it is stored under a version no later lookup accepts.
        let version = match plan.looked_up {
            Some(version) => version,
            None => match lookup(&self.cache, fingerprint).await {
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
        let version = match version {
            Some(version) => Some(version),
            None => self.cache.catalogue_version().await.ok(),
        };
        self.metrics.record_cache_miss();
        let response = next.run(ctx, operation_name).await;
        if let Some(version) = version
            && response.errors.is_empty()
            && response.data != Value::Null
            && let Ok(data) = serde_json::to_string(&response.data)
            && let Some(etag) = crate::http::etag::tag_of(format!("{{\"data\":{data}}}").as_bytes())
        {
            let cached = CachedResponse {
                cost: plan.complexity,
                etag,
                cache_control: response.cache_control.value().unwrap_or_default(),
                data,
            };
            // A cache that is down only costs the next request a miss.
            let _ = self
                .cache
                .set(
                    &entry_key(fingerprint),
                    &cached.encode(&version),
                    self.settings.ttl,
                )
                .await;
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
            if self.settings.enabled && anonymous {
                plan.fingerprint = anonymous_fingerprint(&request);
            }
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

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        self.plan().complexity = result.complexity;
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut plan = self.plan().clone();
        match (plan.kind, plan.fingerprint.take()) {
            (Some(OperationType::Mutation), _) => {
                let response = next.run(ctx, operation_name).await;
                if plan.changes_catalogue {
                    // Even after errors: a mutation may have committed part of its work.
                    if let Err(err) = self.cache.bump_catalogue_version().await {
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
