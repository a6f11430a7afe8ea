//! Catalogue management: products, variants, stock, images and categories.

use serde_json::{Value, json};

use crate::helpers::{Session, Tenant, TestApp, count, error_code, spawn_app, user_error_codes};

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

fn token(session: &Session) -> Option<&str> {
    Some(session.access_token.as_str())
}

/// The global id of a seeded category.
async fn category_id(app: &TestApp, slug: &str) -> String {
    let body = app
        .graphql(
            "{ categories { id slug children { id slug } } }",
            json!({}),
            None,
        )
        .await;
    body["data"]["categories"]
        .as_array()
        .unwrap_or_else(|| panic!("no categories: {body}"))
        .iter()
        .flat_map(|root| {
            std::iter::once(root).chain(root["children"].as_array().into_iter().flatten())
        })
        .find(|category| category["slug"] == slug)
        .map(|category| category["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no category {slug}: {body}"))
}

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
    app.graphql(CREATE, json!({ "input": input }), token(session))
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
        .graphql(MANAGED_PRODUCT, json!({ "id": id }), token(session))
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

#[tokio::test]
async fn creating_a_product_stores_its_variants_and_images() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;

    let product = create_product(&app, &tenant).await;

    assert_eq!(product["status"], "DRAFT");
    assert_eq!(product["version"], 1);
    assert_eq!(product["halalCertified"], true);
    assert_eq!(product["seller"]["id"], tenant.seller_id.as_str());
    assert_eq!(product["category"]["name"], "Keripik & Camilan");
    assert!(id_of(&product).starts_with("gid://dermaga/Product/"));
    let variants = product["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert_eq!(variants[1]["sku"], "KRP-BALADO-500");
    assert_eq!(
        variants[1]["price"],
        json!({ "amount": "27500", "currency": "IDR" })
    );
    assert_eq!(
        variants[0]["optionValues"],
        json!([{ "name": "rasa", "value": "pedas" }])
    );
    assert_eq!(variants[0]["name"], "pedas");
    assert_eq!(product["priceRange"]["minVariantPrice"]["amount"], "15000");
    assert_eq!(product["priceRange"]["maxVariantPrice"]["amount"], "27500");
    assert_eq!(
        product["images"][0]["url"],
        "https://cdn.example.com/keripik.jpg"
    );
    assert_eq!(count(&app.db, "product_variants").await, 2);
}

#[tokio::test]
async fn a_product_created_active_is_published() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let mut input = product_input(&app, &tenant.seller_id).await;
    input["status"] = json!("ACTIVE");

    let body = create_raw(&app, &tenant.admin, input).await;

    let product = &body["data"]["createProduct"]["product"];
    assert_eq!(product["status"], "ACTIVE", "{body}");
    assert!(product["publishedAt"].is_string());
}

/// Sends the standard input changed by `edit`; expects one userError at `field` with `code`,
/// and no new row anywhere.
async fn assert_refused(edit: impl FnOnce(&mut Value), field: &[&str], code: &str) {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    create_product(&app, &tenant).await;
    let before = catalogue_rows(&app).await;
    let mut input = product_input(&app, &tenant.seller_id).await;
    input["variants"][0]["sku"] = json!("KRP-LAIN-250");
    input["variants"][1]["sku"] = json!("KRP-LAIN-500");
    edit(&mut input);

    let body = create_raw(&app, &tenant.staff, input).await;

    let payload = &body["data"]["createProduct"];
    assert!(payload["product"].is_null(), "{body}");
    assert_eq!(user_error_codes(payload), [code], "{body}");
    assert_eq!(payload["userErrors"][0]["field"], json!(field), "{body}");
    assert_eq!(catalogue_rows(&app).await, before);
}

#[tokio::test]
async fn a_blank_title_is_refused() {
    assert_refused(|i| i["title"] = json!("   "), &["input", "title"], "BLANK").await;
}

#[tokio::test]
async fn an_over_long_title_is_refused() {
    let title = "k".repeat(201);
    assert_refused(
        |i| i["title"] = json!(title),
        &["input", "title"],
        "TOO_LONG",
    )
    .await;
}

const FIRST_PRICE: &[&str] = &["input", "variants", "0", "price"];

#[tokio::test]
async fn a_zero_price_is_refused() {
    assert_refused(
        |i| i["variants"][0]["price"] = json!("0"),
        FIRST_PRICE,
        "TOO_SMALL",
    )
    .await;
}

#[tokio::test]
async fn a_negative_price_is_refused() {
    assert_refused(
        |i| i["variants"][0]["price"] = json!("-15000"),
        FIRST_PRICE,
        "TOO_SMALL",
    )
    .await;
}

#[tokio::test]
async fn a_price_above_one_billion_rupiah_is_refused() {
    assert_refused(
        |i| i["variants"][0]["price"] = json!("1000000001"),
        FIRST_PRICE,
        "TOO_BIG",
    )
    .await;
}

#[tokio::test]
async fn a_fractional_price_is_refused() {
    assert_refused(
        |i| i["variants"][0]["price"] = json!("15000.50"),
        FIRST_PRICE,
        "INVALID",
    )
    .await;
}

#[tokio::test]
async fn a_price_with_thousand_separators_is_refused() {
    assert_refused(
        |i| i["variants"][0]["price"] = json!("15.000"),
        FIRST_PRICE,
        "INVALID",
    )
    .await;
}

