//! Automatic Persisted Queries: a hash instead of the query, over POST and GET.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;

const CATEGORIES: &str = "{ categories { id slug } }";

fn hash(query: &str) -> String {
    format!("{:x}", Sha256::digest(query.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, body: Value) -> Value {
    app.post_graphql(&body, None)
        .await
        .json()
        .await
        .expect("a JSON body")
}

async fn get(app: &TestApp, params: &[(&str, String)]) -> Value {
    app.client
        .get(format!("{}/graphql", app.address))
        .header("accept", "application/json")
        .query(params)
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

#[tokio::test]
async fn an_unknown_hash_asks_for_the_query() {
    let app = spawn_app().await;

    let body = post(&app, json!({ "extensions": persisted(&hash(CATEGORIES)) })).await;

    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
}

#[tokio::test]
async fn a_registered_hash_runs_its_query_over_post() {
    let app = spawn_app().await;
    let first = post(
        &app,
        json!({ "query": CATEGORIES, "extensions": persisted(&hash(CATEGORIES)) }),
    )
    .await;
    assert!(first["errors"].is_null(), "{first}");

    let body = post(&app, json!({ "extensions": persisted(&hash(CATEGORIES)) })).await;

    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"], first["data"]);
}

#[tokio::test]
async fn a_registered_hash_runs_its_query_over_get() {
    let app = spawn_app().await;
    let first = post(
        &app,
        json!({ "query": CATEGORIES, "extensions": persisted(&hash(CATEGORIES)) }),
    )
    .await;

    let body = get(
        &app,
        &[("extensions", persisted(&hash(CATEGORIES)).to_string())],
    )
    .await;

    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"], first["data"]);
}

#[tokio::test]
async fn a_query_that_does_not_match_its_hash_is_refused() {
    let app = spawn_app().await;

    let body = post(
        &app,
        json!({ "query": CATEGORIES, "extensions": persisted(&hash("{ other }")) }),
    )
    .await;

    assert_eq!(error_code(&body), "PERSISTED_QUERY_HASH_MISMATCH", "{body}");
}

#[tokio::test]
async fn an_unsupported_version_is_refused() {
    let app = spawn_app().await;

    let body = post(
        &app,
        json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": hash(CATEGORIES) } } }),
    )
    .await;

    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_SUPPORTED", "{body}");
}

#[tokio::test]
async fn a_persisted_mutation_is_refused_over_get() {
    let app = spawn_app().await;
    let mutation = "mutation { logout(input: {refreshToken: \"x\"}) { userErrors { code } } }";
    post(
        &app,
        json!({ "query": mutation, "extensions": persisted(&hash(mutation)) }),
    )
    .await;

    let body = get(
        &app,
        &[("extensions", persisted(&hash(mutation)).to_string())],
    )
    .await;

    assert!(body["data"].is_null(), "{body}");
    assert_eq!(error_code(&body), "METHOD_NOT_ALLOWED", "{body}");
}
