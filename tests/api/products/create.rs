//! Creating a product: what is stored, and every input that is refused.

use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

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
