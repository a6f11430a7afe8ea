//! What the aggregator's team (or the seller) does with an order: ship it with a courier and a
//! tracking number (*resi*), complete it, or cancel it. Each change is queued for the order's
//! channel in the same transaction; a cancellation gives the stock back once and tells every
//! channel the new stock.

use chrono::Utc;
use entity::{enums::OrderStatus, orders};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, QueryFilter, Set,
};
use serde_json::json;

use super::{pushes, reads, stock};
use crate::{
    auth::AuthUser,
    domain::Text,
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    events::{self, Event},
    service::{
        audit::{self, AuditEntry},
        channels,
    },
};
use entity::enums::Role;

/// A parcel handed to a courier.
#[derive(Clone, Debug)]
pub struct Shipment {
    /// e.g. `JNE`, `J&T`, `SiCepat`.
    pub courier: String,
    /// The courier's receipt number (*resi*).
    pub tracking_number: String,
}

/// `CREATED` or `PAID` → `SHIPPED`.
pub async fn mark_shipped(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    shipment: Shipment,
) -> AppResult<orders::Model> {
    let courier = text(&["input", "courier"], &shipment.courier, 50)?;
    let tracking_number = text(&["input", "trackingNumber"], &shipment.tracking_number, 100)?;
    change(db, caller, id, "order.shipped", |order, change| {
        allowed(order, &[OrderStatus::Created, OrderStatus::Paid], "shipped")?;
        change.status = Set(OrderStatus::Shipped);
        change.shipped_at = Set(Some(Utc::now()));
        change.courier = Set(Some(courier.clone()));
        change.tracking_number = Set(Some(tracking_number.clone()));
        Ok(false)
    })
    .await
}

/// `SHIPPED` → `COMPLETED`.
pub async fn mark_completed(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
) -> AppResult<orders::Model> {
    change(db, caller, id, "order.completed", |order, change| {
        allowed(order, &[OrderStatus::Shipped], "completed")?;
        change.status = Set(OrderStatus::Completed);
        change.completed_at = Set(Some(Utc::now()));
        Ok(false)
    })
    .await
}

/// `CREATED` or `PAID` → `CANCELLED`, giving the stock back.
pub async fn cancel(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    reason: &str,
) -> AppResult<orders::Model> {
    let reason = text(&["input", "reason"], reason, 500)?;
    change(db, caller, id, "order.cancelled", |order, change| {
        allowed(
            order,
            &[OrderStatus::Created, OrderStatus::Paid],
            "cancelled",
        )?;
        change.status = Set(OrderStatus::Cancelled);
        change.cancelled_at = Set(Some(Utc::now()));
        change.cancel_reason = Set(Some(reason.clone()));
        change.stock_held = Set(false);
        Ok(order.stock_held)
    })
    .await
}

fn text(field: &[&str], value: &str, max_chars: usize) -> AppResult<String> {
    Text::parse(field, value, max_chars)
        .map(Text::into_inner)
        .map_err(|error| AppError::Invalid(vec![error]))
}

fn allowed(order: &orders::Model, from: &[OrderStatus], becoming: &str) -> AppResult<()> {
    if from.contains(&order.status) {
        return Ok(());
    }
    Err(AppError::Conflict(FieldError::new(
        &["input", "orderId"],
        FieldErrorCode::Conflict,
        format!("an order that is {} cannot be {becoming}", order.status),
    )))
}

/// Runs one status change on the caller's order under its row lock: `apply` sets the new
/// values and says whether the order's stock is to be given back.
async fn change(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    event: &str,
    apply: impl FnOnce(&orders::Model, &mut orders::ActiveModel) -> AppResult<bool>,
) -> AppResult<orders::Model> {
    if caller.role == Role::PlatformAdmin {
        return Err(AppError::Forbidden);
    }
    let txn = crate::db::begin_write(db).await?;
    let result = apply_locked(&txn, caller, id, event, apply).await;
    match result {
        Ok(order) => {
            txn.commit().await?;
            Ok(order)
        }
        Err(err) => {
            txn.rollback().await?;
            Err(err)
        }
    }
}

async fn apply_locked(
    txn: &DatabaseTransaction,
    caller: &AuthUser,
    id: i64,
    event: &str,
    apply: impl FnOnce(&orders::Model, &mut orders::ActiveModel) -> AppResult<bool>,
) -> AppResult<orders::Model> {
    let query = reads::scoped(caller).filter(orders::Column::Id.eq(id));
    let order = super::for_update(txn, query)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let mut change: orders::ActiveModel = order.clone().into();
    let give_back = apply(&order, &mut change)?;
    change.updated_at = Set(Utc::now());
    if give_back {
        // Dermaga cancelled it: the order's channel hears of the stock too.
        stock::give_back(txn, &order, None).await?;
    }
    let updated = change.update(txn).await?;
    let channel = channels::find(txn, updated.channel_id).await?;
    pushes::queue(txn, &updated, &channel.code, event).await?;
    events::notify(txn, &[Event::order(&updated)]).await?;
    audit::record(
        txn,
        None,
        AuditEntry {
            aggregator_id: Some(updated.aggregator_id),
            action: event,
            entity_type: "Order",
            entity_id: updated.id,
            changes: json!({
                "from": order.status.to_string(),
                "to": updated.status.to_string(),
                "stockGivenBack": give_back,
            }),
        },
    )
    .await?;
    Ok(updated)
}
