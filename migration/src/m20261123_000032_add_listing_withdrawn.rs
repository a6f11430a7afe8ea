//! `channel_listings.withdrawn`: the listing is UNPUBLISHED because Dermaga withdrew it (its
//! product was archived or unpublished, its seller suspended), not because the aggregator
//! unpublished it; it is queued again when its product and seller are active again.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000011_create_channel_listings::ChannelListings;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Listing {
    Withdrawn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ChannelListings::Table)
                    .add_column(boolean(Listing::Withdrawn).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ChannelListings::Table)
                    .drop_column(Listing::Withdrawn)
                    .to_owned(),
            )
            .await
    }
}
