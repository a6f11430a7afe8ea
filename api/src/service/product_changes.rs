//! What every change to a product does besides the change itself: it bumps the product's
//! version first, and last it writes the audit entry, stamps the catalogue sync log and queues
//! a push for each of the product's channel listings.
//!
//! Every change to a product, its variants, stock or images bumps `products.version` and
//! `updated_at` in the same transaction (channel sync and mobile delta sync rely on it) and
//! writes an audit entry on the product. Sellers' changes end the same way for every product
//! of theirs.

use chrono::{DateTime, Utc};
use entity::products;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, UpdateMany,
    sea_query::{Expr, ExprTrait},
};
use serde_json::Value;

use super::{
    audit::{self, AuditEntry},
    catalogue::changes as catalogue_changes,
    invalidation,
    listings::outbox,
};
use crate::{auth::AuthUser, cache::tags::ListChange, error::AppResult};

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

/// Ends a product change: writes its audit entry (filed under the product), then
/// `products_changed` (the sync log's tick and the channel pushes). Every change calls it as
/// the last write of its transaction.
pub(super) async fn audit_sync_and_push(
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
    invalidation::record_products(db, &[product_id], list_change(action)).await?;
    products_changed(db, &[product_id]).await
}

/// How a change moves the product in public lists, by its audit action: stock, price, variant
/// and image changes move it only in lists filtered or sorted by prices or stock.
fn list_change(action: &str) -> ListChange {
    match action {
        "product.stock_set"
        | "product.stock_adjusted"
        | "product.images_set"
        | "product.variant_added"
        | "product.variant_updated"
        | "product.variant_removed" => ListChange::Values,
        _ => ListChange::Membership,
    }
}

/// Marks products as changed in the sync log and queues a push for each of their channel
/// listings (the transactional outbox). Call it as the last statement of the transaction that
/// changed them, after recording their changes for the cache (`invalidation`).
pub async fn products_changed(db: &impl ConnectionTrait, product_ids: &[i64]) -> AppResult<()> {
    if product_ids.is_empty() {
        return Ok(());
    }
    // Before the clock: the clock stays the last lock a writer takes.
    outbox::queue_for_products(db, product_ids).await?;
    catalogue_changes::stamp_products(db, product_ids).await
}

/// Ends a stock change an order made: records it for the cache, queues the new stock for the
/// products' listings on every channel but `except_channel` (the channel whose own event moved
/// it knows), and stamps the sync log. Call it last in the transaction, after `touch`ing the
/// products.
pub async fn stock_moved_by_order(
    db: &impl ConnectionTrait,
    product_ids: &[i64],
    except_channel: Option<i64>,
) -> AppResult<()> {
    if product_ids.is_empty() {
        return Ok(());
    }
    invalidation::record_products(db, product_ids, ListChange::Values).await?;
    outbox::queue_for_products_except(db, product_ids, except_channel).await?;
    catalogue_changes::stamp_products(db, product_ids).await
}

/// Marks every product of these sellers as changed (their status or public profile changed)
/// and queues a push for their listings. Call it last in the transaction.
pub async fn seller_products_changed(
    db: &impl ConnectionTrait,
    seller_ids: &[i64],
) -> AppResult<()> {
    if seller_ids.is_empty() {
        return Ok(());
    }
    invalidation::record_sellers(db, seller_ids).await?;
    outbox::queue_for_sellers(db, seller_ids).await?;
    catalogue_changes::stamp_sellers_products(db, seller_ids).await
}
