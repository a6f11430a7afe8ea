//! Product rows: matched to stored variants by SKU within the aggregator; a product whose SKUs
//! are new is created, a known one updated (its `version` bumped when anything changed).

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use chrono::Utc;
use entity::{
    categories, enums::ProductStatus, import_jobs, product_images, product_variants, products,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set,
};
use tokio_util::sync::CancellationToken;

use super::{
    BATCH_ROWS, RejectedRow, bump_catalogue_version,
    csv_reader::Columns,
    jobs::{self, BatchOutcome},
    product_rows::{Group, ProductDef, VariantRow, parse_all},
    product_store::{Stored, insert_images, insert_variants, lookups},
    retry_on_conflict,
    run::{Batches, parse_file, unprocessed},
};
use crate::{
    cache::Cache,
    error::AppResult,
    service::{
        product_changes::{self, touch},
        products::MAX_VARIANTS,
    },
};

pub const COLUMNS: Columns = Columns {
    required: &[
        "product_handle",
        "seller_phone",
        "title",
        "category",
        "sku",
        "price",
    ],
    optional: &[
        "description",
        "halal",
        "status",
        "variant_name",
        "options",
        "stock",
        "weight_grams",
        "image_urls",
    ],
};

/// Writes the job's products from its last committed batch on.
/// `cache` is told after each committed batch that the public catalogue changed.
pub(super) async fn run(
    db: &DatabaseConnection,
    cache: &Cache,
    job: &import_jobs::Model,
    content: Vec<u8>,
    lease: Duration,
    stop: &CancellationToken,
) -> AppResult<Batches> {
    let Some(groups) = parse_file(content, &COLUMNS, parse_all, stop).await? else {
        return Ok(Batches::Stopped);
    };
    let categories: HashMap<String, i64> = categories::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|category| (category.slug, category.id))
        .collect();
    let mut progress = jobs::Progress::of(job);
    let mut rest = unprocessed(job, &groups, groups_before(&groups, progress.processed))?;
    while !rest.is_empty() {
        if stop.is_cancelled() {
            return Ok(Batches::Stopped);
        }
        // Whole products per batch: a product's rows never straddle two transactions.
        let mut take = 0;
        let mut rows = 0;
        while take < rest.len() && (take == 0 || rows + rest[take].rows.len() <= BATCH_ROWS) {
            rows += rest[take].rows.len();
            take += 1;
        }
        let (batch, after) = rest.split_at(take);
        let current = &progress;
        let written =
            retry_on_conflict(|| write_batch(db, job, batch, &categories, current, lease)).await?;
        let Some(next) = written else {
            return Ok(Batches::LeaseLost);
        };
        progress = next;
        bump_catalogue_version(cache).await;
        rest = after;
    }
    Ok(Batches::Done)
}

/// How many groups hold the first `rows` rows. Batches hold whole groups, so a committed count
/// always ends on a group; one that does not is past the end (the file does not match the job).
fn groups_before(groups: &[Group], rows: usize) -> usize {
    let mut seen = 0;
    for (index, group) in groups.iter().enumerate() {
        if seen == rows {
            return index;
        }
        seen += group.rows.len();
    }
    if seen == rows {
        groups.len()
    } else {
        usize::MAX
    }
}

/// Writes the batch's products and saves the job's totals, in one transaction; `None`, with
/// nothing written, when the job is no longer this runner's.
async fn write_batch(
    db: &DatabaseConnection,
    job: &import_jobs::Model,
    batch: &[Group],
    categories: &HashMap<String, i64>,
    progress: &jobs::Progress,
    lease: Duration,
) -> AppResult<Option<jobs::Progress>> {
    let txn = crate::db::begin_write(db).await?;
    let stored = lookups(&txn, job.aggregator_id, batch).await?;
    let mut outcome = BatchOutcome::default();
    for group in batch {
        outcome.processed += group.rows.len();
        let valid: Vec<&VariantRow> = group.rows.iter().flatten().collect();
        let refusal = match &group.product {
            Some(product) if !valid.is_empty() => {
                write_product(
                    &txn,
                    job.aggregator_id,
                    product,
                    &valid,
                    categories,
                    &stored,
                    &mut outcome,
                )
                .await?
            }
            _ => None,
        };
        let mut rejections: Vec<Vec<RejectedRow>> = Vec::new();
        for row in &group.rows {
            match (row, &refusal) {
                (Err(reasons), _) => rejections.push(reasons.clone()),
                (Ok(row), Some((first_line, field, message))) => {
                    rejections.push(vec![RejectedRow {
                        line: row.line,
                        field: (row.line == *first_line).then(|| field.to_string()),
                        message: if row.line == *first_line {
                            message.clone()
                        } else {
                            format!("belongs to a product rejected at line {first_line}: {message}")
                        },
                    }])
                }
                (Ok(_), None) => {}
            }
        }
        rejections.sort_by_key(|reasons| reasons.first().map_or(0, |reason| reason.line));
        for reasons in rejections {
            outcome.reject(reasons);
        }
    }
    let next = progress.with(&outcome);
    if !jobs::save_progress(&txn, job, progress, &next, lease).await? {
        return Ok(None);
    }
    product_changes::products_changed(&txn, &outcome.changed_products).await?;
    txn.commit().await?;
    Ok(Some(next))
}

