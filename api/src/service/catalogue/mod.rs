//! The aggregator's product catalogue as it is read: a product with its details, the public
//! catalogue the mobile apps browse, the change log behind their delta sync, and the batched
//! reads of sellers and categories. Changes to products end in `super::product_changes`.

pub mod batches;
pub mod changes;
pub mod freshness;
mod product_detail;
pub mod public;

pub use product_detail::ProductDetail;
pub(super) use product_detail::{detail, with_details};
