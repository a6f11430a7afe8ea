//! The schema extension that applies the limits to every request, whatever its transport
//! (POST, GET, batches, the WebSocket), and reports the cost in `extensions.cost`.
//!
//! Registered first, so that its `prepare_request` sees the request before the persisted
//! queries hash or store its text and before the response cache fingerprints it; once they are
//! done (a persisted query has its text only then) it parses the text once, measures the
//! document and hands it on parsed, so async-graphql validates only what was measured.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

use async_graphql::{
    Request, Response, ServerError, ServerResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextRequest},
    parser::{parse_query, types::ExecutableDocument},
    registry::Registry,
};

use super::{Refusal, check_document, check_text};
use crate::{
    config::QueryLimits,
    graphql::{
        cost::{self, RateBudget},
        request_data,
    },
};

/// Request data: the cost of the operation, measured before validation.
#[derive(Clone, Copy, Debug)]
pub struct QueryCost(pub usize);

/// The extension factory, registered on the schema before every other extension.
pub struct DocumentLimits {
    limits: Arc<QueryLimits>,
}

impl DocumentLimits {
    pub fn new(limits: QueryLimits) -> Self {
        Self {
            limits: Arc::new(limits),
        }
    }
}

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            limits: self.limits.clone(),
            requested: AtomicUsize::new(0),
            budget: Mutex::new(None),
        })
    }
}

struct PerRequest {
    limits: Arc<QueryLimits>,
    requested: AtomicUsize,
    /// Read from the request data, which the `request` hook cannot see.
    budget: Mutex<Option<RateBudget>>,
}

impl PerRequest {
    fn refuse(&self, refusal: Refusal) -> async_graphql::ServerError {
        if let Refusal::TooComplex { cost, .. } = refusal {
            self.requested.store(cost, Ordering::Relaxed);
        }
        refusal.into_server_error()
    }
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        let budget = self.budget.lock().ok().and_then(|budget| *budget);
        let requested = self.requested.load(Ordering::Relaxed);
        response.extension(
            "cost",
            cost::report(requested, self.limits.max_complexity, budget),
        )
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let budget = request_data::<RateBudget>(&request).copied();
        if let Ok(mut slot) = self.budget.lock() {
            *slot = budget;
        }
        check_text(&request.query, &self.limits).map_err(|refusal| self.refuse(refusal))?;
        let mut request = next.run(ctx, request).await?;
        let cost =
            measure(&mut request, &ctx.schema_env.registry, &self.limits).map_err(|refused| {
                match refused {
                    Measured::Refused(refusal) => self.refuse(refusal),
                    Measured::Unparsable(error) => error,
                }
            })?;
        self.requested.store(cost, Ordering::Relaxed);
        Ok(request)
    }
}

/// Why `measure` refused a request.
pub enum Measured {
    Refused(Refusal),
    Unparsable(ServerError),
}

/// Parses the request's text once it is final (a persisted query has its text only then),
/// measures the document and hands it on parsed with its cost (`QueryCost`), so that
/// async-graphql validates only what was measured. Returns the cost.
pub fn measure(
    request: &mut Request,
    registry: &Registry,
    limits: &QueryLimits,
) -> Result<usize, Measured> {
    measure_with(request, registry, limits, |query| {
        parse_query(query).map_err(Into::into)
    })
}

/// `measure`, with the document parsed by `parse` (which may remember documents it parsed).
pub fn measure_with(
    request: &mut Request,
    registry: &Registry,
    limits: &QueryLimits,
    parse: impl FnOnce(&str) -> Result<ExecutableDocument, ServerError>,
) -> Result<usize, Measured> {
    // A persisted query's text was checked when it was stored, under the limits then.
    check_text(&request.query, limits).map_err(Measured::Refused)?;
    let document = parse(&request.query).map_err(Measured::Unparsable)?;
    let cost = check_document(
        &document,
        registry,
        &request.variables,
        request.operation_name.as_deref(),
        limits,
    )
    .map_err(Measured::Refused)?;
    request.data.insert(QueryCost(cost));
    request.set_parsed_query(document);
    Ok(cost)
}
