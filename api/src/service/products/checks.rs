//! The rules of a product's own fields, and of a whole new product with its variants and
//! images, as `createProduct`, the CSV import, the demo data set and the seed apply them.

use entity::{categories, enums::ProductStatus};
use sea_orm::{ConnectionTrait, EntityTrait};

use super::{
    fields::{
        MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, MAX_VARIANTS, NewProduct, ProductFields,
        ValidProduct,
    },
    images,
    variant_checks::{self, at, refs},
};
use crate::{
    domain::{Text, Validator, optional_text},
    error::{AppResult, FieldError, FieldErrorCode},
};

/// The title under `path`.
pub fn title(v: &mut Validator, path: &[&str], raw: &str) -> String {
    v.check(Text::parse(&refs(&at(path, "title")), raw, MAX_TITLE_CHARS))
        .into_inner()
}

/// The description under `path`; blank or absent is empty.
pub fn description(v: &mut Validator, path: &[&str], raw: Option<&str>) -> String {
    v.check(optional_text(
        &refs(&at(path, "description")),
        raw,
        MAX_DESCRIPTION_CHARS,
    ))
    .unwrap_or_default()
}

/// A status a product may be given directly: archiving has its own mutation.
pub fn check_status(v: &mut Validator, field: &[&str], status: ProductStatus) {
    if status == ProductStatus::Archived {
        v.push(FieldError::new(
            field,
            FieldErrorCode::Invalid,
            "can be DRAFT or ACTIVE; use archiveProduct to archive",
        ));
    }
}

pub(super) async fn category_exists(db: &impl ConnectionTrait, id: i64) -> AppResult<bool> {
    Ok(categories::Entity::find_by_id(id).one(db).await?.is_some())
}

pub(super) fn unknown_category() -> FieldError {
    FieldError::new(
        &["input", "categoryId"],
        FieldErrorCode::NotFound,
        "no such category",
    )
}

/// Checks a new product whole (all but its seller and category, which need the database):
/// its fields, one to [`MAX_VARIANTS`] variants with SKUs distinct within it, its images.
pub fn validate_new(v: &mut Validator, input: &NewProduct) -> ValidProduct {
    let path = ["input"];
    let title = title(v, &path, &input.title);
    let description = description(v, &path, input.description.as_deref());
    let status = input.status.unwrap_or(ProductStatus::Draft);
    check_status(v, &["input", "status"], status);
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
    let variants: Vec<_> = input
        .variants
        .iter()
        .enumerate()
        .map(|(index, variant)| {
            variant_checks::validate(v, &["input", "variants", &index.to_string()], variant)
        })
        .collect();
    variant_checks::check_unique_in_input(v, &variants);
    let images = images::validate(v, &["input", "images"], &input.images);
    ValidProduct {
        fields: ProductFields {
            category_id: input.category_id,
            title,
            description,
            status,
            halal_certified: input.halal_certified,
        },
        variants,
        images,
    }
}
