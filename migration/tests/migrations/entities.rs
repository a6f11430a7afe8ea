//! The entities read and write the migrated schema: types, JSON, timestamps and enums.

use entity::enums::{
    AggregatorKind, AggregatorStatus, ChannelKind, ListingStatus, OutboxStatus, ProductStatus,
    Role, SellerScale, SellerSector, SellerStatus,
};
use entity::prelude::*;
use entity::{aggregators, channel_listings, outbox_jobs, products, sellers, users};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Iterable, ModelTrait};
use sea_orm_migration::sea_orm;

use crate::support::fixtures;
use crate::support::on_both_backends;

on_both_backends!(
    entities_round_trip_through_the_schema,
    every_enum_value_passes_its_check,
);

async fn entities_round_trip_through_the_schema(db: &DatabaseConnection) {
    let aggregator = fixtures::aggregator("kopi-nusantara")
        .insert(db)
        .await
        .expect("aggregator");
    let seller = fixtures::seller(aggregator.id, "+6281234567890")
        .insert(db)
        .await
        .expect("seller");
    let category = fixtures::category("snacks")
        .insert(db)
        .await
        .expect("category");
    let product = fixtures::product(aggregator.id, seller.id, category.id)
        .insert(db)
        .await
        .expect("product");
    let variant = fixtures::variant(&product, "KTP-250")
        .insert(db)
        .await
        .expect("variant");

    let aggregator_read = Aggregators::find_by_id(aggregator.id)
        .one(db)
        .await
        .expect("read");
    let seller_read = Sellers::find_by_id(seller.id).one(db).await.expect("read");
    let product_read = Products::find_by_id(product.id)
        .one(db)
        .await
        .expect("read");
    let variants_read = product
        .find_related(ProductVariants)
        .all(db)
        .await
        .expect("read");

    assert_eq!(aggregator_read.as_ref(), Some(&aggregator));
    assert_eq!(seller_read.as_ref(), Some(&seller));
    assert_eq!(product_read.as_ref(), Some(&product));
    assert_eq!(variants_read, std::slice::from_ref(&variant));
    assert_eq!(variant.option_values["rasa"], "pedas");
    assert_eq!(variant.option_values["ukuran"], "250 g");
    assert_eq!(aggregator.created_at, fixtures::at());
    let owner = product.find_related(Sellers).one(db).await.expect("read");
    assert_eq!(owner.map(|s| s.id), Some(seller.id));
}

/// The entity enums and the CHECK lists are written twice (migrations must not change with the
/// code); this writes every variant through its entity to prove the two agree.
async fn every_enum_value_passes_its_check(db: &DatabaseConnection) {
    let aggregator = fixtures::aggregator("a")
        .insert(db)
        .await
        .expect("aggregator");
    let seller = fixtures::seller(aggregator.id, "+6281234567890")
        .insert(db)
        .await
        .expect("seller");
    let category = fixtures::category("snacks")
        .insert(db)
        .await
        .expect("category");
    let product = fixtures::product(aggregator.id, seller.id, category.id)
        .insert(db)
        .await
        .expect("product");
    let channel = fixtures::channel("pasar")
        .insert(db)
        .await
        .expect("channel");
    let listing = fixtures::listing(&product, channel.id)
        .insert(db)
        .await
        .expect("listing");
    let job = fixtures::outbox_job(&listing)
        .insert(db)
        .await
        .expect("job");

    let mut row: aggregators::ActiveModel = aggregator.clone().into();
    for (kind, status) in AggregatorKind::iter().zip(AggregatorStatus::iter().cycle()) {
        row.kind = Set(kind);
        row.status = Set(status);
        row = row.update(db).await.expect("aggregator enums").into();
    }
    let mut row: sellers::ActiveModel = seller.clone().into();
    let seller_values = SellerSector::iter()
        .zip(SellerScale::iter().cycle())
        .zip(SellerStatus::iter().cycle());
    for ((sector, scale), status) in seller_values {
        row.sector = Set(sector);
        row.scale = Set(scale);
        row.status = Set(status);
        row = row.update(db).await.expect("seller enums").into();
    }
    let mut row: products::ActiveModel = product.into();
    for status in ProductStatus::iter() {
        row.status = Set(status);
        row = row.update(db).await.expect("product status").into();
    }
    let mut row: entity::channels::ActiveModel = channel.into();
    for kind in ChannelKind::iter() {
        row.kind = Set(kind);
        row = row.update(db).await.expect("channel kind").into();
    }
    let mut row: channel_listings::ActiveModel = listing.into();
    for status in ListingStatus::iter() {
        row.status = Set(status);
        row = row.update(db).await.expect("listing status").into();
    }
    let mut row: outbox_jobs::ActiveModel = job.into();
    for status in OutboxStatus::iter() {
        row.status = Set(status);
        row = row.update(db).await.expect("outbox status").into();
    }
    for role in Role::iter() {
        let (aggregator_id, seller_id) = match role {
            Role::PlatformAdmin => (None, None),
            Role::AggregatorAdmin | Role::AggregatorStaff => (Some(aggregator.id), None),
            Role::Seller => (Some(aggregator.id), Some(seller.id)),
        };
        let user: users::Model = fixtures::user(
            &format!("{role}@example.id"),
            role,
            aggregator_id,
            seller_id,
        )
        .insert(db)
        .await
        .expect("user of every role");
        user.delete(db).await.expect("delete user");
    }
}
