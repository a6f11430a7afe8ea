//! Caches whole responses to anonymous queries, and drops each one only when something it
//! shows changes.
//!
//! A schema extension, so it sees every operation whatever the transport (POST, GET, batches,
//! WebSocket). The key is the query's fingerprint (normalised document, operation name,
//! variables, the caller's scope). While a query runs, its resolvers tag the response with what
//! it shows and the sets it was drawn from (`tag_response`, names in `crate::cache::tags`); a
//! root field that tags nothing makes the response depend on every change. A mutation collects
//! what its writes changed (`service::invalidation`) and publishes it once it has executed,
//! before its response leaves, so a query that starts after a mutation returned never sees a
//! response that predates it, on any replica. A hit is answered before execution: it touches
//! no database.
//!
//! One entry per fingerprint holds the response with its tags and the change log's position it
//! was computed after, in the shared cache and in the memory of each replica that served it
//! (`ResponseStore`). The HTTP transport looks up before parsing anything
//! (`ResponseStore::lookup`), and the extension then only stores what it executes.

mod store;

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
};

use async_graphql::{
    Context, Request, Response, ServerError, ServerResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest,
    },
    parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection},
};

pub use store::{CachedResponse, Lookup, ResponseStore};

use sha2::Digest;

use super::{limits::QueryCost, request_data};
use crate::{
    auth::Caller,
    cache::{Snapshot, tags::ANY_CHANGE},
    config::ResponseCacheSettings,
    metrics::Metrics,
    service::invalidation,
};

/// The root query fields whose resolvers tag what they show; any other root field makes the
/// response depend on every change.
const TAGGING_ROOT_FIELDS: &[&str] = &[
    "products",
    "product",
    "sellerProfile",
    "categories",
    "node",
    "catalogueChanges",
    "__typename",
    "__schema",
    "__type",
];

/// What a response being computed shows: request data, present while the response may be
/// cached.
#[derive(Default)]
pub struct ResponseTags(Mutex<BTreeSet<String>>);

/// Tags the response being computed with what a resolver shows (`crate::cache::tags`). Does
/// nothing when the response is not going to be cached.
pub fn tag_response(ctx: &Context<'_>, tags: impl IntoIterator<Item = String>) {
    if let Some(collected) = ctx.data_opt::<Arc<ResponseTags>>() {
        collected
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(tags);
    }
}

/// Request data set by transports that may only run queries (GET): a mutation is refused
/// once the operation is known, also when it came as a persisted-query hash.
pub struct QueriesOnly;

/// Request data: the HTTP transport already fingerprinted the request, looked the response up
/// and missed at this position of the change log; the response is stored under both without
/// computing or reading them again.
#[derive(Clone)]
pub struct LookedUp {
    pub fingerprint: Arc<str>,
    pub snapshot: Option<Snapshot>,
}

/// The response cache's side of running requests: the extension factory registered on the
/// schema that serves the WebSocket, and the steps the HTTP transport's pipeline
/// (`super::pipeline`) runs itself.
#[derive(Clone)]
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

    /// What the request's data says of it, and its fingerprint when its response may be cached
    /// (an `anonymous` caller and caching on); such a request gets `tags` to collect what its
    /// resolvers show.
    pub(super) async fn plan(
        &self,
        request: &mut Request,
        anonymous: bool,
        tags: &Arc<ResponseTags>,
    ) -> Plan {
        let looked_up = request_data::<LookedUp>(request).cloned();
        let mut plan = Plan {
            operation_name: request.operation_name.clone(),
            queries_only: request_data::<QueriesOnly>(request).is_some(),
            looked_up: looked_up
                .as_ref()
                .map(|looked_up| looked_up.snapshot.clone()),
            ..Plan::default()
        };
        if self.settings.enabled && anonymous {
            plan.fingerprint = match looked_up {
                Some(looked_up) => Some(looked_up.fingerprint),
                None => self.store.fingerprint(request).await,
            };
            if plan.fingerprint.is_some() {
                request.data.insert(tags.clone());
            }
        }
        plan
    }

    /// Runs `execution`, the request's execution planned by `plan`: a mutation publishes what
    /// it changed once it has run; a query that may be cached is answered from the cache when
    /// the transport did not look it up already, and stored with its tags.
    pub(super) async fn run(
        &self,
        mut plan: Plan,
        tags: &ResponseTags,
        execution: impl std::future::Future<Output = Response>,
    ) -> Response {
        match (plan.kind, plan.fingerprint.take()) {
            (Some(OperationType::Mutation), _) => {
                let (response, changed) =
                    invalidation::collecting(&self.store.cache, execution).await;
                // Even after errors: a mutation may have committed part of its work.
                invalidation::publish(&self.store.cache, changed).await;
                response
            }
            (Some(OperationType::Query), Some(fingerprint)) => {
                self.cached_query(plan, tags, fingerprint, execution).await
            }
            _ => execution.await,
        }
    }

    async fn cached_query(
        &self,
        plan: Plan,
        tags: &ResponseTags,
        fingerprint: Arc<str>,
        execution: impl std::future::Future<Output = Response>,
    ) -> Response {
        let fingerprint = &*fingerprint;
        // Read before executing: a write that publishes meanwhile is after this position, so
        // a response that may predate it is dropped by the first lookup that learns of it.
        let snapshot = match plan.looked_up {
            Some(snapshot) => snapshot,
            None => match self.store.lookup(fingerprint).await {
                Lookup::Hit(hit) => {
                    if let Ok(data) = serde_json::from_str::<Value>(&hit.data) {
                        tracing::debug!(fingerprint, "response cache hit");
                        self.metrics.record_cache_hit();
                        return Response::new(data).http_headers(cache_header("HIT"));
                    }
                    None
                }
                Lookup::Miss { snapshot } => snapshot,
            },
        };
        self.metrics.record_cache_miss();
        let response = execution.await;
        let mut tags: Vec<String> = std::mem::take(
            &mut *tags
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
        .into_iter()
        .collect();
        if plan.untagged_roots {
            tags.push(ANY_CHANGE.to_owned());
        }
        let mut headers = response.http_headers.clone();
        headers.extend(cache_header("MISS"));
        let cacheable = response.errors.is_empty() && response.data != Value::Null;
        if cacheable && let Ok(keys) = http::HeaderValue::from_str(&surrogate_keys(&tags)) {
            headers.insert(SURROGATE_KEY, keys);
        }
        if let Some(snapshot) = snapshot
            && cacheable
            && let Ok(data) = serde_json::to_string(&response.data)
        {
            let etag = response_tag(&data, None);
            let cached = CachedResponse::new(
                plan.complexity,
                etag,
                response.cache_control.value().unwrap_or_default(),
                data,
                tags,
            );
            self.store.store(fingerprint, snapshot, cached).await;
        }
        response.http_headers(headers)
    }
}

