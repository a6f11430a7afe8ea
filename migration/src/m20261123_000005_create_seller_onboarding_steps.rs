use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000002_create_sellers::Sellers;
use super::m20261123_000003_create_users::Users;
use crate::ddl::{check, create_indexes, foreign_key, id, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum SellerOnboardingSteps {
    Table,
    Id,
    AggregatorId,
    SellerId,
    Step,
    Stage,
    Note,
    CompletedAt,
    CompletedByUserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SellerOnboardingSteps as Steps;
        manager
            .create_table(
                Table::create()
                    .table(Steps::Table)
                    .col(id(Steps::Id))
                    .col(big_integer(Steps::AggregatorId))
                    .col(big_integer(Steps::SellerId))
                    .col(string_len(Steps::Step, 64))
                    .col(small_integer(Steps::Stage))
                    .col(string_len_null(Steps::Note, 1000))
                    .col(timestamp_with_time_zone(Steps::CompletedAt))
                    .col(big_integer_null(Steps::CompletedByUserId))
                    .index(
                        unique("seller_onboarding_steps_seller_step_key")
                            .col(Steps::SellerId)
                            .col(Steps::Step),
                    )
                    .foreign_key(
                        foreign_key("seller_onboarding_steps_seller_fkey")
                            .from(Steps::Table, (Steps::SellerId, Steps::AggregatorId))
                            .to(Sellers::Table, (Sellers::Id, Sellers::AggregatorId))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        foreign_key("seller_onboarding_steps_completed_by_user_id_fkey")
                            .from(Steps::Table, Steps::CompletedByUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .check(check(
                        "seller_onboarding_steps_stage_check",
                        Expr::col(Steps::Stage).between(1, 4),
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("seller_onboarding_steps_aggregator_idx", Steps::Table)
                    .col(Steps::AggregatorId)
                    .col(Steps::Stage)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SellerOnboardingSteps::Table).take())
            .await
    }
}
