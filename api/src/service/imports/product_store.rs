//! The catalogue reads of the product import: one round of lookups per batch.

use std::collections::{HashMap, HashSet};

use entity::{product_images, product_variants, products, sellers};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

use super::product_rows::Group;
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
