//! Orders from partner channels: received as signed events (`inbound`), checked as documents
//! (`document`), kept true to one stock (`stock`), read by dashboards (`reads`) and fulfilled
//! (`fulfilment`).

pub mod document;
mod fulfilment;
mod inbound;
pub mod pull;
pub mod pushes;
mod reads;
mod sales;
mod stock;
mod watch;

pub use fulfilment::{Shipment, cancel, mark_completed, mark_shipped};
pub use inbound::{Receipt, SignedRequest, forget_old_signatures, receive};
pub use reads::{OrderFilter, find, lines_of, list, scoped};
pub use sales::{MAX_RANGE_DAYS, Sales, Sold, sales};
pub use stock::{OTHER_SELLER, OVERSOLD, UNKNOWN_SKU};

/// `query` locking the orders it reads until the transaction ends, on PostgreSQL; SQLite's
/// write transaction already holds the whole database.
fn for_update(
    txn: &impl sea_orm::ConnectionTrait,
    query: sea_orm::Select<entity::orders::Entity>,
) -> sea_orm::Select<entity::orders::Entity> {
    use sea_orm::QuerySelect;
    match txn.get_database_backend() {
        sea_orm::DbBackend::Postgres => query.lock_exclusive(),
        _ => query,
    }
}
pub use watch::{Moment, watch};
