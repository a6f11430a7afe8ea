//! Partner channels: registered by a platform admin, enabled per aggregator (with category
//! mapping, stock allocation and a pull-feed token).

mod allocation;
pub mod feeds;
mod lookup;
mod registry;
pub mod rules;
mod setup;
mod tokens;

pub use allocation::StockAllocation;
pub use lookup::{by_ids, category_mappings, find, link, list, mapped_category, rules_of};
pub use registry::{
    ChannelChanges, NewChannel, RegisteredChannel, register, rotate_secret, set_active, update,
};
pub use rules::{ChannelRules, RequiredField};
pub use setup::{ChannelSetup, EnabledChannel, enable, enabled};
pub use tokens::{hash_token, hex};
