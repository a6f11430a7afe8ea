//! Invalidation by tags: a write drops the cached responses that show what it changed, or the
//! lists it moved in, and leaves every other response cached, on every replica.

use serde_json::{Value, json};

use crate::{cache_redis::shared_redis, helpers::*};

pub const DETAIL: &str = "query Detail($id: ID!) { product(id: $id) {
    id title variants { sku stock } seller { businessName } } }";
pub const PAGE: &str = "query Page($category: ID) {
    products(first: 10, filter: { categoryId: $category }) {
        totalCount edges { node { id title } } } }";
pub const PRICED: &str = "query Priced($category: ID) {
    products(first: 10, filter: { categoryId: $category }, sort: PRICE_ASC) {
        edges { node { id } } } }";

/// An anonymous POST: the `x-cache` header and the body.
pub async fn anonymous(app: &TestApp, query: &str, variables: Value) -> (String, Value) {
    let response = app
        .post_graphql(&json!({ "query": query, "variables": variables }), None)
        .await;
    let cache = response
        .headers()
        .get("x-cache")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("none")
        .to_owned();
    (cache, response.json().await.expect("a JSON body"))
}

pub struct Listed {
    pub id: String,
    pub variant: String,
    pub category: String,
}

/// An ACTIVE product of the tenant's seller in the seeded category `slug`.
pub async fn create_listed(app: &TestApp, tenant: &Tenant, slug: &str, sku: &str) -> Listed {
    let category = category_id(app, slug).await;
    let body = app
        .graphql(
            "mutation($input: CreateProductInput!) { createProduct(input: $input) {
                product { id variants { id } } userErrors { field message code } } }",
            json!({ "input": {
                "sellerId": tenant.seller_id, "categoryId": category, "status": "ACTIVE",
                "title": format!("Produk {sku}"), "description": "Buatan rumah.",
                "halalCertified": true,
                "variants": [{ "sku": sku, "price": "15000", "stock": 5,
                    "weightGrams": 250, "optionValues": [] }],
                "images": [] } }),
            tenant.staff.token(),
        )
        .await;
    let product = &body["data"]["createProduct"]["product"];
    Listed {
        id: product["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createProduct failed: {body}"))
            .to_owned(),
        variant: product["variants"][0]["id"].as_str().unwrap().to_owned(),
        category,
    }
}

pub async fn adjust_stock(app: &TestApp, tenant: &Tenant, variant: &str, delta: i64) {
    let body = app
        .graphql(
            "mutation($input: AdjustVariantStockInput!) { adjustVariantStock(input: $input) {
                variant { stock } userErrors { code } } }",
            json!({ "input": { "variantId": variant, "delta": delta } }),
            tenant.staff.token(),
        )
        .await;
    assert!(
        body["data"]["adjustVariantStock"]["variant"].is_object(),
        "{body}"
    );
}

pub fn stock(detail: &Value) -> i64 {
    detail["data"]["product"]["variants"][0]["stock"]
        .as_i64()
        .unwrap_or_else(|| panic!("no stock in {detail}"))
}

struct Shop {
    app: TestApp,
    tenant: Tenant,
    keripik: Listed,
    kopi: Listed,
}

async fn shop(app: TestApp) -> Shop {
    let tenant = app.tenant("tags").await;
    let keripik = create_listed(&app, &tenant, "keripik-camilan", "TAG-KRP").await;
    let kopi = create_listed(&app, &tenant, "kopi-teh", "TAG-KOPI").await;
    Shop {
        app,
        tenant,
        keripik,
        kopi,
    }
}

impl Shop {
    async fn detail(&self, product: &Listed) -> (String, Value) {
        anonymous(&self.app, DETAIL, json!({ "id": product.id })).await
    }

    async fn page(&self, query: &str, category: Option<&str>) -> (String, Value) {
        anonymous(&self.app, query, json!({ "category": category })).await
    }
}

