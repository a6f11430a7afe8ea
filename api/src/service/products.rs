//! The catalogue: products, what a seller offers. Variants live in [`super::variants`],
//! stock in [`super::stock`], images in [`super::product_images`]; what all their changes
//! share (the version bump, the audit entry) in [`super::product_changes`], and the dashboard's
//! list in [`super::product_search`].

use chrono::Utc;
use entity::{categories, enums::ProductStatus, products};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
    sea_query::{Expr, Func},
};
use serde_json::json;

use super::{
    Scope,
    catalogue::{ProductDetail, detail, require_catalogue_manager},
    product_changes::{audit_sync_and_push, bump_version},
    product_images::{self as images, NewImage},
    variant_checks,
    variants::{self, NewVariant},
};
use crate::{
    auth::AuthUser,
    domain::{Text, Validator, optional_text},
    error::{AppError, AppResult, FieldError, FieldErrorCode},
};

/// The most variants one product may have.
pub const MAX_VARIANTS: usize = 100;
const MAX_TITLE_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 5000;

pub struct NewProduct {
    pub seller_id: i64,
    pub category_id: i64,
    pub title: String,
    pub description: Option<String>,
    /// `DRAFT` when absent; `ARCHIVED` is refused.
    pub status: Option<ProductStatus>,
    pub halal_certified: bool,
    pub variants: Vec<NewVariant>,
    pub images: Vec<NewImage>,
}

/// A partial update: `None` leaves a field as it is.
pub struct ProductChanges {
    pub expected_version: i32,
    pub title: Option<String>,
    pub description: Option<String>,
    pub category_id: Option<i64>,
    pub status: Option<ProductStatus>,
    pub halal_certified: Option<bool>,
}

fn validate_status(v: &mut Validator, field: &[&str], status: ProductStatus) {
    if status == ProductStatus::Archived {
        v.push(FieldError::new(
            field,
            FieldErrorCode::Invalid,
            "can be DRAFT or ACTIVE; use archiveProduct to archive",
        ));
    }
}

async fn category_exists(db: &impl ConnectionTrait, id: i64) -> AppResult<bool> {
    Ok(categories::Entity::find_by_id(id).one(db).await?.is_some())
}

fn unknown_category() -> FieldError {
    FieldError::new(
        &["input", "categoryId"],
        FieldErrorCode::NotFound,
        "no such category",
    )
}

#[tracing::instrument(skip(db, input), fields(seller_id = input.seller_id))]
pub async fn create(
    db: &DatabaseConnection,
    caller: &AuthUser,
    input: NewProduct,
) -> AppResult<ProductDetail> {
    // A seller the caller cannot see, or of another aggregator, reads as not found.
    let seller = match super::sellers::find(db, caller, input.seller_id).await {
        Ok(seller) if Some(seller.aggregator_id) == caller.aggregator_id => Some(seller),
        Ok(_) | Err(AppError::NotFound(_)) => None,
        Err(error) => return Err(error),
    };
    if seller.is_some() {
        require_catalogue_manager(caller)?;
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
    let title = v
        .check(Text::parse(
            &["input", "title"],
            &input.title,
            MAX_TITLE_CHARS,
        ))
        .into_inner();
    let description = v
        .check(optional_text(
            &["input", "description"],
            input.description.as_deref(),
            MAX_DESCRIPTION_CHARS,
        ))
        .unwrap_or_default();
    let status = input.status.unwrap_or(ProductStatus::Draft);
    validate_status(&mut v, &["input", "status"], status);
    if input.variants.is_empty() {
        v.push(FieldError::new(
            &["input", "variants"],
            FieldErrorCode::TooSmall,
            "must hold at least one variant",
        ));
    }
    if input.variants.len() > MAX_VARIANTS {
        v.push(FieldError::new(
            &["input", "variants"],
            FieldErrorCode::TooBig,
            format!("may hold at most {MAX_VARIANTS} variants"),
        ));
    }
    let new_variants: Vec<_> = input
        .variants
        .iter()
        .enumerate()
        .map(|(index, variant)| {
            variants::validate(&mut v, &["input", "variants", &index.to_string()], variant)
        })
        .collect();
    variant_checks::check_unique_in_input(&mut v, &new_variants);
    let new_images = images::validate(&mut v, &["input", "images"], &input.images);
    v.finish()?;
    let (Some(seller), Ok(aggregator_id)) = (seller, require_catalogue_manager(caller)) else {
        return Err(AppError::Forbidden);
    };
    variant_checks::check_skus_free(db, aggregator_id, &new_variants, None).await?;

    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let product = products::ActiveModel {
        aggregator_id: Set(aggregator_id),
        seller_id: Set(seller.id),
        category_id: Set(input.category_id),
        title: Set(title),
        description: Set(description),
        status: Set(status),
        halal_certified: Set(input.halal_certified),
        version: Set(1),
        published_at: Set((status == ProductStatus::Active).then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (position, variant) in new_variants.iter().enumerate() {
        variants::insert(
            &txn,
            (product.aggregator_id, product.id),
            variant,
            position as i32,
        )
        .await?;
    }
    images::insert(&txn, product.id, &new_images).await?;
    audit_sync_and_push(
        &txn,
        caller,
        (product.aggregator_id, product.id),
        "product.created",
        json!({
            "title": product.title,
            "sellerId": seller.id,
            "status": product.status,
            "skus": new_variants.iter().map(|variant| variant.sku.as_str()).collect::<Vec<_>>(),
            "images": new_images.len(),
        }),
    )
    .await?;
    txn.commit().await?;
    detail(db, product).await
}

#[tracing::instrument(skip(db, changes), fields(expected_version = changes.expected_version))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    changes: ProductChanges,
) -> AppResult<ProductDetail> {
    let current = find(db, caller, id).await?;
    require_catalogue_manager(caller)?;

    let mut v = Validator::new();
    let title = changes.title.as_deref().map(|raw| {
        v.check(Text::parse(&["input", "title"], raw, MAX_TITLE_CHARS))
            .into_inner()
    });
    let description = changes.description.as_deref().map(|raw| {
        v.check(optional_text(
            &["input", "description"],
            Some(raw),
            MAX_DESCRIPTION_CHARS,
        ))
        .unwrap_or_default()
    });
    if let Some(status) = changes.status {
        validate_status(&mut v, &["input", "status"], status);
    }
    if let Some(category_id) = changes.category_id
        && !category_exists(db, category_id).await?
    {
        v.push(unknown_category());
    }
    v.finish()?;

    let now = Utc::now();
    // One conditional statement: it changes the row only at the version the client saw.
    let mut update =
        bump_version(id, now).filter(products::Column::Version.eq(changes.expected_version));
    if let Some(title) = &title {
        update = update.col_expr(products::Column::Title, Expr::value(title.clone()));
    }
    if let Some(description) = &description {
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
    require_catalogue_manager(caller)?;
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

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<products::Model> {
    Scope::products(caller)
        .filter(products::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("product"))
}

pub async fn find_detail(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<ProductDetail> {
    let product = find(db, caller, id).await?;
    detail(db, product).await
}
