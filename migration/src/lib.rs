//! Dermaga's schema, one migration per table, runnable on PostgreSQL and SQLite.

pub use sea_orm_migration::prelude::*;

mod ddl;
mod m20261123_000001_create_aggregators;
mod m20261123_000002_create_sellers;
mod m20261123_000003_create_users;
mod m20261123_000004_create_refresh_tokens;
mod m20261123_000005_create_seller_onboarding_steps;
mod m20261123_000006_create_categories;
mod m20261123_000007_create_products;
mod m20261123_000008_create_product_variants;
mod m20261123_000009_create_product_images;
mod m20261123_000010_create_channels;
mod m20261123_000011_create_channel_listings;
mod m20261123_000012_create_outbox_jobs;
mod m20261123_000013_create_audit_log;
mod m20261123_000014_create_import_jobs;
mod m20261123_000015_create_catalogue_search;
mod m20261123_000016_create_catalogue_changes;
mod m20261123_000025_create_catalogue_search_indexes;
mod m20261123_000030_create_aggregator_channels;
mod m20261123_000031_create_listing_deliveries;
mod m20261123_000032_add_listing_withdrawn;
mod m20261123_000033_create_product_title_search;
mod m20261201_000001_create_import_files;
mod m20261201_000002_add_import_job_leases;
mod m20261201_000003_create_import_seller_matches;
mod m20261201_000004_create_idempotency_keys;
mod m20261201_000005_create_change_events;
mod m20261201_000006_create_cdn_purges;
mod m20261201_000007_create_public_category_index;
mod m20261201_000008_create_tenant_list_indexes;
mod m20261202_000001_create_orders;

/// All of Dermaga's migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_aggregators::Migration),
            Box::new(m20261123_000002_create_sellers::Migration),
            Box::new(m20261123_000003_create_users::Migration),
            Box::new(m20261123_000004_create_refresh_tokens::Migration),
            Box::new(m20261123_000005_create_seller_onboarding_steps::Migration),
            Box::new(m20261123_000006_create_categories::Migration),
            Box::new(m20261123_000007_create_products::Migration),
            Box::new(m20261123_000008_create_product_variants::Migration),
            Box::new(m20261123_000009_create_product_images::Migration),
            Box::new(m20261123_000010_create_channels::Migration),
            Box::new(m20261123_000011_create_channel_listings::Migration),
            Box::new(m20261123_000012_create_outbox_jobs::Migration),
            Box::new(m20261123_000013_create_audit_log::Migration),
            Box::new(m20261123_000014_create_import_jobs::Migration),
            Box::new(m20261123_000015_create_catalogue_search::Migration),
            Box::new(m20261123_000016_create_catalogue_changes::Migration),
            Box::new(m20261123_000025_create_catalogue_search_indexes::Migration),
            Box::new(m20261123_000030_create_aggregator_channels::Migration),
            Box::new(m20261123_000031_create_listing_deliveries::Migration),
            Box::new(m20261123_000032_add_listing_withdrawn::Migration),
            Box::new(m20261123_000033_create_product_title_search::Migration),
            Box::new(m20261201_000001_create_import_files::Migration),
            Box::new(m20261201_000002_add_import_job_leases::Migration),
            Box::new(m20261201_000003_create_import_seller_matches::Migration),
            Box::new(m20261201_000004_create_idempotency_keys::Migration),
            Box::new(m20261201_000005_create_change_events::Migration),
            Box::new(m20261201_000006_create_cdn_purges::Migration),
            Box::new(m20261201_000007_create_public_category_index::Migration),
            Box::new(m20261201_000008_create_tenant_list_indexes::Migration),
            Box::new(m20261202_000001_create_orders::Migration),
        ]
    }
}
