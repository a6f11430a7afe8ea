//! Valid rows to start from: each builder returns an `ActiveModel` that inserts cleanly, so a
//! test changes only the field it is about.

use chrono::{DateTime, Utc};
use entity::enums::{
    AggregatorKind, AggregatorStatus, ChannelKind, ListingStatus, OutboxStatus, ProductStatus,
    Role, SellerScale, SellerSector, SellerStatus,
};
use entity::{
    aggregators, categories, channel_listings, channels, outbox_jobs, product_variants, products,
    sellers, users,
};
use sea_orm::ActiveValue::Set;
use sea_orm_migration::sea_orm;

/// A fixed instant with microseconds, the finest precision PostgreSQL keeps.
pub fn at() -> DateTime<Utc> {
    "2026-11-23T03:04:05.123456Z"
        .parse()
        .expect("valid timestamp")
}

pub fn aggregator(slug: &str) -> aggregators::ActiveModel {
    aggregators::ActiveModel {
        slug: Set(slug.to_owned()),
        name: Set(format!("Koperasi {slug}")),
        kind: Set(AggregatorKind::Cooperative),
        province: Set("Jawa Tengah".to_owned()),
        city: Set("Semarang".to_owned()),
        contact_name: Set(None),
        contact_email: Set(Some("halo@koperasi.id".to_owned())),
        contact_phone: Set(None),
        status: Set(AggregatorStatus::Active),
        created_at: Set(at()),
        updated_at: Set(at()),
        ..Default::default()
    }
}

pub fn seller(aggregator_id: i64, phone: &str) -> sellers::ActiveModel {
    sellers::ActiveModel {
        aggregator_id: Set(aggregator_id),
        business_name: Set("Keripik Bu Sri".to_owned()),
        owner_name: Set("Sri Wahyuni".to_owned()),
        phone: Set(phone.to_owned()),
        nib: Set(Some("1234567890123".to_owned())),
        sector: Set(SellerSector::FoodAndDrink),
        scale: Set(SellerScale::Micro),
        province: Set("Jawa Tengah".to_owned()),
        city: Set("Semarang".to_owned()),
        address: Set(None),
        halal_cert_no: Set(None),
        pirt_no: Set(Some("P-IRT 2063374010123-27".to_owned())),
        bpom_no: Set(None),
        status: Set(SellerStatus::Active),
        created_at: Set(at()),
        updated_at: Set(at()),
        ..Default::default()
    }
}

pub fn category(slug: &str) -> categories::ActiveModel {
    categories::ActiveModel {
        parent_id: Set(None),
        slug: Set(slug.to_owned()),
        name: Set("Makanan Ringan".to_owned()),
        position: Set(0),
        created_at: Set(at()),
        ..Default::default()
    }
}

pub fn product(aggregator_id: i64, seller_id: i64, category_id: i64) -> products::ActiveModel {
    products::ActiveModel {
        aggregator_id: Set(aggregator_id),
        seller_id: Set(seller_id),
        category_id: Set(category_id),
        title: Set("Keripik Tempe Pedas".to_owned()),
        description: Set(String::new()),
        status: Set(ProductStatus::Draft),
        halal_certified: Set(true),
        version: Set(1),
        published_at: Set(None),
        created_at: Set(at()),
        updated_at: Set(at()),
        ..Default::default()
    }
}

pub fn variant(product: &products::Model, sku: &str) -> product_variants::ActiveModel {
    product_variants::ActiveModel {
        aggregator_id: Set(product.aggregator_id),
        product_id: Set(product.id),
        sku: Set(sku.to_owned()),
        name: Set("Pedas 250 g".to_owned()),
        option_values: Set(serde_json::json!({"rasa": "pedas", "ukuran": "250 g"})),
        price: Set(18_500),
        stock: Set(40),
        weight_grams: Set(250),
        position: Set(0),
        created_at: Set(at()),
        updated_at: Set(at()),
        ..Default::default()
    }
}

pub fn user(
    email: &str,
    role: Role,
    aggregator_id: Option<i64>,
    seller_id: Option<i64>,
) -> users::ActiveModel {
    users::ActiveModel {
        email: Set(email.to_owned()),
        password_hash: Set("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        role: Set(role),
        display_name: Set(email.to_owned()),
        aggregator_id: Set(aggregator_id),
        seller_id: Set(seller_id),
        is_active: Set(true),
        last_login_at: Set(None),
        created_at: Set(at()),
        updated_at: Set(at()),
        ..Default::default()
    }
}

pub fn channel(code: &str) -> channels::ActiveModel {
    channels::ActiveModel {
        code: Set(code.to_owned()),
        name: Set("Pasar Daring".to_owned()),
        kind: Set(ChannelKind::Marketplace),
        webhook_url: Set(Some("https://partner.example/webhook".to_owned())),
        signing_secret: Set("s3cret".to_owned()),
        rules: Set(serde_json::json!({"max_images": 8})),
        is_active: Set(true),
        created_at: Set(at()),
        updated_at: Set(at()),
        ..Default::default()
    }
}

pub fn listing(product: &products::Model, channel_id: i64) -> channel_listings::ActiveModel {
    channel_listings::ActiveModel {
        aggregator_id: Set(product.aggregator_id),
        product_id: Set(product.id),
        channel_id: Set(channel_id),
        status: Set(ListingStatus::Pending),
        price_override: Set(None),
        external_id: Set(None),
        last_error: Set(None),
        attempts: Set(0),
        delivered_version: Set(None),
        delivered_at: Set(None),
        created_at: Set(at()),
        updated_at: Set(at()),
        ..Default::default()
    }
}

pub fn outbox_job(listing: &channel_listings::Model) -> outbox_jobs::ActiveModel {
    outbox_jobs::ActiveModel {
        aggregator_id: Set(listing.aggregator_id),
        listing_id: Set(listing.id),
        event_type: Set("listing.upsert".to_owned()),
        payload: Set(serde_json::json!({"product_id": listing.product_id})),
        product_version: Set(1),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        run_at: Set(at()),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(at()),
        updated_at: Set(at()),
        ..Default::default()
    }
}
