//! Sellers: the micro businesses an aggregator brings online.
//!
//! Every path that stores a seller (the mutations, the CSV import, the demo data set and the
//! benchmark seed) checks it with [`validate`] and builds its row with [`rows`].

mod checks;
pub mod onboarding;
mod read;
pub mod rows;
pub mod search;
mod write;

pub use checks::{NewSeller, SellerPatch, ValidSeller, find_duplicates, registered, validate};
pub use read::{by_ids, find};
pub use write::{onboard, set_status, update};
