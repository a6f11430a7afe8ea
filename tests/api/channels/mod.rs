//! Partner channels: registration, publishing, the transactional outbox, webhook delivery
//! against a real partner server, status, and pull feeds.

mod admin;
mod changes;
mod delivery;
mod feeds;
mod outbox;
mod partner;
mod private_addresses;
mod subscription;
mod workers;

use std::time::Duration;

use serde_json::{Value, json};

use crate::catalogue::{Spec, create};
use crate::helpers::*;

pub use partner::{Answer, Partner, Received};

/// Worker settings that make delivery tests fast.
pub const FAST_WORKER: &[(&str, &str)] = &[
    ("WORKER_POLL_INTERVAL_MS", "20"),
    ("WORKER_BACKOFF_BASE_MS", "50"),
    ("WORKER_BACKOFF_MAX_SECONDS", "1"),
    ("WORKER_DELIVERY_TIMEOUT_SECONDS", "1"),
    ("WORKER_LEASE_SECONDS", "2"),
    ("WORKER_MAX_ATTEMPTS", "5"),
    ("RECONCILE_INTERVAL_SECONDS", "3600"),
    ("ALLOW_PRIVATE_WEBHOOKS", "true"),
    ("RATE_LIMIT_PER_MINUTE", "0"),
    ("RESPONSE_CACHE", "false"),
];

/// A server whose in-process worker delivers.
pub async fn delivering_app(extra: &[(&str, &str)]) -> TestApp {
    let mut vars: Vec<(&str, &str)> = FAST_WORKER.to_vec();
    vars.push(("WORKER_ENABLED", "true"));
    vars.extend_from_slice(extra);
    spawn_app_with(&vars).await
}

/// A server that queues but never delivers (no worker).
pub async fn quiet_app() -> TestApp {
    spawn_app_with(FAST_WORKER).await
}

/// Registers a channel as the platform admin; returns its raw payload.
pub async fn register_channel_raw(app: &TestApp, code: &str, url: &str, rules: Value) -> Value {
    let admin = app.admin().await;
    let body = app
        .graphql(
            "mutation($input: RegisterChannelInput!) { registerChannel(input: $input) {
                channel { id code webhookUrl } signingSecret userErrors { field message code } } }",
            json!({ "input": {
                "code": code, "name": format!("Channel {code}"), "kind": "MARKETPLACE",
                "webhookUrl": url, "rules": rules } }),
            admin.token(),
        )
        .await;
    body["data"]["registerChannel"].clone()
}

/// Registers a channel; returns its id and signing secret.
pub async fn register_channel(
    app: &TestApp,
    code: &str,
    url: &str,
    rules: Value,
) -> (String, String) {
    let payload = register_channel_raw(app, code, url, rules).await;
    let id = payload["channel"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("registerChannel failed: {payload}"))
        .to_owned();
    (id, payload["signingSecret"].as_str().unwrap().to_owned())
}

/// Enables a channel for the tenant (its admin); returns the feed token.
pub async fn enable_channel(
    app: &TestApp,
    tenant: &Tenant,
    channel_id: &str,
    extra: Value,
) -> String {
    let mut input = json!({ "channelId": channel_id });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    let body = app
        .graphql(
            "mutation($input: EnableChannelInput!) { enableChannel(input: $input) {
                enabled { channel { code } stockSharePercent stockBuffer } feedToken
                userErrors { field message code } } }",
            json!({ "input": input }),
            tenant.admin.token(),
        )
        .await;
    body["data"]["enableChannel"]["feedToken"]
        .as_str()
        .unwrap_or_else(|| panic!("enableChannel failed: {body}"))
        .to_owned()
}

