//! Stopping cleanly: on SIGTERM or SIGINT the server and `dermaga worker` (the real binary)
//! stop claiming, let the deliveries in flight finish within `SHUTDOWN_GRACE_SECONDS`, hand
//! back what they cannot finish so another worker takes it at once, say so in one log line,
//! and exit 0.

use std::{
    process::ExitStatus,
    time::{Duration, Instant},
};

use api::worker::Worker;
use entity::enums::OutboxStatus;
use sea_orm::{ConnectionTrait, Statement};

use crate::{
    binary::Dermaga,
    channels::{
        Answer, FAST_WORKER, Partner, count_status, db_id, enabled_product, product, publish_on,
        quiet_app, wait_until_status,
    },
    helpers::TestApp,
};

/// `dermaga <args>` with the fast worker settings, a worker of its own and `extra`.
fn start(app: &TestApp, args: &[&str], extra: &[(&str, &str)]) -> Dermaga {
    let mut settings: Vec<(&str, &str)> = FAST_WORKER.to_vec();
    settings.extend_from_slice(&[
        ("WORKER_ENABLED", "true"),
        // Partners here answer within the grace period, or hang far longer.
        ("WORKER_DELIVERY_TIMEOUT_SECONDS", "20"),
        ("WORKER_LEASE_SECONDS", "60"),
    ]);
    settings.extend_from_slice(extra);
    Dermaga::start(app, args, &settings)
}

/// Waits until the partner has `count` requests in hand (at most 30 s: the binary starts).
async fn wait_for_arrivals(partner: &Partner, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while partner.arrivals() < count {
        assert!(Instant::now() < deadline, "the partner got no delivery");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// Outbox jobs still leased to someone.
async fn leased_jobs(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) AS n FROM outbox_jobs WHERE locked_until IS NOT NULL",
    )
    .await
}

/// Successful deliveries in the delivery log.
async fn recorded_deliveries(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) AS n FROM listing_deliveries WHERE outcome = 'DELIVERED'",
    )
    .await
}

async fn job_of(app: &TestApp, listing_id: &str) -> entity::outbox_jobs::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::outbox_jobs::Entity::find()
        .filter(entity::outbox_jobs::Column::ListingId.eq(db_id(listing_id)))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the listing has a job")
}

fn assert_clean_exit(status: ExitStatus, output: &str, line: &str) {
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(output.contains(line), "no '{line}' in: {output}");
}

#[tokio::test]
async fn on_sigterm_the_server_finishes_its_delivery_in_flight_and_exits_0() {
    let partner = Partner::start().await;
    partner.otherwise(Answer::SlowAccept(Duration::from_secs(2)));
    let app = quiet_app().await;
    let (tenant, channel, product, _) = enabled_product(&app, "stop-server", &partner.url).await;
    let listing = publish_on(&app, &tenant, &product, &channel).await;
    let mut server = start(&app, &[], &[("SHUTDOWN_GRACE_SECONDS", "10")]);
    wait_for_arrivals(&partner, 1).await;

    server.signal(libc::SIGTERM);
    let (status, output, _) = server.stopped().await;

    assert_clean_exit(
        status,
        &output,
        "outbox worker stopped: finished 1, released 0",
    );
    assert!(output.contains("dermaga stopped"), "{output}");
    assert_eq!(job_of(&app, &listing).await.status, OutboxStatus::Done);
    assert_eq!(recorded_deliveries(&app).await, 1);
    assert_eq!(leased_jobs(&app).await, 0);
    assert_eq!(
        partner.received().len(),
        1,
        "the partner's answer was heard"
    );
}

