use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000007_create_products::Products;
use crate::ddl::{check, create_indexes, created_at, foreign_key, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ProductImages {
    Table,
    Id,
    ProductId,
    Url,
    AltText,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProductImages::Table)
                    .col(id(ProductImages::Id))
                    .col(big_integer(ProductImages::ProductId))
                    .col(string_len(ProductImages::Url, 2048))
                    .col(string_len_null(ProductImages::AltText, 200))
                    .col(integer(ProductImages::Position).default(0))
                    .col(created_at())
                    .foreign_key(
                        foreign_key("product_images_product_id_fkey")
                            .from(ProductImages::Table, ProductImages::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(check(
                        "product_images_url_check",
                        Expr::col(ProductImages::Url).like("https://%"),
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [index("product_images_product_id_idx", ProductImages::Table)
                .col(ProductImages::ProductId)
                .col(ProductImages::Position)
                .take()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProductImages::Table).take())
            .await
    }
}
