//! The catalogue reads and writes of the product import: one round of lookups per batch, and
//! bulk inserts of variants and images.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{product_images, product_variants, products, sellers};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set};

use super::product_rows::{Group, VariantRow};
use crate::error::AppResult;

/// What the batch's lookups found.
pub struct Stored {
    pub sellers: HashMap<String, i64>,
    pub variants: HashMap<String, product_variants::Model>,
    pub products: HashMap<i64, products::Model>,
    /// Variants per product: (how many, the highest position).
    pub siblings: HashMap<i64, (usize, i32)>,
    pub images: HashMap<i64, Vec<String>>,
}

pub async fn lookups(
    txn: &DatabaseTransaction,
    aggregator_id: i64,
    batch: &[Group],
) -> AppResult<Stored> {
    let phones: HashSet<&str> = batch
        .iter()
        .filter_map(|group| group.product.as_ref())
        .map(|p| p.seller_phone.as_str())
        .collect();
    let skus: Vec<&str> = batch
        .iter()
        .flat_map(|group| group.rows.iter().flatten())
        .map(|row| row.variant.sku.as_str())
        .collect();
    let sellers = sellers::Entity::find()
        .filter(sellers::Column::AggregatorId.eq(aggregator_id))
        .filter(sellers::Column::Phone.is_in(phones))
        .all(txn)
        .await?
        .into_iter()
        .map(|seller| (seller.phone, seller.id))
        .collect();
    let variants: HashMap<String, product_variants::Model> = product_variants::Entity::find()
        .filter(product_variants::Column::AggregatorId.eq(aggregator_id))
        .filter(product_variants::Column::Sku.is_in(skus))
        .all(txn)
        .await?
        .into_iter()
        .map(|variant| (variant.sku.clone(), variant))
        .collect();
    let ids: HashSet<i64> = variants
        .values()
        .map(|variant| variant.product_id)
        .collect();
    let products = products::Entity::find()
        .filter(products::Column::Id.is_in(ids.iter().copied()))
        .all(txn)
        .await?
        .into_iter()
        .map(|product| (product.id, product))
        .collect();
    let mut siblings: HashMap<i64, (usize, i32)> = HashMap::new();
    for variant in product_variants::Entity::find()
        .filter(product_variants::Column::ProductId.is_in(ids.iter().copied()))
        .all(txn)
        .await?
    {
        let entry = siblings.entry(variant.product_id).or_insert((0, -1));
        *entry = (entry.0 + 1, entry.1.max(variant.position));
    }
    let mut images: HashMap<i64, Vec<String>> = HashMap::new();
    for image in product_images::Entity::find()
        .filter(product_images::Column::ProductId.is_in(ids.iter().copied()))
        .order_by_asc(product_images::Column::Position)
        .all(txn)
        .await?
    {
        images.entry(image.product_id).or_default().push(image.url);
    }
    Ok(Stored {
        sellers,
        variants,
        products,
        siblings,
        images,
    })
}

pub async fn insert_variants(
    txn: &DatabaseTransaction,
    product: &products::Model,
    rows: &[&VariantRow],
    last_position: i32,
) -> AppResult<()> {
    let now = Utc::now();
    let models =
        rows.iter()
            .zip(last_position + 1..)
            .map(|(row, position)| product_variants::ActiveModel {
                aggregator_id: Set(product.aggregator_id),
                product_id: Set(product.id),
                sku: Set(row.variant.sku.clone()),
                name: Set(row.variant.name.clone()),
                option_values: Set(row.variant.option_values.to_json()),
                price: Set(row.variant.price),
                stock: Set(row.stock.unwrap_or(0)),
                weight_grams: Set(row.weight_grams.unwrap_or(0)),
                position: Set(position),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
    product_variants::Entity::insert_many(models)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

pub async fn insert_images(
    txn: &DatabaseTransaction,
    product_id: i64,
    urls: &[String],
) -> AppResult<()> {
    if urls.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let models = urls
        .iter()
        .zip(0..)
        .map(|(url, position)| product_images::ActiveModel {
            product_id: Set(product_id),
            url: Set(url.clone()),
            alt_text: Set(None),
            position: Set(position),
            created_at: Set(now),
            ..Default::default()
        });
    product_images::Entity::insert_many(models)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
