//! `dermaga seed`: fills the database with a large synthetic catalogue for benchmarks,
//! using multi-row inserts in chunks rather than one statement per record.
//!
//! Ids are allocated here (from the current maximum) so that variants, images and listings
//! can point at products without reading them back; PostgreSQL's identity sequences are
//! moved past them afterwards. Run it while nothing else writes to the database.

mod rows;

use std::time::Instant;

use anyhow::Context as _;
use entity::{
    aggregators, channel_listings, channels, product_images, product_variants, products, sellers,
};
use rand::{SeedableRng, rngs::StdRng};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::service::{catalogue::changes as catalogue_changes, categories};

/// Rows per INSERT statement: well under PostgreSQL's 65,535 and SQLite's 32,766 bind
/// parameters for the widest table.
const CHUNK: usize = 1_000;

#[derive(Clone, Copy, Debug)]
pub struct SeedPlan {
    pub aggregators: usize,
    pub sellers: usize,
    pub products: usize,
}

#[derive(Debug, Default)]
pub struct SeedReport {
    pub aggregators: usize,
    pub sellers: usize,
    pub products: usize,
    pub variants: usize,
    pub images: usize,
    pub listings: usize,
    pub seconds: f64,
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seeded {} aggregators, {} sellers, {} products, {} variants, {} images, {} listings in {:.1} s",
            self.aggregators,
            self.sellers,
            self.products,
            self.variants,
            self.images,
            self.listings,
            self.seconds
        )
    }
}

/// The next free id of a table.
async fn next_id<E: EntityTrait>(db: &impl ConnectionTrait, id: E::Column) -> anyhow::Result<i64> {
    let max: Option<i64> = E::find()
        .select_only()
        .column_as(Expr::col(id).max(), "max")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok(max.unwrap_or(0) + 1)
}

/// Inserts models in chunks of [`CHUNK`] rows.
async fn insert_chunked<A>(db: &impl ConnectionTrait, models: Vec<A>) -> anyhow::Result<usize>
where
    A: ActiveModelTrait + Send,
{
    let total = models.len();
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<A> = models.by_ref().take(CHUNK).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(total)
}

pub async fn run(db: &DatabaseConnection, plan: SeedPlan) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    categories::ensure_default_tree(db).await?;
    crate::demo::ensure_channels(db).await?;
    let all_categories = categories::all(db).await?;
    let leaf_categories: Vec<(String, i64)> = all_categories
        .iter()
        .filter(|category| category.parent_id.is_some())
        .map(|category| (category.slug.clone(), category.id))
        .collect();
    let channel_ids: Vec<i64> = channels::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|channel| channel.id)
        .collect();
    let mut rng = StdRng::seed_from_u64(0x00D3_A06A);
    let mut ids = rows::NextIds {
        aggregator: next_id::<aggregators::Entity>(db, aggregators::Column::Id).await?,
        seller: next_id::<sellers::Entity>(db, sellers::Column::Id).await?,
        product: next_id::<products::Entity>(db, products::Column::Id).await?,
        variant: next_id::<product_variants::Entity>(db, product_variants::Column::Id).await?,
        image: next_id::<product_images::Entity>(db, product_images::Column::Id).await?,
        listing: next_id::<channel_listings::Entity>(db, channel_listings::Column::Id).await?,
    };
    let mut report = SeedReport::default();
    let aggregator_count = plan.aggregators.max(1);
    for index in 0..aggregator_count {
        let sellers_here = share(plan.sellers, aggregator_count, index);
        let products_here = share(plan.products, aggregator_count, index);
        let generated = rows::aggregator(
            &mut rng,
            &mut ids,
            index,
            sellers_here,
            products_here,
            &leaf_categories,
            &channel_ids,
        )?;
        insert_rows(db, generated, &mut report).await?;
    }
    // The bulk inserts bypassed the services; delta sync must still see every product.
    catalogue_changes::stamp_all_products(db)
        .await
        .context("recording the catalogue changes")?;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        move_sequences(db).await?;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Inserts one aggregator's rows in one transaction, counting them in `report`.
async fn insert_rows(
    db: &DatabaseConnection,
    generated: rows::AggregatorRows,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    let txn = crate::db::begin_write(db).await?;
    generated
        .aggregator
        .insert(&txn)
        .await
        .context("inserting an aggregator")?;
    report.aggregators += 1;
    report.sellers += insert_chunked(&txn, generated.sellers)
        .await
        .context("inserting sellers")?;
    report.products += insert_chunked(&txn, generated.products)
        .await
        .context("inserting products")?;
    report.variants += insert_chunked(&txn, generated.variants)
        .await
        .context("inserting variants")?;
    report.images += insert_chunked(&txn, generated.images)
        .await
        .context("inserting images")?;
    report.listings += insert_chunked(&txn, generated.listings)
        .await
        .context("inserting listings")?;
    txn.commit().await?;
    Ok(())
}

/// Moves PostgreSQL's identity sequences past the ids allocated here, and refreshes the
/// planner's statistics.
async fn move_sequences(db: &DatabaseConnection) -> anyhow::Result<()> {
    for table in [
        "aggregators",
        "sellers",
        "products",
        "product_variants",
        "product_images",
        "channel_listings",
    ] {
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))
        .await?;
    }
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

/// The `index`-th of `parts` near-equal shares of `total`.
fn share(total: usize, parts: usize, index: usize) -> usize {
    total / parts + usize::from(index < total % parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up() {
        let parts: Vec<usize> = (0..3).map(|i| share(10, 3, i)).collect();
        assert_eq!(parts, [4, 3, 3]);
    }
}
