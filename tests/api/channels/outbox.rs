//! Publishing and the transactional outbox (no worker runs here: jobs stay queued).

use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::json;

use super::*;
use crate::catalogue::{archive, retitle, suspend_seller};

async fn pending_jobs(app: &TestApp) -> Vec<(i64, String, i64, String)> {
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT listing_id, event_type, product_version, payload FROM outbox_jobs \
             WHERE status = 'PENDING' ORDER BY listing_id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            let payload: String = row
                .try_get::<String>("", "payload")
                .or_else(|_| {
                    row.try_get::<serde_json::Value>("", "payload")
                        .map(|v| v.to_string())
                })
                .unwrap();
            (
                row.try_get("", "listing_id").unwrap(),
                row.try_get("", "event_type").unwrap(),
                i64::from(row.try_get::<i32>("", "product_version").unwrap()),
                payload,
            )
        })
        .collect()
}

async fn mark_jobs_done(app: &TestApp) {
    app.db
        .execute_unprepared("UPDATE outbox_jobs SET status = 'DONE'")
        .await
        .unwrap();
}

async fn setup(app: &TestApp, slug: &str) -> (Tenant, String, String) {
    let (tenant, channel, product, _) =
        enabled_product(app, slug, "https://partner.example.com/h").await;
    (tenant, channel, product)
}

#[tokio::test]
async fn each_broken_rule_is_one_user_error_and_nothing_is_queued() {
    let app = quiet_app().await;
    let tenant = app.tenant("rules").await;
    let rules = json!({
        "maxTitleLength": 5, "minPrice": 20000, "allowedCategories": ["batik"],
        "halalRequired": true, "requiredFields": ["IMAGES"], "categoryMappingRequired": true,
    });
    let (channel, _) =
        register_channel(&app, "strict", "https://partner.example.com/h", rules).await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    let product = crate::catalogue::create(
        &app,
        &tenant,
        &tenant.seller_id,
        Spec {
            halal: false,
            ..Spec::default()
        },
    )
    .await;

    let payload = publish(
        &app,
        &tenant.staff,
        &product,
        json!([{ "channelId": channel }]),
    )
    .await;

    let mut codes = user_error_codes(&payload);
    codes.sort();
    assert_eq!(
        codes,
        [
            "BLANK",
            "INVALID",
            "INVALID",
            "NOT_FOUND",
            "TOO_LONG",
            "TOO_SMALL"
        ],
        "{payload}"
    );
    assert!(payload["listings"].is_null());
    assert_eq!(count(&app.db, "outbox_jobs").await, 0);
    assert_eq!(count(&app.db, "channel_listings").await, 0);
}

#[tokio::test]
async fn a_product_that_keeps_the_rules_is_published_and_queued() {
    let app = quiet_app().await;
    let tenant = app.tenant("keeps").await;
    let (channel, _) = register_channel(
        &app,
        "keeps",
        "https://partner.example.com/h",
        json!({ "minPrice": 1000, "allowedCategories": ["makanan-minuman"], "categoryMappingRequired": true }),
    )
    .await;
    let category = crate::helpers::category_id(&app, "keripik-camilan").await;
    enable_channel(
        &app,
        &tenant,
        &channel,
        json!({ "categoryMappings": [{ "categoryId": category, "channelCategoryId": "SNACK-01" }],
                "stockSharePercent": 50 }),
    )
    .await;
    let product = product(&app, &tenant, "Keripik").await;
    let enabled = app
        .graphql(
            "{ enabledChannels { channel { code } stockSharePercent stockBuffer
                categoryMappings { categoryId channelCategoryId } } }",
            json!({}),
            tenant.staff.token(),
        )
        .await;
    let enabled = &enabled["data"]["enabledChannels"][0];
    assert_eq!(enabled["stockSharePercent"], 50, "{enabled}");
    assert_eq!(enabled["categoryMappings"][0]["categoryId"], category);
    assert_eq!(
        enabled["categoryMappings"][0]["channelCategoryId"],
        "SNACK-01"
    );

    let listing_id = publish_on(&app, &tenant, &product, &channel).await;

    let jobs = pending_jobs(&app).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].0, db_id(&listing_id));
    assert_eq!(jobs[0].1, "listing.upsert");
    let payload: serde_json::Value = serde_json::from_str(&jobs[0].3).unwrap();
    assert_eq!(
        payload["product"]["category"]["channelCategoryId"],
        "SNACK-01"
    );
    // 10 in stock, half of it offered on this channel.
    assert_eq!(payload["product"]["variants"][0]["stock"], 5, "{payload}");
    assert_eq!(payload["listingId"], listing_id);
    let current = listing(&app, &tenant.staff, &listing_id).await;
    assert_eq!(current["status"], "PENDING");
}

#[tokio::test]
async fn successive_changes_coalesce_into_one_pending_push_with_the_newest_snapshot() {
    let app = quiet_app().await;
    let (tenant, channel, product) = setup(&app, "coalesce").await;
    let (other, _) =
        register_channel(&app, "other", "https://other.example.com/h", json!({})).await;
    enable_channel(&app, &tenant, &other, json!({})).await;
    publish(
        &app,
        &tenant.staff,
        &product,
        json!([{ "channelId": channel }, { "channelId": other }]),
    )
    .await;

    for title in ["Satu", "Dua", "Tiga"] {
        retitle(&app, &tenant, &product, title).await;
    }
    set_stock(&app, &tenant, &product, 7).await;

    let jobs = pending_jobs(&app).await;
    assert_eq!(jobs.len(), 2, "one pending job per listing: {jobs:?}");
    let version = app
        .graphql(
            "query($id: ID!) { managedProduct(id: $id) { version } }",
            json!({ "id": product }),
            tenant.staff.token(),
        )
        .await["data"]["managedProduct"]["version"]
        .as_i64()
        .unwrap();
    for (_, _, job_version, payload) in &jobs {
        assert_eq!(*job_version, version);
        let payload: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert_eq!(payload["product"]["title"], "Tiga");
        assert_eq!(payload["product"]["variants"][0]["stock"], 7);
    }
}

