//! CDN purges by tag: each write's changed tags are queued in its own transaction and sent,
//! signed, to `CDN_PURGE_URL` by the worker; a refused or unreachable endpoint keeps them
//! queued, and a worker that crashed leaves them for the next one.

use std::time::{Duration, Instant};

use api::{domain::signature, worker::Worker};
use serde_json::json;

use crate::{
    cache_tags::{Listed, adjust_stock, create_listed},
    channels::{Answer, FAST_WORKER, Partner, Received},
    helpers::*,
};

const SECRET: &str = "purge-secret-of-at-least-thirty-two-characters";

async fn purging_app(endpoint: &Partner, worker: bool) -> TestApp {
    let mut vars: Vec<(&str, &str)> = FAST_WORKER.to_vec();
    vars.push(("CDN_PURGE_URL", &endpoint.url));
    vars.push(("CDN_PURGE_SECRET", SECRET));
    vars.push(("WORKER_ENABLED", if worker { "true" } else { "false" }));
    spawn_app_with(&vars).await
}

fn product_tag(listed: &Listed) -> String {
    format!("p:{}", crate::channels::db_id(&listed.id))
}

/// Waits until the endpoint accepted a purge naming `tag`; returns it.
async fn accepted_purge(endpoint: &Partner, tag: &str) -> Received {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let found = endpoint.received().into_iter().find(|purge| {
            purge.accepted()
                && purge.body["tags"]
                    .as_array()
                    .is_some_and(|tags| tags.iter().any(|t| t == tag))
        });
        if let Some(purge) = found {
            return purge;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no accepted purge of {tag}: {:?}", endpoint.received());
}

async fn queued(app: &TestApp) -> i64 {
    count(&app.db, "cdn_purges").await
}

#[tokio::test]
async fn a_write_is_purged_from_the_cdn_by_its_tags_in_a_signed_request() {
    let endpoint = Partner::start().await;
    let app = purging_app(&endpoint, true).await;
    let tenant = app.tenant("purges").await;
    let listed = create_listed(&app, &tenant, "kopi-teh", "PURGE-1").await;

    adjust_stock(&app, &tenant, &listed.variant, 2).await;
    let purge = accepted_purge(&endpoint, &product_tag(&listed)).await;

    let tags: Vec<&str> = purge.body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|tag| tag.as_str())
        .collect();
    assert!(tags.contains(&"*"), "{tags:?}");
    assert_eq!(purge.header("surrogate-key"), tags.join(" "));
    let signed = purge.header("x-dermaga-signature");
    let timestamp: i64 = signed
        .strip_prefix("t=")
        .and_then(|rest| rest.split(',').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{signed}"));
    assert_eq!(
        signed,
        signature::header(SECRET, timestamp, &purge.raw_body),
        "signed with CDN_PURGE_SECRET"
    );
    let started = Instant::now();
    while queued(&app).await > 0 && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(queued(&app).await, 0, "sent purges leave the outbox");
}

#[tokio::test]
async fn a_purge_the_cdn_refuses_stays_queued_and_is_sent_again() {
    let endpoint = Partner::start().await;
    endpoint.script(&[Answer::Status(503), Answer::Drop]);
    let app = purging_app(&endpoint, true).await;
    let tenant = app.tenant("purges-retry").await;
    let listed = create_listed(&app, &tenant, "kopi-teh", "PURGE-2").await;

    accepted_purge(&endpoint, &product_tag(&listed)).await;

    let answers: Vec<Option<u16>> = endpoint
        .received()
        .iter()
        .map(|purge| purge.answered)
        .collect();
    assert_eq!(answers[0], Some(503), "{answers:?}");
}

#[tokio::test]
async fn a_purge_queued_with_its_write_survives_a_worker_that_never_ran() {
    let endpoint = Partner::start().await;
    let app = purging_app(&endpoint, false).await;
    let tenant = app.tenant("purges-crash").await;
    let listed = create_listed(&app, &tenant, "kopi-teh", "PURGE-3").await;
    assert!(queued(&app).await > 0, "queued with the write");
    assert_eq!(endpoint.arrivals(), 0);

    let worker = Worker::new(app.db.clone(), app.settings.worker.clone())
        .expect("a worker")
        .spawn();
    accepted_purge(&endpoint, &product_tag(&listed)).await;
    worker.abort();
}

#[tokio::test]
async fn a_refused_write_and_a_deployment_without_a_cdn_queue_no_purge() {
    let endpoint = Partner::start().await;
    let app = purging_app(&endpoint, false).await;
    let tenant = app.tenant("purges-none").await;
    let listed = create_listed(&app, &tenant, "kopi-teh", "PURGE-4").await;
    let before = queued(&app).await;
    let refused = app
        .graphql(
            "mutation($input: AdjustVariantStockInput!) { adjustVariantStock(input: $input) {
                variant { id } userErrors { code } } }",
            json!({ "input": { "variantId": listed.variant, "delta": -1000 } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        user_error_codes(&refused["data"]["adjustVariantStock"]),
        ["INSUFFICIENT_STOCK"]
    );
    assert_eq!(queued(&app).await, before);

    let plain = spawn_app().await;
    let tenant = plain.tenant("no-cdn").await;
    create_listed(&plain, &tenant, "kopi-teh", "PURGE-5").await;
    assert_eq!(queued(&plain).await, 0);
}
