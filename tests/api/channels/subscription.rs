//! `listingStatusChanged` over a real WebSocket (graphql-transport-ws), served by another
//! replica than the one the change went through.

use serde_json::json;

use super::*;
use crate::ws::{Incoming, WsClient};

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

    let mut socket = WsClient::signed_in(&replica, &tenant.staff.access_token).await;
    socket
        .subscribe(
            "1",
            "subscription($id: ID) { listingStatusChanged(productId: $id) { id status attempts lastError channel { code } } }",
            json!({ "id": product }),
        )
        .await;
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
        let message = match socket.next(remaining).await {
            Incoming::Message(message) => message,
            Incoming::Silent => panic!("no LIVE update: {seen:?}"),
            closed => panic!("{closed:?} after {seen:?}"),
        };
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
