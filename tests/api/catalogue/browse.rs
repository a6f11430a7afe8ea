//! What the public catalogue shows, and its filters and sorts.

use serde_json::{Value, json};

use super::{PRODUCTS, Spec, archive, create, metric, products, suspend_seller, titles};
use crate::helpers::*;

#[tokio::test]
async fn only_active_products_of_active_sellers_are_public() {
    let app = spawn_app().await;
    let tenant = app.tenant("browse-public").await;
    let other_seller = app
        .onboard_seller(&tenant.staff, "Batik Bu Tini", "0813-1111-2222")
        .await;
    let seller = tenant.seller_id.as_str();
    create(&app, &tenant, seller, Spec::titled("Aktif")).await;
    create(
        &app,
        &tenant,
        seller,
        Spec {
            title: "Draf",
            status: "DRAFT",
            ..Spec::default()
        },
    )
    .await;
    let archived = create(&app, &tenant, seller, Spec::titled("Arsip")).await;
    archive(&app, &tenant, &archived).await;
    let suspended = create(&app, &tenant, &other_seller, Spec::titled("Ditangguhkan")).await;
    suspend_seller(&app, &tenant, &other_seller).await;

    let body = products(&app, json!({})).await;
    assert_eq!(titles(&body), ["Aktif"], "{body}");
    assert_eq!(body["data"]["products"]["totalCount"], 1);

    for hidden in [&archived, &suspended] {
        let body = app
            .graphql(
                "query($id: ID!) { product(id: $id) { title } }",
                json!({ "id": hidden }),
                None,
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        let body = app
            .graphql(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": hidden }),
                None,
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    }
}

#[tokio::test]
async fn a_product_shows_money_price_range_seller_and_category_and_works_through_node() {
    let app = spawn_app().await;
    let tenant = app.tenant("browse-detail").await;
    let id = create(
        &app,
        &tenant,
        &tenant.seller_id,
        Spec {
            prices: &[12000, 18000, 15000],
            ..Spec::default()
        },
    )
    .await;
    let body = app
        .graphql(
            "query($id: ID!) { product(id: $id) { id title inStock
                priceRange { minVariantPrice { amount currency } maxVariantPrice { amount currency } }
                variants { sku price { amount currency } }
                seller { id businessName city }
                category { slug } } }",
            json!({ "id": id }),
            None,
        )
        .await;
    let product = &body["data"]["product"];
    assert_eq!(product["id"], id.as_str(), "{body}");
    assert_eq!(
        product["priceRange"]["minVariantPrice"],
        json!({ "amount": "12000", "currency": "IDR" })
    );
    assert_eq!(
        product["priceRange"]["maxVariantPrice"],
        json!({ "amount": "18000", "currency": "IDR" })
    );
    assert_eq!(product["variants"].as_array().unwrap().len(), 3);
    assert_eq!(product["seller"]["id"], tenant.seller_id.as_str());
    assert_eq!(product["seller"]["city"], "Semarang");
    assert_eq!(product["category"]["slug"], "keripik-camilan");

    let node = app
        .graphql(
            "query($id: ID!) { node(id: $id) { __typename id ... on CatalogueProduct { title } } }",
            json!({ "id": id }),
            None,
        )
        .await;
    assert_eq!(
        node["data"]["node"]["__typename"], "CatalogueProduct",
        "{node}"
    );
    assert_eq!(node["data"]["node"]["title"], "Keripik Tempe Sanan");

    // The public profile never shows the phone.
    let profile = app
        .graphql(
            "query($id: ID!) { sellerProfile(id: $id) { businessName phone } }",
            json!({ "id": tenant.seller_id }),
            None,
        )
        .await;
    let message = profile["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Unknown field \"phone\""), "{profile}");
}

