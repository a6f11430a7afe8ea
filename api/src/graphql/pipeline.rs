//! How the HTTP transport runs GraphQL requests: the steps the schema's extensions take on the
//! WebSocket (document limits, persisted queries, the response cache), run here around a
//! schema that has no extensions.
//!
//! A schema with extensions sends every field of every response through their `resolve` chain,
//! even when none of them hooks it (async-graphql's `resolver_utils::container` looks the field
//! up in the registry and wraps its future once per extension); on a catalogue page of 300
//! fields that was a quarter of the server's CPU. The WebSocket keeps the schema with the
//! extensions: subscriptions are long-lived and few.

use std::{
    future::Future,
    sync::{Arc, OnceLock},
};

use async_graphql::{
    BatchRequest, BatchResponse, Request, Response, SchemaEnv, ServerError, ServerResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
    futures_util::stream::{FuturesOrdered, StreamExt},
    parser::{parse_query, types::ExecutableDocument},
};

use super::{
    DermagaSchema, apq,
    cost::{self, RateBudget},
    limits::{self, Measured, Refusal},
    request_data,
    response_cache::{ResponseCache, ResponseTags},
};
use crate::{auth::Caller, cache::Cache, config::QueryLimits};

/// Runs requests through the limits, persisted queries and the response cache, then the
/// schema. Cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    schema: DermagaSchema,
    /// The schema's registry, for measuring documents.
    env: SchemaEnv,
    limits: Arc<QueryLimits>,
    persisted: Cache,
    responses: ResponseCache,
    /// Parsed documents by their text: clients send the same few documents again and again,
    /// and parsing one costs many times what copying it does.
    documents: moka::sync::Cache<String, Arc<ExecutableDocument>>,
}

/// How much memory the remembered documents may take, each counted as eight times its text
/// (a parsed document is several times larger than its text).
const REMEMBERED_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;
/// Longer texts are parsed every time: clients repeat short documents.
const LONGEST_REMEMBERED_TEXT: usize = 16 * 1024;

impl Pipeline {
    /// `schema` must have no extensions: the pipeline takes their place.
    pub(super) fn new(
        schema: DermagaSchema,
        limits: QueryLimits,
        persisted: Cache,
        responses: ResponseCache,
    ) -> Self {
        Self {
            schema,
            env: registry_env(),
            limits: Arc::new(limits),
            persisted,
            responses,
            documents: moka::sync::Cache::builder()
                .max_capacity(REMEMBERED_DOCUMENT_BYTES)
                .weigher(|text: &String, _: &Arc<ExecutableDocument>| {
                    u32::try_from(text.len().saturating_mul(8)).unwrap_or(u32::MAX)
                })
                .build(),
        }
    }

    pub async fn execute_batch(&self, batch: BatchRequest) -> BatchResponse {
        match batch {
            BatchRequest::Single(request) => BatchResponse::Single(self.execute(request).await),
            BatchRequest::Batch(requests) => BatchResponse::Batch(
                requests
                    .into_iter()
                    .map(|request| self.execute(request))
                    .collect::<FuturesOrdered<_>>()
                    .collect()
                    .await,
            ),
        }
    }

    /// Every answer reports the query's cost in `extensions.cost`, refusals included.
    pub async fn execute(&self, request: Request) -> Response {
        let budget = request_data::<RateBudget>(&request).copied();
        let mut requested = 0;
        let response = match self.run(request, &mut requested).await {
            Ok(response) => response,
            Err(error) => Response::from_errors(vec![error]),
        };
        response.extension(
            "cost",
            cost::report(requested, self.limits.max_complexity, budget),
        )
    }

    async fn run(&self, mut request: Request, requested: &mut usize) -> ServerResult<Response> {
        let mut refuse = |refusal: Refusal| {
            if let Refusal::TooComplex { cost, .. } = refusal {
                *requested = cost;
            }
            refusal.into_server_error()
        };
        limits::check_text(&request.query, &self.limits).map_err(&mut refuse)?;
        apq::resolve(&self.persisted, &mut request).await?;
        let anonymous = matches!(request_data::<Caller>(&request), Some(Caller::Anonymous));
        let tags = Arc::<ResponseTags>::default();
        let mut plan = self.responses.plan(&mut request, anonymous, &tags).await;
        let parse = |query: &str| self.parse(query);
        let cost = limits::measure_with(&mut request, &self.env.registry, &self.limits, parse)
            .map_err(|measured| match measured {
                Measured::Refused(refusal) => refuse(refusal),
                Measured::Unparsable(error) => error,
            })?;
        *requested = cost;
        plan.complexity = cost;
        plan.read_operation(request.parsed_query()?)?;
        Ok(self
            .responses
            .run(plan, &tags, self.schema.execute(request))
            .await)
    }

