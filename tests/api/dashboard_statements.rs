//! Dashboards without N+1: a page of each dashboard connection, with every nested object field
//! selected, runs the same few SQL statements whether it holds 5 rows or 25.

use chrono::Utc;
use entity::{
    channel_listings, channels,
    enums::{ChannelKind, ImportKind, ImportStatus, ListingStatus, Role},
    import_jobs, listing_deliveries, users,
};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::catalogue::{Spec, create, metric};
use crate::helpers::*;

const SMALL: i64 = 5;
const LARGE: i64 = 25;

/// A server whose counts only the measured request moves: no response cache, no rate limit,
/// no workers.
async fn quiet_app() -> TestApp {
    spawn_app_with(&[
        ("RESPONSE_CACHE", "false"),
        ("RATE_LIMIT_PER_MINUTE", "0"),
        ("WORKER_ENABLED", "false"),
        ("IMPORT_WORKER_ENABLED", "false"),
    ])
    .await
}

fn db_id(global: &str) -> i64 {
    global.rsplit('/').next().unwrap().parse().unwrap()
}

/// The statements one page of `first` rows of `connection` runs.
async fn statements_for(
    app: &TestApp,
    query: &str,
    connection: &str,
    variables: Value,
    token: Option<&str>,
    first: i64,
) -> f64 {
    let mut variables = variables;
    variables["first"] = json!(first);
    let before = metric(app, "dermaga_db_statements_total").await;
    let body = app.graphql(query, variables, token).await;
    let after = metric(app, "dermaga_db_statements_total").await;
    assert!(body["errors"].is_null(), "{body}");
    let edges = body["data"][connection]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(edges.len() as i64, first, "{body}");
    after - before
}

/// What a page is measured with: its query, the connection's name, its variables and the
/// caller, and the most statements it may run, whatever its size.
struct Page<'a> {
    query: &'a str,
    connection: &'a str,
    variables: Value,
    token: &'a str,
    most: f64,
}

/// Measures pages of SMALL and LARGE rows and asserts they ran the same few statements.
/// Background work may add a statement to one measurement, never take one away: the least
/// of three is the query's own count.
async fn assert_flat(app: &TestApp, page: Page<'_>) {
    let Page {
        query,
        connection,
        variables,
        token,
        most,
    } = page;
    let (mut small, mut large) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let measure = |first| {
            statements_for(
                app,
                query,
                connection,
                variables.clone(),
                Some(token),
                first,
            )
        };
        small = small.min(measure(SMALL).await);
        large = large.min(measure(LARGE).await);
    }
    println!("{connection}: {SMALL} rows ran {small} statements, {LARGE} rows ran {large}");
    assert!(
        large <= most,
        "a page of {LARGE} {connection} ran {large} statements"
    );
    assert_eq!(
        small, large,
        "the statement count of {connection} grows with the page size"
    );
}

async fn channel(app: &TestApp, code: &str) -> i64 {
    let now = Utc::now();
    channels::ActiveModel {
        code: Set(code.into()),
        name: Set(format!("Kanal {code}")),
        kind: Set(ChannelKind::Marketplace),
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

async fn listing(app: &TestApp, aggregator: i64, product: i64, channel: i64) -> i64 {
    let now = Utc::now();
    channel_listings::ActiveModel {
        aggregator_id: Set(aggregator),
        product_id: Set(product),
        channel_id: Set(channel),
        status: Set(ListingStatus::Live),
        price_override: Set(Some(12_000)),
        attempts: Set(1),
        delivered_version: Set(Some(1)),
        delivered_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

/// Five sellers (the tenant's and four more), by global id.
async fn sellers(app: &TestApp, tenant: &Tenant) -> Vec<String> {
    let mut sellers = vec![tenant.seller_id.clone()];
    for index in 0..4 {
        let (name, phone) = (format!("Usaha {index}"), format!("0813-5555-00{index:02}"));
        sellers.push(app.onboard_seller(&tenant.staff, &name, &phone).await);
    }
    sellers
}

/// `count` products spread over the sellers and five categories, by global id.
async fn products(app: &TestApp, tenant: &Tenant, sellers: &[String], count: usize) -> Vec<String> {
    let categories = [
        "keripik-camilan",
        "kopi-teh",
        "batik",
        "anyaman",
        "madu-gula",
    ];
    let mut products = Vec::new();
    for index in 0..count {
        let title = format!("Produk {index}");
        let spec = Spec {
            title: &title,
            prices: &[10_000, 20_000],
            category: categories[index % categories.len()],
            ..Spec::default()
        };
        products.push(create(app, tenant, &sellers[index % sellers.len()], spec).await);
    }
    products
}

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

const SELLERS: &str = "query($first: Int) { sellers(first: $first) { edges { node {
    id businessName city status
    onboarding { stage completed steps { step stage completed completedAt completedBy } } } } } }";

