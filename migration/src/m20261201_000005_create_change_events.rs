//! `change_events`: SQLite's stand-in for `NOTIFY` (see `api/src/events`). A write records its
//! events here in its own transaction; each process reads the rows added since its last look.
//! PostgreSQL delivers the same events with `pg_notify` and needs no table.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "CREATE TABLE change_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager.get_connection().execute_unprepared(UP).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS change_events")
                .await?;
        }
        Ok(())
    }
}
