//! Editing a product: versions, conflicts, audit entries and what a seller may change.

use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn a_stale_update_gets_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let product = create_product(&app, &tenant).await;
    let id = id_of(&product);
    let first = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "title": "Keripik Pedas" } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        first["data"]["updateProduct"]["product"]["version"], 2,
        "{first}"
    );

    let stale = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "title": "Keripik Manis" } }),
            tenant.admin.token(),
        )
        .await;

    let payload = &stale["data"]["updateProduct"];
    assert!(payload["product"].is_null());
    assert_eq!(user_error_codes(payload), ["CONFLICT"], "{stale}");
    assert!(
        payload["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("version 2")
    );
    let stored = managed_product(&app, &tenant.staff, &id).await;
    assert_eq!(
        (stored["title"].as_str(), stored["version"].as_i64()),
        (Some("Keripik Pedas"), Some(2))
    );
}

#[tokio::test]
async fn removing_the_last_variant_is_refused() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let product = create_product(&app, &tenant).await;
    let [first, second] = [0, 1].map(|n| id_of(&product["variants"][n]));
    let removed = app
        .graphql(
            REMOVE_VARIANT,
            json!({ "input": { "id": first } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        removed["data"]["removeProductVariant"]["deletedVariantId"],
        first.as_str()
    );

    let body = app
        .graphql(
            REMOVE_VARIANT,
            json!({ "input": { "id": second } }),
            tenant.staff.token(),
        )
        .await;

    assert_eq!(
        user_error_codes(&body["data"]["removeProductVariant"]),
        ["INVALID"],
        "{body}"
    );
    assert_eq!(count(&app.db, "product_variants").await, 1);
}

/// Every catalogue mutation once, in order, on the standard product. Returns the product id.
async fn run_every_mutation(app: &TestApp, tenant: &Tenant, after_each: &mut Vec<Value>) -> String {
    let product = create_product(app, tenant).await;
    let id = id_of(&product);
    let variant = id_of(&product["variants"][0]);
    let steps = [
        (
            UPDATE,
            json!({ "id": id, "expectedVersion": 1, "title": "Keripik Pedas" }),
        ),
        (
            ADD_VARIANT,
            json!({ "productId": id, "sku": "KRP-BALADO-1000", "price": "50000" }),
        ),
        (UPDATE_VARIANT, json!({ "id": variant, "price": "16000" })),
        (SET_STOCK, json!({ "variantId": variant, "stock": 5 })),
        (ADJUST_STOCK, json!({ "variantId": variant, "delta": 3 })),
        (
            SET_IMAGES,
            json!({ "productId": id, "images": [{ "url": "https://cdn.example.com/2.jpg" }] }),
        ),
        (REMOVE_VARIANT, json!({ "id": variant })),
        (ARCHIVE, json!({ "id": id })),
    ];
    for (mutation, input) in steps {
        let body = app
            .graphql(mutation, json!({ "input": input }), tenant.staff.token())
            .await;
        let payload = body["data"].as_object().unwrap().values().next().unwrap();
        assert_eq!(payload["userErrors"], json!([]), "{mutation}: {body}");
        after_each.push(managed_product(app, &tenant.staff, &id).await);
    }
    id
}

#[tokio::test]
async fn every_change_increases_the_version() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let mut states = Vec::new();

    run_every_mutation(&app, &tenant, &mut states).await;

    let versions: Vec<i64> = states
        .iter()
        .map(|p| p["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(states.last().unwrap()["status"], "ARCHIVED");
}

#[tokio::test]
async fn every_mutation_writes_one_audit_entry_on_the_product() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let before = count(&app.db, "audit_log").await;

    let id = run_every_mutation(&app, &tenant, &mut Vec::new()).await;

    assert_eq!(
        count(&app.db, "audit_log").await - before,
        9,
        "create + 8 changes"
    );
    let db_id = id.rsplit('/').next().unwrap();
    let actions = audit_actions(&app, db_id).await;
    assert_eq!(
        actions,
        [
            "product.created",
            "product.updated",
            "product.variant_added",
            "product.variant_updated",
            "product.stock_set",
            "product.stock_adjusted",
            "product.images_set",
            "product.variant_removed",
            "product.archived",
        ]
    );
}

async fn audit_actions(app: &TestApp, product_db_id: &str) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::EntityType.eq("Product"))
        .filter(entity::audit_log::Column::EntityId.eq(product_db_id))
        .order_by_asc(entity::audit_log::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect()
}

#[tokio::test]
async fn a_seller_may_keep_its_stock_but_not_edit_its_products() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let product = create_product(&app, &tenant).await;
    let variant = id_of(&product["variants"][0]);

    let stock = app
        .graphql(
            ADJUST_STOCK,
            json!({ "input": { "variantId": variant, "delta": -2 } }),
            tenant.seller_login.token(),
        )
        .await;
    let edit = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": id_of(&product), "expectedVersion": 2, "title": "X" } }),
            tenant.seller_login.token(),
        )
        .await;

    assert_eq!(
        stock["data"]["adjustVariantStock"]["variant"]["stock"], 18,
        "{stock}"
    );
    assert_eq!(error_code(&edit), "FORBIDDEN");
    let own = managed_product(&app, &tenant.seller_login, &id_of(&product)).await;
    assert_eq!(own["title"], "Keripik Singkong Balado");
}
