use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_aggregators::Aggregators;
use super::m20261123_000011_create_channel_listings::ChannelListings;
use crate::ddl::{create_indexes, created_at, foreign_key, id, index, one_of, updated_at};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum OutboxJobs {
    Table,
    Id,
    AggregatorId,
    ListingId,
    EventType,
    Payload,
    ProductVersion,
    Status,
    Attempts,
    RunAt,
    LockedUntil,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statuses = ["PENDING", "IN_FLIGHT", "DONE", "FAILED", "SUPERSEDED"];
        manager
            .create_table(
                Table::create()
                    .table(OutboxJobs::Table)
                    .col(id(OutboxJobs::Id))
                    .col(big_integer(OutboxJobs::AggregatorId))
                    .col(big_integer(OutboxJobs::ListingId))
                    .col(string_len(OutboxJobs::EventType, 64))
                    .col(json(OutboxJobs::Payload))
                    .col(integer(OutboxJobs::ProductVersion))
                    .col(string_len(OutboxJobs::Status, 16).default("PENDING"))
                    .col(integer(OutboxJobs::Attempts).default(0))
                    .col(timestamp_with_time_zone(OutboxJobs::RunAt))
                    .col(timestamp_with_time_zone_null(OutboxJobs::LockedUntil))
                    .col(text_null(OutboxJobs::LastError))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(
                        foreign_key("outbox_jobs_aggregator_id_fkey")
                            .from(OutboxJobs::Table, OutboxJobs::AggregatorId)
                            .to(Aggregators::Table, Aggregators::Id),
                    )
                    .foreign_key(
                        foreign_key("outbox_jobs_listing_id_fkey")
                            .from(OutboxJobs::Table, OutboxJobs::ListingId)
                            .to(ChannelListings::Table, ChannelListings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(one_of(
                        "outbox_jobs_status_check",
                        OutboxJobs::Status,
                        &statuses,
                    ))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("outbox_jobs_due_idx", OutboxJobs::Table)
                    .col(OutboxJobs::Status)
                    .col(OutboxJobs::RunAt)
                    .take(),
                index("outbox_jobs_listing_id_idx", OutboxJobs::Table)
                    .col(OutboxJobs::ListingId)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboxJobs::Table).take())
            .await
    }
}