/// A tenant (`slug`) whose aggregator enabled a new channel (code `slug`) and one ACTIVE
/// product; returns the tenant, channel id, product id and signing secret.
pub async fn enabled_product(
    app: &TestApp,
    slug: &str,
    webhook_url: &str,
) -> (Tenant, String, String, String) {
    let tenant = app.tenant(slug).await;
    let (channel, secret) = register_channel(app, slug, webhook_url, json!({})).await;
    enable_channel(app, &tenant, &channel, json!({})).await;
    let product = product(app, &tenant, "Keripik Tempe Sanan").await;
    (tenant, channel, product, secret)
}

/// `publishProduct` as the tenant's staff; returns the payload.
pub async fn publish(app: &TestApp, session: &Session, product_id: &str, channels: Value) -> Value {
    let body = app
        .graphql(
            "mutation($input: PublishProductInput!) { publishProduct(input: $input) {
                listings { id status } userErrors { field message code } } }",
            json!({ "input": { "productId": product_id, "channels": channels } }),
            session.token(),
        )
        .await;
    body["data"]["publishProduct"].clone()
}

/// Publishes on one channel and returns the listing id.
pub async fn publish_on(
    app: &TestApp,
    tenant: &Tenant,
    product_id: &str,
    channel_id: &str,
) -> String {
    let payload = publish(
        app,
        &tenant.staff,
        product_id,
        json!([{ "channelId": channel_id }]),
    )
    .await;
    payload["listings"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("publishProduct failed: {payload}"))
        .to_owned()
}

pub const LISTING: &str = "query($id: ID!) { channelListing(id: $id) {
    id status attempts lastError deliveredVersion deliveredAt externalId productId
    channel { code } } }";

pub async fn listing(app: &TestApp, session: &Session, id: &str) -> Value {
    let body = app
        .graphql(LISTING, json!({ "id": id }), session.token())
        .await;
    body["data"]["channelListing"].clone()
}

/// Polls the listing until `done` holds (at most `seconds`).
pub async fn wait_for_listing(
    app: &TestApp,
    session: &Session,
    id: &str,
    seconds: u64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        let current = listing(app, session, id).await;
        if done(&current) {
            return current;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "listing never got there: {current}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls until the partner has received at least `count` requests (at most 10 s).
pub async fn wait_for_received(partner: &Partner, count: usize, what: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while partner.received().len() < count {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn wait_until_status(app: &TestApp, session: &Session, id: &str, status: &str) -> Value {
    wait_for_listing(app, session, id, 20, |l| l["status"] == status).await
}

/// A tenant with one ACTIVE product; returns the product id.
pub async fn product(app: &TestApp, tenant: &Tenant, title: &str) -> String {
    create(
        app,
        tenant,
        &tenant.seller_id,
        Spec {
            title,
            ..Spec::default()
        },
    )
    .await
}

/// The id of the product's first variant.
pub async fn first_variant(app: &TestApp, tenant: &Tenant, product_id: &str) -> String {
    let current = app
        .graphql(
            "query($id: ID!) { managedProduct(id: $id) { variants { id } } }",
            json!({ "id": product_id }),
            tenant.staff.token(),
        )
        .await;
    current["data"]["managedProduct"]["variants"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{current}"))
        .to_owned()
}

/// Sets the stock of the product's first variant.
pub async fn set_stock(app: &TestApp, tenant: &Tenant, product_id: &str, stock: i32) {
    let variant = first_variant(app, tenant, product_id).await;
    let body = app
        .graphql(
            "mutation($input: SetVariantStockInput!) { setVariantStock(input: $input) {
                variant { id } userErrors { code } } }",
            json!({ "input": { "variantId": variant, "stock": stock } }),
            tenant.staff.token(),
        )
        .await;
    assert!(
        body["data"]["setVariantStock"]["variant"].is_object(),
        "{body}"
    );
}

/// The number of rows of `table` with `status`.
pub async fn count_status(app: &TestApp, table: &str, status: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table} WHERE status = '{status}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// The database id of a global id.
pub fn db_id(global: &str) -> i64 {
    global.rsplit('/').next().unwrap().parse().unwrap()
}
