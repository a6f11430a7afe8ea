//! Orders partner channels send in (`POST /channels/{code}/orders`): signed, checked, applied
//! once, and kept true to one stock that every other channel hears of.

use std::time::Duration;

use api::domain::signature;
use chrono::Utc;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::{
    catalogue::{Spec, create},
    channels::{
        Partner, db_id, delivering_app, enable_channel, first_variant, publish_on,
        register_channel, wait_until_status,
    },
    helpers::*,
};

/// A tenant's product published on two channels, each with its own partner.
struct Shop {
    app: TestApp,
    tenant: Tenant,
    slug: String,
    variant: i64,
    sku: String,
    /// (code, secret, partner) of the channels the product is LIVE on.
    channels: Vec<(String, String, Partner)>,
}

impl Shop {
    async fn open(app: TestApp, slug: &str, stock: i32) -> Self {
        let tenant = app.tenant(slug).await;
        let product = create(
            &app,
            &tenant,
            &tenant.seller_id,
            Spec {
                stock,
                ..Spec::default()
            },
        )
        .await;
        let variant = db_id(&first_variant(&app, &tenant, &product).await);
        let sku = query_text(
            &app,
            &format!("SELECT sku FROM product_variants WHERE id = {variant}"),
        )
        .await;
        let mut channels = Vec::new();
        for suffix in ["a", "b"] {
            let partner = Partner::start().await;
            let code = format!("{slug}-{suffix}");
            let (channel, secret) = register_channel(&app, &code, &partner.url, json!({})).await;
            enable_channel(&app, &tenant, &channel, json!({})).await;
            let listing = publish_on(&app, &tenant, &product, &channel).await;
            wait_until_status(&app, &tenant.staff, &listing, "LIVE").await;
            channels.push((code, secret, partner));
        }
        Self {
            app,
            tenant,
            slug: slug.to_owned(),
            variant,
            sku,
            channels,
        }
    }

    fn event(&self, kind: &str, external_id: &str, quantity: i64) -> Value {
        order_event(kind, &self.slug, external_id, &self.sku, quantity)
    }

    async fn send(&self, channel: usize, event: &Value) -> (u16, Value) {
        let (code, secret, _) = &self.channels[channel];
        send_signed(&self.app, code, secret, event.to_string().as_bytes()).await
    }

    async fn stock(&self) -> i64 {
        query_number(
            &self.app,
            &format!(
                "SELECT stock AS n FROM product_variants WHERE id = {}",
                self.variant
            ),
        )
        .await
    }

    /// The stock the partner of `channel` was last sent.
    fn last_pushed_stock(&self, channel: usize) -> Option<i64> {
        self.channels[channel]
            .2
            .received()
            .iter()
            .rev()
            .find_map(|received| received.body["product"]["variants"][0]["stock"].as_i64())
    }

