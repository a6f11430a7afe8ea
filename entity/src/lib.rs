//! SeaORM entities of Dermaga's tables: one module per table, no logic beyond relations.
//!
//! Where the database carries a tenant-safe composite foreign key, such as
//! `(seller_id, aggregator_id) → sellers(id, aggregator_id)`, the relation here joins on the id
//! alone: the id is the primary key, so the join is the same and loaders stay simple.

pub mod enums;

pub mod aggregator_channels;
pub mod aggregators;
pub mod audit_log;
pub mod categories;
pub mod channel_listings;
pub mod channels;
pub mod idempotency_keys;
pub mod import_files;
pub mod import_jobs;
pub mod import_seller_matches;
pub mod inbound_signatures;
pub mod listing_deliveries;
pub mod order_events;
pub mod order_lines;
pub mod orders;
pub mod outbox_jobs;
pub mod product_images;
pub mod product_variants;
pub mod products;
pub mod refresh_tokens;
pub mod seller_onboarding_steps;
pub mod sellers;
pub mod users;

/// The entities under the names of their tables (`Sellers::find()`).
pub mod prelude {
    pub use super::aggregator_channels::Entity as AggregatorChannels;
    pub use super::aggregators::Entity as Aggregators;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::categories::Entity as Categories;
    pub use super::channel_listings::Entity as ChannelListings;
    pub use super::channels::Entity as Channels;
    pub use super::idempotency_keys::Entity as IdempotencyKeys;
    pub use super::import_files::Entity as ImportFiles;
    pub use super::import_jobs::Entity as ImportJobs;
    pub use super::import_seller_matches::Entity as ImportSellerMatches;
    pub use super::inbound_signatures::Entity as InboundSignatures;
    pub use super::listing_deliveries::Entity as ListingDeliveries;
    pub use super::order_events::Entity as OrderEvents;
    pub use super::order_lines::Entity as OrderLines;
    pub use super::orders::Entity as Orders;
    pub use super::outbox_jobs::Entity as OutboxJobs;
    pub use super::product_images::Entity as ProductImages;
    pub use super::product_variants::Entity as ProductVariants;
    pub use super::products::Entity as Products;
    pub use super::refresh_tokens::Entity as RefreshTokens;
    pub use super::seller_onboarding_steps::Entity as SellerOnboardingSteps;
    pub use super::sellers::Entity as Sellers;
    pub use super::users::Entity as Users;
}
