//! Orders on the dashboard: reading within the tenant, and fulfilment sent back to the
//! order's channel.

use super::*;

const ORDERS: &str = "query($filter: OrderFilter) { orders(first: 20, filter: $filter) {
    totalCount edges { node { id externalId status needsAttention total { amount currency }
    buyerCity channel { code } seller { id businessName }
    lines { sku quantity acceptedQuantity problem oversoldBy unitPrice { amount } variantId } } } } }";

const SHIP: &str = "mutation($input: MarkOrderShippedInput!) { markOrderShipped(input: $input) {
    order { id status courier trackingNumber shippedAt } userErrors { field message code } } }";
const COMPLETE: &str =
    "mutation($input: MarkOrderCompletedInput!) { markOrderCompleted(input: $input) {
    order { id status completedAt } userErrors { field message code } } }";
const CANCEL: &str = "mutation($input: CancelOrderInput!) { cancelOrder(input: $input) {
    order { id status cancelReason } userErrors { field message code } } }";

fn order_id(answer: &Value) -> String {
    answer["order"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_owned()
}

/// The order status pushes `channel`'s partner received, in order.
fn status_pushes(shop: &Shop, channel: usize) -> Vec<crate::channels::Received> {
    shop.channels[channel]
        .2
        .received()
        .into_iter()
        .filter(|received| received.header("x-dermaga-event").starts_with("order."))
        .collect()
}

async fn wait_for_status_pushes(
    shop: &Shop,
    channel: usize,
    count: usize,
) -> Vec<crate::channels::Received> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let pushes = status_pushes(shop, channel);
        if pushes.len() >= count {
            return pushes;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} status pushes",
            pushes.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn each_tenant_and_seller_sees_only_its_own_orders() {
    let app = delivering_app(&[]).await;
    let other = Shop::open(app.clone_client(), "toko-lain", 10).await;
    let shop = Shop::open(app, "toko-a", 10).await;
    let (_, mine) = shop.send(0, &shop.event("order.created", "A-1", 2)).await;
    let mut attention = shop.event("order.created", "A-2", 1);
    attention["order"]["lines"][0]["sku"] = json!("TIDAK-ADA");
    shop.send(1, &attention).await;
    let (_, theirs) = other.send(0, &other.event("order.paid", "B-1", 1)).await;

    let staff = shop.tenant.staff.token();
    let all = shop.app.graphql(ORDERS, json!({}), staff).await;
    assert_eq!(all["data"]["orders"]["totalCount"], 2, "{all}");
    let newest = &all["data"]["orders"]["edges"][0]["node"];
    assert_eq!(newest["externalId"], "A-2");
    assert_eq!(newest["lines"][0]["problem"], "UNKNOWN_SKU");
    let first = &all["data"]["orders"]["edges"][1]["node"];
    assert_eq!(first["id"], mine["order"]["id"]);
    assert_eq!(
        first["total"],
        json!({ "amount": "30000", "currency": "IDR" })
    );
    assert_eq!(first["buyerCity"], "Malang");
    assert_eq!(first["channel"]["code"], "toko-a-a");
    assert_eq!(first["seller"]["id"], json!(shop.tenant.seller_id));
    assert_eq!(first["lines"][0]["acceptedQuantity"], 2);
    assert_eq!(first["lines"][0]["unitPrice"]["amount"], "15000");

    let flagged = shop
        .app
        .graphql(
            ORDERS,
            json!({ "filter": { "needsAttention": true } }),
            staff,
        )
        .await;
    assert_eq!(flagged["data"]["orders"]["totalCount"], 1, "{flagged}");

    // The seller sees its own order, not the one no SKU ties to it.
    let seller = shop.tenant.seller_login.token();
    let own = shop.app.graphql(ORDERS, json!({}), seller).await;
    assert_eq!(own["data"]["orders"]["totalCount"], 1, "{own}");
    let via_seller = shop
        .app
        .graphql(
            "query($id: ID!) { seller(id: $id) { orders { totalCount } } }",
            json!({ "id": shop.tenant.seller_id }),
            staff,
        )
        .await;
    assert_eq!(
        via_seller["data"]["seller"]["orders"]["totalCount"], 1,
        "{via_seller}"
    );

    // Another tenant's order is not there, by id, by node or by mutation.
    for query in [
        "query($id: ID!) { order(id: $id) { id } }",
        "query($id: ID!) { node(id: $id) { id } }",
    ] {
        let body = shop
            .app
            .graphql(query, json!({ "id": theirs["order"]["id"] }), staff)
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    }
    let body = shop
        .app
        .graphql(
            SHIP,
            json!({ "input": { "orderId": theirs["order"]["id"], "courier": "JNE", "trackingNumber": "X1" } }),
            staff,
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let stranger = other
        .app
        .graphql(ORDERS, json!({}), other.tenant.staff.token())
        .await;
    assert_eq!(stranger["data"]["orders"]["totalCount"], 1, "{stranger}");
    let anonymous = shop.app.graphql(ORDERS, json!({}), None).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
}

#[tokio::test]
async fn shipping_and_completing_send_the_status_and_tracking_number_to_the_orders_channel() {
    let shop = Shop::open(delivering_app(&[]).await, "toko-kirim", 10).await;
    let (_, placed) = shop.send(0, &shop.event("order.paid", "K-1", 1)).await;
    let id = order_id(&placed);
    let staff = shop.tenant.staff.token();

    let blank = shop
        .app
        .graphql(
            SHIP,
            json!({ "input": { "orderId": id, "courier": " ", "trackingNumber": "JNE123" } }),
            staff,
        )
        .await;
    assert_eq!(
        user_error_codes(&blank["data"]["markOrderShipped"]),
        ["BLANK"],
        "{blank}"
    );
    let shipped = shop
        .app
        .graphql(SHIP, json!({ "input": { "orderId": id, "courier": "JNE", "trackingNumber": "JNE0012345678" } }), staff)
        .await;
    assert_eq!(
        shipped["data"]["markOrderShipped"]["order"]["status"], "SHIPPED",
        "{shipped}"
    );
    let completed = shop
        .app
        .graphql(
            COMPLETE,
            json!({ "input": { "orderId": id } }),
            shop.tenant.seller_login.token(),
        )
        .await;
    assert_eq!(
        completed["data"]["markOrderCompleted"]["order"]["status"], "COMPLETED",
        "{completed}"
    );
    let late = shop
        .app
        .graphql(
            CANCEL,
            json!({ "input": { "orderId": id, "reason": "terlambat" } }),
            staff,
        )
        .await;
    assert_eq!(
        user_error_codes(&late["data"]["cancelOrder"]),
        ["CONFLICT"],
        "{late}"
    );

    let pushes = wait_for_status_pushes(&shop, 0, 2).await;
    let secret = &shop.channels[0].1;
    let events: Vec<&str> = pushes.iter().map(|p| p.header("x-dermaga-event")).collect();
    assert_eq!(events, ["order.shipped", "order.completed"]);
    let shipped = &pushes[0];
    assert_eq!(shipped.body["order"]["externalId"], "K-1");
    assert_eq!(shipped.body["order"]["courier"], "JNE");
    assert_eq!(shipped.body["order"]["trackingNumber"], "JNE0012345678");
    let timestamp: i64 = shipped.header("x-dermaga-timestamp").parse().unwrap();
    assert_eq!(
        shipped.header("x-dermaga-signature"),
        signature::header(secret, timestamp, &shipped.raw_body)
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        status_pushes(&shop, 1).is_empty(),
        "only the order's channel is told"
    );
    assert_eq!(
        shop.stock().await,
        9,
        "a completed order keeps its stock taken"
    );
}

#[tokio::test]
async fn cancelling_an_order_gives_the_stock_back_and_tells_every_channel() {
    let shop = Shop::open(delivering_app(&[]).await, "toko-batal", 10).await;
    let (_, placed) = shop.send(0, &shop.event("order.created", "C-1", 4)).await;
    shop.wait_for_pushed_stock(1, 6).await;

    let cancelled = shop
        .app
        .graphql(
            CANCEL,
            json!({ "input": { "orderId": order_id(&placed), "reason": "stok rusak" } }),
            shop.tenant.admin.token(),
        )
        .await;
    assert_eq!(
        cancelled["data"]["cancelOrder"]["order"]["status"], "CANCELLED",
        "{cancelled}"
    );
    assert_eq!(shop.stock().await, 10);
    shop.wait_for_pushed_stock(0, 10).await;
    shop.wait_for_pushed_stock(1, 10).await;
    let pushes = wait_for_status_pushes(&shop, 0, 1).await;
    assert_eq!(pushes[0].body["order"]["reason"], "stok rusak");

    // The channel's own cancellation of it afterwards changes nothing more.
    shop.send(0, &shop.event("order.cancelled", "C-1", 4)).await;
    assert_eq!(shop.stock().await, 10);
}

#[tokio::test]
async fn a_channel_that_fails_gets_the_status_again_and_the_order_of_changes_is_kept() {
    let shop = Shop::open(delivering_app(&[]).await, "toko-ulang", 10).await;
    let (_, placed) = shop.send(0, &shop.event("order.paid", "R-1", 1)).await;
    let id = order_id(&placed);
    shop.channels[0].2.script(&[
        crate::channels::Answer::Status(503),
        crate::channels::Answer::TooManyRequests { retry_after: 1 },
    ]);
    let staff = shop.tenant.staff.token();
    shop.app
        .graphql(
            SHIP,
            json!({ "input": { "orderId": id, "courier": "SiCepat", "trackingNumber": "SC-1" } }),
            staff,
        )
        .await;
    shop.app
        .graphql(COMPLETE, json!({ "input": { "orderId": id } }), staff)
        .await;

    let pushes = wait_for_status_pushes(&shop, 0, 4).await;
    let seen: Vec<(&str, Option<u16>)> = pushes
        .iter()
        .map(|p| (p.header("x-dermaga-event"), p.answered))
        .collect();
    assert_eq!(
        seen,
        [
            ("order.shipped", Some(503)),
            ("order.shipped", Some(429)),
            ("order.shipped", Some(200)),
            ("order.completed", Some(200)),
        ]
    );
    assert_eq!(
        pushes[0].header("idempotency-key"),
        pushes[2].header("idempotency-key")
    );
}

#[tokio::test]
async fn sales_count_orders_and_gmv_per_channel_sector_and_wib_day() {
    let app = delivering_app(&[]).await;
    let other = Shop::open(app.clone_client(), "laku-lain", 50).await;
    let shop = Shop::open(app, "laku", 50).await;
    let placed = |mut event: Value, at: &str| {
        event["order"]["placedAt"] = json!(at);
        event
    };
    // 2 × 15,000 on channel a, the 2nd of December in WIB.
    shop.send(
        0,
        &placed(
            shop.event("order.created", "S-1", 2),
            "2026-12-02T08:00:00Z",
        ),
    )
    .await;
    // 1 × 15,000 on channel b, 03:00 WIB on the 3rd although still the 2nd in UTC.
    shop.send(
        1,
        &placed(shop.event("order.paid", "S-2", 1), "2026-12-02T20:00:00Z"),
    )
    .await;
    // Cancelled: not a sale.
    shop.send(
        0,
        &placed(
            shop.event("order.cancelled", "S-3", 5),
            "2026-12-02T09:00:00Z",
        ),
    )
    .await;
    // Another tenant's, and one outside the range.
    other
        .send(
            0,
            &placed(
                other.event("order.created", "S-9", 3),
                "2026-12-02T08:00:00Z",
            ),
        )
        .await;
    shop.send(
        0,
        &placed(
            shop.event("order.created", "S-0", 1),
            "2026-11-01T08:00:00Z",
        ),
    )
    .await;

    let query =
        "query($from: DateTime, $to: DateTime) { dashboardStats { sales(from: $from, to: $to) {
        total { orders grossMerchandiseValue { amount } }
        byChannel { channelCode sales { orders grossMerchandiseValue { amount } } }
        bySector { sector sales { orders } }
        byDay { day sales { orders grossMerchandiseValue { amount } } } } } }";
    let range = json!({ "from": "2026-12-01T17:00:00Z", "to": "2026-12-03T17:00:00Z" });
    let body = shop
        .app
        .graphql(query, range.clone(), shop.tenant.admin.token())
        .await;
    let sales = &body["data"]["dashboardStats"]["sales"];
    assert_eq!(
        sales["total"],
        json!({ "orders": 2, "grossMerchandiseValue": { "amount": "45000" } }),
        "{body}"
    );
    assert_eq!(
        sales["byChannel"],
        json!([
            { "channelCode": "laku-a", "sales": { "orders": 1, "grossMerchandiseValue": { "amount": "30000" } } },
            { "channelCode": "laku-b", "sales": { "orders": 1, "grossMerchandiseValue": { "amount": "15000" } } },
        ])
    );
    assert_eq!(sales["bySector"][0]["sales"]["orders"], 2, "{body}");
    assert!(sales["bySector"][0]["sector"].is_string(), "{body}");
    assert_eq!(
        sales["byDay"],
        json!([
            { "day": "2026-12-02", "sales": { "orders": 1, "grossMerchandiseValue": { "amount": "30000" } } },
            { "day": "2026-12-03", "sales": { "orders": 1, "grossMerchandiseValue": { "amount": "15000" } } },
        ])
    );

    let too_long = json!({ "from": "2025-01-01T00:00:00Z", "to": "2026-12-03T00:00:00Z" });
    let body = shop
        .app
        .graphql(query, too_long, shop.tenant.admin.token())
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let theirs = other
        .app
        .graphql(query, range, other.tenant.admin.token())
        .await;
    assert_eq!(
        theirs["data"]["dashboardStats"]["sales"]["total"]["orders"], 1,
        "{theirs}"
    );
}