/// Why a whole product was refused: (its describing line, the column, the reason).
type Refusal = Option<(u64, &'static str, String)>;

async fn write_product(
    txn: &DatabaseTransaction,
    aggregator_id: i64,
    def: &ProductDef,
    rows: &[&VariantRow],
    categories: &HashMap<String, i64>,
    stored: &Stored,
    outcome: &mut BatchOutcome,
) -> AppResult<Refusal> {
    let refuse = |field, message: String| Ok(Some((def.line, field, message)));
    let Some(&seller_id) = stored.sellers.get(&def.seller_phone) else {
        return refuse(
            "seller_phone",
            "no seller of this aggregator has this phone".into(),
        );
    };
    let Some(&category_id) = categories.get(&def.category) else {
        return refuse("category", format!("'{}' is not a category", def.category));
    };
    let matched: HashSet<i64> = rows
        .iter()
        .filter_map(|row| stored.variants.get(&row.variant.sku))
        .map(|variant| variant.product_id)
        .collect();
    if matched.len() > 1 {
        return refuse(
            "sku",
            format!(
                "the SKUs of '{}' belong to different stored products",
                def.handle
            ),
        );
    }
    let (existing_count, last_position) = matched
        .iter()
        .next()
        .and_then(|id| stored.siblings.get(id))
        .copied()
        .unwrap_or((0, -1));
    let new_rows = rows
        .iter()
        .filter(|row| !stored.variants.contains_key(&row.variant.sku))
        .count();
    if existing_count + new_rows > MAX_VARIANTS {
        return refuse(
            "sku",
            format!("a product may hold at most {MAX_VARIANTS} variants"),
        );
    }
    let now = Utc::now();
    let product = match matched.iter().next().and_then(|id| stored.products.get(id)) {
        Some(product) if product.seller_id != seller_id => {
            return refuse(
                "seller_phone",
                "the SKUs belong to a product of another seller".into(),
            );
        }
        Some(product) => product.clone(),
        None => {
            let product = products::ActiveModel {
                aggregator_id: Set(aggregator_id),
                seller_id: Set(seller_id),
                category_id: Set(category_id),
                title: Set(def.title.clone()),
                description: Set(def.description.clone()),
                status: Set(def.status),
                halal_certified: Set(def.halal),
                version: Set(1),
                published_at: Set((def.status == ProductStatus::Active).then_some(now)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            insert_images(txn, product.id, def.images.as_deref().unwrap_or_default()).await?;
            insert_variants(txn, &product, rows, last_position).await?;
            outcome.created += rows.len();
            outcome.changed_products.push(product.id);
            return Ok(None);
        }
    };

    let mut changed = false;
    let fields_changed = product.title != def.title
        || product.description != def.description
        || product.category_id != category_id
        || product.halal_certified != def.halal
        || product.status != def.status;
    if fields_changed {
        let mut update: products::ActiveModel = product.clone().into();
        update.title = Set(def.title.clone());
        update.description = Set(def.description.clone());
        update.category_id = Set(category_id);
        update.halal_certified = Set(def.halal);
        update.status = Set(def.status);
        if def.status == ProductStatus::Active && product.published_at.is_none() {
            update.published_at = Set(Some(now));
        }
        update.update(txn).await?;
        changed = true;
    }
    if let Some(urls) = &def.images
        && stored
            .images
            .get(&product.id)
            .map_or(&[][..], Vec::as_slice)
            != urls.as_slice()
    {
        product_images::Entity::delete_many()
            .filter(product_images::Column::ProductId.eq(product.id))
            .exec(txn)
            .await?;
        insert_images(txn, product.id, urls).await?;
        changed = true;
    }
    let mut new_variants = Vec::new();
    for row in rows {
        let Some(current) = stored.variants.get(&row.variant.sku) else {
            new_variants.push(*row);
            continue;
        };
        outcome.updated += 1;
        let variant = &row.variant;
        let option_values = variant.option_values.to_json();
        let stock = row.stock.unwrap_or(current.stock);
        let weight_grams = row.weight_grams.unwrap_or(current.weight_grams);
        if current.name == variant.name
            && current.option_values == option_values
            && current.price == variant.price
            && current.stock == stock
            && current.weight_grams == weight_grams
        {
            continue;
        }
        let mut update: product_variants::ActiveModel = current.clone().into();
        update.name = Set(variant.name.clone());
        update.option_values = Set(option_values);
        update.price = Set(variant.price);
        update.stock = Set(stock);
        update.weight_grams = Set(weight_grams);
        update.updated_at = Set(now);
        update.update(txn).await?;
        changed = true;
    }
    if !new_variants.is_empty() {
        insert_variants(txn, &product, &new_variants, last_position).await?;
        outcome.created += new_variants.len();
        changed = true;
    }
    if changed {
        touch(txn, product.id).await?;
        outcome.changed_products.push(product.id);
    }
    Ok(None)
}
