//! `/readyz` answers within two seconds whatever its database or cache does, and names the one
//! that did not answer in time.

use std::time::{Duration, Instant};

use sea_orm::{Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
};

use crate::{
    cache_redis::LocalRedis,
    helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app_routed, spawn_app_with},
};

/// A TCP proxy to PostgreSQL that can be frozen: while frozen it passes nothing on, in either
/// direction, and keeps every connection open, as a hung database server or network would.
struct FreezableProxy {
    port: u16,
    frozen: watch::Sender<bool>,
}

impl FreezableProxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (frozen, watching) = watch::channel(false);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pass_on(client_read, server_write, watching.clone()));
                tokio::spawn(pass_on(server_read, client_write, watching.clone()));
            }
        });
        Self { port, frozen }
    }

    fn freeze(&self) {
        self.frozen.send_replace(true);
    }
}

async fn pass_on(
    mut from: impl AsyncReadExt + Unpin,
    mut to: impl AsyncWriteExt + Unpin,
    mut frozen: watch::Receiver<bool>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 || frozen.wait_for(|frozen| !frozen).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// What keeps an SQLite database hung until dropped: a write lock held on a connection of
/// the test's own.
struct HeldLock {
    _transaction: sea_orm::DatabaseTransaction,
    _connection: DatabaseConnection,
}

/// A server whose database can be hung (see [`hang_database`]); on PostgreSQL it reaches its
/// database through a [`FreezableProxy`].
async fn app_with_a_database_that_can_hang() -> (TestApp, Option<FreezableProxy>) {
    let server_url = std::env::var("DATABASE_URL").unwrap_or_default();
    if !server_url.starts_with("postgres") {
        // One pooled connection, so a statement stuck on a lock holds the whole pool.
        return (
            spawn_app_with(&[("DATABASE_MAX_CONNECTIONS", "1")]).await,
            None,
        );
    }
    let server = url::Url::parse(&server_url).unwrap();
    let upstream = format!(
        "{}:{}",
        server.host_str().unwrap(),
        server.port().unwrap_or(5432)
    );
    let proxy = FreezableProxy::start(upstream).await;
    let app = spawn_app_routed(&[], |url| {
        let mut routed = url::Url::parse(url).unwrap();
        routed.set_host(Some("127.0.0.1")).unwrap();
        routed.set_port(Some(proxy.port)).unwrap();
        routed.to_string()
    })
    .await;
    (app, Some(proxy))
}

/// Hangs the database as the server sees it: PostgreSQL through a frozen proxy; SQLite, whose
/// ping never touches the file, by a lock held elsewhere that a write of the server waits on
/// while it holds the server's only pooled connection.
async fn hang_database(app: &TestApp, proxy: Option<&FreezableProxy>) -> Option<HeldLock> {
    if let Some(proxy) = proxy {
        proxy.freeze();
        return None;
    }
    let other = Database::connect(app.database_url()).await.unwrap();
    // SQLite's BEGIN IMMEDIATE takes the one write lock.
    let lock = api::db::begin_write(&other).await.unwrap();
    // A login writes its refresh token: it waits for the lock on the server's one connection.
    let waiting = app.clone_client();
    tokio::spawn(async move {
        waiting.login_raw(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    Some(HeldLock {
        _transaction: lock,
        _connection: other,
    })
}

async fn readyz(app: &TestApp) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = app
        .client
        .get(format!("{}/readyz", app.address))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("readyz answers within 10 s");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(json!(null));
    (status, body, started.elapsed())
}

#[tokio::test]
async fn readyz_answers_within_two_seconds_while_the_database_hangs() {
    let (app, proxy) = app_with_a_database_that_can_hang().await;
    assert_eq!(readyz(&app).await.0, 200);

    let _hang = hang_database(&app, proxy.as_ref()).await;
    let (status, body, took) = readyz(&app).await;

    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["database"], "timeout", "{body}");
    assert_eq!(body["status"], "unavailable", "{body}");
}

#[tokio::test]
async fn readyz_answers_within_two_seconds_while_redis_hangs() {
    let Some(redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let app = spawn_app_with(&[("REDIS_URL", &redis.url())]).await;
    assert_eq!(readyz(&app).await.0, 200);

    redis.pause(Duration::from_secs(6));
    let (status, body, took) = readyz(&app).await;

    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["cache"], "timeout", "{body}");
    assert_eq!(body["database"], "ok", "{body}");
}
