//! Webhook delivery by the in-server worker against a real partner server.

use std::{collections::HashMap, time::Instant};

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::*;
use crate::catalogue::retitle;

/// A tenant whose product is published on a channel pointing at `partner`.
async fn published(
    app: &TestApp,
    partner: &Partner,
    slug: &str,
) -> (Tenant, String, String, String) {
    let (tenant, channel, product, secret) = enabled_product(app, slug, &partner.url).await;
    let listing = publish_on(app, &tenant, &product, &channel).await;
    (tenant, product, listing, secret)
}

/// [`published`], then waits until the listing is LIVE.
async fn live(app: &TestApp, partner: &Partner, slug: &str) -> (Tenant, String, String, String) {
    let published = published(app, partner, slug).await;
    wait_until_status(app, &published.0.staff, &published.2, "LIVE").await;
    published
}

async fn deliveries(app: &TestApp, session: &Session, listing: &str) -> Vec<Value> {
    let body = app
        .graphql(
            "query($id: ID!) { listingDeliveries(listingId: $id, first: 50) { totalCount
                edges { node { attemptedAt productVersion attempt httpStatus durationMs outcome error } } } }",
            json!({ "id": listing }),
            session.token(),
        )
        .await;
    body["data"]["listingDeliveries"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

#[tokio::test]
async fn a_partner_that_fails_three_times_then_recovers_ends_live_with_one_delivery_per_version() {
    let partner = Partner::start().await;
    partner.script(&[
        Answer::Status(500),
        Answer::Status(500),
        Answer::Status(500),
    ]);
    let app = delivering_app(&[]).await;
    let (tenant, _, listing_id, _) = published(&app, &partner, "recovers").await;

    let live = wait_until_status(&app, &tenant.staff, &listing_id, "LIVE").await;

    assert_eq!(live["attempts"], 4, "{live}");
    assert_eq!(live["externalId"], format!("EXT-{}", db_id(&listing_id)));
    assert!(live["lastError"].is_null());
    assert!(live["deliveredAt"].is_string());
    let received = partner.received();
    assert_eq!(received.len(), 4);
    let mut accepted: HashMap<i64, usize> = HashMap::new();
    for delivery in received.iter().filter(|r| r.accepted()) {
        *accepted.entry(delivery.version()).or_default() += 1;
    }
    assert_eq!(accepted.len(), 1);
    assert!(accepted.values().all(|n| *n == 1), "{accepted:?}");
    assert_eq!(
        live["deliveredVersion"].as_i64(),
        accepted.keys().next().copied()
    );
    let keys: Vec<&str> = received
        .iter()
        .map(|r| r.header("idempotency-key"))
        .collect();
    assert!(
        keys.iter().all(|key| *key == keys[0] && !key.is_empty()),
        "{keys:?}"
    );
    let log = deliveries(&app, &tenant.staff, &listing_id).await;
    let outcomes: Vec<&str> = log
        .iter()
        .rev()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["RETRY", "RETRY", "RETRY", "DELIVERED"]);
    assert_eq!(log[3]["httpStatus"], 500);
    assert!(log[3]["error"].as_str().unwrap().contains("HTTP 500"));
}

