//! The CHECKs and keys hold in the database itself, whatever the application forgets.

use entity::enums::Role;
use entity::prelude::*;
use entity::{audit_log, product_images, products, seller_onboarding_steps, sellers};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait};
use sea_orm_migration::sea_orm;

use crate::support::fixtures::{self, at};
use crate::support::{Violation, assert_violates, on_both_backends};

on_both_backends!(
    variant_with_zero_price_is_rejected,
    product_for_another_aggregators_seller_is_rejected,
    seller_user_of_another_aggregators_seller_is_rejected,
    platform_admin_with_an_aggregator_is_rejected,
    seller_phone_must_start_with_62,
    seller_phone_is_unique_within_one_aggregator,
    seller_nib_is_unique_within_one_aggregator,
    nib_must_have_13_characters,
    unknown_aggregator_kind_is_rejected,
    blank_product_title_is_rejected,
    onboarding_stage_must_be_between_1_and_4,
    image_url_must_be_https,
    aggregator_with_sellers_cannot_be_deleted,
    deleting_a_product_deletes_its_variants,
    deleting_a_user_keeps_their_audit_entries,
);

/// An aggregator with one seller and one product.
struct Shop {
    seller: sellers::Model,
    product: products::Model,
}

async fn shop(db: &DatabaseConnection, slug: &str) -> Shop {
    let aggregator = fixtures::aggregator(slug)
        .insert(db)
        .await
        .expect("aggregator");
    let seller = fixtures::seller(aggregator.id, "+6281234567890")
        .insert(db)
        .await
        .expect("seller");
    let category = fixtures::category(&format!("{slug}-snacks"))
        .insert(db)
        .await
        .expect("category");
    let product = fixtures::product(aggregator.id, seller.id, category.id)
        .insert(db)
        .await
        .expect("product");
    Shop { seller, product }
}

async fn variant_with_zero_price_is_rejected(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;
    let mut variant = fixtures::variant(&shop.product, "KTP-250");
    variant.price = Set(0);

    let result = variant.insert(db).await;

    assert_violates(db, result, Violation::Check, "product_variants_price_check");
}

async fn product_for_another_aggregators_seller_is_rejected(db: &DatabaseConnection) {
    let mine = shop(db, "a").await;
    let theirs = shop(db, "b").await;

    let result = fixtures::product(
        mine.product.aggregator_id,
        theirs.seller.id,
        mine.product.category_id,
    )
    .insert(db)
    .await;

    assert_violates(db, result, Violation::ForeignKey, "products_seller_fkey");
}

async fn seller_user_of_another_aggregators_seller_is_rejected(db: &DatabaseConnection) {
    let mine = shop(db, "a").await;
    let theirs = shop(db, "b").await;

    let result = fixtures::user(
        "sri@example.id",
        Role::Seller,
        Some(mine.seller.aggregator_id),
        Some(theirs.seller.id),
    )
    .insert(db)
    .await;

    assert_violates(db, result, Violation::ForeignKey, "users_seller_fkey");
}

async fn platform_admin_with_an_aggregator_is_rejected(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;

    let result = fixtures::user(
        "admin@example.id",
        Role::PlatformAdmin,
        Some(shop.seller.aggregator_id),
        None,
    )
    .insert(db)
    .await;

    assert_violates(db, result, Violation::Check, "users_role_scope_check");
}

async fn seller_phone_must_start_with_62(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;

    let result = fixtures::seller(shop.seller.aggregator_id, "081234567890")
        .insert(db)
        .await;

    assert_violates(db, result, Violation::Check, "sellers_phone_check");
}

async fn seller_phone_is_unique_within_one_aggregator(db: &DatabaseConnection) {
    let mine = shop(db, "a").await;
    let theirs = shop(db, "b").await;
    assert_eq!(
        mine.seller.phone, theirs.seller.phone,
        "same phone, two aggregators"
    );

    let mut seller = fixtures::seller(mine.seller.aggregator_id, &mine.seller.phone);
    seller.nib = Set(None);

    let result = seller.insert(db).await;

    assert_violates(
        db,
        result,
        Violation::Unique {
            sqlite_columns: "sellers.aggregator_id, sellers.phone",
        },
        "sellers_aggregator_phone_key",
    );
}

