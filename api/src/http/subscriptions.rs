//! Subscriptions over WebSocket: graphql-transport-ws, or the legacy graphql-ws.
//!
//! async-graphql's `WebSocket` speaks the protocol; this module drives the socket itself (over
//! actix-ws) so that it can close it when its session ends, which
//! `async_graphql_actix_web::GraphQLSubscription` cannot do.
//!
//! The socket is authenticated by the `connection_init` payload: `{"Authorization": "Bearer
//! <token>"}` (also `authorization`, or `token` with the bare token). A bad token or an ended
//! session closes it with 4403; no token leaves it anonymous, so operations that need a login
//! fail with UNAUTHENTICATED. From then on one watchdog per socket (not per subscription)
//! closes it with 4403 ("Forbidden") when the access token expires, or when its session has
//! ended (logout, a reused refresh token, the login disabled): checked in the database at once
//! on a revocation event, and through the cache every `SESSION_CHECK_SECONDS`.

use std::{
    str::FromStr,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use async_graphql::{
    Data,
    futures_util::{StreamExt, stream},
    http::{WebSocket, WebSocketProtocols, WsMessage},
};
use tokio::sync::{mpsc, oneshot};

use crate::{
    auth::Caller,
    error::AppError,
    events::{Event, EventBus, Subscriber},
    graphql::{
        ClientInfo, DermagaSchema,
        subscription_quota::{OpenSubscriptions, SocketQuota},
    },
    service::auth::sessions::{self, Authenticated},
    state::AppContext,
};

/// Pings the client this often; a client silent for `CLIENT_TIMEOUT` is gone.
const HEARTBEAT: Duration = Duration::from_secs(5);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// graphql-transport-ws's "Forbidden".
const FORBIDDEN: u16 = 4403;
/// graphql-transport-ws's "Too many requests".
const TOO_MANY: u16 = 4429;
const INTERNAL_ERROR: u16 = 1011;
const POLICY_VIOLATION: u16 = 1008;
/// Frames waiting for a slow client before its socket is closed.
const OUTGOING_LIMIT: usize = 1_024;
/// How long the last frames and the close frame may take to leave.
const FLUSH_FOR: Duration = Duration::from_secs(1);

/// What every socket of this process shares: the event bus and the open-subscription counts.
#[derive(Clone)]
pub struct SubscriptionHub {
    pub events: EventBus,
    pub open: Arc<OpenSubscriptions>,
}

/// Answers the upgrade and drives the socket on this worker thread.
pub fn serve(
    app: &AppContext,
    schema: &DermagaSchema,
    hub: &SubscriptionHub,
    http: &HttpRequest,
    payload: web::Payload,
    client: ClientInfo,
) -> HttpResponse {
    let Some(protocol) = requested_protocol(http) else {
        return HttpResponse::BadRequest()
            .body("Sec-WebSocket-Protocol must offer graphql-transport-ws or graphql-ws");
    };
    let protocols = [protocol.sec_websocket_protocol()];
    let (response, session, messages) =
        match actix_ws::handle_with_protocols(http, payload, &protocols) {
            Ok(handshake) => handshake,
            Err(error) => return HttpResponse::from_error(error),
        };
    let socket = Socket {
        app: app.clone(),
        schema: schema.clone(),
        hub: hub.clone(),
        protocol,
        client,
    };
    actix_web::rt::spawn(socket.run(session, messages.aggregate_continuations()));
    response
}

fn requested_protocol(http: &HttpRequest) -> Option<WebSocketProtocols> {
    http.headers()
        .get("sec-websocket-protocol")?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|offered| WebSocketProtocols::from_str(offered.trim()).ok())
}

struct Socket {
    app: AppContext,
    schema: DermagaSchema,
    hub: SubscriptionHub,
    protocol: WebSocketProtocols,
    client: ClientInfo,
}

/// Why `connection_init` was refused, for the close frame (async-graphql would say 1002).
type Refusal = Arc<Mutex<Option<(u16, String)>>>;

impl Socket {
    async fn run(self, session: Session, incoming: AggregatedMessageStream) {
        let (outgoing, mut writer) = spawn_writer(session.clone());
        let close = self.converse(incoming, &outgoing).await;
        // What was queued goes out before the close frame. A client that stopped reading gets
        // no close frame: dropping the writer and the session ends the connection.
        drop(outgoing);
        if tokio::time::timeout(FLUSH_FOR, &mut writer).await.is_err() {
            writer.abort();
            return;
        }
        let reason = close.map(|(code, description)| CloseReason {
            code: CloseCode::from(code),
            description: Some(description),
        });
        let _ = tokio::time::timeout(FLUSH_FOR, session.close(reason)).await;
    }