    fn parse(&self, query: &str) -> Result<ExecutableDocument, ServerError> {
        if let Some(document) = self.documents.get(query) {
            return Ok(ExecutableDocument::clone(&document));
        }
        let document = parse_query(query)?;
        if query.len() <= LONGEST_REMEMBERED_TEXT {
            self.documents
                .insert(query.to_owned(), Arc::new(document.clone()));
        }
        Ok(document)
    }
}

/// async-graphql shows its registry only to extensions: one request through a schema of the
/// same types, with an extension that keeps it.
fn registry_env() -> SchemaEnv {
    #[derive(Default, Clone)]
    struct Keep(Arc<OnceLock<SchemaEnv>>);
    struct Keeping(Keep);
    impl ExtensionFactory for Keep {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(Keeping(self.clone()))
        }
    }
    #[async_trait::async_trait]
    impl Extension for Keeping {
        async fn prepare_request(
            &self,
            ctx: &ExtensionContext<'_>,
            request: Request,
            next: NextPrepareRequest<'_>,
        ) -> ServerResult<Request> {
            let _ = self.0.0.set(ctx.schema_env.clone());
            next.run(ctx, request).await
        }
    }
    let kept = Keep::default();
    let probe = super::builder(None).extension(kept.clone()).finish();
    // Nothing in it waits: the first poll runs the extension (and resolves `__typename`).
    let mut request = std::pin::pin!(probe.execute("{ __typename }"));
    let _ = request
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
    kept.0
        .get()
        .cloned()
        .unwrap_or_else(|| unreachable!("the probe's extension runs before anything can fail"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_the_schemas() {
        let env = registry_env();
        assert_eq!(env.registry.query_type, "QueryRoot");
        assert!(env.registry.types.contains_key("CatalogueProduct"));
    }

    fn pipeline() -> Pipeline {
        let limits = QueryLimits {
            max_query_bytes: 64 * 1024,
            max_tokens: 20_000,
            max_aliases: 30,
            max_fragment_spreads: 100,
            max_root_fields: 20,
            max_fields: 500,
            max_depth: 12,
            max_complexity: 50,
        };
        let settings = crate::config::ResponseCacheSettings {
            enabled: false,
            ttl: std::time::Duration::from_secs(60),
            memory_bytes: 1024 * 1024,
            freshness_check: std::time::Duration::from_millis(500),
            public_max_age: 30,
            public_stale_while_revalidate: 60,
        };
        let cache = Cache::memory("t:");
        let store = super::super::ResponseStore::new(cache.clone(), &settings);
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let responses = ResponseCache::new(store, settings, metrics);
        Pipeline::new(
            super::super::builder(None).finish(),
            limits,
            cache,
            responses,
        )
    }

    #[test]
    fn documents_are_remembered_by_their_text_and_long_ones_are_not() {
        let pipeline = pipeline();
        let short = "{ categories { id name } }";
        let first = pipeline.parse(short).expect("parses");
        assert_eq!(
            format!("{:?}", pipeline.parse(short).expect("parses")),
            format!("{first:?}")
        );
        let long = format!(
            "{{ categories {{ id }} }} # {}",
            "x".repeat(LONGEST_REMEMBERED_TEXT)
        );
        pipeline.parse(&long).expect("parses");
        assert!(pipeline.parse("{ categories { ").is_err());

        pipeline.documents.run_pending_tasks();
        assert!(pipeline.documents.contains_key(short));
        assert!(!pipeline.documents.contains_key(&long));
        assert_eq!(
            pipeline.documents.entry_count(),
            1,
            "nor is a text that fails"
        );
    }

    #[tokio::test]
    async fn a_refusal_reports_its_code_and_the_cost_it_would_have() {
        let pipeline = pipeline();
        let response = pipeline
            .execute(Request::new(
                "{ products(first: 100) { edges { node { variants { sku } } } } }",
            ))
            .await;
        let error = response.errors.first().expect("refused");
        let code = error
            .extensions
            .as_ref()
            .and_then(|values| values.get("code"));
        assert_eq!(code, Some(&async_graphql::Value::from("COMPLEXITY_LIMIT")));
        let cost = response.extensions.get("cost").expect("a cost is reported");
        let requested = serde_json::to_value(cost).expect("serialises")["requested"].clone();
        assert!(
            requested.as_u64().is_some_and(|cost| cost > 50),
            "{requested}"
        );
    }
}
