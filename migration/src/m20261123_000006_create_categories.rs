use sea_orm_migration::{prelude::*, schema::*};

use crate::ddl::{create_indexes, created_at, foreign_key, id, index, not_blank, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Categories {
    Table,
    Id,
    ParentId,
    Slug,
    Name,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(id(Categories::Id))
                    .col(big_integer_null(Categories::ParentId))
                    .col(string_len(Categories::Slug, 100))
                    .col(string_len(Categories::Name, 100))
                    .col(integer(Categories::Position).default(0))
                    .col(created_at())
                    .index(unique("categories_slug_key").col(Categories::Slug))
                    .foreign_key(
                        foreign_key("categories_parent_id_fkey")
                            .from(Categories::Table, Categories::ParentId)
                            .to(Categories::Table, Categories::Id),
                    )
                    .check(not_blank("categories_name_check", Categories::Name))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [index("categories_parent_id_idx", Categories::Table)
                .col(Categories::ParentId)
                .take()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Categories::Table).take())
            .await
    }
}