    /// Passes messages between the client and the protocol until one side ends, the session
    /// ends, or the client stops answering; returns the close frame to send.
    async fn converse(
        &self,
        mut incoming: AggregatedMessageStream,
        outgoing: &mpsc::Sender<Frame>,
    ) -> Option<(u16, String)> {
        let (to_graphql, from_client) = mpsc::channel::<Vec<u8>>(16);
        let (signed_in, mut sign_in) = oneshot::channel();
        let refusal = Refusal::default();
        let graphql = self.protocol(from_client, signed_in, Arc::clone(&refusal));
        let mut graphql = std::pin::pin!(graphql);
        let mut watchdog: std::pin::Pin<Box<dyn Future<Output = String>>> =
            Box::pin(std::future::pending());
        let mut awaiting_sign_in = true;
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        let mut last_heard = Instant::now();
        let send = |frame: Frame| outgoing.try_send(frame).map_err(|_| too_slow());
        loop {
            // The protocol is polled on every turn, so its subscriptions never stall (one
            // waiting with a database connection would hold it); the client's messages are
            // read only while the protocol has room for them.
            let result = tokio::select! {
                message = incoming.recv(), if to_graphql.capacity() > 0 => {
                    last_heard = Instant::now();
                    forward(message, &to_graphql, &send)
                }
                _ = to_graphql.reserve(), if to_graphql.capacity() == 0 => Ok(()),
                reply = graphql.next() => match reply {
                    Some(WsMessage::Text(text)) => send(Frame::Text(text)),
                    Some(WsMessage::Close(code, reason)) => {
                        let refused = refusal.lock().ok().and_then(|mut refused| refused.take());
                        Err(Some(refused.unwrap_or((code, reason))))
                    }
                    None => Err(None),
                },
                outcome = &mut sign_in, if awaiting_sign_in => {
                    awaiting_sign_in = false;
                    if let Ok(authenticated) = outcome {
                        watchdog = Box::pin(self.session_end(authenticated));
                    }
                    Ok(())
                }
                reason = &mut watchdog => Err(Some((FORBIDDEN, format!("Forbidden: {reason}")))),
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > CLIENT_TIMEOUT {
                        Err(None)
                    } else {
                        send(Frame::Ping)
                    }
                }
            };
            if let Err(close) = result {
                return close;
            }
        }
    }

    /// async-graphql's protocol over the client's messages, with the socket's data.
    fn protocol(
        &self,
        from_client: mpsc::Receiver<Vec<u8>>,
        signed_in: oneshot::Sender<Authenticated>,
        refusal: Refusal,
    ) -> impl futures_util::Stream<Item = WsMessage> + use<> {
        let from_client = stream::unfold(from_client, |mut receiver| async move {
            receiver.recv().await.map(|message| (message, receiver))
        });
        let mut base = Data::default();
        base.insert(self.client.clone());
        base.insert(self.hub.events.clone());
        WebSocket::new(self.schema.clone(), from_client, self.protocol)
            .connection_data(base)
            .on_connection_init(self.on_connection_init(signed_in, refusal))
    }

    /// Authenticates the socket from the `connection_init` payload and counts it against its
    /// user's sockets; hands the session to the watchdog.
    fn on_connection_init(
        &self,
        signed_in: oneshot::Sender<Authenticated>,
        refusal: Refusal,
    ) -> impl FnOnce(serde_json::Value) -> SignIn + Send + use<> {
        let app = self.app.clone();
        let open = Arc::clone(&self.hub.open);
        move |payload| {
            Box::pin(async move {
                let settings = app.settings.subscriptions;
                let mut data = Data::default();
                let Some(token) = init_token(&payload) else {
                    data.insert(Caller::Anonymous);
                    data.insert(SocketQuota::new(open, None, settings));
                    return Ok(data);
                };
                let refuse = |error: AppError| {
                    let code = match error.code() {
                        "UNAUTHENTICATED" => FORBIDDEN,
                        "SUBSCRIPTION_LIMIT" => TOO_MANY,
                        _ => INTERNAL_ERROR,
                    };
                    let error = async_graphql::Error::from(error);
                    if let Ok(mut refused) = refusal.lock() {
                        *refused = Some((code, error.message.clone()));
                    }
                    error
                };
                let authenticated = sessions::authenticate(
                    &app.db,
                    &app.cache,
                    &app.jwt,
                    &app.settings.sessions,
                    &token,
                )
                .await
                .map_err(&refuse)?;
                let user_id = authenticated.user.user_id;
                let socket = open.open_socket(user_id, &settings).map_err(&refuse)?;
                data.insert(socket);
                data.insert(SocketQuota::new(open, Some(user_id), settings));
                data.insert(Caller::User(authenticated.user.clone()));
                let _ = signed_in.send(authenticated);
                Ok(data)
            })
        }
    }

    /// Resolves, with the reason, once the socket's session must end.
    fn session_end(&self, authenticated: Authenticated) -> impl Future<Output = String> + 'static {
        let app = self.app.clone();
        let events = self.hub.events.subscribe();
        watch_session(app, authenticated, events)
    }
}

