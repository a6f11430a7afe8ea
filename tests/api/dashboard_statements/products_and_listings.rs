//! The product side of the dashboard: managed products, their listings and the listings'
//! delivery attempts.

use chrono::Utc;
use entity::listing_deliveries;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

use super::*;

const MANAGED_PRODUCTS: &str = "query($first: Int) { managedProducts(first: $first) { edges { node {
    id title status variants { id sku price { amount } } images { id url }
    priceRange { minVariantPrice { amount } maxVariantPrice { amount } }
    seller { id businessName onboarding { stage completed steps { step completed completedBy } } }
    category { id name parent { id name } children { id name } }
    channelListings { id status productId priceOverride { amount } channel { id code name } } } } } }";

#[tokio::test]
async fn a_page_of_managed_products_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-products").await;
    let sellers = sellers(&app, &tenant).await;
    let products = products(&app, &tenant, &sellers, LARGE as usize).await;
    let aggregator = db_id(&tenant.aggregator_id);
    let channels = [
        channel(&app, "SHOPEE").await,
        channel(&app, "TOKOPEDIA").await,
    ];
    for product in &products {
        for channel in channels {
            listing(&app, aggregator, db_id(product), channel).await;
        }
    }

    let token = &tenant.staff.access_token;
    // The count and the page, variants, images, sellers, their onboarding, categories, their
    // parents, their children, listings and their channels.
    let page = Page {
        query: MANAGED_PRODUCTS,
        connection: "managedProducts",
        variables: json!({}),
        token,
        most: 11.0,
    };
    assert_flat(&app, page).await;
}

const CHANNEL_LISTINGS: &str =
    "query($first: Int) { channelListings(first: $first) { edges { node {
    id status productId priceOverride { amount } externalId attempts deliveredAt
    channel { id code name kind } } } } }";

#[tokio::test]
async fn a_page_of_channel_listings_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-listings").await;
    let sellers = sellers(&app, &tenant).await;
    let products = products(&app, &tenant, &sellers, 5).await;
    let aggregator = db_id(&tenant.aggregator_id);
    let mut channels = Vec::new();
    for code in ["SHOPEE", "TOKOPEDIA", "GRABFOOD", "GOFOOD", "LAKU6"] {
        channels.push(channel(&app, code).await);
    }
    for product in &products {
        for channel in &channels {
            listing(&app, aggregator, db_id(product), *channel).await;
        }
    }

    let token = &tenant.staff.access_token;
    // The count, the page and the channels.
    let page = Page {
        query: CHANNEL_LISTINGS,
        connection: "channelListings",
        variables: json!({}),
        token,
        most: 3.0,
    };
    assert_flat(&app, page).await;
}

const LISTING_DELIVERIES: &str = "query($listing: ID!, $first: Int) {
    listingDeliveries(listingId: $listing, first: $first) { edges { node {
    id attemptedAt productVersion attempt httpStatus durationMs outcome error } } } }";

#[tokio::test]
async fn a_page_of_listing_deliveries_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-deliveries").await;
    let product = products(&app, &tenant, std::slice::from_ref(&tenant.seller_id), 1).await;
    let aggregator = db_id(&tenant.aggregator_id);
    let channel = channel(&app, "SHOPEE").await;
    let listing_id = listing(&app, aggregator, db_id(&product[0]), channel).await;
    for attempt in 1..=LARGE as i32 {
        listing_deliveries::ActiveModel {
            aggregator_id: Set(aggregator),
            listing_id: Set(listing_id),
            job_id: Set(None),
            product_version: Set(1),
            attempt: Set(attempt),
            http_status: Set(Some(503)),
            duration_ms: Set(120),
            outcome: Set("RETRY".into()),
            error: Set(Some("partner unavailable".into())),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }

    let token = &tenant.staff.access_token;
    let variables = json!({ "listing": format!("gid://dermaga/ChannelListing/{listing_id}") });
    // The listing (within the caller's scope), the count and the page.
    let page = Page {
        query: LISTING_DELIVERIES,
        connection: "listingDeliveries",
        variables,
        token,
        most: 3.0,
    };
    assert_flat(&app, page).await;
}
