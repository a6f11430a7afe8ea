//! One test per limit: body size, batch size, depth, complexity, page size, introspection,
//! rate, time.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{error_code, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_json_body_over_one_mebibyte_is_413() {
    let app = spawn_app().await;
    let padding = "x".repeat(2 * 1024 * 1024);
    let response = app
        .post_graphql(
            &json!({ "query": "{ __typename }", "variables": { "padding": padding } }),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn a_batch_over_the_limit_is_400() {
    let app = spawn_app_with(&[("GRAPHQL_MAX_BATCH_SIZE", "2")]).await;
    let operation = json!({ "query": "{ __typename }" });
    let response = app
        .post_graphql(&json!([operation, operation, operation]), None)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "BATCH_TOO_LARGE");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 2")
    );
}

#[tokio::test]
async fn a_query_nested_too_deep_is_refused() {
    let app = spawn_app_with(&[("GRAPHQL_MAX_DEPTH", "2")]).await;
    let body = app
        .graphql(
            "{ categories { children { children { slug } } } }",
            json!({}),
            None,
        )
        .await;
    assert!(body["data"].is_null(), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too deep"),
        "{body}"
    );
}

#[tokio::test]
async fn a_list_is_costed_by_first_against_the_complexity_limit() {
    let app = spawn_app_with(&[("GRAPHQL_MAX_COMPLEXITY", "100")]).await;
    let admin = app.admin().await;
    let query =
        "query($first: Int) { sellers(first: $first) { edges { node { id businessName } } } }";

    let small = app
        .graphql(query, json!({ "first": 5 }), Some(&admin.access_token))
        .await;
    let large = app
        .graphql(query, json!({ "first": 50 }), Some(&admin.access_token))
        .await;

    assert!(small["errors"].is_null(), "{small}");
    assert_eq!(error_code(&large), "COMPLEXITY_LIMIT");
    assert!(
        large["errors"][0]["extensions"]["requested"]
            .as_u64()
            .unwrap()
            > 100
    );
}

#[tokio::test]
async fn every_response_reports_its_cost_and_the_remaining_budget() {
    let app = spawn_app_with(&[("RATE_LIMIT_PER_MINUTE", "50")]).await;

    let first = app
        .graphql("{ categories { slug } }", json!({}), None)
        .await;
    let second = app
        .graphql("{ categories { slug } }", json!({}), None)
        .await;

    let cost = &first["extensions"]["cost"];
    assert!(cost["requested"].as_u64().unwrap() >= 2, "{first}");
    assert_eq!(cost["limit"], 5000);
    assert_eq!(cost["rateLimit"]["limit"], 50);
    let remaining = |body: &Value| body["extensions"]["cost"]["rateLimit"]["remaining"].as_u64();
    assert_eq!(remaining(&second), remaining(&first).map(|n| n - 1));
}

#[tokio::test]
async fn a_negative_or_huge_first_is_bad_user_input() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for first in [-5, 1_000_000_000] {
        let body = app
            .graphql(
                "query($first: Int) { sellers(first: $first) { edges { node { id } } } }",
                json!({ "first": first }),
                Some(&admin.access_token),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "first {first}: {body}");
    }
}

#[tokio::test]
async fn introspection_is_off_unless_enabled() {
    let app = spawn_app_with(&[("GRAPHQL_INTROSPECTION", "false")]).await;
    let body = app
        .graphql("{ __schema { queryType { name } } }", json!({}), None)
        .await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
}

#[tokio::test]
async fn introspection_answers_when_enabled() {
    let app = spawn_app_with(&[("GRAPHQL_INTROSPECTION", "true")]).await;
    let body = app
        .graphql("{ __schema { queryType { name } } }", json!({}), None)
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "QueryRoot");
}

#[tokio::test]
async fn too_many_requests_are_429_with_retry_after() {
    let app = spawn_app_with(&[("RATE_LIMIT_PER_MINUTE", "2")]).await;
    for _ in 0..2 {
        let response = app
            .post_graphql(&json!({ "query": "{ __typename }" }), None)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    let response = app
        .post_graphql(&json!({ "query": "{ __typename }" }), None)
        .await;

    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], retry_after);
}

#[tokio::test]
async fn a_request_over_the_time_limit_is_504_timeout() {
    let app = spawn_app_with(&[("REQUEST_TIMEOUT_SECONDS", "0.001")]).await;
    let response = app
        .post_graphql(
            &json!({ "query": "mutation { login(input: {email: \"a@b.test\", password: \"wrong-password\"}) { userErrors { code } } }" }),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "TIMEOUT");
}

async fn upload_of(app: &crate::helpers::TestApp, bytes: usize) -> reqwest::Response {
    let form = crate::imports::upload_form(
        "mutation($file: Upload!) { importSellers(file: $file) { userErrors { code } } }",
        "sellers.csv",
        vec![b'a'; bytes],
    );
    app.client
        .post(format!("{}/graphql", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_upload_over_twenty_mebibytes_is_413() {
    let app = spawn_app().await;
    let response = upload_of(&app, 21 * 1024 * 1024).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn an_upload_over_one_mebibyte_is_still_accepted() {
    let app = spawn_app().await;
    let response = upload_of(&app, 2 * 1024 * 1024).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    // Anonymous: refused by the resolver, after the whole file was read.
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}