#[tokio::test]
async fn on_sigterm_the_worker_finishes_the_delivery_in_flight_and_releases_the_one_waiting() {
    let partner = Partner::start().await;
    partner.otherwise(Answer::SlowAccept(Duration::from_secs(2)));
    let app = quiet_app().await;
    let (tenant, channel, first, _) = enabled_product(&app, "stop-worker", &partner.url).await;
    let second = product(&app, &tenant, "Keripik Singkong").await;
    let one = publish_on(&app, &tenant, &first, &channel).await;
    let other = publish_on(&app, &tenant, &second, &channel).await;
    // One delivery per channel at a time: both jobs are claimed, one waits its turn.
    let mut worker = start(
        &app,
        &["worker"],
        &[
            ("WORKER_CHANNEL_CONCURRENCY", "1"),
            ("SHUTDOWN_GRACE_SECONDS", "10"),
        ],
    );
    wait_for_arrivals(&partner, 1).await;
    assert_eq!(count_status(&app, "outbox_jobs", "IN_FLIGHT").await, 2);

    worker.signal(libc::SIGTERM);
    let (status, output, _) = worker.stopped().await;

    assert_clean_exit(
        status,
        &output,
        "outbox worker stopped: finished 1, released 1",
    );
    // Either job may have had the channel's turn first.
    let (mut done, mut released) = (job_of(&app, &one).await, job_of(&app, &other).await);
    if done.status != OutboxStatus::Done {
        std::mem::swap(&mut done, &mut released);
    }
    assert_eq!(done.status, OutboxStatus::Done);
    assert_eq!(released.status, OutboxStatus::Pending);
    assert_eq!(released.attempts, 0, "an attempt never sent is not counted");
    assert_eq!(leased_jobs(&app).await, 0);
    assert_eq!(partner.arrivals(), 1);
}

#[tokio::test]
async fn a_delivery_the_grace_period_cannot_wait_for_is_released_for_another_worker_at_once() {
    let partner = Partner::start().await;
    partner.script(&[Answer::Hang]);
    let app = quiet_app().await;
    let (tenant, channel, product, _) = enabled_product(&app, "stop-hang", &partner.url).await;
    let listing = publish_on(&app, &tenant, &product, &channel).await;
    let mut server = start(&app, &[], &[("SHUTDOWN_GRACE_SECONDS", "1")]);
    wait_for_arrivals(&partner, 1).await;

    server.signal(libc::SIGTERM);
    let (status, output, took) = server.stopped().await;

    assert_clean_exit(
        status,
        &output,
        "outbox worker stopped: finished 0, released 1",
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let released = job_of(&app, &listing).await;
    assert_eq!(released.status, OutboxStatus::Pending);
    assert_eq!(released.locked_until, None);
    // Another worker takes it now, not when a 60 s lease would have run out.
    let mut settings = app.settings.worker.clone();
    settings.lease = Duration::from_secs(60);
    settings.delivery_timeout = Duration::from_secs(10);
    let successor = Worker::new(app.db.clone(), settings).unwrap().spawn();
    let live = wait_until_status(&app, &tenant.staff, &listing, "LIVE").await;
    successor.abort();
    assert_eq!(live["attempts"], 2, "{live}");
    assert_eq!(partner.received().len(), 2);
}

#[tokio::test]
async fn on_sigint_the_worker_stops_the_same_way() {
    let partner = Partner::start().await;
    partner.otherwise(Answer::SlowAccept(Duration::from_secs(1)));
    let app = quiet_app().await;
    let (tenant, channel, product, _) = enabled_product(&app, "stop-int", &partner.url).await;
    let listing = publish_on(&app, &tenant, &product, &channel).await;
    let mut worker = start(&app, &["worker"], &[("SHUTDOWN_GRACE_SECONDS", "10")]);
    wait_for_arrivals(&partner, 1).await;

    worker.signal(libc::SIGINT);
    let (status, output, _) = worker.stopped().await;

    assert_clean_exit(
        status,
        &output,
        "outbox worker stopped: finished 1, released 0",
    );
    assert_eq!(job_of(&app, &listing).await.status, OutboxStatus::Done);
    assert_eq!(leased_jobs(&app).await, 0);
}
