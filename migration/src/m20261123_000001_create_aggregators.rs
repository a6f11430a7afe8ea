use sea_orm_migration::{prelude::*, schema::*};

use crate::ddl::{created_at, id, not_blank, one_of, unique, updated_at};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Aggregators {
    Table,
    Id,
    Slug,
    Name,
    Kind,
    Province,
    City,
    ContactName,
    ContactEmail,
    ContactPhone,
    Status,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let kinds = [
            "COURIER_PARTNER",
            "GOVERNMENT_OFFICE",
            "COOPERATIVE",
            "COMMUNITY",
            "COMPANY",
        ];
        manager
            .create_table(
                Table::create()
                    .table(Aggregators::Table)
                    .col(id(Aggregators::Id))
                    .col(string_len(Aggregators::Slug, 64))
                    .col(string_len(Aggregators::Name, 200))
                    .col(string_len(Aggregators::Kind, 32))
                    .col(string_len(Aggregators::Province, 100))
                    .col(string_len(Aggregators::City, 100))
                    .col(string_len_null(Aggregators::ContactName, 200))
                    .col(string_len_null(Aggregators::ContactEmail, 254))
                    .col(string_len_null(Aggregators::ContactPhone, 16))
                    .col(string_len(Aggregators::Status, 16).default("ACTIVE"))
                    .col(created_at())
                    .col(updated_at())
                    .index(unique("aggregators_slug_key").col(Aggregators::Slug))
                    .check(not_blank("aggregators_name_check", Aggregators::Name))
                    .check(one_of("aggregators_kind_check", Aggregators::Kind, &kinds))
                    .check(one_of(
                        "aggregators_status_check",
                        Aggregators::Status,
                        &["ACTIVE", "SUSPENDED"],
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Aggregators::Table).take())
            .await
    }
}
