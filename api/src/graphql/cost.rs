//! Query cost: list fields are costed by `first`, the total is checked against
//! `GRAPHQL_MAX_COMPLEXITY`, and every response reports it in `extensions.cost` together with
//! the caller's remaining rate budget, so that clients can pace themselves.

use std::{
    any::TypeId,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_graphql::{
    ErrorExtensions, Request, Response, ServerError, ServerResult, ValidationResult, Value,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextRequest,
        NextValidation,
    },
};

use crate::service::pagination::MAX_PAGE_SIZE;

/// The page size a list field is costed at when the query gives no `first`.
pub const DEFAULT_PAGE_COST: usize = 20;

/// The complexity of a connection field: `first` items of `child_complexity` each.
///
/// A page never holds more than `MAX_PAGE_SIZE` items, so a larger (or negative) `first` is
/// costed as the largest (smallest) page and left to the resolver, which rejects it with a
/// clear `BAD_USER_INPUT` naming the bound.
pub fn list(first: Option<i32>, child_complexity: usize) -> usize {
    let items = first.map_or(DEFAULT_PAGE_COST, |first| {
        usize::try_from(first).map_or(0, |first| first.min(MAX_PAGE_SIZE as usize))
    });
    items.max(1).saturating_mul(child_complexity)
}

/// The caller's request budget in the current rate-limit window, set by the transport.
#[derive(Clone, Copy, Debug)]
pub struct RateBudget {
    pub limit: u64,
    pub remaining: u64,
    pub reset_after: Duration,
}

/// What `extensions.cost` reports: the query's cost, the limit, and the caller's rate budget.
pub fn report(requested: usize, limit: usize, budget: Option<RateBudget>) -> Value {
    let mut cost = async_graphql::indexmap::IndexMap::new();
    cost.insert(
        async_graphql::Name::new("requested"),
        Value::from(requested as u64),
    );
    cost.insert(async_graphql::Name::new("limit"), Value::from(limit as u64));
    if let Some(budget) = budget {
        let mut rate = async_graphql::indexmap::IndexMap::new();
        rate.insert(async_graphql::Name::new("limit"), Value::from(budget.limit));
        rate.insert(
            async_graphql::Name::new("remaining"),
            Value::from(budget.remaining),
        );
        rate.insert(
            async_graphql::Name::new("resetAfterSeconds"),
            Value::from(budget.reset_after.as_secs()),
        );
        cost.insert(async_graphql::Name::new("rateLimit"), Value::Object(rate));
    }
    Value::Object(cost)
}

/// Checks each operation's complexity against `limit` and reports it in `extensions.cost`.
pub struct CostLimit {
    pub limit: usize,
}

impl ExtensionFactory for CostLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostExtension {
            limit: self.limit,
            requested: AtomicUsize::new(0),
            budget: Mutex::new(None),
        })
    }
}

struct CostExtension {
    limit: usize,
    requested: AtomicUsize,
    /// Read from the request data, which the `request` hook cannot see.
    budget: Mutex<Option<RateBudget>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for CostExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        let budget = self.budget.lock().ok().and_then(|budget| *budget);
        let cost = report(self.requested.load(Ordering::Relaxed), self.limit, budget);
        response.extension("cost", cost)
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let budget = request
            .data
            .get(&TypeId::of::<RateBudget>())
            .and_then(|budget| budget.downcast_ref::<RateBudget>())
            .copied();
        if let Ok(mut slot) = self.budget.lock() {
            *slot = budget;
        }
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        self.requested.store(result.complexity, Ordering::Relaxed);
        if result.complexity > self.limit {
            return Err(vec![too_complex(result.complexity, self.limit)]);
        }
        Ok(result)
    }
}

fn too_complex(requested: usize, limit: usize) -> ServerError {
    let error = async_graphql::Error::new(format!(
        "the query costs {requested} points, more than the limit of {limit}; \
         ask for fewer items (`first`) or fewer fields"
    ))
    .extend_with(|_, ext| {
        ext.set("code", "COMPLEXITY_LIMIT");
        ext.set("requested", requested as u64);
        ext.set("limit", limit as u64);
    });
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_costed_by_first() {
        assert_eq!(list(Some(50), 3), 150);
        assert_eq!(list(None, 3), 60);
    }

    #[test]
    fn negative_and_huge_first_neither_underflow_nor_overflow() {
        assert_eq!(list(Some(-5), 3), 3);
        assert_eq!(list(Some(i32::MAX), 3), 300);
        assert_eq!(list(Some(100), usize::MAX), usize::MAX);
    }
}
