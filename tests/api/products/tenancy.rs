//! Every product operation on another tenant reads as NOT_FOUND.

use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

/// Runs every id-taking operation on `target`'s product as `intruder`; each must read as
/// NOT_FOUND (an error, or a userError for an id inside an input).
async fn assert_every_operation_not_found(app: &TestApp, intruder: &Session, target: &Tenant) {
    let product = create_product(app, target).await;
    let id = id_of(&product);
    let variant = id_of(&product["variants"][1]);
    let image = id_of(&product["images"][0]);
    let mut input = product_input(app, &target.seller_id).await;
    input["variants"] = json!([variant_input_with_sku("SPY-1")]);
    let operations = [
        (MANAGED_PRODUCT, json!({ "id": id })),
        (NODE, json!({ "id": id })),
        (NODE, json!({ "id": variant })),
        (NODE, json!({ "id": image })),
        (
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "title": "Dicuri" } }),
        ),
        (ARCHIVE, json!({ "input": { "id": id } })),
        (
            ADD_VARIANT,
            json!({ "input": { "productId": id, "sku": "SPY-2", "price": "1000" } }),
        ),
        (
            UPDATE_VARIANT,
            json!({ "input": { "id": variant, "price": "1" } }),
        ),
        (REMOVE_VARIANT, json!({ "input": { "id": variant } })),
        (
            SET_IMAGES,
            json!({ "input": { "productId": id, "images": [] } }),
        ),
        (
            SET_STOCK,
            json!({ "input": { "variantId": variant, "stock": 0 } }),
        ),
        (
            ADJUST_STOCK,
            json!({ "input": { "variantId": variant, "delta": -1 } }),
        ),
        (CREATE, json!({ "input": input })),
    ];
    let before = catalogue_rows(app).await;
    for (operation, variables) in operations {
        let body = app.graphql(operation, variables, intruder.token()).await;
        let payload = body["data"]
            .as_object()
            .and_then(|data| data.values().next());
        let code = match payload {
            Some(payload) if payload.get("userErrors").is_some() => {
                user_error_codes(payload).join(",")
            }
            _ => error_code(&body).to_owned(),
        };
        assert_eq!(code, "NOT_FOUND", "{operation}: {body}");
    }
    assert_eq!(catalogue_rows(app).await, before);
    let stored = managed_product(app, &target.staff, &id).await;
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["variants"][1]["stock"], 20);
}

fn variant_input_with_sku(sku: &str) -> Value {
    variant(sku, "1000")
}

#[tokio::test]
async fn another_aggregators_admin_gets_not_found_for_every_operation() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    assert_every_operation_not_found(&app, &jambi.admin, &medan).await;
}

#[tokio::test]
async fn another_aggregators_staff_gets_not_found_for_every_operation() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    assert_every_operation_not_found(&app, &jambi.staff, &medan).await;
}

#[tokio::test]
async fn another_aggregators_seller_gets_not_found_for_every_operation() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    assert_every_operation_not_found(&app, &jambi.seller_login, &medan).await;
}

#[tokio::test]
async fn a_seller_gets_not_found_for_a_sibling_business_in_its_aggregator() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let sibling_id = app
        .onboard_seller(&medan.staff, "Batik Bu Rini", "0813-1111-2222")
        .await;
    let sibling = with_seller(&medan, sibling_id);
    assert_every_operation_not_found(&app, &medan.seller_login, &sibling).await;
}

/// The same aggregator's team, looking after another of its sellers.
fn with_seller(tenant: &Tenant, seller_id: String) -> Tenant {
    Tenant {
        aggregator_id: tenant.aggregator_id.clone(),
        admin: tenant.admin.clone(),
        staff: tenant.staff.clone(),
        seller_id,
        seller_login: tenant.seller_login.clone(),
        seller_user_id: tenant.seller_user_id.clone(),
        staff_user_id: tenant.staff_user_id.clone(),
    }
}

#[tokio::test]
async fn another_aggregators_seller_id_cannot_own_a_new_product() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    let before = catalogue_rows(&app).await;
    let input = product_input(&app, &medan.seller_id).await;

    let body = create_raw(&app, &jambi.staff, input).await;

    let payload = &body["data"]["createProduct"];
    assert_eq!(user_error_codes(payload), ["NOT_FOUND"], "{body}");
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "sellerId"])
    );
    assert_eq!(catalogue_rows(&app).await, before);
}
