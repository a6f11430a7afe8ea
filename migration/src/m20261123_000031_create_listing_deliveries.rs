//! `listing_deliveries`: every attempt to push a listing to its channel, kept so an aggregator
//! can answer "why is my product not on the marketplace?". Also makes "one pending job per
//! listing" a database rule, which is what lets enqueueing coalesce with one upsert.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000011_create_channel_listings::ChannelListings;
use crate::ddl::{create_indexes, created_at, foreign_key, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ListingDeliveries {
    Table,
    Id,
    AggregatorId,
    ListingId,
    JobId,
    ProductVersion,
    Attempt,
    HttpStatus,
    DurationMs,
    Outcome,
    Error,
}

const PENDING_INDEX: &str = "CREATE UNIQUE INDEX outbox_jobs_pending_listing_key \
     ON outbox_jobs (listing_id) WHERE status = 'PENDING'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ListingDeliveries as Deliveries;
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(id(Deliveries::Id))
                    .col(big_integer(Deliveries::AggregatorId))
                    .col(big_integer(Deliveries::ListingId))
                    .col(big_integer_null(Deliveries::JobId))
                    .col(integer(Deliveries::ProductVersion))
                    .col(integer(Deliveries::Attempt))
                    .col(integer_null(Deliveries::HttpStatus))
                    .col(big_integer(Deliveries::DurationMs))
                    .col(string_len(Deliveries::Outcome, 16))
                    .col(text_null(Deliveries::Error))
                    .col(created_at())
                    .foreign_key(
                        foreign_key("listing_deliveries_listing_id_fkey")
                            .from(Deliveries::Table, Deliveries::ListingId)
                            .to(ChannelListings::Table, ChannelListings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [index("listing_deliveries_listing_idx", Deliveries::Table)
                .col(Deliveries::ListingId)
                .col(Deliveries::Id)
                .take()],
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(PENDING_INDEX)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS outbox_jobs_pending_listing_key")
            .await?;
        manager
            .drop_table(Table::drop().table(ListingDeliveries::Table).take())
            .await
    }
}