#[tokio::test]
async fn a_stock_change_drops_only_the_responses_that_show_the_product() {
    let shop = shop(spawn_app().await).await;
    let (keripik, kopi) = (&shop.keripik, &shop.kopi);
    shop.detail(keripik).await;
    shop.detail(kopi).await;
    for query in [PAGE, PRICED] {
        shop.page(query, Some(&keripik.category)).await;
        shop.page(query, Some(&kopi.category)).await;
    }
    shop.page(PAGE, None).await;

    adjust_stock(&shop.app, &shop.tenant, &keripik.variant, 3).await;

    let (cache, detail) = shop.detail(keripik).await;
    assert_eq!((cache.as_str(), stock(&detail)), ("MISS", 8), "{detail}");
    assert_eq!(shop.page(PAGE, Some(&keripik.category)).await.0, "MISS");
    assert_eq!(shop.page(PRICED, Some(&keripik.category)).await.0, "MISS");
    assert_eq!(
        shop.page(PAGE, None).await.0,
        "MISS",
        "it shows the product"
    );
    assert_eq!(shop.detail(kopi).await.0, "HIT", "another product");
    assert_eq!(shop.page(PAGE, Some(&kopi.category)).await.0, "HIT");
    assert_eq!(
        shop.page(PRICED, Some(&kopi.category)).await.0,
        "HIT",
        "another category's list by price"
    );
}

#[tokio::test]
async fn a_new_product_drops_the_lists_it_enters_and_no_other_response() {
    let shop = shop(spawn_app().await).await;
    let (keripik, kopi) = (&shop.keripik, &shop.kopi);
    shop.detail(keripik).await;
    let (_, before) = shop.page(PAGE, Some(&kopi.category)).await;
    shop.page(PAGE, Some(&keripik.category)).await;
    assert_eq!(before["data"]["products"]["totalCount"], 1, "{before}");

    create_listed(&shop.app, &shop.tenant, "kopi-teh", "TAG-KOPI-2").await;

    let (cache, after) = shop.page(PAGE, Some(&kopi.category)).await;
    assert_eq!(cache, "MISS");
    assert_eq!(after["data"]["products"]["totalCount"], 2, "{after}");
    assert_eq!(shop.page(PAGE, Some(&keripik.category)).await.0, "HIT");
    assert_eq!(shop.detail(keripik).await.0, "HIT");
}

#[tokio::test]
async fn a_product_moved_to_another_category_leaves_the_first_list_and_enters_the_second() {
    let shop = shop(spawn_app().await).await;
    let (keripik, kopi) = (&shop.keripik, &shop.kopi);
    shop.page(PAGE, Some(&keripik.category)).await;
    shop.page(PAGE, Some(&kopi.category)).await;

    let body = shop
        .app
        .graphql(
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
                product { id } userErrors { code } } }",
            json!({ "input": { "id": keripik.id, "expectedVersion": 1,
                "categoryId": kopi.category } }),
            shop.tenant.staff.token(),
        )
        .await;
    assert!(
        body["data"]["updateProduct"]["product"].is_object(),
        "{body}"
    );

    let (_, left) = shop.page(PAGE, Some(&keripik.category)).await;
    let (_, entered) = shop.page(PAGE, Some(&kopi.category)).await;
    assert_eq!(left["data"]["products"]["totalCount"], 0, "{left}");
    assert_eq!(entered["data"]["products"]["totalCount"], 2, "{entered}");
}

#[tokio::test]
async fn suspending_a_seller_hides_its_cached_products_at_once() {
    let shop = shop(spawn_app().await).await;
    let (cache, _) = shop.detail(&shop.keripik).await;
    assert_eq!(cache, "MISS");
    assert_eq!(shop.detail(&shop.keripik).await.0, "HIT");

    let body = shop
        .app
        .graphql(
            "mutation($input: SellerStatusInput!) { suspendSeller(input: $input) {
                seller { status } userErrors { code } } }",
            json!({ "input": { "id": shop.tenant.seller_id, "reason": "uji" } }),
            shop.tenant.admin.token(),
        )
        .await;
    assert_eq!(
        body["data"]["suspendSeller"]["seller"]["status"], "SUSPENDED",
        "{body}"
    );

    let (_, detail) = shop.detail(&shop.keripik).await;
    assert_eq!(error_code(&detail), "NOT_FOUND", "{detail}");
}

