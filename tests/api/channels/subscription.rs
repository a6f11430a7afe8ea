//! `listingStatusChanged` over a real WebSocket (graphql-transport-ws), served by another
//! replica than the one the change went through.

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

use super::*;

fn text(json: Value) -> Message {
    Message::Text(json.to_string().into())
}

#[tokio::test]
async fn a_dashboard_on_another_replica_sees_the_listing_go_live() {
    let partner = Partner::start().await;
    partner.script(&[Answer::Status(500)]);
    let app = delivering_app(&[]).await;
    let replica = app.spawn_replica().await;
    let tenant = app.tenant("live-dash").await;
    let (channel, _) = register_channel(&app, "dash", &partner.url, json!({})).await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    let product = product(&app, &tenant, "Keripik").await;

    let url = format!(
        "{}/graphql",
        replica.address.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let bearer = format!("Bearer {}", tenant.staff.access_token);
    socket
        .send(text(
            json!({ "type": "connection_init", "payload": { "Authorization": bearer } }),
        ))
        .await
        .unwrap();
    let ack = socket.next().await.unwrap().unwrap();
    assert_eq!(ack, text(json!({ "type": "connection_ack" })));
    socket
        .send(text(json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($id: ID) { listingStatusChanged(productId: $id) { id status attempts lastError channel { code } } }",
            "variables": { "id": product } } })))
        .await
        .unwrap();
    // Let the subscription take its starting point before the change.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let listing_id = publish_on(&app, &tenant, &product, &channel).await;

    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while seen
        .last()
        .map(|update: &Value| update["status"] != "LIVE")
        .unwrap_or(true)
    {
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let message = tokio::time::timeout(remaining, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no LIVE update: {seen:?}"))
            .unwrap()
            .unwrap();
        let Message::Text(raw) = message else {
            continue;
        };
        let message: Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(message["type"], "next", "{message}");
        seen.push(message["payload"]["data"]["listingStatusChanged"].clone());
    }
    assert!(
        seen.iter().all(|update| update["id"] == listing_id),
        "{seen:?}"
    );
    assert_eq!(seen.last().unwrap()["attempts"], 2);
    assert_eq!(seen.last().unwrap()["channel"]["code"], "dash");
}
