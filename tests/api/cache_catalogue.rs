//! The response cache over the public `products` query: a product edit through one replica is
//! seen by the next anonymous query on the other.

use serde_json::{Value, json};

use crate::{cache_redis::shared_redis, helpers::*};

const PRODUCTS: &str = "{ products(first: 10) { totalCount edges { node { id title } } } }";

async fn anonymous(app: &TestApp) -> (Option<String>, Value) {
    let response = app.post_graphql(&json!({ "query": PRODUCTS }), None).await;
    let cache = response
        .headers()
        .get("x-cache")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    (cache, response.json().await.expect("a JSON body"))
}

async fn create_active_product(app: &TestApp, tenant: &Tenant) -> String {
    let categories = app.graphql("{ categories { id } }", json!({}), None).await;
    let category = categories["data"]["categories"][0]["id"].clone();
    let body = app
        .graphql(
            "mutation($input: CreateProductInput!) { createProduct(input: $input) {
                product { id } userErrors { field message code } } }",
            json!({ "input": {
                "sellerId": tenant.seller_id, "categoryId": category, "status": "ACTIVE",
                "title": "Keripik Singkong Balado", "description": "Renyah.", "halalCertified": true,
                "variants": [{ "sku": "KRP-CACHE-1", "price": "15000", "stock": 5,
                    "weightGrams": 250, "optionValues": [] }],
                "images": [] } }),
            Some(&tenant.staff.access_token),
        )
        .await;
    body["data"]["createProduct"]["product"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createProduct failed: {body}"))
        .to_owned()
}

#[tokio::test]
async fn a_product_edit_through_one_replica_is_seen_at_once_by_the_other() {
    let Some((_local, url)) = shared_redis().await else {
        return;
    };
    let first = spawn_app_with(&[("REDIS_URL", &url)]).await;
    let second = first.spawn_replica().await;
    let tenant = first.tenant("cache-products").await;
    let id = create_active_product(&first, &tenant).await;
    let (_, listed) = anonymous(&first).await;
    assert_eq!(listed["data"]["products"]["totalCount"], 1, "{listed}");
    let (cache, _) = anonymous(&second).await;
    assert_eq!(cache.as_deref(), Some("HIT"));

    let edit = second
        .graphql(
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
                product { id } userErrors { field message code } } }",
            json!({ "input": { "id": id, "expectedVersion": 1, "title": "Keripik Pedas Baru" } }),
            Some(&tenant.staff.access_token),
        )
        .await;
    assert!(
        edit["data"]["updateProduct"]["product"].is_object(),
        "{edit}"
    );
    let (_, on_first) = anonymous(&first).await;

    assert_eq!(
        on_first["data"]["products"]["edges"][0]["node"]["title"], "Keripik Pedas Baru",
        "{on_first}"
    );
}
