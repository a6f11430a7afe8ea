//! `import_files`: the uploaded CSV of an import job, stored with the QUEUED job so any replica
//! or worker can run (or resume) the job. Deleted when the job finishes.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000014_create_import_jobs::ImportJobs;
use crate::ddl::{created_at, foreign_key};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ImportFiles {
    Table,
    JobId,
    Content,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportFiles::Table)
                    .col(big_integer(ImportFiles::JobId).primary_key())
                    // `bytea` on PostgreSQL, `blob` on SQLite; at most 20 MiB (the upload limit).
                    .col(blob(ImportFiles::Content))
                    .col(created_at())
                    .foreign_key(
                        foreign_key("import_files_job_id_fkey")
                            .from(ImportFiles::Table, ImportFiles::JobId)
                            .to(ImportJobs::Table, ImportJobs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportFiles::Table).take())
            .await
    }
}
