//! Indexes for the public catalogue's search and price filters. On PostgreSQL: a stored,
//! generated `search_document` tsvector of title and description (the `indonesian`
//! configuration when the server has it, else `simple`) with a GIN index, so neither matching
//! nor ranking recomputes it per row, and a trigram GIN index over the lowered title for typo
//! matches; on both backends, variants by price for the price filters.

use sea_orm_migration::prelude::*;

use crate::ddl::postgres_only;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = r#"
DO $$
DECLARE config text := CASE WHEN EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian')
                            THEN 'indonesian' ELSE 'simple' END;
BEGIN
    EXECUTE format('ALTER TABLE products ADD COLUMN search_document tsvector GENERATED ALWAYS AS (to_tsvector(%L::regconfig, coalesce(title, %L) || %L || coalesce(description, %L))) STORED', config, '', ' ', '');
    CREATE INDEX products_search_document_idx ON products USING GIN (search_document);
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX products_title_trgm_idx ON products USING GIN (lower(title) gin_trgm_ops);
    END IF;
END $$
"#;

const POSTGRES_DOWN: &str = "DROP INDEX IF EXISTS products_title_trgm_idx; \
                             ALTER TABLE products DROP COLUMN IF EXISTS search_document";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_only(manager, POSTGRES_UP).await?;
        manager
            .create_index(
                Index::create()
                    .name("product_variants_price_idx")
                    .table(Alias::new("product_variants"))
                    .col(Alias::new("price"))
                    .col(Alias::new("product_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("product_variants_price_idx")
                    .table(Alias::new("product_variants"))
                    .to_owned(),
            )
            .await?;
        postgres_only(manager, POSTGRES_DOWN).await
    }
}
