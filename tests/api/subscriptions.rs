//! Subscriptions follow their session (4403 when it ends), are capped, and wait for events
//! pushed from commits instead of polling the database.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{
    catalogue::metric,
    channels::{FAST_WORKER, Partner, enable_channel, product, publish_on, register_channel},
    helpers::*,
    ws::{Incoming, WsClient, error_code},
};

const LISTINGS: &str = "subscription { listingStatusChanged { id status } }";

/// A signed-in socket of `session` with one `listingStatusChanged` subscription, "1".
async fn listening(app: &TestApp, session: &Session) -> WsClient {
    let mut socket = WsClient::signed_in(app, &session.access_token).await;
    socket.subscribe("1", LISTINGS, json!({})).await;
    socket
}

/// A tenant whose aggregator enabled a channel, with one product ready to publish.
async fn publishable(app: &TestApp, partner: &Partner, slug: &str) -> (Tenant, String, String) {
    let tenant = app.tenant(slug).await;
    let (channel, _) = register_channel(app, slug, &partner.url, json!({})).await;
    enable_channel(app, &tenant, &channel, json!({})).await;
    let product = product(app, &tenant, "Keripik Tempe").await;
    (tenant, channel, product)
}

fn with_fast_worker(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut vars = FAST_WORKER.to_vec();
    vars.extend_from_slice(extra);
    vars
}

#[tokio::test]
async fn a_socket_closes_with_4403_soon_after_its_session_logs_out() {
    let app = spawn_app().await;
    let tenant = app.tenant("ws-logout").await;
    let mut socket = listening(&app, &tenant.staff).await;

    app.logout(&tenant.staff).await;

    // Sooner than SESSION_CHECK_SECONDS (5): the revocation event closes it.
    let (code, reason) = socket.close_frame(Duration::from_secs(3)).await;
    assert_eq!(code, 4403, "{reason}");
}

#[tokio::test]
async fn a_socket_closes_with_4403_after_a_logout_on_another_replica() {
    let app = spawn_app().await;
    let replica = app.spawn_replica().await;
    let tenant = app.tenant("ws-replica-logout").await;
    let mut socket = listening(&app, &tenant.staff).await;

    replica.logout(&tenant.staff).await;

    let (code, reason) = socket.close_frame(Duration::from_secs(3)).await;
    assert_eq!(code, 4403, "{reason}");
}

#[tokio::test]
async fn a_socket_closes_with_4403_when_its_login_is_disabled() {
    let app = spawn_app().await;
    let tenant = app.tenant("ws-disabled").await;
    let mut socket = listening(&app, &tenant.staff).await;

    app.disable_user(&tenant.admin, &tenant.staff_user_id).await;

    let (code, reason) = socket.close_frame(Duration::from_secs(3)).await;
    assert_eq!(code, 4403, "{reason}");
}

#[tokio::test]
async fn a_socket_closes_with_4403_when_its_access_token_expires() {
    let app = spawn_app_with(&[("ACCESS_TOKEN_TTL_SECONDS", "2")]).await;
    let admin = app.admin().await;
    let mut socket = listening(&app, &admin).await;

    let (code, reason) = socket.close_frame(Duration::from_secs(5)).await;

    assert_eq!(code, 4403, "{reason}");
    assert!(reason.contains("expired"), "{reason}");
}

#[tokio::test]
async fn a_token_of_an_ended_session_cannot_open_a_socket() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.logout(&admin).await;

    let (_, answer) = WsClient::sign_in(&app, &admin.access_token).await;

    match answer {
        Incoming::Closed { code, .. } => assert_eq!(code, 4403),
        other => panic!("expected the socket to close, got {other:?}"),
    }
}

