//! Product images: an ordered list of https URLs, replaced as a whole.

use chrono::Utc;
use entity::product_images;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;

use super::{
    fields::{MAX_IMAGES, NewImage, ValidImage},
    lookup, rows,
};
use crate::{
    auth::AuthUser,
    domain::{HttpsUrl, Validator, optional_text},
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    service::{
        Scope,
        catalogue::ProductDetail,
        product_changes::{audit_sync_and_push, touch},
    },
};

const MAX_ALT_TEXT_CHARS: usize = 200;

pub(crate) fn validate(v: &mut Validator, path: &[&str], images: &[NewImage]) -> Vec<ValidImage> {
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
pub(crate) async fn insert(
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
        .zip(0..)
        .map(|(image, position)| rows::new_image(product_id, image, position, now));
    product_images::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Replaces a product's images with validated `images`, in that order.
pub(crate) async fn replace(
    db: &impl ConnectionTrait,
    product_id: i64,
    images: &[ValidImage],
) -> AppResult<()> {
    product_images::Entity::delete_many()
        .filter(product_images::Column::ProductId.eq(product_id))
        .exec(db)
        .await?;
    insert(db, product_id, images).await
}

/// Replaces a product's images with `images`, in that order.
#[tracing::instrument(skip(db, images), fields(count = images.len()))]
pub async fn set(
    db: &DatabaseConnection,
    caller: &AuthUser,
    product_id: i64,
    images: Vec<NewImage>,
) -> AppResult<ProductDetail> {
    let product = lookup::find(db, caller, product_id).await?;
    caller.team_aggregator()?;
    let mut v = Validator::new();
    let images = validate(&mut v, &["input", "images"], &images);
    v.finish()?;

    let txn = crate::db::begin_write(db).await?;
    touch(&txn, product.id).await?;
    replace(&txn, product.id, &images).await?;
    audit_sync_and_push(
        &txn,
        caller,
        (product.aggregator_id, product.id),
        "product.images_set",
        json!({ "urls": images.iter().map(|image| image.url.as_str()).collect::<Vec<_>>() }),
    )
    .await?;
    txn.commit().await?;
    lookup::find_detail(db, caller, product.id).await
}

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<product_images::Model> {
    Scope::product_images(caller)
        .filter(product_images::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("product image"))
}