    async fn wait_for_pushed_stock(&self, channel: usize, expected: i64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.last_pushed_stock(channel) != Some(expected) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "channel {channel} was last sent stock {:?}, not {expected}",
                self.last_pushed_stock(channel)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn order_event(kind: &str, aggregator: &str, external_id: &str, sku: &str, quantity: i64) -> Value {
    json!({
        "event": kind,
        "aggregator": aggregator,
        "order": {
            "externalId": external_id,
            "placedAt": "2026-12-02T08:00:00Z",
            "buyerCity": "Malang",
            "lines": [{ "sku": sku, "quantity": quantity,
                        "unitPrice": { "amount": "15000", "currency": "IDR" } }]
        }
    })
}

async fn post_order(
    app: &TestApp,
    code: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}/channels/{code}/orders", app.address))
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Sends a body signed now with `secret`, as a partner does.
async fn send_signed(app: &TestApp, code: &str, secret: &str, body: &[u8]) -> (u16, Value) {
    let timestamp = Utc::now().timestamp();
    // Two sends in one second of the same body are two requests: the nonce-free scheme tells
    // them apart only by time, so a test that repeats an event waits for a new second.
    post_order(
        app,
        code,
        &signed_headers(secret, timestamp, body),
        body.to_vec(),
    )
    .await
}

fn signed_headers(secret: &str, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    vec![
        ("x-dermaga-timestamp", timestamp.to_string()),
        (
            "x-dermaga-signature",
            signature::header(secret, timestamp, body),
        ),
    ]
}

async fn query_row(app: &TestApp, sql: &str) -> sea_orm::QueryResult {
    app.db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row: {sql}"))
}

/// The column `n` of the query's row (a count, a stock).
async fn query_number(app: &TestApp, sql: &str) -> i64 {
    let row = query_row(app, sql).await;
    row.try_get::<i64>("", "n")
        .or_else(|_| row.try_get::<i32>("", "n").map(i64::from))
        .unwrap()
}

/// The first column of the query's row, as text.
async fn query_text(app: &TestApp, sql: &str) -> String {
    query_row(app, sql)
        .await
        .try_get_by_index::<String>(0)
        .unwrap()
}

async fn stored(app: &TestApp) -> (i64, i64, i64) {
    (
        query_number(app, "SELECT COUNT(*) AS n FROM orders").await,
        query_number(app, "SELECT COUNT(*) AS n FROM order_events").await,
        query_number(app, "SELECT COUNT(*) AS n FROM inbound_signatures").await,
    )
}

#[tokio::test]
async fn an_order_on_one_channel_takes_the_stock_and_the_other_channel_hears_of_it() {
    let shop = Shop::open(delivering_app(&[]).await, "pasar-a", 10).await;
    let pushes_to_a = shop.channels[0].2.received().len();

    let (status, answer) = shop.send(0, &shop.event("order.created", "TM-1", 3)).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["order"]["status"], "CREATED");
    assert_eq!(answer["order"]["needsAttention"], false);
    assert_eq!(answer["order"]["lines"][0]["accepted"], 3);
    assert_eq!(shop.stock().await, 7);
    shop.wait_for_pushed_stock(1, 7).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        shop.channels[0].2.received().len(),
        pushes_to_a,
        "the channel that sold knows its own sale"
    );
    let seller = query_number(&shop.app, "SELECT seller_id AS n FROM orders").await;
    assert_eq!(seller, db_id(&shop.tenant.seller_id));
}

#[tokio::test]
async fn a_cancellation_gives_the_stock_back_once_and_every_repeat_gets_the_same_answer() {
    let shop = Shop::open(delivering_app(&[]).await, "pasar-b", 10).await;
    let created = shop.event("order.created", "TM-2", 2);
    let (_, first) = shop.send(0, &created).await;
    assert_eq!(shop.stock().await, 8);
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1_050)).await;
        let (status, again) = shop.send(0, &created).await;
        assert_eq!((status, &again), (200, &first), "a repeat changes nothing");
    }
    assert_eq!(shop.stock().await, 8);

    let cancelled = shop.event("order.cancelled", "TM-2", 2);
    let (status, answer) = shop.send(0, &cancelled).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["order"]["status"], "CANCELLED");
    assert_eq!(shop.stock().await, 10);
    shop.wait_for_pushed_stock(1, 10).await;
    tokio::time::sleep(Duration::from_millis(1_050)).await;
    shop.send(0, &cancelled).await;
    shop.send(0, &shop.event("order.returned", "TM-2", 2)).await;
    assert_eq!(shop.stock().await, 10, "given back once");
    assert_eq!(stored(&shop.app).await.0, 1);
}

#[tokio::test]
async fn a_cancellation_that_arrives_before_its_order_takes_no_stock() {
    let shop = Shop::open(delivering_app(&[]).await, "pasar-c", 10).await;
    let (status, answer) = shop
        .send(1, &shop.event("order.cancelled", "TM-3", 4))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["order"]["status"], "CANCELLED");
    let (_, answer) = shop.send(1, &shop.event("order.created", "TM-3", 4)).await;
    assert_eq!(answer["order"]["status"], "CANCELLED");
    let (_, answer) = shop.send(1, &shop.event("order.paid", "TM-3", 4)).await;
    assert_eq!(answer["order"]["status"], "CANCELLED");
    assert_eq!(shop.stock().await, 10);
    assert_eq!(stored(&shop.app).await.0, 1);
}

#[tokio::test]
async fn orders_racing_on_two_channels_for_the_last_units_accept_exactly_the_stock() {
    let shop = Shop::open(delivering_app(&[]).await, "pasar-d", 5).await;
    let sends = (0..50).map(|n| {
        let event = shop.event("order.created", &format!("RACE-{n}"), 1);
        let shop = &shop;
        async move { shop.send(n % 2, &event).await }
    });
    let answers = futures_util::future::join_all(sends).await;

    let accepted = answers
        .iter()
        .filter(|(status, answer)| *status == 200 && answer["order"]["lines"][0]["accepted"] == 1)
        .count();
    let oversold = answers
        .iter()
        .filter(|(_, answer)| {
            answer["order"]["needsAttention"] == true
                && answer["order"]["lines"][0]["problem"] == "OVERSOLD"
                && answer["order"]["lines"][0]["oversoldBy"] == 1
        })
        .count();
    assert_eq!((accepted, oversold), (5, 45), "{answers:?}");
    assert_eq!(shop.stock().await, 0);
    assert_eq!(stored(&shop.app).await.0, 50, "every order is kept");
    assert_eq!(
        query_number(
            &shop.app,
            "SELECT COUNT(*) AS n FROM orders WHERE needs_attention"
        )
        .await,
        45
    );
    // Each channel sold some: both hear of the stock the other's sales left.
    shop.wait_for_pushed_stock(0, 0).await;
    shop.wait_for_pushed_stock(1, 0).await;
}