#[tokio::test]
async fn a_client_error_is_rejected_without_retry_until_retry_listing() {
    let partner = Partner::start().await;
    partner.script(&[Answer::Status(400)]);
    let app = delivering_app(&[]).await;
    let (tenant, _, listing_id, _) = published(&app, &partner, "rejects").await;

    let rejected = wait_until_status(&app, &tenant.staff, &listing_id, "REJECTED").await;
    assert!(
        rejected["lastError"].as_str().unwrap().contains("HTTP 400"),
        "{rejected}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(partner.received().len(), 1, "a 400 is not retried");

    let body = app
        .graphql(
            "mutation($input: RetryListingInput!) { retryListing(input: $input) {
                listing { status } userErrors { code } } }",
            json!({ "input": { "listingId": listing_id } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        body["data"]["retryListing"]["listing"]["status"], "PENDING",
        "{body}"
    );
    wait_until_status(&app, &tenant.staff, &listing_id, "LIVE").await;
    assert_eq!(partner.received().len(), 2);
}

#[tokio::test]
async fn retry_listing_refuses_a_listing_that_is_not_failed() {
    let partner = Partner::start().await;
    let app = delivering_app(&[]).await;
    let (tenant, _, listing_id, _) = live(&app, &partner, "notfailed").await;
    let body = app
        .graphql(
            "mutation($input: RetryListingInput!) { retryListing(input: $input) {
                listing { status } userErrors { code } } }",
            json!({ "input": { "listingId": listing_id } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["retryListing"]),
        ["INVALID"],
        "{body}"
    );
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let partner = Partner::start().await;
    partner.script(&[Answer::TooManyRequests { retry_after: 1 }]);
    let app = delivering_app(&[]).await;
    let started = Instant::now();
    let (tenant, _, listing_id, _) = published(&app, &partner, "throttled").await;

    wait_until_status(&app, &tenant.staff, &listing_id, "LIVE").await;

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let statuses: Vec<Option<u16>> = partner.received().iter().map(|r| r.answered).collect();
    assert_eq!(statuses, [Some(429), Some(200)]);
}