async fn seller_nib_is_unique_within_one_aggregator(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;

    let result = fixtures::seller(shop.seller.aggregator_id, "+6289999999999")
        .insert(db)
        .await;

    assert_violates(
        db,
        result,
        Violation::Unique {
            sqlite_columns: "sellers.aggregator_id, sellers.nib",
        },
        "sellers_aggregator_nib_key",
    );
}

async fn nib_must_have_13_characters(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;
    let mut seller = fixtures::seller(shop.seller.aggregator_id, "+6289999999999");
    seller.nib = Set(Some("12345".to_owned()));

    let result = seller.insert(db).await;

    assert_violates(db, result, Violation::Check, "sellers_nib_check");
}

async fn unknown_aggregator_kind_is_rejected(db: &DatabaseConnection) {
    shop(db, "a").await;

    let result = db
        .execute_unprepared("UPDATE aggregators SET kind = 'BANK'")
        .await;

    assert_violates(db, result, Violation::Check, "aggregators_kind_check");
}

async fn blank_product_title_is_rejected(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;
    let mut product: products::ActiveModel = shop.product.into();
    product.title = Set("   ".to_owned());

    let result = product.update(db).await;

    assert_violates(db, result, Violation::Check, "products_title_check");
}

async fn onboarding_stage_must_be_between_1_and_4(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;
    let step = seller_onboarding_steps::ActiveModel {
        aggregator_id: Set(shop.seller.aggregator_id),
        seller_id: Set(shop.seller.id),
        step: Set("photos".to_owned()),
        stage: Set(5),
        note: Set(None),
        completed_at: Set(at()),
        completed_by_user_id: Set(None),
        ..Default::default()
    };

    let result = step.insert(db).await;

    assert_violates(
        db,
        result,
        Violation::Check,
        "seller_onboarding_steps_stage_check",
    );
}

async fn image_url_must_be_https(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;
    let image = product_images::ActiveModel {
        product_id: Set(shop.product.id),
        url: Set("http://cdn.example/keripik.jpg".to_owned()),
        alt_text: Set(None),
        position: Set(0),
        created_at: Set(at()),
        ..Default::default()
    };

    let result = image.insert(db).await;

    assert_violates(db, result, Violation::Check, "product_images_url_check");
}

async fn aggregator_with_sellers_cannot_be_deleted(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;
    Products::delete_by_id(shop.product.id)
        .exec(db)
        .await
        .expect("delete product");

    let result = Aggregators::delete_by_id(shop.seller.aggregator_id)
        .exec(db)
        .await;

    assert_violates(
        db,
        result,
        Violation::ForeignKey,
        "sellers_aggregator_id_fkey",
    );
}

async fn deleting_a_product_deletes_its_variants(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;
    let variant = fixtures::variant(&shop.product, "KTP-250")
        .insert(db)
        .await
        .expect("variant");

    shop.product.delete(db).await.expect("delete product");

    let left = ProductVariants::find_by_id(variant.id)
        .one(db)
        .await
        .expect("query");
    assert_eq!(left, None);
}

async fn deleting_a_user_keeps_their_audit_entries(db: &DatabaseConnection) {
    let shop = shop(db, "a").await;
    let staff = fixtures::user(
        "staf@koperasi.id",
        Role::AggregatorStaff,
        Some(shop.seller.aggregator_id),
        None,
    )
    .insert(db)
    .await
    .expect("user");
    let entry = audit_log::ActiveModel {
        aggregator_id: Set(Some(shop.seller.aggregator_id)),
        actor_user_id: Set(Some(staff.id)),
        action: Set("product.create".to_owned()),
        entity_type: Set("Product".to_owned()),
        entity_id: Set(shop.product.id.to_string()),
        changes: Set(None),
        created_at: Set(at()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("audit entry");

    staff.delete(db).await.expect("delete user");

    let kept = AuditLog::find_by_id(entry.id).one(db).await.expect("query");
    assert_eq!(kept.map(|e| e.actor_user_id), Some(None));
}
