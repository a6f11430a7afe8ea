//! `orderReceived` and `orderUpdated` over a real WebSocket, served by another replica than
//! the one the order went through.

use super::*;
use crate::ws::{Incoming, WsClient};

async fn next_data(socket: &mut WsClient, field: &str) -> Value {
    match socket.next(Duration::from_secs(20)).await {
        Incoming::Message(message) => {
            assert_eq!(message["type"], "next", "{message}");
            message["payload"]["data"][field].clone()
        }
        other => panic!("no {field}: {other:?}"),
    }
}

#[tokio::test]
async fn a_dashboard_on_another_replica_sees_its_own_orders_arrive_and_change() {
    let app = delivering_app(&[]).await;
    let replica = app.spawn_replica().await;
    let other = Shop::open(app.clone_client(), "langsung-lain", 10).await;
    let shop = Shop::open(app, "langsung", 10).await;

    let mut socket = WsClient::signed_in(&replica, &shop.tenant.staff.access_token).await;
    socket
        .subscribe(
            "1",
            "subscription { orderReceived { externalId status needsAttention } }",
            json!({}),
        )
        .await;
    socket
        .subscribe(
            "2",
            "subscription { orderUpdated { externalId status cancelReason } }",
            json!({}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    other
        .send(0, &other.event("order.created", "LAIN-1", 1))
        .await;
    let (_, placed) = shop
        .send(0, &shop.event("order.created", "LIVE-1", 1))
        .await;
    let received = next_data(&mut socket, "orderReceived").await;
    assert_eq!(
        received["externalId"], "LIVE-1",
        "another tenant's order is not shown"
    );
    assert_eq!(received["status"], "CREATED");

    shop.app
        .graphql(
            "mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { userErrors { code } } }",
            json!({ "input": { "orderId": placed["order"]["id"], "reason": "pembeli batal" } }),
            shop.tenant.staff.token(),
        )
        .await;
    let updated = next_data(&mut socket, "orderUpdated").await;
    assert_eq!(updated["externalId"], "LIVE-1");
    assert_eq!(updated["status"], "CANCELLED");
    assert_eq!(updated["cancelReason"], "pembeli batal");
}
