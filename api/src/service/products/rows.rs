//! The rows every writer of the catalogue stores (the mutations, the CSV import, the demo data
//! set, the benchmark seed): built from checked fields only.

use chrono::{DateTime, Utc};
use entity::{enums::ProductStatus, product_images, product_variants, products};
use sea_orm::Set;

use super::fields::{ProductFields, ValidImage, ValidVariant};

/// A new product of the seller `(aggregator_id, seller_id)` at version 1, created at `now`
/// (and published then, when it is ACTIVE).
pub fn new_product(
    (aggregator_id, seller_id): (i64, i64),
    fields: &ProductFields,
    now: DateTime<Utc>,
) -> products::ActiveModel {
    products::ActiveModel {
        aggregator_id: Set(aggregator_id),
        seller_id: Set(seller_id),
        category_id: Set(fields.category_id),
        title: Set(fields.title.clone()),
        description: Set(fields.description.clone()),
        status: Set(fields.status),
        halal_certified: Set(fields.halal_certified),
        version: Set(1),
        published_at: Set((fields.status == ProductStatus::Active).then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// The update that gives a stored product `fields`, if it changes anything; a product made
/// ACTIVE for the first time is published at `now`. The version is bumped apart.
pub fn product_changes(
    current: &products::Model,
    fields: &ProductFields,
    now: DateTime<Utc>,
) -> Option<products::ActiveModel> {
    let unchanged = current.title == fields.title
        && current.description == fields.description
        && current.category_id == fields.category_id
        && current.halal_certified == fields.halal_certified
        && current.status == fields.status;
    if unchanged {
        return None;
    }
    let mut update: products::ActiveModel = current.clone().into();
    update.title = Set(fields.title.clone());
    update.description = Set(fields.description.clone());
    update.category_id = Set(fields.category_id);
    update.halal_certified = Set(fields.halal_certified);
    update.status = Set(fields.status);
    if fields.status == ProductStatus::Active && current.published_at.is_none() {
        update.published_at = Set(Some(now));
    }
    Some(update)
}

/// A new variant of the product `(aggregator_id, product_id)` at `position`.
pub fn new_variant(
    (aggregator_id, product_id): (i64, i64),
    variant: &ValidVariant,
    position: i32,
    now: DateTime<Utc>,
) -> product_variants::ActiveModel {
    product_variants::ActiveModel {
        aggregator_id: Set(aggregator_id),
        product_id: Set(product_id),
        sku: Set(variant.sku.clone()),
        name: Set(variant.name.clone()),
        option_values: Set(variant.option_values.to_json()),
        price: Set(variant.price),
        stock: Set(variant.stock),
        weight_grams: Set(variant.weight_grams),
        position: Set(position),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// The update that gives a stored variant `variant`'s name, options and price and the given
/// stock and weight, if it changes anything.
pub fn variant_changes(
    current: &product_variants::Model,
    variant: &ValidVariant,
    (stock, weight_grams): (i32, i32),
    now: DateTime<Utc>,
) -> Option<product_variants::ActiveModel> {
    let option_values = variant.option_values.to_json();
    let unchanged = current.name == variant.name
        && current.option_values == option_values
        && current.price == variant.price
        && current.stock == stock
        && current.weight_grams == weight_grams;
    if unchanged {
        return None;
    }
    let mut update: product_variants::ActiveModel = current.clone().into();
    update.name = Set(variant.name.clone());
    update.option_values = Set(option_values);
    update.price = Set(variant.price);
    update.stock = Set(stock);
    update.weight_grams = Set(weight_grams);
    update.updated_at = Set(now);
    Some(update)
}

/// A product's image at `position`.
pub fn new_image(
    product_id: i64,
    image: &ValidImage,
    position: i32,
    now: DateTime<Utc>,
) -> product_images::ActiveModel {
    product_images::ActiveModel {
        product_id: Set(product_id),
        url: Set(image.url.clone()),
        alt_text: Set(image.alt_text.clone()),
        position: Set(position),
        created_at: Set(now),
        ..Default::default()
    }
}
