//! Indexes for the public catalogue's search and price filters. On PostgreSQL: a GIN index over
//! the same `to_tsvector` expression the search runs (the `indonesian` configuration when the
//! server has it, else `simple`), and a trigram GIN index over the lowered title for typo
//! matches; on both backends, variants by price for the price filters.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = r#"
DO $$
DECLARE config text := CASE WHEN EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian')
                            THEN 'indonesian' ELSE 'simple' END;
BEGIN
    EXECUTE format(
        'CREATE INDEX IF NOT EXISTS products_search_document_idx ON products USING GIN '
        '(to_tsvector(%L, coalesce(title, '''') || '' '' || coalesce(description, '''')))',
        config);
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS products_title_trgm_idx ON products USING GIN (lower(title) gin_trgm_ops);
    END IF;
END $$
"#;

const POSTGRES_DOWN: &str = "DROP INDEX IF EXISTS products_title_trgm_idx; \
                             DROP INDEX IF EXISTS products_search_document_idx";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(POSTGRES_UP)
                .await?;
        }
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
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(POSTGRES_DOWN)
                .await?;
        }
        Ok(())
    }
}
