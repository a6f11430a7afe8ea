//! Batched reads for the public catalogue's DataLoaders: one statement per batch of keys.

use std::collections::HashMap;

use entity::{categories, product_images, product_variants, sellers};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::AppResult;

/// Sellers by id (callers decide what of them to show).
pub async fn sellers(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, sellers::Model>> {
    Ok(sellers::Entity::find()
        .filter(sellers::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|seller| (seller.id, seller))
        .collect())
}

/// Categories by id.
pub async fn categories(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, categories::Model>> {
    Ok(categories::Entity::find()
        .filter(categories::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|category| (category.id, category))
        .collect())
}

/// The variants of each product, in display order (every asked id gets an entry).
pub async fn variants(
    db: &impl ConnectionTrait,
    product_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<product_variants::Model>>> {
    let mut by_product: HashMap<i64, Vec<_>> =
        product_ids.iter().map(|id| (*id, Vec::new())).collect();
    for variant in product_variants::Entity::find()
        .filter(product_variants::Column::ProductId.is_in(product_ids.to_vec()))
        .order_by_asc(product_variants::Column::Position)
        .order_by_asc(product_variants::Column::Id)
        .all(db)
        .await?
    {
        by_product
            .entry(variant.product_id)
            .or_default()
            .push(variant);
    }
    Ok(by_product)
}

/// The images of each product, in display order (every asked id gets an entry).
pub async fn images(
    db: &impl ConnectionTrait,
    product_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<product_images::Model>>> {
    let mut by_product: HashMap<i64, Vec<_>> =
        product_ids.iter().map(|id| (*id, Vec::new())).collect();
    for image in product_images::Entity::find()
        .filter(product_images::Column::ProductId.is_in(product_ids.to_vec()))
        .order_by_asc(product_images::Column::Position)
        .order_by_asc(product_images::Column::Id)
        .all(db)
        .await?
    {
        by_product.entry(image.product_id).or_default().push(image);
    }
    Ok(by_product)
}