#[tokio::test]
async fn a_page_of_sellers_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-sellers").await;
    for index in 0..LARGE {
        let (name, phone) = (format!("Toko {index}"), format!("0813-6666-00{index:02}"));
        let seller = app.onboard_seller(&tenant.staff, &name, &phone).await;
        app.graphql(
            "mutation($id: ID!) { completeOnboardingStep(input: {sellerId: $id, step: OWNER_TRAINED}) {
                userErrors { code } } }",
            json!({ "id": seller }),
            tenant.staff.token(),
        )
        .await;
    }

    let token = &tenant.staff.access_token;
    // The count, the page and the onboarding steps.
    let page = Page {
        query: SELLERS,
        connection: "sellers",
        variables: json!({}),
        token,
        most: 3.0,
    };
    assert_flat(&app, page).await;
}

const USERS: &str = "query($first: Int) { users(first: $first) { edges { node {
    id email role aggregator { id name }
    seller { id businessName onboarding { stage } } } } } }";

#[tokio::test]
async fn a_page_of_users_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-users").await;
    let sellers = sellers(&app, &tenant).await;
    let now = Utc::now();
    for index in 0..LARGE as usize {
        users::ActiveModel {
            email: Set(format!("penjual{index}@dash-users.test")),
            // Never logged in with: the page only reads the row.
            password_hash: Set("not-a-hash".into()),
            role: Set(Role::Seller),
            display_name: Set(format!("Penjual {index}")),
            aggregator_id: Set(Some(db_id(&tenant.aggregator_id))),
            seller_id: Set(Some(db_id(&sellers[index % sellers.len()]))),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }

    let token = &tenant.admin.access_token;
    // The count, the page, aggregators, sellers and their onboarding steps.
    let page = Page {
        query: USERS,
        connection: "users",
        variables: json!({}),
        token,
        most: 5.0,
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

const AUDIT_LOG: &str = "query($first: Int) { auditLog(first: $first) { edges { node {
    id action entityType entityId actorId changes createdAt } } } }";

#[tokio::test]
async fn a_page_of_the_audit_log_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-audit").await;
    for index in 0..LARGE {
        let (name, phone) = (format!("Warung {index}"), format!("0813-7777-00{index:02}"));
        app.onboard_seller(&tenant.staff, &name, &phone).await;
    }

    let token = &tenant.admin.access_token;
    // The count and the page.
    let page = Page {
        query: AUDIT_LOG,
        connection: "auditLog",
        variables: json!({}),
        token,
        most: 2.0,
    };
    assert_flat(&app, page).await;
}

const IMPORT_JOBS: &str = "query($first: Int) { importJobs(first: $first) { edges { node {
    id kind status fileName totalRows rejectedCount rejectedRows { line field message }
    error createdAt finishedAt } } } }";

#[tokio::test]
async fn a_page_of_import_jobs_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-imports").await;
    let now = Utc::now();
    for index in 0..LARGE {
        import_jobs::ActiveModel {
            aggregator_id: Set(db_id(&tenant.aggregator_id)),
            created_by_user_id: Set(Some(db_id(&tenant.staff_user_id))),
            kind: Set(ImportKind::Sellers),
            status: Set(ImportStatus::Succeeded),
            file_name: Set(format!("penjual-{index}.csv")),
            total_rows: Set(2),
            processed_rows: Set(2),
            created_count: Set(1),
            updated_count: Set(0),
            rejected_count: Set(1),
            rejected_rows: Set(json!([{ "line": 3, "field": "phone", "message": "is invalid" }])),
            created_at: Set(now),
            started_at: Set(Some(now)),
            finished_at: Set(Some(now)),
            heartbeat_at: Set(now),
            attempts: Set(1),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }

    let token = &tenant.staff.access_token;
    // The count and the page.
    let page = Page {
        query: IMPORT_JOBS,
        connection: "importJobs",
        variables: json!({}),
        token,
        most: 2.0,
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
