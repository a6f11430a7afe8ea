//! The catalogue change log behind mobile delta sync. `catalogue_clock` is one row whose value
//! every catalogue write advances as its last statement; holding that row until commit makes
//! the clock's order the commit order, so a reader that has seen tick N has seen every change
//! up to N. `catalogue_changes` keeps, per product, the tick of its latest change.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: [&str; 5] = [
    "CREATE TABLE catalogue_clock (
        id INTEGER PRIMARY KEY CONSTRAINT catalogue_clock_single_row_check CHECK (id = 1),
        value BIGINT NOT NULL CONSTRAINT catalogue_clock_value_check CHECK (value > 0)
    )",
    "INSERT INTO catalogue_clock (id, value) VALUES (1, 1)",
    "CREATE TABLE catalogue_changes (
        product_id BIGINT PRIMARY KEY
            CONSTRAINT catalogue_changes_product_id_fkey REFERENCES products (id) ON DELETE CASCADE,
        seq BIGINT NOT NULL
    )",
    "CREATE INDEX catalogue_changes_seq_idx ON catalogue_changes (seq, product_id)",
    // Products that exist before the log do so at the first tick.
    "INSERT INTO catalogue_changes (product_id, seq) SELECT id, 1 FROM products",
];

const DOWN: [&str; 2] = [
    "DROP TABLE IF EXISTS catalogue_changes",
    "DROP TABLE IF EXISTS catalogue_clock",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in UP {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in DOWN {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }
        Ok(())
    }
}
