//! Dashboards without N+1: a page of each dashboard connection, with every nested object field
//! selected, runs the same few SQL statements whether it holds 5 rows or 25.

mod history;
mod products_and_listings;
mod sellers_and_users;

use chrono::Utc;
use entity::{channel_listings, channels, enums::ChannelKind, enums::ListingStatus};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::catalogue::{Spec, create, metric};
use crate::helpers::*;

pub const SMALL: i64 = 5;
pub const LARGE: i64 = 25;

/// A server whose counts only the measured request moves: no response cache, no rate limit,
/// no workers.
pub async fn quiet_app() -> TestApp {
    spawn_app_with(&[
        ("RESPONSE_CACHE", "false"),
        ("RATE_LIMIT_PER_MINUTE", "0"),
        ("WORKER_ENABLED", "false"),
        ("IMPORT_WORKER_ENABLED", "false"),
    ])
    .await
}

pub fn db_id(global: &str) -> i64 {
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
pub struct Page<'a> {
    pub query: &'a str,
    pub connection: &'a str,
    pub variables: Value,
    pub token: &'a str,
    pub most: f64,
}

/// Measures pages of SMALL and LARGE rows and asserts they ran the same few statements.
/// Background work may add a statement to one measurement, never take one away: the least
/// of three is the query's own count.
pub async fn assert_flat(app: &TestApp, page: Page<'_>) {
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

pub async fn channel(app: &TestApp, code: &str) -> i64 {
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

pub async fn listing(app: &TestApp, aggregator: i64, product: i64, channel: i64) -> i64 {
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
pub async fn sellers(app: &TestApp, tenant: &Tenant) -> Vec<String> {
    let mut sellers = vec![tenant.seller_id.clone()];
    for index in 0..4 {
        let (name, phone) = (format!("Usaha {index}"), format!("0813-5555-00{index:02}"));
        sellers.push(app.onboard_seller(&tenant.staff, &name, &phone).await);
    }
    sellers
}

/// `count` products spread over the sellers and five categories, by global id.
pub async fn products(
    app: &TestApp,
    tenant: &Tenant,
    sellers: &[String],
    count: usize,
) -> Vec<String> {
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
