//! `importJobUpdated` over a real WebSocket (graphql-transport-ws).

use std::time::Duration;

use serde_json::json;

use super::{SELLER_HEADER, import, seller_file, seller_row, start_import};
use crate::{
    helpers::spawn_app,
    ws::{Incoming, WsClient, error_code},
};

#[tokio::test]
async fn the_subscription_follows_a_job_until_it_succeeds() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let (csv, _) = seller_file(3_000);
    let id = start_import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    let mut socket = WsClient::signed_in(&app, &tenant.staff.access_token).await;
    socket
        .subscribe(
            "1",
            "subscription($id: ID!) { importJobUpdated(id: $id) { status processedRows createdCount } }",
            json!({ "id": id }),
        )
        .await;
    let mut updates = Vec::new();
    loop {
        match socket.next(Duration::from_secs(30)).await {
            Incoming::Message(message) => match message["type"].as_str() {
                Some("next") => {
                    updates.push(message["payload"]["data"]["importJobUpdated"].clone());
                }
                Some("complete") => break,
                _ => panic!("unexpected message {message}"),
            },
            Incoming::Closed { .. } => break,
            Incoming::Silent => panic!("no message within 30 seconds"),
        }
    }

    let last = updates.last().expect("at least one update");
    assert_eq!(last["status"], "SUCCEEDED", "{updates:?}");
    assert_eq!(last["processedRows"], 3_000);
    assert_eq!(last["createdCount"], 2_970);
    assert!(
        updates.windows(2).all(|pair| pair[0] != pair[1]),
        "each update differs from the one before: {updates:?}"
    );
}

#[tokio::test]
async fn a_bad_token_closes_the_subscription_socket() {
    let app = spawn_app().await;
    let mut socket = WsClient::connect(&app).await;

    socket
        .send(json!({ "type": "connection_init", "payload": { "token": "not-a-token" } }))
        .await;

    match socket.next(Duration::from_secs(30)).await {
        Incoming::Closed { reason, .. } => {
            assert!(!reason.is_empty(), "the close frame says why");
        }
        other => panic!("expected the server to close the socket, got {other:?}"),
    }
}

#[tokio::test]
async fn another_aggregators_job_cannot_be_followed() {
    let app = spawn_app().await;
    let semarang = app.tenant("semarang").await;
    let madiun = app.tenant("madiun").await;
    let csv = format!("{SELLER_HEADER}\n{}\n", seller_row(1));
    let job = import(&app, &semarang.staff, "importSellers", csv.as_bytes()).await;
    let mut socket = WsClient::connect(&app).await;
    let token = madiun.admin.access_token.clone();

    socket
        .send(json!({ "type": "connection_init", "payload": { "authorization": token } }))
        .await;
    let ack = socket.next(Duration::from_secs(30)).await;
    assert!(matches!(ack, Incoming::Message(_)), "an ack: {ack:?}");
    socket
        .subscribe(
            "1",
            "subscription($id: ID!) { importJobUpdated(id: $id) { status } }",
            json!({ "id": job["id"] }),
        )
        .await;
    let message = socket.answer_to("1", Duration::from_secs(30)).await;

    assert_eq!(error_code(&message), Some("NOT_FOUND"), "{message}");
}
