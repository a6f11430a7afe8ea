//! Indexes for the dashboard's lists, newest first within a tenant: (aggregator, id) on
//! sellers and products. A page of one aggregator's sellers walked `sellers_id_aggregator_key`
//! backwards and skipped every other tenant's rows to find its 21 (1.0-2.5 ms at 10,000
//! sellers, against 0.1 ms with this index; docs/performance.md).
//!
//! `products_category_id_idx` goes: `products_category_status_id_idx` leads with the category
//! and serves every read the old one served.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, table) of each new index on (aggregator_id, id).
const TENANT_LISTS: [(&str, &str); 2] = [
    ("sellers_aggregator_id_idx", "sellers"),
    ("products_aggregator_id_idx", "products"),
];
const REDUNDANT: &str = "products_category_id_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in TENANT_LISTS {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new(table))
                        .col(Alias::new("aggregator_id"))
                        .col(Alias::new("id"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name(REDUNDANT)
                    .table(Alias::new("products"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(REDUNDANT)
                    .table(Alias::new("products"))
                    .col(Alias::new("category_id"))
                    .to_owned(),
            )
            .await?;
        for (name, table) in TENANT_LISTS {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