#[tokio::test]
async fn a_malformed_sku_is_refused() {
    assert_refused(
        |i| i["variants"][0]["sku"] = json!("KRP BALADO/250"),
        &["input", "variants", "0", "sku"],
        "INVALID",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_category_is_refused() {
    assert_refused(
        |i| i["categoryId"] = json!("gid://dermaga/Category/999999"),
        &["input", "categoryId"],
        "NOT_FOUND",
    )
    .await;
}

#[tokio::test]
async fn a_non_https_image_url_is_refused() {
    assert_refused(
        |i| i["images"][0]["url"] = json!("http://cdn.example.com/keripik.jpg"),
        &["input", "images", "0", "url"],
        "INVALID",
    )
    .await;
}

#[tokio::test]
async fn eleven_images_are_refused() {
    let images: Vec<Value> = (0..11)
        .map(|n| json!({ "url": format!("https://cdn.example.com/{n}.jpg") }))
        .collect();
    assert_refused(
        |i| i["images"] = json!(images),
        &["input", "images"],
        "TOO_BIG",
    )
    .await;
}

#[tokio::test]
async fn a_product_without_variants_is_refused() {
    assert_refused(
        |i| i["variants"] = json!([]),
        &["input", "variants"],
        "TOO_SMALL",
    )
    .await;
}

#[tokio::test]
async fn a_sku_already_used_in_the_aggregator_is_refused_by_name() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    create_product(&app, &tenant).await;
    let before = catalogue_rows(&app).await;
    let mut input = product_input(&app, &tenant.seller_id).await;
    input["variants"][1]["sku"] = json!("KRP-LAIN-500");

    let body = create_raw(&app, &tenant.staff, input).await;

    let payload = &body["data"]["createProduct"];
    assert_eq!(user_error_codes(payload), ["TAKEN"], "{body}");
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "variants", "0", "sku"])
    );
    let message = payload["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("KRP-BALADO-250"), "{message}");
    assert_eq!(catalogue_rows(&app).await, before);
}

#[tokio::test]
async fn the_same_sku_in_another_aggregator_is_allowed() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    create_product(&app, &medan).await;

    let product = create_product(&app, &jambi).await;

    assert_eq!(product["variants"][0]["sku"], "KRP-BALADO-250");
}

#[tokio::test]
async fn fifty_concurrent_decrements_of_twenty_in_stock_leave_zero_with_twenty_successes() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let product = create_product(&app, &tenant).await;
    let variant_id = id_of(&product["variants"][0]);
    assert_eq!(product["variants"][0]["stock"], 20);

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let request = app
            .client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&tenant.staff.access_token)
            .json(&json!({
                "query": ADJUST_STOCK,
                "variables": { "input": { "variantId": variant_id, "delta": -1 } },
            }));
        calls.spawn(async move {
            let body: Value = request.send().await.unwrap().json().await.unwrap();
            body
        });
    }
    let bodies = calls.join_all().await;

    let payloads: Vec<&Value> = bodies
        .iter()
        .map(|body| &body["data"]["adjustVariantStock"])
        .collect();
    let successes = payloads.iter().filter(|p| p["variant"].is_object()).count();
    let refusals = payloads
        .iter()
        .filter(|p| user_error_codes(p) == ["INSUFFICIENT_STOCK"])
        .count();
    assert_eq!((successes, refusals), (20, 30), "{bodies:?}");
    let stored = managed_product(&app, &tenant.staff, &id_of(&product)).await;
    assert_eq!(stored["variants"][0]["stock"], 0);
    assert_eq!(
        stored["version"], 21,
        "one version per successful adjustment"
    );
}

#[tokio::test]
async fn taking_more_than_the_stock_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let product = create_product(&app, &tenant).await;
    let variant_id = id_of(&product["variants"][0]);

    let body = app
        .graphql(
            ADJUST_STOCK,
            json!({ "input": { "variantId": variant_id, "delta": -21 } }),
            token(&tenant.staff),
        )
        .await;

    let payload = &body["data"]["adjustVariantStock"];
    assert_eq!(user_error_codes(payload), ["INSUFFICIENT_STOCK"], "{body}");
    assert!(
        payload["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("20")
    );
    let stored = managed_product(&app, &tenant.staff, &id_of(&product)).await;
    assert_eq!(stored["variants"][0]["stock"], 20);
    assert_eq!(stored["version"], 1);
}

#[tokio::test]
async fn a_negative_absolute_stock_is_refused() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let product = create_product(&app, &tenant).await;

    let body = app
        .graphql(
            SET_STOCK,
            json!({ "input": { "variantId": id_of(&product["variants"][0]), "stock": -1 } }),
            token(&tenant.staff),
        )
        .await;

    assert_eq!(
        user_error_codes(&body["data"]["setVariantStock"]),
        ["TOO_SMALL"],
        "{body}"
    );
}

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
            token(&tenant.staff),
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
            token(&tenant.admin),
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
            token(&tenant.staff),
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
            token(&tenant.staff),
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
            .graphql(mutation, json!({ "input": input }), token(&tenant.staff))
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
            token(&tenant.seller_login),
        )
        .await;
    let edit = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": id_of(&product), "expectedVersion": 2, "title": "X" } }),
            token(&tenant.seller_login),
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
                .graphql(query, json!({ "filter": filter }), token(&session))
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
        let body = app.graphql(operation, variables, token(intruder)).await;
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
