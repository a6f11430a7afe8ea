use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000007_create_products::Products;
use super::m20261123_000010_create_channels::Channels;
use crate::ddl::{
    check, create_indexes, created_at, foreign_key, id, index, one_of, unique, updated_at,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ChannelListings {
    Table,
    Id,
    AggregatorId,
    ProductId,
    ChannelId,
    Status,
    PriceOverride,
    ExternalId,
    LastError,
    Attempts,
    DeliveredVersion,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ChannelListings as Listings;
        let statuses = ["PENDING", "LIVE", "REJECTED", "FAILED", "UNPUBLISHED"];
        manager
            .create_table(
                Table::create()
                    .table(Listings::Table)
                    .col(id(Listings::Id))
                    .col(big_integer(Listings::AggregatorId))
                    .col(big_integer(Listings::ProductId))
                    .col(big_integer(Listings::ChannelId))
                    .col(string_len(Listings::Status, 16).default("PENDING"))
                    .col(big_integer_null(Listings::PriceOverride))
                    .col(string_len_null(Listings::ExternalId, 200))
                    .col(text_null(Listings::LastError))
                    .col(integer(Listings::Attempts).default(0))
                    .col(integer_null(Listings::DeliveredVersion))
                    .col(timestamp_with_time_zone_null(Listings::DeliveredAt))
                    .col(created_at())
                    .col(updated_at())
                    .index(
                        unique("channel_listings_product_channel_key")
                            .col(Listings::ProductId)
                            .col(Listings::ChannelId),
                    )
                    .foreign_key(
                        foreign_key("channel_listings_product_fkey")
                            .from(
                                Listings::Table,
                                (Listings::ProductId, Listings::AggregatorId),
                            )
                            .to(Products::Table, (Products::Id, Products::AggregatorId))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        foreign_key("channel_listings_channel_id_fkey")
                            .from(Listings::Table, Listings::ChannelId)
                            .to(Channels::Table, Channels::Id),
                    )
                    .check(one_of(
                        "channel_listings_status_check",
                        Listings::Status,
                        &statuses,
                    ))
                    .check(check(
                        "channel_listings_price_override_check",
                        Expr::col(Listings::PriceOverride)
                            .is_null()
                            .or(Expr::col(Listings::PriceOverride).gt(0)),
                    ))
                    .check(check(
                        "channel_listings_attempts_check",
                        Expr::col(Listings::Attempts).gte(0),
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("channel_listings_aggregator_idx", Listings::Table)
                    .col(Listings::AggregatorId)
                    .col(Listings::ChannelId)
                    .col(Listings::Status)
                    .take(),
                index("channel_listings_channel_id_idx", Listings::Table)
                    .col(Listings::ChannelId)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChannelListings::Table).take())
            .await
    }
}
