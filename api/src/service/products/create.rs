//! Creating a product with its variants and images in one transaction.

use chrono::{DateTime, Utc};
use entity::{products, sellers};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection};
use serde_json::json;

use super::{
    checks::{category_exists, unknown_category, validate_new},
    fields::{NewProduct, ValidProduct},
    images, rows,
    variant_checks::check_skus_free,
    variants,
};
use crate::{
    auth::AuthUser,
    domain::Validator,
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    service::{
        catalogue::{ProductDetail, detail},
        product_changes::audit_sync_and_push,
        sellers as seller_service,
    },
};

/// The seller a product is created for; a seller the caller cannot see, or of another
/// aggregator, reads as not found.
async fn seller_of(
    db: &DatabaseConnection,
    caller: &AuthUser,
    seller_id: i64,
) -> AppResult<Option<sellers::Model>> {
    match seller_service::find(db, caller, seller_id).await {
        Ok(seller) if Some(seller.aggregator_id) == caller.aggregator_id => Ok(Some(seller)),
        Ok(_) | Err(AppError::NotFound(_)) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Stores a checked new product of the seller `(aggregator_id, seller_id)`: the product, its
/// variants in order, its images.
pub async fn store_new(
    db: &impl ConnectionTrait,
    owner: (i64, i64),
    product: &ValidProduct,
    now: DateTime<Utc>,
) -> AppResult<products::Model> {
    let stored = rows::new_product(owner, &product.fields, now)
        .insert(db)
        .await?;
    for (position, variant) in (0..).zip(&product.variants) {
        variants::insert(
            db,
            (stored.aggregator_id, stored.id),
            variant,
            position,
            now,
        )
        .await?;
    }
    images::insert(db, stored.id, &product.images).await?;
    Ok(stored)
}

#[tracing::instrument(skip(db, input), fields(seller_id = input.seller_id))]
pub async fn create(
    db: &DatabaseConnection,
    caller: &AuthUser,
    input: NewProduct,
) -> AppResult<ProductDetail> {
    let seller = seller_of(db, caller, input.seller_id).await?;
    if seller.is_some() {
        caller.team_aggregator()?;
    }

    let mut v = Validator::new();
    if seller.is_none() {
        v.push(FieldError::new(
            &["input", "sellerId"],
            FieldErrorCode::NotFound,
            "no such seller in this aggregator",
        ));
    }
    if !category_exists(db, input.category_id).await? {
        v.push(unknown_category());
    }
    let product = validate_new(&mut v, &input);
    v.finish()?;
    let (Some(seller), Ok(aggregator_id)) = (seller, caller.team_aggregator()) else {
        return Err(AppError::Forbidden);
    };
    check_skus_free(db, aggregator_id, &product.variants, None).await?;

    let txn = crate::db::begin_write(db).await?;
    let stored = store_new(&txn, (aggregator_id, seller.id), &product, Utc::now()).await?;
    audit_sync_and_push(
        &txn,
        caller,
        (stored.aggregator_id, stored.id),
        "product.created",
        json!({
            "title": stored.title,
            "sellerId": seller.id,
            "status": stored.status,
            "skus": product.variants.iter().map(|variant| variant.sku.as_str()).collect::<Vec<_>>(),
            "images": product.images.len(),
        }),
    )
    .await?;
    txn.commit().await?;
    detail(db, stored).await
}
