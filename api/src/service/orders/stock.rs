//! One stock truth: an order's lines take their units from the variants in the transaction
//! that records the order, each line all or nothing and never below zero, and give them back
//! once. Every change queues the new stock for the product's listings on the other channels.

use std::collections::{BTreeSet, HashMap};

use entity::{order_lines, orders, product_variants};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
};

use super::document::Line;
use crate::{
    db::statement,
    error::AppResult,
    service::{
        product_changes::{stock_moved_by_order, touch},
        products::stock::stock_update,
    },
};

/// Why a line took no stock.
pub const UNKNOWN_SKU: &str = "UNKNOWN_SKU";
pub const OVERSOLD: &str = "OVERSOLD";
/// The SKU is another seller's: an order is one seller's.
pub const OTHER_SELLER: &str = "OTHER_SELLER";

/// A variant a line's SKU names.
#[derive(Clone, Copy, Debug)]
struct Known {
    variant_id: i64,
    product_id: i64,
    seller_id: i64,
}

/// An order's lines with the variants their SKUs name within the aggregator.
pub struct Matched {
    /// The seller of the first line whose SKU is known.
    pub seller_id: Option<i64>,
    lines: Vec<(Line, Option<Known>)>,
}

/// Finds each line's variant by SKU among the aggregator's variants.
pub async fn match_lines(
    db: &impl ConnectionTrait,
    aggregator_id: i64,
    lines: &[Line],
) -> AppResult<Matched> {
    let skus: BTreeSet<&str> = lines.iter().map(|line| line.sku.as_str()).collect();
    let placeholders = vec!["?"; skus.len()].join(", ");
    let sql = format!(
        "SELECT v.id AS variant_id, v.sku AS sku, v.product_id AS product_id, \
         p.seller_id AS seller_id FROM product_variants v JOIN products p ON p.id = v.product_id \
         WHERE v.aggregator_id = ? AND v.sku IN ({placeholders})"
    );
    let mut values: Vec<sea_orm::Value> = vec![aggregator_id.into()];
    values.extend(skus.iter().map(|sku| (*sku).into()));
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), &sql, values))
        .await?;
    let mut by_sku = HashMap::new();
    for row in rows {
        let sku: String = row.try_get("", "sku")?;
        by_sku.insert(
            sku,
            Known {
                variant_id: row.try_get("", "variant_id")?,
                product_id: row.try_get("", "product_id")?,
                seller_id: row.try_get("", "seller_id")?,
            },
        );
    }
    let lines: Vec<(Line, Option<Known>)> = lines
        .iter()
        .map(|line| (line.clone(), by_sku.get(&line.sku).copied()))
        .collect();
    let seller_id = lines
        .iter()
        .find_map(|(_, known)| known.map(|known| known.seller_id));
    Ok(Matched { seller_id, lines })
}

/// What taking stock for an order came to.
pub struct Taken {
    /// A line's SKU is unknown or another seller's, or its stock was short.
    pub needs_attention: bool,
    /// At least one line took stock.
    pub held: bool,
}

/// Records the order's lines and, when `take` (the order is placed or paid), takes each
/// line's units from its variant: all of them when the stock has them, else none, and the
/// line says by how many it was oversold.
pub async fn take(
    db: &impl ConnectionTrait,
    order: &orders::Model,
    matched: Matched,
    take: bool,
) -> AppResult<Taken> {
    let products = owned_products(&matched);
    if take {
        // The product locks first, in id order, as every stock change takes them.
        for product_id in &products {
            touch(db, *product_id).await?;
        }
    }
    let mut result = Taken {
        needs_attention: false,
        held: false,
    };
    for (position, (line, known)) in matched.lines.into_iter().enumerate() {
        let (accepted, problem, oversold_by) = match known {
            None => (0, Some(UNKNOWN_SKU), None),
            Some(known) if Some(known.seller_id) != matched.seller_id => {
                (0, Some(OTHER_SELLER), None)
            }
            Some(_) if !take => (0, None, None),
            Some(known) => match take_units(db, known.variant_id, line.quantity).await? {
                Ok(()) => (line.quantity, None, None),
                Err(available) => (0, Some(OVERSOLD), Some(line.quantity - available)),
            },
        };
        result.needs_attention |= problem.is_some();
        result.held |= accepted > 0;
        order_lines::ActiveModel {
            order_id: Set(order.id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            sku: Set(line.sku),
            variant_id: Set(known.map(|known| known.variant_id)),
            quantity: Set(line.quantity),
            unit_price: Set(line.unit_price),
            accepted_quantity: Set(accepted),
            problem: Set(problem.map(str::to_owned)),
            oversold_by: Set(oversold_by),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    if take && !products.is_empty() {
        stock_moved_by_order(
            db,
            &products.into_iter().collect::<Vec<_>>(),
            Some(order.channel_id),
        )
        .await?;
    }
    Ok(result)
}

/// The products of the lines that belong to the order's seller, in id order.
fn owned_products(matched: &Matched) -> BTreeSet<i64> {
    matched
        .lines
        .iter()
        .filter_map(|(_, known)| *known)
        .filter(|known| Some(known.seller_id) == matched.seller_id)
        .map(|known| known.product_id)
        .collect()
}

/// Takes `quantity` units in one conditional statement; when the stock is short, how many
/// units there were.
async fn take_units(
    db: &impl ConnectionTrait,
    variant_id: i64,
    quantity: i32,
) -> AppResult<Result<(), i32>> {
    let stock = Expr::col(product_variants::Column::Stock);
    let taken = stock_update(variant_id, stock.clone().sub(quantity))
        .filter(stock.gte(quantity))
        .exec(db)
        .await?;
    if taken.rows_affected == 1 {
        return Ok(Ok(()));
    }
    let available = product_variants::Entity::find_by_id(variant_id)
        .one(db)
        .await?
        .map_or(0, |variant| variant.stock);
    Ok(Err(std::cmp::max(available, 0)))
}

/// Gives back the units an order's lines took (a cancellation or a return before shipping),
/// and tells every listing but those on `except_channel` the new stock. The caller clears
/// `stock_held` in the same transaction, so it happens once.
pub async fn give_back(
    db: &impl ConnectionTrait,
    order: &orders::Model,
    except_channel: Option<i64>,
) -> AppResult<()> {
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.eq(order.id))
        .filter(order_lines::Column::AcceptedQuantity.gt(0))
        .all(db)
        .await?;
    let variant_ids: Vec<i64> = lines.iter().filter_map(|line| line.variant_id).collect();
    if variant_ids.is_empty() {
        return Ok(());
    }
    let products: BTreeSet<i64> = product_variants::Entity::find()
        .filter(product_variants::Column::Id.is_in(variant_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|variant| variant.product_id)
        .collect();
    for product_id in &products {
        touch(db, *product_id).await?;
    }
    for line in &lines {
        let Some(variant_id) = line.variant_id else {
            continue;
        };
        let stock = Expr::col(product_variants::Column::Stock);
        stock_update(variant_id, stock.add(line.accepted_quantity))
            .exec(db)
            .await?;
    }
    stock_moved_by_order(
        db,
        &products.into_iter().collect::<Vec<_>>(),
        except_channel,
    )
    .await
}
