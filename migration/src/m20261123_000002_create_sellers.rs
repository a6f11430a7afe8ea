use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_aggregators::Aggregators;
use crate::ddl::{
    Timestamps, check, create_indexes, created_at, foreign_key, id, index, not_blank, one_of,
    unique, updated_at,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Sellers {
    Table,
    Id,
    AggregatorId,
    BusinessName,
    OwnerName,
    Phone,
    Nib,
    Sector,
    Scale,
    Province,
    City,
    Address,
    HalalCertNo,
    PirtNo,
    BpomNo,
    Status,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sectors = [
            "FOOD_AND_DRINK",
            "FASHION",
            "CRAFTS",
            "AGRICULTURE",
            "SERVICES",
            "BEAUTY",
            "OTHER",
        ];
        manager
            .create_table(
                Table::create()
                    .table(Sellers::Table)
                    .col(id(Sellers::Id))
                    .col(big_integer(Sellers::AggregatorId))
                    .col(string_len(Sellers::BusinessName, 200))
                    .col(string_len(Sellers::OwnerName, 200))
                    .col(string_len(Sellers::Phone, 16))
                    .col(string_len_null(Sellers::Nib, 13))
                    .col(string_len(Sellers::Sector, 32))
                    .col(string_len(Sellers::Scale, 16))
                    .col(string_len(Sellers::Province, 100))
                    .col(string_len(Sellers::City, 100))
                    .col(string_len_null(Sellers::Address, 500))
                    .col(string_len_null(Sellers::HalalCertNo, 64))
                    .col(string_len_null(Sellers::PirtNo, 64))
                    .col(string_len_null(Sellers::BpomNo, 64))
                    .col(string_len(Sellers::Status, 16).default("ACTIVE"))
                    .col(created_at())
                    .col(updated_at())
                    .index(
                        unique("sellers_aggregator_phone_key")
                            .col(Sellers::AggregatorId)
                            .col(Sellers::Phone),
                    )
                    .index(
                        unique("sellers_aggregator_nib_key")
                            .col(Sellers::AggregatorId)
                            .col(Sellers::Nib),
                    )
                    // Lets child tables carry (seller_id, aggregator_id) and point at both, so a row
                    // can never name a seller of another aggregator.
                    .index(
                        unique("sellers_id_aggregator_key")
                            .col(Sellers::Id)
                            .col(Sellers::AggregatorId),
                    )
                    .foreign_key(
                        foreign_key("sellers_aggregator_id_fkey")
                            .from(Sellers::Table, Sellers::AggregatorId)
                            .to(Aggregators::Table, Aggregators::Id),
                    )
                    .check(not_blank(
                        "sellers_business_name_check",
                        Sellers::BusinessName,
                    ))
                    .check(not_blank("sellers_owner_name_check", Sellers::OwnerName))
                    .check(check(
                        "sellers_phone_check",
                        Expr::col(Sellers::Phone).like("+62%"),
                    ))
                    .check(check(
                        "sellers_nib_check",
                        Expr::col(Sellers::Nib)
                            .is_null()
                            .or(Expr::expr(Func::char_length(Expr::col(Sellers::Nib))).eq(13)),
                    ))
                    .check(one_of("sellers_sector_check", Sellers::Sector, &sectors))
                    .check(one_of(
                        "sellers_scale_check",
                        Sellers::Scale,
                        &["MICRO", "SMALL", "MEDIUM"],
                    ))
                    .check(one_of(
                        "sellers_status_check",
                        Sellers::Status,
                        &["ACTIVE", "SUSPENDED"],
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("sellers_aggregator_status_idx", Sellers::Table)
                    .col(Sellers::AggregatorId)
                    .col(Sellers::Status)
                    .take(),
                index("sellers_aggregator_location_idx", Sellers::Table)
                    .col(Sellers::AggregatorId)
                    .col(Sellers::Province)
                    .col(Sellers::City)
                    .take(),
                index("sellers_aggregator_sector_idx", Sellers::Table)
                    .col(Sellers::AggregatorId)
                    .col(Sellers::Sector)
                    .take(),
                index("sellers_aggregator_created_idx", Sellers::Table)
                    .col(Sellers::AggregatorId)
                    .col(Timestamps::CreatedAt)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Sellers::Table).take())
            .await
    }
}
