//! Production means production: no demo mode, no GraphiQL or field suggestions unless enabled,
//! `/metrics` off the public port when it has an address of its own, and no e-mail address or
//! token in the log.

use std::{process::Command, time::Duration};

use serde_json::{Value, json};

use crate::{
    binary::Dermaga,
    helpers::{JWT_SECRET, TestApp, spawn_app, spawn_app_with},
};

#[test]
fn demo_mode_is_refused_in_production() {
    let output = Command::new(env!("CARGO_BIN_EXE_dermaga"))
        .arg("--demo")
        .env_clear()
        .env("APP_ENV", "production")
        .env("JWT_SECRET", JWT_SECRET)
        .output()
        .expect("the binary runs");

    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--demo"), "{stderr}");
    assert!(stderr.contains("APP_ENV=production"), "{stderr}");
}

/// `GET /graphql` with no query: where GraphiQL is served when it is.
async fn graphiql_page(app: &TestApp) -> reqwest::Response {
    app.client
        .get(format!("{}/graphql", app.address))
        .send()
        .await
        .expect("the server answers")
}

#[tokio::test]
async fn graphiql_is_not_served_in_production() {
    let app = spawn_app().await;
    let response = graphiql_page(&app).await;

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
}

#[tokio::test]
async fn graphiql_is_served_in_production_when_enabled() {
    let app = spawn_app_with(&[("GRAPHIQL", "true")]).await;
    let response = graphiql_page(&app).await;

    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("graphiql"));
}

async fn misspelled_field_error(app: &TestApp) -> String {
    let body = app.graphql("{ seler { id } }", json!({}), None).await;
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a validation error: {body}"))
        .to_owned()
}

#[tokio::test]
async fn field_suggestions_are_off_when_introspection_is() {
    let app = spawn_app_with(&[("GRAPHQL_INTROSPECTION", "false")]).await;
    let message = misspelled_field_error(&app).await;
    assert!(message.contains("Unknown field \"seler\""), "{message}");
    assert!(!message.contains("Did you mean"), "{message}");
}

#[tokio::test]
async fn field_suggestions_are_given_where_they_are_enabled() {
    let app = spawn_app_with(&[
        ("GRAPHQL_INTROSPECTION", "false"),
        ("GRAPHQL_SUGGESTIONS", "true"),
    ])
    .await;
    let message = misspelled_field_error(&app).await;
    assert!(message.contains("Did you mean"), "{message}");
}

#[tokio::test]
async fn metrics_on_their_own_address_are_off_the_public_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_addr = format!("127.0.0.1:{port}");
    let app = spawn_app_with(&[("METRICS_ADDR", &metrics_addr)]).await;
    let get = |url: String| {
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };

    let public = get(format!("{}/metrics", app.address)).await;
    let private = get(format!("http://{metrics_addr}/metrics")).await;
    let graphql_there = get(format!(
        "http://{metrics_addr}/graphql?query={{__typename}}"
    ))
    .await;

    assert_eq!(public.status(), 404);
    assert_eq!(graphql_there.status(), 404);
    assert_eq!(private.status(), 200);
    assert!(
        private
            .text()
            .await
            .unwrap()
            .contains("dermaga_db_statements_total")
    );
}

#[tokio::test]
async fn neither_emails_nor_tokens_nor_passwords_reach_the_log_even_at_trace() {
    let app = spawn_app().await;
    let email = "siti.rahayu@koperasi-medan.example";
    let password = "kata-sandi-rahasia-42";
    let mut server = Dermaga::start(
        &app,
        &[],
        &[
            ("RUST_LOG", "trace"),
            ("BOOTSTRAP_ADMIN_EMAIL", email),
            ("BOOTSTRAP_ADMIN_PASSWORD", password),
        ],
    );
    server.serving().await;
    let call = |query: &'static str, variables: Value, token: Option<String>| {
        let client = app.client.clone();
        let url = format!("{}/graphql", server.address);
        async move {
            let mut request = client
                .post(url)
                .json(&json!({ "query": query, "variables": variables }));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    let login = "mutation($input: LoginInput!) { login(input: $input) {
        session { accessToken refreshToken } userErrors { code } } }";

    call(
        login,
        json!({ "input": { "email": email, "password": "wrong-password-1" } }),
        None,
    )
    .await;
    let first = call(
        login,
        json!({ "input": { "email": email, "password": password } }),
        None,
    )
    .await;
    let session = &first["data"]["login"]["session"];
    let (access, refresh) = (
        session["accessToken"].as_str().unwrap().to_owned(),
        session["refreshToken"].as_str().unwrap().to_owned(),
    );
    let refreshed = call(
        "mutation($input: RefreshSessionInput!) { refreshSession(input: $input) {
            session { accessToken refreshToken } } }",
        json!({ "input": { "refreshToken": refresh } }),
        None,
    )
    .await;
    let session = &refreshed["data"]["refreshSession"]["session"];
    let new_access = session["accessToken"].as_str().unwrap().to_owned();
    let new_refresh = session["refreshToken"].as_str().unwrap().to_owned();
    call("{ me { email } }", json!({}), Some(new_access.clone())).await;
    call(
        "mutation { logout(input: {}) { revoked } }",
        json!({}),
        Some(new_access.clone()),
    )
    .await;
    // The old refresh token again: a reuse, which revokes the session and is logged.
    call(
        "mutation($input: RefreshSessionInput!) { refreshSession(input: $input) { session { accessToken } } }",
        json!({ "input": { "refreshToken": refresh } }),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.signal(libc::SIGTERM);
    let (_, log, _) = server.stopped().await;

    assert!(log.contains("DEBUG"), "detailed logging was on: {log}");
    assert!(log.contains("login"), "the logins were logged: {log}");
    for (what, secret) in [
        ("the e-mail", email),
        ("the password", password),
        ("an access token", &access),
        ("a refresh token", &refresh),
        ("a refreshed access token", &new_access),
        ("a refreshed refresh token", &new_refresh),
    ] {
        assert!(!log.contains(secret), "{what} is in the log: {log}");
    }
    // Nor the part of an e-mail that names the person.
    assert!(!log.contains("siti.rahayu"), "{log}");
}
