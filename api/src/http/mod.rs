//! Transport only: routes that hand requests to the schema or answer health checks.

mod body;
mod client_addr;
mod connection;
pub(crate) mod etag;
mod feeds;
mod graphql;
mod health;
mod idempotency;
mod metrics;
mod negotiation;
mod orders;
mod rate_limit;
mod safe_csv;
mod subscriptions;

pub use subscriptions::SubscriptionHub;

use actix_web::web;
use async_graphql::http::MultipartOptions;

use crate::service::imports::MAX_FILE_BYTES;

pub use connection::HeadDeadline;

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
        .route("/feeds/{channel}/{file}", web::get().to(feeds::feed))
        .route("/channels/{code}/orders", web::post().to(orders::receive));
}

/// `GET /metrics`: on the public port unless `METRICS_ADDR` gives it a listener of its own.
pub fn metrics_routes(config: &mut web::ServiceConfig) {
    config.route("/metrics", web::get().to(metrics::prometheus));
}

/// CORS for the browser origins of `CORS_ALLOWED_ORIGINS`: preflights are answered, and
/// responses to a listed origin carry `Access-Control-Allow-Origin`; an unlisted origin gets no
/// CORS header (and a refused preflight), so its browser blocks the call.
pub fn cors(origins: &[String]) -> actix_cors::Cors {
    use actix_web::http::header;
    let cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("idempotency-key"),
            // Sent by Apollo Client (and asked for by Apollo's CSRF protection).
            header::HeaderName::from_static("apollographql-client-name"),
            header::HeaderName::from_static("apollographql-client-version"),
            header::HeaderName::from_static("apollo-require-preflight"),
            header::HeaderName::from_static("x-apollo-operation-name"),
        ])
        .expose_headers([
            header::HeaderName::from_static("x-request-id"),
            header::RETRY_AFTER,
            header::ETAG,
            header::HeaderName::from_static("x-cache"),
            header::HeaderName::from_static("idempotency-replayed"),
        ])
        .max_age(3600);
    origins
        .iter()
        .fold(cors, |cors, origin| cors.allowed_origin(origin))
}
