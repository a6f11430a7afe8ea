use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_aggregators::Aggregators;
use super::m20261123_000002_create_sellers::Sellers;
use super::m20261123_000006_create_categories::Categories;
use crate::ddl::{
    Timestamps, check, create_indexes, created_at, foreign_key, id, index, not_blank, one_of,
    unique, updated_at,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Products {
    Table,
    Id,
    AggregatorId,
    SellerId,
    CategoryId,
    Title,
    Description,
    Status,
    HalalCertified,
    Version,
    PublishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(id(Products::Id))
                    .col(big_integer(Products::AggregatorId))
                    .col(big_integer(Products::SellerId))
                    .col(big_integer(Products::CategoryId))
                    .col(string_len(Products::Title, 200))
                    .col(text(Products::Description).default(""))
                    .col(string_len(Products::Status, 16).default("DRAFT"))
                    .col(boolean(Products::HalalCertified).default(false))
                    .col(integer(Products::Version).default(1))
                    .col(timestamp_with_time_zone_null(Products::PublishedAt))
                    .col(created_at())
                    .col(updated_at())
                    // Target of the (product_id, aggregator_id) foreign keys of tenant child tables.
                    .index(
                        unique("products_id_aggregator_key")
                            .col(Products::Id)
                            .col(Products::AggregatorId),
                    )
                    .foreign_key(
                        foreign_key("products_aggregator_id_fkey")
                            .from(Products::Table, Products::AggregatorId)
                            .to(Aggregators::Table, Aggregators::Id),
                    )
                    .foreign_key(
                        foreign_key("products_seller_fkey")
                            .from(
                                Products::Table,
                                (Products::SellerId, Products::AggregatorId),
                            )
                            .to(Sellers::Table, (Sellers::Id, Sellers::AggregatorId)),
                    )
                    .foreign_key(
                        foreign_key("products_category_id_fkey")
                            .from(Products::Table, Products::CategoryId)
                            .to(Categories::Table, Categories::Id),
                    )
                    .check(not_blank("products_title_check", Products::Title))
                    .check(one_of(
                        "products_status_check",
                        Products::Status,
                        &["DRAFT", "ACTIVE", "ARCHIVED"],
                    ))
                    .check(check(
                        "products_version_check",
                        Expr::col(Products::Version).gte(1),
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("products_aggregator_status_idx", Products::Table)
                    .col(Products::AggregatorId)
                    .col(Products::Status)
                    .take(),
                index("products_seller_id_idx", Products::Table)
                    .col(Products::SellerId)
                    .take(),
                index("products_category_id_idx", Products::Table)
                    .col(Products::CategoryId)
                    .take(),
                index("products_status_updated_idx", Products::Table)
                    .col(Products::Status)
                    .col(Timestamps::UpdatedAt)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Products::Table).take())
            .await
    }
}