#[tokio::test]
async fn filters_narrow_the_catalogue() {
    let app = spawn_app().await;
    let tenant = app.tenant("browse-filters").await;
    let medan = app
        .onboard_seller_raw(
            &tenant.staff,
            json!({ "businessName": "Kopi Sidikalang", "ownerName": "Pak Ucok", "phone": "0813-9999-0000",
                "sector": "FOOD_AND_DRINK", "scale": "MICRO", "province": "Sumatera Utara", "city": "Medan" }),
        )
        .await["data"]["onboardSeller"]["seller"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let semarang = tenant.seller_id.as_str();
    create(
        &app,
        &tenant,
        semarang,
        Spec::priced("Keripik Murah", &[5000]),
    )
    .await;
    create(
        &app,
        &tenant,
        semarang,
        Spec {
            title: "Batik Tulis",
            category: "batik",
            prices: &[450000],
            halal: false,
            ..Spec::default()
        },
    )
    .await;
    create(
        &app,
        &tenant,
        &medan,
        Spec {
            title: "Kopi Arabika",
            category: "kopi-teh",
            prices: &[85000],
            stock: 0,
            ..Spec::default()
        },
    )
    .await;

    let cases = [
        (json!({ "city": "medan" }), vec!["Kopi Arabika"]),
        (
            json!({ "province": "JAWA TENGAH" }),
            vec!["Batik Tulis", "Keripik Murah"],
        ),
        (json!({ "sellerId": medan }), vec!["Kopi Arabika"]),
        (
            json!({ "minPrice": "10000", "maxPrice": "100000" }),
            vec!["Kopi Arabika"],
        ),
        (json!({ "maxPrice": "5000" }), vec!["Keripik Murah"]),
        (json!({ "halal": false }), vec!["Batik Tulis"]),
        (json!({ "inStock": false }), vec!["Kopi Arabika"]),
        (
            json!({ "inStock": true, "halal": true }),
            vec!["Keripik Murah"],
        ),
    ];
    for (filter, expected) in cases {
        let body = products(&app, json!({ "filter": filter, "sort": "PRICE_DESC" })).await;
        let mut got = titles(&body);
        got.sort();
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(got, expected, "filter {filter}: {body}");
        assert_eq!(
            body["data"]["products"]["totalCount"],
            expected.len(),
            "{filter}"
        );
    }

    // A parent category includes its sub-categories.
    let food = crate::helpers::category_id(&app, "makanan-minuman").await;
    let body = products(&app, json!({ "filter": { "categoryId": food } })).await;
    let mut got = titles(&body);
    got.sort();
    assert_eq!(got, ["Keripik Murah", "Kopi Arabika"], "{body}");
}

#[tokio::test]
async fn sorts_order_by_cheapest_variant_and_by_newest() {
    let app = spawn_app().await;
    let tenant = app.tenant("browse-sorts").await;
    let seller = tenant.seller_id.as_str();
    create(
        &app,
        &tenant,
        seller,
        Spec {
            title: "Sedang",
            prices: &[20000, 90000],
            ..Spec::default()
        },
    )
    .await;
    create(&app, &tenant, seller, Spec::priced("Mahal", &[50000])).await;
    create(&app, &tenant, seller, Spec::priced("Murah", &[10000])).await;

    let asc = products(&app, json!({ "sort": "PRICE_ASC" })).await;
    assert_eq!(titles(&asc), ["Murah", "Sedang", "Mahal"], "{asc}");
    let desc = products(&app, json!({ "sort": "PRICE_DESC" })).await;
    assert_eq!(titles(&desc), ["Mahal", "Sedang", "Murah"], "{desc}");
    let newest = products(&app, json!({ "sort": "NEWEST" })).await;
    assert_eq!(titles(&newest), ["Murah", "Mahal", "Sedang"], "{newest}");
    // Without a search term, RELEVANCE means NEWEST.
    let relevance = app.graphql(PRODUCTS, json!({}), None).await;
    assert_eq!(titles(&relevance), titles(&newest));
}

/// A product's detail comes in one statement, its variants and images included, and shows
/// them exactly as the dashboard does: the same ids, SKUs, option values, prices, stock and
/// weights in the same display order, the same images with their alt texts.
#[tokio::test]
async fn a_product_detail_in_one_statement_shows_its_variants_and_images_as_the_dashboard_does() {
    let (app, tenant, id) = one_product("browse-one-statement").await;
    let images = app
        .graphql(
            "mutation($input: SetProductImagesInput!) { setProductImages(input: $input) {
                userErrors { field message } } }",
            json!({ "input": { "productId": id, "images": [
                { "url": "https://cdn.example.id/b.jpg", "altText": "Kemasan \"baru\" 250 g" },
                { "url": "https://cdn.example.id/a.jpg" } ] } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        images["data"]["setProductImages"]["userErrors"],
        json!([]),
        "{images}"
    );
    let fields = "variants { id sku name optionValues { name value } price { amount }
        stock weightGrams position } images { id url altText position }";

    // The least of three: background jobs may add a statement to one measurement.
    let mut statements = f64::MAX;
    let mut public = serde_json::Value::Null;
    for _ in 0..3 {
        let before = metric(&app, "dermaga_db_statements_total").await;
        public = app
            .graphql(
                &format!("query($id: ID!) {{ product(id: $id) {{ {fields} }} }}"),
                json!({ "id": id }),
                None,
            )
            .await;
        statements = statements.min(metric(&app, "dermaga_db_statements_total").await - before);
    }
    let dashboard = app
        .graphql(
            &format!("query($id: ID!) {{ managedProduct(id: $id) {{ {fields} }} }}"),
            json!({ "id": id }),
            tenant.staff.token(),
        )
        .await;

    let shown = &public["data"]["product"];
    assert!(public["errors"].is_null(), "{public}");
    assert_eq!(shown, &dashboard["data"]["managedProduct"], "{dashboard}");
    assert_eq!(shown["variants"].as_array().unwrap().len(), 3, "{public}");
    assert_eq!(shown["variants"][0]["optionValues"][0]["name"], "ukuran");
    assert_eq!(shown["images"][0]["altText"], "Kemasan \"baru\" 250 g");
    assert_eq!(shown["images"][1]["url"], "https://cdn.example.id/a.jpg");
    assert_eq!(statements, 1.0, "the detail ran {statements} statements");
}

