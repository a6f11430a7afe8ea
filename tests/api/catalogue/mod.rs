//! The public catalogue: queries, filters and sorts, search, pagination, statement counts.

mod bad_input;
mod browse;
mod pagination;
mod search;
mod statements;
mod sync;

use serde_json::{Value, json};

use crate::helpers::{Tenant, TestApp, category_id};

pub const PRODUCTS: &str =
    "query($first: Int, $after: String, $filter: ProductFilter, $sort: ProductSort) {
    products(first: $first, after: $after, filter: $filter, sort: $sort) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id title halalCertified inStock
            priceRange { minVariantPrice { amount currency } maxVariantPrice { amount } }
            seller { id businessName province city }
            category { slug } } } } }";

/// A product to create: title, category slug, variant prices; ACTIVE unless `status` says.
pub struct Spec<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub category: &'a str,
    pub prices: &'a [i64],
    pub stock: i32,
    pub halal: bool,
    pub status: &'a str,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Self {
            title: "Keripik Tempe Sanan",
            description: "Renyah dan gurih.",
            category: "keripik-camilan",
            prices: &[15000],
            stock: 10,
            halal: true,
            status: "ACTIVE",
        }
    }
}

impl<'a> Spec<'a> {
    /// The default product with this title.
    pub fn titled(title: &'a str) -> Self {
        Self {
            title,
            ..Self::default()
        }
    }

    /// The default product with this title and these variant prices.
    pub fn priced(title: &'a str, prices: &'a [i64]) -> Self {
        Self {
            title,
            prices,
            ..Self::default()
        }
    }
}

/// Creates a product for `seller_id` and returns its global id.
pub async fn create(app: &TestApp, tenant: &Tenant, seller_id: &str, spec: Spec<'_>) -> String {
    let sku_base = uuid::Uuid::new_v4().simple().to_string();
    let variants: Vec<Value> = spec
        .prices
        .iter()
        .enumerate()
        .map(|(index, price)| {
            json!({
                "sku": format!("SKU-{}-{index}", &sku_base[..12]), "price": price.to_string(),
                "stock": spec.stock, "weightGrams": 250,
                "optionValues": [{ "name": "ukuran", "value": format!("{index}") }],
            })
        })
        .collect();
    let input = json!({
        "sellerId": seller_id,
        "categoryId": category_id(app, spec.category).await,
        "title": spec.title,
        "description": spec.description,
        "halalCertified": spec.halal,
        "status": spec.status,
        "variants": variants,
    });
    let body = app
        .graphql(
            "mutation($input: CreateProductInput!) { createProduct(input: $input) {
                product { id } userErrors { field message code } } }",
            json!({ "input": input }),
            tenant.staff.token(),
        )
        .await;
    body["data"]["createProduct"]["product"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createProduct failed: {body}"))
        .to_owned()
}

/// Archives a product.
pub async fn archive(app: &TestApp, tenant: &Tenant, id: &str) {
    let body = app
        .graphql(
            "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) {
                product { id } userErrors { code } } }",
            json!({ "input": { "id": id } }),
            tenant.staff.token(),
        )
        .await;
    assert!(
        body["data"]["archiveProduct"]["product"].is_object(),
        "{body}"
    );
}

/// Runs `products` anonymously.
pub async fn products(app: &TestApp, variables: Value) -> Value {
    app.graphql(PRODUCTS, variables, None).await
}

/// The titles of a `products` answer, in order.
pub fn titles(body: &Value) -> Vec<String> {
    body["data"]["products"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no products: {body}"))
        .iter()
        .map(|edge| edge["node"]["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Suspends a seller (staff of its aggregator).
pub async fn suspend_seller(app: &TestApp, tenant: &Tenant, seller_id: &str) {
    let body = app
        .graphql(
            "mutation($input: SellerStatusInput!) { suspendSeller(input: $input) {
                seller { id } userErrors { code } } }",
            json!({ "input": { "id": seller_id, "reason": "test" } }),
            tenant.staff.token(),
        )
        .await;
    assert!(
        body["data"]["suspendSeller"]["seller"].is_object(),
        "{body}"
    );
}

/// Changes a product's title, reading its version first.
pub async fn retitle(app: &TestApp, tenant: &Tenant, id: &str, title: &str) {
    let current = app
        .graphql(
            "query($id: ID!) { managedProduct(id: $id) { version } }",
            json!({ "id": id }),
            tenant.staff.token(),
        )
        .await;
    let version = current["data"]["managedProduct"]["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("no version: {current}"));
    let body = app
        .graphql(
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
                product { id } userErrors { field message code } } }",
            json!({ "input": { "id": id, "expectedVersion": version, "title": title } }),
            tenant.staff.token(),
        )
        .await;
    assert!(
        body["data"]["updateProduct"]["product"].is_object(),
        "{body}"
    );
}

/// A counter or gauge read from `GET /metrics`.
pub async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("a metrics body");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metric {name} in:\n{text}"))
}