#[tokio::test]
async fn a_hang_a_dropped_connection_and_a_huge_answer_are_survived() {
    let partner = Partner::start().await;
    partner.script(&[Answer::Hang, Answer::Drop, Answer::Huge(50 * 1024 * 1024)]);
    let app = delivering_app(&[]).await;
    let (tenant, _, listing_id, _) = published(&app, &partner, "faults").await;

    let live = wait_until_status(&app, &tenant.staff, &listing_id, "LIVE").await;

    assert_eq!(live["attempts"], 3, "{live}");
    assert!(
        live["externalId"].is_null(),
        "garbage carries no id: {live}"
    );
    let log = deliveries(&app, &tenant.staff, &listing_id).await;
    let errors: Vec<String> = log
        .iter()
        .rev()
        .map(|d| d["error"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(errors[0].contains("in time"), "{errors:?}");
    assert!(!errors[1].is_empty(), "{errors:?}");
    assert_eq!(log[0]["httpStatus"], 200);
}

#[tokio::test]
async fn a_partner_that_never_recovers_leaves_the_listing_failed() {
    let partner = Partner::start().await;
    partner.otherwise(Answer::Status(503));
    let app = delivering_app(&[]).await;
    let (tenant, _, listing_id, _) = published(&app, &partner, "neverup").await;

    let failed = wait_until_status(&app, &tenant.staff, &listing_id, "FAILED").await;

    assert_eq!(failed["attempts"], 5, "{failed}");
    assert!(failed["lastError"].as_str().unwrap().contains("HTTP 503"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(partner.received().len(), 5);
}

#[tokio::test]
async fn every_delivery_is_signed_and_the_signature_verifies() {
    let partner = Partner::start().await;
    let app = delivering_app(&[]).await;
    let (_, product, listing_id, secret) = live(&app, &partner, "signed").await;

    let delivery = &partner.received()[0];
    let timestamp = delivery.header("x-dermaga-timestamp");
    let signature = delivery.header("x-dermaga-signature");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&delivery.raw_body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(signature, format!("t={timestamp},v1={expected}"));
    assert_eq!(delivery.header("x-dermaga-event"), "listing.upsert");
    assert!(!delivery.header("idempotency-key").is_empty());
    assert_eq!(delivery.body["schemaVersion"], 1);
    assert_eq!(delivery.body["product"]["id"], product);
    assert_eq!(delivery.body["listingId"], listing_id);
    assert_eq!(
        delivery.body["product"]["variants"][0]["price"]["amount"],
        "15000"
    );
}

#[tokio::test]
async fn rapid_successive_changes_arrive_in_order_and_coalesced() {
    let partner = Partner::start().await;
    partner.otherwise(Answer::SlowAccept(Duration::from_millis(300)));
    let app = delivering_app(&[]).await;
    let (tenant, product, listing_id, _) = published(&app, &partner, "rapid").await;

    for index in 0..8 {
        retitle(&app, &tenant, &product, &format!("Judul {index}")).await;
    }
    let version = app
        .graphql(
            "query($id: ID!) { managedProduct(id: $id) { version } }",
            json!({ "id": product }),
            tenant.staff.token(),
        )
        .await["data"]["managedProduct"]["version"]
        .as_i64()
        .unwrap();
    wait_for_listing(&app, &tenant.staff, &listing_id, 30, |l| {
        l["deliveredVersion"].as_i64() == Some(version)
    })
    .await;

    let versions: Vec<i64> = partner.received().iter().map(|r| r.version()).collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "in order: {versions:?}"
    );
    assert!(versions.len() < 9, "coalesced: {versions:?}");
    let last = partner.received().last().unwrap().body.clone();
    assert_eq!(last["product"]["title"], "Judul 7");
}

#[tokio::test]
async fn the_product_shows_its_listings() {
    let partner = Partner::start().await;
    let app = delivering_app(&[]).await;
    let (tenant, product, listing_id, _) = live(&app, &partner, "shows").await;
    let body = app
        .graphql(
            "query($id: ID!) { managedProduct(id: $id) { channelListings { id status channel { code } } } }",
            json!({ "id": product }),
            tenant.staff.token(),
        )
        .await;
    let listings = &body["data"]["managedProduct"]["channelListings"];
    assert_eq!(listings[0]["id"], listing_id, "{body}");
    assert_eq!(listings[0]["status"], "LIVE");
    assert_eq!(listings[0]["channel"]["code"], "shows");
    let stats = app
        .graphql(
            "{ dashboardStats { listingsByChannel { channelCode status count } } }",
            json!({}),
            tenant.staff.token(),
        )
        .await;
    assert!(stats.to_string().contains("\"LIVE\""), "{stats}");
}

#[tokio::test]
async fn unpublishing_sends_a_withdrawal_and_the_listing_stays_unpublished() {
    let partner = Partner::start().await;
    let app = delivering_app(&[]).await;
    let (tenant, product, listing_id, _) = live(&app, &partner, "withdrawn").await;

    let body = app
        .graphql(
            "mutation($input: UnpublishProductInput!) { unpublishProduct(input: $input) {
                listings { status } userErrors { code } } }",
            json!({ "input": { "productId": product } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        body["data"]["unpublishProduct"]["listings"][0]["status"], "UNPUBLISHED",
        "{body}"
    );
    wait_for_received(&partner, 2, "no withdrawal arrived").await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let withdrawal = &partner.received()[1];
    assert_eq!(withdrawal.header("x-dermaga-event"), "listing.delete");
    assert_eq!(withdrawal.body["product"]["variants"][0]["stock"], 0);
    let node = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on ChannelListing { id status } } }",
            json!({ "id": listing_id }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(node["data"]["node"]["status"], "UNPUBLISHED", "{node}");
}

#[tokio::test]
async fn a_dead_partner_does_not_hold_up_the_others() {
    let dead = Partner::start().await;
    dead.otherwise(Answer::Hang);
    let healthy = Partner::start().await;
    let app = delivering_app(&[
        ("WORKER_CHANNEL_CONCURRENCY", "2"),
        ("WORKER_BATCH_SIZE", "16"),
    ])
    .await;
    let tenant = app.tenant("isolation").await;
    let (dead_channel, _) = register_channel(&app, "dead", &dead.url, json!({})).await;
    let (healthy_channel, _) = register_channel(&app, "healthy", &healthy.url, json!({})).await;
    enable_channel(&app, &tenant, &dead_channel, json!({})).await;
    enable_channel(&app, &tenant, &healthy_channel, json!({})).await;
    let mut healthy_listings = Vec::new();
    for index in 0..6 {
        let product = product(&app, &tenant, &format!("Produk {index}")).await;
        let payload = publish(
            &app,
            &tenant.staff,
            &product,
            json!([{ "channelId": dead_channel }, { "channelId": healthy_channel }]),
        )
        .await;
        healthy_listings.push(payload["listings"][1]["id"].as_str().unwrap().to_owned());
    }

    let started = Instant::now();
    for listing in &healthy_listings {
        wait_until_status(&app, &tenant.staff, listing, "LIVE").await;
    }

    // Six hanging deliveries at two at a time would take three timeouts; the healthy
    // partner's listings do not wait for them.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(healthy.received().len(), 6);
    assert!(
        dead.received().len() <= 6,
        "at most two at a time per channel"
    );
}

const SUSPEND: &str = "mutation($id: ID!) { suspendSeller(input: { id: $id, reason: \"audit\" }) {
    seller { status } userErrors { code } } }";
