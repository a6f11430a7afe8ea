use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_aggregators::Aggregators;
use super::m20261123_000002_create_sellers::Sellers;
use crate::ddl::{
    check, create_indexes, created_at, foreign_key, id, index, one_of, unique, updated_at,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    DisplayName,
    AggregatorId,
    SellerId,
    IsActive,
    LastLoginAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let roles = [
            "PLATFORM_ADMIN",
            "AGGREGATOR_ADMIN",
            "AGGREGATOR_STAFF",
            "SELLER",
        ];
        // Platform admins belong to no tenant, aggregator staff to one aggregator, sellers to one
        // seller of that aggregator.
        let role_scope = Expr::col(Users::Role)
            .eq("PLATFORM_ADMIN")
            .and(Expr::col(Users::AggregatorId).is_null())
            .and(Expr::col(Users::SellerId).is_null())
            .or(Expr::col(Users::Role)
                .is_in(["AGGREGATOR_ADMIN", "AGGREGATOR_STAFF"])
                .and(Expr::col(Users::AggregatorId).is_not_null())
                .and(Expr::col(Users::SellerId).is_null()))
            .or(Expr::col(Users::Role)
                .eq("SELLER")
                .and(Expr::col(Users::AggregatorId).is_not_null())
                .and(Expr::col(Users::SellerId).is_not_null()));
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(string_len(Users::Email, 254))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(string_len(Users::Role, 32))
                    .col(string_len(Users::DisplayName, 200))
                    .col(big_integer_null(Users::AggregatorId))
                    .col(big_integer_null(Users::SellerId))
                    .col(boolean(Users::IsActive).default(true))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(created_at())
                    .col(updated_at())
                    .index(unique("users_email_key").col(Users::Email))
                    .foreign_key(
                        foreign_key("users_aggregator_id_fkey")
                            .from(Users::Table, Users::AggregatorId)
                            .to(Aggregators::Table, Aggregators::Id),
                    )
                    .foreign_key(
                        foreign_key("users_seller_fkey")
                            .from(Users::Table, (Users::SellerId, Users::AggregatorId))
                            .to(Sellers::Table, (Sellers::Id, Sellers::AggregatorId)),
                    )
                    .check(one_of("users_role_check", Users::Role, &roles))
                    .check(check("users_role_scope_check", role_scope))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("users_aggregator_id_idx", Users::Table)
                    .col(Users::AggregatorId)
                    .take(),
                index("users_seller_id_idx", Users::Table)
                    .col(Users::SellerId)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).take())
            .await
    }
}
