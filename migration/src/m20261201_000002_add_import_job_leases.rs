//! Import jobs run under a lease, like outbox jobs: `lease_owner` names the claim that runs the
//! job until `locked_until`; a job whose lease ran out (its runner died) is claimed again and
//! resumes after its last committed batch. `attempts` counts the claims since the job last
//! moved forward, so a file that keeps killing its runner is failed instead of retried forever.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000014_create_import_jobs::ImportJobs;
use crate::ddl::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobLease {
    Attempts,
    LeaseOwner,
    LockedUntil,
}

const CLAIM_INDEX: &str = "import_jobs_claim_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            integer(JobLease::Attempts).default(0).take(),
            string_len_null(JobLease::LeaseOwner, 36).take(),
            timestamp_with_time_zone_null(JobLease::LockedUntil).take(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ImportJobs::Table)
                        .add_column(column)
                        .take(),
                )
                .await?;
        }
        manager
            .create_index(
                index(CLAIM_INDEX, ImportJobs::Table)
                    .col(ImportJobs::Status)
                    .col(JobLease::LockedUntil)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(CLAIM_INDEX)
                    .table(ImportJobs::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            JobLease::LockedUntil,
            JobLease::LeaseOwner,
            JobLease::Attempts,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ImportJobs::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
