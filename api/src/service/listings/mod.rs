//! Listings: a product offered on a channel. Publishing and withdrawing them, their status
//! transitions, the outbox that pushes them to the partners, and what the dashboard reads
//! of them (status, delivery attempts, live changes).

mod channel_rules;
pub mod outbox;
mod publishing;
mod reads;
pub mod rows;
pub mod status;
mod watch;

pub use self::{
    publishing::{ChannelChoice, publish, retry, unpublish},
    reads::{ListingFilter, active_jobs, deliveries, find, list, of_products},
    watch::watch,
};
