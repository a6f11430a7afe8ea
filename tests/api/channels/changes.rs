//! Every kind of product change queues a push with the changed snapshot (no worker runs).

use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use super::*;

/// The payload of the listing's pending job.
async fn pending_payload(app: &TestApp) -> Value {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT payload FROM outbox_jobs WHERE status = 'PENDING'",
        ))
        .await
        .unwrap()
        .expect("a pending job");
    row.try_get::<String>("", "payload")
        .map(|text| serde_json::from_str(&text).unwrap())
        .or_else(|_| row.try_get::<Value>("", "payload"))
        .unwrap()
}

async fn done(app: &TestApp) {
    app.db
        .execute_unprepared("UPDATE outbox_jobs SET status = 'DONE'")
        .await
        .unwrap();
}

#[tokio::test]
async fn price_and_image_changes_queue_the_new_snapshot() {
    let app = quiet_app().await;
    let tenant = app.tenant("changes").await;
    let (channel, _) =
        register_channel(&app, "changes", "https://p.example.com/h", json!({})).await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    let product = product(&app, &tenant, "Keripik").await;
    publish_on(&app, &tenant, &product, &channel).await;
    done(&app).await;

    set_price(&app, &tenant, &product, "21000").await;
    let payload = pending_payload(&app).await;
    assert_eq!(
        payload["product"]["variants"][0]["price"]["amount"],
        "21000"
    );
    done(&app).await;

    let body = app
        .graphql(
            "mutation($input: SetProductImagesInput!) { setProductImages(input: $input) {
                product { id } userErrors { code } } }",
            json!({ "input": { "productId": product, "images": [
                { "url": "https://cdn.example.com/keripik.jpg", "altText": "Keripik" } ] } }),
            tenant.staff.token(),
        )
        .await;
    assert!(
        body["data"]["setProductImages"]["product"].is_object(),
        "{body}"
    );
    let payload = pending_payload(&app).await;
    assert_eq!(
        payload["product"]["images"][0]["url"],
        "https://cdn.example.com/keripik.jpg"
    );
}

#[tokio::test]
async fn a_price_override_replaces_every_variant_price_on_that_channel() {
    let app = quiet_app().await;
    let tenant = app.tenant("override").await;
    let (channel, _) =
        register_channel(&app, "override", "https://p.example.com/h", json!({})).await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    let product = product(&app, &tenant, "Keripik").await;

    let payload = publish(
        &app,
        &tenant.staff,
        &product,
        json!([{ "channelId": channel, "priceOverride": "17500" }]),
    )
    .await;
    assert!(payload["listings"].is_array(), "{payload}");

    let job = pending_payload(&app).await;
    assert_eq!(job["product"]["variants"][0]["price"]["amount"], "17500");
}

/// Sets the price of the product's first variant.
async fn set_price(app: &TestApp, tenant: &Tenant, product: &str, price: &str) {
    let variant = first_variant(app, tenant, product).await;
    let body = app
        .graphql(
            "mutation($input: UpdateProductVariantInput!) { updateProductVariant(input: $input) {
                variant { id } userErrors { code } } }",
            json!({ "input": { "id": variant, "price": price } }),
            tenant.staff.token(),
        )
        .await;
    assert!(
        body["data"]["updateProductVariant"]["variant"].is_object(),
        "{body}"
    );
}

#[tokio::test]
async fn a_change_that_breaks_the_rules_rejects_the_listing_and_queues_nothing() {
    let app = quiet_app().await;
    let tenant = app.tenant("rulebreak").await;
    let (channel, _) = register_channel(
        &app,
        "rulebreak",
        "https://p.example.com/h",
        json!({ "maxTitleLength": 20, "minPrice": 1000 }),
    )
    .await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    let product = product(&app, &tenant, "Keripik").await;
    let listing_id = publish_on(&app, &tenant, &product, &channel).await;
    done(&app).await;

    crate::catalogue::retitle(
        &app,
        &tenant,
        &product,
        "Keripik Tempe Sanan Pedas Manis Malang",
    )
    .await;
    let rejected = listing(&app, &tenant.staff, &listing_id).await;
    assert_eq!(rejected["status"], "REJECTED", "{rejected}");
    let error = rejected["lastError"].as_str().unwrap();
    assert!(error.starts_with("dermaga: "), "{error}");
    assert!(error.contains("title is too long"), "{error}");
    assert_eq!(count_status(&app, "outbox_jobs", "PENDING").await, 0);

    // Valid again: queued as usual.
    crate::catalogue::retitle(&app, &tenant, &product, "Keripik Pedas").await;
    let pending = listing(&app, &tenant.staff, &listing_id).await;
    assert_eq!(pending["status"], "PENDING", "{pending}");
    assert!(pending["lastError"].is_null(), "{pending}");
    assert_eq!(
        pending_payload(&app).await["product"]["title"],
        "Keripik Pedas"
    );

    // A price under the minimum drops the waiting push too.
    set_price(&app, &tenant, &product, "500").await;
    let rejected = listing(&app, &tenant.staff, &listing_id).await;
    assert_eq!(rejected["status"], "REJECTED", "{rejected}");
    assert!(
        rejected["lastError"]
            .as_str()
            .unwrap()
            .contains("minimum of 1000 IDR"),
        "{rejected}"
    );
    assert_eq!(count_status(&app, "outbox_jobs", "PENDING").await, 0);

    set_price(&app, &tenant, &product, "12000").await;
    assert_eq!(
        listing(&app, &tenant.staff, &listing_id).await["status"],
        "PENDING"
    );
    assert_eq!(count_status(&app, "outbox_jobs", "PENDING").await, 1);
}