#[tokio::test]
async fn a_rolled_back_change_queues_nothing() {
    let app = quiet_app().await;
    let (tenant, channel, product) = setup(&app, "rollback").await;
    publish_on(&app, &tenant, &product, &channel).await;
    mark_jobs_done(&app).await;

    // The outbox write joins the caller's transaction: inside it the push is queued…
    let txn = app.db.begin().await.unwrap();
    api::service::product_changes::products_changed(&txn, &[db_id(&product)])
        .await
        .unwrap();
    let inside = txn
        .query_one_raw(Statement::from_string(
            txn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM outbox_jobs WHERE status = 'PENDING'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(inside, 1);
    // …and rolling it back takes the push with it.
    txn.rollback().await.unwrap();
    assert_eq!(count_status(&app, "outbox_jobs", "PENDING").await, 0);

    // A change the API refuses (stock below zero) queues nothing either.
    let variant = first_variant(&app, &tenant, &product).await;
    let body = app
        .graphql(
            "mutation($input: AdjustVariantStockInput!) { adjustVariantStock(input: $input) {
                variant { id } userErrors { code } } }",
            json!({ "input": { "variantId": variant, "delta": -1000 } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["adjustVariantStock"]),
        ["INSUFFICIENT_STOCK"]
    );
    assert_eq!(count_status(&app, "outbox_jobs", "PENDING").await, 0);
}

#[tokio::test]
async fn archiving_and_suspending_the_seller_queue_a_withdrawal() {
    let app = quiet_app().await;
    let (tenant, channel, product) = setup(&app, "withdraw").await;
    publish_on(&app, &tenant, &product, &channel).await;
    mark_jobs_done(&app).await;

    suspend_seller(&app, &tenant, &tenant.seller_id).await;
    let jobs = pending_jobs(&app).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1, "listing.delete");
    mark_jobs_done(&app).await;

    archive(&app, &tenant, &product).await;
    let jobs = pending_jobs(&app).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1, "listing.delete");
}

#[tokio::test]
async fn an_unpublished_listing_is_withdrawn_once_and_then_left_alone() {
    let app = quiet_app().await;
    let (tenant, channel, product) = setup(&app, "unpublish").await;
    let listing_id = publish_on(&app, &tenant, &product, &channel).await;
    mark_jobs_done(&app).await;

    let body = app
        .graphql(
            "mutation($input: UnpublishProductInput!) { unpublishProduct(input: $input) {
                listings { id status } userErrors { code } } }",
            json!({ "input": { "productId": product } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        body["data"]["unpublishProduct"]["listings"][0]["status"], "UNPUBLISHED",
        "{body}"
    );
    let jobs = pending_jobs(&app).await;
    assert_eq!((jobs.len(), jobs[0].1.as_str()), (1, "listing.delete"));
    mark_jobs_done(&app).await;

    retitle(&app, &tenant, &product, "Baru").await;
    assert!(pending_jobs(&app).await.is_empty());
    assert_eq!(
        listing(&app, &tenant.staff, &listing_id).await["status"],
        "UNPUBLISHED"
    );
}

#[tokio::test]
async fn another_aggregator_cannot_touch_the_listings() {
    let app = quiet_app().await;
    let (tenant_a, channel, product) = setup(&app, "tenant-a").await;
    let listing_id = publish_on(&app, &tenant_a, &product, &channel).await;
    let tenant_b = app.tenant("tenant-b").await;
    enable_channel(&app, &tenant_b, &channel, json!({})).await;

    let body = app
        .graphql(
            "mutation($input: PublishProductInput!) { publishProduct(input: $input) { listings { id } } }",
            json!({ "input": { "productId": product, "channels": [{ "channelId": channel }] } }),
            tenant_b.staff.token(),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app
        .graphql(LISTING, json!({ "id": listing_id }), tenant_b.staff.token())
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app
        .graphql(
            "mutation($input: RetryListingInput!) { retryListing(input: $input) { listing { id } } }",
            json!({ "input": { "listingId": listing_id } }),
            tenant_b.staff.token(),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app
        .graphql(
            "query($id: ID!) { listingDeliveries(listingId: $id) { totalCount } }",
            json!({ "id": listing_id }),
            tenant_b.staff.token(),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app
        .graphql(
            "{ channelListings { totalCount } }",
            json!({}),
            tenant_b.staff.token(),
        )
        .await;
    assert_eq!(body["data"]["channelListings"]["totalCount"], 0, "{body}");
    let body = app
        .graphql(
            "mutation($input: UnpublishProductInput!) { unpublishProduct(input: $input) { listings { id } } }",
            json!({ "input": { "productId": product } }),
            tenant_b.staff.token(),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    assert_eq!(
        listing(&app, &tenant_a.staff, &listing_id).await["status"],
        "PENDING"
    );
}

#[tokio::test]
async fn a_channel_the_aggregator_has_not_enabled_is_refused() {
    let app = quiet_app().await;
    let tenant = app.tenant("notenabled").await;
    let (channel, _) =
        register_channel(&app, "closed", "https://partner.example.com/h", json!({})).await;
    let product = product(&app, &tenant, "Keripik").await;
    let payload = publish(
        &app,
        &tenant.staff,
        &product,
        json!([{ "channelId": channel }]),
    )
    .await;
    assert_eq!(user_error_codes(&payload), ["NOT_FOUND"], "{payload}");
    assert_eq!(count(&app.db, "outbox_jobs").await, 0);
}
