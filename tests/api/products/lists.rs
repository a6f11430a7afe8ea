//! The dashboard list of products and the public category tree.

use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn managed_products_lists_the_callers_aggregator_with_filters() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    create_product(&app, &medan).await;
    create_product(&app, &jambi).await;
    let query =
        "query($filter: ManagedProductFilter) { managedProducts(first: 10, filter: $filter) {
        totalCount edges { node { id title } } } }";
    let list = |filter: Value| {
        let app = &app;
        let session = medan.admin.clone();
        async move {
            let body = app
                .graphql(query, json!({ "filter": filter }), session.token())
                .await;
            body["data"]["managedProducts"]["totalCount"].clone()
        }
    };

    assert_eq!(list(json!(null)).await, 1);
    assert_eq!(list(json!({ "search": "singkong" })).await, 1);
    assert_eq!(list(json!({ "search": "KRP-BALADO-500" })).await, 1);
    assert_eq!(list(json!({ "search": "100%_" })).await, 0);
    assert_eq!(list(json!({ "status": "ACTIVE" })).await, 0);
    let snacks_parent = category_id(&app, "makanan-minuman").await;
    assert_eq!(list(json!({ "categoryId": snacks_parent })).await, 1);
    assert_eq!(list(json!({ "sellerId": jambi.seller_id })).await, 0);
}

#[tokio::test]
async fn the_category_tree_is_public_and_indonesian() {
    let app = spawn_app().await;

    let body = app
        .graphql(
            "{ categories { slug name children { slug name parent { slug } } } }",
            json!({}),
            None,
        )
        .await;

    let roots = body["data"]["categories"].as_array().unwrap();
    assert_eq!(roots[0]["name"], "Makanan & Minuman", "{body}");
    assert_eq!(roots[0]["children"][0]["name"], "Keripik & Camilan");
    assert_eq!(roots[0]["children"][0]["parent"]["slug"], "makanan-minuman");
}
