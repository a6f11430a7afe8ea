//! A product with its variants and images: what most catalogue changes return, what channel
//! rules check and what the outbox pushes.

use entity::{product_images, product_variants, products};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::{AppError, AppResult};

/// A product with its variants and images, each in display order.
#[derive(Clone, Debug)]
pub struct ProductDetail {
    pub product: products::Model,
    pub variants: Vec<product_variants::Model>,
    pub images: Vec<product_images::Model>,
}

/// One product with its variants and images.
pub(in crate::service) async fn detail(
    db: &impl ConnectionTrait,
    product: products::Model,
) -> AppResult<ProductDetail> {
    let mut details = with_details(db, vec![product]).await?;
    details.pop().ok_or(AppError::NotFound("product"))
}

/// Loads the variants and images of many products in two queries.
pub(in crate::service) async fn with_details(
    db: &impl ConnectionTrait,
    products: Vec<products::Model>,
) -> AppResult<Vec<ProductDetail>> {
    let ids: Vec<i64> = products.iter().map(|product| product.id).collect();
    let mut variants = product_variants::Entity::find()
        .filter(product_variants::Column::ProductId.is_in(ids.clone()))
        .order_by_asc(product_variants::Column::Position)
        .order_by_asc(product_variants::Column::Id)
        .all(db)
        .await?;
    let mut images = product_images::Entity::find()
        .filter(product_images::Column::ProductId.is_in(ids))
        .order_by_asc(product_images::Column::Position)
        .order_by_asc(product_images::Column::Id)
        .all(db)
        .await?;
    Ok(products
        .into_iter()
        .map(|product| {
            let (own_variants, rest) = variants
                .drain(..)
                .partition(|variant| variant.product_id == product.id);
            variants = rest;
            let (own_images, rest) = images
                .drain(..)
                .partition(|image| image.product_id == product.id);
            images = rest;
            ProductDetail {
                product,
                variants: own_variants,
                images: own_images,
            }
        })
        .collect())
}
