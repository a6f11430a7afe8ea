//! An index for the public catalogue's category pages, newest first: (category, status, id).
//! A page of one category walks it backwards and stops after its page, instead of walking the
//! primary key and discarding the other categories' products.
//!
//! Not partial (`WHERE status = 'ACTIVE'`): the catalogue binds the status as a parameter, and
//! PostgreSQL's generic plan of a prepared statement cannot prove a partial index's predicate
//! from a parameter, so a partial index would serve only custom plans.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "products_category_status_id_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Alias::new("products"))
                    .col(Alias::new("category_id"))
                    .col(Alias::new("status"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(Alias::new("products"))
                    .to_owned(),
            )
            .await
    }
}
