//! Catalogue management: products, variants, stock, images and categories. This file holds the
//! operations and helpers the tests share; each module tests one side of it.

mod create;
mod edits;
mod lists;
mod stock;
mod tenancy;

use serde_json::{Value, json};

use crate::helpers::{Session, Tenant, TestApp, category_id, count};

macro_rules! product_fields {
    () => {
        "id title description status halalCertified version publishedAt
         seller { id } category { id slug name }
         variants { id sku name optionValues { name value } price { amount currency }
                    stock weightGrams position }
         images { id url altText position }
         priceRange { minVariantPrice { amount currency } maxVariantPrice { amount } }"
    };
}

const CREATE: &str = concat!(
    "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { ",
    product_fields!(),
    " } userErrors { field message code } } }"
);
const MANAGED_PRODUCT: &str = concat!(
    "query($id: ID!) { managedProduct(id: $id) { ",
    product_fields!(),
    " } }"
);
const UPDATE: &str = "mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
    product { id title version } userErrors { field message code } } }";
const ARCHIVE: &str = "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) {
    product { id status version } userErrors { field message code } } }";
const ADD_VARIANT: &str = "mutation($input: AddProductVariantInput!) {
    addProductVariant(input: $input) { variant { id sku } userErrors { field message code } } }";
const UPDATE_VARIANT: &str = "mutation($input: UpdateProductVariantInput!) {
    updateProductVariant(input: $input) { variant { id sku price { amount } }
    userErrors { field message code } } }";
const REMOVE_VARIANT: &str = "mutation($input: RemoveProductVariantInput!) {
    removeProductVariant(input: $input) { deletedVariantId product { id version }
    userErrors { field message code } } }";
const SET_IMAGES: &str = "mutation($input: SetProductImagesInput!) {
    setProductImages(input: $input) { product { id images { url } }
    userErrors { field message code } } }";
const SET_STOCK: &str = "mutation($input: SetVariantStockInput!) {
    setVariantStock(input: $input) { variant { id stock } userErrors { field message code } } }";
const ADJUST_STOCK: &str = "mutation($input: AdjustVariantStockInput!) {
    adjustVariantStock(input: $input) { variant { id stock } userErrors { field message code } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";

fn variant(sku: &str, price: &str) -> Value {
    json!({
        "sku": sku, "price": price, "stock": 20, "weightGrams": 250,
        "optionValues": [{ "name": "rasa", "value": "pedas" }],
    })
}

async fn product_input(app: &TestApp, seller_id: &str) -> Value {
    json!({
        "sellerId": seller_id,
        "categoryId": category_id(app, "keripik-camilan").await,
        "title": "Keripik Singkong Balado",
        "description": "Renyah, pedas manis.",
        "halalCertified": true,
        "variants": [variant("KRP-BALADO-250", "15000"), variant("KRP-BALADO-500", "27500.00")],
        "images": [{ "url": "https://cdn.example.com/keripik.jpg", "altText": "Keripik" }],
    })
}

async fn create_raw(app: &TestApp, session: &Session, input: Value) -> Value {
    app.graphql(CREATE, json!({ "input": input }), session.token())
        .await
}

/// Creates the standard product for the tenant's seller and returns it.
async fn create_product(app: &TestApp, tenant: &Tenant) -> Value {
    let input = product_input(app, &tenant.seller_id).await;
    let body = create_raw(app, &tenant.staff, input).await;
    let product = &body["data"]["createProduct"]["product"];
    assert!(product.is_object(), "createProduct failed: {body}");
    product.clone()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn managed_product(app: &TestApp, session: &Session, id: &str) -> Value {
    let body = app
        .graphql(MANAGED_PRODUCT, json!({ "id": id }), session.token())
        .await;
    body["data"]["managedProduct"].clone()
}

/// Rows of every catalogue table plus the audit log, to show that nothing was stored.
async fn catalogue_rows(app: &TestApp) -> [i64; 4] {
    [
        count(&app.db, "products").await,
        count(&app.db, "product_variants").await,
        count(&app.db, "product_images").await,
        count(&app.db, "audit_log").await,
    ]
}
