//! `GET /metrics`: the Prometheus text exposition (keep it off the public network).

use actix_web::{HttpResponse, web};

use std::time::Duration;

use crate::{metrics::Metrics, state::AppContext};

pub async fn prometheus(app: web::Data<AppContext>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(app.metrics.render(&app.db))
}

/// Counts each operation of an executed (or timed-out) request.
pub fn record<T>(
    metrics: &Metrics,
    operations: &[Option<String>],
    elapsed: Duration,
    response: &Result<async_graphql::BatchResponse, T>,
) {
    for (index, operation) in operations.iter().enumerate() {
        let failed = match response {
            Ok(async_graphql::BatchResponse::Single(single)) => single.is_err(),
            Ok(async_graphql::BatchResponse::Batch(all)) => {
                all.get(index).is_none_or(|single| single.is_err())
            }
            Err(_) => true,
        };
        metrics.record_operation(operation.as_deref(), elapsed, failed);
    }
}
