//! The `dermaga` binary itself: a bad configuration fails with one clear line, and a good
//! one serves the README's login and `me`.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::json;

fn dermaga(vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dermaga"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (key, value) in vars {
        command.env(key, value);
    }
    command
}

/// Runs the binary until it exits and returns its stderr.
fn failed_start(vars: &[(&str, &str)]) -> String {
    let output = dermaga(vars).output().expect("the binary runs");
    assert!(!output.status.success(), "expected a failed start");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line expected: {stderr:?}"
    );
    stderr
}

#[test]
fn production_without_a_jwt_secret_refuses_to_start() {
    let stderr = failed_start(&[("APP_ENV", "production")]);
    assert!(stderr.contains("JWT_SECRET"), "{stderr}");
}

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    let stderr = failed_start(&[
        (
            "DATABASE_URL",
            "postgres://dermaga:hunter2-secret@127.0.0.1:1/dermaga",
        ),
        ("PORT", "0"),
    ]);
    assert!(
        stderr.contains("cannot connect to the database"),
        "{stderr}"
    );
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn the_retired_trust_forwarded_for_refuses_to_start_and_names_trusted_proxies() {
    let stderr = failed_start(&[("TRUST_FORWARDED_FOR", "true")]);
    assert!(stderr.contains("TRUSTED_PROXIES"), "{stderr}");
}

#[test]
fn a_malformed_database_url_is_named() {
    let stderr = failed_start(&[("DATABASE_URL", "mysql//oops:pw@x")]);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains(":pw@"), "{stderr}");
}

#[test]
fn a_malformed_port_is_named() {
    let stderr = failed_start(&[("PORT", "eighty")]);
    assert!(stderr.contains("PORT"), "{stderr}");
}

#[test]
fn an_unreachable_redis_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    let stderr = failed_start(&[
        ("DATABASE_URL", database.as_str()),
        ("REDIS_URL", "redis://:topsecret@127.0.0.1:1/0"),
        ("PORT", "0"),
    ]);
    assert!(stderr.contains("Redis"), "{stderr}");
    assert!(!stderr.contains("topsecret"), "{stderr}");
}

#[tokio::test]
async fn the_binary_serves_the_readme_login_and_me() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("dermaga.db").display()
    );
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port().to_string()
    };
    let mut child = dermaga(&[
        ("DATABASE_URL", database.as_str()),
        ("PORT", port.as_str()),
        ("BOOTSTRAP_ADMIN_EMAIL", "admin@example.com"),
        ("BOOTSTRAP_ADMIN_PASSWORD", "change-me-now"),
        ("HTTP_WORKERS", "1"),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .is_ok()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login: serde_json::Value = if ready {
        client
            .post(format!("{address}/graphql"))
            .json(&json!({ "query": "mutation { login(input: {email: \"admin@example.com\", password: \"change-me-now\"}) { session { accessToken } userErrors { message } } }" }))
            .send().await.unwrap().json().await.unwrap()
    } else {
        json!(null)
    };
    let token = login["data"]["login"]["session"]["accessToken"]
        .as_str()
        .map(str::to_owned);
    let me: serde_json::Value = match &token {
        Some(token) => client
            .post(format!("{address}/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": "{ me { email role } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap(),
        None => json!(null),
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "the server did not come up");
    assert_eq!(
        me["data"]["me"]["email"], "admin@example.com",
        "login: {login}, me: {me}"
    );
    assert_eq!(me["data"]["me"]["role"], "PLATFORM_ADMIN");
}
