//! The rules: validation, transactions and tenant scoping, one module per domain.
//!
//! Services take `&impl ConnectionTrait` (so they compose inside a transaction), the caller,
//! and plain inputs; they know nothing of HTTP or GraphQL.

pub mod aggregators;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod categories;
pub mod cdn_purges;
pub mod channels;
pub mod idempotency;
pub mod imports;
pub mod invalidation;
pub mod listings;
pub mod orders;
pub mod pagination;
pub mod product_changes;
pub mod products;
pub mod scope;
pub mod sellers;
pub mod stats;
pub mod users;

pub use pagination::{Page, PageRequest};
pub use scope::Scope;
