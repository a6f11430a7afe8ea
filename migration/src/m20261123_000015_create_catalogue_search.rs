//! Catalogue search: on PostgreSQL the `pg_trgm` extension (typo-tolerant matching); on
//! SQLite an FTS5 index over product titles and descriptions, kept in sync by triggers.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &str = r#"
CREATE VIRTUAL TABLE products_fts USING fts5(
    title, description, content='products', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO products_fts(products_fts) VALUES ('rebuild');
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
    INSERT INTO products_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, title, description)
    VALUES ('delete', old.id, old.title, old.description);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF title, description ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, title, description)
    VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO products_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
END;
"#;

const SQLITE_DOWN: &str = r#"
DROP TRIGGER IF EXISTS products_fts_update;
DROP TRIGGER IF EXISTS products_fts_delete;
DROP TRIGGER IF EXISTS products_fts_insert;
DROP TABLE IF EXISTS products_fts;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => db.execute_unprepared(SQLITE_UP).await.map(|_| ()),
            // Typo tolerance needs pg_trgm; a server without it still gets full-text search
            // (the search backend checks), so its absence is a warning, not a failure.
            DbBackend::Postgres => db
                .execute_unprepared(
                    "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; \
                     EXCEPTION WHEN OTHERS THEN \
                     RAISE WARNING 'pg_trgm is unavailable, search will not tolerate typos: %', SQLERRM; \
                     END $$",
                )
                .await
                .map(|_| ()),
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => manager
                .get_connection()
                .execute_unprepared(SQLITE_DOWN)
                .await
                .map(|_| ()),
            // The extension may serve others; it stays.
            _ => Ok(()),
        }
    }
}
