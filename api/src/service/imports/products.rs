//! Product rows: matched to stored variants by SKU within the aggregator; a product whose SKUs
//! are new is created, a known one updated (its `version` bumped when anything changed).

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use chrono::Utc;
use entity::{categories, import_jobs, products};
use sea_orm::{ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait};
use tokio_util::sync::CancellationToken;

use super::{
    batches::{BATCH_ROWS, Batches, parse_file, unprocessed, write_and_publish},
    csv_reader::Columns,
    jobs::{self, BatchOutcome},
    product_rows::{Group, ProductDef, VariantRow, parse_all},
    product_store::{Stored, lookups},
    rejections::RejectedRow,
};
use crate::{
    cache::{Cache, tags::ListChange},
    error::AppResult,
    service::{
        invalidation,
        product_changes::{self as changes, touch},
        products::{
            MAX_VARIANTS,
            fields::{ProductFields, ValidImage, ValidVariant},
            images,
            rows::{new_product, product_changes, variant_changes},
            variants,
        },
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
        let written = write_and_publish(cache, || {
            write_batch(db, job, batch, &categories, current, lease)
        })
        .await?;
        let Some(next) = written else {
            return Ok(Batches::LeaseLost);
        };
        progress = next;
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
    invalidation::record_products(&txn, &outcome.changed_products, ListChange::Membership).await?;
    changes::products_changed(&txn, &outcome.changed_products).await?;
    txn.commit().await?;
    Ok(Some(next))
}

/// Why a whole product was refused: (its describing line, the column, the reason).
type Refusal = (u64, &'static str, String);

/// Where a product's rows go: a new product of the seller, or a stored one.
struct Target {
    seller_id: i64,
    fields: ProductFields,
    stored: Option<products::Model>,
    /// The highest position among the stored product's variants (-1 for none).
    last_position: i32,
}

async fn write_product(
    txn: &DatabaseTransaction,
    aggregator_id: i64,
    def: &ProductDef,
    rows: &[&VariantRow],
    categories: &HashMap<String, i64>,
    stored: &Stored,
    outcome: &mut BatchOutcome,
) -> AppResult<Option<Refusal>> {
    let target = match target(def, rows, categories, stored) {
        Ok(target) => target,
        Err(refusal) => return Ok(Some(refusal)),
    };
    match &target.stored {
        None => create_product(txn, aggregator_id, def, rows, &target, outcome).await?,
        Some(product) => {
            update_product(txn, product, def, rows, &target, stored, outcome).await?;
        }
    }
    Ok(None)
}

/// Matches the product's rows to a seller, a category and at most one stored product, or
/// says why they cannot be written.
fn target(
    def: &ProductDef,
    rows: &[&VariantRow],
    categories: &HashMap<String, i64>,
    stored: &Stored,
) -> Result<Target, Refusal> {
    let refuse = |field, message: String| Err((def.line, field, message));
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
    let product = matched.iter().next().and_then(|id| stored.products.get(id));
    if product.is_some_and(|product| product.seller_id != seller_id) {
        return refuse(
            "seller_phone",
            "the SKUs belong to a product of another seller".into(),
        );
    }
    Ok(Target {
        seller_id,
        fields: ProductFields {
            category_id,
            title: def.title.clone(),
            description: def.description.clone(),
            status: def.status,
            halal_certified: def.halal,
        },
        stored: product.cloned(),
        last_position,
    })
}

fn valid_images(urls: &[String]) -> Vec<ValidImage> {
    urls.iter()
        .map(|url| ValidImage {
            url: url.clone(),
            alt_text: None,
        })
        .collect()
}

async fn create_product(
    txn: &DatabaseTransaction,
    aggregator_id: i64,
    def: &ProductDef,
    rows: &[&VariantRow],
    target: &Target,
    outcome: &mut BatchOutcome,
) -> AppResult<()> {
    let now = Utc::now();
    let product = new_product((aggregator_id, target.seller_id), &target.fields, now)
        .insert(txn)
        .await?;
    images::insert(
        txn,
        product.id,
        &valid_images(def.images.as_deref().unwrap_or_default()),
    )
    .await?;
    insert_variants(txn, &product, rows, target.last_position, now).await?;
    outcome.created += rows.len();
    outcome.changed_products.push(product.id);
    Ok(())
}

async fn update_product(
    txn: &DatabaseTransaction,
    product: &products::Model,
    def: &ProductDef,
    rows: &[&VariantRow],
    target: &Target,
    stored: &Stored,
    outcome: &mut BatchOutcome,
) -> AppResult<()> {
    let now = Utc::now();
    let mut changed = false;
    if let Some(update) = product_changes(product, &target.fields, now) {
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
        images::replace(txn, product.id, &valid_images(urls)).await?;
        changed = true;
    }
    let mut new_variants = Vec::new();
    for row in rows {
        let Some(current) = stored.variants.get(&row.variant.sku) else {
            new_variants.push(*row);
            continue;
        };
        outcome.updated += 1;
        let stock = row.stock.unwrap_or(current.stock);
        let weight_grams = row.weight_grams.unwrap_or(current.weight_grams);
        if let Some(update) = variant_changes(current, &row.variant, (stock, weight_grams), now) {
            update.update(txn).await?;
            changed = true;
        }
    }
    if !new_variants.is_empty() {
        insert_variants(txn, product, &new_variants, target.last_position, now).await?;
        outcome.created += new_variants.len();
        changed = true;
    }
    if changed {
        touch(txn, product.id).await?;
        outcome.changed_products.push(product.id);
    }
    Ok(())
}

/// Stores new rows' variants after the product's last position.
async fn insert_variants(
    txn: &DatabaseTransaction,
    product: &products::Model,
    rows: &[&VariantRow],
    last_position: i32,
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    let variants: Vec<&ValidVariant> = rows.iter().map(|row| &row.variant).collect();
    variants::insert_many(
        txn,
        (product.aggregator_id, product.id),
        &variants,
        last_position + 1,
        now,
    )
    .await
}
