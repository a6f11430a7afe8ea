//! A graphql-transport-ws client for tests: connect, sign in, subscribe, read what comes.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest},
};

use crate::helpers::TestApp;

pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

/// What the server sent next.
#[derive(Debug)]
pub enum Incoming {
    Message(Value),
    Closed {
        code: u16,
        reason: String,
    },
    /// Nothing within the time given.
    Silent,
}

impl WsClient {
    pub async fn connect(app: &TestApp) -> Self {
        let url = format!("{}/graphql", app.address.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket handshake succeeds");
        Self { socket }
    }

    /// Connects and sends `connection_init` with the token; returns the server's answer.
    pub async fn sign_in(app: &TestApp, access_token: &str) -> (Self, Incoming) {
        let mut client = Self::connect(app).await;
        let bearer = format!("Bearer {access_token}");
        client
            .send(json!({ "type": "connection_init", "payload": { "Authorization": bearer } }))
            .await;
        let answer = client.next(Duration::from_secs(10)).await;
        (client, answer)
    }

    /// [`WsClient::sign_in`], asserting the server acknowledged.
    pub async fn signed_in(app: &TestApp, access_token: &str) -> Self {
        let (client, answer) = Self::sign_in(app, access_token).await;
        client.acknowledged(answer)
    }

    /// Connects and sends `connection_init` without a token, asserting the server
    /// acknowledged: an anonymous caller.
    pub async fn anonymous(app: &TestApp) -> Self {
        let mut client = Self::connect(app).await;
        client.send(json!({ "type": "connection_init" })).await;
        let answer = client.next(Duration::from_secs(10)).await;
        client.acknowledged(answer)
    }

    /// `self`, when `answer` is a plain `connection_ack`.
    fn acknowledged(self, answer: Incoming) -> Self {
        match answer {
            Incoming::Message(message) if message == json!({ "type": "connection_ack" }) => self,
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("the socket accepts a message");
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe",
            "payload": { "query": query, "variables": variables } }))
            .await;
    }

    pub async fn complete(&mut self, id: &str) {
        self.send(json!({ "id": id, "type": "complete" })).await;
    }

    /// The next message or close frame, skipping pings and pongs.
    pub async fn next(&mut self, within: Duration) -> Incoming {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Ok(frame) = tokio::time::timeout(left, self.socket.next()).await else {
                return Incoming::Silent;
            };
            match frame {
                Some(Ok(Message::Text(raw))) => {
                    return Incoming::Message(serde_json::from_str(&raw).unwrap());
                }
                Some(Ok(Message::Close(frame))) => {
                    return Incoming::Closed {
                        code: frame.as_ref().map_or(1005, |frame| u16::from(frame.code)),
                        reason: frame
                            .map(|frame| frame.reason.to_string())
                            .unwrap_or_default(),
                    };
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    return Incoming::Closed {
                        code: 1006,
                        reason: String::new(),
                    };
                }
            }
        }
    }

    /// Reads until the socket closes (messages before are ignored); panics after `within`.
    pub async fn close_frame(&mut self, within: Duration) -> (u16, String) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Incoming::Closed { code, reason } => return (code, reason),
                Incoming::Message(_) => continue,
                Incoming::Silent => panic!("the socket stayed open for {within:?}"),
            }
        }
    }

    /// The next `next` or `error` message about subscription `id`, skipping others.
    pub async fn answer_to(&mut self, id: &str, within: Duration) -> Value {
        let answer = self.answer(Some(id), within).await;
        answer.unwrap_or_else(|other| panic!("no answer to subscription {id}: {other:?}"))
    }

    /// The next `next` or `error` message about any subscription.
    pub async fn any_answer(&mut self, within: Duration) -> Value {
        let answer = self.answer(None, within).await;
        answer.unwrap_or_else(|other| panic!("no answer within {within:?}: {other:?}"))
    }

    async fn answer(&mut self, id: Option<&str>, within: Duration) -> Result<Value, Incoming> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Incoming::Message(message)
                    if id.is_none_or(|id| message["id"] == id)
                        && matches!(message["type"].as_str(), Some("next" | "error")) =>
                {
                    return Ok(message);
                }
                Incoming::Message(_) => continue,
                other => return Err(other),
            }
        }
    }
}

/// The `extensions.code` of a `next` or `error` message carrying errors, if any.
pub fn error_code(message: &Value) -> Option<&str> {
    let errors = if message["type"] == "error" {
        &message["payload"]
    } else {
        &message["payload"]["errors"]
    };
    errors[0]["extensions"]["code"].as_str()
}
