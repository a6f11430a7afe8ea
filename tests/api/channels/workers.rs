//! Workers as separate processes would run them: several at once, stopped mid-delivery,
//! and reconciliation.

use std::collections::HashSet;

use api::{seed::SeedPlan, worker::Worker};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::json;

use super::*;

fn is_postgres(app: &TestApp) -> bool {
    app.db.get_database_backend() == sea_orm::DbBackend::Postgres
}

#[tokio::test]
async fn two_workers_at_once_deliver_every_job_exactly_once() {
    let partner = Partner::start().await;
    let app = quiet_app().await;
    // 1,000 listings on PostgreSQL; SQLite (one writer) gets 300 to keep the suite quick.
    let products = if is_postgres(&app) { 1_000 } else { 300 };
    api::seed::run(
        &app.db,
        SeedPlan {
            aggregators: 1,
            sellers: 20,
            products,
        },
    )
    .await
    .unwrap();
    let (channel, _) = register_channel(&app, "bulk", &partner.url, json!({})).await;
    let backend = app.db.get_database_backend();
    app.db
        .execute_unprepared("DELETE FROM channel_listings")
        .await
        .unwrap();
    app.db
        .execute_raw(Statement::from_string(
            backend,
            format!(
                "INSERT INTO channel_listings (aggregator_id, product_id, channel_id, status, attempts, created_at, updated_at) \
                 SELECT aggregator_id, id, {}, 'PENDING', 0, created_at, updated_at FROM products WHERE status = 'ACTIVE'",
                db_id(&channel)
            ),
        ))
        .await
        .unwrap();
    let listings = entity::channel_listings::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let total = listings.len();
    assert!(total >= products / 2, "{total} listings");
    let txn = sea_orm::TransactionTrait::begin(&app.db).await.unwrap();
    api::service::listings::outbox::enqueue(&txn, listings)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        count_status(&app, "outbox_jobs", "PENDING").await as usize,
        total
    );

    // A lease no slow test machine outlives: this test is about claiming, not crashes.
    let mut settings = app.settings.worker.clone();
    settings.lease = Duration::from_secs(60);
    settings.delivery_timeout = Duration::from_secs(10);
    let first = Worker::new(app.db.clone(), settings.clone())
        .unwrap()
        .spawn();
    let second = Worker::new(app.db.clone(), settings).unwrap().spawn();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while count_status(&app, "outbox_jobs", "DONE").await < total as i64 {
        assert!(tokio::time::Instant::now() < deadline, "not all delivered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.abort();
    second.abort();

    let received = partner.received();
    let keys: HashSet<&str> = received
        .iter()
        .map(|r| r.header("idempotency-key"))
        .collect();
    assert_eq!(received.len(), total, "every job exactly once");
    assert_eq!(keys.len(), total, "no duplicate idempotency keys");
    assert_eq!(
        count_status(&app, "channel_listings", "LIVE").await as usize,
        total
    );
}

#[tokio::test]
async fn a_worker_stopped_mid_delivery_loses_nothing() {
    let partner = Partner::start().await;
    partner.script(&[Answer::Hang]);
    let app = quiet_app().await;
    let tenant = app.tenant("crash").await;
    let (channel, _) = register_channel(&app, "crash", &partner.url, json!({})).await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    let product = product(&app, &tenant, "Keripik").await;
    let listing_id = publish_on(&app, &tenant, &product, &channel).await;

    let crashed = Worker::new(app.db.clone(), app.settings.worker.clone())
        .unwrap()
        .spawn();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while partner.received().is_empty() {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    crashed.abort();
    assert_eq!(count_status(&app, "outbox_jobs", "IN_FLIGHT").await, 1);

    let restarted = Worker::new(app.db.clone(), app.settings.worker.clone())
        .unwrap()
        .spawn();
    let live = wait_until_status(&app, &tenant.staff, &listing_id, "LIVE").await;
    restarted.abort();

    assert_eq!(live["attempts"], 2, "{live}");
    let received = partner.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].header("idempotency-key"),
        received[1].header("idempotency-key"),
        "the redelivery is recognisably the same"
    );
}

#[tokio::test]
async fn reconciliation_queues_listings_behind_their_product() {
    let app = quiet_app().await;
    let tenant = app.tenant("reconcile").await;
    let (channel, _) = register_channel(
        &app,
        "reconcile",
        "https://partner.example.com/h",
        json!({}),
    )
    .await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    let product = product(&app, &tenant, "Keripik").await;
    publish_on(&app, &tenant, &product, &channel).await;
    // The answer was lost: the job is done, but the listing never recorded the version.
    app.db
        .execute_unprepared("UPDATE outbox_jobs SET status = 'DONE'")
        .await
        .unwrap();
    app.db
        .execute_unprepared("UPDATE channel_listings SET status = 'LIVE', delivered_version = 0")
        .await
        .unwrap();

    assert_eq!(api::worker::reconcile(&app.db).await.unwrap(), 1);
    assert_eq!(count_status(&app, "outbox_jobs", "PENDING").await, 1);
    // Nothing more to do while that job waits.
    assert_eq!(api::worker::reconcile(&app.db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_webhook_host_that_resolves_to_a_private_address_is_not_contacted() {
    let partner = Partner::start().await;
    let app = quiet_app().await;
    let tenant = app.tenant("rebind").await;
    // Registered while private hosts were allowed; "localhost" resolves to loopback.
    let url = partner.url.replace("127.0.0.1", "localhost");
    let (channel, _) = register_channel(&app, "rebind", &url, json!({})).await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    let product = product(&app, &tenant, "Keripik").await;
    let listing_id = publish_on(&app, &tenant, &product, &channel).await;

    let mut settings = app.settings.worker.clone();
    settings.allow_private_addresses = false;
    let worker = Worker::new(app.db.clone(), settings).unwrap().spawn();
    let listing = wait_for_listing(&app, &tenant.staff, &listing_id, 10, |l| {
        l["lastError"].as_str().is_some()
    })
    .await;
    worker.abort();

    assert!(partner.received().is_empty());
    assert!(
        listing["lastError"]
            .as_str()
            .unwrap()
            .contains("cannot connect"),
        "{listing}"
    );
}

#[tokio::test]
async fn a_database_restart_mid_delivery_loses_nothing() {
    let partner = Partner::start().await;
    partner.script(&[Answer::SlowAccept(Duration::from_millis(500))]);
    let app = delivering_app(&[]).await;
    if !is_postgres(&app) {
        // SQLite is a file in the process: there is no server connection to cut.
        return;
    }
    let tenant = app.tenant("restart").await;
    let (channel, _) = register_channel(&app, "restart", &partner.url, json!({})).await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    let product = product(&app, &tenant, "Keripik").await;
    let listing_id = publish_on(&app, &tenant, &product, &channel).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while partner.received().is_empty() {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Every server connection is cut while the partner is still answering.
    app.db
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();

    let live = wait_until_status(&app, &tenant.staff, &listing_id, "LIVE").await;
    assert!(live["deliveredVersion"].is_number(), "{live}");
    let keys: HashSet<String> = partner
        .received()
        .iter()
        .map(|r| r.header("idempotency-key").to_owned())
        .collect();
    assert_eq!(keys.len(), 1, "any redelivery is the same delivery");
}
