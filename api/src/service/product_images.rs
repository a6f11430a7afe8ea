//! Product images: an ordered list of https URLs, replaced as a whole.

use chrono::Utc;
use entity::product_images;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{
    catalogue::{ProductDetail, require_catalogue_manager},
    product_changes::{audit_sync_and_push, touch},
    products,
};
use crate::{
    auth::AuthUser,
    domain::{HttpsUrl, Validator, optional_text},
    error::{AppResult, FieldError, FieldErrorCode},
};

/// The most images one product may show.
pub const MAX_IMAGES: usize = 10;
const MAX_ALT_TEXT_CHARS: usize = 200;

pub struct NewImage {
    pub url: String,
    pub alt_text: Option<String>,
}

#[derive(Default)]
pub(super) struct ValidImage {
    url: String,
    alt_text: Option<String>,
}

pub(super) fn validate(v: &mut Validator, path: &[&str], images: &[NewImage]) -> Vec<ValidImage> {
    if images.len() > MAX_IMAGES {
        v.push(FieldError::new(
            path,
            FieldErrorCode::TooBig,
            format!("may hold at most {MAX_IMAGES} images"),
        ));
    }
    images
        .iter()
        .enumerate()
        .map(|(index, image)| {
            let index = index.to_string();
            let field = |name: &'static str| {
                let mut field = path.to_vec();
                field.extend([index.as_str(), name]);
                field
            };
            ValidImage {
                url: v
                    .check(HttpsUrl::parse(&field("url"), &image.url))
                    .into_inner(),
                alt_text: v.check(optional_text(
                    &field("altText"),
                    image.alt_text.as_deref(),
                    MAX_ALT_TEXT_CHARS,
                )),
            }
        })
        .collect()
}

/// Stores validated images in the given order.
pub(super) async fn insert(
    db: &impl ConnectionTrait,
    product_id: i64,
    images: &[ValidImage],
) -> AppResult<()> {
    if images.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = images
        .iter()
        .enumerate()
        .map(|(position, image)| product_images::ActiveModel {
            product_id: Set(product_id),
            url: Set(image.url.clone()),
            alt_text: Set(image.alt_text.clone()),
            position: Set(position as i32),
            created_at: Set(now),
            ..Default::default()
        });
    product_images::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Replaces a product's images with `images`, in that order.
#[tracing::instrument(skip(db, images), fields(count = images.len()))]
pub async fn set(
    db: &DatabaseConnection,
    caller: &AuthUser,
    product_id: i64,
    images: Vec<NewImage>,
) -> AppResult<ProductDetail> {
    let product = products::find(db, caller, product_id).await?;
    require_catalogue_manager(caller)?;
    let mut v = Validator::new();
    let images = validate(&mut v, &["input", "images"], &images);
    v.finish()?;

    let txn = crate::db::begin_write(db).await?;
    touch(&txn, product.id).await?;
    product_images::Entity::delete_many()
        .filter(product_images::Column::ProductId.eq(product.id))
        .exec(&txn)
        .await?;
    insert(&txn, product.id, &images).await?;
    audit_sync_and_push(
        &txn,
        caller,
        (product.aggregator_id, product.id),
        "product.images_set",
        json!({ "urls": images.iter().map(|image| image.url.as_str()).collect::<Vec<_>>() }),
    )
    .await?;
    txn.commit().await?;
    products::find_detail(db, caller, product.id).await
}

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<product_images::Model> {
    super::Scope::product_images(caller)
        .filter(product_images::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(crate::error::AppError::NotFound("product image"))
}