#[tokio::test]
async fn an_unknown_sku_or_another_aggregators_sku_is_kept_for_attention() {
    let app = delivering_app(&[]).await;
    let other = Shop::open(app.clone_client(), "pasar-lain", 10).await;
    let shop = Shop::open(app, "pasar-e", 10).await;

    let mut event = shop.event("order.created", "TM-5", 1);
    event["order"]["lines"] = json!([
        { "sku": shop.sku, "quantity": 1, "unitPrice": { "amount": "15000", "currency": "IDR" } },
        { "sku": "TIDAK-ADA", "quantity": 2, "unitPrice": { "amount": "5000", "currency": "IDR" } },
        { "sku": other.sku, "quantity": 1, "unitPrice": { "amount": "15000", "currency": "IDR" } },
    ]);
    let (status, answer) = shop.send(0, &event).await;

    assert_eq!(status, 200, "{answer}");
    let lines = &answer["order"]["lines"];
    assert_eq!(answer["order"]["needsAttention"], true);
    assert_eq!(lines[0]["accepted"], 1);
    assert_eq!(lines[1]["problem"], "UNKNOWN_SKU");
    assert_eq!(
        lines[2]["problem"], "UNKNOWN_SKU",
        "another tenant's SKU is not matched"
    );
    assert_eq!(shop.stock().await, 9);
    assert_eq!(other.stock().await, 10);

    // The other aggregator's channel cannot carry an order for this one.
    let (code, secret, _) = &other.channels[0];
    let foreign = shop.event("order.created", "TM-6", 1);
    let (status, answer) =
        send_signed(&shop.app, code, secret, foreign.to_string().as_bytes()).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["fields"][0]["field"], "aggregator");
    assert_eq!(shop.stock().await, 9);
}

#[tokio::test]
async fn forged_stale_replayed_oversized_malformed_or_misaddressed_requests_store_nothing() {
    let shop = Shop::open(delivering_app(&[]).await, "pasar-f", 10).await;
    let (code, secret, _) = &shop.channels[0];
    let body = shop
        .event("order.created", "TM-7", 1)
        .to_string()
        .into_bytes();
    let now = Utc::now().timestamp();
    let before = stored(&shop.app).await;

    let refusals = [
        ("no signature", code.clone(), vec![], body.clone(), 401),
        (
            "a forged signature",
            code.clone(),
            signed_headers("not-the-secret", now, &body),
            body.clone(),
            401,
        ),
        (
            "an old timestamp",
            code.clone(),
            signed_headers(secret, now - 301, &body),
            body.clone(),
            401,
        ),
        (
            "an unknown channel",
            "tidak-ada".to_owned(),
            signed_headers(secret, now, &body),
            body.clone(),
            404,
        ),
        (
            "malformed JSON",
            code.clone(),
            signed_headers(secret, now, b"{\"event\":"),
            b"{\"event\":".to_vec(),
            400,
        ),
        (
            "a 2 MiB body",
            code.clone(),
            vec![],
            vec![b' '; 2 * 1024 * 1024],
            413,
        ),
    ];
    for (what, code, headers, body, expected) in refusals {
        let (status, answer) = post_order(&shop.app, &code, &headers, body).await;
        assert_eq!(status, expected, "{what}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: {answer}"
        );
        assert_eq!(stored(&shop.app).await, before, "{what} stored nothing");
    }

    let headers = signed_headers(secret, now, &body);
    let (status, _) = post_order(&shop.app, code, &headers, body.clone()).await;
    assert_eq!(status, 200);
    let accepted = stored(&shop.app).await;
    let (status, answer) = post_order(&shop.app, code, &headers, body).await;
    assert_eq!(status, 401, "a replay: {answer}");
    assert_eq!(stored(&shop.app).await, accepted);
    assert_eq!(shop.stock().await, 9);
}

mod dashboard;
mod live;
mod pull;