#[tokio::test]
async fn variants_asked_in_part_or_through_fragments_show_the_dashboards_values() {
    let (app, tenant, id) = one_product("browse-variant-columns").await;
    let all = "id sku name optionValues { name value } price { amount } stock weightGrams position";
    let dashboard = app
        .graphql(
            &format!("query($id: ID!) {{ managedProduct(id: $id) {{ variants {{ {all} }} }} }}"),
            json!({ "id": id }),
            tenant.staff.token(),
        )
        .await;
    let expected = &dashboard["data"]["managedProduct"]["variants"];
    assert_eq!(expected.as_array().map(Vec::len), Some(3), "{dashboard}");

    // Every column, asked through a named fragment, an inline fragment and a plain field.
    let fragments = app
        .graphql(
            "query($id: ID!) { product(id: $id) { variants { ...Ids ... on ProductVariant {
                sku name optionValues { name value } } price { amount } ...Rest } } }
             fragment Ids on ProductVariant { id }
             fragment Rest on ProductVariant { stock weightGrams position }",
            json!({ "id": id }),
            None,
        )
        .await;
    let shown = &fragments["data"]["product"]["variants"];
    for (index, variant) in expected.as_array().unwrap().iter().enumerate() {
        for key in variant.as_object().unwrap().keys() {
            assert_eq!(
                shown[index][key], variant[key],
                "{key} of variant {index}: {fragments}"
            );
        }
    }

    // Prices alone; and a price range and stock that follow from variants asked for their SKU.
    let prices = app
        .graphql(
            "query($id: ID!) { product(id: $id) { variants { price { amount } }
                inStock priceRange { minVariantPrice { amount } maxVariantPrice { amount } } } }",
            json!({ "id": id }),
            None,
        )
        .await;
    let product = &prices["data"]["product"];
    let amounts: Vec<&Value> = product["variants"]
        .as_array()
        .unwrap_or_else(|| panic!("{prices}"))
        .iter()
        .map(|variant| &variant["price"]["amount"])
        .collect();
    let expected_amounts: Vec<&Value> = expected
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| &variant["price"]["amount"])
        .collect();
    assert_eq!(amounts, expected_amounts, "{prices}");
    let skus_only = app
        .graphql(
            "query($id: ID!) { product(id: $id) { variants { sku }
                inStock priceRange { minVariantPrice { amount } maxVariantPrice { amount } } } }",
            json!({ "id": id }),
            None,
        )
        .await;
    let product_by_skus = &skus_only["data"]["product"];
    assert_eq!(
        product_by_skus["priceRange"], product["priceRange"],
        "{skus_only}"
    );
    assert_eq!(
        product_by_skus["priceRange"]["minVariantPrice"]["amount"],
        "12000"
    );
    assert_eq!(
        product_by_skus["priceRange"]["maxVariantPrice"]["amount"],
        "18000"
    );
    assert_eq!(
        product_by_skus["inStock"], product["inStock"],
        "{skus_only}"
    );
}