const REACTIVATE: &str = "mutation($id: ID!) { reactivateSeller(input: { id: $id }) {
    seller { status } userErrors { code } } }";

#[tokio::test]
async fn an_archived_product_ends_unpublished_with_its_history() {
    let partner = Partner::start().await;
    let app = delivering_app(&[]).await;
    let (tenant, product, listing_id, _) = live(&app, &partner, "archived").await;

    let body = app
        .graphql(
            "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) {
                product { status } userErrors { code } } }",
            json!({ "input": { "id": product } }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        body["data"]["archiveProduct"]["product"]["status"], "ARCHIVED",
        "{body}"
    );
    let gone = wait_until_status(&app, &tenant.staff, &listing_id, "UNPUBLISHED").await;
    assert_eq!(partner.received().len(), 2);
    assert_eq!(
        partner.received()[1].header("x-dermaga-event"),
        "listing.delete"
    );
    assert!(gone["deliveredAt"].is_string(), "{gone}");
    let history = deliveries(&app, &tenant.staff, &listing_id).await;
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(history.iter().all(|d| d["outcome"] == "DELIVERED"));
}

#[tokio::test]
async fn a_suspended_seller_is_unpublished_and_comes_back_live_when_reactivated() {
    let partner = Partner::start().await;
    let app = delivering_app(&[]).await;
    let (tenant, _product, listing_id, _) = live(&app, &partner, "suspended").await;

    let body = app
        .graphql(
            SUSPEND,
            json!({ "id": tenant.seller_id }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        body["data"]["suspendSeller"]["seller"]["status"], "SUSPENDED",
        "{body}"
    );
    wait_until_status(&app, &tenant.staff, &listing_id, "UNPUBLISHED").await;
    assert_eq!(
        partner.received()[1].header("x-dermaga-event"),
        "listing.delete"
    );

    let body = app
        .graphql(
            REACTIVATE,
            json!({ "id": tenant.seller_id }),
            tenant.staff.token(),
        )
        .await;
    assert_eq!(
        body["data"]["reactivateSeller"]["seller"]["status"], "ACTIVE",
        "{body}"
    );
    let back = wait_until_status(&app, &tenant.staff, &listing_id, "LIVE").await;
    assert!(back["lastError"].is_null(), "{back}");
    let received = partner.received();
    assert_eq!(received.len(), 3);
    assert_eq!(received[2].header("x-dermaga-event"), "listing.upsert");
    assert!(received[2].body["product"]["variants"][0]["stock"].as_i64() > Some(0));
    assert_eq!(deliveries(&app, &tenant.staff, &listing_id).await.len(), 3);
}

#[tokio::test]
async fn a_deactivated_channel_holds_its_deliveries_until_reactivated() {
    let partner = Partner::start().await;
    let app = delivering_app(&[]).await;
    let (tenant, product, listing_id, _) = live(&app, &partner, "paused").await;
    let channel = app
        .graphql("{ channels { id } }", json!({}), tenant.admin.token())
        .await["data"]["channels"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = app.admin().await;
    let body = app
        .graphql(
            "mutation($id: ID!) { deactivateChannel(input: { id: $id }) { channel { isActive } } }",
            json!({ "id": channel }),
            admin.token(),
        )
        .await;
    assert_eq!(
        body["data"]["deactivateChannel"]["channel"]["isActive"], false,
        "{body}"
    );
    set_stock(&app, &tenant, &product, 3).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        partner.received().len(),
        1,
        "nothing goes to a deactivated channel"
    );
    assert_eq!(count_status(&app, "outbox_jobs", "PENDING").await, 1);

    app.graphql(
        "mutation($id: ID!) { reactivateChannel(input: { id: $id }) { channel { isActive } } }",
        json!({ "id": channel }),
        admin.token(),
    )
    .await;
    wait_for_received(&partner, 2, "the waiting push never went out").await;
    wait_until_status(&app, &tenant.staff, &listing_id, "LIVE").await;
}
