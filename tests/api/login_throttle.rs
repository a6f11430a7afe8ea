//! Login throttling slows guessing per (account, client address) and per address, and never
//! locks the owner out. Clients are told apart by `X-Forwarded-For` behind a trusted proxy
//! (the test client, 127.0.0.1).

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

const BEHIND_PROXY: (&str, &str) = ("TRUSTED_PROXIES", "127.0.0.1/32");

async fn login_from(app: &TestApp, forwarded_for: &str, email: &str, password: &str) -> Value {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({
            "query": "mutation($input: LoginInput!) { login(input: $input) {
                session { accessToken } userErrors { code } } }",
            "variables": { "input": { "email": email, "password": password } },
        }))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

/// The `retryAfter` of a RATE_LIMITED answer.
fn retry_after(body: &Value) -> u64 {
    assert_eq!(error_code(body), "RATE_LIMITED", "{body}");
    body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap_or_else(|| panic!("no retryAfter: {body}"))
}

#[tokio::test]
async fn the_owner_logs_in_from_their_address_after_an_attackers_failures_from_another() {
    let app = spawn_app_with(&[BEHIND_PROXY, ("LOGIN_MAX_FAILURES", "3")]).await;
    let mut attacker = Value::Null;
    for _ in 0..10 {
        attacker = login_from(&app, "203.0.113.66", ADMIN_EMAIL, "guess-guess-guess").await;
    }
    assert!(retry_after(&attacker) >= 1);

    let owner = login_from(&app, "198.51.100.5", ADMIN_EMAIL, ADMIN_PASSWORD).await;

    assert!(owner["data"]["login"]["session"].is_object(), "{owner}");
}

#[tokio::test]
async fn each_failure_past_the_free_ones_doubles_the_wait() {
    let app = spawn_app_with(&[BEHIND_PROXY, ("LOGIN_MAX_FAILURES", "1")]).await;
    let mut waits = Vec::new();
    login_from(&app, "203.0.113.7", ADMIN_EMAIL, "wrong-password-1").await;
    for _ in 0..3 {
        let wait = retry_after(&login_from(&app, "203.0.113.7", ADMIN_EMAIL, "wrong-again").await);
        waits.push(wait);
        tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(100)).await;
        let admitted = login_from(&app, "203.0.113.7", ADMIN_EMAIL, "wrong-password-2").await;
        assert_eq!(
            user_error_codes(&admitted["data"]["login"]),
            ["INVALID_CREDENTIALS"]
        );
    }

    assert_eq!(waits, [1, 2, 4]);
}

#[tokio::test]
async fn after_the_wait_the_right_password_logs_in_from_the_same_address() {
    let app = spawn_app_with(&[BEHIND_PROXY, ("LOGIN_MAX_FAILURES", "2")]).await;
    for _ in 0..2 {
        login_from(&app, "203.0.113.7", ADMIN_EMAIL, "a-typo-a-typo").await;
    }
    let wait = retry_after(&login_from(&app, "203.0.113.7", ADMIN_EMAIL, ADMIN_PASSWORD).await);

    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(100)).await;
    let owner = login_from(&app, "203.0.113.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;

    assert!(owner["data"]["login"]["session"].is_object(), "{owner}");
}

#[tokio::test]
async fn rotating_the_left_most_forwarded_for_does_not_escape_the_per_address_limit() {
    let app = spawn_app_with(&[
        BEHIND_PROXY,
        ("LOGIN_MAX_FAILURES_PER_ADDRESS", "3"),
        ("LOGIN_MAX_FAILURES", "100"),
    ])
    .await;
    for n in 0..3 {
        let spoofed = format!("10.9.{n}.1, 203.0.113.9");
        let email = format!("user{n}@dermaga.test");
        login_from(&app, &spoofed, &email, "guess-guess-guess").await;
    }

    let body = login_from(
        &app,
        "10.9.99.1, 203.0.113.9",
        "another@dermaga.test",
        "guess-guess-guess",
    )
    .await;

    assert!(retry_after(&body) >= 1);
}