#[tokio::test]
async fn a_product_and_its_seller_asked_in_part_or_through_fragments_show_their_values() {
    let (app, tenant, id) = one_product("browse-short-columns").await;
    let dashboard = app
        .graphql(
            "query($id: ID!) { managedProduct(id: $id) { halalCertified publishedAt updatedAt } }",
            json!({ "id": id }),
            tenant.staff.token(),
        )
        .await;
    let expected = &dashboard["data"]["managedProduct"];
    assert!(expected["publishedAt"].is_string(), "{dashboard}");
    let profile = app
        .graphql(
            "query($id: ID!) { sellerProfile(id: $id) { businessName province city halalCertified } }",
            json!({ "id": tenant.seller_id }),
            None,
        )
        .await;
    let expected_seller = &profile["data"]["sellerProfile"];
    assert!(expected_seller["businessName"].is_string(), "{profile}");

    // Every short column, through fragments; then only the title and the seller's city.
    let every = app
        .graphql(
            "query($id: ID!) { product(id: $id) { ...Dates halalCertified seller { ...Seller } } }
             fragment Dates on CatalogueProduct { publishedAt updatedAt }
             fragment Seller on SellerProfile { businessName ... on SellerProfile { province }
                city halalCertified }",
            json!({ "id": id }),
            None,
        )
        .await;
    let shown = &every["data"]["product"];
    for key in ["halalCertified", "publishedAt", "updatedAt"] {
        assert_eq!(shown[key], expected[key], "{key}: {every}");
    }
    assert_eq!(&shown["seller"], expected_seller, "{every}");
    let few = app
        .graphql(
            "query($id: ID!) { product(id: $id) { title seller { city } } }",
            json!({ "id": id }),
            None,
        )
        .await;
    assert_eq!(
        few["data"]["product"]["seller"]["city"], expected_seller["city"],
        "{few}"
    );
    assert!(few["data"]["product"]["title"].is_string(), "{few}");
}

/// A server without the response cache, a tenant, and one ACTIVE product of three variants
/// priced 12,000, 18,000 and 15,000.
async fn one_product(tenant: &str) -> (TestApp, Tenant, String) {
    let app = spawn_app_with(&[("RESPONSE_CACHE", "false"), ("RATE_LIMIT_PER_MINUTE", "0")]).await;
    let tenant = app.tenant(tenant).await;
    let spec = Spec {
        prices: &[12000, 18000, 15000],
        ..Spec::default()
    };
    let id = create(&app, &tenant, &tenant.seller_id, spec).await;
    (app, tenant, id)
}
