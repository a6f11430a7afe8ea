use chrono::Utc;
use entity::{channel_listings, channels, enums, product_variants, products};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

use crate::helpers::{TestApp, error_code, spawn_app};

const STATS: &str = "query($aggregator: ID) { dashboardStats(aggregatorId: $aggregator) {
    sellersTotal
    sellersByStage { stage count }
    sellersBySector { sector count }
    sellersByCity { province city count }
    productsByStatus { status count }
    listingsByChannel { channelCode status count }
    sellersOnboardedPerWeek { weekStart count } } }";

fn db_id(global_id: &str) -> i64 {
    global_id.rsplit('/').next().unwrap().parse().unwrap()
}

/// A product with one variant and, when `channel` is given, a listing on it.
async fn product(
    app: &TestApp,
    aggregator: i64,
    seller: i64,
    status: enums::ProductStatus,
    sku: &str,
    channel: Option<i64>,
) {
    let now = Utc::now();
    let category = api::service::categories::by_slug(&app.db, "batik")
        .await
        .unwrap()
        .unwrap();
    let product = products::ActiveModel {
        aggregator_id: Set(aggregator),
        seller_id: Set(seller),
        category_id: Set(category.id),
        title: Set(format!("Produk {sku}")),
        description: Set(String::new()),
        status: Set(status),
        halal_certified: Set(false),
        version: Set(1),
        published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    product_variants::ActiveModel {
        aggregator_id: Set(aggregator),
        product_id: Set(product.id),
        sku: Set(sku.into()),
        name: Set(String::new()),
        option_values: Set(json!({})),
        price: Set(10_000),
        stock: Set(1),
        weight_grams: Set(100),
        position: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    if let Some(channel) = channel {
        channel_listings::ActiveModel {
            aggregator_id: Set(aggregator),
            product_id: Set(product.id),
            channel_id: Set(channel),
            status: Set(enums::ListingStatus::Live),
            attempts: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
}

async fn channel(app: &TestApp) -> i64 {
    let now = Utc::now();
    channels::ActiveModel {
        code: Set("SHOPEE".into()),
        name: Set("Shopee".into()),
        kind: Set(enums::ChannelKind::Marketplace),
        webhook_url: Set(None),
        signing_secret: Set("s".repeat(32)),
        rules: Set(json!({})),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn dashboard_stats_count_the_callers_aggregator_only() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    let mut batik = crate::helpers::seller_input("Batik Medan", "0813-1000-2000");
    batik["sector"] = json!("FASHION");
    batik["city"] = json!("Kota Medan");
    app.onboard_seller_raw(&medan.staff, batik).await;
    app.graphql(
        "mutation($id: ID!) { completeOnboardingStep(input: {sellerId: $id, step: OWNER_TRAINED}) { userErrors { code } } }
         ",
        json!({ "id": medan.seller_id }), Some(&medan.staff.access_token),
    ).await;
    app.graphql(
        "mutation($id: ID!) { completeOnboardingStep(input: {sellerId: $id, step: BUSINESS_PROFILE_COMPLETE}) { userErrors { code } } }",
        json!({ "id": medan.seller_id }), Some(&medan.staff.access_token),
    ).await;
    let shopee = channel(&app).await;
    let (medan_aggregator, medan_seller) = (db_id(&medan.aggregator_id), db_id(&medan.seller_id));
    product(
        &app,
        medan_aggregator,
        medan_seller,
        enums::ProductStatus::Active,
        "M-1",
        Some(shopee),
    )
    .await;
    product(
        &app,
        medan_aggregator,
        medan_seller,
        enums::ProductStatus::Draft,
        "M-2",
        None,
    )
    .await;
    product(
        &app,
        db_id(&jambi.aggregator_id),
        db_id(&jambi.seller_id),
        enums::ProductStatus::Active,
        "J-1",
        Some(shopee),
    )
    .await;

    let body = app
        .graphql(STATS, json!({}), Some(&medan.staff.access_token))
        .await;
    let stats = &body["data"]["dashboardStats"];
    assert_eq!(stats["sellersTotal"], 2, "{body}");
    assert_eq!(
        stats["sellersByStage"],
        json!([
        { "stage": "CAPACITY", "count": 1 }, { "stage": "BUSINESS_PROCESS", "count": 1 },
        { "stage": "MARKET_ACCESS", "count": 0 }, { "stage": "LOCAL_HERO", "count": 0 }])
    );
    let mut sectors = stats["sellersBySector"].as_array().unwrap().clone();
    sectors.sort_by_key(|s| s["sector"].as_str().unwrap().to_owned());
    assert_eq!(
        json!(sectors),
        json!([{ "sector": "FASHION", "count": 1 }, { "sector": "FOOD_AND_DRINK", "count": 1 }])
    );
    assert_eq!(stats["sellersByCity"].as_array().unwrap().len(), 2);
    let mut statuses = stats["productsByStatus"].as_array().unwrap().clone();
    statuses.sort_by_key(|s| s["status"].as_str().unwrap().to_owned());
    assert_eq!(
        json!(statuses),
        json!([{ "status": "ACTIVE", "count": 1 }, { "status": "DRAFT", "count": 1 }])
    );
    assert_eq!(
        stats["listingsByChannel"],
        json!([{ "channelCode": "SHOPEE", "status": "LIVE", "count": 1 }])
    );
    let weeks = stats["sellersOnboardedPerWeek"].as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(
        weeks[11]["count"], 2,
        "both sellers were onboarded this week: {body}"
    );
    assert!(weeks[..11].iter().all(|week| week["count"] == 0));
}

#[tokio::test]
async fn a_seller_cannot_read_dashboard_stats_and_a_platform_admin_names_an_aggregator() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    let body = app
        .graphql(STATS, json!({}), Some(&medan.seller_login.access_token))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let admin = app.admin().await;
    let body = app
        .graphql(STATS, json!({}), Some(&admin.access_token))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let body = app
        .graphql(
            STATS,
            json!({ "aggregator": medan.aggregator_id }),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(body["data"]["dashboardStats"]["sellersTotal"], 1, "{body}");
    let body = app
        .graphql(
            STATS,
            json!({ "aggregator": medan.aggregator_id }),
            Some(&jambi.admin.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}
