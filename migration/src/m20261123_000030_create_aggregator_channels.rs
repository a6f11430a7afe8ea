//! `aggregator_channels`: the channels an aggregator works with, how its categories map to
//! each channel's own category ids, how much stock it offers there, and its pull-feed token.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_aggregators::Aggregators;
use super::m20261123_000010_create_channels::Channels;
use crate::ddl::{check, created_at, foreign_key, id, unique, updated_at};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AggregatorChannels {
    Table,
    Id,
    AggregatorId,
    ChannelId,
    CategoryMap,
    StockSharePercent,
    StockBuffer,
    FeedTokenHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AggregatorChannels as Links;
        manager
            .create_table(
                Table::create()
                    .table(Links::Table)
                    .col(id(Links::Id))
                    .col(big_integer(Links::AggregatorId))
                    .col(big_integer(Links::ChannelId))
                    .col(json(Links::CategoryMap))
                    .col(integer_null(Links::StockSharePercent))
                    .col(integer_null(Links::StockBuffer))
                    .col(string_len(Links::FeedTokenHash, 64))
                    .col(created_at())
                    .col(updated_at())
                    .index(
                        unique("aggregator_channels_aggregator_channel_key")
                            .col(Links::AggregatorId)
                            .col(Links::ChannelId),
                    )
                    .foreign_key(
                        foreign_key("aggregator_channels_aggregator_id_fkey")
                            .from(Links::Table, Links::AggregatorId)
                            .to(Aggregators::Table, Aggregators::Id),
                    )
                    .foreign_key(
                        foreign_key("aggregator_channels_channel_id_fkey")
                            .from(Links::Table, Links::ChannelId)
                            .to(Channels::Table, Channels::Id),
                    )
                    .check(check(
                        "aggregator_channels_stock_share_check",
                        Expr::col(Links::StockSharePercent)
                            .is_null()
                            .or(Expr::col(Links::StockSharePercent).between(0, 100)),
                    ))
                    .check(check(
                        "aggregator_channels_stock_buffer_check",
                        Expr::col(Links::StockBuffer)
                            .is_null()
                            .or(Expr::col(Links::StockBuffer).gte(0)),
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AggregatorChannels::Table).take())
            .await
    }
}
