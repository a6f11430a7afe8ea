//! The catalogue: products, what a seller offers, with their variants, stock and images.
//!
//! Every path that stores them (the mutations, the CSV import, the demo data set and the
//! benchmark seed) checks them with [`checks`] and [`variant_checks`] and builds the rows with
//! [`rows`]. What all catalogue changes share (the version bump, the audit entry) lives in
//! [`super::catalogue`]; the dashboard's list in [`search`].

pub mod checks;
mod create;
pub mod fields;
pub mod images;
mod lookup;
pub mod rows;
pub mod search;
pub mod stock;
mod update;
pub mod variant_checks;
pub mod variants;

pub use create::{create, store_new};
pub use fields::{MAX_VARIANTS, NewImage, NewProduct, NewVariant, ValidProduct};
pub use lookup::{find, find_detail};
pub use update::{ProductChanges, archive, update};
