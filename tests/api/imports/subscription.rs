//! `importJobUpdated` over a real WebSocket (graphql-transport-ws).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

use super::{SELLER_HEADER, import, seller_file, seller_row, start_import};
use crate::helpers::{TestApp, spawn_app};

async fn socket(
    app: &TestApp,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}/graphql", app.address.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket handshake succeeds");
    socket
}

async fn next_message<S>(socket: &mut S) -> Option<Message>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    tokio::time::timeout(Duration::from_secs(30), socket.next())
        .await
        .expect("a message within 30 seconds")
        .and_then(Result::ok)
}

fn text(json: Value) -> Message {
    Message::Text(json.to_string().into())
}

#[tokio::test]
async fn the_subscription_follows_a_job_until_it_succeeds() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let (csv, _) = seller_file(3_000);
    let id = start_import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;
    let mut socket = socket(&app).await;
    let token = format!("Bearer {}", tenant.staff.access_token);

    socket
        .send(text(
            json!({ "type": "connection_init", "payload": { "Authorization": token } }),
        ))
        .await
        .unwrap();
    let ack = next_message(&mut socket).await.expect("an ack");
    assert_eq!(ack, text(json!({ "type": "connection_ack" })));
    socket
        .send(text(json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($id: ID!) { importJobUpdated(id: $id) { status processedRows createdCount } }",
            "variables": { "id": id } } })))
        .await
        .unwrap();
    let mut updates = Vec::new();
    while let Some(message) = next_message(&mut socket).await {
        let Message::Text(raw) = message else {
            continue;
        };
        let message: Value = serde_json::from_str(&raw).unwrap();
        match message["type"].as_str() {
            Some("next") => updates.push(message["payload"]["data"]["importJobUpdated"].clone()),
            Some("complete") => break,
            _ => panic!("unexpected message {message}"),
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
    let mut socket = socket(&app).await;

    socket
        .send(text(
            json!({ "type": "connection_init", "payload": { "token": "not-a-token" } }),
        ))
        .await
        .unwrap();

    match next_message(&mut socket).await {
        Some(Message::Close(Some(frame))) => {
            assert!(!frame.reason.is_empty(), "the close frame says why");
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
    let mut socket = socket(&app).await;
    let token = madiun.admin.access_token.clone();

    socket
        .send(text(
            json!({ "type": "connection_init", "payload": { "authorization": token } }),
        ))
        .await
        .unwrap();
    next_message(&mut socket).await.expect("an ack");
    socket
        .send(text(json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($id: ID!) { importJobUpdated(id: $id) { status } }",
            "variables": { "id": job["id"] } } })))
        .await
        .unwrap();
    let Some(Message::Text(raw)) = next_message(&mut socket).await else {
        panic!("expected an answer");
    };

    let message: Value = serde_json::from_str(&raw).unwrap();
    let errors = if message["type"] == "error" {
        message["payload"].clone()
    } else {
        message["payload"]["errors"].clone()
    };
    assert_eq!(errors[0]["extensions"]["code"], "NOT_FOUND", "{message}");
}
