//! Orders Dermaga polls from a channel's `ordersUrl`: a cursor stored per aggregator and
//! channel, so a restarted worker resumes where the last one stopped and records no order twice.

use api::worker::OrderPoller;

use super::*;
use crate::channels::Answer;

async fn register_polled_channel(app: &TestApp, code: &str, orders_url: &str) -> Value {
    let admin = app.admin().await;
    let body = app
        .graphql(
            "mutation($input: RegisterChannelInput!) { registerChannel(input: $input) {
                channel { id code ordersUrl } signingSecret userErrors { field message code } } }",
            json!({ "input": {
                "code": code, "name": format!("Channel {code}"), "kind": "MARKETPLACE",
                "ordersUrl": orders_url } }),
            admin.token(),
        )
        .await;
    body["data"]["registerChannel"].clone()
}

fn page(events: &[Value], next: &str) -> Answer {
    Answer::Json(json!({ "events": events, "nextCursor": next }).to_string())
}

#[tokio::test]
async fn a_restarted_poller_resumes_from_the_stored_cursor_and_records_each_order_once() {
    let app = spawn_app_with(&[
        ("WORKER_ENABLED", "false"),
        ("ALLOW_PRIVATE_WEBHOOKS", "true"),
        ("RATE_LIMIT_PER_MINUTE", "0"),
        ("WORKER_BACKOFF_BASE_MS", "50"),
        ("WORKER_BACKOFF_MAX_SECONDS", "1"),
        ("ORDERS_POLL_INTERVAL_SECONDS", "60"),
    ])
    .await;
    let tenant = app.tenant("tarik").await;
    let product = create(&app, &tenant, &tenant.seller_id, Spec::default()).await;
    let variant = db_id(&first_variant(&app, &tenant, &product).await);
    let sku = query_text(
        &app,
        &format!("SELECT sku FROM product_variants WHERE id = {variant}"),
    )
    .await;
    let partner = Partner::start().await;
    let registered = register_polled_channel(&app, "tarik", &partner.url).await;
    let channel = registered["channel"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{registered}"));
    let secret = registered["signingSecret"].as_str().unwrap().to_owned();
    enable_channel(&app, &tenant, channel, json!({})).await;

    let event = |id: &str, quantity| order_event("order.paid", "tarik", id, &sku, quantity);
    partner.script(&[
        page(&[event("P-1", 1), event("P-2", 2)], "c2"),
        Answer::Status(503),
        // The channel sends P-2 again beside P-3, and one event of another aggregator.
        page(
            &[
                event("P-2", 2),
                event("P-3", 3),
                order_event("order.paid", "lain", "P-4", &sku, 1),
            ],
            "c3",
        ),
        page(&[], "c3"),
    ]);

    let first = OrderPoller::new(app.settings.worker.clone()).unwrap();
    assert_eq!(first.poll_due(&app.db).await.unwrap(), 1);
    drop(first);
    // A new worker: it knows nothing but what the database holds.
    let second = OrderPoller::new(app.settings.worker.clone()).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while partner.received().len() < 4 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            partner.received().len()
        );
        second.poll_due(&app.db).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let asked: Vec<String> = partner
        .received()
        .iter()
        .map(|received| {
            received
                .request_line
                .split(' ')
                .nth(1)
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let since: Vec<&str> = asked
        .iter()
        .map(|target| target.rsplit("since=").next().unwrap())
        .collect();
    assert_eq!(since, ["", "c2", "c2", "c3"], "{asked:?}");
    assert!(asked[0].contains("aggregator=tarik"), "{asked:?}");
    let request = &partner.received()[0];
    let timestamp: i64 = request.header("x-dermaga-timestamp").parse().unwrap();
    assert_eq!(
        request.header("x-dermaga-signature"),
        signature::header(&secret, timestamp, asked[0].as_bytes()),
        "a poll is signed over its target"
    );

    assert_eq!(
        query_number(&app, "SELECT COUNT(*) AS n FROM orders").await,
        3
    );
    assert_eq!(
        query_number(
            &app,
            &format!("SELECT stock AS n FROM product_variants WHERE id = {variant}")
        )
        .await,
        4
    );
    assert_eq!(
        query_number(
            &app,
            "SELECT COUNT(*) AS n FROM orders WHERE external_id = 'P-4'"
        )
        .await,
        0,
        "another aggregator's event is left out"
    );
    // Nothing is due before the poll interval.
    assert_eq!(second.poll_due(&app.db).await.unwrap(), 0);
}

#[tokio::test]
async fn an_orders_url_inside_the_network_is_refused() {
    let app = spawn_app().await;
    let refused = register_polled_channel(&app, "dalam", "http://10.0.0.8/orders").await;
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "ordersUrl"]),
        "{refused}"
    );
}