impl ExtensionFactory for ResponseCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            cache: self.clone(),
            plan: std::sync::Mutex::default(),
            tags: Arc::default(),
        })
    }
}

struct PerRequest {
    cache: ResponseCache,
    plan: std::sync::Mutex<Plan>,
    tags: Arc<ResponseTags>,
}

/// What a request turned out to be, learnt as it goes through the stages.
#[derive(Clone, Default)]
pub(super) struct Plan {
    operation_name: Option<String>,
    /// Set for anonymous callers when caching is on.
    fingerprint: Option<Arc<str>>,
    /// Set when the transport already looked up and missed.
    looked_up: Option<Option<Snapshot>>,
    pub(super) complexity: usize,
    kind: Option<OperationType>,
    /// Some root field does not tag what it shows.
    untagged_roots: bool,
    queries_only: bool,
}

impl Plan {
    /// Learns the operation's type from the parsed document; a mutation sent where only
    /// queries may run is refused.
    pub(super) fn read_operation(&mut self, document: &ExecutableDocument) -> ServerResult<()> {
        let Some((kind, untagged_roots)) =
            selected_operation(document, self.operation_name.as_deref())
        else {
            return Ok(());
        };
        if self.queries_only && kind != OperationType::Query {
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
        self.kind = Some(kind);
        self.untagged_roots = untagged_roots;
        Ok(())
    }
}

impl PerRequest {
    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        let mut request = request;
        let caller = request_data::<Caller>(&request).or_else(|| ctx.data_opt::<Caller>());
        let anonymous = matches!(caller, Some(Caller::Anonymous));
        let plan = self.cache.plan(&mut request, anonymous, &self.tags).await;
        *self.plan() = plan;
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
        self.plan().read_operation(&document)?;
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
        self.cache
            .run(plan, &self.tags, next.run(ctx, operation_name))
            .await
    }
}

/// The selected operation's type, and whether one of its root fields does not tag what it
/// shows (a fragment at the root counts as one).
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
    let untagged = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .any(|item| match &item.node {
            Selection::Field(field) => {
                !TAGGING_ROOT_FIELDS.contains(&field.node.name.node.as_str())
            }
            _ => true,
        });
    Some((operation.node.ty, untagged))
}

/// The header that names a response's tags for CDNs that purge by tag (Fastly, Varnish
/// `xkey`); tags are separated by spaces.
pub const SURROGATE_KEY: &str = "surrogate-key";

/// A response's `Surrogate-Key`: its tags, or `catalogue` when it shows nothing tagged (a
/// purge of everything still reaches it).
fn surrogate_keys(tags: &[String]) -> String {
    if tags.is_empty() {
        "catalogue".to_owned()
    } else {
        tags.join(" ")
    }
}

fn cache_header(value: &'static str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-cache", http::HeaderValue::from_static(value));
    headers
}

/// The weak ETag of a response: `W/"<sha-256 of its serialised data and errors, 32 hex
/// digits>"`. `extensions` is left out: it reports the caller's rate budget, which changes
/// with every request while the answer does not.
pub fn response_tag(data: &str, errors: Option<&str>) -> String {
    let mut digest = sha2::Sha256::new();
    digest.update(data.as_bytes());
    if let Some(errors) = errors {
        digest.update(b"\n");
        digest.update(errors.as_bytes());
    }
    let digest = digest.finalize();
    let mut tag = String::with_capacity(36);
    tag.push_str("W/\"");
    for byte in &digest[..16] {
        tag.push_str(&format!("{byte:02x}"));
    }
    tag.push('"');
    tag
}
