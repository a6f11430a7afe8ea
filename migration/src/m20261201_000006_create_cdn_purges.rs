//! `cdn_purges`: the tags a committed write changed, waiting to be sent to the CDN's purge
//! endpoint (`CDN_PURGE_URL`). Written in the write's own transaction, so a crash after the
//! commit loses no purge; deleted once the endpoint accepted it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::ddl::{Timestamps, create_indexes, created_at, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum CdnPurges {
    Table,
    Id,
    Tags,
    Attempts,
    NextAttemptAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CdnPurges::Table)
                    .col(id(CdnPurges::Id))
                    .col(text(CdnPurges::Tags))
                    .col(integer(CdnPurges::Attempts).default(0))
                    .col(timestamp_with_time_zone(CdnPurges::NextAttemptAt))
                    .col(text_null(CdnPurges::LastError))
                    .col(created_at())
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("cdn_purges_next_attempt_at_idx", CdnPurges::Table)
                    .col(CdnPurges::NextAttemptAt)
                    .take(),
                index("cdn_purges_created_at_idx", CdnPurges::Table)
                    .col(Timestamps::CreatedAt)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CdnPurges::Table).take())
            .await
    }
}
