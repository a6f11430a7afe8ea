//! The client address behind `TRUSTED_PROXIES`: the right-most `X-Forwarded-For` hop that is
//! not a trusted proxy; without trusted proxies, the socket's peer. Observed through the
//! anonymous rate limit, which counts per client address.

use serde_json::json;

use crate::helpers::*;

async fn anonymous_from(app: &TestApp, forwarded_for: &str) -> u16 {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "query": "{ categories { id } }" }))
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

#[tokio::test]
async fn rotating_the_left_most_forwarded_for_does_not_escape_the_anonymous_rate_limit() {
    let app = spawn_app_with(&[
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
        ("RATE_LIMIT_PER_MINUTE", "2"),
    ])
    .await;
    let mut statuses = Vec::new();
    for n in 0..3 {
        statuses.push(anonymous_from(&app, &format!("1.1.1.{n}, 203.0.113.9")).await);
    }

    assert_eq!(statuses, [200, 200, 429]);
}

#[tokio::test]
async fn the_right_most_untrusted_hop_is_the_client_behind_trusted_proxies() {
    let app = spawn_app_with(&[
        ("TRUSTED_PROXIES", "127.0.0.1/32,10.0.0.0/8"),
        ("RATE_LIMIT_PER_MINUTE", "1"),
    ])
    .await;

    let first = anonymous_from(&app, "198.51.100.1, 203.0.113.9, 10.0.0.7").await;
    let same_client = anonymous_from(&app, "203.0.113.9").await;
    let another_client = anonymous_from(&app, "203.0.113.9, 203.0.113.10, 10.0.0.7").await;

    assert_eq!((first, same_client, another_client), (200, 429, 200));
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_for_is_ignored() {
    let app = spawn_app_with(&[("RATE_LIMIT_PER_MINUTE", "1")]).await;

    let first = anonymous_from(&app, "203.0.113.1").await;
    let second = anonymous_from(&app, "203.0.113.2").await;

    assert_eq!((first, second), (200, 429));
}
