//! Stock: how many units of a variant are on hand. Sellers keep their own products' stock
//! too, so these are apart from the catalogue manager's changes in [`super::variants`].

use chrono::Utc;
use entity::{enums::Role, product_variants};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, UpdateMany,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};
use serde_json::json;

use super::{
    fields::MAX_STOCK,
    variant_checks::{at, check_range},
    variants::{find, reload_and_commit},
};
use crate::{
    auth::AuthUser,
    domain::Validator,
    error::{AppError, AppResult, FieldErrorCode},
    service::product_changes::{audit_sync_and_push, touch},
};

/// Aggregator admins and staff, and a seller for its own products, keep the stock.
fn require_stock_keeper(caller: &AuthUser) -> AppResult<()> {
    match caller.role {
        Role::AggregatorAdmin | Role::AggregatorStaff | Role::Seller => Ok(()),
        Role::PlatformAdmin => Err(AppError::Forbidden),
    }
}

/// The statement that sets a variant's stock to `new_stock` and stamps `updated_at`.
pub(in crate::service) fn stock_update(
    id: i64,
    new_stock: SimpleExpr,
) -> UpdateMany<product_variants::Entity> {
    product_variants::Entity::update_many()
        .col_expr(product_variants::Column::Stock, new_stock)
        .col_expr(product_variants::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(product_variants::Column::Id.eq(id))
}

/// Sets the stock to an absolute count.
#[tracing::instrument(skip(db))]
pub async fn set_stock(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    stock: i32,
) -> AppResult<product_variants::Model> {
    let current = find(db, caller, id).await?;
    require_stock_keeper(caller)?;
    let mut v = Validator::new();
    check_range(&mut v, &at(&["input"], "stock"), stock, MAX_STOCK);
    v.finish()?;

    let txn = crate::db::begin_write(db).await?;
    touch(&txn, current.product_id).await?;
    stock_update(id, Expr::value(stock)).exec(&txn).await?;
    audit_sync_and_push(
        &txn,
        caller,
        (current.aggregator_id, current.product_id),
        "product.stock_set",
        json!({ "variantId": id, "sku": current.sku, "from": current.stock, "to": stock }),
    )
    .await?;
    reload_and_commit(txn, caller, id).await
}

/// Adds `delta` (negative to take away) in one conditional statement, so concurrent
/// adjustments never lose an update and never take the stock below zero.
#[tracing::instrument(skip(db))]
pub async fn adjust_stock(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    delta: i32,
) -> AppResult<product_variants::Model> {
    let current = find(db, caller, id).await?;
    require_stock_keeper(caller)?;
    if delta == 0 || delta.unsigned_abs() > MAX_STOCK as u32 {
        return Err(AppError::invalid(
            &["input", "delta"],
            FieldErrorCode::Invalid,
            format!("must be a non-zero change of at most {MAX_STOCK} units"),
        ));
    }

    let txn = crate::db::begin_write(db).await?;
    touch(&txn, current.product_id).await?;
    let new_stock = Expr::col(product_variants::Column::Stock).add(delta);
    let result = stock_update(id, new_stock.clone())
        .filter(new_stock.clone().gte(0))
        .filter(new_stock.lte(MAX_STOCK))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        txn.rollback().await?;
        let latest = find(db, caller, id).await?;
        return Err(if i64::from(latest.stock) + i64::from(delta) < 0 {
            AppError::invalid(
                &["input", "delta"],
                FieldErrorCode::InsufficientStock,
                format!(
                    "would take the stock below zero: only {} in stock",
                    latest.stock
                ),
            )
        } else {
            AppError::invalid(
                &["input", "delta"],
                FieldErrorCode::TooBig,
                format!("would take the stock above {MAX_STOCK}"),
            )
        });
    }
    audit_sync_and_push(
        &txn,
        caller,
        (current.aggregator_id, current.product_id),
        "product.stock_adjusted",
        json!({ "variantId": id, "sku": current.sku, "delta": delta }),
    )
    .await?;
    reload_and_commit(txn, caller, id).await
}