/// Subscribes and gives the server a moment to start it: subscriptions sent together start in
/// no particular order.
async fn subscribe_in_turn(socket: &mut WsClient, id: &str) {
    socket.subscribe(id, LISTINGS, json!({})).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn subscriptions_past_the_per_socket_cap_are_refused_until_one_completes() {
    let app = spawn_app_with(&[("SUBSCRIPTIONS_PER_SOCKET", "2")]).await;
    let admin = app.admin().await;
    let mut socket = WsClient::signed_in(&app, &admin.access_token).await;
    for id in ["1", "2", "3"] {
        subscribe_in_turn(&mut socket, id).await;
    }
    let refused = socket.answer_to("3", Duration::from_secs(5)).await;
    assert_eq!(
        error_code(&refused),
        Some("SUBSCRIPTION_LIMIT"),
        "{refused}"
    );

    socket.complete("1").await;
    subscribe_in_turn(&mut socket, "4").await;
    subscribe_in_turn(&mut socket, "5").await;

    // "4" took the place "1" gave back, so "5" is the one refused.
    let refused = socket.any_answer(Duration::from_secs(5)).await;
    assert_eq!(refused["id"], "5", "{refused}");
    assert_eq!(
        error_code(&refused),
        Some("SUBSCRIPTION_LIMIT"),
        "{refused}"
    );
}

#[tokio::test]
async fn subscriptions_past_the_per_user_cap_are_refused_across_sockets() {
    let app = spawn_app_with(&[("SUBSCRIPTIONS_PER_USER", "2")]).await;
    let admin = app.admin().await;
    let mut phone = WsClient::signed_in(&app, &admin.access_token).await;
    let mut laptop = WsClient::signed_in(&app, &admin.access_token).await;
    phone.subscribe("1", LISTINGS, json!({})).await;
    phone.subscribe("2", LISTINGS, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    laptop.subscribe("1", LISTINGS, json!({})).await;

    let refused = laptop.answer_to("1", Duration::from_secs(5)).await;
    assert_eq!(
        error_code(&refused),
        Some("SUBSCRIPTION_LIMIT"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_socket_past_the_per_user_cap_is_closed_with_4429() {
    let app = spawn_app_with(&[("SUBSCRIPTION_SOCKETS_PER_USER", "1")]).await;
    let admin = app.admin().await;
    let _first = WsClient::signed_in(&app, &admin.access_token).await;

    let (_, answer) = WsClient::sign_in(&app, &admin.access_token).await;

    match answer {
        Incoming::Closed { code, reason } => {
            assert_eq!(code, 4429, "{reason}");
            assert!(reason.contains("sockets per user"), "{reason}");
        }
        other => panic!("expected the second socket to close, got {other:?}"),
    }
}

/// Five sockets of one user, a hundred `listingStatusChanged` each.
async fn five_hundred_subscriptions(app: &TestApp, session: &Session) -> Vec<WsClient> {
    let mut sockets = Vec::new();
    for _ in 0..5 {
        let mut socket = WsClient::signed_in(app, &session.access_token).await;
        for id in 0..100 {
            socket.subscribe(&id.to_string(), LISTINGS, json!({})).await;
        }
        sockets.push(socket);
    }
    sockets
}

#[tokio::test]
async fn five_hundred_idle_subscriptions_cost_about_no_database_statements() {
    let partner = Partner::start().await;
    let app = spawn_app_with(&with_fast_worker(&[
        ("SUBSCRIPTIONS_PER_SOCKET", "100"),
        ("SUBSCRIPTIONS_PER_USER", "500"),
        ("SUBSCRIPTION_SOCKETS_PER_USER", "5"),
    ]))
    .await;
    let (tenant, channel, product) = publishable(&app, &partner, "idle").await;
    let mut sockets = five_hundred_subscriptions(&app, &tenant.staff).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let before = metric(&app, "dermaga_db_statements_total").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = metric(&app, "dermaga_db_statements_total").await;

    // Polling every 250 ms each, they ran 4,000 statements in these two seconds. What is left
    // is SQLite's one shared poller (about 8) and, at most, one session check per socket.
    assert!(after - before < 20.0, "{} statements", after - before);
    // They were all listening: one change reaches each of them.
    publish_on(&app, &tenant, &product, &channel).await;
    for socket in &mut sockets {
        let mut heard = 0;
        while heard < 100 {
            match socket.next(Duration::from_secs(10)).await {
                Incoming::Message(message) if message["type"] == "next" => {
                    assert_eq!(
                        message["payload"]["data"]["listingStatusChanged"]["status"],
                        "PENDING"
                    );
                    heard += 1;
                }
                Incoming::Message(_) => {}
                other => panic!("after {heard} updates: {other:?}"),
            }
        }
    }
}

/// The first `listingStatusChanged` update on `socket`.
async fn first_update(socket: &mut WsClient, within: Duration) -> Value {
    let message = socket.answer_to("1", within).await;
    assert_eq!(message["type"], "next", "{message}");
    message["payload"]["data"]["listingStatusChanged"].clone()
}

#[tokio::test]
async fn a_change_on_another_replica_reaches_a_subscriber_within_a_second() {
    let partner = Partner::start().await;
    let app = spawn_app_with(FAST_WORKER).await;
    let replica = app.spawn_replica().await;
    let (tenant, channel, product) = publishable(&app, &partner, "prompt").await;
    let mut socket = listening(&app, &tenant.staff).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let listing = publish_on(&replica, &tenant, &product, &channel).await;
    let published = Instant::now();
    let update = first_update(&mut socket, Duration::from_secs(1)).await;

    assert_eq!(update["id"], listing.as_str());
    assert_eq!(update["status"], "PENDING");
    assert!(published.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_subscriber_hears_of_changes_after_the_listener_lost_its_connection() {
    let partner = Partner::start().await;
    let app = spawn_app_with(FAST_WORKER).await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // SQLite has no listener connection to lose (its poller reads the table).
        return;
    }
    let (tenant, channel, product) = publishable(&app, &partner, "relisten").await;
    let mut socket = listening(&app, &tenant.staff).await;

    use sea_orm::{ConnectionTrait, Statement};
    let cut = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        cut.try_get::<i64>("", "n").unwrap(),
        1,
        "one listener per process"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let listing = publish_on(&app, &tenant, &product, &channel).await;

    let update = first_update(&mut socket, Duration::from_secs(5)).await;
    assert_eq!(update["id"], listing.as_str());
}
