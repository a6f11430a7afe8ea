use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_aggregators::Aggregators;
use super::m20261123_000003_create_users::Users;
use crate::ddl::{Timestamps, check, create_indexes, created_at, foreign_key, id, index, one_of};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ImportJobs {
    Table,
    Id,
    AggregatorId,
    CreatedByUserId,
    Kind,
    Status,
    FileName,
    TotalRows,
    ProcessedRows,
    CreatedCount,
    UpdatedCount,
    RejectedCount,
    RejectedRows,
    Error,
    StartedAt,
    FinishedAt,
    HeartbeatAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ImportJobs as Jobs;
        let counts_not_negative = Expr::col(Jobs::TotalRows)
            .gte(0)
            .and(Expr::col(Jobs::ProcessedRows).gte(0))
            .and(Expr::col(Jobs::CreatedCount).gte(0))
            .and(Expr::col(Jobs::UpdatedCount).gte(0))
            .and(Expr::col(Jobs::RejectedCount).gte(0));
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(id(Jobs::Id))
                    .col(big_integer(Jobs::AggregatorId))
                    .col(big_integer_null(Jobs::CreatedByUserId))
                    .col(string_len(Jobs::Kind, 16))
                    .col(string_len(Jobs::Status, 16).default("QUEUED"))
                    .col(string_len(Jobs::FileName, 255))
                    .col(integer(Jobs::TotalRows).default(0))
                    .col(integer(Jobs::ProcessedRows).default(0))
                    .col(integer(Jobs::CreatedCount).default(0))
                    .col(integer(Jobs::UpdatedCount).default(0))
                    .col(integer(Jobs::RejectedCount).default(0))
                    .col(json(Jobs::RejectedRows))
                    .col(text_null(Jobs::Error))
                    .col(created_at())
                    .col(timestamp_with_time_zone_null(Jobs::StartedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .col(timestamp_with_time_zone(Jobs::HeartbeatAt))
                    .foreign_key(
                        foreign_key("import_jobs_aggregator_id_fkey")
                            .from(Jobs::Table, Jobs::AggregatorId)
                            .to(Aggregators::Table, Aggregators::Id),
                    )
                    .foreign_key(
                        foreign_key("import_jobs_created_by_user_id_fkey")
                            .from(Jobs::Table, Jobs::CreatedByUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .check(one_of(
                        "import_jobs_kind_check",
                        Jobs::Kind,
                        &["SELLERS", "PRODUCTS"],
                    ))
                    .check(one_of(
                        "import_jobs_status_check",
                        Jobs::Status,
                        &["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"],
                    ))
                    .check(check("import_jobs_counts_check", counts_not_negative))
                    .check(check(
                        "import_jobs_processed_check",
                        Expr::col(Jobs::ProcessedRows).lte(Expr::col(Jobs::TotalRows)),
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("import_jobs_aggregator_created_idx", Jobs::Table)
                    .col(Jobs::AggregatorId)
                    .col(Timestamps::CreatedAt)
                    .take(),
                index("import_jobs_created_by_user_id_idx", Jobs::Table)
                    .col(Jobs::CreatedByUserId)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportJobs::Table).take())
            .await
    }
}
