//! The seller mutations: onboarding, editing, suspending and reactivating, each audited.

use chrono::Utc;
use entity::{enums::SellerStatus, sellers};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::json;

use super::{
    checks::{NewSeller, SellerPatch, find_duplicates, taken_keys, validate},
    read::find,
    rows,
};
use crate::{
    auth::AuthUser,
    domain::optional_text,
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    service::{
        audit::{self, AuditEntry},
        product_changes,
    },
};

#[tracing::instrument(skip(db, input))]
pub async fn onboard(
    db: &DatabaseConnection,
    caller: &AuthUser,
    input: NewSeller,
) -> AppResult<sellers::Model> {
    let aggregator_id = caller.team_aggregator()?;
    let seller = validate(&input)?;

    let duplicates = find_duplicates(db, aggregator_id, &seller, None).await?;
    if !duplicates.is_empty() {
        return Err(AppError::Invalid(duplicates));
    }

    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let stored = rows::new_seller(aggregator_id, seller, now)
        .insert(&txn)
        .await
        // A concurrent insert can win the race past the duplicate check above.
        .map_err(taken_keys)?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(aggregator_id),
            action: "seller.onboarded",
            entity_type: "Seller",
            entity_id: stored.id,
            changes: json!({ "businessName": stored.business_name, "phone": stored.phone }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(stored)
}

#[tracing::instrument(skip(db, patch))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    patch: SellerPatch,
) -> AppResult<sellers::Model> {
    caller.team_aggregator()?;
    let current = find(db, caller, id).await?;
    let seller = validate(&patch.apply(&current))?;
    let duplicates = find_duplicates(db, current.aggregator_id, &seller, Some(current.id)).await?;
    if !duplicates.is_empty() {
        return Err(AppError::Invalid(duplicates));
    }
    let before = current.clone();
    let model = rows::update_row(current, rows::merged(&before, seller), Utc::now());
    let txn = crate::db::begin_write(db).await?;
    let updated = model.update(&txn).await.map_err(taken_keys)?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(updated.aggregator_id),
            action: "seller.updated",
            entity_type: "Seller",
            entity_id: updated.id,
            changes: changed_fields(&before, &updated),
        },
    )
    .await?;
    // The public catalogue shows the seller's profile with each of its products.
    product_changes::seller_products_changed(&txn, &[updated.id]).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The fields that differ, as `{field: {from, to}}`.
fn changed_fields(before: &sellers::Model, after: &sellers::Model) -> serde_json::Value {
    let (Ok(serde_json::Value::Object(before)), Ok(serde_json::Value::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return json!({});
    };
    let changes: serde_json::Map<String, serde_json::Value> = after
        .into_iter()
        .filter(|(field, value)| field != "updated_at" && before.get(field) != Some(value))
        .map(|(field, value)| {
            let from = before.get(&field).cloned().unwrap_or_default();
            (field, json!({ "from": from, "to": value }))
        })
        .collect();
    serde_json::Value::Object(changes)
}

/// Suspends or reactivates a seller; `reason` is kept in the audit log.
#[tracing::instrument(skip(db, reason))]
pub async fn set_status(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    status: SellerStatus,
    reason: Option<String>,
) -> AppResult<sellers::Model> {
    caller.team_aggregator()?;
    let reason = optional_text(&["input", "reason"], reason.as_deref(), 500)
        .map_err(|error| AppError::Invalid(vec![error]))?;
    let current = find(db, caller, id).await?;
    if current.status == status {
        return Err(AppError::Conflict(FieldError::new(
            &["input", "id"],
            FieldErrorCode::Conflict,
            format!(
                "the seller is already {}",
                status.to_string().to_lowercase()
            ),
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    let mut model: sellers::ActiveModel = current.into();
    model.status = Set(status);
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(updated.aggregator_id),
            action: if status == SellerStatus::Suspended {
                "seller.suspended"
            } else {
                "seller.reactivated"
            },
            entity_type: "Seller",
            entity_id: updated.id,
            changes: json!({ "status": status, "reason": reason }),
        },
    )
    .await?;
    // A suspended seller's products leave the public catalogue; reactivated, they return.
    product_changes::seller_products_changed(&txn, &[updated.id]).await?;
    txn.commit().await?;
    Ok(updated)
}
