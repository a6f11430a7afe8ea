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

mod store;

use std::sync::Arc;

use async_graphql::{
    Request, Response, ServerError, ServerResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest,
    },
    parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection},
};

pub use store::{CachedResponse, Lookup, ResponseStore};

use sha2::Digest;

use super::{limits::QueryCost, request_data};
use crate::{auth::Caller, config::ResponseCacheSettings, metrics::Metrics};

/// Mutations that never change what anonymous queries show: they don't bump the version.
const SESSION_MUTATIONS: &[&str] = &["login", "refreshSession", "logout"];

/// Request data set by transports that may only run queries (GET): a mutation is refused
/// once the operation is known, also when it came as a persisted-query hash.
pub struct QueriesOnly;

/// Request data: the HTTP transport already looked the response up and missed, under this
/// catalogue version; the extension stores under it without reading again.
#[derive(Clone)]
pub struct LookedUp {
    pub version: Option<String>,
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
            && let Some(etag) = response_tag(format!("{{\"data\":{data}}}").as_bytes())
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
        let caller = request_data::<Caller>(&request).or_else(|| ctx.data_opt::<Caller>());
        let anonymous = matches!(caller, Some(Caller::Anonymous));
        {
            let mut plan = self.plan();
            plan.operation_name = request.operation_name.clone();
            plan.queries_only = request_data::<QueriesOnly>(&request).is_some();
            plan.looked_up =
                request_data::<LookedUp>(&request).map(|looked_up| looked_up.version.clone());
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

fn cache_header(value: &'static str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-cache", http::HeaderValue::from_static(value));
    headers
}

/// The weak ETag of a response body: `W/"<sha-256 of data and errors, 32 hex digits>"`.
/// `extensions` is left out: it reports the caller's rate budget, which changes with every
/// request while the answer does not.
pub fn response_tag(body: &[u8]) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.as_object_mut()?.remove("extensions");
    let digest = sha2::Sha256::digest(value.to_string().as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("W/\"{hex}\""))
}
