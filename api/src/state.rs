//! What every request shares: built once at start-up and cloned into each handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    auth::JwtKeys, cache::Cache, config::Settings, graphql::ResponseStore, metrics::Metrics,
    worker::ImportWake,
};

#[derive(Clone)]
pub struct AppContext {
    pub db: DatabaseConnection,
    pub cache: Cache,
    /// Cached responses to anonymous queries, in the shared cache and in this replica's memory.
    pub responses: ResponseStore,
    pub jwt: Arc<JwtKeys>,
    pub settings: Arc<Settings>,
    /// Counters and histograms served by `GET /metrics`.
    pub metrics: Arc<Metrics>,
    /// Wakes this server's import runner when an upload queues a job.
    pub imports: ImportWake,
}
