//! `import_seller_matches`: which line of a seller import updated which stored seller, so a
//! later line never updates the same seller again, also after the job resumed on another
//! replica. Deleted with the job's file when the job finishes.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000002_create_sellers::Sellers;
use super::m20261123_000014_create_import_jobs::ImportJobs;
use crate::ddl::foreign_key;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ImportSellerMatches {
    Table,
    JobId,
    SellerId,
    Line,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ImportSellerMatches as Matches;
        manager
            .create_table(
                Table::create()
                    .table(Matches::Table)
                    .col(big_integer(Matches::JobId))
                    .col(big_integer(Matches::SellerId))
                    .col(big_integer(Matches::Line))
                    .primary_key(Index::create().col(Matches::JobId).col(Matches::SellerId))
                    .foreign_key(
                        foreign_key("import_seller_matches_job_id_fkey")
                            .from(Matches::Table, Matches::JobId)
                            .to(ImportJobs::Table, ImportJobs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        foreign_key("import_seller_matches_seller_id_fkey")
                            .from(Matches::Table, Matches::SellerId)
                            .to(Sellers::Table, Sellers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportSellerMatches::Table).take())
            .await
    }
}
