use sea_orm_migration::{prelude::*, schema::*};

use crate::ddl::{created_at, id, one_of, unique, updated_at};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Channels {
    Table,
    Id,
    Code,
    Name,
    Kind,
    WebhookUrl,
    SigningSecret,
    Rules,
    IsActive,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let kinds = [
            "MARKETPLACE",
            "FOOD_DELIVERY",
            "SOCIAL_COMMERCE",
            "PROCUREMENT",
            "EXPO",
        ];
        manager
            .create_table(
                Table::create()
                    .table(Channels::Table)
                    .col(id(Channels::Id))
                    .col(string_len(Channels::Code, 32))
                    .col(string_len(Channels::Name, 200))
                    .col(string_len(Channels::Kind, 32))
                    .col(string_len_null(Channels::WebhookUrl, 2048))
                    .col(string_len(Channels::SigningSecret, 128))
                    .col(json(Channels::Rules))
                    .col(boolean(Channels::IsActive).default(true))
                    .col(created_at())
                    .col(updated_at())
                    .index(unique("channels_code_key").col(Channels::Code))
                    .check(one_of("channels_kind_check", Channels::Kind, &kinds))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Channels::Table).take())
            .await
    }
}
