//! Transport only: routes that hand requests to the schema or answer health checks.

mod body;
pub(crate) mod etag;
mod feeds;
mod graphql;
mod health;
mod idempotency;
mod metrics;
mod negotiation;
mod rate_limit;

use actix_web::web;
use async_graphql::http::MultipartOptions;

use crate::service::imports::MAX_FILE_BYTES;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/graphql")
                // One CSV file per request (imports); JSON bodies keep the app-wide 1 MiB limit.
                .app_data(
                    MultipartOptions::default()
                        .max_file_size(MAX_FILE_BYTES)
                        .max_num_files(1),
                )
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get)),
        )
        .route("/healthz", web::get().to(health::liveness))
        .route("/readyz", web::get().to(health::readiness))
        .route("/metrics", web::get().to(metrics::prometheus))
        .route("/feeds/{channel}/{file}", web::get().to(feeds::feed));
}
