//! Inserts of single demo records.

use chrono::Utc;
use entity::{
    channels,
    enums::{ProductStatus, Role},
    products as products_table, sellers,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait};

use super::data::ProductTemplate;
use crate::{
    domain::Validator,
    service::{
        listings::rows as listing_rows,
        products::{self, NewImage, NewProduct, NewVariant},
        users::{self, UserRow},
    },
};

pub async fn insert_user(
    db: &impl ConnectionTrait,
    email: &str,
    name: &str,
    role: Role,
    aggregator_id: Option<i64>,
    seller_id: Option<i64>,
    password_hash: &str,
) -> anyhow::Result<()> {
    let row = UserRow {
        email: email.to_owned(),
        password_hash: password_hash.to_owned(),
        role,
        display_name: name.to_owned(),
        aggregator_id,
        seller_id,
    };
    users::insert(db, row).await?;
    Ok(())
}

/// A demo product of `seller`, checked and stored as `createProduct` would (but for the
/// ARCHIVED ones, which the mutation refuses), and listed on a channel when it is ACTIVE.
#[allow(clippy::too_many_arguments)]
pub async fn insert_product(
    db: &impl ConnectionTrait,
    seller: &sellers::Model,
    category_id: i64,
    template: &ProductTemplate,
    sku_base: &str,
    halal: bool,
    product_index: usize,
    all_channels: &[channels::Model],
) -> anyhow::Result<()> {
    let now = Utc::now();
    let status = match (seller.id + product_index as i64) % 11 {
        0 => ProductStatus::Draft,
        7 => ProductStatus::Archived,
        _ => ProductStatus::Active,
    };
    let input = product_input(seller, category_id, template, sku_base, halal);
    let mut v = Validator::new();
    let mut product = products::checks::validate_new(&mut v, &input);
    v.finish()?;
    product.fields.status = status;
    let product = products::store_new(db, (seller.aggregator_id, seller.id), &product, now).await?;
    if status == ProductStatus::Active {
        insert_listing(db, &product, all_channels, now).await?;
    }
    Ok(())
}

fn product_input(
    seller: &sellers::Model,
    category_id: i64,
    (title, _, base_price, weight, option_name, options): &ProductTemplate,
    sku_base: &str,
    halal: bool,
) -> NewProduct {
    let variants = options
        .iter()
        .enumerate()
        .map(|(position, option)| NewVariant {
            sku: format!("{sku_base}-{}", position + 1),
            name: Some((*option).to_owned()),
            option_values: vec![((*option_name).to_owned(), (*option).to_owned())],
            price: (base_price + position as i64 * base_price / 5 / 500 * 500).to_string(),
            stock: ((seller.id * 13 + position as i64 * 7) % 60) as i32,
            weight_grams: *weight,
        })
        .collect();
    NewProduct {
        seller_id: seller.id,
        category_id,
        title: format!(
            "{title} {}",
            seller
                .business_name
                .split_whitespace()
                .last()
                .unwrap_or_default()
        ),
        description: Some(format!(
            "{title} buatan {}, {}. Dikirim dari {}.",
            seller.business_name, seller.owner_name, seller.city
        )),
        status: Some(ProductStatus::Draft),
        halal_certified: halal,
        variants,
        images: vec![NewImage {
            url: format!("https://picsum.photos/seed/{sku_base}/800/800"),
            alt_text: Some((*title).to_owned()),
        }],
    }
}

async fn insert_listing(
    db: &impl ConnectionTrait,
    product: &products_table::Model,
    all_channels: &[channels::Model],
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let channel = &all_channels[(product.id as usize) % all_channels.len()];
    let listing =
        listing_rows::published((product.aggregator_id, product.id), channel.id, None, now);
    // One in four demo listings is still waiting for its first delivery.
    let listing = if product.id % 4 == 0 {
        listing
    } else {
        let external_id = format!("{}-{}", channel.code.to_lowercase(), product.id);
        listing_rows::delivered(listing, external_id, 1, now)
    };
    listing.insert(db).await?;
    Ok(())
}
