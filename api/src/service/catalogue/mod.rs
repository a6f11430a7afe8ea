//! The aggregator's product catalogue as it is read: a product with its details, the public
//! catalogue the mobile apps browse, the change log behind their delta sync, and the batched
//! reads behind the DataLoaders. Changes to products end in `super::product_changes`.

pub mod batches;
pub mod changes;
mod product_detail;
pub mod public;

use entity::enums::Role;

pub use product_detail::ProductDetail;
pub(super) use product_detail::{detail, with_details};

use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
};

/// Only aggregator admins and staff change a catalogue beyond its stock.
pub(super) fn require_catalogue_manager(caller: &AuthUser) -> AppResult<i64> {
    match (caller.role, caller.aggregator_id) {
        (Role::AggregatorAdmin | Role::AggregatorStaff, Some(aggregator_id)) => Ok(aggregator_id),
        _ => Err(AppError::Forbidden),
    }
}
