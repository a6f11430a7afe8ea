//! Changing a product's own fields (at the version the client saw) and archiving it.

use chrono::{DateTime, Utc};
use entity::{enums::ProductStatus, products};
use sea_orm::{
    ColumnTrait, DatabaseConnection, QueryFilter, UpdateMany,
    sea_query::{Expr, Func},
};
use serde_json::json;

use super::{
    checks::{category_exists, check_status, description, title, unknown_category},
    lookup::{find, find_detail},
};
use crate::{
    auth::AuthUser,
    domain::Validator,
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    service::{
        catalogue::{ProductDetail, detail},
        invalidation,
        product_changes::{audit_sync_and_push, bump_version},
    },
};

/// A partial update: `None` leaves a field as it is.
pub struct ProductChanges {
    pub expected_version: i32,
    pub title: Option<String>,
    pub description: Option<String>,
    pub category_id: Option<i64>,
    pub status: Option<ProductStatus>,
    pub halal_certified: Option<bool>,
}

#[tracing::instrument(skip(db, changes), fields(expected_version = changes.expected_version))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    changes: ProductChanges,
) -> AppResult<ProductDetail> {
    let current = find(db, caller, id).await?;
    caller.team_aggregator()?;

    let (title, description) = check_changes(db, &changes).await?;
    let update = changes_statement(id, &changes, (&title, &description), Utc::now());

    let txn = crate::db::begin_write(db).await?;
    let result = update.exec(&txn).await?;
    if result.rows_affected == 0 {
        txn.rollback().await?;
        let latest = find(db, caller, id).await?;
        return Err(AppError::Conflict(FieldError::new(
            &["input", "expectedVersion"],
            FieldErrorCode::Conflict,
            format!(
                "is stale: the product is now at version {} (you sent {}); reload it and try again",
                latest.version, changes.expected_version
            ),
        )));
    }
    if changes
        .category_id
        .is_some_and(|moved_to| moved_to != current.category_id)
    {
        invalidation::record_left_category(&txn, current.category_id).await?;
    }
    audit_sync_and_push(
        &txn,
        caller,
        (current.aggregator_id, current.id),
        "product.updated",
        json!({
            "fromVersion": changes.expected_version,
            "title": title,
            "description": description.as_ref().map(|_| "changed"),
            "categoryId": changes.category_id,
            "status": changes.status,
            "halalCertified": changes.halal_certified,
        }),
    )
    .await?;
    txn.commit().await?;
    find_detail(db, caller, id).await
}

/// Archives a product; archiving an archived product changes nothing.
#[tracing::instrument(skip(db))]
pub async fn archive(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
) -> AppResult<ProductDetail> {
    let current = find(db, caller, id).await?;
    caller.team_aggregator()?;
    if current.status == ProductStatus::Archived {
        return detail(db, current).await;
    }
    let txn = crate::db::begin_write(db).await?;
    bump_version(id, Utc::now())
        .col_expr(
            products::Column::Status,
            Expr::value(ProductStatus::Archived.to_string()),
        )
        .exec(&txn)
        .await?;
    audit_sync_and_push(
        &txn,
        caller,
        (current.aggregator_id, current.id),
        "product.archived",
        json!({ "fromStatus": current.status }),
    )
    .await?;
    txn.commit().await?;
    find_detail(db, caller, id).await
}

/// The checked new title and description, and the other changes' checks.
async fn check_changes(
    db: &DatabaseConnection,
    changes: &ProductChanges,
) -> AppResult<(Option<String>, Option<String>)> {
    let mut v = Validator::new();
    let path = ["input"];
    let new_title = changes
        .title
        .as_deref()
        .map(|raw| title(&mut v, &path, raw));
    let new_description = changes
        .description
        .as_deref()
        .map(|raw| description(&mut v, &path, Some(raw)));
    if let Some(status) = changes.status {
        check_status(&mut v, &["input", "status"], status);
    }
    if let Some(category_id) = changes.category_id
        && !category_exists(db, category_id).await?
    {
        v.push(unknown_category());
    }
    v.finish()?;
    Ok((new_title, new_description))
}

/// One conditional statement: it changes the row only at the version the client saw.
fn changes_statement(
    id: i64,
    changes: &ProductChanges,
    (title, description): (&Option<String>, &Option<String>),
    now: DateTime<Utc>,
) -> UpdateMany<products::Entity> {
    let mut update =
        bump_version(id, now).filter(products::Column::Version.eq(changes.expected_version));
    if let Some(title) = title {
        update = update.col_expr(products::Column::Title, Expr::value(title.clone()));
    }
    if let Some(description) = description {
        update = update.col_expr(
            products::Column::Description,
            Expr::value(description.clone()),
        );
    }
    if let Some(category_id) = changes.category_id {
        update = update.col_expr(products::Column::CategoryId, Expr::value(category_id));
    }
    if let Some(halal) = changes.halal_certified {
        update = update.col_expr(products::Column::HalalCertified, Expr::value(halal));
    }
    if let Some(status) = changes.status {
        update = update.col_expr(products::Column::Status, Expr::value(status.to_string()));
        if status == ProductStatus::Active {
            update = update.col_expr(
                products::Column::PublishedAt,
                Func::coalesce([Expr::col(products::Column::PublishedAt), Expr::value(now)]).into(),
            );
        }
    }
    update
}
