use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000007_create_products::Products;
use crate::ddl::{
    check, create_indexes, created_at, foreign_key, id, index, not_blank, unique, updated_at,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ProductVariants {
    Table,
    Id,
    AggregatorId,
    ProductId,
    Sku,
    Name,
    OptionValues,
    Price,
    Stock,
    WeightGrams,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ProductVariants as Variants;
        manager
            .create_table(
                Table::create()
                    .table(Variants::Table)
                    .col(id(Variants::Id))
                    .col(big_integer(Variants::AggregatorId))
                    .col(big_integer(Variants::ProductId))
                    .col(string_len(Variants::Sku, 64))
                    .col(string_len(Variants::Name, 200).default(""))
                    .col(json(Variants::OptionValues))
                    .col(big_integer(Variants::Price))
                    .col(integer(Variants::Stock).default(0))
                    .col(integer(Variants::WeightGrams).default(0))
                    .col(integer(Variants::Position).default(0))
                    .col(created_at())
                    .col(updated_at())
                    .index(
                        unique("product_variants_aggregator_sku_key")
                            .col(Variants::AggregatorId)
                            .col(Variants::Sku),
                    )
                    .foreign_key(
                        foreign_key("product_variants_product_fkey")
                            .from(
                                Variants::Table,
                                (Variants::ProductId, Variants::AggregatorId),
                            )
                            .to(Products::Table, (Products::Id, Products::AggregatorId))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(not_blank("product_variants_sku_check", Variants::Sku))
                    .check(check(
                        "product_variants_price_check",
                        Expr::col(Variants::Price).gt(0),
                    ))
                    .check(check(
                        "product_variants_stock_check",
                        Expr::col(Variants::Stock).gte(0),
                    ))
                    .check(check(
                        "product_variants_weight_check",
                        Expr::col(Variants::WeightGrams).gte(0),
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [index("product_variants_product_id_idx", Variants::Table)
                .col(Variants::ProductId)
                .take()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProductVariants::Table).take())
            .await
    }
}
