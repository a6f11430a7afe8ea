//! A stored `title_document` tsvector of the title alone, with a GIN index, on PostgreSQL. The
//! relevance sort puts title matches ahead of description-only matches; with the title's own
//! vector each tier is a plain condition that a page can walk in id order and stop after it
//! has enough rows, instead of scoring every match. SQLite's FTS5 table already has the title
//! as its own column.

use sea_orm_migration::prelude::*;

use crate::ddl::postgres_only;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = r#"
DO $$
DECLARE config text := CASE WHEN EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian')
                            THEN 'indonesian' ELSE 'simple' END;
BEGIN
    EXECUTE format('ALTER TABLE products ADD COLUMN title_document tsvector GENERATED ALWAYS AS (to_tsvector(%L::regconfig, coalesce(title, %L))) STORED', config, '');
    CREATE INDEX products_title_document_idx ON products USING GIN (title_document);
END $$
"#;

const POSTGRES_DOWN: &str = "DROP INDEX IF EXISTS products_title_document_idx; \
                             ALTER TABLE products DROP COLUMN IF EXISTS title_document";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_only(manager, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_only(manager, POSTGRES_DOWN).await
    }
}
