//! What every catalogue change shares: who may make it, the version bump, the audit entry,
//! and the product with its details that most of them return.
//!
//! Every change to a product, its variants, stock or images bumps `products.version` and
//! `updated_at` in the same transaction (channel sync and mobile delta sync rely on it) and
//! writes an audit entry on the product.

use chrono::{DateTime, Utc};
use entity::{enums::Role, product_images, product_variants, products};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, UpdateMany,
    sea_query::{Expr, ExprTrait},
};
use serde_json::Value;

use super::{
    audit::{self, AuditEntry},
    catalogue_changes,
};
use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
};

/// A product with its variants and images, each in display order.
#[derive(Clone, Debug)]
pub struct ProductDetail {
    pub product: products::Model,
    pub variants: Vec<product_variants::Model>,
    pub images: Vec<product_images::Model>,
}

/// Only aggregator admins and staff change a catalogue beyond its stock.
pub(super) fn require_catalogue_manager(caller: &AuthUser) -> AppResult<i64> {
    match (caller.role, caller.aggregator_id) {
        (Role::AggregatorAdmin | Role::AggregatorStaff, Some(aggregator_id)) => Ok(aggregator_id),
        _ => Err(AppError::Forbidden),
    }
}

/// The statement that bumps a product's version and sets `updated_at` to `now`; callers
/// may add columns and conditions to it.
pub(super) fn bump_version(product_id: i64, now: DateTime<Utc>) -> UpdateMany<products::Entity> {
    products::Entity::update_many()
        .col_expr(
            products::Column::Version,
            Expr::col(products::Column::Version).add(1),
        )
        .col_expr(products::Column::UpdatedAt, Expr::value(now))
        .filter(products::Column::Id.eq(product_id))
}

/// Bumps a product's version and `updated_at`. Callers run it first in their transaction:
/// it takes the product's row lock (PostgreSQL) or the write lock (SQLite) before any read.
pub(super) async fn touch(db: &impl ConnectionTrait, product_id: i64) -> AppResult<()> {
    bump_version(product_id, Utc::now()).exec(db).await?;
    Ok(())
}

/// Ends a catalogue change: writes its audit entry (filed under the product) and marks the
/// product changed for delta sync. Every change calls it as the last write of its transaction.
pub(super) async fn record(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    (aggregator_id, product_id): (i64, i64),
    action: &str,
    changes: Value,
) -> AppResult<()> {
    audit::record(
        db,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(aggregator_id),
            action,
            entity_type: "Product",
            entity_id: product_id,
            changes,
        },
    )
    .await?;
    catalogue_changes::products_changed(db, &[product_id]).await
}

pub(super) async fn detail(
    db: &impl ConnectionTrait,
    product: products::Model,
) -> AppResult<ProductDetail> {
    let mut details = with_details(db, vec![product]).await?;
    details.pop().ok_or(AppError::NotFound("product"))
}

/// Loads the variants and images of many products in two queries.
pub(super) async fn with_details(
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
