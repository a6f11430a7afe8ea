//! What every request shares: built once at start-up and cloned into each handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    auth::JwtKeys,
    cache::Cache,
    config::Settings,
    metrics::Metrics,
    service::{auth::SessionIssuer, categories::CategoryDirectory},
    worker::ImportWake,
};

#[derive(Clone)]
pub struct AppContext {
    pub db: DatabaseConnection,
    /// The public catalogue's reads (`db::connect_catalogue`); the same pool as `db` on SQLite.
    pub catalogue_db: DatabaseConnection,
    pub cache: Cache,
    pub jwt: Arc<JwtKeys>,
    pub settings: Arc<Settings>,
    /// Counters and histograms served by `GET /metrics`.
    pub metrics: Arc<Metrics>,
    /// Wakes this server's import runner when an upload queues a job.
    pub imports: ImportWake,
    /// The category tree in memory, for the catalogue's reads.
    pub categories: Arc<CategoryDirectory>,
}

impl AppContext {
    /// What the session service needs of the application.
    pub fn session_issuer(&self) -> SessionIssuer<'_> {
        SessionIssuer {
            db: &self.db,
            cache: &self.cache,
            keys: &self.jwt,
            settings: &self.settings,
        }
    }
}