type SignIn = std::pin::Pin<Box<dyn Future<Output = async_graphql::Result<Data>> + Send>>;

/// What the writer sends to the client.
enum Frame {
    Text(String),
    Ping,
    Pong(actix_web::web::Bytes),
}

/// Writes to the client on its own task, so that a client slow to read never stops the
/// protocol; past `OUTGOING_LIMIT` unsent frames the socket is closed instead.
fn spawn_writer(mut session: Session) -> (mpsc::Sender<Frame>, tokio::task::JoinHandle<()>) {
    let (outgoing, mut frames) = mpsc::channel(OUTGOING_LIMIT);
    let writer = actix_web::rt::spawn(async move {
        while let Some(frame) = frames.recv().await {
            let sent = match frame {
                Frame::Text(text) => session.text(text).await,
                Frame::Ping => session.ping(b"").await,
                Frame::Pong(bytes) => session.pong(&bytes).await,
            };
            if sent.is_err() {
                return;
            }
        }
    });
    (outgoing, writer)
}

/// Hands a client's message to the protocol, or answers its ping; `Err` ends the socket.
fn forward(
    message: Option<Result<AggregatedMessage, actix_ws::ProtocolError>>,
    to_graphql: &mpsc::Sender<Vec<u8>>,
    send: &impl Fn(Frame) -> Result<(), Option<(u16, String)>>,
) -> Result<(), Option<(u16, String)>> {
    let data = match message {
        Some(Ok(AggregatedMessage::Text(text))) => text.into_bytes().to_vec(),
        Some(Ok(AggregatedMessage::Binary(bytes))) => bytes.to_vec(),
        Some(Ok(AggregatedMessage::Ping(bytes))) => return send(Frame::Pong(bytes)),
        Some(Ok(AggregatedMessage::Pong(_))) => return Ok(()),
        Some(Ok(AggregatedMessage::Close(_)) | Err(_)) | None => return Err(None),
    };
    to_graphql.try_send(data).map_err(|_| None)
}

fn too_slow() -> Option<(u16, String)> {
    Some((
        POLICY_VIOLATION,
        "the client does not read its messages".to_owned(),
    ))
}

async fn watch_session(
    app: AppContext,
    Authenticated { user, expires_at }: Authenticated,
    mut events: Subscriber,
) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let expiry = tokio::time::sleep(Duration::from_secs(expires_at).saturating_sub(now));
    let mut expiry = std::pin::pin!(expiry);
    let every = app.settings.sessions.check_interval;
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut listening = true;
    loop {
        let settings = &app.settings.sessions;
        let verdict = tokio::select! {
            _ = &mut expiry => return "the access token expired".to_owned(),
            event = events.next(), if listening => match event {
                Some(Event::SessionsRevoked { user_id }) if user_id == user.user_id => {
                    sessions::ensure_live_in_database(&app.db, &app.cache, settings, &user).await
                }
                Some(Event::Resync) => {
                    sessions::ensure_live_in_database(&app.db, &app.cache, settings, &user).await
                }
                Some(_) => continue,
                None => {
                    listening = false;
                    continue;
                }
            },
            _ = recheck.tick() => {
                sessions::ensure_live(&app.db, &app.cache, settings, &user).await
            }
        };
        match verdict {
            Ok(()) => {}
            Err(AppError::InvalidToken(reason)) => return reason.to_owned(),
            // The database is away: keep the socket, and ask again at the next tick.
            Err(error) => tracing::warn!(%error, "could not re-check a subscription's session"),
        }
    }
}

/// The access token of a `connection_init` payload, with or without its `Bearer ` scheme.
fn init_token(payload: &serde_json::Value) -> Option<String> {
    let value = ["Authorization", "authorization", "token"]
        .iter()
        .find_map(|key| payload.get(key)?.as_str())?
        .trim();
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => value,
    };
    (!token.is_empty()).then(|| token.to_owned())
}