#[tokio::test]
async fn writes_that_change_nothing_public_leave_the_catalogue_cached() {
    let shop = shop(spawn_app().await).await;
    shop.detail(&shop.keripik).await;
    shop.page(PAGE, None).await;

    let admin = shop.app.admin().await;
    shop.app.create_aggregator(&admin, "tags-unrelated").await;
    shop.app
        .onboard_seller(&shop.tenant.staff, "Usaha Baru", "0813-7777-0001")
        .await;

    assert_eq!(shop.detail(&shop.keripik).await.0, "HIT");
    assert_eq!(shop.page(PAGE, None).await.0, "HIT");
}

#[tokio::test]
async fn a_stock_change_through_one_replica_is_seen_at_once_by_the_other_and_nothing_else_is_dropped()
 {
    let Some((_redis, url)) = shared_redis().await else {
        return;
    };
    let first = spawn_app_with(&[("REDIS_URL", &url), ("RATE_LIMIT_PER_MINUTE", "0")]).await;
    let second = first.spawn_replica().await;
    let shop = shop(first).await;
    shop.detail(&shop.keripik).await;
    shop.detail(&shop.kopi).await;
    let on_second = |product: &Listed| {
        let id = product.id.clone();
        let second = &second;
        async move { anonymous(second, DETAIL, json!({ "id": id })).await }
    };
    assert_eq!(on_second(&shop.keripik).await.0, "HIT");

    adjust_stock(&second, &shop.tenant, &shop.keripik.variant, -2).await;

    let (_, on_first) = shop.detail(&shop.keripik).await;
    assert_eq!(stock(&on_first), 3, "{on_first}");
    let (_, seen) = on_second(&shop.keripik).await;
    assert_eq!(stock(&seen), 3, "{seen}");
    assert_eq!(shop.detail(&shop.kopi).await.0, "HIT");
    assert_eq!(on_second(&shop.kopi).await.0, "HIT");
}

/// A GET of a query: the response's headers and body.
async fn get(
    app: &TestApp,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", query), ("variables", &variables.to_string())]);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the server answers")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn public_get_answers_tell_cdns_what_to_keep_and_by_which_tags_to_purge() {
    let shop = shop(spawn_app().await).await;
    let variables = json!({ "id": shop.keripik.id });

    // A POST fills the entry a GET of the same query then hits.
    anonymous(&shop.app, DETAIL, variables.clone()).await;
    let public = get(&shop.app, DETAIL, variables.clone(), None).await;
    assert_eq!(header(&public, "x-cache"), "HIT");
    assert_eq!(
        header(&public, "cache-control"),
        "public, max-age=30, stale-while-revalidate=60"
    );
    assert!(header(&public, "vary").contains("Authorization"));
    let keys: Vec<&str> = header(&public, "surrogate-key").split(' ').collect();
    assert!(
        keys.iter().any(|key| key.starts_with("p:"))
            && keys.iter().any(|key| key.starts_with("s:")),
        "{keys:?}"
    );

    let private = get(&shop.app, DETAIL, variables, shop.tenant.staff.token()).await;
    assert_eq!(header(&private, "cache-control"), "private, no-store");
    assert_eq!(header(&private, "surrogate-key"), "");

    let missing = get(&shop.app, DETAIL, json!({ "id": "bm90LWFuLWlk" }), None).await;
    assert_eq!(header(&missing, "cache-control"), "no-store");
    assert_eq!(header(&missing, "surrogate-key"), "");
}

#[tokio::test]
async fn the_public_cache_lifetime_is_configurable() {
    let app = spawn_app_with(&[
        ("HTTP_CACHE_MAX_AGE_SECONDS", "5"),
        ("HTTP_CACHE_STALE_SECONDS", "0"),
    ])
    .await;
    let response = get(&app, "{ categories { id } }", json!({}), None).await;
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=5, stale-while-revalidate=0"
    );
    assert_eq!(header(&response, "surrogate-key"), "categories");
}
