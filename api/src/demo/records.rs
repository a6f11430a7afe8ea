//! Inserts of single demo records.

use chrono::Utc;
use entity::{
    channel_listings, channels,
    enums::{ListingStatus, ProductStatus, Role},
    product_images, product_variants, products, sellers, users,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;

use super::data::ProductTemplate;

pub async fn insert_user(
    db: &impl ConnectionTrait,
    email: &str,
    name: &str,
    role: Role,
    aggregator_id: Option<i64>,
    seller_id: Option<i64>,
    password_hash: &str,
) -> anyhow::Result<()> {
    let now = Utc::now();
    users::ActiveModel {
        email: Set(email.to_owned()),
        password_hash: Set(password_hash.to_owned()),
        role: Set(role),
        display_name: Set(name.to_owned()),
        aggregator_id: Set(aggregator_id),
        seller_id: Set(seller_id),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_product(
    db: &impl ConnectionTrait,
    seller: &sellers::Model,
    category_id: i64,
    (title, _, base_price, weight, option_name, options): &ProductTemplate,
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
    let product = products::ActiveModel {
        aggregator_id: Set(seller.aggregator_id),
        seller_id: Set(seller.id),
        category_id: Set(category_id),
        title: Set(format!(
            "{title} {}",
            seller
                .business_name
                .split_whitespace()
                .last()
                .unwrap_or_default()
        )),
        description: Set(format!(
            "{title} buatan {}, {}. Dikirim dari {}.",
            seller.business_name, seller.owner_name, seller.city
        )),
        status: Set(status),
        halal_certified: Set(halal),
        version: Set(1),
        published_at: Set((status == ProductStatus::Active).then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    for (position, option) in options.iter().enumerate() {
        product_variants::ActiveModel {
            aggregator_id: Set(seller.aggregator_id),
            product_id: Set(product.id),
            sku: Set(format!("{sku_base}-{}", position + 1)),
            name: Set((*option).to_owned()),
            option_values: Set(json!({ *option_name: option })),
            price: Set(base_price + position as i64 * base_price / 5 / 500 * 500),
            stock: Set(((seller.id * 13 + position as i64 * 7) % 60) as i32),
            weight_grams: Set(*weight),
            position: Set(position as i32),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    product_images::ActiveModel {
        product_id: Set(product.id),
        url: Set(format!("https://picsum.photos/seed/{sku_base}/800/800")),
        alt_text: Set(Some(title.to_string())),
        position: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if status == ProductStatus::Active {
        let channel = &all_channels[(product.id as usize) % all_channels.len()];
        channel_listings::ActiveModel {
            aggregator_id: Set(seller.aggregator_id),
            product_id: Set(product.id),
            channel_id: Set(channel.id),
            status: Set(if product.id % 4 == 0 {
                ListingStatus::Pending
            } else {
                ListingStatus::Live
            }),
            price_override: Set(None),
            external_id: Set((product.id % 4 != 0)
                .then(|| format!("{}-{}", channel.code.to_lowercase(), product.id))),
            last_error: Set(None),
            attempts: Set(1),
            delivered_version: Set((product.id % 4 != 0).then_some(1)),
            delivered_at: Set((product.id % 4 != 0).then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
